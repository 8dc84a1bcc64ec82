// Package xfrm is the Linux kernel backend of the data plane: it programs
// ESP SAs, policies and xfrm interfaces through netlink (RFC 4301 section
// 4.4 for the SAD and SPD, RFC 4303 for ESP). It is the only package that
// talks to github.com/vishvananda/netlink.
//
// Every operation goes through a Handle bound to one network namespace and
// opened with explicit netlink families (NETLINK_ROUTE, NETLINK_XFRM), never
// through netlink's package-level functions, and every operation is an
// "ensure": applying it twice leaves the kernel as applying it once does.
package xfrm

import (
	"errors"
	"fmt"
	"net"
	"net/netip"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"
)

// Handle programs XFRM and links in one network namespace. It is safe for
// concurrent use as far as the underlying netlink handle is.
type Handle struct {
	nl *netlink.Handle
}

// Open returns a handle on the network namespace bound at nsPath (such as
// /run/netns/NAME or /proc/PID/ns/net), or on the caller's current
// namespace when nsPath is empty.
func Open(nsPath string) (*Handle, error) {
	families := []int{unix.NETLINK_ROUTE, unix.NETLINK_XFRM}
	if nsPath == "" {
		nl, err := netlink.NewHandle(families...)
		if err != nil {
			return nil, fmt.Errorf("xfrm: open netlink: %w", err)
		}
		return &Handle{nl: nl}, nil
	}
	ns, err := netns.GetFromPath(nsPath)
	if err != nil {
		return nil, fmt.Errorf("xfrm: open namespace %s: %w", nsPath, err)
	}
	defer ns.Close()
	nl, err := netlink.NewHandleAt(ns, families...)
	if err != nil {
		return nil, fmt.Errorf("xfrm: open netlink in %s: %w", nsPath, err)
	}
	return &Handle{nl: nl}, nil
}

// Close releases the netlink sockets.
func (h *Handle) Close() { h.nl.Close() }

// Interface is an xfrm interface: a route-based tunnel whose traffic is
// bound to the SAs and policies carrying its if_id.
type Interface struct {
	// Name is the Linux interface name (at most 15 octets).
	Name string
	// IfID is the XFRM if_id; it must be non-zero.
	IfID uint32
	// Underlay names the link the ESP packets leave through
	// (IFLA_XFRM_LINK); empty for none.
	Underlay string
	// Addresses are the inner addresses assigned to the interface.
	Addresses []netip.Prefix
}

// EnsureInterface creates the xfrm interface if missing, assigns its
// addresses and brings it up. An existing link of the same name with another
// kind or if_id is an error, not replaced.
func (h *Handle) EnsureInterface(ifc Interface) error {
	if ifc.IfID == 0 {
		return fmt.Errorf("xfrm: interface %s: if_id 0", ifc.Name)
	}
	link, err := h.nl.LinkByName(ifc.Name)
	var notFound netlink.LinkNotFoundError
	switch {
	case errors.As(err, &notFound):
		attrs := netlink.NewLinkAttrs()
		attrs.Name = ifc.Name
		if ifc.Underlay != "" {
			under, err := h.nl.LinkByName(ifc.Underlay)
			if err != nil {
				return fmt.Errorf("xfrm: interface %s: underlay: %w", ifc.Name, err)
			}
			attrs.ParentIndex = under.Attrs().Index
		}
		if err := h.nl.LinkAdd(&netlink.Xfrmi{LinkAttrs: attrs, Ifid: ifc.IfID}); err != nil {
			return fmt.Errorf("xfrm: add interface %s: %w", ifc.Name, err)
		}
		if link, err = h.nl.LinkByName(ifc.Name); err != nil {
			return fmt.Errorf("xfrm: interface %s: %w", ifc.Name, err)
		}
	case err != nil:
		return fmt.Errorf("xfrm: interface %s: %w", ifc.Name, err)
	}
	x, ok := link.(*netlink.Xfrmi)
	if !ok || x.Ifid != ifc.IfID {
		return fmt.Errorf("xfrm: interface %s exists as %s, not xfrm if_id %d", ifc.Name, link.Type(), ifc.IfID)
	}
	for _, p := range ifc.Addresses {
		addr := &netlink.Addr{IPNet: &net.IPNet{IP: p.Addr().AsSlice(), Mask: net.CIDRMask(p.Bits(), p.Addr().BitLen())}}
		if p.Addr().Is6() {
			addr.Flags = unix.IFA_F_NODAD
		}
		if err := h.nl.AddrReplace(link, addr); err != nil {
			return fmt.Errorf("xfrm: interface %s: address %v: %w", ifc.Name, p, err)
		}
	}
	if err := h.nl.LinkSetUp(link); err != nil {
		return fmt.Errorf("xfrm: interface %s: up: %w", ifc.Name, err)
	}
	return nil
}

// DeleteInterface removes the named link; a missing link is not an error.
func (h *Handle) DeleteInterface(name string) error {
	link, err := h.nl.LinkByName(name)
	var notFound netlink.LinkNotFoundError
	if errors.As(err, &notFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("xfrm: interface %s: %w", name, err)
	}
	if err := h.nl.LinkDel(link); err != nil {
		return fmt.Errorf("xfrm: delete interface %s: %w", name, err)
	}
	return nil
}
