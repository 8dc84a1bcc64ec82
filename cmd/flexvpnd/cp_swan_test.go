package main

import (
	"os"
	"regexp"
	"strings"
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

// raClient is a strongSwan remote-access client connected to a flexvpnd
// hub in the lab's namespaces.
type raClient struct {
	lab    *swanlab.Lab
	charon *swanlab.Charon
	hub    nsProcess
}

// connectRA starts a flexvpnd hub from config in namespace A and a charon
// client in B requesting the virtual IPs vips, and waits for its CHILD SA.
func connectRA(t *testing.T, config string, vips ...string) raClient {
	t.Helper()
	labNeeds(t)
	bin := buildBinary(t)
	lab := swanlab.New(t)
	charon := lab.StartCharon(lab.NSB, swanlab.CharonOptions{LogLevel: 1})
	conn := swanlab.Conn{
		Name: "ra", LocalAddrs: swanlab.AddrB, RemoteAddrs: swanlab.AddrA,
		Proposals: []string{"aes256gcm16-prfsha256-ecp256"}, LocalID: swanFQDN, RemoteID: flexFQDN, PSK: swanPSK,
		VIPs:     vips,
		Children: []swanlab.Child{{Name: "net", ESPProposals: []string{"aes256gcm16"}, RemoteTS: []string{"10.77.0.0/24"}}},
	}
	if err := charon.Load(conn); err != nil {
		t.Fatal(err)
	}
	p := runInNetns(t, bin, lab.NSA, config, "--listen", swanlab.AddrA, "--dataplane", "userspace", "--log-level", "info")
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
	return raClient{lab: lab, charon: charon, hub: p}
}

// checkVIPs checks that `swanctl --list-sas` shows the virtual IPs after
// the local endpoint: "local  'swan.flex.lab' @ 198.18.0.2[4500]
// [10.77.0.10 2001:db8:77::1]".
func (c raClient) checkVIPs(t *testing.T, vips string) {
	t.Helper()
	out, err := c.charon.Swanctl("--list-sas", "--ike", "ra")
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`local\s+'` + regexp.QuoteMeta(swanFQDN) + `' @ \S+ \[` + regexp.QuoteMeta(vips) + `\]`).MatchString(out) {
		t.Errorf("strongSwan's SA shows no virtual IPs %s:\n%s", vips, out)
	}
}

// checkLog checks charon's log for each pattern.
func (c raClient) checkLog(t *testing.T, patterns ...string) {
	t.Helper()
	log, err := os.ReadFile(c.charon.LogPath())
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range patterns {
		if !regexp.MustCompile(want).Match(log) {
			t.Errorf("charon's log has no %s:\n%s", want, log)
		}
	}
}

// poolRow matches the row of the pool RA in `show ip local pool`.
func poolRow(free, inUse string) *regexp.Regexp {
	return regexp.MustCompile(`(?m)^ RA\s+10\.77\.0\.10\s+10\.77\.0\.19\s+` + free + `\s+` + inUse + `\s*$`)
}

// TestNetnsRemoteAccessStrongSwan connects a strongSwan remote-access
// client (`vips = 0.0.0.0`) to a flexvpnd hub configured by IOS text: the
// client gets the first address of the pool and the DNS servers in the
// CFG_REPLY, the hub shows the lease in `show ip local pool`, and the
// lease is released when the client disconnects; meanwhile the client
// reaches the hub's loopback from its address.
func TestNetnsRemoteAccessStrongSwan(t *testing.T) {
	c := connectRA(t, raHubConfig, "0.0.0.0")
	c.checkVIPs(t, "10.77.0.10")
	// The CFG_REPLY as strongSwan parsed it: the address, the two DNS
	// servers and the pushed route (the resolve plugin is not loaded, so
	// charon logs the DNS servers it cannot install).
	c.checkLog(t, `CPRP\(ADDR DNS DNS SUBNET\)`, `installing new virtual IP 10\.77\.0\.10`, `INTERNAL_IP4_DNS`)
	c.hub.cli(t, "show ip local pool", poolRow("9", "1"), 5*time.Second)
	// The client reaches the hub's network from its pool address: the
	// hub routes 10.77.0.10 to its Virtual-Access.
	if n := newPinger(t, c.lab.NSB, "10.77.0.10").replies("10.77.0.1", 3); n < 2 {
		t.Errorf("client 10.77.0.10 -> hub 10.77.0.1: %d of 3 echo replies", n)
	}

	if err := c.charon.Terminate("ra", 3*time.Second); err != nil {
		t.Fatalf("terminate: %v", err)
	}
	c.hub.cli(t, "show ip local pool RA", poolRow("10", "0"), 10*time.Second)
}

// raHub6Config is raHubConfig whose policy is chosen by a name mangler
// (`fqdn hostname`: the client swan.flex.lab gets the policy swan) and
// adds an IPv6 pool and IPv6 DNS server; a policy RAPOL remains that the
// client must not get.
var raHub6Config = strings.NewReplacer(
	"ip local pool RA 10.77.0.10 10.77.0.19\n",
	"ip local pool RA 10.77.0.10 10.77.0.19\nipv6 local pool RA6 2001:DB8:77::/48 64\n"+
		"crypto ikev2 name-mangler HOST\n fqdn hostname\n"+
		"crypto ikev2 authorization policy swan\n pool RA\n ipv6 pool RA6\n dns 10.77.0.53\n ipv6 dns 2001:DB8:77::53 2001:DB8:77::54\n route set interface\n",
	" aaa authorization group psk list FLEX RAPOL\n",
	" aaa authorization group psk list FLEX name-mangler HOST\n",
).Replace(raHubConfig)

// TestNetnsRemoteAccessStrongSwanIPv6 connects a strongSwan client asking
// for an IPv4 and an IPv6 virtual IP (`vips = 0.0.0.0,::`) to a hub whose
// authorization policy is named by the client's mangled identity: it gets
// 10.77.0.10 and 2001:db8:77::1 (the first /64 of the IPv6 pool), one
// IPv4 and two IPv6 DNS servers; `show ipv6 local pool` counts the lease,
// released when the client disconnects.
func TestNetnsRemoteAccessStrongSwanIPv6(t *testing.T) {
	c := connectRA(t, raHub6Config, "0.0.0.0", "::")
	c.checkVIPs(t, "10.77.0.10 2001:db8:77::1")
	c.checkLog(t, `CPRP\(ADDR DNS ADDR6 DNS6 DNS6 SUBNET\)`, `installing new virtual IP 2001:db8:77::1`, `INTERNAL_IP6_DNS`)
	v6row := func(free, inUse string) *regexp.Regexp {
		return regexp.MustCompile(`(?m)^RA6\s+2001:DB8:77::/48\s+` + free + `\s+` + inUse + `\s*$`)
	}
	c.hub.cli(t, "show ipv6 local pool", v6row("65535", "1"), 5*time.Second)
	c.hub.cli(t, "show ipv6 local pool RA6", regexp.MustCompile(`(?m)^swan\.flex\.lab\s+2001:DB8:77::/64\s*$`), 5*time.Second)
	if err := c.charon.Terminate("ra", 3*time.Second); err != nil {
		t.Fatalf("terminate: %v", err)
	}
	c.hub.cli(t, "show ipv6 local pool", v6row("65536", "0"), 10*time.Second)
}
