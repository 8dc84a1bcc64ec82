package main

import (
	"os"
	"runtime/debug"
	"runtime/metrics"
	"time"
)

// Go's collector lets the heap grow by GOGC percent of the live data
// between collections: 100 by default, so a hub holding 50,000 sessions
// (about 140 MB of live heap) would grow to twice that before collecting.
// flexvpnd keeps the default pace while the heap is small — setting up SAs
// allocates a lot of short-lived memory, and each collection costs CPU —
// and caps the growth once it is large: at gcHeadroom octets, but never
// below gcPercentMin percent of the live heap. Measured with
// BenchmarkSetupRate on the 2-core benchmark machine (docs/BENCHMARKS.md):
// setting up 20,000 SAs (about 50 MB of live heap, GOGC 25) left 3,880 to
// 3,926 B of RSS per SA instead of 5,584 to 5,675 with GOGC=100, for 280
// to 291 µs of CPU per SA instead of 226 to 259; with 2,000 SAs (under
// 16 MB, GOGC 100) nothing changes (245 to 260 µs/SA against 255 to 270).
// The GOGC environment variable, when set, wins.
const (
	gcHeadroom   = 16 << 20
	gcPercentMin = 25
	gcTuneEvery  = time.Second
)

// gcPercent returns the GOGC for a live heap of live octets: 100 while
// that lets the heap grow by at most gcHeadroom, then the percent that
// does, down to gcPercentMin, in steps of 5.
func gcPercent(live uint64) int {
	if live <= gcHeadroom {
		return 100
	}
	p := int(gcHeadroom * 100 / live)
	return max(p-p%5, gcPercentMin)
}

// startGCTuner sets GOGC from the live heap every gcTuneEvery for the life
// of the process, unless the GOGC environment variable is set.
func startGCTuner() {
	if os.Getenv("GOGC") != "" {
		return
	}
	go func() {
		sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
		current := 100
		for range time.Tick(gcTuneEvery) {
			metrics.Read(sample)
			if p := gcPercent(sample[0].Value.Uint64()); p != current {
				debug.SetGCPercent(p)
				current = p
			}
		}
	}()
}
