package xfrm

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math"
	"net/netip"
	"slices"
	"time"

	"github.com/flexvpnd/flexvpnd/engine/dataplane"
	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// maxPacketRate bounds the packets per second one outbound SA can have
// sent between two passes of Resync (4 Mi: more than one kernel SA, whose
// sequence numbers are taken under a lock, carries). A re-added outbound
// SA starts this many sequence numbers per second above the last count
// (see the package documentation); at the default 30 s interval that is
// 3 % of the 32-bit space of an SA without ESN.
const maxPacketRate = 1 << 22

// Resync puts back the tunnels, policies and SAs this backend installed
// that were deleted or changed behind its back (see the package
// documentation), logging each repair at Warn, and returns how many it
// made. It holds the backend one tunnel at a time, then for the policies,
// then for the SAs, each read from the kernel in one dump.
func (b *Backend) Resync(ctx context.Context) (int, error) {
	b.mu.Lock()
	ids := slices.Sorted(maps.Keys(b.tunnels))
	b.mu.Unlock()
	steps := make([]func() (int, error), 0, len(ids)+2)
	for _, id := range ids {
		steps = append(steps, func() (int, error) {
			t, ok := b.tunnels[id]
			if !ok { // deleted meanwhile
				return 0, nil
			}
			return b.resyncTunnel(t)
		})
	}
	steps = append(steps, b.resyncPolicies, b.resyncSAs)
	var n int
	var errs []error
	for _, step := range steps {
		if err := ctx.Err(); err != nil {
			return n, fmt.Errorf("xfrm: resync: %w", err)
		}
		k, err := b.locked(step)
		n += k
		if err != nil {
			errs = append(errs, err)
		}
	}
	return n, errors.Join(errs...)
}

// locked runs step holding b.mu, unless the backend is closed.
func (b *Backend) locked(step func() (int, error)) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return 0, errors.New("xfrm: resync: backend closed")
	}
	return step()
}

// repaired logs one repair.
func (b *Backend) repaired(what, change string) {
	b.log.Warn("xfrm: repaired state changed behind its back", "what", what, "change", change)
}

// resyncTunnel re-creates or renames back the xfrm interface of t and
// restores its netdev state.
func (b *Backend) resyncTunnel(t dataplane.Tunnel) (int, error) {
	n := 0
	change, err := b.ensureLink(t.ID, t.IfName)
	if err != nil {
		return 0, fmt.Errorf("xfrm: resync tunnel %d (%s): %w", t.ID, t.Name, err)
	}
	if change != "" {
		b.repaired(t.IfName, "xfrm interface "+change)
		n++
		if change == "created" {
			// A new link: netdev's memory of the old one's state
			// (alias, up) says nothing about it.
			if err := b.links.Ensure(linkOf(t)); err != nil {
				return n, fmt.Errorf("xfrm: resync tunnel %d (%s): %w", t.ID, t.Name, err)
			}
			return n, nil
		}
	}
	changes, err := b.links.Resync(t.IfName)
	for _, c := range changes {
		b.repaired(t.IfName, c)
	}
	n += len(changes)
	if err != nil {
		return n, fmt.Errorf("xfrm: resync tunnel %d (%s): %w", t.ID, t.Name, err)
	}
	return n, nil
}

// policyKey identifies a tunnel policy for Resync.
type policyKey struct {
	ifID     uint32
	dir      netlink.Dir
	v6       bool
	src, dst netip.Addr // of the template
}

// keyOfPolicy returns the key of a policy of the inner family v6, built by
// policies or read back.
func keyOfPolicy(p *netlink.XfrmPolicy, v6 bool) policyKey {
	src, _ := netip.AddrFromSlice(p.Tmpls[0].Src)
	dst, _ := netip.AddrFromSlice(p.Tmpls[0].Dst)
	return policyKey{ifID: uint32(p.Ifid), dir: p.Dir, v6: v6, src: src.Unmap(), dst: dst.Unmap()}
}

// resyncPolicies adds the tunnel policies missing from the kernel.
func (b *Backend) resyncPolicies() (int, error) {
	have := map[policyKey]bool{}
	// One dump per family: netlink (v1.3.1) reads the selector ::/0 of
	// a dump of all families as 0.0.0.0/0.
	for _, fam := range []int{netlink.FAMILY_V4, netlink.FAMILY_V6} {
		list, err := b.nl.XfrmPolicyList(fam)
		if err != nil {
			return 0, fmt.Errorf("xfrm: resync: list policies: %w", err)
		}
		for i := range list {
			if p := &list[i]; ours(p) {
				have[keyOfPolicy(p, fam == netlink.FAMILY_V6)] = true
			}
		}
	}
	n := 0
	for _, ifID := range slices.Sorted(maps.Keys(b.policies)) {
		for fam, ep := range b.policies[ifID] {
			for _, p := range policies(ifID, fam, ep) {
				if have[keyOfPolicy(p, fam == unix.AF_INET6)] {
					continue
				}
				if err := b.nl.XfrmPolicyUpdate(p); err != nil {
					return n, fmt.Errorf("xfrm: resync: policy %v %v if_id %d: %w", p.Dir, p.Dst, ifID, err)
				}
				b.repaired(fmt.Sprintf("tunnel %d", ifID), fmt.Sprintf("policy %v %v added", p.Dir, p.Dst))
				n++
			}
		}
	}
	return n, nil
}

// resyncSAs adds the SAs of the installed CHILD SAs missing from the
// kernel (of the outbound ones only the sending SA of each tunnel) and
// records the counters of the others.
func (b *Backend) resyncSAs() (int, error) {
	list, err := b.nl.XfrmStateList(netlink.FAMILY_ALL)
	if err != nil {
		return 0, fmt.Errorf("xfrm: resync: list SAs: %w", err)
	}
	have := map[saKey]*netlink.XfrmState{}
	for i := range list {
		if st := &list[i]; st.Reqid == ReqID {
			have[keyOf(st)] = st
		}
	}
	sending := map[uint32]uint64{} // tunnel -> highest sent
	for id, c := range b.sas {
		sending[id.TunnelID] = max(sending[id.TunnelID], c.sent)
	}
	now := b.now()
	n := 0
	var errs []error
	for id, c := range b.sas {
		in, out := have[keyOf(c.in)], have[keyOf(c.out)]
		if in == nil {
			if err := b.readdIn(id, c); err != nil {
				errs = append(errs, err)
			} else {
				n++
			}
		}
		if c.sent != 0 && out == nil && c.sent == sending[id.TunnelID] {
			if err := b.readdOut(id, c, now); err != nil {
				errs = append(errs, err)
			} else {
				n++
			}
		}
		if in != nil {
			c.seenIn = in.Statistics
		}
		if out != nil {
			c.seenOut, c.seenAt = out.Statistics, now
		}
	}
	return n, errors.Join(errs...)
}

// readdIn adds the lost inbound SA of c again, its replay window starting
// at the packets received on it until Resync last saw it: the sequence
// numbers of the peer's next packets are higher.
func (b *Backend) readdIn(id dataplane.ChildSAID, c *childSA) error {
	s := c.seenIn
	seq := c.base.InPackets + s.Packets
	if err := b.addSA(c.in, seq, 0); err != nil && !errors.Is(err, unix.EEXIST) {
		return fmt.Errorf("xfrm: resync %v: inbound: %w", id, err)
	}
	c.base.InPackets += s.Packets
	c.base.InBytes += s.Bytes
	c.base.ReplayDrops += uint64(s.ReplayWindow) + uint64(s.Replay)
	c.base.AuthFailures += uint64(s.Failed)
	c.seenIn = netlink.XfrmStateStats{}
	b.repaired(id.String(), fmt.Sprintf("inbound SA %08x added, replay window from %d", id.InSPI, seq))
	return nil
}

// readdOut adds the lost outbound SA of c again, with sequence numbers
// above any it can have used (see maxPacketRate).
func (b *Backend) readdOut(id dataplane.ChildSAID, c *childSA, now time.Time) error {
	s := c.seenOut
	oseq := c.outStart + s.Packets + uint64(math.Ceil(max(now.Sub(c.seenAt), time.Second).Seconds()))*maxPacketRate
	if err := b.addSA(c.out, 0, oseq); err != nil && !errors.Is(err, unix.EEXIST) {
		return fmt.Errorf("xfrm: resync %v: outbound: %w", id, err)
	}
	c.outStart, c.seenAt = oseq, now
	c.base.OutPackets += s.Packets
	c.base.OutBytes += s.Bytes
	c.seenOut = netlink.XfrmStateStats{}
	b.repaired(id.String(), fmt.Sprintf("outbound SA %08x added, sequence numbers from %d", id.OutSPI, oseq+1))
	return nil
}
