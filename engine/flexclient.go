package engine

import (
	"fmt"
	"net/netip"
	"time"

	"github.com/flexvpnd/flexvpnd/engine/ikev2/node"
	"github.com/flexvpnd/flexvpnd/engine/spec"
)

// DefaultReactivate is how often a FlexVPN client tunnel running on a
// backup peer probes its preferred peer when `peer reactivate` is set.
// IOS ties reactivation to a tracked object (`peer 1 ADDR track N`);
// flexvpnd also probes the peer itself with a real IKE SA, so no IP SLA
// is needed: the probe that comes up becomes the tunnel's SA.
const DefaultReactivate = 30 * time.Second

// A FlexVPN client tunnel (`tunnel destination dynamic` connected by a
// `crypto ikev2 client flexvpn`) keeps the index of its active peer in
// svti.active. A peer with `track N [up|down]` is usable only while its
// object is in that state; a client with `source` lines sources its
// packets from the first interface whose object is up; `connect manual`
// waits for ConnectClient and `connect track N` connects only while the
// object holds. These methods are called with Engine.mu held.

// isClient reports whether the tunnel is a FlexVPN client tunnel.
func (t *svti) isClient() bool { return t.t.Client != nil && len(t.t.Client.Peers) > 0 }

// clientMay reports whether the client may be connected now: its connect
// mode allows it, a peer and a source are usable.
func (e *Engine) clientMay(t *svti) bool {
	c := t.t.Client
	switch c.Connect {
	case spec.ConnectManual:
		if !t.manual {
			return false
		}
	case spec.ConnectTrack:
		if !c.ConnectTrack.Holds(e.track.up(c.ConnectTrack.Object)) {
			return false
		}
	}
	_, ok := e.clientSource(t)
	return ok && e.usablePeer(t, 0) >= 0
}

// peerUsable reports whether client peer i may be used: no track, or its
// object in the required state.
func (e *Engine) peerUsable(t *svti, i int) bool {
	r := t.t.Client.Peers[i].Track
	return r.Holds(e.track.up(r.Object))
}

// usablePeer returns the first usable peer from index from on, wrapping
// around the list; -1 when none is.
func (e *Engine) usablePeer(t *svti, from int) int {
	n := len(t.t.Client.Peers)
	for k := range n {
		if i := (from + k) % n; e.peerUsable(t, i) {
			return i
		}
	}
	return -1
}

// clientSource returns the `source` interface the client uses now: the
// first whose object is up. ok is false when the client has sources and
// none is usable; "" with ok means the tunnel's own `tunnel source`.
func (e *Engine) clientSource(t *svti) (iface string, ok bool) {
	if !t.isClient() || len(t.t.Client.Sources) == 0 {
		return "", true
	}
	for _, s := range t.t.Client.Sources {
		if s.Track == 0 || e.track.up(s.Track) {
			return s.Interface, true
		}
	}
	return "", false
}

// failOver moves a client tunnel to its next usable peer after the active
// one failed; a full round through the list counts as one failure for
// the backoff, so that a client whose peers are all down does not spin.
func (e *Engine) failOver(t *svti) {
	t.stopProbe()
	next := e.usablePeer(t, (t.active+1)%len(t.t.Client.Peers))
	if next < 0 {
		return
	}
	if next > t.active {
		t.failures = 0
	}
	t.active = next
	e.log.Info("FlexVPN client moves to the next peer", "interface", t.t.Name, "peer", t.t.Client.Peers[next])
}

// clientEstablished handles an SA of a client tunnel that came up: a
// probe to a preferred peer takes over (the SAs to the backup are
// deleted), and on a backup peer with `peer reactivate` the next probe is
// scheduled.
func (e *Engine) clientEstablished(t *svti, id node.ID, ref saRef) {
	if ref.peer >= 0 && ref.peer != t.active {
		e.log.Info("FlexVPN client back on a preferred peer", "interface", t.t.Name, "peer", t.t.Client.Peers[ref.peer])
		t.active = ref.peer
	}
	for other, r := range t.sas {
		if other != id && r.remote != ref.remote {
			delete(t.sas, other)
			if _, err := e.node.DeleteWhere(func(i node.Info) bool { return i.ID == other }); err != nil {
				e.log.Warn("delete backup peer SA", "interface", t.t.Name, "err", err)
			}
		}
	}
	t.stopProbe()
	e.maybeProbe(t)
}

// maybeProbe schedules the reactivation probe of a client on a backup
// peer with `peer reactivate`.
func (e *Engine) maybeProbe(t *svti) {
	if t.t.Client.Reactivate && t.probe == nil && t.active != e.usablePeer(t, 0) {
		e.scheduleProbe(t)
	}
}

// scheduleProbe arranges the next reactivation probe of the preferred
// peer.
func (e *Engine) scheduleProbe(t *svti) {
	gen := t.gen
	name := t.t.Name
	t.probe = time.AfterFunc(e.reactivate(), func() {
		e.mu.Lock()
		defer e.mu.Unlock()
		if e.svti[name] != t || t.gen != gen || e.closed || !t.isClient() {
			return
		}
		t.probe = nil
		e.probePreferred(t)
	})
}

// probePreferred initiates an SA to the most preferred usable peer,
// beside the tunnel's SA to its backup.
func (e *Engine) probePreferred(t *svti) {
	i := e.usablePeer(t, 0)
	if i < 0 || i == t.active || t.resolving != 0 {
		return
	}
	probe := func(dst netip.Addr, err error) {
		if err == nil {
			err = e.initiateTo(t, i, dst, true)
		}
		if err != nil {
			e.log.Warn("FlexVPN client cannot probe its preferred peer", "interface", t.t.Name, "err", err)
			e.scheduleProbe(t)
		}
	}
	dst, host, v6 := t.target(i)
	if host == "" {
		probe(dst, nil)
		return
	}
	e.lookup(t, host, v6, probe)
}

// reactivate is the probe interval.
func (e *Engine) reactivate() time.Duration {
	if e.cfg.Reactivate > 0 {
		return e.cfg.Reactivate
	}
	return DefaultReactivate
}

func (t *svti) stopProbe() {
	if t.probe != nil {
		t.probe.Stop()
		t.probe = nil
	}
}

// clientReconcile brings a client tunnel to what its tracked objects
// allow now: torn down when it may not connect, moved when its peer is
// no longer usable or its source interface changed, connected when it
// may and is not. fresh (a tracked object changed) starts a tunnel
// waiting on its backoff at once.
func (e *Engine) clientReconcile(t *svti, fresh bool) {
	busy := len(t.sas) > 0 || t.resolving != 0
	if !e.mayInitiate(t) {
		if busy || t.retry != nil {
			e.deleteSAs(map[string]bool{e.forget(t, "FlexVPN client may not connect"): true}, nil)
		}
		return
	}
	if busy {
		src, _ := e.clientSource(t)
		if e.peerUsable(t, t.active) && src == t.source {
			e.maybeProbe(t)
			return
		}
		e.deleteSAs(map[string]bool{e.forget(t, "FlexVPN client peer or source changed"): true}, nil)
	} else if fresh {
		t.stopRetry()
		t.failures = 0
	}
	e.initiate(t)
}

// ConnectClient connects the tunnel of the `connect manual` FlexVPN
// client name, as the EXEC `crypto ikev2 client flexvpn connect NAME`
// does; other connect modes are already connected when they may be.
func (e *Engine) ConnectClient(name string) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, t := range e.svti {
		if t.isClient() && t.t.Client.Name == name {
			t.manual = true
			e.clientReconcile(t, true)
			return nil
		}
	}
	return fmt.Errorf("no FlexVPN client %s connects a tunnel", name)
}
