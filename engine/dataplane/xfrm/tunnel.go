package xfrm

import (
	"errors"
	"fmt"
	"net"

	"github.com/flexvpnd/flexvpnd/engine/dataplane"
	"github.com/flexvpnd/flexvpnd/engine/dataplane/netdev"
	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// EnsureTunnel creates the xfrm interface of t (if_id t.ID, named
// t.IfName, alias netdev.Owner) or renames the existing one with that
// if_id, then applies the addresses, MTU, state, VRF and routes of t
// through netdev (routes only while up). A link named t.IfName that is not
// the xfrm interface of t.ID is an error, not replaced. t.Local and
// t.Remote are not used: the SAs and policies carry the outer endpoints,
// and the kernel routes the ESP packets by them. The backend remembers t
// for Resync, also when EnsureTunnel fails.
func (b *Backend) EnsureTunnel(t dataplane.Tunnel) error {
	if t.ID == 0 {
		return fmt.Errorf("xfrm: tunnel %s: ID 0", t.Name)
	}
	if t.IfName == "" || len(t.IfName) > unix.IFNAMSIZ-1 {
		return fmt.Errorf("xfrm: tunnel %d: interface name %q", t.ID, t.IfName)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if prev, ok := b.tunnels[t.ID]; ok && prev.IfName != t.IfName {
		b.links.Forget(prev.IfName)
	}
	b.tunnels[t.ID] = t
	if _, err := b.ensureLink(t.ID, t.IfName); err != nil {
		return fmt.Errorf("xfrm: tunnel %d (%s): %w", t.ID, t.Name, err)
	}
	if err := b.links.Ensure(linkOf(t)); err != nil {
		return fmt.Errorf("xfrm: tunnel %d (%s): %w", t.ID, t.Name, err)
	}
	return nil
}

// linkOf returns the netdev state of the xfrm interface of t.
func linkOf(t dataplane.Tunnel) netdev.Link {
	return netdev.Link{Name: t.IfName, Addrs: t.Addrs, MTU: t.MTU, Up: t.Up, VRF: t.VRF, Routes: t.Routes, Own: true}
}

// ensureLink makes name the xfrm interface of ifID and says what it
// changed: "" when it was there, else "created" or "renamed from OLD".
func (b *Backend) ensureLink(ifID uint32, name string) (string, error) {
	link, err := b.nl.LinkByName(name)
	var notFound netlink.LinkNotFoundError
	switch {
	case err == nil:
		if x, ok := link.(*netlink.Xfrmi); !ok || x.Ifid != ifID {
			return "", fmt.Errorf("%s exists as %s, not as the xfrm interface of if_id %d", name, describe(link), ifID)
		}
		return "", nil
	case !errors.As(err, &notFound):
		return "", fmt.Errorf("%s: %w", name, err)
	}
	old, err := b.tunnelLink(ifID)
	if err != nil {
		return "", err
	}
	if old != nil {
		return "renamed from " + old.Attrs().Name, b.rename(old, name)
	}
	attrs := netlink.NewLinkAttrs()
	attrs.Name, attrs.Alias = name, netdev.Owner
	if err := b.nl.LinkAdd(&netlink.Xfrmi{LinkAttrs: attrs, Ifid: ifID}); err != nil {
		return "", fmt.Errorf("add xfrm interface %s: %w", name, err)
	}
	return "created", nil
}

// rename renames the link, which the kernel allows only while it is down;
// netdev brings it up again.
func (b *Backend) rename(link netlink.Link, name string) error {
	if link.Attrs().Flags&net.FlagUp != 0 {
		if err := b.nl.LinkSetDown(link); err != nil {
			return fmt.Errorf("rename %s: down: %w", link.Attrs().Name, err)
		}
	}
	if err := b.nl.LinkSetName(link, name); err != nil {
		return fmt.Errorf("rename %s to %s: %w", link.Attrs().Name, name, err)
	}
	return nil
}

// describe names the kind of a link for error messages.
func describe(link netlink.Link) string {
	if x, ok := link.(*netlink.Xfrmi); ok {
		return fmt.Sprintf("xfrm if_id %d", x.Ifid)
	}
	return link.Type()
}

// tunnelLink returns the xfrm interface with the given if_id, nil if there
// is none.
func (b *Backend) tunnelLink(ifID uint32) (netlink.Link, error) {
	links, err := b.nl.LinkList()
	if err != nil {
		return nil, fmt.Errorf("list links: %w", err)
	}
	for _, l := range links {
		if x, ok := l.(*netlink.Xfrmi); ok && x.Ifid == ifID {
			return l, nil
		}
	}
	return nil, nil
}

// DeleteTunnel removes the xfrm interface with if_id id (its addresses and
// routes go with it) and every SA and policy of flexvpnd (ReqID) carrying
// that if_id, including any left by a previous run.
func (b *Backend) DeleteTunnel(id uint32) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	delete(b.tunnels, id)
	link, err := b.tunnelLink(id)
	if err != nil {
		return fmt.Errorf("xfrm: delete tunnel %d: %w", id, err)
	}
	if link != nil {
		if err := b.links.Remove(link.Attrs().Name); err != nil {
			return fmt.Errorf("xfrm: delete tunnel %d: %w", id, err)
		}
	}
	if err := b.deleteStates(id); err != nil {
		return fmt.Errorf("xfrm: delete tunnel %d: %w", id, err)
	}
	if err := b.deletePolicies(id); err != nil {
		return fmt.Errorf("xfrm: delete tunnel %d: %w", id, err)
	}
	delete(b.policies, id)
	b.dropTunnelSAs(id)
	return nil
}

// deleteStates removes every SA of flexvpnd with the given if_id.
func (b *Backend) deleteStates(ifID uint32) error {
	states, err := b.nl.XfrmStateList(netlink.FAMILY_ALL)
	if err != nil {
		return fmt.Errorf("list SAs: %w", err)
	}
	for i := range states {
		st := &states[i]
		if uint32(st.Ifid) != ifID || st.Reqid != ReqID {
			continue
		}
		if err := b.nl.XfrmStateDel(st); err != nil && !errors.Is(err, unix.ESRCH) {
			return fmt.Errorf("delete SA %08x: %w", uint32(st.Spi), err)
		}
	}
	return nil
}

// deletePolicies removes every policy of flexvpnd with the given if_id.
func (b *Backend) deletePolicies(ifID uint32) error {
	policies, err := b.nl.XfrmPolicyList(netlink.FAMILY_ALL)
	if err != nil {
		return fmt.Errorf("list policies: %w", err)
	}
	for i := range policies {
		p := &policies[i]
		if uint32(p.Ifid) != ifID || !ours(p) {
			continue
		}
		if err := b.nl.XfrmPolicyDel(p); err != nil && !errors.Is(err, unix.ENOENT) {
			return fmt.Errorf("delete policy %v %v: %w", p.Dir, p.Dst, err)
		}
	}
	return nil
}
