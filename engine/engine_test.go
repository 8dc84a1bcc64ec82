package engine

import (
	"context"
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/flexvpnd/flexvpnd/engine/ikev2/ike"
	"github.com/flexvpnd/flexvpnd/engine/ikev2/node"
	"github.com/flexvpnd/flexvpnd/engine/ikev2/wire"
	"github.com/flexvpnd/flexvpnd/engine/status"
)

// sitePair starts two engines on 127.0.0.1 and 127.0.0.2 and applies a
// site-to-site sVTI to each.
func sitePair(t *testing.T, pskA, pskB string) (a, b *Engine, da, db *fakeDP) {
	t.Helper()
	ikePort, natPort := freePorts(t)
	a, da = startEngine(t, "127.0.0.1", ikePort, natPort)
	b, db = startEngine(t, "127.0.0.2", ikePort, natPort)
	a.Apply(siteSpec("127.0.0.1", "127.0.0.2", "10.0.0.1/30", pskA))
	b.Apply(siteSpec("127.0.0.2", "127.0.0.1", "10.0.0.2/30", pskB))
	return a, b, da, db
}

// TestSiteToSite brings up an sVTI between two engines from their specs
// alone, then changes the config: an unrelated keyring peer keeps the SA;
// removing the tunnel on one side deletes the SA on both.
func TestSiteToSite(t *testing.T) {
	a, b, da, db := sitePair(t, "secret", "secret")
	sa := waitSnap(t, a, "a: Tunnel0 up", oneReady("Tunnel0"))
	sb := waitSnap(t, b, "b: Tunnel0 up", oneReady("Tunnel0"))
	ia, ib := sa.IKESAs[0], sb.IKESAs[0]
	if ia.LocalSPI != ib.RemoteSPI || ia.RemoteSPI != ib.LocalSPI || ia.Initiator == ib.Initiator {
		t.Errorf("SAs do not pair: a %+v, b %+v", ia, ib)
	}
	want := status.IKESA{Encr: "AES-GCM", KeyBits: 256, PRF: "SHA256", Hash: "None", DHGroup: 19, AuthSign: "PSK", AuthVerify: "PSK", Profile: "SITE", Interface: "Tunnel0", LocalID: "127.0.0.1", RemoteID: "127.0.0.2"}
	got := status.IKESA{Encr: ia.Encr, KeyBits: ia.KeyBits, PRF: ia.PRF, Hash: ia.Hash, DHGroup: ia.DHGroup, AuthSign: ia.AuthSign, AuthVerify: ia.AuthVerify, Profile: ia.Profile, Interface: ia.Interface, LocalID: ia.LocalID, RemoteID: ia.RemoteID}
	if !equalIKESA(got, want) {
		t.Errorf("a's IKE SA: %+v, want %+v", got, want)
	}
	if c := ia.Children[0]; c.Transform != "esp-gcm 256" || c.Lifetime != time.Hour || len(c.LocalTS) != 1 || c.LocalTS[0] != netip.MustParsePrefix("0.0.0.0/0") {
		t.Errorf("a's CHILD SA: %+v", c)
	}
	if tun := sa.Tunnels; len(tun) != 1 || tun[0].Name != "Tunnel0" || !tun[0].ProtocolUp || !tun[0].AdminUp {
		t.Errorf("a's tunnels: %+v", tun)
	}
	dt, ok := da.tunnel(1)
	if !ok || dt.Name != "Tunnel0" || len(dt.Routes) != 1 || dt.Remote != netip.MustParseAddr("127.0.0.2") {
		t.Errorf("a's data-plane Tunnel0: %+v (%v)", dt, ok)
	}
	if ins := da.Installed(); len(ins) != 1 || ins[0].TunnelID != 1 {
		t.Errorf("a's CHILD SAs: %+v, want one of tunnel 1", ins)
	}

	t.Run("unrelated keyring peer", func(t *testing.T) {
		before := len(da.Deleted()) // a duplicate SA from simultaneous initiation may have gone
		a.Apply(siteSpec("127.0.0.1", "127.0.0.2", "10.0.0.1/30", "secret", "192.0.2.0/24"))
		time.Sleep(300 * time.Millisecond)
		s := waitSnap(t, a, "a: Tunnel0 still up", oneReady("Tunnel0"))
		if s.IKESAs[0].ConnID != ia.ConnID || s.IKESAs[0].LocalSPI != ia.LocalSPI {
			t.Errorf("SA replaced: %+v, was %+v", s.IKESAs[0], ia)
		}
		if d := da.Deleted(); len(d) != before {
			t.Errorf("CHILD SAs deleted: %v", d[before:])
		}
	})

	t.Run("changed keyring entry of the peer", func(t *testing.T) {
		// IOS keeps the SA until rekey or clear.
		a.Apply(siteSpec("127.0.0.1", "127.0.0.2", "10.0.0.1/30", "changed", "192.0.2.0/24"))
		time.Sleep(300 * time.Millisecond)
		s := waitSnap(t, a, "a: Tunnel0 still up", oneReady("Tunnel0"))
		if s.IKESAs[0].ConnID != ia.ConnID {
			t.Errorf("SA replaced: %+v, was %+v", s.IKESAs[0], ia)
		}
	})

	t.Run("tunnel removed", func(t *testing.T) {
		sp := siteSpec("127.0.0.1", "127.0.0.2", "10.0.0.1/30", "secret")
		sp.Tunnels = nil
		a.Apply(sp)
		waitSnap(t, a, "a: no SA", noSA)
		waitSnap(t, b, "b: SA gone", func(s status.Snapshot) bool {
			return !slices.ContainsFunc(s.IKESAs, func(sa status.IKESA) bool { return sa.State == "READY" })
		})
		if _, ok := da.tunnel(1); ok {
			t.Error("a's Tunnel0 still in the data plane")
		}
		if n := len(da.Installed()) + len(db.Installed()); n != 0 {
			t.Errorf("%d CHILD SAs left in the data planes", n)
		}
		if s := a.Snapshot(); len(s.Tunnels) != 0 {
			t.Errorf("a's tunnels: %+v", s.Tunnels)
		}
	})
}

func equalIKESA(a, b status.IKESA) bool {
	return a.Encr == b.Encr && a.KeyBits == b.KeyBits && a.PRF == b.PRF && a.Hash == b.Hash && a.DHGroup == b.DHGroup &&
		a.AuthSign == b.AuthSign && a.AuthVerify == b.AuthVerify && a.Profile == b.Profile && a.Interface == b.Interface &&
		a.LocalID == b.LocalID && a.RemoteID == b.RemoteID
}

// TestDestinationChange moves a tunnel's destination: the old SA goes.
func TestDestinationChange(t *testing.T) {
	a, _, _, _ := sitePair(t, "secret", "secret")
	old := waitSnap(t, a, "a: Tunnel0 up", oneReady("Tunnel0")).IKESAs[0]
	a.Apply(siteSpec("127.0.0.1", "127.0.0.9", "10.0.0.1/30", "secret"))
	waitSnap(t, a, "old SA gone, new one negotiating", func(s status.Snapshot) bool {
		return !slices.ContainsFunc(s.IKESAs, func(sa status.IKESA) bool { return sa.ConnID == old.ConnID }) &&
			slices.ContainsFunc(s.IKESAs, func(sa status.IKESA) bool { return sa.Remote.Addr() == netip.MustParseAddr("127.0.0.9") })
	})
}

// TestWrongPSK checks that a tunnel whose key the peer rejects initiates
// again with backoff, and comes up at once when the key is fixed.
func TestWrongPSK(t *testing.T) {
	a, b, _, _ := sitePair(t, "secret", "other")
	deadline := time.Now().Add(5 * time.Second)
	for {
		a.mu.Lock()
		f := a.svti["Tunnel0"].failures
		a.mu.Unlock()
		if f >= 3 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d failures after 5 s, want 3 re-initiations", f)
		}
		time.Sleep(20 * time.Millisecond)
	}
	st, err := a.node.Status()
	if err != nil {
		t.Fatal(err)
	}
	failed := 0
	for _, s := range st {
		if s.Initiator && s.State == ike.StateFailed {
			failed++
		}
	}
	if failed < 3 {
		t.Errorf("%d failed initiations in a's status, want at least 3", failed)
	}
	b.Apply(siteSpec("127.0.0.2", "127.0.0.1", "10.0.0.2/30", "secret"))
	waitSnap(t, a, "a: Tunnel0 up once the key is fixed", oneReady("Tunnel0"))
	waitSnap(t, b, "b: Tunnel0 up once the key is fixed", oneReady("Tunnel0"))
}

// TestVirtualTemplate runs a hub with a virtual-template profile and two
// spokes: each session gets its Virtual-Access, freed when it ends and
// allocated again from the lowest number.
func TestVirtualTemplate(t *testing.T) {
	ikePort, natPort := freePorts(t)
	hub, dh := startEngine(t, "127.0.0.1", ikePort, natPort)
	hub.Apply(hubSpec("hubkey"))
	s1, _ := startEngine(t, "127.0.0.2", ikePort, natPort)
	s2, _ := startEngine(t, "127.0.0.3", ikePort, natPort)
	s1.Apply(siteSpec("127.0.0.2", "127.0.0.1", "10.9.0.2/24", "hubkey"))
	waitSnap(t, s1, "spoke 1 up", oneReady("Tunnel0"))
	s2.Apply(siteSpec("127.0.0.3", "127.0.0.1", "10.9.0.3/24", "hubkey"))
	waitSnap(t, s2, "spoke 2 up", oneReady("Tunnel0"))
	snap := waitSnap(t, hub, "two sessions", func(s status.Snapshot) bool { return len(s.IKESAs) == 2 && len(s.Tunnels) == 2 })
	byRemote := map[string]string{}
	for _, sa := range snap.IKESAs {
		byRemote[sa.Remote.Addr().String()] = sa.Interface
	}
	if byRemote["127.0.0.2"] != "Virtual-Access1" || byRemote["127.0.0.3"] != "Virtual-Access2" {
		t.Errorf("sessions: %v", byRemote)
	}
	for i, tun := range snap.Tunnels {
		if tun.Template != "Virtual-Template1" || !tun.ProtocolUp || tun.Name != []string{"Virtual-Access1", "Virtual-Access2"}[i] {
			t.Errorf("hub tunnel %d: %+v", i, tun)
		}
	}
	if d, ok := dh.tunnel(VirtualAccessBase + 1); !ok || d.Name != "Virtual-Access1" || d.Remote != netip.MustParseAddr("127.0.0.2") {
		t.Errorf("data-plane Virtual-Access1: %+v (%v)", d, ok)
	}

	// Spoke 1 goes: its Virtual-Access is deleted and freed.
	sp := siteSpec("127.0.0.2", "127.0.0.1", "10.9.0.2/24", "hubkey")
	sp.Tunnels = nil
	s1.Apply(sp)
	waitSnap(t, hub, "one session left", func(s status.Snapshot) bool {
		return len(s.IKESAs) == 1 && len(s.Tunnels) == 1 && s.Tunnels[0].Name == "Virtual-Access2"
	})
	if _, ok := dh.tunnel(VirtualAccessBase + 1); ok {
		t.Error("Virtual-Access1 still in the data plane")
	}
	// It comes back: Virtual-Access1 is reused.
	s1.Apply(siteSpec("127.0.0.2", "127.0.0.1", "10.9.0.2/24", "hubkey"))
	waitSnap(t, hub, "Virtual-Access1 again", func(s status.Snapshot) bool {
		return len(s.Tunnels) == 2 && s.Tunnels[0].Name == "Virtual-Access1" && s.Tunnels[0].ProtocolUp
	})

	// Clearing a session on the hub ends it; the spoke comes back.
	if n := hub.ClearIKESAs(netip.MustParseAddr("127.0.0.3")); n != 1 {
		t.Errorf("ClearIKESAs cleared %d SAs, want 1", n)
	}
	waitSnap(t, s2, "spoke 2 back up", oneReady("Tunnel0"))

	// A template change reaches the Virtual-Access interfaces of the
	// sessions, which stay up.
	hs := hubSpec("hubkey")
	hs.Templates[0].MTU = 1400
	hub.Apply(hs)
	if d, _ := dh.tunnel(VirtualAccessBase + 1); d.MTU != 1400 {
		t.Errorf("Virtual-Access1 after the template's MTU changed: %+v", d)
	}
	waitSnap(t, hub, "sessions kept", func(s status.Snapshot) bool { return len(s.IKESAs) == 2 && len(s.Tunnels) == 2 })

	// Removing the profile's virtual-template tears every session down.
	hs = hubSpec("hubkey")
	hs.Profiles[0].VirtualTemplate = 0
	hub.Apply(hs)
	waitSnap(t, hub, "no session", func(s status.Snapshot) bool {
		return !slices.ContainsFunc(s.IKESAs, func(sa status.IKESA) bool { return sa.State == "READY" }) && len(s.Tunnels) == 0
	})
}

// TestBackoff checks the re-initiation schedule.
func TestBackoff(t *testing.T) {
	b := Backoff{Min: time.Second, Max: 10 * time.Second}
	for _, tc := range []struct {
		failures int
		want     time.Duration
	}{{0, time.Second}, {1, time.Second}, {2, 2 * time.Second}, {4, 8 * time.Second}, {5, 10 * time.Second}, {60, 10 * time.Second}} {
		if got := b.delay(tc.failures); got != tc.want {
			t.Errorf("delay(%d) = %v, want %v", tc.failures, got, tc.want)
		}
	}
	b.Jitter = 0.2
	for range 100 {
		if d := b.delay(3); d < 3200*time.Millisecond || d > 4800*time.Millisecond {
			t.Fatalf("jittered delay(3) = %v, outside 4 s ± 20 %%", d)
		}
	}
}

// TestInitialContact restarts a spoke without a word to the hub (a crash):
// its new session carries INITIAL_CONTACT, and the hub drops the stale one
// with its Virtual-Access (RFC 7296 section 2.4).
func TestInitialContact(t *testing.T) {
	ikePort, natPort := freePorts(t)
	hub, dh := startEngine(t, "127.0.0.1", ikePort, natPort)
	hub.Apply(hubSpec("hubkey"))
	spokeSpec := siteSpec("127.0.0.2", "127.0.0.1", "10.9.0.2/24", "hubkey")
	for boot := range 2 {
		dp := &fakeDP{}
		n, err := node.Start(context.Background(), node.Config{
			Addrs: []netip.Addr{netip.MustParseAddr("127.0.0.2")}, IKEPort: ikePort, NATPort: natPort, Dataplane: dp,
		})
		if err != nil {
			t.Fatal(err)
		}
		e := &Engine{cfg: Config{Retransmit: testRetransmit}, peer: ikePort}
		cfg, err := e.initiatorConfig(spokeSpec, &spokeSpec.Tunnels[0])
		if err != nil {
			t.Fatal(err)
		}
		if _, err := n.InitiateSA("Tunnel0", *cfg); err != nil {
			t.Fatal(err)
		}
		want := "Virtual-Access" + []string{"1", "2"}[boot]
		waitSnap(t, hub, "one session on "+want, func(s status.Snapshot) bool {
			return len(s.IKESAs) == 1 && s.IKESAs[0].State == "READY" && len(s.Tunnels) == 1 && s.Tunnels[0].Name == want
		})
		n.Close() // no Delete: the hub keeps the session until the spoke comes back
	}
	if _, ok := dh.tunnel(VirtualAccessBase + 1); ok {
		t.Error("the stale Virtual-Access1 is still in the data plane")
	}
}

// TestChildRekeyPFS runs a tunnel whose IPsec profile has `set pfs group19`
// and a short lifetime: the CHILD SA is rekeyed with a key exchange and
// the tunnel stays up on the same IKE SA.
func TestChildRekeyPFS(t *testing.T) {
	ikePort, natPort := freePorts(t)
	a, _ := startEngine(t, "127.0.0.1", ikePort, natPort)
	b, _ := startEngine(t, "127.0.0.2", ikePort, natPort)
	for _, side := range []struct {
		e                   *Engine
		local, remote, addr string
	}{{a, "127.0.0.1", "127.0.0.2", "10.0.0.1/30"}, {b, "127.0.0.2", "127.0.0.1", "10.0.0.2/30"}} {
		s := siteSpec(side.local, side.remote, side.addr, "secret")
		s.Tunnels[0].Protection.PFS = wire.DHECP256
		s.Tunnels[0].Protection.Lifetime = 2 * time.Second
		side.e.Apply(s)
	}
	first := waitSnap(t, a, "a: Tunnel0 up", oneReady("Tunnel0")).IKESAs[0]
	waitSnap(t, a, "a: CHILD SA rekeyed", func(s status.Snapshot) bool {
		return oneReady("Tunnel0")(s) && s.IKESAs[0].ConnID == first.ConnID && s.IKESAs[0].Children[0].InSPI != first.Children[0].InSPI
	})
	st, err := a.node.Status()
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range st {
		if s.State == ike.StateEstablished && len(s.Children) != 1 {
			t.Errorf("after the rekey: %d CHILD SAs, want 1", len(s.Children))
		}
	}
}
