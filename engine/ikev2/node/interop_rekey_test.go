package node

import (
	"fmt"
	"net/netip"
	"os"
	"regexp"
	"testing"
	"time"

	"github.com/flexvpnd/flexvpnd/engine/dataplane/recording"
	"github.com/flexvpnd/flexvpnd/engine/ikev2/ike"
	"github.com/flexvpnd/flexvpnd/engine/ikev2/wire"
	"github.com/flexvpnd/flexvpnd/engine/swanlab"
)

// rekeyCase is one rekey interop run: who rekeys, who set up the IKE SA,
// and whether the CHILD SAs use PFS.
type rekeyCase struct {
	name    string
	swan    bool // strongSwan rekeys (short rekey_time); otherwise we do (short lifetimes)
	weInit  bool // we initiate the IKE SA
	pfs     bool // ESP proposals with group 19 (PFS)
	timeout time.Duration
}

// TestInteropRekey lets strongSwan rekey the CHILD SA and the IKE SA, and
// then flexvpnd, with short lifetimes (RFC 7296 sections 1.3.2, 1.3.3,
// 2.8, 2.18), each time with the other side as the IKE SA's initiator, so
// that the roles change with the IKE SA rekey. Afterwards each side holds
// exactly one IKE SA and one CHILD SA, with new SPIs that both agree on.
func TestInteropRekey(t *testing.T) {
	if why := swanlab.Available(); why != "" {
		t.Skipf("no strongSwan lab: %s", why)
	}
	for _, tc := range []rekeyCase{
		{name: "strongswan rekeys with pfs", swan: true, weInit: true, pfs: true, timeout: 20 * time.Second},
		{name: "we rekey with pfs", pfs: true, timeout: 20 * time.Second},
		{name: "we rekey our own", weInit: true, timeout: 20 * time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) { runRekeyInterop(t, tc) })
	}
}

func runRekeyInterop(t *testing.T, tc rekeyCase) {
	start := time.Now()
	lab := swanlab.New(t)
	// charon keeps a rekeyed CHILD_SA listed (DELETED) for
	// delete_rekeyed_delay, 5 s by default: longer than a rekey period
	// here.
	peer := lab.StartCharon(lab.NSB, swanlab.CharonOptions{Extra: "delete_rekeyed_delay = 1"})
	addrA, addrB := netip.MustParseAddr(swanlab.AddrA), netip.MustParseAddr(swanlab.AddrB)
	const psk = "interop-rekey-psk-0123456789"

	s := suiteGCM
	if tc.pfs {
		s.esp = append(append(ike.Proposal{}, s.esp...), dh(wire.DHECP256))
		s.swanESP += "-ecp256"
	}
	conn := swanlab.Conn{
		Name: "flex", LocalAddrs: swanlab.AddrB, RemoteAddrs: swanlab.AddrA,
		Proposals: []string{s.swanIKE},
		LocalID:   swanlab.AddrB, RemoteID: swanlab.AddrA, PSK: psk,
		Children: []swanlab.Child{{Name: "net", ESPProposals: []string{s.swanESP},
			LocalTS: []string{"0.0.0.0/0"}, RemoteTS: []string{"0.0.0.0/0"}}},
	}
	cfg := ikeConfig(s, netip.AddrPortFrom(addrA, 500), netip.AddrPortFrom(addrB, 500),
		ike.AddrIdentity(addrA), ike.AddrIdentity(addrB), psk, psk)
	if tc.swan {
		// charon rekeys the CHILD_SA between 4 s and 6 s after its
		// creation (rekey_time minus up to life_time - rekey_time) and
		// the IKE_SA after 8 s to 10 s (rand_time is 10% of rekey_time).
		conn.RekeyTime = 10 * time.Second
		conn.Children[0].RekeyTime, conn.Children[0].LifeTime = 6*time.Second, 8*time.Second
	} else {
		// We rekey the CHILD SA after 85% to 95% of 8 s and the IKE SA
		// after 85% to 95% of 12 s.
		cfg.Child.Lifetime, cfg.Lifetime = 8*time.Second, 12*time.Second
	}
	if err := peer.Load(conn); err != nil {
		t.Fatalf("load strongSwan config: %v", err)
	}
	dp := &recording.Dataplane{}
	n := startNodeIn(t, lab.NSA, Config{Addrs: []netip.Addr{addrA}, IKEPort: 500, NATPort: 4500, Dataplane: dp, Logger: testLogger(t)})
	if err := n.AddPeer(Peer{Name: "spoke", IKE: cfg}); err != nil {
		t.Fatal(err)
	}
	if tc.weInit {
		if err := n.Initiate("spoke"); err != nil {
			t.Fatal(err)
		}
	} else if err := peer.Initiate("flex", "net", 10*time.Second); err != nil {
		t.Fatalf("strongSwan initiate: %v", err)
	}
	first := waitSAs(t, n, 10*time.Second, "our SA established", func(st []SAStatus) bool {
		return len(st) == 1 && st[0].State == ike.StateEstablished && len(st[0].Children) == 1
	})[0]
	t.Logf("established in %v: %016x_i %016x_r, CHILD SA in %08x", time.Since(start), first.SPIi, first.SPIr, first.Children[0].ID.InSPI)

	// Wait until both rekeys happened and both sides settled on the same
	// single IKE SA and CHILD SA.
	deadline := time.Now().Add(tc.timeout)
	for {
		why := rekeyedAgreement(n, peer, dp, first)
		if why == "" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after %v: %s", tc.timeout, why)
		}
		time.Sleep(100 * time.Millisecond)
	}
	st, _ := n.Status()
	ours := st[0]
	if ours.Initiator != !tc.swan {
		t.Errorf("our role after the IKE SA rekey: initiator=%v, want the rekey's initiator", ours.Initiator)
	}
	if n := len(dp.Deleted()); n < 1 {
		t.Errorf("our data plane deleted %d CHILD SAs, want the rekeyed ones", n)
	}
	checkRekeyLog(t, tc, peer)
	t.Logf("rekeyed and settled after %v: %016x_i %016x_r (initiator=%v), CHILD SA in %08x; data plane deleted %d CHILD SAs",
		time.Since(start), ours.SPIi, ours.SPIr, ours.Initiator, ours.Children[0].ID.InSPI, len(dp.Deleted()))
}

// Rekey requests as charon logs them (RFC 7296 sections 1.3.2, 1.3.3):
// "generating" those it sends, "parsed" those it receives.
var (
	childRekeyRE = regexp.MustCompile(`(generating|parsed) CREATE_CHILD_SA request \d+ \[ N\(REKEY_SA\) (N\(\w+\) )*SA No (KE )?TSi TSr \]`)
	ikeRekeyRE   = regexp.MustCompile(`(generating|parsed) CREATE_CHILD_SA request \d+ \[ SA No KE \]`)
)

// checkRekeyLog checks in charon's log that the CHILD SA and the IKE SA
// were rekeyed by the side tc says, and only by it, with a KE payload in
// the CHILD SA rekeys when PFS is on.
func checkRekeyLog(t *testing.T, tc rekeyCase, peer *swanlab.Charon) {
	t.Helper()
	logText, err := os.ReadFile(peer.LogPath())
	if err != nil {
		t.Fatal(err)
	}
	want, other := "parsed", "generating"
	if tc.swan {
		want, other = other, want
	}
	for _, re := range []*regexp.Regexp{childRekeyRE, ikeRekeyRE} {
		count := map[string]int{}
		for _, m := range re.FindAllStringSubmatch(string(logText), -1) {
			count[m[1]]++
			if re == childRekeyRE && (m[3] != "") != tc.pfs {
				t.Errorf("CHILD SA rekey with PFS=%v: %s", tc.pfs, m[0])
			}
		}
		if count[want] < 1 || count[other] != 0 {
			t.Errorf("charon log: %v %s, %v %s; want only %q", count[want], want, count[other], other, re)
		}
		t.Logf("charon %s %d rekey requests like %q", want, count[want], re)
	}
}

// rekeyedAgreement returns "" once the IKE SA and the CHILD SA have new
// SPIs and both sides hold exactly one of each, the same; otherwise what
// is still missing.
func rekeyedAgreement(n *Node, peer *swanlab.Charon, dp *recording.Dataplane, first SAStatus) string {
	st, err := n.Status()
	if err != nil {
		return err.Error()
	}
	if len(st) != 1 || st[0].State != ike.StateEstablished || len(st[0].Children) != 1 {
		return fmt.Sprintf("our status %+v", st)
	}
	ours, child := st[0], st[0].Children[0]
	switch {
	case ours.SPIi == first.SPIi || ours.SPIr == first.SPIr:
		return "the IKE SA is not rekeyed yet"
	case child.ID.InSPI == first.Children[0].ID.InSPI:
		return "the CHILD SA is not rekeyed yet"
	case len(dp.Installed()) != 1:
		return fmt.Sprintf("our data plane holds %d CHILD SAs", len(dp.Installed()))
	}
	sas, err := peer.ListSAs()
	if err != nil {
		return err.Error()
	}
	if len(sas) != 1 || sas[0].Name != "flex" || sas[0].State != "ESTABLISHED" || len(sas[0].Children) != 1 {
		return fmt.Sprintf("strongSwan lists %+v", sas)
	}
	theirs, tchild := sas[0], sas[0].Children[0]
	switch {
	case theirs.InitiatorSPI != ours.SPIi || theirs.ResponderSPI != ours.SPIr:
		return fmt.Sprintf("IKE SPIs: strongSwan %016x_i %016x_r, ours %016x_i %016x_r", theirs.InitiatorSPI, theirs.ResponderSPI, ours.SPIi, ours.SPIr)
	case theirs.Initiator == ours.Initiator:
		return fmt.Sprintf("both sides initiator=%v", ours.Initiator)
	case tchild.State != "INSTALLED" || tchild.SPIIn != child.ID.OutSPI || tchild.SPIOut != child.ID.InSPI:
		return fmt.Sprintf("CHILD SA: strongSwan %s in %08x out %08x, ours in %08x out %08x", tchild.State, tchild.SPIIn, tchild.SPIOut, child.ID.InSPI, child.ID.OutSPI)
	}
	return ""
}
