package engine

import (
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/flexvpnd/flexvpnd/engine/dataplane"
	"github.com/flexvpnd/flexvpnd/engine/dataplane/recording"
	"github.com/flexvpnd/flexvpnd/engine/ikev2/ike"
	"github.com/flexvpnd/flexvpnd/engine/ikev2/wire"
	"github.com/flexvpnd/flexvpnd/engine/spec"
	"github.com/flexvpnd/flexvpnd/engine/status"
)

// fakeDP is the recording data plane with tunnel interfaces.
type fakeDP struct {
	recording.Dataplane
	mu      sync.Mutex
	tunnels map[uint32]dataplane.Tunnel
	deleted []uint32
}

func (d *fakeDP) EnsureTunnel(t dataplane.Tunnel) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.tunnels == nil {
		d.tunnels = map[uint32]dataplane.Tunnel{}
	}
	d.tunnels[t.ID] = t
	return nil
}

func (d *fakeDP) DeleteTunnel(id uint32) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if _, ok := d.tunnels[id]; ok {
		d.deleted = append(d.deleted, id)
	}
	delete(d.tunnels, id)
	return nil
}

// tunnel returns the ensured tunnel with the given ID.
func (d *fakeDP) tunnel(id uint32) (dataplane.Tunnel, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	t, ok := d.tunnels[id]
	return t, ok
}

// freePorts returns an IKE and a NAT-T port free on 127.0.0.1 (and, most
// likely, on the other loopback addresses).
func freePorts(t *testing.T) (uint16, uint16) {
	t.Helper()
	var ports [2]uint16
	for i := range ports {
		c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		ports[i] = uint16(c.LocalAddr().(*net.UDPAddr).Port)
	}
	return ports[0], ports[1]
}

// testLogger logs into the test output.
func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Helper()
	w.t.Logf("%s", p)
	return len(p), nil
}

// testBackoff and testRetransmit keep failures short.
var (
	testBackoff    = Backoff{Min: 100 * time.Millisecond, Max: 400 * time.Millisecond, Jitter: 0.2}
	testRetransmit = ike.Retransmit{Timeout: 300 * time.Millisecond, Base: 1.5, Tries: 2}
)

// startEngine starts an engine on addr with the given ports, closed by
// t.Cleanup.
func startEngine(t *testing.T, addr string, ikePort, natPort uint16) (*Engine, *fakeDP) {
	t.Helper()
	dp := &fakeDP{}
	e, err := New(Config{
		Dataplane: dp, Listen: []netip.Addr{netip.MustParseAddr(addr)}, IKEPort: ikePort, NATPort: natPort,
		Logger: testLogger(t).With("engine", addr), Backoff: testBackoff, Retransmit: testRetransmit,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := e.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return e, dp
}

// waitSnap polls e.Snapshot until ok accepts it or 5 seconds pass.
func waitSnap(t *testing.T, e *Engine, what string, ok func(status.Snapshot) bool) status.Snapshot {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		s := e.Snapshot()
		if ok(s) {
			return s
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s; snapshot: %+v", what, s)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// oneReady reports one IKE SA, READY on interface iface with a CHILD SA,
// and nothing else.
func oneReady(iface string) func(status.Snapshot) bool {
	return func(s status.Snapshot) bool {
		return len(s.IKESAs) == 1 && s.IKESAs[0].State == "READY" && s.IKESAs[0].Interface == iface && len(s.IKESAs[0].Children) == 1
	}
}

// noSA reports no IKE SA at all.
func noSA(s status.Snapshot) bool { return len(s.IKESAs) == 0 }

// gcm256 is the IKE proposal of the test specs: AES-GCM-256, PRF
// HMAC-SHA-256, group 19.
var gcm256 = spec.IKEProposal{
	Name: "default", Encr: []spec.Cipher{{ID: wire.EncrAESGCM16, KeyBits: 256}},
	PRF: []wire.PRFID{wire.PRFHMACSHA2256}, Groups: []wire.DHGroup{wire.DHECP256},
}

// keyring returns a keyring with one peer per prefix, all with psk.
func keyring(psk string, prefixes ...string) *spec.Keyring {
	k := &spec.Keyring{Name: "KR"}
	for _, p := range prefixes {
		k.Peers = append(k.Peers, spec.KeyringPeer{Name: p, Prefix: netip.MustParsePrefix(p), LocalKey: []byte(psk), RemoteKey: []byte(psk)})
	}
	return k
}

// profile returns an IKEv2 profile accepting the peers of prefix with the
// keyring kr.
func profile(name, prefix string, kr *spec.Keyring) *spec.Profile {
	return &spec.Profile{
		Name:            name,
		MatchIdentities: []spec.IdentityMatch{{Kind: spec.IDAddress, Prefix: netip.MustParsePrefix(prefix)}},
		AuthLocal:       spec.AuthMethod{Method: spec.MethodPreShare},
		AuthRemote:      []spec.AuthMethod{{Method: spec.MethodPreShare}},
		Keyring:         kr,
		Lifetime:        24 * time.Hour,
	}
}

// ipsecProfile returns an IPsec profile with AES-GCM-256 under prof.
func ipsecProfile(prof *spec.Profile) *spec.IPsecProfile {
	return &spec.IPsecProfile{
		Name:      "default",
		Proposals: []spec.ESPProposal{{Name: "default", Encr: spec.Cipher{ID: wire.EncrAESGCM16, KeyBits: 256}}},
		Lifetime:  time.Hour, ReplayWindow: 64, IKEv2: prof,
	}
}

// siteSpec is a site-to-site sVTI from local to remote: Tunnel0 with
// addr, keyring peer remote/32 with psk, plus the extra keyring prefixes.
func siteSpec(local, remote, addr, psk string, extra ...string) *spec.Spec {
	kr := keyring(psk, append([]string{remote + "/32"}, extra...)...)
	prof := profile("SITE", remote+"/32", kr)
	return &spec.Spec{
		Policies: []spec.Policy{{Name: "default", Proposals: []spec.IKEProposal{gcm256}}},
		Profiles: []*spec.Profile{prof},
		Tunnels: []spec.Tunnel{{
			Interface: spec.Interface{
				Name: "Tunnel0", Number: 0, Addrs: []netip.Prefix{netip.MustParsePrefix(addr)},
				Source: netip.MustParseAddr(local), Mode: spec.ModeIPsecIPv4, Protection: ipsecProfile(prof),
			},
			Destination: netip.MustParseAddr(remote),
		}},
		Routes: []spec.Route{{Prefix: netip.MustParsePrefix("192.168.99.0/24"), Interface: "Tunnel0", Distance: 1, Tunnel: true}},
	}
}

// hubSpec is a hub accepting any 127.0.0.0/8 peer with psk into
// Virtual-Template1.
func hubSpec(psk string) *spec.Spec {
	prof := profile("HUB", "127.0.0.0/8", keyring(psk, "127.0.0.0/8"))
	prof.VirtualTemplate = 1
	return &spec.Spec{
		Policies: []spec.Policy{{Name: "default", Proposals: []spec.IKEProposal{gcm256}}},
		Profiles: []*spec.Profile{prof},
		Templates: []spec.Template{{
			Interface: spec.Interface{
				Name: "Virtual-Template1", Number: 1, Addrs: []netip.Prefix{netip.MustParsePrefix("10.9.0.1/24")},
				Unnumbered: "Loopback0", Mode: spec.ModeIPsecIPv4, Protection: ipsecProfile(prof),
			},
			Profiles: []string{"HUB"},
		}},
	}
}
