package main

import (
	"io"
	"regexp"
	"strings"
	"testing"
	"time"
)

// nsClientConfig is a FlexVPN client (issue 6) on the namespace lab: its
// Tunnel0 has `tunnel destination dynamic` and the client block names the
// two hubs in order, with `peer reactivate` and DPD every 2 seconds.
func nsClientConfig(c, hub1, hub2 site) string {
	cfg := nsSpokeConfig("client", c, hub1)
	cfg = strings.Replace(cfg, "  address "+hub1.routerWAN+"\n", "  address "+labWAN+"0 255.255.255.0\n", 1)
	cfg = strings.Replace(cfg, " tunnel destination "+hub1.routerWAN+"\n", " tunnel destination dynamic\n", 1)
	cfg = strings.Replace(cfg, " keyring local KR\n", " keyring local KR\n dpd 2 2 periodic\n", 1)
	return strings.TrimSuffix(cfg, "end\n") + "crypto ikev2 client flexvpn CLIENT\n" +
		"  peer 1 " + hub1.routerWAN + "\n  peer 2 " + hub2.routerWAN + "\n  peer reactivate\n  client connect Tunnel0\nend\n"
}

// testFlexVPNClient runs a FlexVPN client with two hubs, three flexvpnd
// processes configured by IOS text: the client comes up on hub 1 and its
// LAN reaches hub 1's LAN; when hub 1 stops it fails over to hub 2 (and
// reaches hub 2's LAN); when hub 1 returns the client moves back to it
// (`peer reactivate`, probing every second here) and leaves hub 2.
func testFlexVPNClient(t *testing.T, bin string) {
	sites := newNetnsLab(t).wanSites("hub1", "hub2", "client")
	hub1, hub2, client := sites[0], sites[1], sites[2]
	flags := func(s site) []string {
		return []string{"--listen", s.routerWAN, "--dataplane", "userspace", "--log-level", "info", "--reactivate", "1s"}
	}
	p1 := runInNetns(t, bin, hub1.router, nsHubConfig(), flags(hub1)...)
	p2 := runInNetns(t, bin, hub2.router, nsHubConfig(), flags(hub2)...)
	waitApplied(t, p1)
	waitApplied(t, p2)
	cfg := nsClientConfig(client, hub1, hub2)
	// The client's LAN route goes into Tunnel0 whichever hub serves it;
	// each hub routes the client's LAN back on its Virtual-Access.
	cfg = strings.Replace(cfg, tunnelRoute(hub1.lanNet()), tunnelRoute(hub1.lanNet())+tunnelRoute(hub2.lanNet()), 1)
	pc := runInNetns(t, bin, client.router, cfg, flags(client)...)
	pc.cli(t, "show crypto ikev2 sa", regexp.MustCompile(readyRow(hub1.routerWAN)), 20*time.Second)
	routeBack := func(hub site) {
		if !waitFor(10*time.Second, func() bool { return linkExists(hub.router, "Virtual-Access1") }) {
			t.Fatalf("no Virtual-Access1 on %s", hub.router)
		}
		ipCmd(t, "-n", hub.router, "route", "replace", client.lanNet()+"/24", "dev", "Virtual-Access1")
	}
	routeBack(hub1)
	ping := newPinger(t, client.host, "")
	if !ping.until(hub1.hostAddr(), 10) {
		t.Fatalf("client LAN gets no echo reply from hub 1's LAN")
	}

	// Hub 1 stops (its console ends): the client moves to hub 2.
	io.WriteString(p1.console, "exit\n")
	stopped := time.Now()
	pc.cli(t, "show crypto ikev2 sa", regexp.MustCompile(readyRow(hub2.routerWAN)), 20*time.Second)
	t.Logf("on hub 2 %v after hub 1 stopped", time.Since(stopped).Round(100*time.Millisecond))
	routeBack(hub2)
	if !ping.until(hub2.hostAddr(), 10) {
		t.Errorf("client LAN gets no echo reply from hub 2's LAN after the failover")
	}

	// Hub 1 returns: the client's probe comes up and it moves back.
	p1 = runInNetns(t, bin, hub1.router, nsHubConfig(), flags(hub1)...)
	back := time.Now()
	out := pc.cli(t, "show crypto ikev2 sa", regexp.MustCompile(`(?s)`+readyRow(hub1.routerWAN)+`.*IPv6`), 20*time.Second)
	if strings.Contains(out, hub2.routerWAN+"/") {
		t.Errorf("client still has an SA with hub 2 after moving back:\n%s", out)
	}
	t.Logf("back on hub 1 %v after it returned", time.Since(back).Round(100*time.Millisecond))
	p2.cli(t, "show crypto ikev2 sa", regexp.MustCompile(`(?s)IPv4 Crypto IKEv2  SA \r?\n\r?\n IPv6`), 10*time.Second)
	routeBack(hub1)
	if !ping.until(hub1.hostAddr(), 10) {
		t.Errorf("client LAN gets no echo reply from hub 1's LAN after moving back")
	}
}
