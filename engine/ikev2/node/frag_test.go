package node

import (
	"net/netip"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/flexvpnd/flexvpnd/engine/dataplane/recording"
	"github.com/flexvpnd/flexvpnd/engine/ikev2/frag"
	"github.com/flexvpnd/flexvpnd/engine/ikev2/ike"
	"github.com/flexvpnd/flexvpnd/engine/swanlab"
)

// longFQDN returns an FQDN identity of about n octets, so that IKE_AUTH
// exceeds a small fragmentation MTU.
func longFQDN(host string, n int) ike.Identity {
	labels := strings.Repeat("segment-of-a-long-name.", n/23)
	return ike.FQDNIdentity(host + "." + labels + "flex.lab")
}

// TestLoopbackFragmentation runs two nodes on 127.0.0.1 with `crypto
// ikev2 fragmentation mtu 576` on both sides and identities long enough
// that both IKE_AUTH messages exceed 576 octets: the SA comes up with
// fragmentation negotiated (RFC 7383), and both sides recognise the
// other's FlexVPN vendor IDs. The responder takes its fragmentation from
// a Responder, as the engine does.
func TestLoopbackFragmentation(t *testing.T) {
	fr := ike.Fragmentation{Enabled: true, MTU: 576}
	a, da := startNode(t, loopback)
	idA, idB := longFQDN("a", 700), longFQDN("b", 700)
	budget := frag.NewBudget(1 << 20)
	b, db := startNodeWith(t, Config{Reassembly: ike.Reassembly{Budget: budget}, Responder: &Responder{
		Proposals: func(_, _ netip.AddrPort) []ike.Proposal { return []ike.Proposal{suiteGCM.ike} },
		Resolve: func(_ ID, local, remote netip.AddrPort, _ ike.Identity) (*ike.Config, string, error) {
			c := ikeConfig(suiteGCM, local, remote, idB, idA, "secret", "secret")
			return &c, "a", nil
		},
		Fragmentation: func(_, _ netip.AddrPort) ike.Fragmentation { return fr },
	}})
	cfgA := ikeConfig(suiteGCM, ikeEndpoint(t, a), ikeEndpoint(t, b), idA, idB, "secret", "secret")
	cfgA.Fragmentation = fr
	if err := a.AddPeer(Peer{Name: "p", IKE: cfgA}); err != nil {
		t.Fatal(err)
	}
	if err := a.Initiate("p"); err != nil {
		t.Fatal(err)
	}
	sa := waitSAs(t, a, 5*time.Second, "initiator settled", settled)[0]
	sb := waitSAs(t, b, 5*time.Second, "responder settled", settled)[0]
	if sa.State != ike.StateEstablished || sb.State != ike.StateEstablished {
		t.Fatalf("states %v (%v) / %v (%v)", sa.State, sa.Err, sb.State, sb.Err)
	}
	if !sa.Fragmentation || !sb.Fragmentation {
		t.Errorf("fragmentation negotiated %v / %v, want both", sa.Fragmentation, sb.Fragmentation)
	}
	if !sa.Cisco || !sb.Cisco || len(sa.PeerVendorIDs) != 4 {
		t.Errorf("peer vendor IDs %q / %q (cisco %v / %v)", sa.PeerVendorIDs, sb.PeerVendorIDs, sa.Cisco, sb.Cisco)
	}
	if got := len(idA.Data); got <= 576 {
		t.Fatalf("identity of %d octets does not need fragments", got)
	}
	if len(da.Installed()) != 1 || len(db.Installed()) != 1 {
		t.Errorf("CHILD SAs installed %d / %d", len(da.Installed()), len(db.Installed()))
	}
	if budget.InUse() != 0 {
		t.Errorf("responder holds %d octets of fragments", budget.InUse())
	}
}

// startNodeWith starts a node on 127.0.0.1 with cfg and a recording data
// plane, closed by t.Cleanup.
func startNodeWith(t *testing.T, cfg Config) (*Node, *recording.Dataplane) {
	t.Helper()
	dp := &recording.Dataplane{}
	cfg.Addrs, cfg.Dataplane, cfg.Logger = []netip.Addr{loopback}, dp, testLogger(t)
	n, err := Start(t.Context(), cfg)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() {
		if err := n.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return n, dp
}

// TestInteropFragmentation runs flexvpnd against strongSwan with IKE
// fragmentation on both sides and small fragment sizes (charon's
// fragment_size, our MTU), in both roles: IKE_AUTH is fragmented both
// ways (charon logs splitting its message and reassembling ours, RFC 7383)
// and the SA comes up; charon recognises our Cisco FlexVPN vendor ID.
func TestInteropFragmentation(t *testing.T) {
	if why := swanlab.Available(); why != "" {
		t.Skipf("no strongSwan lab: %s", why)
	}
	for _, weInit := range []bool{true, false} {
		t.Run(map[bool]string{true: "we initiate", false: "strongswan initiates"}[weInit], func(t *testing.T) {
			runInteropFragmentation(t, weInit)
		})
	}
}

func runInteropFragmentation(t *testing.T, weInit bool) {
	lab := swanlab.New(t)
	peer := lab.StartCharon(lab.NSB, swanlab.CharonOptions{Extra: "    fragment_size = 320\n"})
	addrA, addrB := netip.MustParseAddr(swanlab.AddrA), netip.MustParseAddr(swanlab.AddrB)
	idA, idB := longFQDN("hub", 200), longFQDN("spoke", 200)
	const psk = "interop-psk-0123456789"
	if err := peer.Load(swanlab.Conn{
		Name: "flex", LocalAddrs: swanlab.AddrB, RemoteAddrs: swanlab.AddrA,
		Proposals: []string{suiteGCM.swanIKE},
		LocalID:   string(idB.Data), RemoteID: string(idA.Data), PSK: psk,
		Children: []swanlab.Child{{Name: "net", ESPProposals: []string{suiteGCM.swanESP},
			LocalTS: []string{"0.0.0.0/0"}, RemoteTS: []string{"0.0.0.0/0"}}},
	}); err != nil {
		t.Fatalf("load strongSwan config: %v", err)
	}
	dp := &recording.Dataplane{}
	n := startNodeIn(t, lab.NSA, Config{Addrs: []netip.Addr{addrA}, IKEPort: 500, NATPort: 4500, Dataplane: dp, Logger: testLogger(t)})
	cfg := ikeConfig(suiteGCM, netip.AddrPortFrom(addrA, 500), netip.AddrPortFrom(addrB, 500), idA, idB, psk, psk)
	cfg.Fragmentation = ike.Fragmentation{Enabled: true, MTU: 300}
	if err := n.AddPeer(Peer{Name: "spoke", IKE: cfg}); err != nil {
		t.Fatal(err)
	}
	if weInit {
		if err := n.Initiate("spoke"); err != nil {
			t.Fatal(err)
		}
	} else if err := peer.Initiate("flex", "net", 10*time.Second); err != nil {
		t.Logf("strongSwan initiate: %v", err)
	}
	ours := waitSAs(t, n, 10*time.Second, "our SA settled", settled)[0]
	if ours.State != ike.StateEstablished || len(ours.Children) != 1 {
		t.Fatalf("our SA is %v (%v) with %d CHILD SAs", ours.State, ours.Err, len(ours.Children))
	}
	if !ours.Fragmentation {
		t.Error("fragmentation not negotiated with strongSwan")
	}
	if _, err := peer.WaitSAs(5*time.Second, "IKE_SA ESTABLISHED", func(s []swanlab.IKESA) bool {
		sa, ok := swanlab.FindIKE(s, "flex")
		return ok && sa.State == "ESTABLISHED"
	}); err != nil {
		t.Fatal(err)
	}
	logText, err := os.ReadFile(peer.LogPath())
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`splitting IKE message \(\d+ bytes\) into \d+ fragments`),
		regexp.MustCompile(`received fragment #1 of \d+`),
		regexp.MustCompile(`reassembled fragmented IKE message \(\d+ bytes\)`),
		regexp.MustCompile(`received Cisco FlexVPN Supported vendor ID`),
	} {
		if !want.Match(logText) {
			t.Errorf("charon did not log %q", want)
		}
	}
	for _, line := range strings.Split(string(logText), "\n") {
		if strings.Contains(line, "fragment") {
			t.Logf("charon: %s", line)
		}
	}
}
