package engine

import (
	"context"
	"errors"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/flexvpnd/flexvpnd/engine/spec"
	"github.com/flexvpnd/flexvpnd/engine/status"
)

// fakeResolver answers from a table and counts the lookups; it never
// touches the network.
type fakeResolver struct {
	mu      sync.Mutex
	hosts   map[string]string
	lookups map[string]int
}

func (r *fakeResolver) LookupNetIP(_ context.Context, network, host string) ([]netip.Addr, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.lookups == nil {
		r.lookups = map[string]int{}
	}
	r.lookups[host]++
	a, ok := r.hosts[host]
	if !ok || network != "ip4" {
		return nil, errors.New("no such host")
	}
	return []netip.Addr{netip.MustParseAddr(a)}, nil
}

func (r *fakeResolver) set(host, addr string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.hosts == nil {
		r.hosts = map[string]string{}
	}
	r.hosts[host] = addr
}

func (r *fakeResolver) count(host string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.lookups[host]
}

// trackClient starts a client engine on 127.0.0.1 with the fake tracks
// and resolver, polling the objects only when the test says so.
func trackClient(t *testing.T, ikePort, natPort uint16, tracks *fakeTracks, res Resolver) *Engine {
	t.Helper()
	e, err := New(Config{
		Dataplane: &fakeDP{}, Listen: []netip.Addr{netip.MustParseAddr("127.0.0.1")}, IKEPort: ikePort, NATPort: natPort,
		Logger: testLogger(t).With("engine", "client"), Backoff: testBackoff, Retransmit: testRetransmit,
		Reactivate: 300 * time.Millisecond, Tracks: tracks, TrackInterval: -1, Resolver: res,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	return e
}

// twoHubs starts hubs on 127.0.0.2 and 127.0.0.3.
func twoHubs(t *testing.T) (ikePort, natPort uint16, hub1, hub2 *Engine) {
	ikePort, natPort = freePorts(t)
	hub1, _ = startEngine(t, "127.0.0.2", ikePort, natPort)
	hub1.Apply(hubSpec("flex-key"))
	hub2, _ = startEngine(t, "127.0.0.3", ikePort, natPort)
	hub2.Apply(hubSpec("flex-key"))
	return ikePort, natPort, hub1, hub2
}

// withTracks adds line-protocol objects 1..n to s.
func withTracks(s *spec.Spec, n int) *spec.Spec {
	for i := 1; i <= n; i++ {
		s.Tracks = append(s.Tracks, spec.Track{Number: i, Kind: spec.TrackLineProtocol, Interface: "x"})
	}
	return s
}

// TestFlexVPNClientPeerTrack moves a client between peers as their
// tracked objects change (`peer 1 A track 1`, `peer 2 B track 2`): at
// once when the active peer's object goes down, back to the preferred
// peer with `peer reactivate` when its object returns.
func TestFlexVPNClientPeerTrack(t *testing.T) {
	ikePort, natPort, _, hub2 := twoHubs(t)
	tracks := &fakeTracks{}
	tracks.set(1, true)
	tracks.set(2, true)
	client := trackClient(t, ikePort, natPort, tracks, nil)
	s := withTracks(clientSpec("127.0.0.1", "127.0.0.2", "127.0.0.3"), 2)
	c := s.Tunnels[0].Client
	c.Peers[0].Track = spec.TrackRef{Object: 1}
	c.Peers[1].Track = spec.TrackRef{Object: 2}
	s.Tunnels[0].Source, s.Tunnels[0].SourceIface = netip.Addr{}, "lo" // `tunnel source lo`, no client sources
	client.Apply(s)
	first := waitSnap(t, client, "client on hub 1", readyWith("127.0.0.2")).IKESAs[0].ConnID

	// A change that leaves the active peer usable keeps the session.
	tracks.set(2, false)
	client.pollTracks()
	time.Sleep(200 * time.Millisecond)
	if snap := waitSnap(t, client, "client still on hub 1", readyWith("127.0.0.2")); snap.IKESAs[0].ConnID != first {
		t.Errorf("session replaced (conn %d, was %d) by a change of the backup peer's object", snap.IKESAs[0].ConnID, first)
	}
	tracks.set(2, true)
	client.pollTracks()

	tracks.set(1, false)
	client.pollTracks()
	waitSnap(t, client, "client on hub 2 after track 1 went down", readyWith("127.0.0.3"))

	tracks.set(1, true)
	client.pollTracks()
	waitSnap(t, client, "client back on hub 1", readyWith("127.0.0.2"))
	waitSnap(t, hub2, "hub 2 without the session", noSA)

	// No usable peer: the client disconnects.
	tracks.set(1, false)
	tracks.set(2, false)
	client.pollTracks()
	waitSnap(t, client, "client down without usable peers", noSA)
}

// TestFlexVPNClientConnectModes checks `connect track 3` (connected only
// while object 3 is up), `connect track 3 down`, and `connect manual`
// (connected by ConnectClient).
func TestFlexVPNClientConnectModes(t *testing.T) {
	ikePort, natPort, _, _ := twoHubs(t)
	tracks := &fakeTracks{}
	client := trackClient(t, ikePort, natPort, tracks, nil)
	s := withTracks(clientSpec("127.0.0.1", "127.0.0.2"), 3)
	s.Tunnels[0].Client.Connect = spec.ConnectTrack
	s.Tunnels[0].Client.ConnectTrack = spec.TrackRef{Object: 3}
	client.Apply(s)
	time.Sleep(300 * time.Millisecond)
	if n := len(client.Snapshot().IKESAs); n != 0 {
		t.Fatalf("connect track with the object down: %d IKE SAs", n)
	}
	tracks.set(3, true)
	client.pollTracks()
	waitSnap(t, client, "connected when track 3 is up", readyWith("127.0.0.2"))
	tracks.set(3, false)
	client.pollTracks()
	waitSnap(t, client, "disconnected when track 3 is down", noSA)

	// connect track 3 down: the reverse.
	s = withTracks(clientSpec("127.0.0.1", "127.0.0.2"), 3)
	s.Tunnels[0].Client.Connect = spec.ConnectTrack
	s.Tunnels[0].Client.ConnectTrack = spec.TrackRef{Object: 3, Down: true}
	client.Apply(s)
	waitSnap(t, client, "connect track 3 down connects while it is down", readyWith("127.0.0.2"))

	s = withTracks(clientSpec("127.0.0.1", "127.0.0.2"), 3)
	s.Tunnels[0].Client.Connect = spec.ConnectManual
	client.Apply(s)
	waitSnap(t, client, "connect manual: no SA before the EXEC connect", noSA)
	if err := client.ConnectClient("nope"); err == nil {
		t.Error("ConnectClient of an unknown client succeeded")
	}
	if err := client.ConnectClient("C"); err != nil {
		t.Fatal(err)
	}
	waitSnap(t, client, "connect manual after ConnectClient", readyWith("127.0.0.2"))
}

// TestFlexVPNClientSourceTrack checks that a client with `source 1 lo
// track 1` connects only while object 1 is up and initiates from lo.
func TestFlexVPNClientSourceTrack(t *testing.T) {
	ikePort, natPort, _, _ := twoHubs(t)
	tracks := &fakeTracks{}
	client := trackClient(t, ikePort, natPort, tracks, nil)
	s := withTracks(clientSpec("127.0.0.1", "127.0.0.2"), 1)
	s.Tunnels[0].Source = netip.Addr{}
	s.Tunnels[0].Client.Sources = []spec.ClientSource{{Interface: "lo", Track: 1}}
	client.Apply(s)
	time.Sleep(300 * time.Millisecond)
	if n := len(client.Snapshot().IKESAs); n != 0 {
		t.Fatalf("source down: %d IKE SAs", n)
	}
	tracks.set(1, true)
	client.pollTracks()
	snap := waitSnap(t, client, "connected from lo", readyWith("127.0.0.2"))
	if got := snap.IKESAs[0].Local.Addr(); got != netip.MustParseAddr("127.0.0.1") {
		t.Errorf("local address %v, want lo's 127.0.0.1", got)
	}
	tracks.set(1, false)
	client.pollTracks()
	waitSnap(t, client, "disconnected when the source's object is down", noSA)
}

// TestFlexVPNClientFQDN resolves `peer 1 fqdn hub1.test` through the
// resolver at each attempt: a failed lookup fails over to the next peer,
// and a name that resolves later is used.
func TestFlexVPNClientFQDN(t *testing.T) {
	ikePort, natPort, _, _ := twoHubs(t)
	res := &fakeResolver{}
	client := trackClient(t, ikePort, natPort, &fakeTracks{}, res)
	s := clientSpec("127.0.0.1", "127.0.0.2", "127.0.0.3")
	s.Tunnels[0].Client.Peers[0] = spec.ClientPeer{Host: "hub1.test"}
	client.Apply(s)
	waitSnap(t, client, "on hub 2 while hub1.test does not resolve", readyWith("127.0.0.3"))
	res.set("hub1.test", "127.0.0.2")
	waitSnap(t, client, "back on hub 1 once hub1.test resolves", readyWith("127.0.0.2"))
	if n := res.count("hub1.test"); n < 2 {
		t.Errorf("hub1.test looked up %d times, want one per attempt", n)
	}
}

// TestSVTIDestinationHost brings up a static VTI whose `tunnel
// destination` is a host name.
func TestSVTIDestinationHost(t *testing.T) {
	ikePort, natPort, _, _ := twoHubs(t)
	res := &fakeResolver{}
	res.set("hub.test", "127.0.0.3")
	client := trackClient(t, ikePort, natPort, &fakeTracks{}, res)
	s := clientSpec("127.0.0.1")
	s.Tunnels[0].Client = nil
	s.Tunnels[0].DestinationHost = "hub.test"
	client.Apply(s)
	waitSnap(t, client, "sVTI up to hub.test", func(s status.Snapshot) bool {
		return oneReady("Tunnel0")(s) && s.IKESAs[0].Remote.Addr().String() == "127.0.0.3"
	})
}
