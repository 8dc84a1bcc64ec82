package ike

import (
	"flag"
	"math/rand/v2"
	"os"
	"runtime"
	"runtime/pprof"
	"testing"

	"github.com/flexvpnd/flexvpnd/engine/dataplane"
)

// BenchmarkHandshake runs one IKE_SA_INIT + IKE_AUTH exchange with its
// CHILD SA, both peers in one process: ns/op is the CPU of both sides.
func BenchmarkHandshake(b *testing.B) {
	for _, s := range suites {
		b.Run(s.name, func(b *testing.B) {
			ci, cr := configs(s)
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				p := newPair(b, ci, cr, uint64(i))
				p.run()
				if p.i.State() != StateEstablished || p.r.State() != StateEstablished {
					b.Fatalf("not established: %v / %v", p.i.Err(), p.r.Err())
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/2, "ns/side")
		})
	}
}

// discard is a data plane that keeps nothing, so that memory measurements
// count the IKE SAs alone.
type discard struct{}

func (discard) InstallChildSA(dataplane.ChildSA) error     { return nil }
func (discard) ActivateOutbound(dataplane.ChildSAID) error { return nil }
func (discard) DeleteChildSA(dataplane.ChildSAID) error    { return nil }

var heapProfile = flag.String("bench.heap-profile", "", "write the heap profile of BenchmarkMemoryPerSA, taken while the SAs are held, to `file`")

// BenchmarkMemoryPerSA reports the heap held by one established IKE SA with
// its CHILD SA (B/SA, the average of initiator and responder), measured
// with runtime.MemStats around the creation of b.N pairs.
func BenchmarkMemoryPerSA(b *testing.B) {
	ci, cr := configs(suites[0])
	rng := rand.NewChaCha8([32]byte{3}) // shared, like crypto/rand.Reader
	sas := make([]*SA, 0, 2*b.N)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for i := range b.N {
		p := newPair(b, ci, cr, uint64(i))
		p.i.env.Dataplane, p.r.env.Dataplane = discard{}, discard{}
		p.i.env.Rand, p.r.env.Rand = rng, rng
		p.run()
		if p.i.State() != StateEstablished {
			b.Fatal(p.i.Err())
		}
		sas = append(sas, p.i, p.r)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/float64(len(sas)), "B/SA")
	if *heapProfile != "" {
		f, err := os.Create(*heapProfile)
		if err != nil {
			b.Fatal(err)
		}
		defer f.Close()
		if err := pprof.Lookup("heap").WriteTo(f, 0); err != nil {
			b.Fatal(err)
		}
	}
	runtime.KeepAlive(sas)
}
