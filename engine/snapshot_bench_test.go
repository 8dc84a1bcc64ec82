package engine

import (
	"context"
	"flag"
	"net"
	"net/netip"
	"syscall"
	"testing"
	"time"

	"github.com/flexvpnd/flexvpnd/engine/dataplane"
	"github.com/flexvpnd/flexvpnd/engine/ikev2/ike"
	"github.com/flexvpnd/flexvpnd/engine/ikev2/wire"
	"github.com/flexvpnd/flexvpnd/engine/loadgen"
	"github.com/flexvpnd/flexvpnd/engine/spec"
	"github.com/flexvpnd/flexvpnd/engine/status"
)

// snapshotSAs is how many sessions BenchmarkSnapshot holds (issue 7:
// 50,000 on the real hub; in process 5,000 set up in a few seconds).
var snapshotSAs = flag.Int("snapshot.sas", 5000, "sessions held by BenchmarkSnapshot")

// discardDP is a data plane that accepts every CHILD SA and keeps nothing
// (flexvpnd's --dataplane none), so the benchmark measures the engine.
type discardDP struct{}

func (discardDP) InstallChildSA(dataplane.ChildSA) error     { return nil }
func (discardDP) ActivateOutbound(dataplane.ChildSAID) error { return nil }
func (discardDP) DeleteChildSA(dataplane.ChildSAID) error    { return nil }

// processCPU returns the CPU time (user and system) the process has used.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// holdSessions starts a virtual-template hub on 127.0.0.1 and opens n
// sessions to it from 127.0.0.2 and one from 127.0.0.3 with the load
// generator; they are closed when tb ends.
func holdSessions(tb testing.TB, n int) *Engine {
	tb.Helper()
	var ports [2]uint16
	for i := range ports {
		c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
		if err != nil {
			tb.Fatal(err)
		}
		ports[i] = uint16(c.LocalAddr().(*net.UDPAddr).Port)
		c.Close()
	}
	hub, err := New(Config{Dataplane: discardDP{}, Listen: []netip.Addr{netip.MustParseAddr("127.0.0.1")}, IKEPort: ports[0], NATPort: ports[1]})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { hub.Close() })
	s := hubSpec("benchkey")
	s.Profiles[0].MatchIdentities = []spec.IdentityMatch{{Kind: spec.IDFQDN, Name: "load.example", Domain: true}}
	hub.Apply(s)
	encr := ike.Transform{Type: wire.TransformENCR, ID: uint16(wire.EncrAESGCM16), KeyBits: 256}
	anyTS := []dataplane.TrafficSelector{dataplane.AnyIPv4}
	for _, src := range []struct {
		addr, id string
		count    int
	}{{"127.0.0.2", "a.load.example", n}, {"127.0.0.3", "b.load.example", 1}} {
		res, err := loadgen.Run(context.Background(), loadgen.Config{
			Target: netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), ports[0]), Sources: []netip.Addr{netip.MustParseAddr(src.addr)},
			Workers: 2, Count: src.count, Concurrency: 64, Timeout: 5 * time.Minute, Hold: true,
			SA: ike.Config{
				LocalID: ike.FQDNIdentity(src.id), LocalPSK: []byte("benchkey"), RemotePSK: []byte("benchkey"),
				Proposals: []ike.Proposal{{encr, {Type: wire.TransformPRF, ID: uint16(wire.PRFHMACSHA2256)}, {Type: wire.TransformDH, ID: uint16(wire.DHECP256)}}},
				Child:     ike.ChildConfig{Proposals: []ike.Proposal{{encr, {Type: wire.TransformESN, ID: uint16(wire.ESNNo)}}}, LocalTS: anyTS, RemoteTS: anyTS},
			},
		})
		if err != nil || res.Established != src.count {
			tb.Fatalf("%s: %d of %d established (%v): %v", src.addr, res.Established, src.count, err, res.Failures)
		}
		tb.Cleanup(res.Close)
	}
	return hub
}

// BenchmarkSnapshot measures the snapshots the show commands take of a hub
// holding -snapshot.sas sessions: the IKE SAs of `show crypto ikev2 sa`
// (as a snapshot, and handed over one at a time), the whole snapshot, and one remote address (`show crypto ikev2 sa remote
// ADDR`). Beside the wall time it reports the process's CPU time per
// snapshot (the node's goroutine included).
func BenchmarkSnapshot(b *testing.B) {
	hub := holdSessions(b, *snapshotSAs)
	one := netip.MustParseAddr("127.0.0.3")
	count := func(q status.Query) func() int {
		return func() int { return len(hub.Query(q).IKESAs) }
	}
	for _, bc := range []struct {
		name string
		take func() int
		want int
	}{
		{"ikev2-sa", count(status.Query{Parts: status.PartIKESAs}), *snapshotSAs + 1},
		{"each-ikev2-sa", func() int {
			n := 0
			hub.EachIKESA(netip.Addr{}, func(*status.IKESA, time.Time, int) { n++ })
			return n
		}, *snapshotSAs + 1},
		{"full", count(status.Query{Parts: status.PartAll}), *snapshotSAs + 1},
		{"remote", count(status.Query{Remote: one, Parts: status.PartIKESAs}), 1},
	} {
		b.Run(bc.name, func(b *testing.B) {
			cpu := processCPU()
			for b.Loop() {
				if got := bc.take(); got != bc.want {
					b.Fatalf("%d IKE SAs, want %d", got, bc.want)
				}
			}
			b.ReportMetric(float64((processCPU()-cpu).Nanoseconds())/float64(b.N)/1000, "cpu-µs/op")
		})
	}
}
