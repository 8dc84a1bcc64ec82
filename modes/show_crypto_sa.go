package modes

import (
	"fmt"
	"net/netip"
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
				c.Printf("%s", showIKEv2Session(c.S.Sys.snapshot(), a.Has("detailed")))
				return nil
			},
		},
		&Command{
			Spec: "show crypto ikev2 stats",
			Help: []string{HelpShow, HelpCrypto, HelpShowIKEv2, "Shows ikev2 sa stats"},
			No:   "-", Priv: 15, Pipe: true,
			Run: func(c *Ctx, a parser.Args) error {
				c.Printf("%s", showIKEv2Stats(c.S.Sys.snapshot()))
				return nil
			},
		},
		&Command{
			Spec: "show crypto ipsec sa [interface IFNAME|peer " + addrSpec + "]",
			Help: concat([]string{HelpShow, HelpCrypto, HelpShowIPsec, helpShowIPsecSA, "Show info for interface", "Interface name", "Show SAs for peer"}, addrHelp),
			No:   "-", Priv: 15, Pipe: true,
			Run: func(c *Ctx, a parser.Args) error {
				f := flowFilter{iface: a.Get("IFNAME"), peer: addrAfter(a, "peer")}
				c.Printf("%s", showIPsecSA(c.S.Sys.snapshot(), f))
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
	snap := c.S.Sys.snapshot
	if r, ok := c.S.Sys.Engine.(remoteSnapshotter); ok && f.remote.IsValid() {
		snap = func() status.Snapshot { return r.SnapshotRemote(f.remote) }
	}
	c.Printf("%s", renderIKEv2SA(snap(), f, a.Has("detailed")))
	return nil
}

// remoteSnapshotter is an EngineView that can snapshot only the IKE SAs
// of one remote address (the engine's SnapshotRemote), which a hub
// holding tens of thousands of sessions answers at once.
type remoteSnapshotter interface {
	SnapshotRemote(remote netip.Addr) status.Snapshot
}

// renderIKEv2SA renders `show crypto ikev2 sa [detailed]`: the IPv4
// section then the IPv6 one, each SA with its own column header. Layout of
// the IOS-XE 16 capture show-crypto-ikev2-sa-dmvpn-smart-default-16x.txt
// (trailing spaces included); detailed lines as IOS-XE 17 prints them.
func renderIKEv2SA(snap status.Snapshot, f saFilter, detailed bool) string {
	var b strings.Builder
	b.Grow(64 + 320*len(snap.IKESAs)) // an SA's head is about 300 bytes
	for _, v6 := range []bool{false, true} {
		fmt.Fprintf(&b, " %s Crypto IKEv2  SA \n\n", ipFamily(v6))
		for i := range snap.IKESAs {
			sa := &snap.IKESAs[i]
			if isV6(sa) != v6 || !f.match(sa) {
				continue
			}
			writeSAHead(&b, sa, snap.Time)
			if detailed {
				writeSADetail(&b, sa)
			}
			b.WriteString("\n")
		}
	}
	return b.String()
}

func ipFamily(v6 bool) string {
	if v6 {
		return "IPv6"
	}
	return "IPv4"
}

// isV6 reports whether an IKE SA runs over IPv6.
func isV6(sa *status.IKESA) bool { return sa.Remote.Addr().Unmap().Is6() }

// iosAddr renders an address as IOS does (IPv6 in upper case).
func iosAddr(a netip.Addr) string { return strings.ToUpper(a.Unmap().String()) }

// iosAddrPort renders an IKE endpoint as "A/port".
func iosAddrPort(ap netip.AddrPort) string {
	return fmt.Sprintf("%s/%d", iosAddr(ap.Addr()), ap.Port())
}

// orNone returns s, or none when s is empty.
func orNone(s, none string) string {
	if s == "" {
		return none
	}
	return s
}

// vrfColumn is the fvrf/ivrf column: IOS cuts it at 18 characters
// ("IWAN-TRANSPORT-1/i" in the 15.5 capture).
func vrfColumn(sa *status.IKESA) string {
	s := orNone(sa.FVRF, "none") + "/" + orNone(sa.IVRF, "none")
	if len(s) > 18 {
		s = s[:18]
	}
	return s
}

// writeSAHead writes the column header, the row and the two transform and
// lifetime lines of one IKE SA. IPv6 addresses do not fit the IPv4
// columns: the IPv6 row gives them on lines of their own (UNCONFIRMED: no
// IPv6 capture).
func writeSAHead(b *strings.Builder, sa *status.IKESA, now time.Time) {
	if isV6(sa) {
		b.WriteString("Tunnel-id fvrf/ivrf            Status \n")
		fmt.Fprintf(b, "%-10d%-21s%-7s\n", sa.ConnID, vrfColumn(sa), sa.State)
		fmt.Fprintf(b, "Local %s\nRemote %s\n", iosAddrPort(sa.Local), iosAddrPort(sa.Remote))
	} else {
		b.WriteString("Tunnel-id Local                 Remote                fvrf/ivrf            Status \n")
		fmt.Fprintf(b, "%-10d%-22s%-22s%-21s%-7s\n", sa.ConnID, iosAddrPort(sa.Local), iosAddrPort(sa.Remote), vrfColumn(sa), sa.State)
	}
	fmt.Fprintf(b, "      Encr: %s, keysize: %d, PRF: %s, Hash: %s, DH Grp:%d, Auth sign: %s, Auth verify: %s\n",
		unknown(sa.Encr), sa.KeyBits, unknown(sa.PRF), unknown(sa.Hash), sa.DHGroup, unknown(sa.AuthSign), unknown(sa.AuthVerify))
	fmt.Fprintf(b, "      Life/Active Time: %d/%d sec\n", seconds(sa.Lifetime), seconds(since(now, sa.Established)))
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

// writeSADetail writes the lines `detailed` adds, in the IOS-XE 17 order
// (capture show-crypto-ikev2-sa-detailed-iosxe17-nat-t.txt): two-column
// lines are padded to 34 and 30 characters.
func writeSADetail(b *strings.Builder, sa *status.IKESA) {
	two := func(left, right string) { fmt.Fprintf(b, "      %-34s%-30s\n", left, right) }
	fmt.Fprintf(b, "      CE id: 0, Session-id: %d\n", sa.SessionID)
	fmt.Fprintf(b, "      %-34sRemote spi: %016X\n", fmt.Sprintf("Local spi: %016X", sa.LocalSPI), sa.RemoteSPI)
	fmt.Fprintf(b, "      Status Description: %s\n", sa.Description)
	fmt.Fprintf(b, "      Local id: %s\n", sa.LocalID)
	fmt.Fprintf(b, "      Remote id: %s\n", sa.RemoteID)
	// flexvpnd keeps no queue of requests: the request in flight, the next
	// one and the last one queued are the same message ID.
	for _, label := range []string{"req msg id: ", "next msg id:", "req queued: "} {
		two(fmt.Sprintf("Local %s %d", label, sa.LocalNextMsgID), fmt.Sprintf("Remote %s %d", label, sa.RemoteNextMsgID))
	}
	two(fmt.Sprintf("Local window:      %d", sa.LocalWindow), fmt.Sprintf("Remote window:      %d", sa.RemoteWindow))
	fmt.Fprintf(b, "      DPD configured for %d seconds, retry %d\n", seconds(sa.DPDInterval), sa.DPDRetries)
	b.WriteString("      Fragmentation not  configured.\n")
	b.WriteString("      Dynamic Route Update: disabled\n")
	b.WriteString("      Extended Authentication not configured.\n")
	switch {
	case sa.NATLocal:
		b.WriteString("      NAT-T is detected inside\n")
	case sa.NATRemote:
		b.WriteString("      NAT-T is detected  outside\n")
	default:
		b.WriteString("      NAT-T is not detected  \n")
	}
	b.WriteString("      Cisco Trust Security SGT is disabled\n")
	if sa.AssignedAddr.IsValid() {
		fmt.Fprintf(b, "      Assigned host addr: %s\n", iosAddr(sa.AssignedAddr))
	}
	fmt.Fprintf(b, "      Initiator of SA : %s\n", yesNo(sa.Initiator))
	if len(sa.RemoteSubnets) > 0 {
		b.WriteString("      Remote subnets:\n")
		for _, p := range sa.RemoteSubnets {
			fmt.Fprintf(b, "      %s\n", addrMask(p))
		}
	}
	// flexvpnd does not read Cisco's vendor IDs: every peer is "Other".
	b.WriteString("      PEER TYPE: Other\n")
}

func yesNo(v bool) string {
	if v {
		return "Yes"
	}
	return "No"
}

// addrMask renders a prefix as "A M" (IPv4) or "A/len" (IPv6).
func addrMask(p netip.Prefix) string {
	a, m := prefixParts(p)
	if p.Addr().Is4() {
		return a + " " + m
	}
	return a + "/" + m
}

// prefixParts returns a prefix's address and its dotted mask (IPv4) or
// length (IPv6).
func prefixParts(p netip.Prefix) (addr, mask string) {
	p = p.Masked()
	if !p.Addr().Is4() {
		return iosAddr(p.Addr()), fmt.Sprint(p.Bits())
	}
	m := netip.AddrFrom4([4]byte{})
	if p.Bits() > 0 {
		v := ^uint32(0) << (32 - p.Bits())
		m = netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
	}
	return p.Addr().String(), m.String()
}

// showIKEv2Session renders `show crypto ikev2 session [detailed]`, layout
// of the IOS 15.2 capture
// show-crypto-ikev2-sa-session-ipsec-sa-stats-defaults-ios-15.2.txt with
// the PRF field later releases add.
func showIKEv2Session(snap status.Snapshot, detailed bool) string {
	var b strings.Builder
	for _, v6 := range []bool{false, true} {
		fmt.Fprintf(&b, " %s Crypto IKEv2 Session \n\n", ipFamily(v6))
		for _, sess := range sessions(snap.IKESAs) {
			if isV6(sess[0]) != v6 {
				continue
			}
			children := 0
			for _, sa := range sess {
				children += len(sa.Children)
			}
			fmt.Fprintf(&b, "Session-id:%d, Status:%s, IKE count:%d, CHILD count:%d\n\n",
				sess[0].SessionID, sessionStatus(sess), len(sess), children)
			for _, sa := range sess {
				writeSAHead(&b, sa, snap.Time)
				if detailed {
					writeSADetail(&b, sa)
				}
				for _, ch := range sa.Children {
					writeChildSelectors(&b, ch)
				}
				b.WriteString("\n")
			}
		}
	}
	b.WriteString("\n")
	return b.String()
}

// writeChildSelectors writes the `Child sa:` lines of one CHILD SA.
func writeChildSelectors(b *strings.Builder, ch status.ChildSA) {
	fmt.Fprintf(b, "Child sa: local selector  %s\n", selectorRange(ch.LocalTS))
	fmt.Fprintf(b, "          remote selector %s\n", selectorRange(ch.RemoteTS))
	fmt.Fprintf(b, "          ESP spi in/out: 0x%X/0x%X  \n", ch.InSPI, ch.OutSPI)
}

// selectorRange renders the first traffic selector as IOS does: "first
// address/first port - last address/last port".
func selectorRange(ts []netip.Prefix) string {
	p := firstOr(ts).Masked()
	return fmt.Sprintf("%s/0 - %s/65535", iosAddr(p.Addr()), iosAddr(lastAddr(p)))
}

// lastAddr returns the last address of a prefix.
func lastAddr(p netip.Prefix) netip.Addr {
	b := p.Addr().AsSlice()
	for i := p.Bits(); i < len(b)*8; i++ {
		b[i/8] |= 0x80 >> (i % 8)
	}
	a, _ := netip.AddrFromSlice(b)
	return a
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
	for _, sa := range snap.IKESAs {
		switch sa.State {
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
