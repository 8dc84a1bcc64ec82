package engine

import (
	"net/netip"
	"strings"

	"github.com/flexvpnd/flexvpnd/engine/ikev2/node"
)

// EventKind says what an Event reports.
type EventKind uint8

// Event kinds.
const (
	// EventSessionUp: an IKE SA is established (IKE_AUTH completed).
	EventSessionUp EventKind = iota + 1
	// EventSessionDown: an established IKE SA is gone.
	EventSessionDown
	// EventSessionFailed: a negotiation failed; Event.Err says why.
	EventSessionFailed
	// EventLinkUp: a Virtual-Access is created for a session, before
	// its EventSessionUp.
	EventLinkUp
	// EventLineUp: the first session of a tunnel interface is up, after
	// its EventSessionUp (the line protocol of IOS).
	EventLineUp
	// EventLineDown: the last session of a tunnel interface went, after
	// its EventSessionDown.
	EventLineDown
	// EventLinkDown: a Virtual-Access is deleted with its session, after
	// its EventLineDown.
	EventLinkDown
)

// Event is a change operators are told of (the appliance turns them into
// IOS syslog messages): sessions and tunnel interfaces going up or down.
type Event struct {
	Kind EventKind
	// Interface is the session's tunnel interface ("Tunnel0",
	// "Virtual-Access1"), "" when it has none.
	Interface string
	// SA is the runtime ID of the IKE SA (session events).
	SA uint64
	// Local and Remote are the IKE endpoints; PeerID the peer's
	// authenticated identity ("" before IKE_AUTH).
	Local, Remote netip.AddrPort
	PeerID        string
	// Err is why a session failed.
	Err error
}

// VirtualAccess reports whether the event's interface is a
// Virtual-Access.
func (ev *Event) VirtualAccess() bool { return strings.HasPrefix(ev.Interface, vaPrefix) }

// notifier turns the IKE runtime's SA events into Events for
// Config.OnEvent. It is used under Engine.mu.
type notifier struct {
	on func(Event)
	// up are the established SAs, by interface then SA.
	up map[string]map[node.ID]bool
}

// note reports what the SA event ev means to operators.
func (n *notifier) note(ev node.Event) {
	if n.on == nil {
		return
	}
	if n.up == nil {
		n.up = map[string]map[node.ID]bool{}
	}
	base := Event{Interface: ev.Peer, SA: uint64(ev.ID), Local: ev.Local, Remote: ev.Remote}
	if len(ev.PeerID.Data) > 0 {
		base.PeerID = ev.PeerID.String()
	}
	sas := n.up[ev.Peer]
	switch {
	case ev.Kind == node.EventEstablished:
		if sas[ev.ID] {
			return
		}
		first := len(sas) == 0
		if first {
			sas = map[node.ID]bool{}
			n.up[ev.Peer] = sas
			n.emitLink(base, EventLinkUp)
		}
		sas[ev.ID] = true
		n.emit(base, EventSessionUp)
		if first {
			n.emit(base, EventLineUp)
		}
	case sas[ev.ID]:
		delete(sas, ev.ID)
		n.emit(base, EventSessionDown)
		if len(sas) == 0 {
			delete(n.up, ev.Peer)
			n.emit(base, EventLineDown)
			n.emitLink(base, EventLinkDown)
		}
	case ev.Kind == node.EventFailed:
		base.Err = ev.Err
		n.emit(base, EventSessionFailed)
	}
}

func (n *notifier) emit(ev Event, k EventKind) {
	if ev.Interface == "" && (k == EventLineUp || k == EventLineDown) {
		return
	}
	ev.Kind = k
	n.on(ev)
}

// emitLink reports a Virtual-Access link change (static tunnels have
// none: their interface lives with the configuration).
func (n *notifier) emitLink(ev Event, k EventKind) {
	if ev.VirtualAccess() {
		n.emit(ev, k)
	}
}
