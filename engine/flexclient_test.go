package engine

import (
	"net/netip"
	"testing"
	"time"

	"github.com/flexvpnd/flexvpnd/engine/spec"
	"github.com/flexvpnd/flexvpnd/engine/status"
)

// clientSpec is a FlexVPN client on local: Tunnel0 with `tunnel
// destination dynamic` connected by a client with the given peers, `peer
// reactivate`, and DPD every 300 ms.
func clientSpec(local string, peers ...string) *spec.Spec {
	s := siteSpec(local, "127.0.0.2", "10.9.0.2/24", "flex-key", "127.0.0.0/8")
	prof := s.Profiles[0]
	prof.MatchIdentities = []spec.IdentityMatch{{Kind: spec.IDAddress, Prefix: netip.MustParsePrefix("127.0.0.0/8")}}
	prof.DPD = &spec.DPD{Interval: 300 * time.Millisecond, Retry: 200 * time.Millisecond, Periodic: true}
	t := &s.Tunnels[0]
	t.Destination = netip.Addr{}
	t.Client = &spec.Client{Name: "C", Reactivate: true}
	for _, p := range peers {
		t.Client.Peers = append(t.Client.Peers, spec.ClientPeer{Addr: netip.MustParseAddr(p)})
	}
	return s
}

// readyWith reports the client's one READY SA, with remote.
func readyWith(remote string) func(status.Snapshot) bool {
	return func(s status.Snapshot) bool {
		return oneReady("Tunnel0")(s) && s.IKESAs[0].Remote.Addr().String() == remote
	}
}

// TestFlexVPNClientFailover runs a FlexVPN client with two hubs: it comes
// up on the first, fails over to the second when the first stops (DPD),
// and moves back to the first when it returns (peer reactivate), leaving
// no SA on the backup.
func TestFlexVPNClientFailover(t *testing.T) {
	ikePort, natPort := freePorts(t)
	hub2, _ := startEngine(t, "127.0.0.3", ikePort, natPort)
	hub2.Apply(hubSpec("flex-key"))
	hub1, _ := startEngine(t, "127.0.0.2", ikePort, natPort)
	hub1.Apply(hubSpec("flex-key"))
	client, err := New(Config{
		Dataplane: &fakeDP{}, Listen: []netip.Addr{netip.MustParseAddr("127.0.0.1")}, IKEPort: ikePort, NATPort: natPort,
		Logger: testLogger(t).With("engine", "client"), Backoff: testBackoff, Retransmit: testRetransmit,
		Reactivate: 500 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	client.Apply(clientSpec("127.0.0.1", "127.0.0.2", "127.0.0.3"))
	waitSnap(t, client, "client up on hub 1", readyWith("127.0.0.2"))

	// Hub 1 stops without a word: DPD fails, the client moves to hub 2.
	if err := hub1.Close(); err != nil {
		t.Fatal(err)
	}
	stopped := time.Now()
	waitSnap(t, client, "client on hub 2", readyWith("127.0.0.3"))
	t.Logf("failed over to the backup in %v", time.Since(stopped).Round(time.Millisecond))
	waitSnap(t, hub2, "hub 2 holds the session", func(s status.Snapshot) bool { return len(s.IKESAs) == 1 })

	// Hub 1 returns: the next probe comes up and the client moves back,
	// deleting its SA with hub 2.
	hub1, _ = startEngine(t, "127.0.0.2", ikePort, natPort)
	hub1.Apply(hubSpec("flex-key"))
	back := time.Now()
	waitSnap(t, client, "client back on hub 1", readyWith("127.0.0.2"))
	t.Logf("back on the preferred peer %v after it returned", time.Since(back).Round(time.Millisecond))
	waitSnap(t, hub2, "hub 2 without the session", noSA)
	waitSnap(t, hub1, "hub 1 holds the session", func(s status.Snapshot) bool { return len(s.IKESAs) == 1 })
}
