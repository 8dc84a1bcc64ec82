package main

import (
	"regexp"
	"strings"
	"testing"
	"time"
)

// Addresses of the two-link lab of TestNetnsTrackSource: link A
// (client wan0 .2, hub h0 .1) and link B (client wan1 .18, hub h1 .17)
// are /28s of the lab WAN, so the hub's keyring (198.18.30.0/24) knows
// the client on both; the hub answers IKE on its own address hubIKE.
const (
	trackClientA = labWAN + "2"
	trackClientB = labWAN + "18"
	trackHubA    = labWAN + "1"
	trackHubB    = labWAN + "17"
	trackHubIKE  = "198.18.31.1"
)

// trackClientConfig is a FlexVPN client whose tunnel source follows two
// tracked WAN links: `source 1 wan0 track 1`, `source 2 wan1 track 2`.
func trackClientConfig() string {
	cfg := spokeConfig("client", "127.0.0.5")
	cfg = strings.Replace(cfg, "  address 127.0.0.1\n", "  address "+trackHubIKE+"\n", 1)
	cfg = strings.Replace(cfg, " tunnel source 127.0.0.5\n", "", 1)
	cfg = strings.Replace(cfg, " tunnel destination 127.0.0.1\n", " tunnel destination dynamic\n", 1)
	return strings.TrimSuffix(cfg, "end\n") + `track 1 interface wan0 line-protocol
track 2 interface wan1 line-protocol
track 3 ip route ` + labWAN + `0 255.255.255.240 reachability
crypto ikev2 client flexvpn CLIENT
  peer 1 ` + trackHubIKE + `
  source 1 wan0 track 1
  source 2 wan1 track 2
  client connect Tunnel0
end
`
}

// TestNetnsTrackSource runs a FlexVPN client with two WAN links against a
// hub, two flexvpnd processes configured by IOS text: the client comes up
// over wan0; `ip link set wan0 down` takes track 1 down and the client
// re-establishes over wan1 at once (no DPD wait); wan0 up again brings it
// back to wan0. `show track` follows the links and wan0's connected
// route (track 3, read from the kernel's table).
func TestNetnsTrackSource(t *testing.T) {
	labNeeds(t)
	bin := buildBinary(t)
	lab := newNetnsLab(t)
	hub, client := lab.ns("hub", true), lab.ns("client", false)
	lab.veth(client, "wan0", trackClientA+"/28", hub, "h0", trackHubA+"/28")
	lab.veth(client, "wan1", trackClientB+"/28", hub, "h1", trackHubB+"/28")
	ipCmd(t, "-n", hub, "addr", "add", trackHubIKE+"/32", "dev", "lo")
	// The client routes by source address: each WAN address leaves by
	// its own link (table 101 for wan0, 102 for wan1).
	routeA := []string{"-n", client, "route", "replace", trackHubIKE + "/32", "via", trackHubA, "dev", "wan0", "table", "101"}
	ipCmd(t, routeA...)
	ipCmd(t, "-n", client, "route", "replace", trackHubIKE+"/32", "via", trackHubB, "dev", "wan1", "table", "102")
	ipCmd(t, "-n", client, "rule", "add", "from", trackClientA, "table", "101")
	ipCmd(t, "-n", client, "rule", "add", "from", trackClientB, "table", "102")

	flags := []string{"--dataplane", "userspace", "--log-level", "info"}
	ph := runInNetns(t, bin, hub, nsHubConfig(), append([]string{"--listen", trackHubIKE}, flags...)...)
	waitApplied(t, ph)
	pc := runInNetns(t, bin, client, trackClientConfig(), append([]string{"--listen", "0.0.0.0"}, flags...)...)
	// The CHILD SA (the ESP the data plane sends) follows the source.
	endpoints := func(local string) *regexp.Regexp {
		return regexp.MustCompile(`local crypto endpt\.: ` + regexp.QuoteMeta(local) + `, remote crypto endpt\.: ` + regexp.QuoteMeta(trackHubIKE))
	}
	row := func(local string) *regexp.Regexp {
		return regexp.MustCompile(`\d+ +` + regexp.QuoteMeta(local) + `/500 +` + regexp.QuoteMeta(trackHubIKE) + `/500 +none/none +READY`)
	}
	pc.cli(t, "show crypto ikev2 sa", row(trackClientA), 20*time.Second)
	pc.cli(t, "show crypto ipsec sa", endpoints(trackClientA), 10*time.Second)
	pc.cli(t, "show track 3", regexp.MustCompile(`IP route `+regexp.QuoteMeta(labWAN)+`0 255\.255\.255\.240 reachability\r?\n  Reachability is Up \(connected\)\r?\n.*\r?\n  First-hop interface is wan0`), 5*time.Second)
	pc.cli(t, "show track 1", regexp.MustCompile(`Track 1\r?\n  Interface wan0 line-protocol\r?\n  Line protocol is Up\r?\n    1 change, last change \d\d:\d\d:\d\d\r?\n  Tracked by:\r?\n    FlexVPN client CLIENT`), 5*time.Second)

	ipCmd(t, "-n", client, "link", "set", "wan0", "down")
	down := time.Now()
	pc.cli(t, "show crypto ikev2 sa", row(trackClientB), 20*time.Second)
	t.Logf("over wan1 %v after wan0 went down", time.Since(down).Round(100*time.Millisecond))
	pc.cli(t, "show crypto ipsec sa", endpoints(trackClientB), 10*time.Second)
	pc.cli(t, "show track 1", regexp.MustCompile(`Line protocol is Down \(hw admin-down\)\r?\n    2 changes`), 5*time.Second)
	pc.cli(t, "show track 3", regexp.MustCompile(`Reachability is Down \(no ip route\)`), 5*time.Second)

	// Taking the link down flushed its routes; bring both back.
	ipCmd(t, "-n", client, "link", "set", "wan0", "up")
	ipCmd(t, routeA...)
	up := time.Now()
	out := pc.cli(t, "show crypto ikev2 sa", row(trackClientA), 20*time.Second)
	t.Logf("back over wan0 %v after it came up", time.Since(up).Round(100*time.Millisecond))
	if row(trackClientB).MatchString(out) {
		t.Errorf("client still has its SA over wan1:\n%s", out)
	}
}
