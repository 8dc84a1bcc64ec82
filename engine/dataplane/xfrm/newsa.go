package xfrm

import (
	"fmt"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netlink/nl"
	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"
)

// The SAs are added with an XFRM_MSG_NEWSA of this package's own rather
// than netlink's XfrmStateAdd, which (v1.3.1) can set neither of two things
// a route-based tunnel needs:
//
//   - XFRM_STATE_AF_UNSPEC: without it the kernel gives a selector-less SA
//     the selector family of its outer addresses (copy_from_user_state in
//     net/xfrm/xfrm_user.c), and the SA then refuses inner packets of the
//     other family (IPv6 in IPv4, IPv4 in IPv6);
//   - an XFRMA_REPLAY_ESN_VAL without ESN: the legacy replay state holds at
//     most 32 packets, the bitmap one the window asked for.

// xfrmSocket opens a NETLINK_XFRM socket in the namespace at path (the
// caller's when empty) for addSA.
func xfrmSocket(path string) (*nl.SocketHandle, error) {
	target, cur := netns.None(), netns.None()
	if path != "" {
		var err error
		if target, err = netns.GetFromPath(path); err != nil {
			return nil, fmt.Errorf("xfrm: open namespace %s: %w", path, err)
		}
		defer target.Close()
		if cur, err = netns.Get(); err != nil {
			return nil, fmt.Errorf("xfrm: current namespace: %w", err)
		}
		defer cur.Close()
	}
	s, err := nl.GetNetlinkSocketAt(target, cur, unix.NETLINK_XFRM)
	if err != nil {
		return nil, fmt.Errorf("xfrm: open NETLINK_XFRM socket: %w", err)
	}
	return &nl.SocketHandle{Socket: s}, nil
}

// addSA adds st, built by states, as a new SA; it fails with EEXIST when
// its destination, SPI and protocol are taken. Its anti-replay state starts
// at seq, the highest sequence number received (an inbound SA: lower ones
// outside the window are refused), and oseq, the last one sent (an
// outbound SA sends oseq+1 first); both are 0 for a new SA (RFC 4303
// section 3.3.3). Without ESN their high halves must be 0.
func (b *Backend) addSA(st *netlink.XfrmState, seq, oseq uint64) error {
	req := nl.NewNetlinkRequest(nl.XFRM_MSG_NEWSA, unix.NLM_F_CREATE|unix.NLM_F_EXCL|unix.NLM_F_ACK)
	req.Sockets = map[int]*nl.SocketHandle{unix.NETLINK_XFRM: b.xfrm}
	info := &nl.XfrmUsersaInfo{
		Family: uint16(nl.GetIPFamily(st.Dst)), Mode: uint8(st.Mode), Reqid: uint32(st.Reqid),
		Flags: nl.XFRM_STATE_AF_UNSPEC,
		Lft: nl.XfrmLifetimeCfg{
			SoftByteLimit: nl.XFRM_INF, HardByteLimit: nl.XFRM_INF,
			SoftPacketLimit: nl.XFRM_INF, HardPacketLimit: nl.XFRM_INF,
		},
	}
	info.Id.Daddr.FromIP(st.Dst)
	info.Id.Spi = nl.Swap32(uint32(st.Spi))
	info.Id.Proto = uint8(st.Proto)
	info.Saddr.FromIP(st.Src)
	if st.ESN {
		info.Flags |= nl.XFRM_STATE_ESN
	}
	req.AddData(info)
	if !st.ESN && (seq > 0xffffffff || oseq > 0xffffffff) {
		return fmt.Errorf("add SA %08x: sequence numbers %d/%d beyond 32 bits without ESN", uint32(st.Spi), seq, oseq)
	}
	replay := &nl.XfrmReplayStateEsn{
		ReplayWindow: uint32(st.ReplayWindow), BmpLen: uint32(st.ReplayWindow+31) / 32,
		Seq: uint32(seq), SeqHi: uint32(seq >> 32), OSeq: uint32(oseq), OSeqHi: uint32(oseq >> 32),
	}
	req.AddData(nl.NewRtAttr(nl.XFRMA_REPLAY_ESN_VAL, replay.Serialize()))
	if a := st.Aead; a != nil {
		m := &nl.XfrmAlgoAEAD{AlgKeyLen: uint32(8 * len(a.Key)), AlgICVLen: uint32(a.ICVLen), AlgKey: a.Key}
		copy(m.AlgName[:], a.Name)
		req.AddData(nl.NewRtAttr(nl.XFRMA_ALG_AEAD, m.Serialize()))
	}
	if a := st.Crypt; a != nil {
		m := &nl.XfrmAlgo{AlgKeyLen: uint32(8 * len(a.Key)), AlgKey: a.Key}
		copy(m.AlgName[:], a.Name)
		req.AddData(nl.NewRtAttr(nl.XFRMA_ALG_CRYPT, m.Serialize()))
	}
	if a := st.Auth; a != nil {
		m := &nl.XfrmAlgoAuth{AlgKeyLen: uint32(8 * len(a.Key)), AlgTruncLen: uint32(a.TruncateLen), AlgKey: a.Key}
		copy(m.AlgName[:], a.Name)
		req.AddData(nl.NewRtAttr(nl.XFRMA_ALG_AUTH_TRUNC, m.Serialize()))
	}
	if e := st.Encap; e != nil {
		m := &nl.XfrmEncapTmpl{EncapType: uint16(e.Type),
			EncapSport: nl.Swap16(uint16(e.SrcPort)), EncapDport: nl.Swap16(uint16(e.DstPort))}
		req.AddData(nl.NewRtAttr(nl.XFRMA_ENCAP, m.Serialize()))
	}
	req.AddData(nl.NewRtAttr(nl.XFRMA_IF_ID, nl.Uint32Attr(uint32(st.Ifid))))
	if _, err := req.Execute(unix.NETLINK_XFRM, 0); err != nil {
		return fmt.Errorf("add SA %08x: %w", uint32(st.Spi), err)
	}
	return nil
}
