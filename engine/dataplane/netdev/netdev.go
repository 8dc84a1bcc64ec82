// Package netdev brings a Linux network interface to a desired state through
// rtnetlink: addresses, MTU, administrative state, VRF enslavement and the
// routes through it. Both data plane backends use it, the kernel one for its
// xfrm interfaces and the userspace one for its TUN devices; creating the
// link itself is the backend's business.
//
// Every operation goes through a [Handle] bound to one network namespace and
// opened with an explicit netlink family (NETLINK_ROUTE), never through
// netlink's package-level functions, and every operation is an "ensure":
// applying it twice leaves the kernel as applying it once does, and a
// reconciliation adds what is missing before it removes what is extra.
//
// # Resync and leftovers
//
// A Handle remembers the last state it was asked to ensure for each link,
// so that [Handle.Resync] can repair what was changed behind its back (an
// address or route deleted, the link set down, its MTU changed): the
// backends call it periodically (dataplane.Resyncer). What a previous run
// of the daemon left (after a crash) is recognised by two marks and removed
// by [Handle.RemoveStale] at start: the routes carry RouteProtocol, a
// protocol number of their own, and the links the backends create and that
// outlive the process (xfrm interfaces) carry the alias [Owner]. Nothing
// without these marks is ever removed.
package netdev

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"sync"

	"github.com/flexvpnd/flexvpnd/engine/dataplane"
	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"
)

// RouteProtocol is the rtnetlink protocol that marks the routes Ensure
// installs (`ip route` shows "proto 70"). It is none of the numbers of
// linux/rtnetlink.h or iproute2's rt_protos (static is 4, the routing
// daemons use 8 to 18, 42, 99 and 186 to 198), so that Ensure and
// RemoveStale only ever remove flexvpnd's routes: the kernel's own (the
// connected prefix of an address) and those of administrators and other
// tools are left alone.
const RouteProtocol = 70

// Owner is the alias (IFLA_IFALIAS, `ip link set NAME alias`) of the links
// that Ensure tags as flexvpnd's (Link.Own), by which RemoveStale
// recognises them after a crash.
const Owner = "flexvpnd"

// ErrNotFound is wrapped by the errors of operations on a link (or VRF
// device) that does not exist.
var ErrNotFound = errors.New("link not found")

// Handle configures links in one network namespace. It is safe for
// concurrent use as far as the underlying netlink handle is (the netlink
// package serialises requests per socket), but two callers ensuring the same
// link concurrently race as two administrators would.
type Handle struct {
	nl  *netlink.Handle
	own bool // Close closes nl

	mu   sync.Mutex
	want map[string]Link // the last state ensured, by link name

	loops loopbacks // EnsureLoopback's state (loopback.go)
}

// Open returns a handle on the network namespace bound at nsPath (such as
// /run/netns/NAME or /proc/PID/ns/net), or on the network namespace of the
// calling thread when nsPath is empty. Close releases it.
func Open(nsPath string) (*Handle, error) {
	if nsPath == "" {
		nl, err := netlink.NewHandle(unix.NETLINK_ROUTE)
		if err != nil {
			return nil, fmt.Errorf("netdev: open netlink: %w", err)
		}
		return &Handle{nl: nl, own: true, want: map[string]Link{}}, nil
	}
	ns, err := netns.GetFromPath(nsPath)
	if err != nil {
		return nil, fmt.Errorf("netdev: open namespace %s: %w", nsPath, err)
	}
	defer ns.Close()
	nl, err := netlink.NewHandleAt(ns, unix.NETLINK_ROUTE)
	if err != nil {
		return nil, fmt.Errorf("netdev: open netlink in %s: %w", nsPath, err)
	}
	return &Handle{nl: nl, own: true, want: map[string]Link{}}, nil
}

// Wrap returns a Handle working through nl, a handle the caller opened (in
// the namespace of its choice, with NETLINK_ROUTE among its families) and
// keeps owning: Close on the result does not close nl.
func Wrap(nl *netlink.Handle) *Handle { return &Handle{nl: nl, want: map[string]Link{}} }

// Close releases the netlink sockets of a handle made by Open.
func (h *Handle) Close() {
	if h.own {
		h.nl.Close()
	}
}

// Link is the desired state of one interface.
type Link struct {
	// Name is the Linux interface name; the link must exist.
	Name string
	// Addrs are the addresses the link must carry; any other address on
	// it is removed, except IPv6 link-local ones (which the kernel
	// manages).
	Addrs []netip.Prefix
	// MTU is the link MTU in bytes; 0 leaves it as it is.
	MTU int
	// Up is the administrative state (`no shutdown`).
	Up bool
	// VRF names the VRF device the link is enslaved to; empty detaches it
	// from any VRF (the global table). The VRF device must exist.
	VRF string
	// Routes are the routes through the link, installed in the VRF's table
	// (or the main table) with the IOS distance as metric. They exist only
	// while the link is up: the kernel refuses routes through a down link
	// and flushes them when it goes down.
	Routes []dataplane.Route
	// Own tags the link as created by flexvpnd (alias Owner), for
	// RemoveStale; set it only on links the backend created, never on
	// links such as lo or physical interfaces.
	Own bool
}

// Ensure brings the existing link l.Name to l: alias, VRF, MTU, addresses,
// administrative state, then routes, adding before removing. It is
// idempotent. It fails, wrapping ErrNotFound, when the link or the VRF does
// not exist. The handle remembers l for Resync, also when Ensure fails.
func (h *Handle) Ensure(l Link) error {
	h.mu.Lock()
	h.want[l.Name] = l
	h.mu.Unlock()
	_, err := h.apply(l)
	return err
}

// Resync brings the link name back to the state last ensured for it and
// returns what it had to change, one description per change ("address
// 10.0.0.1/24 added"); nothing when the link is as it should be, or when
// no state was ensured for it (or it was removed or forgotten since). It
// fails, wrapping ErrNotFound, when the link itself is gone: re-creating
// it is the backend's business.
func (h *Handle) Resync(name string) ([]string, error) {
	h.mu.Lock()
	l, ok := h.want[name]
	h.mu.Unlock()
	if !ok {
		return nil, nil
	}
	return h.apply(l)
}

// Forget drops the state remembered for the link name, whose link went
// away without Remove (a TUN device closed by its owner).
func (h *Handle) Forget(name string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.want, name)
}

// changes collects descriptions of what apply changed.
type changes []string

// add records one change.
func (c *changes) add(format string, args ...any) { *c = append(*c, fmt.Sprintf(format, args...)) }

// apply brings the link to l and describes what it changed.
func (h *Handle) apply(l Link) ([]string, error) {
	link, err := h.link(l.Name)
	if err != nil {
		return nil, err
	}
	var c changes
	if l.Own && link.Attrs().Alias != Owner {
		if err := h.nl.LinkSetAlias(link, Owner); err != nil {
			return c, fmt.Errorf("netdev: %s: alias: %w", l.Name, err)
		}
		c.add("alias %s set", Owner)
	}
	table, err := h.ensureVRF(link, l.VRF, &c)
	if err != nil {
		return c, fmt.Errorf("netdev: %s: %w", l.Name, err)
	}
	if l.MTU != 0 && link.Attrs().MTU != l.MTU {
		if err := h.nl.LinkSetMTU(link, l.MTU); err != nil {
			return c, fmt.Errorf("netdev: %s: mtu %d: %w", l.Name, l.MTU, err)
		}
		c.add("mtu %d set (was %d)", l.MTU, link.Attrs().MTU)
	}
	if err := h.ensureAddrs(link, l.Addrs, &c); err != nil {
		return c, fmt.Errorf("netdev: %s: %w", l.Name, err)
	}
	if err := h.ensureState(link, l.Up, &c); err != nil {
		return c, fmt.Errorf("netdev: %s: %w", l.Name, err)
	}
	if !l.Up {
		return c, nil
	}
	if err := h.ensureRoutes(link, table, l.Routes, &c); err != nil {
		return c, fmt.Errorf("netdev: %s: %w", l.Name, err)
	}
	return c, nil
}

// Remove deletes the link l.Name and forgets its state; the kernel removes
// its addresses and routes with it. A missing link is not an error. (A TUN
// device goes away when its file descriptor is closed; Remove is for links
// that persist, such as xfrm interfaces.)
func (h *Handle) Remove(name string) error {
	h.Forget(name)
	link, err := h.link(name)
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if err := h.nl.LinkDel(link); err != nil {
		return fmt.Errorf("netdev: delete %s: %w", name, err)
	}
	return nil
}

// Exists reports whether a link named name exists in the handle's namespace.
func (h *Handle) Exists(name string) (bool, error) {
	_, err := h.link(name)
	if errors.Is(err, ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}

// link looks a link up by name.
func (h *Handle) link(name string) (netlink.Link, error) {
	link, err := h.nl.LinkByName(name)
	var notFound netlink.LinkNotFoundError
	if errors.As(err, &notFound) {
		return nil, fmt.Errorf("netdev: %s: %w", name, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("netdev: %s: %w", name, err)
	}
	return link, nil
}

// ensureVRF enslaves link to the VRF device named vrf, or frees it from any
// VRF when vrf is empty, and returns the routing table of its routes.
func (h *Handle) ensureVRF(link netlink.Link, vrf string, c *changes) (table int, err error) {
	master := link.Attrs().MasterIndex
	if vrf == "" {
		if master == 0 {
			return unix.RT_TABLE_MAIN, nil
		}
		m, err := h.nl.LinkByIndex(master)
		if err != nil {
			return 0, fmt.Errorf("master %d: %w", master, err)
		}
		if _, isVRF := m.(*netlink.Vrf); isVRF {
			if err := h.nl.LinkSetNoMaster(link); err != nil {
				return 0, fmt.Errorf("leave vrf %s: %w", m.Attrs().Name, err)
			}
			c.add("left vrf %s", m.Attrs().Name)
		}
		return unix.RT_TABLE_MAIN, nil
	}
	m, err := h.link(vrf)
	if err != nil {
		return 0, fmt.Errorf("vrf: %w", err)
	}
	v, ok := m.(*netlink.Vrf)
	if !ok {
		return 0, fmt.Errorf("vrf %s is a %s link, not a vrf", vrf, m.Type())
	}
	if master != v.Index {
		if err := h.nl.LinkSetMasterByIndex(link, v.Index); err != nil {
			return 0, fmt.Errorf("enslave to vrf %s: %w", vrf, err)
		}
		c.add("enslaved to vrf %s", vrf)
	}
	return int(v.Table), nil
}

// ensureAddrs adds the missing addresses of want to link, then removes the
// others (IPv6 link-local ones excepted). Removing an IPv4 primary address
// makes the kernel drop the secondaries of its subnet too (unless
// promote_secondaries is set), so the addresses are listed and added once
// more after a removal.
func (h *Handle) ensureAddrs(link netlink.Link, want []netip.Prefix, c *changes) error {
	have, err := h.addAddrs(link, want, c)
	if err != nil {
		return err
	}
	removed := false
	for _, a := range have {
		p := prefixOf(a.IPNet)
		if slices.Contains(want, p) || p.Addr().IsLinkLocalUnicast() {
			continue
		}
		if err := h.nl.AddrDel(link, &a); err != nil && !errors.Is(err, unix.EADDRNOTAVAIL) {
			return fmt.Errorf("remove address %v: %w", p, err)
		}
		c.add("address %v removed", p)
		removed = true
	}
	if removed {
		_, err = h.addAddrs(link, want, c)
	}
	return err
}

// addAddrs adds the addresses of want that link lacks, and returns the
// addresses it had before.
func (h *Handle) addAddrs(link netlink.Link, want []netip.Prefix, c *changes) ([]netlink.Addr, error) {
	have, err := h.nl.AddrList(link, netlink.FAMILY_ALL)
	if err != nil && !errors.Is(err, netlink.ErrDumpInterrupted) {
		return nil, fmt.Errorf("list addresses: %w", err)
	}
	present := make(map[netip.Prefix]bool, len(have))
	for _, a := range have {
		present[prefixOf(a.IPNet)] = true
	}
	for _, p := range want {
		if present[p] {
			continue
		}
		addr := &netlink.Addr{IPNet: ipNet(p)}
		if p.Addr().Is6() {
			addr.Flags = unix.IFA_F_NODAD
		}
		if err := h.nl.AddrReplace(link, addr); err != nil {
			return nil, fmt.Errorf("add address %v: %w", p, err)
		}
		c.add("address %v added", p)
	}
	return have, nil
}

// ensureState sets the administrative state of link.
func (h *Handle) ensureState(link netlink.Link, up bool, c *changes) error {
	isUp := link.Attrs().Flags&net.FlagUp != 0
	switch {
	case up && !isUp:
		if err := h.nl.LinkSetUp(link); err != nil {
			return fmt.Errorf("up: %w", err)
		}
		c.add("set up")
	case !up && isUp:
		if err := h.nl.LinkSetDown(link); err != nil {
			return fmt.Errorf("down: %w", err)
		}
		c.add("set down")
	}
	return nil
}

// routeKey identifies a route for reconciliation.
type routeKey struct {
	dst    netip.Prefix
	table  int
	metric int
}

// ensureRoutes installs want through link in table with RouteProtocol, then
// removes the other RouteProtocol routes through link (in any table, so a
// VRF change moves them).
func (h *Handle) ensureRoutes(link netlink.Link, table int, want []dataplane.Route, c *changes) error {
	filter := &netlink.Route{LinkIndex: link.Attrs().Index, Protocol: RouteProtocol}
	have, err := h.nl.RouteListFiltered(netlink.FAMILY_ALL, filter,
		netlink.RT_FILTER_OIF|netlink.RT_FILTER_PROTOCOL|netlink.RT_FILTER_TABLE)
	if err != nil && !errors.Is(err, netlink.ErrDumpInterrupted) {
		return fmt.Errorf("list routes: %w", err)
	}
	present := make(map[routeKey]bool, len(have))
	for _, r := range have {
		present[keyOf(&r)] = true
	}
	wanted := make(map[routeKey]bool, len(want))
	for _, w := range want {
		k := routeKey{dst: w.Prefix.Masked(), table: table, metric: int(w.Distance)}
		wanted[k] = true
		if present[k] {
			continue
		}
		r := &netlink.Route{
			LinkIndex: link.Attrs().Index, Dst: ipNet(k.dst), Table: table,
			Priority: k.metric, Protocol: RouteProtocol, Scope: netlink.SCOPE_LINK,
		}
		if err := h.nl.RouteReplace(r); err != nil {
			return fmt.Errorf("add route %v metric %d: %w", k.dst, k.metric, err)
		}
		c.add("route %v table %d metric %d added", k.dst, k.table, k.metric)
	}
	for _, r := range have {
		if wanted[keyOf(&r)] {
			continue
		}
		if err := h.nl.RouteDel(&r); err != nil && !errors.Is(err, unix.ESRCH) {
			return fmt.Errorf("remove route %v: %w", r.Dst, err)
		}
		k := keyOf(&r)
		c.add("route %v table %d metric %d removed", k.dst, k.table, k.metric)
	}
	return nil
}

// RemoveStale removes what a previous run of the daemon left in the
// namespace, as after a crash: the links tagged Owner (with their addresses
// and routes) and the routes of RouteProtocol through other links. It
// returns a description of each removal. Call it at start, before the
// first Ensure; it forgets every remembered state.
func (h *Handle) RemoveStale() ([]string, error) {
	h.mu.Lock()
	clear(h.want)
	h.mu.Unlock()
	var c changes
	links, err := h.nl.LinkList()
	if err != nil {
		return nil, fmt.Errorf("netdev: list links: %w", err)
	}
	for _, l := range links {
		if l.Attrs().Alias != Owner {
			continue
		}
		if err := h.nl.LinkDel(l); err != nil && !errors.Is(err, unix.ENODEV) {
			return c, fmt.Errorf("netdev: delete stale link %s: %w", l.Attrs().Name, err)
		}
		c.add("link %s (%s) deleted", l.Attrs().Name, l.Type())
	}
	routes, err := h.nl.RouteListFiltered(netlink.FAMILY_ALL, &netlink.Route{Protocol: RouteProtocol},
		netlink.RT_FILTER_PROTOCOL|netlink.RT_FILTER_TABLE)
	if err != nil && !errors.Is(err, netlink.ErrDumpInterrupted) {
		return c, fmt.Errorf("netdev: list routes: %w", err)
	}
	for _, r := range routes {
		if err := h.nl.RouteDel(&r); err != nil && !errors.Is(err, unix.ESRCH) {
			return c, fmt.Errorf("netdev: delete stale route %v: %w", r.Dst, err)
		}
		k := keyOf(&r)
		c.add("route %v table %d metric %d deleted", k.dst, k.table, k.metric)
	}
	return c, nil
}

// keyOf returns the reconciliation key of an installed route.
func keyOf(r *netlink.Route) routeKey {
	dst := prefixOf(r.Dst)
	if r.Dst == nil {
		if r.Family == unix.AF_INET6 {
			dst = netip.PrefixFrom(netip.IPv6Unspecified(), 0)
		} else {
			dst = netip.PrefixFrom(netip.IPv4Unspecified(), 0)
		}
	}
	return routeKey{dst: dst, table: r.Table, metric: r.Priority}
}

// ipNet converts a prefix to the net.IPNet netlink wants.
func ipNet(p netip.Prefix) *net.IPNet {
	return &net.IPNet{IP: p.Addr().AsSlice(), Mask: net.CIDRMask(p.Bits(), p.Addr().BitLen())}
}

// prefixOf converts a netlink address back to a prefix (the zero Prefix for
// nil or malformed values).
func prefixOf(n *net.IPNet) netip.Prefix {
	if n == nil {
		return netip.Prefix{}
	}
	a, ok := netip.AddrFromSlice(n.IP)
	if !ok {
		return netip.Prefix{}
	}
	ones, _ := n.Mask.Size()
	return netip.PrefixFrom(a.Unmap(), ones)
}
