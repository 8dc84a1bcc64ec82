package node

import (
	"context"
	"errors"
	"net/netip"
	"testing"
	"time"

	"github.com/flexvpnd/flexvpnd/engine/dataplane/recording"
	"github.com/flexvpnd/flexvpnd/engine/ikev2/ike"
)

var loopback = netip.MustParseAddr("127.0.0.1")

// loopbackPair starts two nodes on 127.0.0.1 and configures each as the
// other's peer "p" with the given suite; each node uses its PSK for both
// directions. It returns the nodes and their data planes.
func loopbackPair(t *testing.T, s suite, pskA, pskB string) (a, b *Node, da, db *recording.Dataplane) {
	t.Helper()
	a, da = startNode(t, loopback)
	b, db = startNode(t, loopback)
	ea, eb := ikeEndpoint(t, a), ikeEndpoint(t, b)
	idA, idB := ike.FQDNIdentity("a.lab"), ike.FQDNIdentity("b.lab")
	if err := a.AddPeer(Peer{Name: "p", IKE: ikeConfig(s, ea, eb, idA, idB, pskA, pskA)}); err != nil {
		t.Fatal(err)
	}
	if err := b.AddPeer(Peer{Name: "p", IKE: ikeConfig(s, eb, ea, idB, idA, pskB, pskB)}); err != nil {
		t.Fatal(err)
	}
	return a, b, da, db
}

func TestLoopback(t *testing.T) {
	for _, tc := range []struct {
		name       string
		s          suite
		pskB       string
		wantI      ike.State
		wantR      ike.State
		wantChilds int
	}{
		{"gcm ecp256", suiteGCM, "", ike.StateEstablished, ike.StateEstablished, 1},
		{"cbc modp2048", suiteCBC, "", ike.StateEstablished, ike.StateEstablished, 1},
		{"curve25519", suiteX25519, "", ike.StateEstablished, ike.StateEstablished, 1},
		// The responder rejects the initiator's AUTH (RFC 7296 section 2.21.2).
		{"wrong psk", suiteGCM, "other", ike.StateFailed, ike.StateFailed, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pskB := "secret"
			if tc.pskB != "" {
				pskB = tc.pskB
			}
			a, b, _, _ := loopbackPair(t, tc.s, "secret", pskB)
			start := time.Now()
			if err := a.Initiate("p"); err != nil {
				t.Fatal(err)
			}
			sa := waitSAs(t, a, 5*time.Second, "initiator settled", settled)[0]
			sb := waitSAs(t, b, 5*time.Second, "responder settled", settled)[0]
			t.Logf("settled in %v", time.Since(start))
			if sa.State != tc.wantI || sb.State != tc.wantR {
				t.Fatalf("states: initiator %v (%v), responder %v (%v); want %v, %v", sa.State, sa.Err, sb.State, sb.Err, tc.wantI, tc.wantR)
			}
			if !sa.Initiator || sb.Initiator {
				t.Errorf("roles: a initiator=%v, b initiator=%v", sa.Initiator, sb.Initiator)
			}
			if sa.SPIi != sb.SPIi || sa.SPIr != sb.SPIr || sa.SPIr == 0 {
				t.Errorf("IKE SPIs differ: a %016x/%016x, b %016x/%016x", sa.SPIi, sa.SPIr, sb.SPIi, sb.SPIr)
			}
			if len(sa.Children) != tc.wantChilds || len(sb.Children) != tc.wantChilds {
				t.Fatalf("CHILD SAs: a %d, b %d; want %d", len(sa.Children), len(sb.Children), tc.wantChilds)
			}
			if tc.wantChilds == 0 {
				return
			}
			ca, cb := sa.Children[0], sb.Children[0]
			if ca.ID.InSPI != cb.ID.OutSPI || ca.ID.OutSPI != cb.ID.InSPI {
				t.Errorf("CHILD SPIs not crosswise: a %v, b %v", ca.ID, cb.ID)
			}
			if ca.Algorithms.Encr != tc.s.espEncr || ca.Algorithms.EncrKeyBits != tc.s.espKeyBits || ca.Algorithms != cb.Algorithms {
				t.Errorf("ESP algorithms: a %+v, b %+v", ca.Algorithms, cb.Algorithms)
			}
		})
	}
}

// TestRouting runs several IKE SAs between the same two nodes at once, so
// that every message must be routed by its SPIs.
func TestRouting(t *testing.T) {
	a, b, _, _ := loopbackPair(t, suiteGCM, "secret", "secret")
	const n = 4
	for range n {
		if err := a.Initiate("p"); err != nil {
			t.Fatal(err)
		}
	}
	allUp := func(st []SAStatus) bool {
		if len(st) != n {
			return false
		}
		for _, s := range st {
			if s.State != ike.StateEstablished {
				return false
			}
		}
		return true
	}
	sa := waitSAs(t, a, 10*time.Second, "initiators established", allUp)
	sb := waitSAs(t, b, 10*time.Second, "responders established", allUp)
	spis := map[[2]uint64]bool{}
	for _, s := range sb {
		spis[[2]uint64{s.SPIi, s.SPIr}] = true
	}
	for _, s := range sa {
		if !spis[[2]uint64{s.SPIi, s.SPIr}] {
			t.Errorf("initiator SA %016x/%016x has no responder", s.SPIi, s.SPIr)
		}
	}
}

// TestUnknownPeer checks that an IKE_SA_INIT request from an address with
// no configured peer creates no SA.
func TestUnknownPeer(t *testing.T) {
	a, _ := startNode(t, loopback)
	b, _ := startNode(t, loopback)
	ea, eb := ikeEndpoint(t, a), ikeEndpoint(t, b)
	cfg := ikeConfig(suiteGCM, ea, eb, ike.FQDNIdentity("a.lab"), ike.FQDNIdentity("b.lab"), "k", "k")
	if err := a.AddPeer(Peer{Name: "p", IKE: cfg}); err != nil {
		t.Fatal(err)
	}
	if err := b.AddPeer(Peer{Name: "elsewhere", IKE: ikeConfig(suiteGCM, eb, netip.MustParseAddrPort("192.0.2.1:500"), ike.FQDNIdentity("b.lab"), ike.FQDNIdentity("a.lab"), "k", "k")}); err != nil {
		t.Fatal(err)
	}
	if err := a.Initiate("p"); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)
	st, err := b.Status()
	if err != nil {
		t.Fatal(err)
	}
	if len(st) != 0 {
		t.Errorf("responder created SAs for an unknown peer: %+v", st)
	}
	if err := a.Initiate("nobody"); err == nil {
		t.Error("Initiate of an unknown peer succeeded")
	}
	if err := a.AddPeer(Peer{Name: "p", IKE: cfg}); err == nil {
		t.Error("AddPeer of a duplicate name succeeded")
	}
}

// TestStop checks that a node stopped by Close or by its context refuses
// further calls instead of blocking.
func TestStop(t *testing.T) {
	for _, tc := range []struct {
		name string
		stop func(n *Node, cancel context.CancelFunc) error
	}{
		{"close", func(n *Node, _ context.CancelFunc) error { return n.Close() }},
		{"context", func(n *Node, cancel context.CancelFunc) error { cancel(); return nil }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			n, err := Start(ctx, Config{Addrs: []netip.Addr{loopback}, Dataplane: &recording.Dataplane{}})
			if err != nil {
				t.Fatal(err)
			}
			if err := tc.stop(n, cancel); err != nil {
				t.Fatal(err)
			}
			<-n.stopped
			if _, err := n.Status(); !errors.Is(err, ErrClosed) {
				t.Errorf("Status after stop: %v, want ErrClosed", err)
			}
			if err := n.Initiate("p"); !errors.Is(err, ErrClosed) {
				t.Errorf("Initiate after stop: %v, want ErrClosed", err)
			}
			if err := n.Close(); err != nil {
				t.Errorf("second Close: %v", err)
			}
		})
	}
}

// TestBurstAnswered sends a burst of IKE_SA_INIT requests, more than one
// receive batch, before the node can answer any: each gets its answer
// (the answers of a batch leave together at its end) and its half-open
// responder SA.
func TestBurstAnswered(t *testing.T) {
	_, b := guardedPair(t, Admission{})
	f := newFakeInitiator(t)
	to := ikeEndpoint(t, b)
	const n = 40
	for range n {
		_, req := f.initiator(to, nil)
		f.send(to, req)
	}
	for i := range n {
		got := f.recv(5 * time.Second)
		if got == nil {
			t.Fatalf("%d of %d requests answered", i, n)
		}
		if kind := answerKind(t, got); kind != "SA" {
			t.Fatalf("answer %d is %s, want SA", i, kind)
		}
	}
	waitSAs(t, b, 5*time.Second, "half-open SAs", func(st []SAStatus) bool { return halfOpen(st) == n })
}
