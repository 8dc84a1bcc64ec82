package main

import (
	"encoding/binary"
	"regexp"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// skfPayload is the IKEv2 Encrypted and Authenticated Fragment payload
// type (RFC 7383 section 2.5).
const skfPayload = 53

// ikeFragments counts the captured IKE messages whose first payload is an
// SKF payload (UDP 500, or 4500 after the non-ESP marker).
func ikeFragments(frames [][]byte) int {
	n := 0
	for _, f := range frames {
		if len(f) < 34 || binary.BigEndian.Uint16(f[12:]) != unix.ETH_P_IP || f[14+9] != unix.IPPROTO_UDP {
			continue
		}
		ip := f[14:]
		udp := ip[int(ip[0]&0x0f)*4:]
		if len(udp) < 8 {
			continue
		}
		ike := udp[8:]
		switch sport, dport := binary.BigEndian.Uint16(udp), binary.BigEndian.Uint16(udp[2:]); {
		case sport == 500 || dport == 500:
		case (sport == 4500 || dport == 4500) && len(ike) >= 4 && binary.BigEndian.Uint32(ike) == 0:
			ike = ike[4:]
		default:
			continue
		}
		if len(ike) >= 28 && ike[16] == skfPayload {
			n++
		}
	}
	return n
}

// testFragmentation runs the site-to-site pair with `crypto ikev2
// fragmentation mtu 200` on both routers (issue 6): IKE_AUTH does not fit
// 200 octets, so both sides send it as SKF fragments (RFC 7383), seen on
// the WAN, and the tunnel still comes up and carries the LANs' traffic.
func testFragmentation(t *testing.T, bin string) {
	sites := newNetnsLab(t).wanSites("fa", "fb")
	a, b := sites[0], sites[1]
	capt := startCapture(t, a.router, "wan0")
	frag := func(cfg string) string {
		return strings.TrimSuffix(cfg, "end\n") + "crypto ikev2 fragmentation mtu 200\nend\n"
	}
	pa := runInNetns(t, bin, a.router, frag(lanSiteConfig("FRAG-A", a, b, labTunA)), "--listen", a.routerWAN, "--dataplane", "userspace", "--log-level", "info")
	runInNetns(t, bin, b.router, frag(lanSiteConfig("FRAG-B", b, a, labTunB)), "--listen", b.routerWAN, "--dataplane", "userspace", "--log-level", "info")
	if !newPinger(t, a.host, "").until(b.hostAddr(), 40) {
		t.Fatalf("LAN A host gets no echo reply from LAN B host through the tunnel")
	}
	pa.cli(t, "show crypto ikev2 sa", regexp.MustCompile(readyRow(b.routerWAN)), 5*time.Second)
	frames := capt.stop()
	// At least IKE_AUTH request and response, in two fragments or more.
	if n := ikeFragments(frames); n < 4 {
		t.Errorf("%d IKE fragments (SKF) on the WAN among %d frames, want at least 4", n, len(frames))
	} else {
		t.Logf("%d IKE fragments on the WAN", n)
	}
}
