package node

import (
	"crypto/rand"
	"net/netip"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/flexvpnd/flexvpnd/engine/dataplane/recording"
	"github.com/flexvpnd/flexvpnd/engine/ikev2/ike"
	"github.com/flexvpnd/flexvpnd/engine/swanlab"
	"github.com/google/go-cmp/cmp"
)

// TestInteropCookies runs the COOKIE exchange of RFC 7296 section 2.6
// between flexvpnd and strongSwan, each demanding the cookie in turn. A
// stray IKE_SA_INIT request, from another port of the initiator's address,
// leaves one half-open SA on the responder, which reaches its cookie
// threshold of 1 (strongSwan's cookie_threshold counts as
// `crypto ikev2 cookie-challenge` does: half-open SAs >= N); the real
// initiator is then challenged, comes back with the cookie and establishes.
func TestInteropCookies(t *testing.T) {
	if why := swanlab.Available(); why != "" {
		t.Skipf("no strongSwan lab: %s", why)
	}
	for _, weInit := range []bool{true, false} {
		name := "strongswan demands a cookie"
		if !weInit {
			name = "we demand a cookie"
		}
		t.Run(name, func(t *testing.T) { runCookieInterop(t, weInit) })
	}
}

func runCookieInterop(t *testing.T, weInit bool) {
	lab := swanlab.New(t)
	opts := swanlab.CharonOptions{}
	if weInit {
		opts.Extra = "cookie_threshold = 1" // overrides the lab's default
	}
	peer := lab.StartCharon(lab.NSB, opts)
	addrA, addrB := netip.MustParseAddr(swanlab.AddrA), netip.MustParseAddr(swanlab.AddrB)
	const psk = "interop-psk-0123456789"
	if err := peer.Load(swanlab.Conn{
		Name: "flex", LocalAddrs: swanlab.AddrB, RemoteAddrs: swanlab.AddrA,
		Proposals: []string{suiteGCM.swanIKE},
		LocalID:   swanlab.AddrB, RemoteID: swanlab.AddrA, PSK: psk,
		Children: []swanlab.Child{{Name: "net", ESPProposals: []string{suiteGCM.swanESP},
			LocalTS: []string{"0.0.0.0/0"}, RemoteTS: []string{"0.0.0.0/0"}}},
	}); err != nil {
		t.Fatalf("load strongSwan config: %v", err)
	}
	cfg := Config{Addrs: []netip.Addr{addrA}, IKEPort: 500, NATPort: 4500, Dataplane: &recording.Dataplane{}, Logger: testLogger(t)}
	if !weInit {
		cfg.Admission = Admission{CookieThreshold: 1}
	}
	n := startNodeIn(t, lab.NSA, cfg)
	ours := ikeConfig(suiteGCM, netip.AddrPortFrom(addrA, 500), netip.AddrPortFrom(addrB, 500), ike.AddrIdentity(addrA), ike.AddrIdentity(addrB), psk, psk)
	if err := n.AddPeer(Peer{Name: "spoke", IKE: ours}); err != nil {
		t.Fatal(err)
	}

	// The stray request comes from the initiator's namespace and address.
	strayNS, strayAddr, responder := lab.NSB, addrB, netip.AddrPortFrom(addrA, 500)
	if weInit {
		strayNS, strayAddr, responder = lab.NSA, addrA, netip.AddrPortFrom(addrB, 500)
	}
	sendStray(t, startNodeIn(t, strayNS, Config{Addrs: []netip.Addr{strayAddr}, Dataplane: &recording.Dataplane{}}), responder)

	if weInit {
		if err := n.Initiate("spoke"); err != nil {
			t.Fatal(err)
		}
	} else if err := peer.Initiate("flex", "net", 10*time.Second); err != nil {
		t.Logf("strongSwan initiate: %v", err)
	}
	// Our SA in the role under test; on our side as responder, the stray
	// request's half-open SA stays beside it.
	st := waitSAs(t, n, 10*time.Second, "our SA settled", func(st []SAStatus) bool {
		for _, s := range st {
			if s.Initiator == weInit && (s.State == ike.StateEstablished || s.State == ike.StateFailed) {
				return true
			}
		}
		return false
	})
	for _, s := range st {
		if s.Initiator == weInit && s.State == ike.StateFailed {
			t.Fatalf("our SA failed: %v", s.Err)
		}
	}
	logText, err := os.ReadFile(peer.LogPath())
	if err != nil {
		t.Fatal(err)
	}
	if weInit {
		if !strings.Contains(string(logText), "sending COOKIE notify") {
			t.Error("strongSwan logged no COOKIE challenge")
		}
		return
	}
	got, err := n.AdmissionStats()
	if err != nil {
		t.Fatal(err)
	}
	want := AdmissionStats{Accepted: 2, CookieChallenged: 1, CookieMissing: 1, CookieAccepted: 1}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("admission stats (-want +got):\n%s", diff)
	}
}

// sendStray sends one IKE_SA_INIT request that nobody continues from the
// node h to the responder at to, and waits until h has received the answer,
// so that the responder holds a half-open SA for it.
func sendStray(t *testing.T, h *Node, to netip.AddrPort) {
	t.Helper()
	from := ikeEndpoint(t, h)
	cfg := ikeConfig(suiteGCM, from, to, ike.AddrIdentity(from.Addr()), ike.AddrIdentity(to.Addr()), "x", "x")
	sa, err := ike.NewInitiator(&cfg, ike.Env{Now: time.Now, Rand: rand.Reader, Dataplane: &recording.Dataplane{}})
	if err != nil {
		t.Fatal(err)
	}
	ds, err := sa.Initiate()
	if err != nil {
		t.Fatal(err)
	}
	if err := h.lis.Send(ds[0].From, ds[0].To, ds[0].Data); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for h.lis.Stats().IKE == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the stray IKE_SA_INIT request was not answered")
		}
		time.Sleep(20 * time.Millisecond)
	}
}
