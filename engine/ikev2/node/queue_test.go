package node

import (
	"log/slog"
	"net/netip"
	"testing"

	"github.com/flexvpnd/flexvpnd/engine/ikev2/transport"
)

// TestReceiveQueueBounds fills the receive queue of a node whose loop does
// not run: it takes messages up to receiveQueue in number and
// receiveQueueBytes in octets, and drops and counts the rest.
func TestReceiveQueueBounds(t *testing.T) {
	tests := []struct {
		name       string
		size, sent int
		wantQueued int
	}{
		{"small messages: bounded in number", 300, receiveQueue + 100, receiveQueue},
		{"64 KiB messages: bounded in octets", 65535, 200, receiveQueueBytes / 65535},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n := &Node{in: make(chan packet, receiveQueue), log: slog.New(slog.DiscardHandler)}
			p := &transport.Packet{Remote: netip.MustParseAddrPort("198.18.0.9:500"), Data: make([]byte, tc.size)}
			for range tc.sent {
				n.HandleIKE(p)
			}
			if got := len(n.in); got != tc.wantQueued {
				t.Errorf("%d messages queued, want %d", got, tc.wantQueued)
			}
			if got, want := n.dropped.Load(), uint64(tc.sent-tc.wantQueued); got != want {
				t.Errorf("%d counted as dropped, want %d", got, want)
			}
			if got, want := n.queued.Load(), int64(tc.wantQueued*tc.size); got != want {
				t.Errorf("%d octets accounted, want %d", got, want)
			}
		})
	}
}
