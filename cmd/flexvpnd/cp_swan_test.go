package main

import (
	"os"
	"regexp"
	"testing"
	"time"

	"github.com/flexvpnd/flexvpnd/engine/swanlab"
)

// raHubConfig is a FlexVPN remote-access hub typed as on IOS: sessions of
// swan.flex.lab on Virtual-Access interfaces, authorized by the local
// policy RAPOL (`aaa authorization group psk list`): an address from the
// pool RA, two DNS servers and the hub's loopback pushed as a route.
const raHubConfig = `hostname HUB
aaa new-model
aaa authorization network FLEX local
ip local pool RA 10.77.0.10 10.77.0.19
crypto ikev2 authorization policy RAPOL
 pool RA
 dns 10.77.0.53 10.77.0.54
 route set interface
crypto ikev2 proposal PROP
 encryption aes-gcm-256
 prf sha256
 group 19
crypto ikev2 policy POL
 proposal PROP
crypto ikev2 keyring KR
 peer RA
  address 0.0.0.0 0.0.0.0
  pre-shared-key ` + swanPSK + `
crypto ikev2 profile RA
 match identity remote fqdn ` + swanFQDN + `
 identity local fqdn ` + flexFQDN + `
 authentication remote pre-share
 authentication local pre-share
 keyring local KR
 aaa authorization group psk list FLEX RAPOL
 virtual-template 1
crypto ipsec transform-set TS esp-gcm 256
crypto ipsec profile IPS
 set transform-set TS
 set ikev2-profile RA
interface Loopback0
 ip address 10.77.0.1 255.255.255.255
interface Virtual-Template1 type tunnel
 ip unnumbered Loopback0
 tunnel mode ipsec ipv4
 tunnel protection ipsec profile IPS
end
`

// TestNetnsRemoteAccessStrongSwan connects a strongSwan remote-access
// client (`vips = 0.0.0.0`) to a flexvpnd hub configured by IOS text: the
// client gets the first address of the pool and the DNS servers in the
// CFG_REPLY, the hub shows the lease in `show ip local pool`, and the
// lease is released when the client disconnects; meanwhile the client
// reaches the hub's loopback from its address.
func TestNetnsRemoteAccessStrongSwan(t *testing.T) {
	labNeeds(t)
	bin := buildBinary(t)
	lab := swanlab.New(t)
	charon := lab.StartCharon(lab.NSB, swanlab.CharonOptions{LogLevel: 1})
	conn := swanlab.Conn{
		Name: "ra", LocalAddrs: swanlab.AddrB, RemoteAddrs: swanlab.AddrA,
		Proposals: []string{"aes256gcm16-prfsha256-ecp256"}, LocalID: swanFQDN, RemoteID: flexFQDN, PSK: swanPSK,
		VIPs:     []string{"0.0.0.0"},
		Children: []swanlab.Child{{Name: "net", ESPProposals: []string{"aes256gcm16"}, RemoteTS: []string{"10.77.0.0/24"}}},
	}
	if err := charon.Load(conn); err != nil {
		t.Fatal(err)
	}
	p := runInNetns(t, bin, lab.NSA, raHubConfig, "--listen", swanlab.AddrA, "--dataplane", "userspace", "--log-level", "info")
	t.Cleanup(func() {
		if err := charon.Terminate("ra", 2*time.Second); err != nil {
			t.Logf("terminate: %v", err)
		}
	})
	if !waitFor(5*time.Second, func() bool { return charon.Initiate("ra", "net", 3*time.Second) == nil }) {
		t.Fatalf("strongSwan cannot connect to flexvpnd:\n%s", p.out.String())
	}
	if _, err := charon.WaitSAs(15*time.Second, "CHILD SA INSTALLED", func(sas []swanlab.IKESA) bool {
		sa, ok := swanlab.FindIKE(sas, "ra")
		c, cok := sa.Child("net")
		return ok && sa.State == "ESTABLISHED" && cok && c.State == "INSTALLED"
	}); err != nil {
		t.Fatalf("%v\n%s", err, p.out.String())
	}
	// swanctl --list-sas shows the virtual IP after the local endpoint:
	// "local  'swan.flex.lab' @ 198.18.0.2[4500] [10.77.0.10]".
	out, err := charon.Swanctl("--list-sas", "--ike", "ra")
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`local\s+'` + regexp.QuoteMeta(swanFQDN) + `' @ \S+ \[10\.77\.0\.10\]`).MatchString(out) {
		t.Errorf("strongSwan's SA shows no virtual IP 10.77.0.10:\n%s", out)
	}
	log, err := os.ReadFile(charon.LogPath())
	if err != nil {
		t.Fatal(err)
	}
	// The CFG_REPLY as strongSwan parsed it: the address, the two DNS
	// servers and the pushed route (the resolve plugin is not loaded, so
	// charon logs the DNS servers it cannot install).
	for _, want := range []string{`CPRP\(ADDR DNS DNS SUBNET\)`, `installing new virtual IP 10\.77\.0\.10`, `INTERNAL_IP4_DNS`} {
		if !regexp.MustCompile(want).Match(log) {
			t.Errorf("charon's log has no %s:\n%s", want, log)
		}
	}
	row := func(free, inUse string) *regexp.Regexp {
		return regexp.MustCompile(`(?m)^ RA\s+10\.77\.0\.10\s+10\.77\.0\.19\s+` + free + `\s+` + inUse + `\s*$`)
	}
	p.cli(t, "show ip local pool", row("9", "1"), 5*time.Second)
	// The client reaches the hub's network from its pool address: the
	// hub routes 10.77.0.10 to its Virtual-Access.
	if n := newPinger(t, lab.NSB, "10.77.0.10").replies("10.77.0.1", 3); n < 2 {
		t.Errorf("client 10.77.0.10 -> hub 10.77.0.1: %d of 3 echo replies", n)
	}

	if err := charon.Terminate("ra", 3*time.Second); err != nil {
		t.Fatalf("terminate: %v", err)
	}
	p.cli(t, "show ip local pool RA", row("10", "0"), 10*time.Second)
}
