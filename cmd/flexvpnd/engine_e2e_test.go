package main

import (
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/flexvpnd/flexvpnd/engine/status"
	"github.com/flexvpnd/flexvpnd/modes"
)

// siteConfig is a site-to-site static VTI in IOS text, smart defaults for
// the proposals, from local to remote.
func siteConfig(name, local, remote, tunnelAddr, psk string) string {
	return fmt.Sprintf(`hostname %[1]s
crypto ikev2 keyring KR
 peer PEER
  address %[3]s
  pre-shared-key %[5]s
crypto ikev2 profile PROF
 match identity remote address %[3]s 255.255.255.255
 authentication remote pre-share
 authentication local pre-share
 keyring local KR
crypto ipsec profile IPS
 set ikev2-profile PROF
interface Tunnel0
 ip address %[4]s 255.255.255.252
 tunnel source %[2]s
 tunnel mode ipsec ipv4
 tunnel destination %[3]s
 tunnel protection ipsec profile IPS
ip route 192.168.50.0 255.255.255.0 Tunnel0
end
`, name, local, remote, tunnelAddr, psk)
}

// flexHub is the IOS text of a FlexVPN hub: keyring peer ANY on
// keyAddr with psk, profile HUB matching the remote identity match and
// identifying itself by identity, AES-GCM-256 / PRF SHA256 / group 19,
// each session on its own Virtual-Access of Virtual-Template1 (unnumbered
// Loopback0 10.9.0.1); extra holds more global lines.
func flexHub(hostname, keyAddr, psk, match, identity, extra string) string {
	return `hostname ` + hostname + `
` + extra + `crypto ikev2 proposal PROP
 encryption aes-gcm-256
 prf sha256
 group 19
crypto ikev2 policy POL
 proposal PROP
crypto ikev2 keyring KR
 peer ANY
  address ` + keyAddr + `
  pre-shared-key ` + psk + `
crypto ikev2 profile HUB
 match identity remote ` + match + `
 identity local ` + identity + `
 authentication remote pre-share
 authentication local pre-share
 keyring local KR
 virtual-template 1
crypto ipsec transform-set TS esp-gcm 256
crypto ipsec profile IPS
 set transform-set TS
 set ikev2-profile HUB
interface Loopback0
 ip address 10.9.0.1 255.255.255.255
interface Virtual-Template1 type tunnel
 ip unnumbered Loopback0
 tunnel mode ipsec ipv4
 tunnel protection ipsec profile IPS
end
`
}

// hubConfig is a FlexVPN hub for spokes of the flex.lab domain, each on
// its own Virtual-Access.
var hubConfig = flexHub("HUB", "127.0.0.0 255.0.0.0", "Flex!Key", "fqdn domain flex.lab", "fqdn hub.flex.lab", "")

// spokeConfig is a spoke of hubConfig.
func spokeConfig(name, local string) string {
	return fmt.Sprintf(`hostname %[1]s
crypto ikev2 proposal PROP
 encryption aes-gcm-256
 prf sha256
 group 19
crypto ikev2 policy POL
 proposal PROP
crypto ikev2 keyring KR
 peer HUB
  address 127.0.0.1
  pre-shared-key Flex!Key
crypto ikev2 profile SPOKE
 match identity remote fqdn hub.flex.lab
 identity local fqdn %[1]s.flex.lab
 authentication remote pre-share
 authentication local pre-share
 keyring local KR
crypto ipsec transform-set TS esp-gcm 256
crypto ipsec profile IPS
 set transform-set TS
 set ikev2-profile SPOKE
interface Tunnel0
 ip unnumbered Loopback0
 tunnel source %[2]s
 tunnel mode ipsec ipv4
 tunnel destination 127.0.0.1
 tunnel protection ipsec profile IPS
interface Loopback0
 ip address 10.9.0.%[3]s 255.255.255.255
end
`, name, local, strings.TrimPrefix(local, "127.0.0."))
}

// testPorts returns an IKE and a NAT-T port free on loopback.
func testPorts(t *testing.T) (uint16, uint16) {
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

// appliance is a system with its engine, configured by IOS text only.
type testAppliance struct {
	sys *modes.System
	ae  *appEngine
}

// startAppliance starts a system and its engine on addr, as runAppliance
// does with --listen addr --ike-port ikePort --nat-port natPort
// --dataplane none, and pastes config into it.
func startAppliance(t *testing.T, addr string, ikePort, natPort uint16, config string) *testAppliance {
	t.Helper()
	sys := modes.NewSystem()
	log := slog.New(slog.NewTextHandler(testLogWriter{t, addr}, &slog.HandlerOptions{Level: slog.LevelInfo}))
	ae, err := startEngine(sys, engineOptions{Listen: []netip.Addr{netip.MustParseAddr(addr)}, IKEPort: ikePort, NATPort: natPort, Dataplane: "none"}, log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ae.stop)
	a := &testAppliance{sys: sys, ae: ae}
	a.paste(t, config)
	return a
}

// paste runs config at a console session in configuration mode, line by
// line as a paste arrives.
func (a *testAppliance) paste(t *testing.T, config string) {
	t.Helper()
	sess := modes.NewSession(a.sys, "console")
	sess.EnterConfig()
	for line := range strings.Lines(config) {
		if r := sess.Exec(strings.TrimSuffix(line, "\n")); r.Err != nil {
			t.Fatalf("%q: %v", line, r.Err)
		}
	}
}

type testLogWriter struct {
	t    *testing.T
	name string
}

func (w testLogWriter) Write(p []byte) (int, error) {
	w.t.Logf("%s: %s", w.name, p)
	return len(p), nil
}

// waitUp waits until the appliance shows one READY IKE SA on iface with a
// CHILD SA, and returns its snapshot.
func (a *testAppliance) waitUp(t *testing.T, what string, ok func(status.Snapshot) bool) status.Snapshot {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		s := a.ae.eng.Snapshot()
		if ok(s) {
			return s
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s: %+v", what, s)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// readyOn reports n READY IKE SAs, each with a CHILD SA, on interfaces
// named with the prefix.
func readyOn(n int, prefix string) func(status.Snapshot) bool {
	return func(s status.Snapshot) bool {
		count := 0
		for _, sa := range s.IKESAs {
			if sa.State == "READY" && strings.HasPrefix(sa.Interface, prefix) && len(sa.Children) == 1 {
				count++
			}
		}
		return count == n && len(s.IKESAs) == n
	}
}

// TestEngineSiteToSite configures two appliances by IOS text alone and
// checks that their static VTIs come up, that a paste causes a handful of
// applies, and that `no interface Tunnel0` takes the session down on both.
func TestEngineSiteToSite(t *testing.T) {
	ikePort, natPort := testPorts(t)
	a := startAppliance(t, "127.0.0.1", ikePort, natPort, siteConfig("LEFT", "127.0.0.1", "127.0.0.2", "172.31.0.1", "S2S-Secret!2024"))
	b := startAppliance(t, "127.0.0.2", ikePort, natPort, siteConfig("RIGHT", "127.0.0.2", "127.0.0.1", "172.31.0.2", "S2S-Secret!2024"))
	sa := a.waitUp(t, "LEFT Tunnel0 up", readyOn(1, "Tunnel0"))
	b.waitUp(t, "RIGHT Tunnel0 up", readyOn(1, "Tunnel0"))
	if n := a.ae.rec.applies.Load(); n < 1 || n > 5 {
		t.Errorf("a paste of %d lines was applied %d times, want a handful", strings.Count(siteConfig("", "", "", "", ""), "\n"), n)
	}
	got := sa.IKESAs[0]
	if got.Profile != "PROF" || got.Encr == "" || got.LocalID != "127.0.0.1" || got.RemoteID != "127.0.0.2" {
		t.Errorf("LEFT's IKE SA: %+v", got)
	}
	if len(sa.Tunnels) != 1 || !sa.Tunnels[0].ProtocolUp {
		t.Errorf("LEFT's tunnels: %+v", sa.Tunnels)
	}

	a.paste(t, "no interface Tunnel0\n")
	a.waitUp(t, "LEFT without SA", func(s status.Snapshot) bool { return len(s.IKESAs) == 0 })
	b.waitUp(t, "RIGHT's SA deleted", func(s status.Snapshot) bool {
		for _, sa := range s.IKESAs {
			if sa.State == "READY" {
				return false
			}
		}
		return true
	})
}

// TestEngineHub runs a hub with a virtual-template and two spokes with
// FQDN identities, all configured by IOS text: each spoke gets its own
// Virtual-Access on the hub.
func TestEngineHub(t *testing.T) {
	ikePort, natPort := testPorts(t)
	hub := startAppliance(t, "127.0.0.1", ikePort, natPort, hubConfig)
	startAppliance(t, "127.0.0.2", ikePort, natPort, spokeConfig("spoke1", "127.0.0.2")).waitUp(t, "spoke1 up", readyOn(1, "Tunnel0"))
	startAppliance(t, "127.0.0.3", ikePort, natPort, spokeConfig("spoke2", "127.0.0.3")).waitUp(t, "spoke2 up", readyOn(1, "Tunnel0"))
	s := hub.waitUp(t, "two sessions", readyOn(2, "Virtual-Access"))
	ids := map[string]string{}
	for _, sa := range s.IKESAs {
		ids[sa.Interface] = sa.RemoteID
		if sa.Profile != "HUB" || sa.LocalID != "hub.flex.lab" || sa.Encr != "AES-GCM" || sa.KeyBits != 256 || sa.DHGroup != 19 {
			t.Errorf("hub SA: %+v", sa)
		}
	}
	if ids["Virtual-Access1"] != "spoke1.flex.lab" || ids["Virtual-Access2"] != "spoke2.flex.lab" {
		t.Errorf("sessions by interface: %v", ids)
	}
	if len(s.Tunnels) != 2 || s.Tunnels[0].Template != "Virtual-Template1" || !s.Tunnels[1].ProtocolUp {
		t.Errorf("hub tunnels: %+v", s.Tunnels)
	}
}
