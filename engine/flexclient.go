package engine

import (
	"net/netip"
	"time"

	"github.com/flexvpnd/flexvpnd/engine/ikev2/node"
)

// DefaultReactivate is how often a FlexVPN client tunnel running on a
// backup peer probes its preferred peer when `peer reactivate` is set.
// IOS ties reactivation to a tracked object (`peer 1 ADDR track N`);
// flexvpnd probes the peer itself with a real IKE SA instead, so no IP
// SLA is needed: the probe that comes up becomes the tunnel's SA.
const DefaultReactivate = 30 * time.Second

// A FlexVPN client tunnel (`tunnel destination dynamic` connected by a
// `crypto ikev2 client flexvpn` with `peer N` lines) keeps the index of
// its active peer in svti.active. These methods are called with Engine.mu
// held.

// isClient reports whether the tunnel is a FlexVPN client tunnel.
func (t *svti) isClient() bool { return len(t.t.Peers) > 0 }

// destination returns where the tunnel initiates to: the active peer of
// a FlexVPN client, else `tunnel destination`.
func (t *svti) destination() netip.Addr {
	if t.isClient() {
		return t.t.Peers[t.active%len(t.t.Peers)]
	}
	return t.t.Destination
}

// failOver moves a client tunnel to its next peer after the active one
// failed; a full round through the list counts as one failure for the
// backoff, so that a client whose peers are all down does not spin.
func (e *Engine) failOver(t *svti) {
	t.stopProbe()
	t.active = (t.active + 1) % len(t.t.Peers)
	if t.active != 0 {
		t.failures = 0
	}
	e.log.Info("FlexVPN client moves to the next peer", "interface", t.t.Name, "peer", t.destination())
}

// clientEstablished handles an SA of a client tunnel that came up: a
// probe to a preferred peer takes over (the SAs to the backup are
// deleted), and on a backup peer with `peer reactivate` the next probe is
// scheduled.
func (e *Engine) clientEstablished(t *svti, ev node.Event) {
	remote := ev.Remote.Addr().Unmap()
	for i, p := range t.t.Peers {
		if p == remote && i != t.active {
			e.log.Info("FlexVPN client back on a preferred peer", "interface", t.t.Name, "peer", p)
			t.active = i
			break
		}
	}
	for id, r := range t.sas {
		if id != ev.ID && r.remote != remote {
			delete(t.sas, id)
			if _, err := e.node.DeleteWhere(func(i node.Info) bool { return i.ID == id }); err != nil {
				e.log.Warn("delete backup peer SA", "interface", t.t.Name, "err", err)
			}
		}
	}
	t.stopProbe()
	if t.t.Reactivate && t.active != 0 {
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
		if e.svti[name] != t || t.gen != gen || t.active == 0 || e.closed {
			return
		}
		t.probe = nil
		e.probePreferred(t)
	})
}

// probePreferred initiates an SA to the most preferred peer, beside the
// tunnel's SA to its backup.
func (e *Engine) probePreferred(t *svti) {
	tt := t.t
	tt.Destination = t.t.Peers[0]
	cfg, err := e.initiatorConfig(e.spec.Load(), &tt)
	if err == nil {
		var id node.ID
		if id, err = e.node.InitiateSA(t.t.Name, *cfg); err == nil {
			t.sas[id] = saRef{initiator: true, probe: true, remote: tt.Destination}
			e.log.Debug("FlexVPN client probes its preferred peer", "interface", t.t.Name, "peer", tt.Destination)
			return
		}
	}
	e.log.Warn("FlexVPN client cannot probe its preferred peer", "interface", t.t.Name, "err", err)
	e.scheduleProbe(t)
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
