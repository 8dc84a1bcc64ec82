package modes

import (
	"net/netip"
	"sort"
	"strings"
	"time"

	"github.com/flexvpnd/flexvpnd/engine/status"
	"github.com/flexvpnd/flexvpnd/parser"
	runningconfig "github.com/flexvpnd/flexvpnd/running-config"
)

// flow is one CHILD SA with the IKE SA it belongs to: one block of `show
// crypto ipsec sa` and one IPSEC FLOW of `show crypto session`.
type flow struct {
	sa    *status.IKESA
	child *status.ChildSA
	// connID is the conn id of the outbound SA (the inbound one's is
	// connID+1).
	connID int
}

// firstConnID is where IOS-XE numbers crypto engine connections from
// (2001, 2002 for the first SA pair in the captures).
const firstConnID = 2001

// flowFilter selects the flows of `show crypto ipsec sa`: by interface or
// by peer address (zero fields select everything).
type flowFilter struct {
	iface string
	peer  netip.Addr
}

// ifaceBlock is the `interface:` block of one tunnel interface.
type ifaceBlock struct {
	name  string
	local netip.Addr
	// tunnel is the snapshot's interface, nil when it lists none.
	tunnel *status.Tunnel
	flows  []flow
}

// ipsecBlocks groups the snapshot's flows by interface, in IOS interface
// order, newest flow first (as both IOS captures list them). A protected
// tunnel without SAs has a block of its own with no flow.
func ipsecBlocks(snap status.Snapshot, f flowFilter) []*ifaceBlock {
	byName := map[string]*ifaceBlock{}
	block := func(name string) *ifaceBlock {
		b, ok := byName[name]
		if !ok {
			b = &ifaceBlock{name: name}
			byName[name] = b
		}
		return b
	}
	// A CHILD SA without a conn id from the engine gets the next pair
	// in order of creation.
	next := firstConnID
	var flows []flow
	for i := range snap.IKESAs {
		sa := &snap.IKESAs[i]
		for j := range sa.Children {
			ch := &sa.Children[j]
			id := ch.ConnID
			if id == 0 {
				id = next
			}
			next = max(next, id) + 2
			if !f.peer.IsValid() || sa.Remote.Addr().Unmap() == f.peer {
				flows = append(flows, flow{sa: sa, child: ch, connID: id})
			}
		}
	}
	for i := len(flows) - 1; i >= 0; i-- {
		b := block(flows[i].sa.Interface)
		b.local = flows[i].sa.Local.Addr().Unmap()
		b.flows = append(b.flows, flows[i])
	}
	for i := range snap.Tunnels {
		t := &snap.Tunnels[i]
		if b, ok := byName[t.Name]; ok {
			b.tunnel = t
			continue
		}
		if t.Profile != "" && (!f.peer.IsValid() || t.Destination.Unmap() == f.peer) {
			b := block(t.Name)
			b.tunnel, b.local = t, t.Source.Unmap()
		}
	}
	var out []*ifaceBlock
	for name, b := range byName {
		if f.iface == "" || strings.EqualFold(name, f.iface) {
			out = append(out, b)
		}
	}
	sort.Slice(out, func(i, j int) bool { return runningconfig.IfLess(out[i].name, out[j].name) })
	return out
}

// ipsecFlowSize is about the text of one flow of `show crypto ipsec sa`.
const ipsecFlowSize = 1800

// showIPsecSA renders `show crypto ipsec sa` into out, layout of the
// IOS-XE (CSR, 15.5 train) capture
// show-crypto-ikev2-sa-and-ipsec-sa-dmvpn-hub-ivrf-csr-15.5.txt.
func showIPsecSA(out *strings.Builder, snap status.Snapshot, f flowFilter) {
	blocks := ipsecBlocks(snap, f)
	n := 0
	for _, blk := range blocks {
		n += len(blk.flows) + 1
	}
	out.Grow(n * ipsecFlowSize)
	buf := make([]byte, 0, 2*ipsecFlowSize)
	for _, blk := range blocks {
		buf = append(append(buf[:0], "\ninterface: "...), orNone(blk.name, "(none)")...)
		buf = append(append(append(buf, "\n    Crypto map tag: "...), blk.name...), "-head-0, local addr "...)
		buf = append(appendAddr(buf, blk.local), '\n')
		if len(blk.flows) == 0 && blk.tunnel != nil {
			buf = writeIdleTunnel(buf, blk)
		}
		out.Write(buf)
		for _, fl := range blk.flows {
			out.Write(writeFlow(buf[:0], blk, fl, snap.Time))
		}
	}
}

// appendIdent appends an `ident` of show crypto ipsec sa:
// "(addr/mask/prot/port): (A/M/P/0)".
func appendIdent(b []byte, p netip.Prefix, proto uint8) []byte {
	label := "(addr/prefixlen/prot/port): ("
	if p.Addr().Is4() {
		label = "(addr/mask/prot/port): ("
	}
	b = append(appendPrefix(append(b, label...), p, '/'), '/')
	return append(appendInt(b, proto), "/0)\n"...)
}

// writeFlowHead appends the lines common to a flow and an idle tunnel:
// the VRF, the identities, the peer, the counters, the endpoints and the
// MTUs.
func writeFlowHead(b []byte, h flowHead) []byte {
	b = append(append(b, "\n   protected vrf: "...), orNone(h.ivrf, "(none)")...)
	b = appendIdent(append(b, "\n   local  ident "...), h.local, h.proto)
	b = appendIdent(append(b, "   remote ident "...), h.remote, h.proto)
	b = append(appendAddr(append(b, "   current_peer "...), h.peer.Addr()), " port "...)
	b = append(appendInt(b, h.peer.Port()), "\n     PERMIT, flags={origin_is_acl,}\n"...)
	b = appendCounts(b, "    #pkts encaps: ", ", #pkts encrypt: ", ", #pkts digest: ", h.out)
	b = appendCounts(b, "    #pkts decaps: ", ", #pkts decrypt: ", ", #pkts verify: ", h.in)
	b = append(b, "    #pkts compressed: 0, #pkts decompressed: 0\n"+
		"    #pkts not compressed: 0, #pkts compr. failed: 0\n"+
		"    #pkts not decompressed: 0, #pkts decompress failed: 0\n"+
		"    #send errors "...)
	b = append(appendInt(append(appendInt(b, h.sendErr), ", #recv errors "...), h.recvErr), "\n\n     local crypto endpt.: "...)
	b = append(appendAddr(b, h.localEnd), ", remote crypto endpt.: "...)
	b = append(appendAddr(b, h.peer.Addr()), "\n     plaintext mtu "...)
	b = append(appendInt(append(appendInt(b, h.plainMTU), ", path mtu "...), h.pathMTU), ", ip mtu "...)
	b = append(append(append(appendInt(b, h.pathMTU), ", ip mtu idb "...), h.mtuIf...), "\n     current outbound spi: 0x"...)
	b = append(appendInt(append(appendHex(b, uint64(h.outSPI), 0), '('), h.outSPI), ")\n"...)
	if h.pfs == 0 {
		return append(b, "     PFS (Y/N): N, DH group: none\n"...)
	}
	return append(appendInt(append(b, "     PFS (Y/N): Y, DH group: group"...), h.pfs), '\n')
}

// appendCounts appends a line of three labels with the same count.
func appendCounts(b []byte, l1, l2, l3 string, n uint64) []byte {
	b = appendInt(append(appendInt(append(appendInt(append(b, l1...), n), l2...), n), l3...), n)
	return append(b, '\n')
}

// flowHead is what writeFlowHead prints.
type flowHead struct {
	ivrf          string
	local, remote netip.Prefix
	proto         uint8
	peer          netip.AddrPort
	localEnd      netip.Addr
	in, out       uint64
	sendErr       uint64
	recvErr       uint64
	plainMTU      int
	pathMTU       int
	mtuIf         string
	outSPI        uint32
	pfs           int
}

// defaultMTU is the path MTU assumed when the snapshot gives none.
const defaultMTU = 1500

// blockMTU returns the path MTU of an interface block and the interface
// it comes from (the tunnel itself when the snapshot does not say).
func blockMTU(blk *ifaceBlock) (int, string) {
	if blk.tunnel == nil || blk.tunnel.PathMTU == 0 {
		return defaultMTU, blk.name
	}
	return blk.tunnel.PathMTU, orNone(blk.tunnel.MTUIf, blk.name)
}

// anyPrefix is the selector of a VTI: everything.
var anyPrefix = netip.PrefixFrom(netip.IPv4Unspecified(), 0)

// writeIdleTunnel appends the block of a protected tunnel that has no SA
// yet (capture
// show-ip-int-brief-tunnels-down-up-ikev2-session-ipsec-sa-not-established.txt).
func writeIdleTunnel(b []byte, blk *ifaceBlock) []byte {
	t := blk.tunnel
	mtu, mtuIf := blockMTU(blk)
	b = writeFlowHead(b, flowHead{
		local: anyPrefix, remote: anyPrefix,
		peer:     netip.AddrPortFrom(t.Destination.Unmap(), 500),
		localEnd: t.Source, plainMTU: mtu, pathMTU: mtu, mtuIf: mtuIf,
	})
	return append(b, "\n     inbound esp sas:\n\n     inbound ah sas:\n\n     inbound pcp sas:\n"+
		"\n     outbound esp sas:\n\n     outbound ah sas:\n\n     outbound pcp sas:\n"...)
}

// writeFlow appends the block of one CHILD SA.
func writeFlow(b []byte, blk *ifaceBlock, fl flow, now time.Time) []byte {
	ch := fl.child
	mtu, mtuIf := blockMTU(blk)
	b = writeFlowHead(b, flowHead{
		ivrf: fl.sa.IVRF, local: firstOr(ch.LocalTS), remote: firstOr(ch.RemoteTS), proto: ch.Protocol,
		peer: fl.sa.Remote, localEnd: fl.sa.Local.Addr(), in: ch.InPackets, out: ch.OutPackets,
		sendErr: ch.OutDrops, recvErr: ch.ReplayDrops + ch.AuthFailures + ch.OtherDrops,
		plainMTU: plaintextMTU(ch, fl.sa, mtu), pathMTU: mtu, mtuIf: mtuIf,
		outSPI: ch.OutSPI, pfs: ch.PFSGroup,
	})
	sa := espSA{ch: ch, iv: espAlg(ch.Transform).iv, left: seconds(max(ch.Lifetime-since(now, ch.Established), 0)), iface: blk.name}
	b = append(b, "\n     inbound esp sas:\n"...)
	b = sa.write(b, ch.InSPI, fl.connID+1, ch.InBytes)
	b = append(b, "\n     inbound ah sas:\n\n     inbound pcp sas:\n\n     outbound esp sas:\n"...)
	b = sa.write(b, ch.OutSPI, fl.connID, ch.OutBytes)
	return append(b, "          \n     outbound ah sas:\n\n     outbound pcp sas:\n"...)
}

// firstOr returns the first selector, everything when there is none. IOS
// lists one block per selector pair; a CHILD SA of flexvpnd's route-based
// tunnels has one.
func firstOr(ts []netip.Prefix) netip.Prefix {
	if len(ts) == 0 || !ts[0].IsValid() {
		return anyPrefix
	}
	return ts[0]
}

// espSA is what the `spi:` blocks of a CHILD SA's two directions share.
type espSA struct {
	ch    *status.ChildSA
	iv    int   // IV size
	left  int64 // seconds of lifetime left
	iface string
}

// write appends one direction's `spi:` block.
func (e espSA) write(b []byte, spi uint32, connID int, bytes uint64) []byte {
	ch := e.ch
	b = append(appendInt(append(appendHex(append(b, "      spi: 0x"...), uint64(spi), 0), '('), spi), ")\n        transform: "...)
	b = append(append(b, ch.Transform...), " ,\n        in use settings ={"...)
	b = append(appendMode(b, ch), ", }\n        conn id: "...)
	b = append(appendInt(append(appendInt(b, connID), ", flow_id: CSR:"...), connID-2000), ", sibling_flags "...)
	b = append(append(append(appendSiblingFlags(b, ch), ", crypto map: "...), e.iface...), "-head-0\n"...)
	b = append(appendRemainingKB(append(b, "        sa timing: remaining key lifetime (k/sec): ("...), ch.LifetimeKB, bytes), '/')
	b = append(appendInt(append(appendInt(b, e.left), ")\n        IV size: "...), e.iv), " bytes\n"...)
	if ch.ReplayWindow > 0 {
		b = append(appendInt(append(b, "        replay detection support: Y  replay window size: "...), ch.ReplayWindow), '\n')
	} else {
		b = append(b, "        replay detection support: N\n"...)
	}
	return append(b, "        Status: ACTIVE(ACTIVE)\n"...)
}

// appendRemainingKB appends the volume left before a rekey, "disabled"
// without a volume lifetime (UNCONFIRMED text).
func appendRemainingKB(b []byte, lifetime, used uint64) []byte {
	switch {
	case lifetime == 0:
		return append(b, "disabled"...)
	case used/1024 >= lifetime:
		return append(b, '0')
	}
	return appendInt(b, lifetime-used/1024)
}

// appendMode appends the `in use settings` mode.
func appendMode(b []byte, ch *status.ChildSA) []byte {
	m := "Transport"
	if ch.Tunnel {
		m = "Tunnel"
	}
	b = append(b, m...)
	if ch.Encap {
		b = append(b, " UDP-Encaps"...)
	}
	return b
}

// appendSiblingFlags reproduces the IOS-XE flags word: 0x40 in tunnel
// mode, 0x4000 with UDP encapsulation (the values of the CSR captures:
// FFFFFFFF80000008 transport, FFFFFFFF80004048 tunnel with NAT-T).
func appendSiblingFlags(b []byte, ch *status.ChildSA) []byte {
	f := uint32(0x80000008)
	if ch.Tunnel {
		f |= 0x40
	}
	if ch.Encap {
		f |= 0x4000
	}
	return appendHex(append(b, "FFFFFFFF"...), uint64(f), 8)
}

// espParams are the sizes an ESP transform adds to a packet (RFC 4303
// section 2): IV, cipher block the payload is padded to, and ICV.
type espParams struct{ iv, block, icv int }

// espAlg returns the ESP sizes of an IOS transform text.
func espAlg(transform string) espParams {
	p := espParams{block: 4}
	for w := range strings.FieldsSeq(transform) {
		switch w {
		case "esp-aes", "esp-192-aes", "esp-256-aes":
			p.iv, p.block = 16, 16
		case "esp-3des", "esp-des":
			p.iv, p.block = 8, 8
		case "esp-gcm", "esp-gmac", "esp-chacha20-poly1305":
			p.iv, p.icv = 8, 16
		case "esp-md5-hmac", "esp-sha-hmac":
			p.icv = 12
		case "esp-sha256-hmac":
			p.icv = 16
		case "esp-sha384-hmac":
			p.icv = 24
		case "esp-sha512-hmac":
			p.icv = 32
		}
	}
	return p
}

// plaintextMTU is the largest plaintext IP packet whose ESP packet fits
// the path MTU: outer IP header (tunnel mode, or the kept header in
// transport mode), UDP header with NAT-T (RFC 3948), ESP header, IV, the
// padded payload with its 2-byte trailer, and the ICV (RFC 4303 section
// 2). It gives the values of the IOS captures (1362, 1422, 1466).
func plaintextMTU(ch *status.ChildSA, sa *status.IKESA, pathMTU int) int {
	p := espAlg(ch.Transform)
	ipHdr := 20
	if isV6(sa) {
		ipHdr = 40
	}
	room := pathMTU - ipHdr - 8 - p.iv - p.icv
	if ch.Encap {
		room -= 8
	}
	room -= room % p.block
	payload := room - 2
	if !ch.Tunnel {
		// The plaintext's own header stays in front of ESP.
		return payload + ipHdr
	}
	return payload
}

func showCryptoSession(c *Ctx, a parser.Args) error {
	snap := c.S.Sys.query(status.Query{Parts: status.PartIKESAs | status.PartChildSAs | status.PartTunnels})
	renderCryptoSession(c.Out, snap, addrAfter(a, "remote"), a.Has("detail"))
	return nil
}

// sessionLegend is the code legend of `show crypto session detail`.
const sessionLegend = `Code: C - IKE Configuration mode, D - Dead Peer Detection
K - Keepalives, N - NAT-traversal, T - cTCP encapsulation
X - IKE Extended Authentication, F - IKE Fragmentation
R - IKE Auto Reconnect

`

// sessionSize is about the text of one session of `show crypto session
// detail`.
const sessionSize = 600

// renderCryptoSession renders `show crypto session [detail]` into out,
// newest session first. The detail layout is the CSR1000v capture
// show-crypto-session-detail-ikev2-sa-nat-t-csr1000v.txt; the brief one
// follows an IOS capture of the brief form (trailing spaces included).
func renderCryptoSession(out *strings.Builder, snap status.Snapshot, remote netip.Addr, detail bool) {
	if detail {
		out.WriteString("\nCrypto session current status\n\n" + sessionLegend)
	} else {
		out.WriteString("Crypto session current status\n\n")
	}
	all := sessions(snap.IKESAs)
	if !remote.IsValid() {
		out.Grow(len(all) * sessionSize)
	}
	buf := make([]byte, 0, 2*sessionSize)
	for i := len(all) - 1; i >= 0; i-- {
		sess := all[i]
		if remote.IsValid() && sess[0].Remote.Addr().Unmap() != remote {
			continue
		}
		if detail {
			buf = writeSessionDetail(buf[:0], sess, snap.Time)
		} else {
			buf = writeSessionBrief(buf[:0], sess)
		}
		out.Write(buf)
	}
	for _, t := range downTunnels(snap) {
		if !remote.IsValid() || t.Destination.Unmap() == remote {
			out.Write(writeSessionDown(buf[:0], t, detail))
		}
	}
}

// downTunnels are the protected static tunnels without an IKE SA: their
// sessions are DOWN.
func downTunnels(snap status.Snapshot) []*status.Tunnel {
	busy := map[string]bool{}
	for i := range snap.IKESAs {
		busy[snap.IKESAs[i].Interface] = true
	}
	var out []*status.Tunnel
	for i := range snap.Tunnels {
		t := &snap.Tunnels[i]
		if t.Profile != "" && t.Destination.IsValid() && !busy[t.Name] {
			out = append(out, t)
		}
	}
	return out
}

// writeSessionDown appends the session of a tunnel that has no SA: its
// peer and the flow it would protect, with no SA (UNCONFIRMED layout, the
// brief and detail forms of an active session without the IKE lines).
func writeSessionDown(b []byte, t *status.Tunnel, detail bool) []byte {
	b = append(append(append(b, "Interface: "...), t.Name...), '\n')
	const flow = "permit ip 0.0.0.0/0.0.0.0 0.0.0.0/0.0.0.0"
	if !detail {
		b = append(appendAddr(append(b, "Session status: DOWN          \nPeer: "...), t.Destination), " port 500 \n"...)
		return append(b, "  IPSEC FLOW: "+flow+" \n        Active SAs: 0, origin: crypto map\n\n"...)
	}
	b = append(appendAddr(append(b, "Session status: DOWN\nPeer: "...), t.Destination), " port 500 fvrf: (none) ivrf: (none)\n      Desc: (none)\n"...)
	return append(b, "  IPSEC FLOW: "+flow+"\n        Active SAs: 0, origin: crypto map\n"+
		"        Inbound:  #pkts dec'ed 0 drop 0 life (KB/Sec) 0/0\n"+
		"        Outbound: #pkts enc'ed 0 drop 0 life (KB/Sec) 0/0\n\n"...)
}

// writeSessionBrief appends one session of `show crypto session`.
func writeSessionBrief(b []byte, sess []*status.IKESA) []byte {
	first := sess[0]
	b = writeSessionTop(b, first)
	b = append(appendPadded(append(b, "Session status: "...), sessionStatus(sess), 14), "\nPeer: "...)
	b = append(appendInt(append(appendAddr(b, first.Remote.Addr()), " port "...), first.Remote.Port()), " \n"...)
	for _, sa := range sess {
		b = append(appendInt(append(b, "  Session ID: "...), sa.SessionID), "  \n"...)
		b = append(append(appendIKEv2SALine(b, sa), ' '), '\n')
	}
	for _, sa := range sess {
		for i := range sa.Children {
			b = append(appendFlow(append(b, "  IPSEC FLOW: "...), &sa.Children[i]), " \n        Active SAs: 2, origin: crypto map\n"...)
		}
	}
	return append(b, '\n')
}

// appendIKEv2SALine appends "  IKEv2 SA: local A/port remote A/port
// Active" (with no newline).
func appendIKEv2SALine(b []byte, sa *status.IKESA) []byte {
	b = append(appendAddrPort(append(b, "  IKEv2 SA: local "...), sa.Local), " remote "...)
	return append(append(appendAddrPort(b, sa.Remote), ' '), activeText(sa)...)
}

// writeSessionTop appends the interface and profile lines.
func writeSessionTop(b []byte, sa *status.IKESA) []byte {
	if sa.Interface != "" {
		b = append(append(append(b, "Interface: "...), sa.Interface...), '\n')
	}
	if sa.Profile != "" {
		b = append(append(append(b, "Profile: "...), sa.Profile...), '\n')
	}
	return b
}

// writeSessionDetail appends one session of `show crypto session detail`.
func writeSessionDetail(b []byte, sess []*status.IKESA, now time.Time) []byte {
	first := sess[0]
	b = writeSessionTop(b, first)
	b = append(appendHHMMSS(append(b, "Uptime: "...), since(now, first.Established)), "\nSession status: "...)
	b = append(append(b, sessionStatus(sess)...), "\nPeer: "...)
	b = append(appendInt(append(appendAddr(b, first.Remote.Addr()), " port "...), first.Remote.Port()), " fvrf: "...)
	b = append(append(append(b, orNone(first.FVRF, "(none)")...), " ivrf: "...), orNone(first.IVRF, "(none)")...)
	b = append(append(append(b, "\n      Phase1_id: "...), first.RemoteID...), "\n      Desc: (none)\n"...)
	for _, sa := range sess {
		b = append(appendInt(append(b, "  Session ID: "...), sa.SessionID), '\n')
		b = append(append(appendIKEv2SALine(b, sa), "\n          Capabilities:"...), capabilities(sa)...)
		b = append(appendInt(append(b, " connid:"...), sa.ConnID), " lifetime:"...)
		b = append(appendHHMMSS(b, max(sa.Lifetime-since(now, sa.Established), 0)), '\n')
	}
	for _, sa := range sess {
		for i := range sa.Children {
			ch := &sa.Children[i]
			left := seconds(max(ch.Lifetime-since(now, ch.Established), 0))
			b = append(appendFlow(append(b, "  IPSEC FLOW: "...), ch), "\n        Active SAs: 2, origin: crypto map\n"...)
			b = appendFlowLife(b, "        Inbound:  #pkts dec'ed ", ch.InPackets, ch.ReplayDrops+ch.AuthFailures+ch.OtherDrops, ch.LifetimeKB, ch.InBytes, left)
			b = appendFlowLife(b, "        Outbound: #pkts enc'ed ", ch.OutPackets, ch.OutDrops, ch.LifetimeKB, ch.OutBytes, left)
		}
	}
	return append(b, '\n')
}

// appendFlowLife appends the Inbound or Outbound line of a flow: packets,
// drops and the volume and time left.
func appendFlowLife(b []byte, label string, pkts, drops, lifetimeKB, bytes uint64, left int64) []byte {
	b = append(appendInt(append(appendInt(append(b, label...), pkts), " drop "...), drops), " life (KB/Sec) "...)
	return append(appendInt(append(appendRemainingKB(b, lifetimeKB, bytes), '/'), left), '\n')
}

// activeText is the IKE SA state of show crypto session.
func activeText(sa *status.IKESA) string {
	if sa.State == "READY" {
		return "Active"
	}
	return "Inactive"
}

// capabilities are the codes of the legend that apply to an IKE SA.
func capabilities(sa *status.IKESA) string {
	var c string
	if sa.AssignedAddr.IsValid() {
		c += "C"
	}
	if sa.DPDInterval > 0 {
		c += "D"
	}
	if sa.NATLocal || sa.NATRemote {
		c += "N"
	}
	return orNone(c, "(none)")
}

// hhmmss renders a duration as IOS uptimes: "00:52:46".
func hhmmss(d time.Duration) string { return string(appendHHMMSS(nil, d)) }

// appendHHMMSS appends a duration as IOS uptimes: "00:52:46".
func appendHHMMSS(b []byte, d time.Duration) []byte {
	s := seconds(d)
	for i, v := range [3]int64{s / 3600, s / 60 % 60, s % 60} {
		if i > 0 {
			b = append(b, ':')
		}
		if 0 <= v && v < 10 {
			b = append(b, '0')
		}
		b = appendInt(b, v)
	}
	return b
}

// appendFlow appends an IPSEC FLOW: "permit ip 0.0.0.0/0.0.0.0
// 0.0.0.0/0.0.0.0", "permit 47 host A host B".
func appendFlow(b []byte, ch *status.ChildSA) []byte {
	b = append(b, "permit "...)
	if ch.Protocol != 0 {
		b = appendInt(b, ch.Protocol)
	} else {
		b = append(b, "ip"...)
	}
	return appendFlowAddr(append(appendFlowAddr(append(b, ' '), firstOr(ch.LocalTS)), ' '), firstOr(ch.RemoteTS))
}

func appendFlowAddr(b []byte, p netip.Prefix) []byte {
	if p.IsSingleIP() {
		return appendAddr(append(b, "host "...), p.Addr())
	}
	return appendPrefix(b, p, '/')
}
