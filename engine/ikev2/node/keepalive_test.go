package node

import (
	"net/netip"
	"sync/atomic"
	"testing"
	"time"

	"github.com/flexvpnd/flexvpnd/engine/dataplane"
	"github.com/flexvpnd/flexvpnd/engine/dataplane/recording"
	"github.com/flexvpnd/flexvpnd/engine/ikev2/ike"
	"github.com/flexvpnd/flexvpnd/engine/ikev2/wire"
)

// natPublic is the address a fake NAT in front of the responder node shows
// the initiator (TEST-NET-2, never sent to: the test relays every datagram
// over loopback itself).
var natPublic = netip.MustParseAddr("198.51.100.1")

// natEndpoint returns the node's NAT-T socket.
func natEndpoint(t *testing.T, n *Node) netip.AddrPort {
	t.Helper()
	for _, e := range n.Endpoints() {
		if e.NATT {
			return e.Addr
		}
	}
	t.Fatal("node has no NAT-T socket")
	return netip.AddrPort{}
}

// behindNAT puts a NAT in front of the responder node b: an in-process
// initiator believes b is at natPublic, and the test relays its messages
// over loopback, to b's IKE port and, once the NAT is detected, to its NAT-T
// port (RFC 7296 section 2.23). It returns the socket the initiator uses
// for NAT-T once the SA is established on both sides.
func behindNAT(t *testing.T, b *Node) *fakeInitiator {
	t.Helper()
	a := startConfigured(t, Config{})
	addPeers(t, a, b)
	eb, nb := ikeEndpoint(t, b), natEndpoint(t, b)
	s500, s4500 := newFakeInitiator(t), newFakeInitiator(t)
	sa, req := s500.initiator(netip.AddrPortFrom(natPublic, 500), func(c *ike.Config) {
		c.NATPort = s4500.addr().Port()
	})

	// IKE_SA_INIT through the NAT.
	s500.send(eb, req)
	resp := s500.recv(2 * time.Second)
	if resp == nil {
		t.Fatal("no IKE_SA_INIT response")
	}
	out := sa.HandleDatagram(resp, s500.addr(), netip.AddrPortFrom(natPublic, 500))
	if len(out) != 1 || out[0].From != s4500.addr() || out[0].To != netip.AddrPortFrom(natPublic, ike.NATTPort) {
		t.Fatalf("initiator did not float to the NAT-T ports: %+v (%v)", out, sa.Err())
	}
	// IKE_AUTH on the NAT-T ports, with the non-ESP marker.
	s4500.send(nb, append(wire.AppendNonESPMarker(nil), out[0].Data...))
	resp = s4500.recv(2 * time.Second)
	if len(resp) < len(wire.NonESPMarker) {
		t.Fatalf("IKE_AUTH answer %x", resp)
	}
	sa.HandleDatagram(resp[len(wire.NonESPMarker):], s4500.addr(), netip.AddrPortFrom(natPublic, ike.NATTPort))
	if sa.State() != ike.StateEstablished {
		t.Fatalf("initiator %v: %v", sa.State(), sa.Err())
	}
	st := waitSAs(t, b, 2*time.Second, "responder established", settled)
	if !st[0].NATLocal || st[0].Local != nb || st[0].Remote != s4500.addr() {
		t.Fatalf("responder status %+v: want NAT in front of it, on its NAT-T port", st[0])
	}
	return s4500
}

// TestNATKeepalive checks that a node behind a NAT sends a NAT keepalive,
// the octet 0xFF, from its NAT-T socket every interval of idleness (RFC
// 3948 section 2.3).
func TestNATKeepalive(t *testing.T) {
	const every = 200 * time.Millisecond
	b := startConfigured(t, Config{NATKeepalive: every})
	peer := behindNAT(t, b)
	prev := time.Now()
	for i := range 3 {
		got := peer.recv(5 * every)
		if got == nil {
			t.Fatalf("%d keepalives, want 3", i)
		}
		if len(got) != 1 || got[0] != wire.NATKeepalive {
			t.Fatalf("received %x, want the keepalive 0xff", got)
		}
		// The loop looks four times per interval: one keepalive per
		// interval, give or take scheduling on a busy machine.
		if gap := time.Since(prev); gap < every/2 || gap > 3*every {
			t.Errorf("keepalive %d after %v, want about %v", i+1, gap, every)
		}
		prev = time.Now()
	}
}

// TestNATKeepaliveSetLimits turns keepalives on in a running node.
func TestNATKeepaliveSetLimits(t *testing.T) {
	b := startConfigured(t, Config{})
	peer := behindNAT(t, b)
	if got := peer.recv(300 * time.Millisecond); got != nil {
		t.Fatalf("received %x with keepalives off", got)
	}
	if err := b.SetLimits(Admission{}, 100*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	// The goroutine notices within a second, then sends at once: the SA
	// has been idle for longer than the interval.
	if got := peer.recv(2 * time.Second); len(got) != 1 || got[0] != wire.NATKeepalive {
		t.Errorf("received %x after SetLimits, want the keepalive 0xff", got)
	}
}

// busyDataplane reports outbound ESP on every CHILD SA, more at each look.
type busyDataplane struct {
	recording.Dataplane
	out atomic.Uint64
}

func (d *busyDataplane) ChildSAStats(dataplane.ChildSAID) (dataplane.Counters, bool) {
	return dataplane.Counters{OutPackets: d.out.Add(1)}, true
}

// TestNATKeepaliveNotWhileBusy checks that outbound ESP, which refreshes
// the NAT mapping, replaces the keepalives.
func TestNATKeepaliveNotWhileBusy(t *testing.T) {
	const every = 100 * time.Millisecond
	b := startConfigured(t, Config{NATKeepalive: every, Dataplane: &busyDataplane{}})
	peer := behindNAT(t, b)
	if got := peer.recv(4 * every); got != nil {
		t.Errorf("received %x while ESP flows, want no keepalive", got)
	}
}

// TestNoKeepaliveWithoutNAT checks that two nodes without a NAT between
// them send no keepalives, however short the interval.
func TestNoKeepaliveWithoutNAT(t *testing.T) {
	a := startConfigured(t, Config{NATKeepalive: 50 * time.Millisecond})
	b := startConfigured(t, Config{NATKeepalive: 50 * time.Millisecond})
	addPeers(t, a, b)
	establish(t, a)
	time.Sleep(300 * time.Millisecond)
	for name, n := range map[string]*Node{"a": a, "b": b} {
		if k := n.lis.Stats().Keepalives; k != 0 {
			t.Errorf("node %s received %d keepalives", name, k)
		}
	}
}
