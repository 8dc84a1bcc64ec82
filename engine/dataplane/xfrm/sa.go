package xfrm

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"time"

	"github.com/flexvpnd/flexvpnd/engine/dataplane"
	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// IKEv2 transform IDs (RFC 7296 section 3.3.2, IANA "IKEv2 Parameters")
// that this backend maps to Linux crypto API names.
const (
	encrAESCBC            = 12 // RFC 3602
	encrAESGCM8           = 18 // RFC 4106
	encrAESGCM12          = 19
	encrAESGCM16          = 20
	encrChaCha20Poly1305  = 28 // RFC 7634
	integHMACSHA1_96      = 2  // RFC 2404
	integHMACSHA2_256_128 = 12 // RFC 4868
	integHMACSHA2_384_192 = 13
	integHMACSHA2_512_256 = 14
)

// replayWindow is the anti-replay window of inbound SAs (RFC 4303 section
// 3.4.3), in packets: 64, the IOS default. Outbound SAs get it too, as the
// kernel requires a replay state with ESN.
const replayWindow = 64

// saltLen is the salt appended to AES-GCM (RFC 4106 section 8.1) and
// ChaCha20-Poly1305 (RFC 7634 section 4) keys.
const saltLen = 4

// aeads maps combined-mode ciphers to the kernel algorithm and ICV length
// in bits.
var aeads = map[uint16]struct {
	name string
	icv  int
}{
	encrAESGCM8:          {"rfc4106(gcm(aes))", 64},
	encrAESGCM12:         {"rfc4106(gcm(aes))", 96},
	encrAESGCM16:         {"rfc4106(gcm(aes))", 128},
	encrChaCha20Poly1305: {"rfc7539esp(chacha20,poly1305)", 128},
}

// integs maps integrity transforms to the kernel algorithm, key length in
// octets and truncated ICV length in bits.
var integs = map[uint16]struct {
	name        string
	keyLen, icv int
}{
	integHMACSHA1_96:      {"hmac(sha1)", 20, 96},
	integHMACSHA2_256_128: {"hmac(sha256)", 32, 128},
	integHMACSHA2_384_192: {"hmac(sha384)", 48, 192},
	integHMACSHA2_512_256: {"hmac(sha512)", 64, 256},
}

// algorithms returns the kernel algorithms of one direction, checking the
// key lengths against the negotiated transforms.
func algorithms(a dataplane.Algorithms, d dataplane.Direction) (aead, crypt, auth *netlink.XfrmStateAlgo, err error) {
	if c, ok := aeads[a.Encr]; ok {
		want := a.EncrKeyBits/8 + saltLen
		if a.Encr == encrChaCha20Poly1305 {
			want = 32 + saltLen
		} else if a.EncrKeyBits != 128 && a.EncrKeyBits != 192 && a.EncrKeyBits != 256 {
			return nil, nil, nil, fmt.Errorf("AES-GCM key length %d bits", a.EncrKeyBits)
		}
		if len(d.EncrKey) != want || a.Integ != 0 || len(d.IntegKey) != 0 {
			return nil, nil, nil, fmt.Errorf("transform %d: %d-octet key with integrity %d, want %d octets and none",
				a.Encr, len(d.EncrKey), a.Integ, want)
		}
		return &netlink.XfrmStateAlgo{Name: c.name, Key: d.EncrKey, ICVLen: c.icv}, nil, nil, nil
	}
	if a.Encr != encrAESCBC {
		return nil, nil, nil, fmt.Errorf("unsupported encryption transform %d", a.Encr)
	}
	if a.EncrKeyBits != 128 && a.EncrKeyBits != 192 && a.EncrKeyBits != 256 || len(d.EncrKey) != a.EncrKeyBits/8 {
		return nil, nil, nil, fmt.Errorf("AES-CBC: %d-octet key for %d bits", len(d.EncrKey), a.EncrKeyBits)
	}
	i, ok := integs[a.Integ]
	if !ok {
		return nil, nil, nil, fmt.Errorf("unsupported integrity transform %d", a.Integ)
	}
	if len(d.IntegKey) != i.keyLen {
		return nil, nil, nil, fmt.Errorf("%s: %d-octet key, want %d", i.name, len(d.IntegKey), i.keyLen)
	}
	return nil, &netlink.XfrmStateAlgo{Name: "cbc(aes)", Key: d.EncrKey},
		&netlink.XfrmStateAlgo{Name: i.name, Key: d.IntegKey, TruncateLen: i.icv}, nil
}

// states returns the inbound and outbound ESP tunnel-mode SAs of sa, tagged
// with its if_id and ReqID, tying them to the tunnel's policies. They have
// no selector (any inner family) and no lifetime
// limits (see the package documentation).
func states(sa dataplane.ChildSA) (in, out *netlink.XfrmState, err error) {
	if !sa.Local.IsValid() || !sa.Remote.IsValid() || sa.Local.Is4() != sa.Remote.Is4() {
		return nil, nil, fmt.Errorf("endpoints %v and %v", sa.Local, sa.Remote)
	}
	mk := func(src, dst netip.Addr, d dataplane.Direction, srcPort, dstPort uint16) (*netlink.XfrmState, error) {
		aead, crypt, auth, err := algorithms(sa.Algorithms, d)
		if err != nil {
			return nil, fmt.Errorf("SPI %08x: %w", d.SPI, err)
		}
		st := &netlink.XfrmState{
			Src: src.AsSlice(), Dst: dst.AsSlice(), Proto: netlink.XFRM_PROTO_ESP,
			Mode: netlink.XFRM_MODE_TUNNEL, Spi: int(d.SPI), Reqid: ReqID,
			Ifid: int(sa.TunnelID), ReplayWindow: replayWindow, ESN: sa.Algorithms.ESN,
			Aead: aead, Crypt: crypt, Auth: auth,
		}
		if sa.Encap.Enabled() {
			// RFC 3948 section 2.1: ESP after a UDP header; the
			// original address (NAT-OA) only matters in transport
			// mode.
			st.Encap = &netlink.XfrmStateEncap{Type: netlink.XFRM_ENCAP_ESPINUDP, SrcPort: int(srcPort), DstPort: int(dstPort)}
		}
		return st, nil
	}
	if in, err = mk(sa.Remote, sa.Local, sa.In, sa.Encap.RemotePort, sa.Encap.LocalPort); err != nil {
		return nil, nil, err
	}
	if out, err = mk(sa.Local, sa.Remote, sa.Out, sa.Encap.LocalPort, sa.Encap.RemotePort); err != nil {
		return nil, nil, err
	}
	return in, out, nil
}

// childSA is an installed CHILD SA: its two kernel SAs, with their keys
// for Resync.
type childSA struct {
	in, out *netlink.XfrmState
	// sent orders the outbound activations: of a tunnel's CHILD SAs, the
	// one with the highest sent carries the outbound traffic. It is 0
	// while the outbound SA is pending, not in the kernel.
	sent uint64
	// seenIn and seenOut are the kernel counters of the SAs when Resync
	// last found them in the kernel (zero since they were added), and
	// seenAt when the outbound SA was last found or added.
	seenIn, seenOut netlink.XfrmStateStats
	seenAt          time.Time
	// outStart is the sequence number after which the outbound SA in
	// the kernel started: 0, or where Resync re-added it.
	outStart uint64
	// base are the counts of the SAs Resync replaced, added to the
	// kernel's.
	base dataplane.Counters
}

// saKey is the kernel's key of an SA: destination and SPI (the protocol is
// always ESP; RFC 4301 section 4.1).
type saKey struct {
	dst netip.Addr
	spi uint32
}

// keyOf returns the key of a kernel SA.
func keyOf(st *netlink.XfrmState) saKey {
	dst, _ := netip.AddrFromSlice(st.Dst)
	return saKey{dst.Unmap(), uint32(st.Spi)}
}

// keys returns the keys of the two SAs of the CHILD SA id.
func keys(id dataplane.ChildSAID) [2]saKey {
	return [2]saKey{{id.Local, id.InSPI}, {id.Remote, id.OutSPI}}
}

// hold records the SAs of the CHILD SA id as taken, until release.
func (b *Backend) hold(id dataplane.ChildSAID) {
	for _, k := range keys(id) {
		b.held[k] = id
	}
}

// release forgets the SAs of the CHILD SA id, gone from the kernel.
func (b *Backend) release(id dataplane.ChildSAID) {
	for _, k := range keys(id) {
		if b.held[k] == id {
			delete(b.held, k)
		}
	}
}

// InstallChildSA installs both ESP SAs of a route-based CHILD SA, inbound
// first so that the peer's first packets find it, and the policies of its
// tunnel unless already there. With sa.OutboundPending the outbound SA is
// kept in memory, its SPI checked free, and added by ActivateOutbound. It
// fails without side effects when either SPI is taken by a CHILD SA of
// this Backend, installed or in its grace period, or by an SA in the
// kernel that is not flexvpnd's; an SA left by a previous run (ReqID) is
// replaced. The inbound SA is removed again when the outbound one or the
// policies fail.
func (b *Backend) InstallChildSA(sa dataplane.ChildSA) error {
	if sa.TunnelID == 0 {
		return fmt.Errorf("xfrm: %v: no tunnel (transport mode and policy-based SAs are not supported)", sa.ID())
	}
	in, out, err := states(sa)
	if err != nil {
		return fmt.Errorf("xfrm: %v: %w", sa.ID(), err)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, k := range keys(sa.ID()) {
		if other, ok := b.held[k]; ok {
			return fmt.Errorf("xfrm: %v: SPI %08x to %v held by %v: %w", sa.ID(), k.spi, k.dst, other, unix.EEXIST)
		}
	}
	if sa.OutboundPending {
		if err := b.outboundFree(out); err != nil {
			return fmt.Errorf("xfrm: %v: outbound: %w", sa.ID(), err)
		}
	}
	if err := b.addOwnSA(in); err != nil {
		return fmt.Errorf("xfrm: %v: inbound: %w", sa.ID(), err)
	}
	if !sa.OutboundPending {
		err = b.addOwnSA(out)
	}
	if err != nil {
		err = fmt.Errorf("outbound: %w", err)
	} else if err = b.ensurePolicies(sa); err != nil && !sa.OutboundPending {
		b.undo(out)
	}
	if err != nil {
		b.undo(in)
		return fmt.Errorf("xfrm: %v: %w", sa.ID(), err)
	}
	c := &childSA{in: in, out: out, seenAt: b.now()}
	if !sa.OutboundPending {
		b.serial++
		c.sent = b.serial
	}
	b.sas[sa.ID()] = c
	b.hold(sa.ID())
	return nil
}

// addOwnSA adds st (see addSA), replacing an SA with the same destination
// and SPI left by a previous run (ReqID, held by no CHILD SA of b).
func (b *Backend) addOwnSA(st *netlink.XfrmState) error {
	err := b.addSA(st, 0, 0)
	if !errors.Is(err, unix.EEXIST) {
		return err
	}
	if rerr := b.removeLeftover(st); rerr != nil {
		return rerr
	}
	return b.addSA(st, 0, 0)
}

// undo deletes an SA just added; it cannot do better than log a failure.
func (b *Backend) undo(st *netlink.XfrmState) {
	if err := b.nl.XfrmStateDel(st); err != nil {
		b.log.Error("xfrm: cannot remove a half-installed SA", "spi", fmt.Sprintf("%08x", uint32(st.Spi)), "dst", st.Dst, "err", err)
	}
}

// DeleteChildSA removes both ESP SAs of a CHILD SA (a pending outbound SA
// is forgotten; the kernel SAs go after the grace period), leaving any
// other CHILD SA of the tunnel and the tunnel's policies in place.
// Deleting a CHILD SA that is not installed is an error.
func (b *Backend) DeleteChildSA(id dataplane.ChildSAID) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	c, ok := b.sas[id]
	if !ok {
		return fmt.Errorf("xfrm: delete %v: not installed", id)
	}
	delete(b.sas, id)
	states := []*netlink.XfrmState{c.in}
	if c.sent != 0 {
		states = append(states, c.out)
	}
	if b.grace > 0 {
		b.expireLater(id, states)
		return nil
	}
	b.release(id)
	return b.deleteStatesOf(id, states)
}

// deleteStatesOf deletes the kernel SAs of the CHILD SA id; those already
// gone are no error.
func (b *Backend) deleteStatesOf(id dataplane.ChildSAID, states []*netlink.XfrmState) error {
	for _, st := range states {
		if err := b.nl.XfrmStateDel(st); err != nil && !errors.Is(err, unix.ESRCH) {
			return fmt.Errorf("xfrm: %v: delete SA %08x: %w", id, uint32(st.Spi), err)
		}
	}
	return nil
}

// expireLater deletes the kernel SAs of the deleted CHILD SA id after the
// grace period (see the package documentation), unless its tunnel is
// deleted first. b.mu is held.
func (b *Backend) expireLater(id dataplane.ChildSAID, states []*netlink.XfrmState) {
	b.dying[id] = true
	time.AfterFunc(b.grace, func() {
		b.mu.Lock()
		defer b.mu.Unlock()
		if !b.dying[id] || b.closed {
			return
		}
		delete(b.dying, id)
		b.release(id)
		if err := b.deleteStatesOf(id, states); err != nil {
			b.log.Error("xfrm: cannot remove a deleted CHILD SA", "err", err)
		}
	})
}

// ChildSAStats returns the kernel's counters of both SAs of a CHILD SA:
// packets and bytes (of the inner packets) from the current lifetime, and
// the inbound SA's replay (outside the window or seen before) and integrity
// failure statistics, plus the counts of the SAs Resync replaced. The
// kernel keeps no per-SA count of other drops. The counts include the
// kernel's own IPv6 control packets (MLD reports, router solicitations) on
// tunnels with IPv6 enabled. An SA missing from the kernel (removed behind
// the backend's back, until Resync adds it again) counts nothing.
func (b *Backend) ChildSAStats(id dataplane.ChildSAID) (dataplane.Counters, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	c, ok := b.sas[id]
	if !ok {
		return dataplane.Counters{}, false
	}
	n := c.base
	if in, err := b.nl.XfrmStateGet(c.in); err == nil && uint32(in.Ifid) == id.TunnelID {
		s := in.Statistics
		n.InPackets += s.Packets
		n.InBytes += s.Bytes
		n.ReplayDrops += uint64(s.ReplayWindow) + uint64(s.Replay)
		n.AuthFailures += uint64(s.Failed)
	}
	if c.sent != 0 {
		if out, err := b.nl.XfrmStateGet(c.out); err == nil && uint32(out.Ifid) == id.TunnelID {
			n.OutPackets += out.Statistics.Packets
			n.OutBytes += out.Statistics.Bytes
		}
	}
	return n, true
}

// endpoints are the outer addresses of a tunnel's policy templates.
type endpoints struct{ local, remote netip.Addr }

// ensurePolicies installs the tunnel's policies for every inner address
// family of sa whose policies are missing or have other endpoints
// (XFRM_MSG_UPDPOLICY adds or replaces).
func (b *Backend) ensurePolicies(sa dataplane.ChildSA) error {
	ep := endpoints{sa.Local, sa.Remote}
	have := b.policies[sa.TunnelID]
	for _, fam := range innerFamilies(sa) {
		if have[fam] == ep {
			continue
		}
		for _, p := range policies(sa.TunnelID, fam, ep) {
			if err := b.nl.XfrmPolicyUpdate(p); err != nil {
				return fmt.Errorf("policy %v %v: %w", p.Dir, p.Dst, err)
			}
		}
		if have == nil {
			have = map[int]endpoints{}
			b.policies[sa.TunnelID] = have
		}
		have[fam] = ep
	}
	return nil
}

// innerFamilies returns the address families (unix.AF_INET, AF_INET6) of
// the traffic selectors of sa, or the outer family without selectors.
func innerFamilies(sa dataplane.ChildSA) []int {
	var v4, v6 bool
	for _, ts := range slices.Concat(sa.LocalTS, sa.RemoteTS) {
		v4 = v4 || ts.StartAddr.Is4()
		v6 = v6 || ts.StartAddr.Is6()
	}
	if !v4 && !v6 {
		v4, v6 = sa.Local.Is4(), sa.Local.Is6()
	}
	var fams []int
	if v4 {
		fams = append(fams, unix.AF_INET)
	}
	if v6 {
		fams = append(fams, unix.AF_INET6)
	}
	return fams
}

// policies returns the in, fwd and out policies of a tunnel for one inner
// family: all traffic (0.0.0.0/0 or ::/0) bound to the if_id, with an ESP
// tunnel-mode template between the outer endpoints (RFC 4301 section
// 4.4.1).
func policies(ifID uint32, family int, ep endpoints) []*netlink.XfrmPolicy {
	all := &net.IPNet{IP: net.IPv4zero.To4(), Mask: net.CIDRMask(0, 32)}
	if family == unix.AF_INET6 {
		all = &net.IPNet{IP: net.IPv6zero, Mask: net.CIDRMask(0, 128)}
	}
	mk := func(dir netlink.Dir, src, dst netip.Addr) *netlink.XfrmPolicy {
		return &netlink.XfrmPolicy{
			Src: all, Dst: all, Dir: dir, Ifid: int(ifID),
			Tmpls: []netlink.XfrmPolicyTmpl{{
				Src: src.AsSlice(), Dst: dst.AsSlice(), Proto: netlink.XFRM_PROTO_ESP,
				Mode: netlink.XFRM_MODE_TUNNEL, Reqid: ReqID,
			}},
		}
	}
	return []*netlink.XfrmPolicy{
		mk(netlink.XFRM_DIR_IN, ep.remote, ep.local),
		mk(netlink.XFRM_DIR_FWD, ep.remote, ep.local),
		mk(netlink.XFRM_DIR_OUT, ep.local, ep.remote),
	}
}
