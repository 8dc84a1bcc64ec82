package engine

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/flexvpnd/flexvpnd/engine/dataplane/recording"
)

// resyncDP is the recording data plane whose Resync reports a given
// number of repairs or an error.
type resyncDP struct {
	recording.Dataplane
	repairs int
	err     error
}

func (d *resyncDP) Resync(ctx context.Context) (int, error) {
	if _, err := d.Dataplane.Resync(ctx); err != nil {
		return 0, err
	}
	return d.repairs, d.err
}

// syncBuffer is a bytes.Buffer safe for the engine's goroutine and the
// test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestEngineResync checks the periodic resync of the data plane: it runs
// at the configured interval, logs repairs at Warn and failures at Error,
// never runs when disabled, and stops with the engine.
func TestEngineResync(t *testing.T) {
	tests := []struct {
		name     string
		interval time.Duration
		repairs  int
		err      error
		wantLog  string // a line of the log must contain it
		wantRuns bool
	}{
		{name: "nothing to repair", interval: 20 * time.Millisecond, wantRuns: true},
		{name: "repairs logged", interval: 20 * time.Millisecond, repairs: 3, wantRuns: true,
			wantLog: "level=WARN msg=\"data plane resync repaired state changed behind its back\" repairs=3"},
		{name: "failure logged", interval: 20 * time.Millisecond, err: errors.New("netlink gone"), wantRuns: true,
			wantLog: "level=ERROR msg=\"data plane resync\" repairs=0 err=\"netlink gone\""},
		{name: "disabled", interval: -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dp := &resyncDP{repairs: tt.repairs, err: tt.err}
			var logs syncBuffer
			e, err := New(Config{
				Dataplane: dp, Listen: []netip.Addr{netip.MustParseAddr("127.0.0.1")},
				Logger: slog.New(slog.NewTextHandler(&logs, nil)), ResyncInterval: tt.interval,
			})
			if err != nil {
				t.Fatal(err)
			}
			const runs = 3
			deadline := time.Now().Add(5 * time.Second)
			for dp.Resyncs() < runs && tt.wantRuns && time.Now().Before(deadline) {
				time.Sleep(5 * time.Millisecond)
			}
			if !tt.wantRuns {
				time.Sleep(100 * time.Millisecond)
			}
			if err := e.Close(); err != nil {
				t.Fatal(err)
			}
			got := dp.Resyncs()
			switch {
			case tt.wantRuns && got < runs:
				t.Errorf("%d resyncs in 5 s at an interval of %v, want at least %d", got, tt.interval, runs)
			case !tt.wantRuns && got != 0:
				t.Errorf("%d resyncs with resync disabled, want 0", got)
			}
			time.Sleep(3 * tt.interval)
			if after := dp.Resyncs(); after != got {
				t.Errorf("%d resyncs after Close, want none", after-got)
			}
			if tt.wantLog != "" && !strings.Contains(logs.String(), tt.wantLog) {
				t.Errorf("log lacks %q:\n%s", tt.wantLog, logs.String())
			}
		})
	}
}
