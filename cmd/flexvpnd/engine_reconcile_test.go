package main

import (
	"fmt"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/flexvpnd/flexvpnd/engine/spec"
	"github.com/flexvpnd/flexvpnd/modes"
	runningconfig "github.com/flexvpnd/flexvpnd/running-config"
)

// TestReconcilerCoalesces pastes 200 configuration lines and checks that
// they reach the engine in a handful of applies, the last one with the
// whole configuration, and that the CLI never waits for the engine.
func TestReconcilerCoalesces(t *testing.T) {
	sys := modes.NewSystem()
	var applies atomic.Int64
	var last atomic.Pointer[spec.Spec]
	slow := make(chan struct{})
	r := newReconciler(sys, func(s *spec.Spec) {
		if applies.Add(1) == 1 {
			<-slow // a busy engine must not hold the CLI up
		}
		last.Store(s)
	}, slog.New(slog.DiscardHandler))
	defer r.stop()
	sys.OnChange = func(*runningconfig.Config) { r.changed() }

	var paste strings.Builder
	paste.WriteString("crypto ikev2 keyring KR\n")
	for i := range 199 {
		fmt.Fprintf(&paste, " peer P%d\n  address 10.0.%d.%d\n  pre-shared-key k%d\n", i, i/250, i%250+1, i)
	}
	paste.WriteString("  exit\n exit\nhostname PASTED\n") // out of the keyring peer, where hostname is the peer's
	sess := modes.NewSession(sys, "console")
	sess.EnterConfig()
	start := time.Now()
	lines := strings.Split(strings.TrimSuffix(paste.String(), "\n"), "\n")
	for i, line := range lines {
		if res := sess.Exec(line); res.Err != nil {
			t.Fatalf("%q: %v", line, res.Err)
		}
		if i == 10 {
			time.Sleep(2 * applyQuiet) // the first burst is applied, slowly
		}
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("the paste took %v: the CLI waited for the engine", d)
	}
	close(slow)
	deadline := time.Now().Add(5 * time.Second)
	for {
		if s := last.Load(); s != nil && s.Hostname == "PASTED" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d applies after the paste", applies.Load())
		}
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(3 * applyQuiet)
	if n := applies.Load(); n > 4 {
		t.Errorf("%d lines caused %d applies, want a handful", len(lines), n)
	}
	t.Logf("%d lines, %d applies", len(lines), applies.Load())
}
