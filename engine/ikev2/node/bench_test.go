package node

import (
	"context"
	"net/netip"
	"runtime/pprof"
	"testing"
	"time"

	"github.com/flexvpnd/flexvpnd/engine/dataplane"
	"github.com/flexvpnd/flexvpnd/engine/ikev2/ike"
	"github.com/flexvpnd/flexvpnd/engine/ikev2/wire"
	"github.com/flexvpnd/flexvpnd/engine/loadgen"
)

// nullDataplane accepts CHILD SAs and installs nothing, as flexvpnd's
// --dataplane none.
type nullDataplane struct{}

func (nullDataplane) InstallChildSA(dataplane.ChildSA) error     { return nil }
func (nullDataplane) ActivateOutbound(dataplane.ChildSAID) error { return nil }
func (nullDataplane) DeleteChildSA(dataplane.ChildSAID) error    { return nil }

// BenchmarkResponderSetup sets up b.N IKE SAs (PSK, AES-GCM-256, PRF
// HMAC-SHA256, group 19, one CHILD SA each) from the load generator, 256
// at a time over 4 sockets, against a node on loopback: the hot path of a
// responder in one process. The node's goroutines carry the profiler
// label side=responder, the load generator's side=initiator, so that
//
//	go test -run '^$' -bench ResponderSetup -benchtime 5000x -cpuprofile cpu.out ./engine/ikev2/node
//	go tool pprof -tagfocus side=responder cpu.out
//
// shows the responder alone.
func BenchmarkResponderSetup(b *testing.B) {
	const psk = "bench-psk"
	encr := ike.Transform{Type: wire.TransformENCR, ID: uint16(wire.EncrAESGCM16), KeyBits: 256}
	ikeProp := ike.Proposal{encr, prf(wire.PRFHMACSHA2256), dh(wire.DHECP256)}
	espProp := ike.Proposal{encr, esnNo}
	anyTS := []dataplane.TrafficSelector{dataplane.AnyIPv4}
	child := ike.ChildConfig{Proposals: []ike.Proposal{espProp}, LocalTS: anyTS, RemoteTS: anyTS}
	var n *Node
	var err error
	pprof.Do(context.Background(), pprof.Labels("side", "responder"), func(ctx context.Context) {
		n, err = Start(ctx, Config{
			Addrs: []netip.Addr{loopback}, Dataplane: nullDataplane{},
			Responder: &Responder{
				Proposals: func(_, _ netip.AddrPort) []ike.Proposal { return []ike.Proposal{ikeProp} },
				Resolve: func(_ ID, _, _ netip.AddrPort, peerID ike.Identity) (*ike.Config, string, error) {
					return &ike.Config{LocalID: ike.FQDNIdentity("hub.example"), RemoteID: peerID,
						LocalPSK: []byte(psk), RemotePSK: []byte(psk), Proposals: []ike.Proposal{ikeProp}, Child: child}, "bench", nil
				},
			},
		})
	})
	if err != nil {
		b.Fatal(err)
	}
	defer n.Close()
	cfg := loadgen.Config{
		Target: ikeEndpoint(b, n), Workers: 4, Count: b.N, Concurrency: 256, Timeout: time.Minute,
		SA: ike.Config{LocalID: ike.FQDNIdentity("load.example"), LocalPSK: []byte(psk), RemotePSK: []byte(psk),
			Proposals: []ike.Proposal{ikeProp}, Child: child},
	}
	b.ResetTimer()
	var res *loadgen.Result
	pprof.Do(context.Background(), pprof.Labels("side", "initiator"), func(ctx context.Context) {
		res, err = loadgen.Run(ctx, cfg)
	})
	b.StopTimer()
	if err != nil {
		b.Fatal(err)
	}
	defer res.Close()
	if res.Established != b.N {
		b.Fatalf("%d of %d established: %v", res.Established, b.N, res.Failures)
	}
	b.ReportMetric(res.Rate(), "SAs/s")
	b.ReportMetric(float64(res.Percentile(50).Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(res.Percentile(99).Microseconds())/1000, "p99-ms")
}
