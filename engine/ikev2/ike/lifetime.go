package ike

import (
	"encoding/binary"
	"io"
	"slices"
	"time"

	"github.com/flexvpnd/flexvpnd/engine/dataplane"
	"github.com/flexvpnd/flexvpnd/engine/ikev2/wire"
)

// timers are the lifetime of the current IKE SA (RFC 7296 section 2.8) and
// the state of dead peer detection (section 2.4).
type timers struct {
	// rekeyAt and expireAt are the soft and hard expiry of the IKE SA.
	rekeyAt, expireAt time.Time
	// lastRecv is when the peer was last heard from: an authenticated
	// message, or inbound ESP packets counted by the data plane.
	lastRecv time.Time
	// idleSince is when an on-demand check last found no traffic to send.
	idleSince time.Time
	// inPackets and outPackets are the CHILD SA packet counters at the
	// last check, with a data plane that counts them.
	inPackets, outPackets uint64
	// volumeAt is when the byte counters of CHILD SAs with a volume
	// lifetime are read next; zero when none has one.
	volumeAt time.Time
}

// timerMin collects the earliest of several deadlines.
type timerMin struct {
	t  time.Time
	ok bool
}

// at takes deadline d into account; the zero time is no deadline.
func (m *timerMin) at(d time.Time) {
	if !d.IsZero() && (!m.ok || d.Before(m.t)) {
		m.t, m.ok = d, true
	}
}

// Rekeying starts at a random point between 85% and 90% of a lifetime
// for the IKE SA's initiator and between 90% and 95% for its responder, so
// that the two peers do not rekey at the same instant (the collisions of
// RFC 7296 section 2.8.1 stay rare) and the initiator normally goes first,
// as on IOS.
const (
	softMin    = 0.85 // of the lifetime, the initiator's earliest rekey
	softSpread = 0.05 // the width of each side's window
	// rekeyRetry is the wait before a rekey that the peer refused (for
	// example with TEMPORARY_FAILURE, RFC 7296 section 2.25) is tried
	// again.
	rekeyRetry = 10 * time.Second
	// rekeyRetryMin is the shortest wait before a refused rekey is tried
	// again (see retryAt).
	rekeyRetryMin = time.Second
	// VolumePoll is how often the byte counters of CHILD SAs with a
	// volume lifetime (ChildConfig.LifetimeKB) are read.
	VolumePoll = 10 * time.Second
)

// retryAt returns when a refused rekey of an SA that expires at expire is
// tried again: after rekeyRetry, or halfway to the hard expiry when that
// is sooner (but not before rekeyRetryMin), so that short lifetimes get
// another attempt before it.
func (sa *SA) retryAt(expire time.Time) time.Time {
	now := sa.env.Now()
	return now.Add(min(rekeyRetry, max(expire.Sub(now)/2, rekeyRetryMin)))
}

// softFraction returns the fraction of a lifetime after which an SA is
// rekeyed (see softMin).
func (sa *SA) softFraction() float64 {
	f := softMin + softSpread*sa.randUnit()
	if !sa.owner().initiator {
		f += softSpread
	}
	return f
}

// softLifetime returns when, after its creation, an SA with lifetime life
// is rekeyed.
func (sa *SA) softLifetime(life time.Duration) time.Duration {
	return time.Duration(float64(life) * sa.softFraction())
}

// randUnit returns a random number in [0, 1), or 0 when randomness fails.
func (sa *SA) randUnit() float64 {
	var b [8]byte
	if _, err := io.ReadFull(sa.env.Rand, b[:]); err != nil {
		return 0
	}
	return float64(binary.BigEndian.Uint64(b[:])>>11) / (1 << 53)
}

// startIKELifetime starts the lifetime of the current IKE SA.
func (sa *SA) startIKELifetime() {
	now := sa.env.Now()
	sa.rekeyAt, sa.expireAt = now.Add(sa.softLifetime(sa.cfg.IKELifetime())), now.Add(sa.cfg.IKELifetime())
}

// lifetimeTimers adds the pending soft and hard expiries to t: those that
// already led to a rekey or delete are left out.
func (sa *SA) lifetimeTimers(t *timerMin) {
	if sa.rekeying == nil {
		t.at(sa.rekeyAt)
	}
	t.at(sa.expireAt)
	t.at(sa.volumeAt)
	for _, c := range sa.children {
		if sa.isDeleting(c) {
			continue
		}
		if c.rekeying == nil && !c.replaced {
			t.at(c.rekeyAt)
		}
		t.at(c.expireAt)
		t.at(c.activateAt)
	}
}

// expire acts on the lifetimes that ran out by now: the hard expiry of an
// SA deletes it, the soft expiry rekeys it (RFC 7296 section 2.8); a
// CHILD SA whose outbound direction waited too long for the Delete of its
// predecessor is activated.
func (sa *SA) expire(now time.Time) {
	if !now.Before(sa.expireAt) {
		sa.state = StateDeleting
		sa.queueFront(&exchange{typ: wire.Informational, tasks: []task{&ikeDelete{sa: sa}}})
		return
	}
	if sa.rekeying == nil && !now.Before(sa.rekeyAt) {
		sa.queueIKERekey(sa.suite.dh)
	}
	volumes := !sa.volumeAt.IsZero() && !now.Before(sa.volumeAt)
	if volumes {
		sa.volumeAt = now.Add(VolumePoll)
	}
	for _, c := range sa.children {
		sa.activateLate(c, now)
		var used uint64
		if volumes {
			used = sa.bytesUsed(c)
		}
		switch {
		case sa.isDeleting(c):
		case !now.Before(c.expireAt) || (c.expireBytes > 0 && used >= c.expireBytes):
			sa.queueChildDelete(c)
		case c.rekeying == nil && !c.replaced && (!now.Before(c.rekeyAt) || (c.rekeyBytes > 0 && used >= c.rekeyBytes)):
			sa.queueChildRekey(c, firstGroup(sa.cfg.Child.Proposals))
		}
	}
	if volumes && !slices.ContainsFunc(sa.children, func(c *child) bool { return c.expireBytes > 0 }) {
		sa.volumeAt = time.Time{}
	}
}

// activateLate activates the outbound direction of c, the new SA of a
// rekey we answered, if the Delete of the SA it replaces has not come by
// its fallback time (see childRekey); a failure is tried again after
// activateRetry.
func (sa *SA) activateLate(c *child, now time.Time) {
	if !c.pendingOut || now.Before(c.activateAt) || sa.isDeleting(c) {
		return // a redundant SA of a collision that we delete never sends
	}
	if sa.activateOutbound(c) != nil {
		c.activateAt = now.Add(activateRetry)
	}
}

// activateRetry is the wait before a failed activation is tried again.
const activateRetry = time.Second

// startVolumes sets the soft and hard volume lifetimes of a new CHILD SA
// and starts reading the counters, when the data plane counts bytes.
func (sa *SA) startVolumes(c *child) {
	kb := sa.cfg.Child.LifetimeKB
	if _, ok := sa.env.Dataplane.(dataplane.Stats); !ok || kb == 0 {
		return
	}
	c.expireBytes = kb * 1024
	c.rekeyBytes = uint64(float64(c.expireBytes) * sa.softFraction())
	if sa.volumeAt.IsZero() {
		sa.volumeAt = sa.env.Now().Add(VolumePoll)
	}
}

// bytesUsed returns the octets c carried in its busier direction (the
// lifetime of each ESP SA counts on its own, RFC 4301 section 4.4.2.1).
func (sa *SA) bytesUsed(c *child) uint64 {
	if st, ok := sa.env.Dataplane.(dataplane.Stats); ok {
		if n, found := st.ChildSAStats(c.id); found {
			return max(n.InBytes, n.OutBytes)
		}
	}
	return 0
}

// queueFront puts ex at the head of the queue of requests to send.
func (sa *SA) queueFront(ex *exchange) {
	sa.mgr.queue = append([]*exchange{ex}, sa.mgr.queue...)
}

// dpdOn reports whether dead peer detection runs.
func (sa *SA) dpdOn() bool { return sa.cfg.DPD.Interval > 0 }

// livenessTimer adds to t when the next liveness check is due: when the
// peer has been silent for the DPD interval and no request of ours is
// under way, whose retransmissions would detect a dead peer themselves
// (RFC 7296 section 2.4).
func (sa *SA) livenessTimer(t *timerMin) {
	if !sa.dpdOn() || sa.mgr.active != nil || len(sa.mgr.queue) > 0 {
		return
	}
	t.at(sa.livenessDue())
}

// livenessDue returns when the peer must be checked next.
func (sa *SA) livenessDue() time.Time {
	from := sa.lastRecv
	if sa.idleSince.After(from) {
		from = sa.idleSince
	}
	return from.Add(sa.cfg.DPD.Interval)
}

// checkLiveness sends an empty INFORMATIONAL request, the liveness check of
// RFC 7296 section 2.4, when the peer has been silent for the DPD interval,
// retransmitted on the DPD schedule. With packet counters, inbound ESP
// traffic counts as hearing from the peer, and an on-demand check is only
// made when we sent traffic (see DPD).
func (sa *SA) checkLiveness(now time.Time) {
	if !sa.dpdOn() || sa.mgr.active != nil || len(sa.mgr.queue) > 0 || now.Before(sa.livenessDue()) {
		return
	}
	if in, out, ok := sa.espPackets(); ok {
		sent := out != sa.outPackets
		heard := in != sa.inPackets
		sa.inPackets, sa.outPackets = in, out
		switch {
		case heard:
			sa.lastRecv = now
			return
		case !sent && !sa.cfg.DPD.Periodic:
			sa.idleSince = now
			return
		}
	}
	sa.mgr.queue = append(sa.mgr.queue, &exchange{typ: wire.Informational, tasks: []task{liveness{}},
		retransmit: sa.cfg.DPDRetransmit(), liveness: true})
}

// espPackets returns the packet counters summed over the CHILD SAs, if the
// data plane counts them for any.
func (sa *SA) espPackets() (in, out uint64, ok bool) {
	st, isStats := sa.env.Dataplane.(dataplane.Stats)
	if !isStats {
		return 0, 0, false
	}
	for _, c := range sa.children {
		if n, found := st.ChildSAStats(c.id); found {
			in += n.InPackets
			out += n.OutPackets
			ok = true
		}
	}
	return in, out, ok
}

// liveness is the empty INFORMATIONAL request of a liveness check (RFC
// 7296 section 2.4); any authenticated response proves the peer alive.
type liveness struct{}

func (liveness) build(*message) error   { return nil }
func (liveness) process(*message) error { return nil }
