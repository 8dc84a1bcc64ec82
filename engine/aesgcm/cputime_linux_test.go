package aesgcm

import (
	"runtime"
	"testing"

	"golang.org/x/sys/unix"
)

// threadCPU returns the CPU time the calling thread has used, in
// nanoseconds (CLOCK_THREAD_CPUTIME_ID is exact, unlike tick-sampled
// rusage).
func threadCPU(b *testing.B) int64 {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_THREAD_CPUTIME_ID, &ts); err != nil {
		b.Fatal(err)
	}
	return ts.Nano()
}

// measureCPU runs loop on a locked thread and reports its CPU time per
// iteration as cpu-ns/op, which stays meaningful on a loaded machine.
func measureCPU(b *testing.B, loop func()) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	before := threadCPU(b)
	loop()
	if b.N > 0 {
		b.ReportMetric(float64(threadCPU(b)-before)/float64(b.N), "cpu-ns/op")
	}
}
