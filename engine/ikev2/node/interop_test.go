package node

import (
	"context"
	"net/netip"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/flexvpnd/flexvpnd/engine/dataplane"
	"github.com/flexvpnd/flexvpnd/engine/dataplane/recording"
	"github.com/flexvpnd/flexvpnd/engine/ikev2/ike"
	"github.com/flexvpnd/flexvpnd/engine/netns"
	"github.com/flexvpnd/flexvpnd/engine/swanlab"
)

// startNodeIn starts a node whose sockets belong to network namespace ns:
// Start runs on a locked OS thread switched into ns, which is switched back
// afterwards (the sockets stay in ns). The node is closed by t.Cleanup.
func startNodeIn(t *testing.T, ns string, cfg Config) *Node {
	t.Helper()
	var n *Node
	err := netns.Do(ns, func() error {
		var err error
		n, err = Start(context.Background(), cfg)
		return err
	})
	if n != nil {
		t.Cleanup(func() {
			if err := n.Close(); err != nil {
				t.Errorf("Close: %v", err)
			}
		})
	}
	if err != nil {
		t.Fatalf("start node in %s: %v", ns, err)
	}
	return n
}

// interopCase is one interop run between flexvpnd in namespace A and
// strongSwan in namespace B.
type interopCase struct {
	name     string
	s        suite
	weInit   bool // flexvpnd initiates; otherwise strongSwan does
	fqdn     bool // FQDN identities instead of IP addresses
	wrongPSK bool // strongSwan has another PSK: both sides must fail
	// del, if set, deletes the CHILD SA or the IKE SA once both sides are
	// checked.
	del *deleteCase
}

// deleteCase is who deletes what in an interop run (RFC 7296 section
// 1.4.1).
type deleteCase struct {
	child bool // the CHILD SA only, not the IKE SA
	swan  bool // strongSwan deletes; otherwise we do
}

// TestInteropDelete deletes the CHILD SA and the IKE SA from either side
// between flexvpnd and strongSwan (RFC 7296 section 1.4.1): both sides end
// without the SAs, in status and in the data plane.
func TestInteropDelete(t *testing.T) {
	if why := swanlab.Available(); why != "" {
		t.Skipf("no strongSwan lab: %s", why)
	}
	for _, tc := range []interopCase{
		{name: "strongswan deletes child", s: suiteGCM, weInit: true, del: &deleteCase{child: true, swan: true}},
		{name: "strongswan deletes ike", s: suiteGCM, del: &deleteCase{swan: true}},
		{name: "we delete child", s: suiteGCM, del: &deleteCase{child: true}},
		{name: "we delete ike", s: suiteGCM, weInit: true, del: &deleteCase{}},
	} {
		t.Run(tc.name, func(t *testing.T) { runInterop(t, tc) })
	}
}

// TestInteropStrongSwan runs flexvpnd's node in namespace A against
// strongSwan's charon in namespace B (package swanlab), in both roles, with
// PSK authentication, IP and FQDN identities and groups 19, 14 and 31. It
// checks that both sides see the same IKE SA (SPIs, algorithms, identities,
// NAT state and ports) and the same CHILD SA of IKE_AUTH, and that a wrong
// PSK fails on both sides.
//
// The lab's charon uses kernel-libipsec, which installs only UDP-encapsulated
// ESP SAs (RFC 3948). Without a NAT, charon then fakes its
// NAT_DETECTION_SOURCE_IP hash (strongSwan's "nat-fake"), so that we detect
// the peer behind a NAT (RFC 7296 section 2.23): the IKE SA floats to UDP
// 4500 for IKE_AUTH and the CHILD SA is UDP-encapsulated on both sides.
func TestInteropStrongSwan(t *testing.T) {
	if why := swanlab.Available(); why != "" {
		t.Skipf("no strongSwan lab: %s", why)
	}
	for _, tc := range []interopCase{
		{name: "we initiate gcm ecp256", s: suiteGCM, weInit: true},
		{name: "we initiate cbc modp2048", s: suiteCBC, weInit: true},
		{name: "strongswan initiates gcm ecp256", s: suiteGCM},
		{name: "strongswan initiates cbc modp2048", s: suiteCBC},
		{name: "we initiate fqdn curve25519", s: suiteX25519, weInit: true, fqdn: true},
		{name: "strongswan initiates fqdn curve25519", s: suiteX25519, fqdn: true},
		{name: "we initiate wrong psk", s: suiteGCM, weInit: true, wrongPSK: true},
		{name: "strongswan initiates wrong psk", s: suiteGCM, wrongPSK: true},
	} {
		t.Run(tc.name, func(t *testing.T) { runInterop(t, tc) })
	}
}

func runInterop(t *testing.T, tc interopCase) {
	start := time.Now()
	lab := swanlab.New(t)
	peer := lab.StartCharon(lab.NSB, swanlab.CharonOptions{})

	addrA, addrB := netip.MustParseAddr(swanlab.AddrA), netip.MustParseAddr(swanlab.AddrB)
	idA, idB := ike.AddrIdentity(addrA), ike.AddrIdentity(addrB)
	swanIDA, swanIDB := swanlab.AddrA, swanlab.AddrB
	if tc.fqdn {
		idA, idB = ike.FQDNIdentity("hub.flex.lab"), ike.FQDNIdentity("spoke.flex.lab")
		swanIDA, swanIDB = "hub.flex.lab", "spoke.flex.lab"
	}
	const psk = "interop-psk-0123456789"
	swanPSK := psk
	if tc.wrongPSK {
		swanPSK = "not-the-same-psk"
	}
	if err := peer.Load(swanlab.Conn{
		Name: "flex", LocalAddrs: swanlab.AddrB, RemoteAddrs: swanlab.AddrA,
		Proposals: []string{tc.s.swanIKE},
		LocalID:   swanIDB, RemoteID: swanIDA, PSK: swanPSK,
		Children: []swanlab.Child{{Name: "net", ESPProposals: []string{tc.s.swanESP},
			LocalTS: []string{"0.0.0.0/0"}, RemoteTS: []string{"0.0.0.0/0"}}},
	}); err != nil {
		t.Fatalf("load strongSwan config: %v", err)
	}

	dp := &recording.Dataplane{}
	n := startNodeIn(t, lab.NSA, Config{Addrs: []netip.Addr{addrA}, IKEPort: 500, NATPort: 4500, Dataplane: dp, Logger: testLogger(t)})
	cfg := ikeConfig(tc.s, netip.AddrPortFrom(addrA, 500), netip.AddrPortFrom(addrB, 500), idA, idB, psk, psk)
	if err := n.AddPeer(Peer{Name: "spoke", IKE: cfg}); err != nil {
		t.Fatal(err)
	}
	setup := time.Now()

	if tc.weInit {
		if err := n.Initiate("spoke"); err != nil {
			t.Fatal(err)
		}
	} else if err := peer.Initiate("flex", "net", 10*time.Second); err != nil {
		// Also fails when only the CHILD_SA does; the checks below tell.
		t.Logf("strongSwan initiate: %v", err)
	}
	ours := waitSAs(t, n, 10*time.Second, "our SA settled", settled)[0]
	if tc.wrongPSK {
		if ours.State != ike.StateFailed {
			t.Fatalf("our SA is %v with a wrong PSK, want FAILED", ours.State)
		}
		t.Logf("our SA failed as expected: %v", ours.Err)
		sas, err := peer.ListSAs()
		if err != nil {
			t.Fatal(err)
		}
		if ikeSA, ok := swanlab.FindIKE(sas, "flex"); ok && ikeSA.State == "ESTABLISHED" {
			t.Errorf("strongSwan established an IKE_SA with a wrong PSK: %+v", ikeSA)
		}
		logText, err := os.ReadFile(peer.LogPath())
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(logText), "N(AUTH_FAILED)") {
			t.Error("strongSwan logged no AUTHENTICATION_FAILED notify")
		}
		if got := dp.Installed(); len(got) != 0 {
			t.Errorf("CHILD SAs installed with a wrong PSK: %+v", got)
		}
		t.Logf("negotiation %v, whole test %v", time.Since(setup), time.Since(start))
		return
	}
	if ours.State != ike.StateEstablished {
		t.Fatalf("our SA is %v: %v", ours.State, ours.Err)
	}
	if ours.Initiator != tc.weInit {
		t.Errorf("our SA initiator=%v, want %v", ours.Initiator, tc.weInit)
	}
	if got, want := ours.PeerID.String(), swanIDB; got != want {
		t.Errorf("peer identity %q, want %q", got, want)
	}

	sas, err := peer.WaitSAs(5*time.Second, "IKE_SA ESTABLISHED", func(s []swanlab.IKESA) bool {
		sa, ok := swanlab.FindIKE(s, "flex")
		return ok && sa.State == "ESTABLISHED"
	})
	if err != nil {
		t.Fatal(err)
	}
	theirs, _ := swanlab.FindIKE(sas, "flex")
	if theirs.InitiatorSPI != ours.SPIi || theirs.ResponderSPI != ours.SPIr {
		t.Errorf("IKE SPIs: strongSwan %016x_i %016x_r, ours %016x_i %016x_r", theirs.InitiatorSPI, theirs.ResponderSPI, ours.SPIi, ours.SPIr)
	}
	if theirs.Initiator == tc.weInit {
		t.Errorf("strongSwan initiator=%v, want %v", theirs.Initiator, !tc.weInit)
	}
	if theirs.EncrAlg != tc.s.swanEncr || theirs.EncrKeysize != 256 || theirs.IntegAlg != tc.s.swanInteg || theirs.PRFAlg != "PRF_HMAC_SHA2_256" || theirs.DHGroup != tc.s.swanDH {
		t.Errorf("strongSwan IKE algorithms %s/%d/%s/%s/%s, want %s/256/%s/PRF_HMAC_SHA2_256/%s",
			theirs.EncrAlg, theirs.EncrKeysize, theirs.IntegAlg, theirs.PRFAlg, theirs.DHGroup, tc.s.swanEncr, tc.s.swanInteg, tc.s.swanDH)
	}
	if theirs.LocalID != swanIDB || theirs.RemoteID != swanIDA {
		t.Errorf("strongSwan identities %q/%q, want %q/%q", theirs.LocalID, theirs.RemoteID, swanIDB, swanIDA)
	}
	if theirs.LocalPort != 4500 || theirs.RemotePort != 4500 || theirs.NATLocal || theirs.NATRemote || !theirs.NATFake {
		t.Errorf("strongSwan IKE_SA %s:%d<->%s:%d nat-local=%v nat-remote=%v nat-fake=%v, want port 4500 with a faked NAT only",
			theirs.LocalHost, theirs.LocalPort, theirs.RemoteHost, theirs.RemotePort, theirs.NATLocal, theirs.NATRemote, theirs.NATFake)
	}
	// strongSwan's faked source hash makes it look NATed to us.
	if ours.NATLocal || !ours.NATRemote || ours.Local != netip.AddrPortFrom(addrA, 4500) || ours.Remote != netip.AddrPortFrom(addrB, 4500) {
		t.Errorf("our IKE SA %v<->%v nat-local=%v nat-remote=%v, want %v:4500<->%v:4500 with the peer behind a NAT",
			ours.Local, ours.Remote, ours.NATLocal, ours.NATRemote, addrA, addrB)
	}
	checkChild(t, tc, peer, theirs, ours, dp)
	t.Logf("negotiation and checks %v, whole test %v", time.Since(setup), time.Since(start))
	if tc.del != nil {
		checkDelete(t, *tc.del, n, peer, ours, dp)
		t.Logf("whole test with the delete %v", time.Since(start))
	}
}

// checkDelete deletes the CHILD SA or the IKE SA as del says and waits for
// both sides to drop it: from our Status and data plane, and from
// strongSwan's --list-sas.
func checkDelete(t *testing.T, del deleteCase, n *Node, peer *swanlab.Charon, ours SAStatus, dp *recording.Dataplane) {
	t.Helper()
	start := time.Now()
	var err error
	switch {
	case del.swan && del.child:
		_, err = peer.Swanctl("--terminate", "--child", "net", "--timeout", "5")
	case del.swan:
		err = peer.Terminate("flex", 5*time.Second)
	case del.child:
		err = n.DeleteChild(ours.SPIi, ours.SPIr, ours.Children[0].ID.InSPI)
	default:
		err = n.Delete(ours.SPIi, ours.SPIr)
	}
	if err != nil {
		t.Fatalf("delete: %v", err)
	}
	oursGone := func(st []SAStatus) bool { return len(st) == 0 }
	theirsGone := func(s []swanlab.IKESA) bool { _, ok := swanlab.FindIKE(s, "flex"); return !ok }
	if del.child {
		oursGone = func(st []SAStatus) bool {
			return len(st) == 1 && st[0].State == ike.StateEstablished && len(st[0].Children) == 0
		}
		theirsGone = func(s []swanlab.IKESA) bool {
			sa, ok := swanlab.FindIKE(s, "flex")
			return ok && sa.State == "ESTABLISHED" && len(sa.Children) == 0
		}
	}
	waitSAs(t, n, 10*time.Second, "our SA deleted", oursGone)
	if _, err := peer.WaitSAs(10*time.Second, "strongSwan's SA deleted", theirsGone); err != nil {
		t.Fatal(err)
	}
	if inst := dp.Installed(); len(inst) != 0 {
		t.Errorf("data plane still holds %+v", inst)
	}
	if got := dp.Deleted(); len(got) != 1 || got[0] != ours.Children[0].ID {
		t.Errorf("data plane deleted %v, want %v", got, ours.Children[0].ID)
	}
	t.Logf("deleted on both sides in %v", time.Since(start))
}

// checkChild checks that strongSwan installed the CHILD SA of IKE_AUTH and
// that both sides agree on it crosswise: SPIs, algorithms and ESP in UDP
// on port 4500 (RFC 3948).
func checkChild(t *testing.T, tc interopCase, peer *swanlab.Charon, theirs swanlab.IKESA, ours SAStatus, dp *recording.Dataplane) {
	t.Helper()
	logText, err := os.ReadFile(peer.LogPath())
	if err != nil {
		t.Fatal(err)
	}
	if want := "selected proposal: ESP:" + tc.s.swanESPSelected; !strings.Contains(string(logText), want) {
		t.Errorf("strongSwan did not log %q", want)
	}
	tchild, ok := theirs.Child("net")
	if !ok || tchild.State != "INSTALLED" {
		t.Fatalf("strongSwan CHILD_SA %+v (found %v), want INSTALLED", tchild, ok)
	}
	if len(ours.Children) != 1 {
		t.Fatalf("strongSwan installed the CHILD_SA, we have %d (%v)", len(ours.Children), ours.ChildErr)
	}
	child := ours.Children[0]
	if tchild.SPIIn != child.ID.OutSPI || tchild.SPIOut != child.ID.InSPI {
		t.Errorf("CHILD SPIs: strongSwan in %08x out %08x, ours in %08x out %08x", tchild.SPIIn, tchild.SPIOut, child.ID.InSPI, child.ID.OutSPI)
	}
	if tchild.EncrAlg != tc.s.swanEncr || tchild.EncrKeysize != 256 || tchild.IntegAlg != tc.s.swanInteg {
		t.Errorf("strongSwan ESP %s/%d/%s, want %s/256/%s", tchild.EncrAlg, tchild.EncrKeysize, tchild.IntegAlg, tc.s.swanEncr, tc.s.swanInteg)
	}
	if !tchild.Encap {
		t.Error("strongSwan's CHILD_SA is not UDP-encapsulated")
	}
	if want := (dataplane.UDPEncap{LocalPort: 4500, RemotePort: 4500}); child.Encap != want {
		t.Errorf("our CHILD SA encapsulation %+v, want %+v", child.Encap, want)
	}
	checkOurChild(t, tc, child, dp)
	t.Logf("strongSwan CHILD_SA %s in %08x out %08x encap=%v; ours in %08x out %08x encap %d->%d",
		tchild.State, tchild.SPIIn, tchild.SPIOut, tchild.Encap, child.ID.InSPI, child.ID.OutSPI, child.Encap.LocalPort, child.Encap.RemotePort)
}

// checkOurChild checks our CHILD SA against the suite and the data plane.
func checkOurChild(t *testing.T, tc interopCase, child ChildStatus, dp *recording.Dataplane) {
	t.Helper()
	if inst := dp.Installed(); len(inst) != 1 || inst[0].ID() != child.ID {
		t.Errorf("data plane holds %+v, want the CHILD SA %v", inst, child.ID)
	}
	if child.Algorithms.Encr != tc.s.espEncr || child.Algorithms.EncrKeyBits != tc.s.espKeyBits {
		t.Errorf("our ESP algorithms %+v, want encr %d/%d", child.Algorithms, tc.s.espEncr, tc.s.espKeyBits)
	}
	anyTS := []dataplane.TrafficSelector{dataplane.AnyIPv4}
	if !slices.Equal(child.LocalTS, anyTS) || !slices.Equal(child.RemoteTS, anyTS) {
		t.Errorf("our traffic selectors %v === %v, want 0.0.0.0/0 both ways", child.LocalTS, child.RemoteTS)
	}
}
