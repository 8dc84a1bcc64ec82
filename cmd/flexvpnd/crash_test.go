package main

import (
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/flexvpnd/flexvpnd/modes"
)

// TestKillDuringWriteMemory kills flexvpnd with SIGKILL at random moments
// while it saves the configuration over and over: the startup-config must
// always be one complete file that was written (the first or a later one),
// never a truncated or mixed one. The configuration is made large (2000
// access-list lines) so that a write takes long enough to be hit.
func TestKillDuringWriteMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("kill loop skipped in -short mode")
	}
	bin := buildBinary(t)
	startup := filepath.Join(t.TempDir(), "startup-config")
	var big strings.Builder
	big.WriteString("configure terminal\nhostname H0\n")
	for i := range 2000 {
		fmt.Fprintf(&big, "access-list %d permit 10.%d.%d.0 0.0.0.255\n", 1+i%99, i/250, i%250)
	}
	big.WriteString("end\nwrite memory\n")
	appliance(t, bin, startup, big.String(), "")
	first, err := os.ReadFile(startup)
	if err != nil {
		t.Fatal(err)
	}
	written := map[string]bool{hostnameOf(t, first): true}
	rng := rand.New(rand.NewPCG(1, 2))
	const rounds, saves = 12, 200
	kills := 0
	for round := range rounds {
		cmd := exec.Command(bin, "--startup-config", startup)
		stdin, err := cmd.StdinPipe()
		if err != nil {
			t.Fatal(err)
		}
		cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// Each process saves new hostnames as fast as it can; it is
		// killed at a random moment after its first save landed.
		go func() {
			for i := range saves {
				fmt.Fprintf(stdin, "configure terminal\nhostname H%d-%d\nend\nwrite memory\n", round+1, i)
			}
		}()
		for i := range saves {
			written[fmt.Sprintf("H%d-%d", round+1, i)] = true
		}
		waitSaved(t, startup, round)
		time.Sleep(time.Duration(rng.IntN(30_000)) * time.Microsecond)
		if cmd.Process.Signal(os.Kill) == nil {
			kills++
		}
		cmd.Wait()
		stdin.Close()
		data, err := os.ReadFile(startup)
		if err != nil {
			t.Fatalf("round %d: startup-config unreadable after kill: %v", round, err)
		}
		checkComplete(t, round, data, first, written)
	}
	t.Logf("%d kills, startup-config complete after each", kills)
}

// waitSaved waits until the process of this round saved once (the file
// names one of its hostnames).
func waitSaved(t *testing.T, startup string, round int) {
	t.Helper()
	prefix := fmt.Appendf(nil, "hostname H%d-", round+1)
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		if data, err := os.ReadFile(startup); err == nil && strings.Contains(string(data), string(prefix)) {
			return
		}
	}
	t.Fatalf("round %d: no save within 20 s", round)
}

// hostnameOf returns the hostname a saved configuration sets.
func hostnameOf(t *testing.T, data []byte) string {
	t.Helper()
	m := regexp.MustCompile(`(?m)^hostname (\S+)$`).FindSubmatch(data)
	if m == nil {
		t.Fatalf("no hostname in:\n%s", data)
	}
	return string(m[1])
}

// checkComplete verifies that data is a whole saved configuration: it
// loads without a rejected line, ends with `end`, has every access-list
// line of the first save, and names a hostname that was written.
func checkComplete(t *testing.T, round int, data, first []byte, written map[string]bool) {
	t.Helper()
	if !strings.HasSuffix(string(data), "\nend\n") {
		t.Fatalf("round %d: startup-config does not end with `end` (%d bytes)", round, len(data))
	}
	if name := hostnameOf(t, data); !written[name] {
		t.Fatalf("round %d: hostname %q was never saved", round, name)
	}
	acl := regexp.MustCompile(`(?m)^access-list .*$`)
	if got, want := acl.FindAll(data, -1), acl.FindAll(first, -1); len(got) != len(want) {
		t.Fatalf("round %d: %d access-list lines, want %d", round, len(got), len(want))
	}
	diags, err := modes.Load(modes.NewSystem(), strings.NewReader(string(data)))
	if err != nil {
		t.Fatalf("round %d: load: %v", round, err)
	}
	for _, d := range diags {
		if d.Err != nil {
			t.Fatalf("round %d: saved line rejected: %v", round, d)
		}
	}
}
