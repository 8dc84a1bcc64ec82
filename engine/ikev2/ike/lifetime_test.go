package ike

import (
	"testing"
	"time"

	"github.com/flexvpnd/flexvpnd/engine/dataplane"
	"github.com/flexvpnd/flexvpnd/engine/dataplane/recording"
	"github.com/flexvpnd/flexvpnd/engine/ikev2/wire"
	"github.com/google/go-cmp/cmp"
)

// TestLifetimeRekey runs two peers for 2800 s with a CHILD SA lifetime of
// 1000 s and an IKE SA lifetime of 3000 s (RFC 7296 section 2.8): the IKE
// SA's initiator rekeys the CHILD SA three times and the IKE SA once, each
// between 85% and 90% of the lifetime, before the responder would, and
// nothing expires.
func TestLifetimeRekey(t *testing.T) {
	ci, cr := configs(suites[0])
	for _, c := range []*Config{ci, cr} {
		c.Lifetime, c.Child.Lifetime = 3000*time.Second, 1000*time.Second
	}
	p := newPair(t, ci, cr, 60)
	log := p.record(nil)
	p.run()
	checkEstablished(t, p)
	p.advance(t0.Add(2800 * time.Second))
	var childRekeys, ikeRekeys, deletes []time.Duration
	for _, s := range *log {
		if s.by != p.i {
			t.Errorf("the responder sent a %v request at %v", s.typ, s.at)
		}
		switch {
		case s.ikeRekey:
			ikeRekeys = append(ikeRekeys, s.at)
		case s.typ == wire.CreateChildSA:
			childRekeys = append(childRekeys, s.at)
		case s.typ == wire.Informational:
			deletes = append(deletes, s.at)
		}
	}
	if len(childRekeys) != 3 || len(ikeRekeys) != 1 || len(deletes) != 4 {
		t.Fatalf("CHILD SA rekeys at %v, IKE SA rekeys at %v, deletes at %v; want 3, 1 and 4", childRekeys, ikeRekeys, deletes)
	}
	// Each CHILD SA's soft expiry comes 850 s to 900 s after its creation.
	prev := time.Duration(0)
	for _, r := range childRekeys {
		if d := r - prev; d < 850*time.Second || d >= 900*time.Second {
			t.Errorf("CHILD SA rekeyed %v after its creation", d)
		}
		prev = r
	}
	if r := ikeRekeys[0]; r < 2550*time.Second || r >= 2700*time.Second {
		t.Errorf("IKE SA rekeyed at %v", r)
	}
	spiI, _ := p.i.SPIs()
	if gotI, _ := p.r.SPIs(); gotI != spiI || len(p.i.LiveSPIs()) != 1 {
		t.Errorf("IKE SPIs %x / %x after the rekey", spiI, gotI)
	}
	for _, sa := range []*SA{p.i, p.r} {
		rekeyAt, expireAt := sa.Lifetime()
		if sa.State() != StateEstablished || expireAt.Sub(t0) < 2800*time.Second || !rekeyAt.After(t0.Add(2800*time.Second)) {
			t.Errorf("state %v, IKE SA rekeyed at %v, expires at %v", sa.State(), rekeyAt.Sub(t0), expireAt.Sub(t0))
		}
	}
	checkOneChild(t, p)
}

// TestLifetimeExpiry reaches the hard expiry of a CHILD SA whose rekeys
// the peer refuses, and of an IKE SA never rekeyed: the SA is deleted at
// its lifetime exactly (RFC 7296 section 2.8).
func TestLifetimeExpiry(t *testing.T) {
	t.Run("child", func(t *testing.T) {
		ci, _ := pfs(suites[0], wire.DHECP256) // the responder has no PFS
		_, cr := configs(suites[0])
		ci.Child.Lifetime, cr.Child.Lifetime = 1000*time.Second, 5000*time.Second
		p := newPair(t, ci, cr, 61)
		log := p.record(nil)
		p.run()
		checkEstablished(t, p)
		p.advance(t0.Add(1100 * time.Second))
		var rekeys, deletes []time.Duration
		for _, s := range *log {
			switch s.typ {
			case wire.CreateChildSA:
				rekeys = append(rekeys, s.at)
			case wire.Informational:
				deletes = append(deletes, s.at)
			}
		}
		if len(rekeys) < 10 || rekeys[1]-rekeys[0] != rekeyRetry {
			t.Errorf("refused rekeys at %v, want retries every %v", rekeys, rekeyRetry)
		}
		if len(deletes) != 1 || deletes[0] != 1000*time.Second {
			t.Errorf("deletes at %v, want one at 1000s", deletes)
		}
		if n, m := len(p.di.Installed()), len(p.dr.Installed()); n+m != 0 || p.i.State() != StateEstablished {
			t.Errorf("%d / %d CHILD SAs installed, IKE SA %v; want none and established", n, m, p.i.State())
		}
	})
	t.Run("ike", func(t *testing.T) {
		ci, cr := configs(suites[0])
		ci.Lifetime, cr.Lifetime = 1000*time.Second, 2000*time.Second
		p := newPair(t, ci, cr, 62)
		log := p.record(nil)
		p.run()
		checkEstablished(t, p)
		p.i.rekeyAt, p.r.rekeyAt = t0.Add(time.Hour), t0.Add(time.Hour)
		p.advance(t0.Add(1100 * time.Second))
		if got := *log; len(got) != 3 || got[2].typ != wire.Informational || got[2].at != 1000*time.Second {
			t.Errorf("requests %v, want the IKE SA deleted at 1000s", got[2:])
		}
		for _, sa := range []*SA{p.i, p.r} {
			if sa.State() != StateDeleted {
				t.Errorf("state %v, want deleted", sa.State())
			}
		}
		if n, m := len(p.di.Installed()), len(p.dr.Installed()); n+m != 0 {
			t.Errorf("%d / %d CHILD SAs installed", n, m)
		}
	})
}

// volumes is a data plane that counts bytes: each CHILD SA carries rate
// octets per second outbound from its installation on.
type volumes struct {
	*recording.Dataplane
	now   func() time.Time
	rate  uint64
	start map[dataplane.ChildSAID]time.Time
}

func (v *volumes) InstallChildSA(sa dataplane.ChildSA) error {
	v.start[sa.ID()] = v.now()
	return v.Dataplane.InstallChildSA(sa)
}

func (v *volumes) ChildSAStats(id dataplane.ChildSAID) (dataplane.Counters, bool) {
	at, ok := v.start[id]
	return dataplane.Counters{OutBytes: v.rate * uint64(v.now().Sub(at)/time.Second)}, ok
}

// TestLifetimeKB gives CHILD SAs a volume lifetime of 1000 KB and 10 KB/s
// of traffic (IOS `set security-association lifetime kilobytes`): the
// counters, read every VolumePoll, rekey each CHILD SA 90 s after its
// creation, or, when the peer refuses the rekeys, delete it at 100 s.
// Requests sent at the same instant are counted once in rekeys.
func TestLifetimeKB(t *testing.T) {
	for _, tt := range []struct {
		name              string
		refused           bool
		rekeys, deletes   []time.Duration
		installedAtTheEnd int
	}{
		{"rekeyed", false, []time.Duration{90 * time.Second, 180 * time.Second}, []time.Duration{90 * time.Second, 180 * time.Second}, 1},
		// Both sides reach the hard limit at the same poll and delete.
		{"expired", true, []time.Duration{90 * time.Second}, []time.Duration{100 * time.Second, 100 * time.Second}, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ci, cr := configs(suites[0])
			if tt.refused {
				ci, _ = pfs(suites[0], wire.DHECP256)
			}
			ci.Child.LifetimeKB, cr.Child.LifetimeKB = 1000, 1000
			p := newPair(t, ci, cr, 63)
			now := func() time.Time { return p.now }
			for _, side := range []struct {
				sa *SA
				dp *recording.Dataplane
			}{{p.i, p.di}, {p.r, p.dr}} {
				side.sa.env.Dataplane = &volumes{Dataplane: side.dp, now: now, rate: 10 * 1024, start: map[dataplane.ChildSAID]time.Time{}}
			}
			log := p.record(nil)
			p.run()
			checkEstablished(t, p)
			p.advance(t0.Add(200 * time.Second))
			var rekeys, deletes []time.Duration
			for _, s := range *log {
				switch {
				case s.typ == wire.CreateChildSA && (len(rekeys) == 0 || rekeys[len(rekeys)-1] != s.at):
					rekeys = append(rekeys, s.at)
				case s.typ == wire.Informational:
					deletes = append(deletes, s.at)
				}
			}
			if diff := cmp.Diff(tt.rekeys, rekeys); diff != "" {
				t.Errorf("rekeys (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.deletes, deletes); diff != "" {
				t.Errorf("deletes (-want +got):\n%s", diff)
			}
			if n, m := len(p.di.Installed()), len(p.dr.Installed()); n != tt.installedAtTheEnd || m != tt.installedAtTheEnd {
				t.Errorf("%d / %d CHILD SAs installed, want %d", n, m, tt.installedAtTheEnd)
			}
		})
	}
}
