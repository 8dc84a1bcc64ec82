package ike

import (
	"errors"
	"testing"
	"time"

	"github.com/flexvpnd/flexvpnd/engine/dataplane"
	"github.com/flexvpnd/flexvpnd/engine/dataplane/recording"
	"github.com/flexvpnd/flexvpnd/engine/ikev2/wire"
	"github.com/google/go-cmp/cmp"
)

// livenessChecks returns when the initiator sent INFORMATIONAL requests.
func livenessChecks(p *pair, log []sent) []time.Duration {
	var at []time.Duration
	for _, s := range log {
		if s.by == p.i && s.typ == wire.Informational {
			at = append(at, s.at)
		}
	}
	return at
}

// TestDPDTimeout silences the peer after establishment: the initiator's
// liveness check (RFC 7296 section 2.4) goes out after the DPD interval,
// is retransmitted Retries times Retry apart, and the SA fails with
// ErrDPDTimeout one Retry after the last, its CHILD SA removed.
func TestDPDTimeout(t *testing.T) {
	s := time.Second
	for _, tt := range []struct {
		name   string
		dpd    DPD
		checks []time.Duration
		fail   time.Duration
	}{
		{"dpd 10 2 periodic", DPD{Interval: 10 * s, Retry: 2 * s, Retries: 5, Periodic: true},
			[]time.Duration{10 * s, 12 * s, 14 * s, 16 * s, 18 * s, 20 * s}, 22 * s},
		{"defaults", DPD{Interval: 10 * s},
			[]time.Duration{10 * s, 12 * s, 14 * s, 16 * s, 18 * s, 20 * s}, 22 * s},
		{"dpd 30 5 periodic, 3 retries", DPD{Interval: 30 * s, Retry: 5 * s, Retries: 3, Periodic: true},
			[]time.Duration{30 * s, 35 * s, 40 * s, 45 * s}, 50 * s},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ci, cr := configs(suites[0])
			ci.DPD = tt.dpd
			p := newPair(t, ci, cr, 70)
			p.run()
			checkEstablished(t, p)
			log := p.record(func(to *SA, _ *wire.Header) bool { return to == p.r })
			p.advance(t0.Add(tt.fail - time.Millisecond))
			if p.i.State() != StateEstablished {
				t.Fatalf("state %v before %v", p.i.State(), tt.fail)
			}
			p.advance(t0.Add(tt.fail))
			if diff := cmp.Diff(tt.checks, livenessChecks(p, *log)); diff != "" {
				t.Errorf("liveness checks (-want +got):\n%s", diff)
			}
			if p.i.State() != StateFailed || !errors.Is(p.i.Err(), ErrDPDTimeout) {
				t.Errorf("state %v (%v), want failed with %v", p.i.State(), p.i.Err(), ErrDPDTimeout)
			}
			if n := len(p.di.Installed()); n != 0 {
				t.Errorf("%d CHILD SAs left installed", n)
			}
			if _, ok := p.i.NextTimer(); ok {
				t.Error("the failed SA still runs a timer")
			}
		})
	}
}

// counting is a data plane that counts packets as a function of the time.
type counting struct {
	*recording.Dataplane
	count func() dataplane.Counters
}

func (c counting) ChildSAStats(dataplane.ChildSAID) (dataplane.Counters, bool) {
	return c.count(), true
}

// TestDPDAnswered runs DPD against a live peer for 100 s: the SA stays up,
// and the checks follow the mode and the traffic the data plane counts.
func TestDPDAnswered(t *testing.T) {
	s := time.Second
	every10 := []time.Duration{10 * s, 20 * s, 30 * s, 40 * s, 50 * s, 60 * s, 70 * s, 80 * s, 90 * s, 100 * s}
	for _, tt := range []struct {
		name     string
		periodic bool
		// in and out are the packets counted per second, or no counters
		// at all when both are negative.
		in, out int
		checks  []time.Duration
	}{
		{"periodic without counters", true, -1, -1, every10},
		{"on-demand without counters", false, -1, -1, every10},
		{"on-demand idle", false, 0, 0, nil},
		{"on-demand sending", false, 0, 5, every10},
		{"on-demand receiving", false, 5, 5, nil},
		{"periodic receiving", true, 5, 0, nil},
		{"periodic idle", true, 0, 0, every10},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ci, cr := configs(suites[0])
			ci.DPD = DPD{Interval: 10 * s, Retry: 2 * s, Periodic: tt.periodic}
			p := newPair(t, ci, cr, 71)
			if tt.in >= 0 {
				p.i.env.Dataplane = counting{p.di, func() dataplane.Counters {
					secs := uint64(p.now.Sub(t0) / s)
					return dataplane.Counters{InPackets: uint64(tt.in) * secs, OutPackets: uint64(tt.out) * secs}
				}}
			}
			p.run()
			checkEstablished(t, p)
			log := p.record(nil)
			p.advance(t0.Add(100 * s))
			if diff := cmp.Diff(tt.checks, livenessChecks(p, *log)); diff != "" {
				t.Errorf("liveness checks (-want +got):\n%s", diff)
			}
			for _, sa := range []*SA{p.i, p.r} {
				if sa.State() != StateEstablished {
					t.Errorf("state %v (%v)", sa.State(), sa.Err())
				}
			}
			if len(*log) != len(tt.checks) {
				t.Errorf("%d requests, want only the %d checks", len(*log), len(tt.checks))
			}
		})
	}
}
