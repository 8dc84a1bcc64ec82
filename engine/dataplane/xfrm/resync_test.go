package xfrm

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"testing"

	"github.com/flexvpnd/flexvpnd/engine/dataplane"
	"github.com/google/go-cmp/cmp"
	"github.com/vishvananda/netlink"
)

// resync runs Resync on the site's backend and returns its repairs.
func resync(t *testing.T, s *site) int {
	t.Helper()
	n, err := s.b.Resync(context.Background())
	if err != nil {
		t.Fatalf("Resync: %v", err)
	}
	return n
}

// testResync removes the tunnel state of a working tunnel behind the
// backends' backs, as `ip link del`, `ip xfrm state flush` and `ip xfrm
// policy flush` would, while a rekeyed CHILD SA and the one it replaces
// are both installed, and checks that Resync restores it: the interface,
// the policies, the inbound SAs of both CHILD SAs and the outbound SA of
// the newer one only (the older one would take the traffic over); traffic
// flows again both ways (so the re-added SAs' sequence numbers suit the
// peer's replay window), the counters go on from where they were, and a
// second pass finds nothing to repair.
func testResync(t *testing.T) {
	p := newPair(t, "resync", false, "")
	alg := dataplane.Algorithms{Encr: encrAESGCM16, EncrKeyBits: 256}
	old := p.childSAs(alg, dataplane.Direction{SPI: 0xc6000ab1, EncrKey: key(11, 36)},
		dataplane.Direction{SPI: 0xc6000ba1, EncrKey: key(12, 36)}, 0)
	sas := p.childSAs(alg, dataplane.Direction{SPI: 0xc6100ab1, EncrKey: key(21, 36)},
		dataplane.Direction{SPI: 0xc6100ba1, EncrKey: key(22, 36)}, 0)
	const rounds = 3
	p.install(t, old)
	udpRoundTrips(t, p, lan4[0].Addr(), lan4[1].Addr(), rounds)
	p.install(t, sas)
	udpRoundTrips(t, p, lan4[0].Addr(), lan4[1].Addr(), rounds)
	for _, s := range p.s {
		if n := resync(t, s); n != 0 {
			t.Errorf("%d repairs of an intact tunnel, want 0", n)
		}
	}
	a, b := p.s[0], p.s[1]
	link, _ := readLink(t, a, "Tunnel0")
	var want [2]kernelState
	for i, s := range p.s {
		want[i] = dump(t, s)
		want[i].States = slices.DeleteFunc(want[i].States, func(spi string) bool { return spi == fmt.Sprintf("%08x", old[i].Out.SPI) })
	}

	l, err := a.b.nl.LinkByName("Tunnel0")
	if err != nil {
		t.Fatal(err)
	}
	for _, err := range []error{a.b.nl.LinkDel(l), a.b.nl.XfrmStateFlush(0), a.b.nl.XfrmPolicyFlush(), b.b.nl.XfrmStateFlush(0)} {
		if err != nil {
			t.Fatalf("behind the backend's back: %v", err)
		}
	}
	// Site a: the interface, 6 policies (in, fwd, out for IPv4 and IPv6)
	// and 3 SAs; site b: the 3 SAs.
	for i, want := range []int{1 + 6 + 3, 3} {
		if n := resync(t, p.s[i]); n != want {
			t.Errorf("site %d: %d repairs, want %d", i, n, want)
		}
	}
	if got, _ := readLink(t, a, "Tunnel0"); !cmp.Equal(got, link) {
		t.Errorf("Tunnel0 after Resync: %s", cmp.Diff(link, got))
	}
	for i, s := range p.s {
		if diff := cmp.Diff(want[i], dump(t, s)); diff != "" {
			t.Errorf("site %d SAs and policies after Resync (-want +got):\n%s", i, diff)
		}
	}
	udpRoundTrips(t, p, lan4[0].Addr(), lan4[1].Addr(), rounds)
	for i, s := range p.s {
		if n := resync(t, s); n != 0 {
			t.Errorf("site %d: %d repairs on the second pass, want 0", i, n)
		}
		c, _ := s.b.ChildSAStats(sas[i].ID())
		if c.OutPackets < 2*rounds || c.InPackets < 2*rounds || c.ReplayDrops != 0 || c.AuthFailures != 0 {
			t.Errorf("site %d counters %+v, want at least %d packets each way (before and after the repair), no drops", i, c, 2*rounds)
		}
	}
}

// testStale leaves the state of a working tunnel behind as a killed daemon
// would, next to an SA, a policy and an xfrm interface that are not
// flexvpnd's, and checks that a new backend installs the same tunnel and
// CHILD SA (same SPIs) over it without cleaning up (InstallChildSA
// replaces the leftover SAs), then that New removes the leftovers and only
// them, after which a new CHILD SA carries traffic.
func testStale(t *testing.T) {
	p := newPair(t, "stale", false, "")
	alg := dataplane.Algorithms{Encr: encrAESGCM16, EncrKeyBits: 128}
	sas := p.childSAs(alg, dataplane.Direction{SPI: 0xc7000ab1, EncrKey: key(13, 20)},
		dataplane.Direction{SPI: 0xc7000ba1, EncrKey: key(14, 20)}, 0)
	p.install(t, sas)
	a := p.s[0]
	foreign := addForeign(t, a)
	tun := dataplane.Tunnel{
		ID: tunnelID, Name: "Tunnel0", IfName: "Tunnel0", Up: true, MTU: 1400,
		Addrs:  []netip.Prefix{tun4[0], tun6[0]},
		Routes: []dataplane.Route{{Prefix: lan4[1].Masked(), Distance: 1}, {Prefix: lan6[1].Masked(), Distance: 1}},
	}
	restart := func(mk func(Config) (*Backend, error)) {
		t.Helper()
		a.b.Close() // the crash: the kernel keeps everything
		b, err := mk(Config{Netns: a.path})
		if err != nil {
			t.Fatal(err)
		}
		b.grace = 0
		t.Cleanup(b.Close)
		a.b = b
	}

	restart(open)
	if err := a.b.EnsureTunnel(tun); err != nil {
		t.Fatal(err)
	}
	if err := a.b.InstallChildSA(sas[0]); err != nil {
		t.Fatalf("InstallChildSA over the leftover SAs: %v", err)
	}
	udpRoundTrips(t, p, lan4[0].Addr(), lan4[1].Addr(), 2)

	restart(New)
	k := dump(t, a)
	if diff := cmp.Diff(foreign, k); diff != "" {
		t.Errorf("after New, SAs and policies (-only the foreign ones +got):\n%s", diff)
	}
	for name, want := range map[string]bool{"Tunnel0": false, "foreign0": true, "veth0": true} {
		if _, err := a.b.nl.LinkByName(name); (err == nil) != want {
			t.Errorf("link %s after New: %v, want it there: %v", name, err, want)
		}
	}
	if err := a.b.EnsureTunnel(tun); err != nil {
		t.Fatal(err)
	}
	// The sequence numbers of the SAs above started again at 1, which
	// site b has seen: the restarted daemon negotiates a new CHILD SA.
	p.install(t, p.childSAs(alg, dataplane.Direction{SPI: 0xc8000ab1, EncrKey: key(16, 20)},
		dataplane.Direction{SPI: 0xc8000ba1, EncrKey: key(17, 20)}, 0))
	udpRoundTrips(t, p, lan4[0].Addr(), lan4[1].Addr(), 2)
	if err := a.b.DeleteTunnel(tunnelID); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(foreign, dump(t, a)); diff != "" {
		t.Errorf("after DeleteTunnel, SAs and policies (-only the foreign ones +got):\n%s", diff)
	}
}

// addForeign adds to the site what another IKE daemon could own: an xfrm
// interface (foreign0, if_id 99, no alias), an SA and a policy with that
// if_id and reqid 7. It returns the SAs and policies the site then holds
// besides flexvpnd's.
func addForeign(t *testing.T, s *site) kernelState {
	t.Helper()
	attrs := netlink.NewLinkAttrs()
	attrs.Name = "foreign0"
	if err := s.b.nl.LinkAdd(&netlink.Xfrmi{LinkAttrs: attrs, Ifid: 99}); err != nil {
		t.Fatal(err)
	}
	src, dst := net.ParseIP("198.18.0.1").To4(), net.ParseIP("198.18.0.9").To4()
	st := &netlink.XfrmState{Src: src, Dst: dst, Proto: netlink.XFRM_PROTO_ESP, Mode: netlink.XFRM_MODE_TUNNEL,
		Spi: 0xc7000ab1, Reqid: 7, Ifid: 99, Aead: &netlink.XfrmStateAlgo{Name: "rfc4106(gcm(aes))", Key: key(15, 20), ICVLen: 128}}
	if err := s.b.nl.XfrmStateAdd(st); err != nil {
		t.Fatal(err)
	}
	all := &net.IPNet{IP: net.IPv4zero.To4(), Mask: net.CIDRMask(0, 32)}
	pol := &netlink.XfrmPolicy{Src: all, Dst: all, Dir: netlink.XFRM_DIR_OUT, Ifid: 99,
		Tmpls: []netlink.XfrmPolicyTmpl{{Src: src, Dst: dst, Proto: netlink.XFRM_PROTO_ESP, Mode: netlink.XFRM_MODE_TUNNEL, Reqid: 7}}}
	if err := s.b.nl.XfrmPolicyAdd(pol); err != nil {
		t.Fatal(err)
	}
	return kernelState{States: []string{fmt.Sprintf("%08x", st.Spi)}, Policies: []string{"dir out 0.0.0.0/0 if_id 99"}}
}
