package main

import (
	"fmt"
	"io"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"
)

// rxAuthz is the authorization of the route exchange lab: `aaa
// authorization group psk list FLEX RX` in the profile, whose policy
// pushes `route set access-list LANS` (and the hub its tunnel address,
// `route set interface`) and accepts the peer's routes (`route accept
// any`, on by default).
func rxAuthz(cfg, profileLine, lans string, setInterface bool) string {
	policy := "aaa new-model\naaa authorization network FLEX local\n" +
		"ip access-list standard LANS\n permit " + lans + "\n" +
		"crypto ikev2 authorization policy RX\n route set access-list LANS\n"
	if setInterface {
		policy += " route set interface\n"
	}
	cfg = strings.Replace(cfg, profileLine, profileLine+" aaa authorization group psk list FLEX RX\n", 1)
	first := strings.Index(cfg, "\n") + 1 // after hostname
	return cfg[:first] + policy + cfg[first:]
}

// routesOf returns `ip route show ARGS` in namespace ns.
func routesOf(ns string, args ...string) string {
	out, _ := exec.Command("ip", append([]string{"-n", ns, "route", "show"}, args...)...).CombinedOutput()
	return string(out)
}

// viaVA matches a route through a Virtual-Access interface.
var viaVA = regexp.MustCompile(`dev Virtual-Access(\d+) .*metric 2`)

// TestNetnsRouteExchange runs the FlexVPN hub and two spokes of
// TestNetnsHubSpokes with the route exchange instead of static routes:
// each spoke pushes its LAN, the hub all the lab's LANs (a summary) and
// its tunnel address. The hub routes each spoke's LAN through the spoke's
// Virtual-Access, each spoke the summary through Tunnel0, so that
// spoke-to-spoke traffic flows through the hub; the routes of a spoke go
// when its session does.
func TestNetnsRouteExchange(t *testing.T) {
	labNeeds(t)
	bin := buildBinary(t)
	sites := newNetnsLab(t).wanSites("hub", "s1", "s2")
	hub := sites[0]
	hubCfg := rxAuthz(nsHubConfig(), " virtual-template 1\n", labLANs+"0.0 0.0.255.255", true)
	ph := runInNetns(t, bin, hub.router, hubCfg, "--listen", hub.routerWAN, "--dataplane", "userspace", "--log-level", "info")
	waitApplied(t, ph)
	spokes := make([]nsProcess, 2)
	for i, s := range sites[1:] {
		cfg := nsSpokeConfig(fmt.Sprintf("spoke%d", i+1), s, hub)
		cfg = strings.Replace(cfg, tunnelRoute(hub.lanNet()), "", 1) // the hub pushes it
		cfg = rxAuthz(cfg, " keyring local KR\n", s.lanNet()+" 0.0.0.255", false)
		spokes[i] = runInNetns(t, bin, s.router, cfg, "--listen", s.routerWAN, "--dataplane", "userspace", "--log-level", "info")
	}
	vas := make([]string, 2) // the Virtual-Access of each spoke
	for i, s := range sites[1:] {
		if !waitFor(20*time.Second, func() bool { return viaVA.MatchString(routesOf(hub.router, s.lanNet()+"/24")) }) {
			t.Fatalf("no route to spoke%d's LAN through a Virtual-Access on the hub: %q\n%s", i+1, routesOf(hub.router), ph.out.String())
		}
		vas[i] = "Virtual-Access" + viaVA.FindStringSubmatch(routesOf(hub.router, s.lanNet()+"/24"))[1]
		if !waitFor(10*time.Second, func() bool { return strings.Contains(routesOf(s.router, "dev", "Tunnel0"), labLANs+"0.0/16") }) {
			t.Fatalf("no route to the lab's LANs through spoke%d's Tunnel0: %q\n%s", i+1, routesOf(s.router, "dev", "Tunnel0"), spokes[i].out.String())
		}
	}
	if vas[0] == vas[1] {
		t.Fatalf("both spokes' LANs through %s", vas[0])
	}
	s1, s2 := sites[1], sites[2]
	p := newPinger(t, s1.host, "")
	if !p.until(s2.hostAddr(), 10) {
		t.Fatalf("spoke1 LAN host gets no echo reply from spoke2's LAN host through the hub:\n%s", ph.out.String())
	}
	if n := p.replies(hub.hostAddr(), 3); n < 2 {
		t.Errorf("spoke1 LAN -> hub LAN: %d of 3 echo replies", n)
	}

	io.WriteString(spokes[0].console, "configure terminal\ninterface Tunnel0\nshutdown\nend\n")
	if !waitFor(10*time.Second, func() bool { return !linkExists(hub.router, vas[0]) }) {
		t.Fatalf("%s still on the hub after spoke1's Tunnel0 was shut:\n%s", vas[0], ph.out.String())
	}
	if out := routesOf(hub.router, s1.lanNet()+"/24"); strings.TrimSpace(out) != "" {
		t.Errorf("the hub still routes spoke1's LAN: %s", out)
	}
	if !strings.Contains(routesOf(hub.router, "dev", vas[1]), s2.lanNet()+"/24") {
		t.Errorf("spoke2's route went with spoke1's session: %q", routesOf(hub.router, "dev", vas[1]))
	}
}
