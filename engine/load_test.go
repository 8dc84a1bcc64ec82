package engine

import (
	"context"
	"net/netip"
	"testing"
	"time"

	"github.com/flexvpnd/flexvpnd/engine/dataplane"
	"github.com/flexvpnd/flexvpnd/engine/ikev2/ike"
	"github.com/flexvpnd/flexvpnd/engine/ikev2/wire"
	"github.com/flexvpnd/flexvpnd/engine/loadgen"
	"github.com/flexvpnd/flexvpnd/engine/spec"
	"github.com/flexvpnd/flexvpnd/engine/status"
)

// TestHubLoad opens many sessions to a virtual-template hub with the load
// generator: every one gets its own Virtual-Access, and they are all
// listed in the snapshot.
func TestHubLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("load test skipped in -short mode")
	}
	const count = 500
	ikePort, natPort := freePorts(t)
	dp := &fakeDP{}
	hub, err := New(Config{Dataplane: dp, Listen: []netip.Addr{netip.MustParseAddr("127.0.0.1")}, IKEPort: ikePort, NATPort: natPort})
	if err != nil {
		t.Fatal(err)
	}
	defer hub.Close()
	s := hubSpec("loadkey")
	s.Profiles[0].MatchIdentities = []spec.IdentityMatch{{Kind: spec.IDFQDN, Name: "load.example", Domain: true}}
	hub.Apply(s)

	anyTS := []dataplane.TrafficSelector{dataplane.AnyIPv4}
	ikeProp := ike.Proposal{
		{Type: wire.TransformENCR, ID: uint16(wire.EncrAESGCM16), KeyBits: 256},
		{Type: wire.TransformPRF, ID: uint16(wire.PRFHMACSHA2256)},
		{Type: wire.TransformDH, ID: uint16(wire.DHECP256)},
	}
	espProp := ike.Proposal{{Type: wire.TransformENCR, ID: uint16(wire.EncrAESGCM16), KeyBits: 256}, {Type: wire.TransformESN, ID: uint16(wire.ESNNo)}}
	start := time.Now()
	res, err := loadgen.Run(context.Background(), loadgen.Config{
		Target:  netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), ikePort),
		Sources: []netip.Addr{netip.MustParseAddr("127.0.0.2")},
		Workers: 2, Count: count, Concurrency: 32, Timeout: 60 * time.Second, Hold: true,
		SA: ike.Config{
			LocalID: ike.FQDNIdentity("load.example"), LocalPSK: []byte("loadkey"), RemotePSK: []byte("loadkey"),
			Proposals: []ike.Proposal{ikeProp},
			Child:     ike.ChildConfig{Proposals: []ike.Proposal{espProp}, LocalTS: anyTS, RemoteTS: anyTS},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer res.Close()
	t.Logf("%d/%d established in %v (%.0f/s), failures %v", res.Established, res.Started, time.Since(start), res.Rate(), res.Failures)
	if res.Established != count {
		t.Fatalf("%d of %d sessions established: %v", res.Established, count, res.Failures)
	}
	snap := waitSnap(t, hub, "all sessions", func(s status.Snapshot) bool { return len(s.Tunnels) == count })
	seen := map[string]bool{}
	for _, tun := range snap.Tunnels {
		seen[tun.Name] = true
	}
	if !seen["Virtual-Access1"] || !seen["Virtual-Access500"] || len(seen) != count {
		t.Errorf("%d distinct Virtual-Access interfaces, want %d from 1", len(seen), count)
	}
	start = time.Now()
	hub.Snapshot()
	t.Logf("snapshot of %d sessions in %v", count, time.Since(start))
}
