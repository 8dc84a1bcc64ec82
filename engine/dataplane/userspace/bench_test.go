package userspace

import (
	"syscall"
	"testing"

	"github.com/flexvpnd/flexvpnd/engine/dataplane"
	"github.com/flexvpnd/flexvpnd/engine/esp"
)

// roundTrip is one packet's way through the data path of two backends
// joined in memory: encapsulation and sending by a, reception,
// decapsulation and delivery to the (fake) TUN device by b. Decapsulation
// happens in place, so the inner packet is back at buf[headroom:] after
// each trip.
type roundTrip struct {
	a, b  *Backend
	devB  *fakeDev
	sa    *childSA
	bufs  [][]byte
	sizes []int
	bio   *batchIO
	sc    esp.Scratch
}

// newRoundTrip sets up the two backends with suite s for packets of size
// octets.
func newRoundTrip(t testing.TB, s suite, size int) *roundTrip {
	var a, b *Backend
	a, b = newTestBackend(t, &b), newTestBackend(t, &a)
	fakeTunnel(t, a, 7)
	devB := fakeTunnel(t, b, 7)
	devB.discard = true
	saA, saB := s.pair(7, 0x1000, 0x2000, udpEncap)
	saA.Algorithms.ESN, saB.Algorithms.ESN = true, true // a benchmark sends more than 2^32 packets
	for _, x := range []struct {
		b  *Backend
		sa dataplane.ChildSA
	}{{a, saA}, {b, saB}} {
		if err := x.b.InstallChildSA(x.sa); err != nil {
			t.Fatal(err)
		}
	}
	rt := &roundTrip{a: a, b: b, devB: devB, sa: a.tunnels[7].out.Load(),
		bufs: [][]byte{make([]byte, bufSizeFor(MaxMTU))}, sizes: []int{size}, bio: newBatchIO(1)}
	copy(rt.bufs[0][headroom:], ipv4("10.255.0.1", "10.255.0.2", size))
	return rt
}

// run sends the packet once.
func (rt *roundTrip) run() { rt.a.encapSend(rt.sa, rt.bufs, rt.sizes, rt.bio, &rt.sc) }

// TestZeroAllocs checks that the steady-state packet path does not
// allocate.
func TestZeroAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are meaningless under the race detector")
	}
	for _, s := range suites {
		rt := newRoundTrip(t, s, 1400)
		if n := testing.AllocsPerRun(200, rt.run); n != 0 {
			t.Errorf("%s: %v allocations per packet", s.name, n)
		}
		if rt.devB.written < 200 {
			t.Errorf("%s: %d packets delivered", s.name, rt.devB.written)
		}
	}
}

// BenchmarkRoundTrip measures encapsulation plus decapsulation of
// 1400-octet packets through the backend's data path (without TUN and
// socket I/O), one packet per iteration. Besides the wall-clock ns/op it
// reports the process CPU time per packet and the packet rate of one fully
// used core ("Mpps/core"), which stay meaningful on a shared, loaded
// machine.
func BenchmarkRoundTrip(b *testing.B) {
	for _, s := range suites {
		b.Run(s.name, func(b *testing.B) {
			rt := newRoundTrip(b, s, 1400)
			b.SetBytes(1400)
			b.ReportAllocs()
			before := cpuTime(b)
			for b.Loop() {
				rt.run()
			}
			cpu := float64(cpuTime(b)-before) / float64(b.N)
			b.ReportMetric(cpu, "cpu-ns/op")
			b.ReportMetric(1e3/cpu, "Mpps/core")
			if rt.devB.written != b.N {
				b.Fatalf("%d of %d packets delivered", rt.devB.written, b.N)
			}
		})
	}
}

// cpuTime returns the user plus system CPU time of the process, in
// nanoseconds.
func cpuTime(b *testing.B) int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}
