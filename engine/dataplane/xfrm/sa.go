package xfrm

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"net/netip"

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
// 3.4.3), in packets; outbound SAs get it too, as the kernel requires a
// non-zero window with ESN.
const replayWindow = 32

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
// with its if_id; the reqid is the if_id too, tying them to the policies.
func states(sa dataplane.ChildSA) (in, out *netlink.XfrmState, err error) {
	if !sa.Local.IsValid() || !sa.Remote.IsValid() || sa.Local.Is4() != sa.Remote.Is4() {
		return nil, nil, fmt.Errorf("endpoints %v and %v", sa.Local, sa.Remote)
	}
	mk := func(src, dst netip.Addr, d dataplane.Direction) (*netlink.XfrmState, error) {
		aead, crypt, auth, err := algorithms(sa.Algorithms, d)
		if err != nil {
			return nil, fmt.Errorf("SPI %08x: %w", d.SPI, err)
		}
		return &netlink.XfrmState{
			Src: src.AsSlice(), Dst: dst.AsSlice(), Proto: netlink.XFRM_PROTO_ESP,
			Mode: netlink.XFRM_MODE_TUNNEL, Spi: int(d.SPI), Reqid: int(sa.TunnelID),
			Ifid: int(sa.TunnelID), ReplayWindow: replayWindow, ESN: sa.Algorithms.ESN,
			Aead: aead, Crypt: crypt, Auth: auth,
		}, nil
	}
	if in, err = mk(sa.Remote, sa.Local, sa.In); err != nil {
		return nil, nil, err
	}
	if out, err = mk(sa.Local, sa.Remote, sa.Out); err != nil {
		return nil, nil, err
	}
	return in, out, nil
}

// EnsureChildSA installs both SAs of a route-based CHILD SA and the
// policies of its tunnel (see EnsurePolicies). SAs already installed with
// the same parameters are left alone, keeping their counters; an SA whose
// SPI is taken with other parameters is replaced. The ESN flag is not read
// back from the kernel, so changing only it is not detected.
func (h *Handle) EnsureChildSA(sa dataplane.ChildSA) error {
	if sa.TunnelID == 0 {
		return fmt.Errorf("xfrm: %v: no tunnel if_id", sa.ID())
	}
	in, out, err := states(sa)
	if err != nil {
		return fmt.Errorf("xfrm: %v: %w", sa.ID(), err)
	}
	// Inbound first, so that the peer's first packets find their SA.
	for _, st := range []*netlink.XfrmState{in, out} {
		if err := h.ensureState(st); err != nil {
			return fmt.Errorf("xfrm: %v: %w", sa.ID(), err)
		}
	}
	return h.EnsurePolicies(sa.TunnelID, sa.Local, sa.Remote)
}

// ensureState adds st unless an equal SA holds its SPI.
func (h *Handle) ensureState(st *netlink.XfrmState) error {
	cur, err := h.nl.XfrmStateGet(st)
	switch {
	case err == nil && sameState(cur, st):
		return nil
	case err == nil:
		if err := h.nl.XfrmStateDel(cur); err != nil {
			return fmt.Errorf("replace SA %08x: %w", st.Spi, err)
		}
	case !errors.Is(err, unix.ESRCH):
		return fmt.Errorf("get SA %08x: %w", st.Spi, err)
	}
	if err := h.nl.XfrmStateAdd(st); err != nil {
		return fmt.Errorf("add SA %08x: %w", st.Spi, err)
	}
	return nil
}

// sameState reports whether the kernel's SA cur matches the wanted st.
func sameState(cur, st *netlink.XfrmState) bool {
	return cur.Src.Equal(st.Src) && cur.Dst.Equal(st.Dst) && cur.Mode == st.Mode &&
		cur.Reqid == st.Reqid && cur.Ifid == st.Ifid &&
		sameAlgo(cur.Aead, st.Aead) && sameAlgo(cur.Crypt, st.Crypt) && sameAlgo(cur.Auth, st.Auth)
}

// sameAlgo compares two algorithms, either of which may be absent.
func sameAlgo(a, b *netlink.XfrmStateAlgo) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Name == b.Name && bytes.Equal(a.Key, b.Key) && a.ICVLen == b.ICVLen && a.TruncateLen == b.TruncateLen
}

// DeleteChildSA removes both SAs of a CHILD SA; SAs already gone are not an
// error. The tunnel's policies stay: they belong to the tunnel, and a rekeyed
// CHILD SA uses them too.
func (h *Handle) DeleteChildSA(id dataplane.ChildSAID) error {
	for _, st := range []*netlink.XfrmState{
		{Src: id.Remote.AsSlice(), Dst: id.Local.AsSlice(), Proto: netlink.XFRM_PROTO_ESP, Spi: int(id.InSPI), Ifid: int(id.TunnelID)},
		{Src: id.Local.AsSlice(), Dst: id.Remote.AsSlice(), Proto: netlink.XFRM_PROTO_ESP, Spi: int(id.OutSPI), Ifid: int(id.TunnelID)},
	} {
		if err := h.nl.XfrmStateDel(st); err != nil && !errors.Is(err, unix.ESRCH) {
			return fmt.Errorf("xfrm: %v: delete SA %08x: %w", id, st.Spi, err)
		}
	}
	return nil
}

// policies returns the tunnel's in, fwd and out policies: all traffic of the
// endpoints' family (0.0.0.0/0 or ::/0) bound to the if_id, with an ESP
// tunnel-mode template between the endpoints (RFC 4301 section 4.4.1).
func policies(ifID uint32, local, remote netip.Addr) []*netlink.XfrmPolicy {
	all := &net.IPNet{IP: net.IPv4zero.To4(), Mask: net.CIDRMask(0, 32)}
	if local.Is6() {
		all = &net.IPNet{IP: net.IPv6zero, Mask: net.CIDRMask(0, 128)}
	}
	mk := func(dir netlink.Dir, src, dst netip.Addr) *netlink.XfrmPolicy {
		return &netlink.XfrmPolicy{
			Src: all, Dst: all, Dir: dir, Ifid: int(ifID),
			Tmpls: []netlink.XfrmPolicyTmpl{{
				Src: src.AsSlice(), Dst: dst.AsSlice(), Proto: netlink.XFRM_PROTO_ESP,
				Mode: netlink.XFRM_MODE_TUNNEL, Reqid: int(ifID),
			}},
		}
	}
	return []*netlink.XfrmPolicy{
		mk(netlink.XFRM_DIR_IN, remote, local),
		mk(netlink.XFRM_DIR_FWD, remote, local),
		mk(netlink.XFRM_DIR_OUT, local, remote),
	}
}

// EnsurePolicies installs or updates the tunnel's policies (XFRM_MSG_
// UPDPOLICY adds a missing policy and replaces an existing one).
func (h *Handle) EnsurePolicies(ifID uint32, local, remote netip.Addr) error {
	for _, p := range policies(ifID, local, remote) {
		if err := h.nl.XfrmPolicyUpdate(p); err != nil {
			return fmt.Errorf("xfrm: tunnel %d: policy %v: %w", ifID, p.Dir, err)
		}
	}
	return nil
}

// DeletePolicies removes the tunnel's policies; missing ones are not an
// error.
func (h *Handle) DeletePolicies(ifID uint32, local, remote netip.Addr) error {
	for _, p := range policies(ifID, local, remote) {
		if err := h.nl.XfrmPolicyDel(p); err != nil && !errors.Is(err, unix.ENOENT) {
			return fmt.Errorf("xfrm: tunnel %d: delete policy %v: %w", ifID, p.Dir, err)
		}
	}
	return nil
}

// Counters are the traffic counters of one SA.
type Counters struct {
	Packets, Bytes uint64
	// ReplayDrops and IntegrityFailures count rejected inbound packets.
	ReplayDrops, IntegrityFailures uint32
}

// SACounters returns the counters of the ESP SA with the given destination
// and SPI.
func (h *Handle) SACounters(dst netip.Addr, spi uint32) (Counters, error) {
	st, err := h.nl.XfrmStateGet(&netlink.XfrmState{Dst: dst.AsSlice(), Proto: netlink.XFRM_PROTO_ESP, Spi: int(spi)})
	if err != nil {
		return Counters{}, fmt.Errorf("xfrm: SA %v %08x: %w", dst, spi, err)
	}
	s := st.Statistics
	return Counters{Packets: s.Packets, Bytes: s.Bytes, ReplayDrops: s.Replay, IntegrityFailures: s.Failed}, nil
}
