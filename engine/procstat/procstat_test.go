package procstat

import (
	"os"
	"testing"
	"time"
)

// TestReadSelf burns CPU and allocates, and checks that both show.
func TestReadSelf(t *testing.T) {
	before, err := Read(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	mem := make([]byte, 64<<20)
	for i := range mem {
		mem[i] = byte(i)
	}
	for start := time.Now(); time.Since(start) < 200*time.Millisecond; {
	}
	after, err := Read(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if d := after.CPU - before.CPU; d < 100*time.Millisecond {
		t.Errorf("CPU grew by %v after 200 ms of spinning", d)
	}
	if d := after.RSS - before.RSS; d < 32<<20 {
		t.Errorf("RSS grew by %d bytes after touching 64 MiB", d)
	}
	if _, err := Read(-1); err == nil {
		t.Error("Read(-1) succeeded")
	}
	_ = mem[len(mem)-1]
}
