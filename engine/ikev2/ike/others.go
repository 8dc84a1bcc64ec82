package ike

import (
	"slices"
	"time"

	"github.com/flexvpnd/flexvpnd/engine/ikev2/wire"
)

// An IKE SA rekey (RFC 7296 section 2.18) creates a new IKE SA that takes
// over the CHILD SAs; the old one is deleted by the rekey's initiator. The
// SA actor switches to the new keyset and keeps the old one as an SA of its
// own in others, with the parent pointing back at the actor, until its
// Delete exchange completes: messages with its SPIs are handed to it. A
// simultaneous rekey (section 2.8.1) keeps the redundant new IKE SA there
// as well, until the side that created it deletes it.

// newOther returns an SA for keyset k beside the actor sa: same
// configuration, endpoints and NAT state, established, without CHILD SAs.
func (sa *SA) newOther(k keyset) *SA {
	return &SA{cfg: sa.cfg, env: sa.env, keyset: k, state: StateEstablished,
		local: sa.local, remote: sa.remote, peerID: sa.peerID,
		natLocal: sa.natLocal, natRemote: sa.natRemote, ext: &extra{parent: sa}}
}

// addOther adds o to the others.
func (sa *SA) addOther(o *SA) {
	x := sa.extra()
	x.others = append(x.others, o)
}

// owner returns the actor an SA belongs to: its parent, or itself.
func (sa *SA) owner() *SA {
	if p := sa.parent(); p != nil {
		return p
	}
	return sa
}

// otherFor returns the one of the others whose SPIs the datagram b
// carries, or nil.
func (sa *SA) otherFor(b []byte) *SA {
	if len(sa.others()) == 0 {
		return nil
	}
	h, err := wire.DecodeHeader(b)
	if err != nil {
		return nil
	}
	for _, o := range sa.others() {
		if h.SPIi == o.spiI && h.SPIr == o.spiR {
			return o
		}
	}
	return nil
}

// switchTo makes next, one of the IKE SAs a rekey created, the current IKE
// SA: the actor takes its keyset and next keeps the replaced one, which we
// delete if del is set, or whose Delete from the peer we await otherwise
// (RFC 7296 section 2.18). Requests still queued move to the new IKE SA;
// the CHILD SAs stay with the actor, so they move too. The new IKE SA's
// lifetime starts.
func (sa *SA) switchTo(next *SA, del bool) {
	sa.keyset, next.keyset = next.keyset, sa.keyset
	sa.compact()
	sa.mgr.queue, next.mgr.queue = next.mgr.queue, nil
	if !slices.Contains(sa.others(), next) {
		sa.addOther(next)
	}
	sa.retire(next, del)
	sa.startIKELifetime()
}

// retire ends o, one of the others: we delete it if del is set; otherwise
// we wait for the peer to delete it, as long as a request of ours could be
// retransmitted (RFC 7296 section 2.4).
func (sa *SA) retire(o *SA, del bool) {
	if del {
		o.state = StateDeleting
		o.mgr.queue = append(o.mgr.queue, &exchange{typ: wire.Informational, tasks: []task{&ikeDelete{sa: o}}})
		return
	}
	o.extra().until = sa.env.Now().Add(sa.cfg.retransmit().total())
}

// othersNext returns the earliest timer of the others.
func (sa *SA) othersNext(t *timerMin) {
	for _, o := range sa.others() {
		if next, ok := o.NextTimer(); ok {
			t.at(next)
		}
		if o.mgr.active == nil {
			t.at(o.ext.until) // an exchange under way runs its course first
		}
	}
}

// tickOthers runs the timers of the others and returns what they send.
func (sa *SA) tickOthers(now time.Time) []Datagram {
	var out []Datagram
	for _, o := range sa.others() {
		out = append(out, o.Tick(now)...)
	}
	sa.pruneOthers(now)
	return out
}

// startOthers sends the requests the others have queued.
func (sa *SA) startOthers() []Datagram {
	var out []Datagram
	for _, o := range sa.others() {
		out = append(out, o.startNext()...)
	}
	return out
}

// pruneOthers forgets the others that ended: deleted, failed, or no longer
// awaiting the peer's Delete. Their SPIs are reported by RetiredSPIs.
func (sa *SA) pruneOthers(now time.Time) {
	x := sa.ext
	if x == nil {
		return
	}
	x.others = slices.DeleteFunc(x.others, func(o *SA) bool {
		done := o.mgr.active == nil && (o.state == StateDeleted || o.state == StateFailed ||
			(!o.ext.until.IsZero() && !now.Before(o.ext.until)))
		if done {
			x.retired = append(x.retired, o.spiSet())
		}
		return done
	})
}

// dropOthers forgets all the others, when the actor itself ends.
func (sa *SA) dropOthers() {
	x := sa.ext
	if x == nil {
		return
	}
	for _, o := range x.others {
		x.retired = append(x.retired, o.spiSet())
	}
	x.others = nil
}
