package engine

import (
	"context"
	"flag"
	"net"
	"net/netip"
	"runtime"
	"testing"
	"time"

	"github.com/flexvpnd/flexvpnd/engine/dataplane"
	"github.com/flexvpnd/flexvpnd/engine/ikev2/ike"
	"github.com/flexvpnd/flexvpnd/engine/ikev2/wire"
	"github.com/flexvpnd/flexvpnd/engine/loadgen"
	"github.com/flexvpnd/flexvpnd/engine/spec"
)

var (
	benchMemSAs     = flag.Int("bench.mem-sas", 5000, "`number` of SAs BenchmarkHeldHeap establishes")
	benchMemProfile = flag.String("bench.mem-profile", "", "write the heap profile of BenchmarkHeldHeap, taken while the SAs are held, to `file`")
)

// noDP is the data plane of `flexvpnd --dataplane none`: it keeps nothing.
type noDP struct{}

func (noDP) InstallChildSA(dataplane.ChildSA) error     { return nil }
func (noDP) ActivateOutbound(dataplane.ChildSAID) error { return nil }
func (noDP) DeleteChildSA(dataplane.ChildSAID) error    { return nil }

// BenchmarkHeldHeap reports the live heap that a hub engine holds per
// established session (heap-B/SA: one IKE SA with one CHILD SA and its
// Virtual-Access; inuse-B/SA with the free slots of the heap's spans), as
// in BenchmarkSessionsHeld of cmd/flexvpnd but in process: -bench.mem-sas
// spokes from the load generator, which forgets its SAs once established
// so that the heap counts the hub alone. -bench.mem-profile writes the
// heap profile taken while the SAs are held (go tool pprof
// -sample_index=inuse_space).
func BenchmarkHeldHeap(b *testing.B) {
	n := *benchMemSAs
	for b.Loop() {
		port := freeUDPPort(b)
		hub, err := New(Config{Dataplane: noDP{}, Listen: []netip.Addr{netip.MustParseAddr("127.0.0.1")}, IKEPort: port, NATPort: freeUDPPort(b)})
		if err != nil {
			b.Fatal(err)
		}
		s := hubSpec("memkey")
		s.Profiles[0].MatchIdentities = []spec.IdentityMatch{{Kind: spec.IDFQDN, Name: "load.example", Domain: true}}
		s.Profiles[0].DPD = &spec.DPD{Interval: 10 * time.Minute, Retry: 5 * time.Second}
		hub.Apply(s)
		target := netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), port)
		memLoad(b, target, memWarmup, "warmup.load.example")
		waitSessions(b, hub, memWarmup)
		before := liveHeap()
		res := memLoad(b, target, n, "load.example")
		waitSessions(b, hub, memWarmup+n)
		after := liveHeap()
		if *benchMemProfile != "" {
			writeHeapProfile(b, *benchMemProfile)
		}
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/float64(n), "heap-B/SA")
		b.ReportMetric(float64(after.HeapInuse-before.HeapInuse)/float64(n), "inuse-B/SA")
		b.ReportMetric(res.Rate(), "SAs/s")
		if err := hub.Close(); err != nil {
			b.Error(err)
		}
	}
}

// memWarmup is the number of SAs established before the heap is first
// measured, so that what the hub allocates once (buffers, tables) is not
// counted per SA.
const memWarmup = 200

// memLoad establishes n SAs against target, with FQDN identities under
// domain, and forgets them.
func memLoad(tb testing.TB, target netip.AddrPort, n int, domain string) *loadgen.Result {
	tb.Helper()
	res, err := loadgen.Run(context.Background(), loadgen.Config{
		Target: target, Sources: []netip.Addr{netip.MustParseAddr("127.0.0.2")},
		Workers: 2, Count: n, Concurrency: 64, Timeout: 5 * time.Minute,
		SA: memSpokeConfig(domain),
	})
	if err != nil {
		tb.Fatal(err)
	}
	if res.Established != n {
		tb.Fatalf("%d of %d established: %v", res.Established, n, res.Failures)
	}
	return res
}

// memSpokeConfig is the spokes' SA: AES-GCM-256, PRF SHA256, group 19, a
// CHILD SA with AES-GCM-256 for any IPv4 traffic.
func memSpokeConfig(domain string) ike.Config {
	anyTS := []dataplane.TrafficSelector{dataplane.AnyIPv4}
	ikeProp := ike.Proposal{
		{Type: wire.TransformENCR, ID: uint16(wire.EncrAESGCM16), KeyBits: 256},
		{Type: wire.TransformPRF, ID: uint16(wire.PRFHMACSHA2256)},
		{Type: wire.TransformDH, ID: uint16(wire.DHECP256)},
	}
	espProp := ike.Proposal{{Type: wire.TransformENCR, ID: uint16(wire.EncrAESGCM16), KeyBits: 256}, {Type: wire.TransformESN, ID: uint16(wire.ESNNo)}}
	return ike.Config{
		LocalID: ike.FQDNIdentity(domain), LocalPSK: []byte("memkey"), RemotePSK: []byte("memkey"),
		Proposals: []ike.Proposal{ikeProp},
		Child:     ike.ChildConfig{Proposals: []ike.Proposal{espProp}, LocalTS: anyTS, RemoteTS: anyTS},
	}
}

// waitSessions waits until the hub's snapshot lists n tunnels, for the
// engine's event handling to catch up with the node.
func waitSessions(tb testing.TB, e *Engine, n int) {
	tb.Helper()
	deadline := time.Now().Add(time.Minute)
	for len(e.Snapshot().Tunnels) < n {
		if time.Now().After(deadline) {
			tb.Fatalf("hub lists %d sessions, want %d", len(e.Snapshot().Tunnels), n)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// liveHeap returns the memory statistics after two collections:
// HeapAlloc is the live heap, HeapInuse adds the free slots of the spans
// in use (fragmentation).
func liveHeap() runtime.MemStats {
	var m runtime.MemStats
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&m)
	return m
}

// freeUDPPort returns a UDP port free on 127.0.0.1.
func freeUDPPort(tb testing.TB) uint16 {
	tb.Helper()
	c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		tb.Fatal(err)
	}
	defer c.Close()
	return uint16(c.LocalAddr().(*net.UDPAddr).Port)
}
