package modes

import (
	"fmt"
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

// showIPsecSA renders `show crypto ipsec sa`, layout of the IOS-XE (CSR,
// 15.5 train) capture show-crypto-ikev2-sa-and-ipsec-sa-dmvpn-hub-ivrf-csr-15.5.txt.
func showIPsecSA(snap status.Snapshot, f flowFilter) string {
	var b strings.Builder
	for _, blk := range ipsecBlocks(snap, f) {
		fmt.Fprintf(&b, "\ninterface: %s\n", orNone(blk.name, "(none)"))
		fmt.Fprintf(&b, "    Crypto map tag: %s-head-0, local addr %s\n", blk.name, iosAddr(blk.local))
		if len(blk.flows) == 0 && blk.tunnel != nil {
			writeIdleTunnel(&b, blk)
		}
		for _, fl := range blk.flows {
			writeFlow(&b, blk, fl, snap.Time)
		}
	}
	return b.String()
}

// writeFlowHead writes the lines common to a flow and an idle tunnel: the
// VRF, the identities, the peer, the counters, the endpoints and the MTUs.
func writeFlowHead(b *strings.Builder, h flowHead) {
	fmt.Fprintf(b, "\n   protected vrf: %s\n", orNone(h.ivrf, "(none)"))
	fmt.Fprintf(b, "   local  ident (%s): (%s/%d/0)\n", identLabel(h.local), identText(h.local), h.proto)
	fmt.Fprintf(b, "   remote ident (%s): (%s/%d/0)\n", identLabel(h.remote), identText(h.remote), h.proto)
	fmt.Fprintf(b, "   current_peer %s port %d\n", iosAddr(h.peer.Addr()), h.peer.Port())
	b.WriteString("     PERMIT, flags={origin_is_acl,}\n")
	fmt.Fprintf(b, "    #pkts encaps: %d, #pkts encrypt: %d, #pkts digest: %d\n", h.out, h.out, h.out)
	fmt.Fprintf(b, "    #pkts decaps: %d, #pkts decrypt: %d, #pkts verify: %d\n", h.in, h.in, h.in)
	b.WriteString("    #pkts compressed: 0, #pkts decompressed: 0\n")
	b.WriteString("    #pkts not compressed: 0, #pkts compr. failed: 0\n")
	b.WriteString("    #pkts not decompressed: 0, #pkts decompress failed: 0\n")
	fmt.Fprintf(b, "    #send errors %d, #recv errors %d\n", h.sendErr, h.recvErr)
	fmt.Fprintf(b, "\n     local crypto endpt.: %s, remote crypto endpt.: %s\n", iosAddr(h.localEnd), iosAddr(h.peer.Addr()))
	fmt.Fprintf(b, "     plaintext mtu %d, path mtu %d, ip mtu %d, ip mtu idb %s\n", h.plainMTU, h.pathMTU, h.pathMTU, h.mtuIf)
	fmt.Fprintf(b, "     current outbound spi: 0x%X(%d)\n", h.outSPI, h.outSPI)
	if h.pfs == 0 {
		b.WriteString("     PFS (Y/N): N, DH group: none\n")
	} else {
		fmt.Fprintf(b, "     PFS (Y/N): Y, DH group: group%d\n", h.pfs)
	}
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

// writeIdleTunnel writes the block of a protected tunnel that has no SA
// yet (capture
// show-ip-int-brief-tunnels-down-up-ikev2-session-ipsec-sa-not-established.txt).
func writeIdleTunnel(b *strings.Builder, blk *ifaceBlock) {
	t := blk.tunnel
	mtu, mtuIf := blockMTU(blk)
	writeFlowHead(b, flowHead{
		local: anyPrefix, remote: anyPrefix,
		peer:     netip.AddrPortFrom(t.Destination.Unmap(), 500),
		localEnd: t.Source, plainMTU: mtu, pathMTU: mtu, mtuIf: mtuIf,
	})
	for _, list := range []string{"inbound esp", "inbound ah", "inbound pcp", "outbound esp", "outbound ah", "outbound pcp"} {
		fmt.Fprintf(b, "\n     %s sas:\n", list)
	}
}

// writeFlow writes the block of one CHILD SA.
func writeFlow(b *strings.Builder, blk *ifaceBlock, fl flow, now time.Time) {
	ch := fl.child
	mtu, mtuIf := blockMTU(blk)
	writeFlowHead(b, flowHead{
		ivrf: fl.sa.IVRF, local: firstOr(ch.LocalTS), remote: firstOr(ch.RemoteTS), proto: ch.Protocol,
		peer: fl.sa.Remote, localEnd: fl.sa.Local.Addr(), in: ch.InPackets, out: ch.OutPackets,
		sendErr: ch.OutDrops, recvErr: ch.ReplayDrops + ch.AuthFailures + ch.OtherDrops,
		plainMTU: plaintextMTU(ch, fl.sa, mtu), pathMTU: mtu, mtuIf: mtuIf,
		outSPI: ch.OutSPI, pfs: ch.PFSGroup,
	})
	age := since(now, ch.Established)
	tag := blk.name + "-head-0"
	b.WriteString("\n     inbound esp sas:\n")
	writeESPSA(b, ch, ch.InSPI, fl.connID+1, ch.InBytes, age, tag)
	b.WriteString("\n     inbound ah sas:\n\n     inbound pcp sas:\n\n     outbound esp sas:\n")
	writeESPSA(b, ch, ch.OutSPI, fl.connID, ch.OutBytes, age, tag)
	b.WriteString("          \n     outbound ah sas:\n\n     outbound pcp sas:\n")
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

// identLabel and identText render an `ident` of show crypto ipsec sa.
func identLabel(p netip.Prefix) string {
	if p.Addr().Is4() {
		return "addr/mask/prot/port"
	}
	return "addr/prefixlen/prot/port"
}

func identText(p netip.Prefix) string {
	a, m := prefixParts(p)
	return a + "/" + m
}

// writeESPSA writes one direction's `spi:` block.
func writeESPSA(b *strings.Builder, ch *status.ChildSA, spi uint32, connID int, bytes uint64, age time.Duration, tag string) {
	fmt.Fprintf(b, "      spi: 0x%X(%d)\n", spi, spi)
	fmt.Fprintf(b, "        transform: %s ,\n", ch.Transform)
	fmt.Fprintf(b, "        in use settings ={%s, }\n", modeText(ch))
	fmt.Fprintf(b, "        conn id: %d, flow_id: CSR:%d, sibling_flags %s, crypto map: %s\n", connID, connID-2000, siblingFlags(ch), tag)
	fmt.Fprintf(b, "        sa timing: remaining key lifetime (k/sec): (%s/%d)\n", remainingKB(ch.LifetimeKB, bytes), seconds(max(ch.Lifetime-age, 0)))
	fmt.Fprintf(b, "        IV size: %d bytes\n", espAlg(ch.Transform).iv)
	if ch.ReplayWindow > 0 {
		fmt.Fprintf(b, "        replay detection support: Y  replay window size: %d\n", ch.ReplayWindow)
	} else {
		b.WriteString("        replay detection support: N\n")
	}
	b.WriteString("        Status: ACTIVE(ACTIVE)\n")
}

// remainingKB is the volume left before a rekey, "disabled" without a
// volume lifetime (UNCONFIRMED text).
func remainingKB(lifetime, used uint64) string {
	if lifetime == 0 {
		return "disabled"
	}
	if used/1024 >= lifetime {
		return "0"
	}
	return fmt.Sprint(lifetime - used/1024)
}

// modeText is the `in use settings` mode.
func modeText(ch *status.ChildSA) string {
	m := "Transport"
	if ch.Tunnel {
		m = "Tunnel"
	}
	if ch.Encap {
		m += " UDP-Encaps"
	}
	return m
}

// siblingFlags reproduces the IOS-XE flags word: 0x40 in tunnel mode,
// 0x4000 with UDP encapsulation (the values of the CSR captures:
// FFFFFFFF80000008 transport, FFFFFFFF80004048 tunnel with NAT-T).
func siblingFlags(ch *status.ChildSA) string {
	f := uint32(0x80000008)
	if ch.Tunnel {
		f |= 0x40
	}
	if ch.Encap {
		f |= 0x4000
	}
	return fmt.Sprintf("FFFFFFFF%08X", f)
}

// espParams are the sizes an ESP transform adds to a packet (RFC 4303
// section 2): IV, cipher block the payload is padded to, and ICV.
type espParams struct{ iv, block, icv int }

// espAlg returns the ESP sizes of an IOS transform text.
func espAlg(transform string) espParams {
	p := espParams{block: 4}
	for _, w := range strings.Fields(transform) {
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
	c.Printf("%s", renderCryptoSession(c.S.Sys.snapshot(), addrAfter(a, "remote"), a.Has("detail")))
	return nil
}

// sessionLegend is the code legend of `show crypto session detail`.
const sessionLegend = `Code: C - IKE Configuration mode, D - Dead Peer Detection
K - Keepalives, N - NAT-traversal, T - cTCP encapsulation
X - IKE Extended Authentication, F - IKE Fragmentation
R - IKE Auto Reconnect

`

// renderCryptoSession renders `show crypto session [detail]`, newest
// session first. The detail layout is the CSR1000v capture
// show-crypto-session-detail-ikev2-sa-nat-t-csr1000v.txt; the brief one
// follows an IOS capture of the brief form (trailing spaces included).
func renderCryptoSession(snap status.Snapshot, remote netip.Addr, detail bool) string {
	var b strings.Builder
	if detail {
		b.WriteString("\nCrypto session current status\n\n" + sessionLegend)
	} else {
		b.WriteString("Crypto session current status\n\n")
	}
	all := sessions(snap.IKESAs)
	for i := len(all) - 1; i >= 0; i-- {
		sess := all[i]
		if remote.IsValid() && sess[0].Remote.Addr().Unmap() != remote {
			continue
		}
		if detail {
			writeSessionDetail(&b, sess, snap.Time)
		} else {
			writeSessionBrief(&b, sess)
		}
	}
	for _, t := range downTunnels(snap) {
		if !remote.IsValid() || t.Destination.Unmap() == remote {
			writeSessionDown(&b, t, detail)
		}
	}
	return b.String()
}

// downTunnels are the protected static tunnels without an IKE SA: their
// sessions are DOWN.
func downTunnels(snap status.Snapshot) []*status.Tunnel {
	busy := map[string]bool{}
	for _, sa := range snap.IKESAs {
		busy[sa.Interface] = true
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

// writeSessionDown writes the session of a tunnel that has no SA: its
// peer and the flow it would protect, with no SA (UNCONFIRMED layout, the
// brief and detail forms of an active session without the IKE lines).
func writeSessionDown(b *strings.Builder, t *status.Tunnel, detail bool) {
	fmt.Fprintf(b, "Interface: %s\n", t.Name)
	flow := "permit ip 0.0.0.0/0.0.0.0 0.0.0.0/0.0.0.0"
	if !detail {
		fmt.Fprintf(b, "Session status: %-14s\nPeer: %s port 500 \n", "DOWN", iosAddr(t.Destination))
		fmt.Fprintf(b, "  IPSEC FLOW: %s \n        Active SAs: 0, origin: crypto map\n\n", flow)
		return
	}
	fmt.Fprintf(b, "Session status: DOWN\nPeer: %s port 500 fvrf: (none) ivrf: (none)\n      Desc: (none)\n", iosAddr(t.Destination))
	fmt.Fprintf(b, "  IPSEC FLOW: %s\n        Active SAs: 0, origin: crypto map\n", flow)
	b.WriteString("        Inbound:  #pkts dec'ed 0 drop 0 life (KB/Sec) 0/0\n")
	b.WriteString("        Outbound: #pkts enc'ed 0 drop 0 life (KB/Sec) 0/0\n\n")
}

// writeSessionBrief writes one session of `show crypto session`.
func writeSessionBrief(b *strings.Builder, sess []*status.IKESA) {
	first := sess[0]
	writeSessionTop(b, first)
	fmt.Fprintf(b, "Session status: %-14s\n", sessionStatus(sess))
	fmt.Fprintf(b, "Peer: %s port %d \n", iosAddr(first.Remote.Addr()), first.Remote.Port())
	for _, sa := range sess {
		fmt.Fprintf(b, "  Session ID: %d  \n", sa.SessionID)
		fmt.Fprintf(b, "  IKEv2 SA: local %s remote %s %s \n", iosAddrPort(sa.Local), iosAddrPort(sa.Remote), activeText(sa))
	}
	for _, sa := range sess {
		for i := range sa.Children {
			fmt.Fprintf(b, "  IPSEC FLOW: %s \n", flowText(&sa.Children[i]))
			b.WriteString("        Active SAs: 2, origin: crypto map\n")
		}
	}
	b.WriteString("\n")
}

// writeSessionTop writes the interface and profile lines.
func writeSessionTop(b *strings.Builder, sa *status.IKESA) {
	if sa.Interface != "" {
		fmt.Fprintf(b, "Interface: %s\n", sa.Interface)
	}
	if sa.Profile != "" {
		fmt.Fprintf(b, "Profile: %s\n", sa.Profile)
	}
}

// writeSessionDetail writes one session of `show crypto session detail`.
func writeSessionDetail(b *strings.Builder, sess []*status.IKESA, now time.Time) {
	first := sess[0]
	writeSessionTop(b, first)
	fmt.Fprintf(b, "Uptime: %s\n", hhmmss(since(now, first.Established)))
	fmt.Fprintf(b, "Session status: %s\n", sessionStatus(sess))
	fmt.Fprintf(b, "Peer: %s port %d fvrf: %s ivrf: %s\n", iosAddr(first.Remote.Addr()), first.Remote.Port(),
		orNone(first.FVRF, "(none)"), orNone(first.IVRF, "(none)"))
	fmt.Fprintf(b, "      Phase1_id: %s\n", first.RemoteID)
	b.WriteString("      Desc: (none)\n")
	for _, sa := range sess {
		fmt.Fprintf(b, "  Session ID: %d\n", sa.SessionID)
		fmt.Fprintf(b, "  IKEv2 SA: local %s remote %s %s\n", iosAddrPort(sa.Local), iosAddrPort(sa.Remote), activeText(sa))
		fmt.Fprintf(b, "          Capabilities:%s connid:%d lifetime:%s\n", capabilities(sa), sa.ConnID,
			hhmmss(max(sa.Lifetime-since(now, sa.Established), 0)))
	}
	for _, sa := range sess {
		for i := range sa.Children {
			ch := &sa.Children[i]
			left := seconds(max(ch.Lifetime-since(now, ch.Established), 0))
			fmt.Fprintf(b, "  IPSEC FLOW: %s\n", flowText(ch))
			b.WriteString("        Active SAs: 2, origin: crypto map\n")
			fmt.Fprintf(b, "        Inbound:  #pkts dec'ed %d drop %d life (KB/Sec) %s/%d\n", ch.InPackets,
				ch.ReplayDrops+ch.AuthFailures+ch.OtherDrops, remainingKB(ch.LifetimeKB, ch.InBytes), left)
			fmt.Fprintf(b, "        Outbound: #pkts enc'ed %d drop %d life (KB/Sec) %s/%d\n", ch.OutPackets,
				ch.OutDrops, remainingKB(ch.LifetimeKB, ch.OutBytes), left)
		}
	}
	b.WriteString("\n")
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
func hhmmss(d time.Duration) string {
	s := seconds(d)
	return fmt.Sprintf("%02d:%02d:%02d", s/3600, s/60%60, s%60)
}

// flowText is an IPSEC FLOW: "permit ip 0.0.0.0/0.0.0.0 0.0.0.0/0.0.0.0",
// "permit 47 host A host B".
func flowText(ch *status.ChildSA) string {
	proto := "ip"
	if ch.Protocol != 0 {
		proto = fmt.Sprint(ch.Protocol)
	}
	return fmt.Sprintf("permit %s %s %s", proto, flowAddr(firstOr(ch.LocalTS)), flowAddr(firstOr(ch.RemoteTS)))
}

func flowAddr(p netip.Prefix) string {
	if p.IsSingleIP() {
		return "host " + iosAddr(p.Addr())
	}
	return identText(p)
}
