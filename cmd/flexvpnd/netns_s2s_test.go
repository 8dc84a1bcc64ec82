package main

import (
	"regexp"
	"strings"
	"testing"
	"time"
)

// s2sPSK is the pre-shared key of the site-to-site tests.
const s2sPSK = "S2S-Lan!2024"

// lanSiteConfig is siteConfig with a static route of the peer's LAN into
// Tunnel0, the way an IOS site-to-site sVTI is written.
func lanSiteConfig(name string, local, remote site, tunnelAddr string) string {
	return strings.TrimSuffix(siteConfig(name, local.routerWAN, remote.routerWAN, tunnelAddr, s2sPSK), "end\n") +
		tunnelRoute(remote.lanNet()) + "end\n"
}

// startS2S builds two sites joined by a WAN, starts flexvpnd with the
// userspace data plane on each router, configured by lanSiteConfig (passed
// through edit unless it is nil), and waits until a LAN host reaches the
// other LAN's host through the tunnel.
func startS2S(t testing.TB, bin string, edit func(string) string) (a, b site, pa, pb nsProcess) {
	t.Helper()
	sites := newNetnsLab(t).wanSites("ra", "rb")
	a, b = sites[0], sites[1]
	cfgA, cfgB := lanSiteConfig("SITE-A", a, b, labTunA), lanSiteConfig("SITE-B", b, a, labTunB)
	if edit != nil {
		cfgA, cfgB = edit(cfgA), edit(cfgB)
	}
	pa = runInNetns(t, bin, a.router, cfgA, "--listen", a.routerWAN, "--dataplane", "userspace", "--log-level", "info")
	pb = runInNetns(t, bin, b.router, cfgB, "--listen", b.routerWAN, "--dataplane", "userspace", "--log-level", "info")
	if !newPinger(t, a.host, "").until(b.hostAddr(), 40) {
		t.Fatalf("LAN A host gets no echo reply from LAN B host through the tunnel")
	}
	return a, b, pa, pb
}

// testSiteToSite runs two flexvpnd processes with the userspace data
// plane as routers of two LANs, configured only by IOS text (an sVTI and
// a static route of the other LAN into Tunnel0): LAN hosts reach each
// other in both directions, `show crypto ikev2 sa` shows the session
// READY, and a capture on the WAN sees only IKE and ESP, never the
// probes in clear.
func testSiteToSite(t *testing.T, bin string) {
	a, b, pa, _ := startS2S(t, bin, nil)

	capt := startCapture(t, a.router, "wan0")
	fromA, fromB := newPinger(t, a.host, ""), newPinger(t, b.host, "")
	const probes = 10
	nA, nB := fromA.replies(b.hostAddr(), probes), fromB.replies(a.hostAddr(), probes)
	if nA < probes-2 || nB < probes-2 {
		t.Errorf("echo replies LAN A -> LAN B: %d of %d, LAN B -> LAN A: %d of %d", nA, probes, nB, probes)
	}
	frames := capt.stop()
	s := summarize(frames, fromA.marker, fromB.marker)
	if s.withMarker != 0 {
		t.Errorf("%d frames on the WAN carry a probe in clear", s.withMarker)
	}
	// Each answered probe crossed the WAN twice, request and reply.
	if want := 2 * (nA + nB); s.esp < want || s.espInUDP != 0 || s.other != 0 {
		t.Errorf("WAN capture of %d frames: %d ESP, %d ESP in UDP, %d IKE, %d other %v; want >= %d ESP (protocol 50) and nothing else", len(frames), s.esp, s.espInUDP, s.ike, s.other, s.others, want)
	}

	pa.cli(t, "show crypto ikev2 sa", regexp.MustCompile(readyRow(b.routerWAN)), 5*time.Second)
	pa.cli(t, "show crypto ipsec sa", regexp.MustCompile(`#pkts encaps: [1-9]\d*`), 5*time.Second)
}
