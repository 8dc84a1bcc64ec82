package netdev

import (
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"sync"

	"github.com/flexvpnd/flexvpnd/engine/dataplane"
	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// loopbacks is the state of a Handle's loopbacks: the link each one's
// addresses are on and, on lo, which of them it added.
type loopbacks struct {
	mu      sync.Mutex
	noDummy bool                 // the kernel has no dummy link type
	on      map[string]loopState // by IOS name
}

// loopState is where one loopback's addresses are.
type loopState struct {
	link  string         // the dummy link's name, or "lo"
	added []netip.Prefix // on lo: the host prefixes EnsureLoopback added
}

// EnsureLoopback puts the addresses of the loopback l on the host
// (dataplane.Loopbacks): on a dummy link named after it (dataplane.LinuxName,
// tagged Owner, up) where the kernel has dummy links, otherwise on lo. On lo
// each address is added as a host prefix (/32, /128), because the kernel
// makes every address of a prefix on lo local; only the addresses that lo
// did not carry already are added, and only those are removed later.
func (h *Handle) EnsureLoopback(l dataplane.Loopback) error {
	h.loops.mu.Lock()
	defer h.loops.mu.Unlock()
	st, ok := h.loops.on[l.Name]
	if !ok {
		link, err := h.loopbackLink(dataplane.LinuxName(l.Name))
		if err != nil {
			return fmt.Errorf("netdev: loopback %s: %w", l.Name, err)
		}
		st.link = link
	}
	var err error
	if st.link == "lo" {
		st.added, err = h.ensureOnLo(st.added, l.Addrs)
	} else {
		err = h.Ensure(Link{Name: st.link, Addrs: l.Addrs, Up: true, Own: true})
	}
	if h.loops.on == nil {
		h.loops.on = map[string]loopState{}
	}
	h.loops.on[l.Name] = st
	if err != nil {
		return fmt.Errorf("netdev: loopback %s: %w", l.Name, err)
	}
	return nil
}

// DeleteLoopback removes what EnsureLoopback put on the host for the
// loopback name: its dummy link, or the addresses it added to lo.
func (h *Handle) DeleteLoopback(name string) error {
	h.loops.mu.Lock()
	defer h.loops.mu.Unlock()
	st, ok := h.loops.on[name]
	if !ok {
		return nil
	}
	var err error
	if st.link == "lo" {
		st.added, err = h.ensureOnLo(st.added, nil)
	} else {
		err = h.Remove(st.link)
	}
	if err != nil {
		h.loops.on[name] = st
		return fmt.Errorf("netdev: loopback %s: %w", name, err)
	}
	delete(h.loops.on, name)
	return nil
}

// loopbackLink creates the dummy link name and returns name, or returns
// "lo" when the kernel has no dummy links (remembered for the next ones).
// A link already named name (left by an earlier run) is reused.
func (h *Handle) loopbackLink(name string) (string, error) {
	if h.loops.noDummy {
		return "lo", nil
	}
	err := h.nl.LinkAdd(&netlink.Dummy{LinkAttrs: netlink.LinkAttrs{Name: name}})
	switch {
	case err == nil || errors.Is(err, unix.EEXIST):
		return name, nil
	case errors.Is(err, unix.EOPNOTSUPP):
		h.loops.noDummy = true
		return "lo", nil
	}
	return "", fmt.Errorf("create dummy link %s: %w", name, err)
}

// ensureOnLo brings the addresses flexvpnd added to lo from added to the
// host prefixes of want, and returns the new added set: it adds those lo
// lacks, then removes those of added no longer wanted, leaving the others
// (127.0.0.1, an administrator's) alone. An address it failed to remove
// stays in the returned set.
func (h *Handle) ensureOnLo(added, want []netip.Prefix) ([]netip.Prefix, error) {
	lo, err := h.link("lo")
	if err != nil {
		return added, err
	}
	have, err := h.nl.AddrList(lo, netlink.FAMILY_ALL)
	if err != nil && !errors.Is(err, netlink.ErrDumpInterrupted) {
		return added, fmt.Errorf("list addresses of lo: %w", err)
	}
	var next []netip.Prefix
	var errs []error
	for _, w := range want {
		p := netip.PrefixFrom(w.Addr(), w.Addr().BitLen())
		switch {
		case slices.Contains(next, p):
		case slices.Contains(added, p):
			next = append(next, p)
		case !slices.ContainsFunc(have, func(a netlink.Addr) bool { return prefixOf(a.IPNet) == p }):
			addr := &netlink.Addr{IPNet: ipNet(p)}
			if p.Addr().Is6() {
				addr.Flags = unix.IFA_F_NODAD
			}
			if err := h.nl.AddrReplace(lo, addr); err != nil {
				errs = append(errs, fmt.Errorf("add address %v to lo: %w", p, err))
				continue
			}
			next = append(next, p)
		}
	}
	for _, p := range added {
		if slices.Contains(next, p) {
			continue
		}
		if err := h.nl.AddrDel(lo, &netlink.Addr{IPNet: ipNet(p)}); err != nil && !errors.Is(err, unix.EADDRNOTAVAIL) {
			errs = append(errs, fmt.Errorf("remove address %v from lo: %w", p, err))
			next = append(next, p) // still ours to remove
		}
	}
	return next, errors.Join(errs...)
}
