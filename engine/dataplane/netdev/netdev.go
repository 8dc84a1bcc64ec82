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
package netdev

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"slices"

	"github.com/flexvpnd/flexvpnd/engine/dataplane"
	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"
)

// RouteProtocol is the rtnetlink protocol (RTPROT_STATIC) that marks the
// routes Ensure installs. Ensure only ever removes routes carrying it, so
// the kernel's own routes (the connected prefix of an address) and routes
// added by other tools are left alone.
const RouteProtocol = unix.RTPROT_STATIC

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
		return &Handle{nl: nl, own: true}, nil
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
	return &Handle{nl: nl, own: true}, nil
}

// Wrap returns a Handle working through nl, a handle the caller opened (in
// the namespace of its choice, with NETLINK_ROUTE among its families) and
// keeps owning: Close on the result does not close nl.
func Wrap(nl *netlink.Handle) *Handle { return &Handle{nl: nl} }

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
}

// Ensure brings the existing link l.Name to l: VRF, MTU, addresses,
// administrative state, then routes, adding before removing. It is
// idempotent. It fails, wrapping ErrNotFound, when the link or the VRF does
// not exist.
func (h *Handle) Ensure(l Link) error {
	link, err := h.link(l.Name)
	if err != nil {
		return err
	}
	table, err := h.ensureVRF(link, l.VRF)
	if err != nil {
		return fmt.Errorf("netdev: %s: %w", l.Name, err)
	}
	if l.MTU != 0 && link.Attrs().MTU != l.MTU {
		if err := h.nl.LinkSetMTU(link, l.MTU); err != nil {
			return fmt.Errorf("netdev: %s: mtu %d: %w", l.Name, l.MTU, err)
		}
	}
	if err := h.ensureAddrs(link, l.Addrs); err != nil {
		return fmt.Errorf("netdev: %s: %w", l.Name, err)
	}
	if err := h.ensureState(link, l.Up); err != nil {
		return fmt.Errorf("netdev: %s: %w", l.Name, err)
	}
	if !l.Up {
		return nil
	}
	if err := h.ensureRoutes(link, table, l.Routes); err != nil {
		return fmt.Errorf("netdev: %s: %w", l.Name, err)
	}
	return nil
}

// Remove deletes the link l.Name; the kernel removes its addresses and
// routes with it. A missing link is not an error. (A TUN device goes away
// when its file descriptor is closed; Remove is for links that persist, such
// as xfrm interfaces.)
func (h *Handle) Remove(name string) error {
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
func (h *Handle) ensureVRF(link netlink.Link, vrf string) (table int, err error) {
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
	}
	return int(v.Table), nil
}

// ensureAddrs adds the missing addresses of want to link, then removes the
// others (IPv6 link-local ones excepted). Removing an IPv4 primary address
// makes the kernel drop the secondaries of its subnet too (unless
// promote_secondaries is set), so the addresses are listed and added once
// more after a removal.
func (h *Handle) ensureAddrs(link netlink.Link, want []netip.Prefix) error {
	have, err := h.addAddrs(link, want)
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
		removed = true
	}
	if removed {
		_, err = h.addAddrs(link, want)
	}
	return err
}

// addAddrs adds the addresses of want that link lacks, and returns the
// addresses it had before.
func (h *Handle) addAddrs(link netlink.Link, want []netip.Prefix) ([]netlink.Addr, error) {
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
	}
	return have, nil
}

// ensureState sets the administrative state of link.
func (h *Handle) ensureState(link netlink.Link, up bool) error {
	isUp := link.Attrs().Flags&net.FlagUp != 0
	switch {
	case up && !isUp:
		if err := h.nl.LinkSetUp(link); err != nil {
			return fmt.Errorf("up: %w", err)
		}
	case !up && isUp:
		if err := h.nl.LinkSetDown(link); err != nil {
			return fmt.Errorf("down: %w", err)
		}
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
func (h *Handle) ensureRoutes(link netlink.Link, table int, want []dataplane.Route) error {
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
	}
	for _, r := range have {
		if wanted[keyOf(&r)] {
			continue
		}
		if err := h.nl.RouteDel(&r); err != nil && !errors.Is(err, unix.ESRCH) {
			return fmt.Errorf("remove route %v: %w", r.Dst, err)
		}
	}
	return nil
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
