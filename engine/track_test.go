package engine

import (
	"net/netip"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/flexvpnd/flexvpnd/engine/spec"
	"github.com/google/go-cmp/cmp"
)

// fakeTracks is a TrackSource whose objects tests set by number.
type fakeTracks struct {
	mu sync.Mutex
	up map[int]bool
}

func (f *fakeTracks) Read(t spec.Track) TrackReading {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.up[t.Number] {
		return TrackReading{Up: true}
	}
	return TrackReading{Reason: "hw down"}
}

func (f *fakeTracks) set(n int, up bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.up == nil {
		f.up = map[int]bool{}
	}
	f.up[n] = up
}

// TestTrackerDelays follows one object through `delay down 3 up 5` on a
// fake clock: the first reading is taken at once, later changes only
// once they held for the delay, and a flap shorter than the delay is not
// seen.
func TestTrackerDelays(t *testing.T) {
	src := &fakeTracks{}
	now := time.Unix(1000, 0)
	tr := tracker{src: src, now: func() time.Time { return now }}
	tr.apply([]spec.Track{{Number: 1, Kind: spec.TrackLineProtocol, Interface: "wan0", DelayUp: 5 * time.Second, DelayDown: 3 * time.Second}})
	type step struct {
		advance time.Duration
		host    bool
		changed bool
		up      bool
		pending time.Duration
	}
	steps := []step{
		{0, true, true, true, 0},                           // first reading: at once
		{time.Second, false, false, true, 3 * time.Second}, // down starts the down delay
		{time.Second, true, false, true, 0},                // flap shorter than the delay
		{time.Second, false, false, true, 3 * time.Second},
		{2 * time.Second, false, false, true, time.Second},
		{time.Second, false, true, false, 0}, // held 3 s: down
		{time.Second, true, false, false, 5 * time.Second},
		{5 * time.Second, true, true, true, 0},
	}
	for i, s := range steps {
		now = now.Add(s.advance)
		src.set(1, s.host)
		if got := tr.poll(); got != s.changed {
			t.Errorf("step %d: poll changed = %v, want %v", i, got, s.changed)
		}
		if got := tr.up(1); got != s.up {
			t.Errorf("step %d: up = %v, want %v", i, got, s.up)
		}
		if got := tr.status(nil)[0].Pending; got != s.pending {
			t.Errorf("step %d: pending = %v, want %v", i, got, s.pending)
		}
	}
	st := tr.status(map[int][]string{1: {"FlexVPN client C"}})[0]
	if st.Changes != 3 || !st.LastChange.Equal(now) || st.Object != "Interface wan0 line-protocol" || len(st.TrackedBy) != 1 {
		t.Errorf("status = %+v", st)
	}
	// Re-applying the same object keeps its state; another subject
	// starts afresh.
	tr.apply([]spec.Track{{Number: 1, Kind: spec.TrackLineProtocol, Interface: "wan0"}})
	if !tr.up(1) {
		t.Error("state lost by re-applying the same object")
	}
	tr.apply([]spec.Track{{Number: 1, Kind: spec.TrackLineProtocol, Interface: "wan1"}})
	if tr.up(1) || tr.up(2) {
		t.Error("a new subject or an unknown object is up")
	}
}

// TestReadProcRoutes parses a /proc/net/route listing.
func TestReadProcRoutes(t *testing.T) {
	text := "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n" +
		"wanA\t00000000\t0100010A\t0003\t0\t0\t0\t00000000\t0\t0\t0\n" +
		"wanA\t0000010A\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n" +
		"wanB\t0000000A\t0100020A\t0002\t0\t0\t0\t000000FF\t0\t0\t0\n" // not RTF_UP
	path := filepath.Join(t.TempDir(), "route")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := readProcRoutes(path)
	if err != nil {
		t.Fatal(err)
	}
	want := []procRoute{
		{iface: "wanA", prefix: netip.MustParsePrefix("0.0.0.0/0"), gateway: true},
		{iface: "wanA", prefix: netip.MustParsePrefix("10.1.0.0/24")},
	}
	if diff := cmp.Diff(want, got, cmp.AllowUnexported(procRoute{}), cmp.Comparer(func(a, b netip.Prefix) bool { return a == b })); diff != "" {
		t.Errorf("routes (-want +got):\n%s", diff)
	}
}

// TestHostTracks reads the loopback's line protocol and its route
// through the host source.
func TestHostTracks(t *testing.T) {
	var h HostTracks
	tests := []struct {
		name string
		tr   spec.Track
		up   bool
	}{
		{"lo line-protocol", spec.Track{Kind: spec.TrackLineProtocol, Interface: "lo"}, true},
		{"missing interface", spec.Track{Kind: spec.TrackLineProtocol, Interface: "no-such-if0"}, false},
		{"no route", spec.Track{Kind: spec.TrackRouteReachability, Prefix: netip.MustParsePrefix("198.51.100.0/24")}, false},
	}
	for _, tt := range tests {
		if got := h.Read(tt.tr); got.Up != tt.up {
			t.Errorf("%s: %+v, want up %v", tt.name, got, tt.up)
		}
	}
	if maskString(24) != "255.255.255.0" || maskString(0) != "0.0.0.0" || maskString(32) != "255.255.255.255" {
		t.Error("maskString")
	}
}
