package xfrm

import (
	"errors"
	"fmt"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// ours reports whether a policy is flexvpnd's: its template carries ReqID.
func ours(p *netlink.XfrmPolicy) bool {
	return p.Ifid != 0 && len(p.Tmpls) == 1 && p.Tmpls[0].Reqid == ReqID
}

// removeStale removes what a previous run of the daemon left in the
// namespace (see the package documentation): the links and routes netdev
// marks, then the SAs and policies carrying ReqID. Each removal is logged
// at Warn.
func (b *Backend) removeStale() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	removed, err := b.links.RemoveStale()
	for _, r := range removed {
		b.log.Warn("xfrm: removed state left by a previous run", "what", r)
	}
	if err != nil {
		return fmt.Errorf("xfrm: %w", err)
	}
	states, err := b.nl.XfrmStateList(netlink.FAMILY_ALL)
	if err != nil {
		return fmt.Errorf("xfrm: list SAs: %w", err)
	}
	for i := range states {
		st := &states[i]
		if st.Reqid != ReqID {
			continue
		}
		if err := b.nl.XfrmStateDel(st); err != nil && !errors.Is(err, unix.ESRCH) {
			return fmt.Errorf("xfrm: delete stale SA %08x: %w", uint32(st.Spi), err)
		}
		b.log.Warn("xfrm: removed state left by a previous run", "what", describeSA(st))
	}
	policies, err := b.nl.XfrmPolicyList(netlink.FAMILY_ALL)
	if err != nil {
		return fmt.Errorf("xfrm: list policies: %w", err)
	}
	for i := range policies {
		p := &policies[i]
		if !ours(p) {
			continue
		}
		if err := b.nl.XfrmPolicyDel(p); err != nil && !errors.Is(err, unix.ENOENT) {
			return fmt.Errorf("xfrm: delete stale policy %v %v if_id %d: %w", p.Dir, p.Dst, p.Ifid, err)
		}
		b.log.Warn("xfrm: removed state left by a previous run", "what", fmt.Sprintf("policy %v %v if_id %d", p.Dir, p.Dst, p.Ifid))
	}
	return nil
}

// removeLeftover deletes the kernel SA with the destination and SPI of st
// when it is flexvpnd's (ReqID) but held by no CHILD SA of b, as after a
// restart; otherwise it fails with EEXIST, leaving it alone. b.mu is held.
func (b *Backend) removeLeftover(st *netlink.XfrmState) error {
	cur, err := b.nl.XfrmStateGet(&netlink.XfrmState{Dst: st.Dst, Proto: st.Proto, Spi: st.Spi})
	switch {
	case errors.Is(err, unix.ESRCH):
		return nil
	case err != nil:
		return fmt.Errorf("SPI %08x: %w", uint32(st.Spi), err)
	}
	if _, held := b.held[keyOf(cur)]; held || cur.Reqid != ReqID {
		return fmt.Errorf("SPI %08x to %v taken by another SA (reqid %d): %w", uint32(st.Spi), st.Dst, cur.Reqid, unix.EEXIST)
	}
	if err := b.nl.XfrmStateDel(cur); err != nil && !errors.Is(err, unix.ESRCH) {
		return fmt.Errorf("delete the leftover SA %08x: %w", uint32(st.Spi), err)
	}
	b.log.Warn("xfrm: replaced an SA left by a previous run", "what", describeSA(cur))
	return nil
}

// describeSA names a kernel SA in logs.
func describeSA(st *netlink.XfrmState) string {
	return fmt.Sprintf("SA %08x %v->%v if_id %d", uint32(st.Spi), st.Src, st.Dst, st.Ifid)
}
