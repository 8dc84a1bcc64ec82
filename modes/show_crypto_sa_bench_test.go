package modes

import (
	"fmt"
	"io"
	"syscall"
	"testing"
	"time"

	"github.com/flexvpnd/flexvpnd/engine/status"
)

// heldSnapshot is a hub holding n sessions from 198.18.0.2 (one CHILD SA
// each, as BenchmarkSessionsHeld sets them up) and one from 198.18.0.3.
func heldSnapshot(n int) status.Snapshot {
	snap := status.Snapshot{Time: now, IKESAs: make([]status.IKESA, 0, n+1)}
	for i := range n + 1 {
		remote := fmt.Sprintf("198.18.0.2:%d", 10000+i%4)
		if i == n {
			remote = "198.18.0.3:500"
		}
		sa := psk(i+1, "198.18.0.1:500", remote, "AES-GCM", 256, "SHA256", "None", 19, i%3600)
		sa.Profile, sa.Interface = "FLEX", fmt.Sprintf("Virtual-Access%d", i+1)
		sa.LocalSPI, sa.RemoteSPI = uint64(i)*0x9e3779b97f4a7c15, uint64(i)*0xc2b2ae3d27d4eb4f
		sa.LocalID, sa.RemoteID = "198.18.0.1", fmt.Sprintf("s%d.w0.load.example", i)
		sa.Children = []status.ChildSA{{
			InSPI: uint32(i) * 2654435761, OutSPI: uint32(i)*40503 + 1, LocalTS: pfx("0.0.0.0/0"), RemoteTS: pfx("0.0.0.0/0"),
			Transform: "esp-gcm 256", Tunnel: true, Lifetime: time.Hour, Established: ago(i % 3600), LifetimeKB: 4608000, ReplayWindow: 64,
		}}
		snap.IKESAs = append(snap.IKESAs, sa)
	}
	return snap
}

// BenchmarkShowHeld runs the show commands of issue 7 on a session whose
// engine holds 50,000 sessions, writing the output as an SSH exec request
// does (Session.Execute into the channel; io.Discard here).
func BenchmarkShowHeld(b *testing.B) {
	const n = 50000
	s, _ := engineSession(heldSnapshot(n))
	s.Length = 0
	for _, cmd := range []string{
		"show crypto ikev2 sa",
		"show crypto ikev2 sa detailed",
		"show crypto ikev2 sa remote 198.18.0.3",
		"show crypto ipsec sa",
		"show crypto session",
	} {
		b.Run(cmd, func(b *testing.B) {
			w := &countWriter{}
			cpu := processCPU()
			for b.Loop() {
				if err := s.Execute(w, cmd); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(w.n)/float64(b.N), "bytes/op")
			b.ReportMetric(float64((processCPU()-cpu).Nanoseconds())/float64(b.N)/(n+1), "cpu-ns/SA")
		})
	}
}

// processCPU returns the CPU time (user and system) the process has used:
// the benchmarks report it beside the wall time, which on a shared
// machine measures the other tenants as much.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// countWriter counts what is written to it.
type countWriter struct{ n int64 }

func (w *countWriter) Write(p []byte) (int, error) {
	w.n += int64(len(p))
	return len(p), nil
}

var _ io.Writer = (*countWriter)(nil)
