package main

import (
	"fmt"
	"io"
	"regexp"
	"strings"
	"testing"
	"time"
)

// nsHubConfig is hubConfig for the namespace lab: spokes on the WAN
// 198.18.30.0/24.
func nsHubConfig() string {
	return strings.Replace(hubConfig, "address 127.0.0.0 255.0.0.0", "address "+labWAN+"0 255.255.255.0", 1)
}

// nsSpokeConfig is spokeConfig for spoke s of hub on the namespace lab,
// with a static route of the hub's LAN into Tunnel0. Spoke n of the lab
// (WAN 198.18.30.n) has the tunnel address 10.9.0.n (Loopback0).
func nsSpokeConfig(name string, s, hub site) string {
	n := strings.TrimPrefix(s.routerWAN, labWAN)
	cfg := spokeConfig(name, "127.0.0."+n)
	cfg = strings.ReplaceAll(cfg, "127.0.0.1", hub.routerWAN)
	cfg = strings.ReplaceAll(cfg, "tunnel source 127.0.0."+n, "tunnel source "+s.routerWAN)
	return strings.TrimSuffix(cfg, "end\n") + tunnelRoute(hub.lanNet()) + "end\n"
}

// testHubSpokes runs a FlexVPN hub (`virtual-template 1`) and two
// spokes (sVTIs), three flexvpnd processes with the userspace data plane
// configured by IOS text: each spoke gets its own Virtual-Access on the
// hub, as `show crypto ikev2 sa`/`show crypto session` and the hub's
// Linux interfaces show; the spokes' LAN hosts reach the hub's LAN host;
// and the Virtual-Access of a spoke disappears when its Tunnel0 is shut.
//
// With static routes only, as here, the hub has no routes to the spokes'
// LANs (IOS learns them by the route exchange, which TestNetnsRouteExchange
// covers): the test adds them on the hub's Virtual-Access interfaces with
// ip(8).
func testHubSpokes(t *testing.T, bin string) {
	sites := newNetnsLab(t).wanSites("hub", "s1", "s2")
	hub := sites[0]
	ph := runInNetns(t, bin, hub.router, nsHubConfig(), "--listen", hub.routerWAN, "--dataplane", "userspace", "--log-level", "info")
	waitApplied(t, ph)
	spokes := make([]nsProcess, 2)
	for i, s := range sites[1:] {
		va := fmt.Sprintf("Virtual-Access%d", i+1)
		spokes[i] = runInNetns(t, bin, s.router, nsSpokeConfig(fmt.Sprintf("spoke%d", i+1), s, hub), "--listen", s.routerWAN, "--dataplane", "userspace", "--log-level", "info")
		if !waitFor(15*time.Second, func() bool { return linkExists(hub.router, va) }) {
			t.Fatalf("no %s on the hub for spoke%d:\n%s", va, i+1, ph.out.String())
		}
		ipCmd(t, "-n", hub.router, "route", "add", s.lanNet()+"/24", "dev", va)
	}
	ph.cli(t, "show crypto ikev2 sa", regexp.MustCompile(`(?s)`+readyRow(sites[1].routerWAN)+`.*`+readyRow(sites[2].routerWAN)), 5*time.Second)
	for i, s := range sites[1:] {
		ph.cli(t, "show crypto session", regexp.MustCompile(fmt.Sprintf(`(?m)^Interface: Virtual-Access%d\r?\n(.*\n){0,3}?Peer: %s port 500`, i+1, regexp.QuoteMeta(s.routerWAN))), 5*time.Second)
	}

	for i, s := range sites[1:] {
		p := newPinger(t, s.host, "")
		if !p.until(hub.hostAddr(), 10) {
			t.Errorf("spoke%d LAN host gets no echo reply from the hub LAN host", i+1)
		}
		if n := p.replies(hub.hostAddr(), 5); n < 4 {
			t.Errorf("spoke%d LAN -> hub LAN: %d of 5 echo replies", i+1, n)
		}
		if n := newPinger(t, hub.host, "").replies(s.hostAddr(), 5); n < 4 {
			t.Errorf("hub LAN -> spoke%d LAN: %d of 5 echo replies", i+1, n)
		}
	}

	io.WriteString(spokes[0].console, "configure terminal\ninterface Tunnel0\nshutdown\nend\n")
	if !waitFor(10*time.Second, func() bool { return !linkExists(hub.router, "Virtual-Access1") }) {
		t.Fatalf("Virtual-Access1 still on the hub after spoke1's Tunnel0 was shut:\n%s", ph.out.String())
	}
	if !linkExists(hub.router, "Virtual-Access2") {
		t.Errorf("Virtual-Access2 went with spoke1's session")
	}
	out := ph.cli(t, "show crypto ikev2 sa", regexp.MustCompile(`(?s)IPv4 Crypto IKEv2  SA.*IPv6`), 5*time.Second)
	if strings.Contains(out, sites[1].routerWAN+"/") || !regexp.MustCompile(readyRow(sites[2].routerWAN)).MatchString(out) {
		t.Errorf("hub's IKEv2 SAs once spoke1 is shut:\n%s", out)
	}
}

// readyRow matches the row of `show crypto ikev2 sa` of a READY SA with
// the remote address.
func readyRow(remote string) string {
	return `\d+ +\S+/500 +` + regexp.QuoteMeta(remote) + `/500 +none/none +READY`
}

// waitApplied waits until p's startup-config is loaded (its console
// answers) and applied to its engine (the reconciler's quiet time later),
// so that a peer's first IKE_SA_INIT is not dropped for want of a
// profile.
func waitApplied(t testing.TB, p nsProcess) {
	t.Helper()
	p.cli(t, "show running-config", regexp.MustCompile(`(?m)^hostname `), 5*time.Second)
	time.Sleep(3 * applyQuiet)
}
