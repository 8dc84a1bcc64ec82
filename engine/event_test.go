package engine

import (
	"errors"
	"net/netip"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/flexvpnd/flexvpnd/engine/ikev2/ike"
	"github.com/flexvpnd/flexvpnd/engine/ikev2/node"
	"github.com/flexvpnd/flexvpnd/engine/ikev2/wire"
)

// TestNotifier checks the operator events made of SA events: link and
// line changes around session changes, once per interface.
func TestNotifier(t *testing.T) {
	remote := netip.MustParseAddrPort("192.0.2.7:500")
	peer := ike.Identity{Type: wire.IDFQDN, Data: []byte("spoke1.flex.lab")}
	ev := func(k node.EventKind, id node.ID, tag string) node.Event {
		return node.Event{Kind: k, Info: node.Info{ID: id, Peer: tag, Remote: remote, PeerID: peer}}
	}
	failed := ev(node.EventFailed, 9, "Tunnel1")
	failed.Err = errors.New("AUTHENTICATION_FAILED")
	type got struct {
		Kind      EventKind
		Interface string
		SA        uint64
	}
	tests := []struct {
		name string
		in   []node.Event
		want []got
	}{
		{"virtual-access up and down", []node.Event{
			ev(node.EventEstablished, 1, "Virtual-Access1"), ev(node.EventDeleted, 1, "Virtual-Access1"),
		}, []got{
			{EventLinkUp, "Virtual-Access1", 1}, {EventSessionUp, "Virtual-Access1", 1}, {EventLineUp, "Virtual-Access1", 1},
			{EventSessionDown, "Virtual-Access1", 1}, {EventLineDown, "Virtual-Access1", 1}, {EventLinkDown, "Virtual-Access1", 1},
		}},
		{"static tunnel with a duplicate SA", []node.Event{
			ev(node.EventEstablished, 1, "Tunnel0"), ev(node.EventEstablished, 2, "Tunnel0"), ev(node.EventEstablished, 2, "Tunnel0"),
			ev(node.EventDeleted, 1, "Tunnel0"), ev(node.EventFailed, 2, "Tunnel0"), ev(node.EventDeleted, 2, "Tunnel0"),
		}, []got{
			{EventSessionUp, "Tunnel0", 1}, {EventLineUp, "Tunnel0", 1}, {EventSessionUp, "Tunnel0", 2},
			{EventSessionDown, "Tunnel0", 1}, {EventSessionDown, "Tunnel0", 2}, {EventLineDown, "Tunnel0", 2},
		}},
		{"failed negotiation", []node.Event{failed, ev(node.EventDeleted, 9, "Tunnel1")}, []got{{EventSessionFailed, "Tunnel1", 9}}},
		{"untagged session has no interface events", []node.Event{
			ev(node.EventEstablished, 4, ""), ev(node.EventDeleted, 4, ""),
		}, []got{{EventSessionUp, "", 4}, {EventSessionDown, "", 4}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out []got
			var all []Event
			n := notifier{on: func(e Event) {
				out = append(out, got{e.Kind, e.Interface, e.SA})
				all = append(all, e)
			}}
			for _, e := range tt.in {
				n.note(e)
			}
			if diff := cmp.Diff(tt.want, out); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			for _, e := range all {
				if e.Remote != remote || e.PeerID != "spoke1.flex.lab" {
					t.Errorf("event %+v: remote or peer lost", e)
				}
				if (e.Kind == EventSessionFailed) != (e.Err != nil) {
					t.Errorf("event %+v: error", e)
				}
			}
		})
	}
}
