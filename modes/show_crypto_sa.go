package modes

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/flexvpnd/flexvpnd/engine/status"
	"github.com/flexvpnd/flexvpnd/parser"
)

// EngineView is what the show and clear commands need of the running
// engine. Its methods are called with the System lock held, so they must
// not call back into the System.
type EngineView interface {
	// Snapshot returns the engine's state now.
	Snapshot() status.Snapshot
	// ClearIKESAs deletes the IKE SAs whose remote address is remote (every
	// IKE SA for the zero Addr), and with them their CHILD SAs (RFC 7296
	// section 1.4.1); it returns how many IKE SAs it deleted. Tunnels that
	// initiate bring their sessions up again, as on IOS.
	ClearIKESAs(remote netip.Addr) int
	// ClearChildSAs deletes the CHILD SAs of the IKE SAs whose remote
	// address is peer (of all IKE SAs for the zero Addr), keeping the IKE
	// SAs; it returns how many CHILD SAs it deleted.
	ClearChildSAs(peer netip.Addr) int
}

// snapshot returns the engine's state, or an empty one when no engine
// runs.
func (s *System) snapshot() status.Snapshot {
	if s.Engine == nil {
		return status.Snapshot{Time: time.Now()}
	}
	return s.Engine.Snapshot()
}

// querier is an EngineView that builds only the part of its snapshot a
// command reads (the engine's Query): on a hub holding tens of thousands
// of sessions, `show crypto ikev2 sa` needs no CHILD SA or tunnel, and
// `show crypto ikev2 sa remote ADDR` one peer's SAs.
type querier interface {
	Query(q status.Query) status.Snapshot
}

// query returns the part of the engine's state that q selects (more of
// it from an engine that cannot select).
func (s *System) query(q status.Query) status.Snapshot {
	if e, ok := s.Engine.(querier); ok {
		return e.Query(q)
	}
	return s.snapshot()
}

// Help strings of the show commands of this file. UNCONFIRMED unless
// noted: `show crypto ikev2 ?` (sa, session, stats) and `show crypto ipsec
// ?` (sa) are from device captures; the others are believed IOS texts.
const (
	helpIKEv2SA      = "Shows ikev2 SAs"
	helpIKEv2Session = "Shows ikev2 active session"
	helpShowIPsecSA  = "IPSEC SA table"
	helpDetailed     = "detailed sa info"
	helpFVRF         = "Front door vrf"
	helpFVRFName     = "Front door vrf name"
	helpLocalAddr    = "Local IP Address"
	helpRemoteAddr   = "Remote IP Address"
	helpIPv4Addr     = "IPv4 Address"
	helpIPv6Addr     = "IPv6 Address"
	helpSession      = "Crypto session information"
	helpSessDetail   = "Crypto session detailed information"
	helpSessRemote   = "Remote IKE address"
)

// addrSpec is an IPv4 or IPv6 address argument, addrHelp its help.
const addrSpec = "{A.B.C.D|X:X::X:X}"

var addrHelp = []string{helpIPv4Addr, helpIPv6Addr}

func init() {
	ikev2SA := []string{HelpShow, HelpCrypto, HelpShowIKEv2, helpIKEv2SA}
	session := []string{HelpShow, HelpCrypto, helpSession}
	ExecMode.Add(
		&Command{
			Spec: "show crypto ikev2 sa [fvrf WORD] [local " + addrSpec + "] [remote " + addrSpec + "] [detailed]",
			Help: concat(ikev2SA, []string{helpFVRF, helpFVRFName, helpLocalAddr}, addrHelp, []string{helpRemoteAddr}, addrHelp, []string{helpDetailed}),
			No:   "-", Priv: 15, Pipe: true, Run: showIKEv2SA,
		},
		// IOS takes `detailed` before the filters too.
		&Command{
			Spec: "show crypto ikev2 sa detailed {local " + addrSpec + " [remote " + addrSpec + "]|remote " + addrSpec + "}",
			Help: concat(ikev2SA, []string{helpDetailed, helpLocalAddr}, addrHelp, []string{helpRemoteAddr}, addrHelp, []string{helpRemoteAddr}, addrHelp),
			No:   "-", Priv: 15, Pipe: true, Run: showIKEv2SA,
		},
		&Command{
			Spec: "show crypto ikev2 session [detailed]",
			Help: []string{HelpShow, HelpCrypto, HelpShowIKEv2, helpIKEv2Session, helpDetailed},
			No:   "-", Priv: 15, Pipe: true,
			Run: func(c *Ctx, a parser.Args) error {
				showIKEv2Session(c.Out, c.S.Sys.query(status.Query{Parts: status.PartIKESAs | status.PartChildSAs}), a.Has("detailed"))
				return nil
			},
		},
		&Command{
			Spec: "show crypto ikev2 stats",
			Help: []string{HelpShow, HelpCrypto, HelpShowIKEv2, "Shows ikev2 sa stats"},
			No:   "-", Priv: 15, Pipe: true,
			Run: func(c *Ctx, a parser.Args) error {
				c.Printf("%s", showIKEv2Stats(c.S.Sys.query(status.Query{Parts: status.PartIKESAs | status.PartStats})))
				return nil
			},
		},
		&Command{
			Spec: "show crypto ipsec sa [interface IFNAME|peer " + addrSpec + "]",
			Help: concat([]string{HelpShow, HelpCrypto, HelpShowIPsec, helpShowIPsecSA, "Show info for interface", "Interface name", "Show SAs for peer"}, addrHelp),
			No:   "-", Priv: 15, Pipe: true,
			Run: func(c *Ctx, a parser.Args) error {
				f := flowFilter{iface: a.Get("IFNAME"), peer: addrAfter(a, "peer")}
				showIPsecSA(c.Out, c.S.Sys.query(status.Query{Parts: status.PartIKESAs | status.PartChildSAs | status.PartTunnels}), f)
				return nil
			},
		},
		&Command{
			Spec: "show crypto session [remote " + addrSpec + "] [detail]",
			Help: concat(session, []string{helpSessRemote}, addrHelp, []string{helpSessDetail}),
			No:   "-", Priv: 15, Pipe: true, Run: showCryptoSession,
		},
		&Command{
			Spec: "show crypto session detail remote " + addrSpec,
			Help: concat(session, []string{helpSessDetail, helpSessRemote}, addrHelp),
			No:   "-", Priv: 15, Pipe: true, Run: showCryptoSession,
		},
	)
}

// addrAfter returns the address given after keyword kw, the zero Addr when
// the keyword is absent.
func addrAfter(a parser.Args, kw string) netip.Addr {
	rest := a.After(kw)
	if len(rest) == 0 {
		return netip.Addr{}
	}
	ip, err := netip.ParseAddr(rest[0].Value)
	if err != nil {
		return netip.Addr{}
	}
	return ip.Unmap()
}

// saFilter selects IKE SAs by their endpoints and front-door VRF; zero
// fields select everything.
type saFilter struct {
	local, remote netip.Addr
	fvrf          string
}

func (f saFilter) match(sa *status.IKESA) bool {
	return (!f.local.IsValid() || sa.Local.Addr().Unmap() == f.local) &&
		(!f.remote.IsValid() || sa.Remote.Addr().Unmap() == f.remote) &&
		(f.fvrf == "" || sa.FVRF == f.fvrf)
}

func showIKEv2SA(c *Ctx, a parser.Args) error {
	f := saFilter{local: addrAfter(a, "local"), remote: addrAfter(a, "remote"), fvrf: a.Get("WORD")}
	l := newSALister(c.Out, f, a.Has("detailed"))
	if e, ok := c.S.Sys.Engine.(ikeSAVisitor); ok {
		e.EachIKESA(f.remote, l.add)
	} else {
		snap := c.S.Sys.query(status.Query{Remote: f.remote, Parts: status.PartIKESAs})
		for i := range snap.IKESAs {
			l.add(&snap.IKESAs[i], snap.Time, len(snap.IKESAs))
		}
	}
	l.end()
	return nil
}

// ikeSAVisitor is an EngineView that hands its IKE SAs over one at a time
// (the engine's EachIKESA): `show crypto ikev2 sa` on a hub holding tens
// of thousands of sessions renders them as they come, with no snapshot of
// them all in between.
type ikeSAVisitor interface {
	EachIKESA(remote netip.Addr, fn func(sa *status.IKESA, now time.Time, count int))
}

// Sizes of the text of one IKE SA in `show crypto ikev2 sa`, without and
// with `detailed`, to size the output once.
const (
	saHeadSize   = 330
	saDetailSize = 1200
)

// saLister renders `show crypto ikev2 sa [detailed]` into out as the IKE
// SAs come: the IPv4 section then the IPv6 one (kept aside until the
// end), each SA with its own column header. Layout of the IOS-XE 16
// capture show-crypto-ikev2-sa-dmvpn-smart-default-16x.txt (trailing
// spaces included); detailed lines as IOS-XE 17 prints them. A hub lists
// tens of thousands of SAs: each is appended into one reused line buffer
// and written to out, which is sized once.
type saLister struct {
	out      *strings.Builder
	f        saFilter
	detailed bool
	sized    bool
	buf, v6  []byte
}

func newSALister(out *strings.Builder, f saFilter, detailed bool) *saLister {
	l := &saLister{out: out, f: f, detailed: detailed, buf: make([]byte, 0, 2*saDetailSize)}
	out.WriteString(" IPv4 Crypto IKEv2  SA \n\n")
	return l
}

// add renders sa if the filter selects it; count is how many SAs there
// are in all, now the time their active times are measured against.
func (l *saLister) add(sa *status.IKESA, now time.Time, count int) {
	if !l.f.match(sa) {
		return
	}
	if !l.sized {
		per := saHeadSize
		if l.detailed {
			per = saDetailSize
		}
		if l.f == (saFilter{}) {
			l.out.Grow(count * per)
		}
		l.sized = true
	}
	l.buf = writeSAHead(l.buf[:0], sa, now)
	if l.detailed {
		l.buf = writeSADetail(l.buf, sa)
	}
	l.buf = append(l.buf, '\n')
	if isV6(sa) {
		l.v6 = append(l.v6, l.buf...)
	} else {
		l.out.Write(l.buf)
	}
}

// end writes the IPv6 section.
func (l *saLister) end() {
	l.out.WriteString(" IPv6 Crypto IKEv2  SA \n\n")
	l.out.Write(l.v6)
}

func ipFamily(v6 bool) string {
	if v6 {
		return "IPv6"
	}
	return "IPv4"
}

// isV6 reports whether an IKE SA runs over IPv6.
func isV6(sa *status.IKESA) bool { return sa.Remote.Addr().Unmap().Is6() }

// appendAddr appends an address as IOS renders it: IPv6 in upper case,
// "INVALID IP" for none.
func appendAddr(b []byte, a netip.Addr) []byte {
	if !a.IsValid() {
		return append(b, "INVALID IP"...)
	}
	start := len(b)
	b = a.Unmap().AppendTo(b)
	for i := start; i < len(b); i++ {
		if 'a' <= b[i] && b[i] <= 'z' {
			b[i] -= 'a' - 'A'
		}
	}
	return b
}

// appendAddrPort appends an IKE endpoint as "A/port".
func appendAddrPort(b []byte, ap netip.AddrPort) []byte {
	return strconv.AppendUint(append(appendAddr(b, ap.Addr()), '/'), uint64(ap.Port()), 10)
}

// padTo appends spaces until the text b holds from start is width bytes
// long, as fmt's %-*s does with ASCII text.
func padTo(b []byte, start, width int) []byte {
	for len(b)-start < width {
		b = append(b, ' ')
	}
	return b
}

// appendPadded appends s left-justified in a field of width bytes.
func appendPadded(b []byte, s string, width int) []byte {
	start := len(b)
	return padTo(append(b, s...), start, width)
}

// appendInt appends v in decimal.
func appendInt[T int | int64 | uint8 | uint16 | uint32 | uint64](b []byte, v T) []byte {
	if v < 0 {
		return strconv.AppendInt(b, int64(v), 10)
	}
	return strconv.AppendUint(b, uint64(v), 10)
}

// appendHex appends v in upper-case hexadecimal, zero-padded to width
// digits (fmt's %0*X).
func appendHex(b []byte, v uint64, width int) []byte {
	const digits = "0123456789ABCDEF"
	var tmp [16]byte
	i := len(tmp)
	for {
		i--
		tmp[i] = digits[v&15]
		if v >>= 4; v == 0 {
			break
		}
	}
	for n := len(tmp) - i; n < width; n++ {
		b = append(b, '0')
	}
	return append(b, tmp[i:]...)
}

// orNone returns s, or none when s is empty.
func orNone(s, none string) string {
	if s == "" {
		return none
	}
	return s
}

// appendVRFColumn appends the fvrf/ivrf column: IOS cuts it at 18
// characters ("IWAN-TRANSPORT-1/i" in the 15.5 capture) in a field of 21.
func appendVRFColumn(b []byte, sa *status.IKESA) []byte {
	start := len(b)
	b = append(append(append(b, orNone(sa.FVRF, "none")...), '/'), orNone(sa.IVRF, "none")...)
	if len(b)-start > 18 {
		b = b[:start+18]
	}
	return padTo(b, start, 21)
}

// writeSAHead appends the column header, the row and the two transform
// and lifetime lines of one IKE SA. IPv6 addresses do not fit the IPv4
// columns: the IPv6 row gives them on lines of their own (UNCONFIRMED: no
// IPv6 capture).
func writeSAHead(b []byte, sa *status.IKESA, now time.Time) []byte {
	if isV6(sa) {
		b = append(b, "Tunnel-id fvrf/ivrf            Status \n"...)
		b = padTo(appendInt(b, sa.ConnID), len(b), 10)
		b = append(appendPadded(appendVRFColumn(b, sa), sa.State, 7), "\nLocal "...)
		b = append(appendAddrPort(b, sa.Local), "\nRemote "...)
		b = append(appendAddrPort(b, sa.Remote), '\n')
	} else {
		b = append(b, "Tunnel-id Local                 Remote                fvrf/ivrf            Status \n"...)
		b = padTo(appendInt(b, sa.ConnID), len(b), 10)
		start := len(b)
		b = padTo(appendAddrPort(b, sa.Local), start, 22)
		start = len(b)
		b = padTo(appendAddrPort(b, sa.Remote), start, 22)
		b = append(appendPadded(appendVRFColumn(b, sa), sa.State, 7), '\n')
	}
	b = append(append(b, "      Encr: "...), unknown(sa.Encr)...)
	b = append(appendInt(append(b, ", keysize: "...), sa.KeyBits), ", PRF: "...)
	b = append(append(append(append(b, unknown(sa.PRF)...), ", Hash: "...), unknown(sa.Hash)...), ", DH Grp:"...)
	b = append(append(appendInt(b, sa.DHGroup), ", Auth sign: "...), unknown(sa.AuthSign)...)
	b = append(append(append(b, ", Auth verify: "...), unknown(sa.AuthVerify)...), "\n      Life/Active Time: "...)
	b = appendInt(append(appendInt(b, seconds(sa.Lifetime)), '/'), seconds(since(now, sa.Established)))
	return append(b, " sec\n"...)
}

// unknown is how IOS shows a transform not negotiated yet (UNCONFIRMED).
func unknown(s string) string { return orNone(s, "Unknown - 0") }

// seconds returns d in whole seconds.
func seconds(d time.Duration) int64 { return int64(d / time.Second) }

// since returns how long ago t was at now, 0 for the zero time.
func since(now, t time.Time) time.Duration {
	if t.IsZero() || now.Before(t) {
		return 0
	}
	return now.Sub(t)
}

// appendTwo appends a line of two columns padded to 34 and 30 characters
// (`detailed`): left and right are each a label and a number.
func appendTwo(b []byte, left string, l uint32, right string, r uint32) []byte {
	b = append(b, "      "...)
	start := len(b)
	b = padTo(appendInt(append(b, left...), l), start, 34)
	start = len(b)
	return append(padTo(appendInt(append(b, right...), r), start, 30), '\n')
}

// msgIDLabels are the labels of the message ID lines of `detailed`.
var msgIDLabels = [][2]string{
	{"Local req msg id:  ", "Remote req msg id:  "},
	{"Local next msg id: ", "Remote next msg id: "},
	{"Local req queued:  ", "Remote req queued:  "},
}

// writeSADetail appends the lines `detailed` adds, in the IOS-XE 17 order
// (capture show-crypto-ikev2-sa-detailed-iosxe17-nat-t.txt): two-column
// lines are padded to 34 and 30 characters.
func writeSADetail(b []byte, sa *status.IKESA) []byte {
	b = append(appendInt(append(b, "      CE id: 0, Session-id: "...), sa.SessionID), "\n      "...)
	start := len(b)
	b = padTo(appendHex(append(b, "Local spi: "...), sa.LocalSPI, 16), start, 34)
	b = append(appendHex(append(b, "Remote spi: "...), sa.RemoteSPI, 16), "\n      Status Description: "...)
	b = append(append(b, sa.Description...), "\n      Local id: "...)
	b = append(append(b, sa.LocalID...), "\n      Remote id: "...)
	b = append(append(b, sa.RemoteID...), '\n')
	// flexvpnd keeps no queue of requests: the request in flight, the next
	// one and the last one queued are the same message ID.
	for _, label := range msgIDLabels {
		b = appendTwo(b, label[0], sa.LocalNextMsgID, label[1], sa.RemoteNextMsgID)
	}
	b = appendTwo(b, "Local window:      ", uint32(sa.LocalWindow), "Remote window:      ", uint32(sa.RemoteWindow))
	b = append(appendInt(append(b, "      DPD configured for "...), seconds(sa.DPDInterval)), " seconds, retry "...)
	b = append(appendInt(b, sa.DPDRetries), "\n      Fragmentation not  configured.\n"+
		"      Dynamic Route Update: disabled\n"+
		"      Extended Authentication not configured.\n"...)
	switch {
	case sa.NATLocal:
		b = append(b, "      NAT-T is detected inside\n"...)
	case sa.NATRemote:
		b = append(b, "      NAT-T is detected  outside\n"...)
	default:
		b = append(b, "      NAT-T is not detected  \n"...)
	}
	b = append(b, "      Cisco Trust Security SGT is disabled\n"...)
	if sa.AssignedAddr.IsValid() {
		b = append(appendAddr(append(b, "      Assigned host addr: "...), sa.AssignedAddr), '\n')
	}
	b = append(append(append(b, "      Initiator of SA : "...), yesNo(sa.Initiator)...), '\n')
	if len(sa.RemoteSubnets) > 0 {
		b = append(b, "      Remote subnets:\n"...)
		for _, p := range sa.RemoteSubnets {
			b = append(appendPrefix(append(b, "      "...), p, ' '), '\n')
		}
	}
	// flexvpnd does not read Cisco's vendor IDs: every peer is "Other".
	return append(b, "      PEER TYPE: Other\n"...)
}

func yesNo(v bool) string {
	if v {
		return "Yes"
	}
	return "No"
}

// appendPrefix appends a prefix as IOS lists networks: "A<sep>M" with the
// dotted mask for IPv4, "A/len" for IPv6.
func appendPrefix(b []byte, p netip.Prefix, sep byte) []byte {
	p = p.Masked()
	if !p.Addr().Is4() {
		return appendInt(append(appendAddr(b, p.Addr()), '/'), p.Bits())
	}
	var v uint32
	if p.Bits() > 0 {
		v = ^uint32(0) << (32 - p.Bits())
	}
	b = append(p.Addr().AppendTo(b), sep)
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}).AppendTo(b)
}

// showIKEv2Session renders `show crypto ikev2 session [detailed]` into
// out, layout of the IOS 15.2 capture
// show-crypto-ikev2-sa-session-ipsec-sa-stats-defaults-ios-15.2.txt with
// the PRF field later releases add.
func showIKEv2Session(out *strings.Builder, snap status.Snapshot, detailed bool) {
	per := saHeadSize + 150
	if detailed {
		per += saDetailSize
	}
	out.Grow(64 + per*len(snap.IKESAs))
	buf := make([]byte, 0, 2*per)
	all := sessions(snap.IKESAs)
	for _, v6 := range []bool{false, true} {
		buf = append(append(append(buf[:0], ' '), ipFamily(v6)...), " Crypto IKEv2 Session \n\n"...)
		out.Write(buf)
		for _, sess := range all {
			if isV6(sess[0]) != v6 {
				continue
			}
			children := 0
			for _, sa := range sess {
				children += len(sa.Children)
			}
			buf = append(appendInt(append(buf[:0], "Session-id:"...), sess[0].SessionID), ", Status:"...)
			buf = append(append(buf, sessionStatus(sess)...), ", IKE count:"...)
			buf = append(appendInt(append(appendInt(buf, len(sess)), ", CHILD count:"...), children), "\n\n"...)
			out.Write(buf)
			for _, sa := range sess {
				buf = writeSAHead(buf[:0], sa, snap.Time)
				if detailed {
					buf = writeSADetail(buf, sa)
				}
				for i := range sa.Children {
					buf = writeChildSelectors(buf, &sa.Children[i])
				}
				out.Write(append(buf, '\n'))
			}
		}
	}
	out.WriteString("\n")
}

// writeChildSelectors appends the `Child sa:` lines of one CHILD SA.
func writeChildSelectors(b []byte, ch *status.ChildSA) []byte {
	b = append(appendSelectorRange(append(b, "Child sa: local selector  "...), ch.LocalTS), "\n          remote selector "...)
	b = append(appendSelectorRange(b, ch.RemoteTS), "\n          ESP spi in/out: 0x"...)
	b = append(appendHex(b, uint64(ch.InSPI), 0), "/0x"...)
	return append(appendHex(b, uint64(ch.OutSPI), 0), "  \n"...)
}

// appendSelectorRange appends the first traffic selector as IOS renders
// it: "first address/first port - last address/last port".
func appendSelectorRange(b []byte, ts []netip.Prefix) []byte {
	p := firstOr(ts).Masked()
	b = append(appendAddr(b, p.Addr()), "/0 - "...)
	return append(appendAddr(b, lastAddr(p)), "/65535"...)
}

// lastAddr returns the last address of a prefix.
func lastAddr(p netip.Prefix) netip.Addr {
	if p.Addr().Is4() {
		a := p.Addr().As4()
		for i := p.Bits(); i < 32; i++ {
			a[i/8] |= 0x80 >> (i % 8)
		}
		return netip.AddrFrom4(a)
	}
	a := p.Addr().As16()
	for i := p.Bits(); i < 128; i++ {
		a[i/8] |= 0x80 >> (i % 8)
	}
	return netip.AddrFrom16(a)
}

// sessions groups IKE SAs by crypto session, in order of creation.
func sessions(sas []status.IKESA) [][]*status.IKESA {
	var out [][]*status.IKESA
	index := map[int]int{}
	for i := range sas {
		sa := &sas[i]
		if k, ok := index[sa.SessionID]; ok {
			out[k] = append(out[k], sa)
			continue
		}
		index[sa.SessionID] = len(out)
		out = append(out, []*status.IKESA{sa})
	}
	return out
}

// sessionStatus is a crypto session's IOS status: UP-ACTIVE with IPsec SAs,
// UP-IDLE with only an IKE SA, DOWN-NEGOTIATING while the IKE SA is being
// negotiated, DOWN otherwise.
func sessionStatus(sess []*status.IKESA) string {
	st := "DOWN"
	for _, sa := range sess {
		switch {
		case sa.State == "READY" && len(sa.Children) > 0:
			return "UP-ACTIVE"
		case sa.State == "READY":
			st = "UP-IDLE"
		case sa.State == "IN-NEG" && st == "DOWN":
			st = "DOWN-NEGOTIATING"
		}
	}
	return st
}

// statsRule is the frame of `show crypto ikev2 stats`.
const statsRule = "--------------------------------------------------------------------------------\n"

// showIKEv2Stats renders `show crypto ikev2 stats`, layout of the IOS 15.2
// capture show-crypto-ikev2-sa-session-ipsec-sa-stats-defaults-ios-15.2.txt
// (its uneven column widths and trailing spaces included).
func showIKEv2Stats(snap status.Snapshot) string {
	st := snap.Stats
	active, nego := 0, 0
	for i := range snap.IKESAs {
		switch snap.IKESAs[i].State {
		case "READY":
			active++
		case "IN-NEG":
			nego++
		}
	}
	var b strings.Builder
	b.WriteString(statsRule + "                          Crypto IKEv2 SA Statistics\n" + statsRule)
	fmt.Fprintf(&b, "System Resource Limit:   %-9dMax IKEv2 SAs: %-9dMax in nego: %-8d\n", 0, st.MaxSAs, st.MaxInNego)
	fmt.Fprintf(&b, "Total IKEv2 SA Count:    %-9dactive:        %-9dnegotiating: %-6d\n", len(snap.IKESAs), active, nego)
	fmt.Fprintf(&b, "Incoming IKEv2 Requests: %-9daccepted:      %-9drejected:    %-8d\n", st.InRequests, st.InAccepted, st.InRejected)
	fmt.Fprintf(&b, "Outgoing IKEv2 Requests: %-9daccepted:      %-9drejected:    %-8d\n", st.OutRequests, st.OutAccepted, st.OutRejected)
	fmt.Fprintf(&b, "Rejected IKEv2 Requests: %-9drsrc low:      %-9dSA limit:    %-8d\n",
		st.RejectedLowResources+st.RejectedSALimit, st.RejectedLowResources, st.RejectedSALimit)
	fmt.Fprintf(&b, "IKEv2 packets dropped at dispatch: %-8d\n", st.Dropped)
	fmt.Fprintf(&b, "Incoming IKEV2 Cookie Challenged Requests: %-8d\n", st.CookieChallenged)
	fmt.Fprintf(&b, "    accepted: %-9drejected: %-9drejected no cookie: %-8d\n\n", st.CookieAccepted, st.CookieRejected, st.CookieMissing)
	return b.String()
}
