package engine

import (
	"testing"

	"github.com/flexvpnd/flexvpnd/engine/ikev2/ike"
	"github.com/flexvpnd/flexvpnd/engine/ikev2/node"
)

// TestPeerSessions follows the responder sessions of two identities
// through establishment, a repeated event, an initiator SA, failure and
// deletion.
func TestPeerSessions(t *testing.T) {
	ev := func(kind node.EventKind, id node.ID, fqdn string, initiator bool) node.Event {
		return node.Event{Kind: kind, Info: node.Info{ID: id, Initiator: initiator, PeerID: ike.FQDNIdentity(fqdn)}}
	}
	steps := []struct {
		name   string
		ev     node.Event
		others bool // others(ev) after note(ev)
	}{
		{"first session of a", ev(node.EventEstablished, 1, "a.example", false), false},
		{"same event again", ev(node.EventEstablished, 1, "a.example", false), false},
		{"first session of b", ev(node.EventEstablished, 2, "b.example", false), false},
		{"our own SA to a is not counted", ev(node.EventEstablished, 3, "a.example", true), true},
		{"second session of a", ev(node.EventEstablished, 4, "a.example", false), true},
		{"failure keeps it counted", ev(node.EventFailed, 1, "a.example", false), true},
		{"deletion uncounts it, 4 remains", ev(node.EventDeleted, 1, "a.example", false), true},
		{"deleting an uncounted SA", ev(node.EventDeleted, 3, "a.example", true), true},
		{"a reconnects", ev(node.EventEstablished, 5, "a.example", false), true},
	}
	var p peerSessions
	for _, s := range steps {
		p.note(s.ev)
		if got := p.others(s.ev); got != s.others {
			t.Errorf("%s: others = %v, want %v (counts %v)", s.name, got, s.others, p.count)
		}
	}
	for _, id := range []node.ID{2, 4, 5} {
		p.note(node.Event{Kind: node.EventDeleted, Info: node.Info{ID: id}})
	}
	if len(p.key) != 0 || len(p.count) != 0 {
		t.Errorf("after every deletion: keys %v, counts %v", p.key, p.count)
	}
}
