package xfrm

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/flexvpnd/flexvpnd/engine/dataplane"
	"github.com/flexvpnd/flexvpnd/engine/dataplane/netdev"
	"github.com/flexvpnd/flexvpnd/engine/internal/kvm"
	"github.com/google/go-cmp/cmp"
	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"
)

// inVMEnv is set in the VM's environment by TestXFRMInVM; TestXFRMKernel
// runs only there.
const inVMEnv = "FLEXVPND_XFRM_IN_VM"

// TestXFRMInVM builds this package's test binary statically and runs
// TestXFRMKernel in a VM booting a stock Debian kernel, which has the ESP
// and xfrm interface support the host kernel may lack.
func TestXFRMInVM(t *testing.T) {
	if os.Getenv(inVMEnv) != "" {
		t.Skip("already in the VM")
	}
	if testing.Short() {
		t.Skip("boots a VM")
	}
	began := time.Now()
	bin := filepath.Join(t.TempDir(), "xfrm.test")
	build := exec.Command("go", "test", "-c", "-o", bin, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build test binary: %v\n%s", err, out)
	}
	built := time.Since(began)
	res := kvm.Run(t, kvm.Payload{
		Binary: bin,
		Args:   []string{"-test.run", "^TestXFRMKernel$", "-test.v", "-test.count=1", "-test.timeout=90s"},
		Env:    []string{inVMEnv + "=1"},
	})
	t.Logf("build %v, VM (%s) boot %v, total %v", built.Round(time.Millisecond), res.Accel,
		res.Boot.Round(time.Millisecond), res.Total.Round(time.Millisecond))
	if res.ExitCode != 0 || !strings.Contains(res.Output, "--- PASS: TestXFRMKernel") {
		t.Fatalf("in the VM: exit status %d\n%s", res.ExitCode, res.Output)
	}
}

// TestXFRMKernel runs the kernel tests; it needs a kernel with ESP and xfrm
// interfaces, so it runs only inside the VM started by TestXFRMInVM.
func TestXFRMKernel(t *testing.T) {
	if os.Getenv(inVMEnv) == "" {
		t.Skip(inVMEnv + " unset: runs inside the VM started by TestXFRMInVM")
	}
	t.Run("probe", testProbeSucceeds)
	t.Run("tunnel", testTunnelLifecycle)
	t.Run("traffic", testTraffic)
	t.Run("rekey", testRekey)
	t.Run("rekey-pending", testRekeyPending)
	t.Run("resync", testResync)
	t.Run("stale", testStale)
}

// testProbeSucceeds checks that Probe accepts this kernel and leaves nothing
// behind.
func testProbeSucceeds(t *testing.T) {
	s := newSite(t, "probe")
	before, err := s.b.nl.LinkList()
	if err != nil {
		t.Fatal(err)
	}
	if err := Probe(s.path); err != nil {
		t.Fatalf("Probe(%s) = %v, want nil in the VM", s.path, err)
	}
	assertNoTunnelState(t, s, probeIfID)
	after, err := s.b.nl.LinkList()
	if err != nil {
		t.Fatal(err)
	}
	if len(after) != len(before) {
		t.Errorf("Probe left links behind: %d links before, %d after", len(before), len(after))
	}
}

// testTunnelLifecycle ensures an xfrm interface, changes every attribute of
// it (name, addresses, MTU, state, VRF, routes) and deletes it.
func testTunnelLifecycle(t *testing.T) {
	s := newSite(t, "tun")
	vrf := netlink.NewLinkAttrs()
	vrf.Name = "blue"
	if err := s.b.nl.LinkAdd(&netlink.Vrf{LinkAttrs: vrf, Table: 10}); err != nil {
		t.Fatalf("add vrf: %v", err)
	}
	pfx := netip.MustParsePrefix
	tun := dataplane.Tunnel{
		ID: 42, Name: "Tunnel0", IfName: "Tunnel0", Up: true, MTU: 1400,
		Addrs:  []netip.Prefix{pfx("192.0.2.1/24"), pfx("2001:db8:42::1/64")},
		Routes: []dataplane.Route{{Prefix: pfx("10.2.0.0/24"), Distance: 1}, {Prefix: pfx("fd00:2::/64"), Distance: 5}},
	}
	steps := []struct {
		name string
		edit func(*dataplane.Tunnel)
		want linkState
	}{
		{name: "create", edit: func(*dataplane.Tunnel) {},
			want: linkState{Name: "Tunnel0", IfID: 42, MTU: 1400, Up: true,
				Addrs:  []string{"192.0.2.1/24", "2001:db8:42::1/64"},
				Routes: []string{"10.2.0.0/24 table 254 metric 1", "fd00:2::/64 table 254 metric 5"}}},
		{name: "again", edit: func(*dataplane.Tunnel) {},
			want: linkState{Name: "Tunnel0", IfID: 42, MTU: 1400, Up: true,
				Addrs:  []string{"192.0.2.1/24", "2001:db8:42::1/64"},
				Routes: []string{"10.2.0.0/24 table 254 metric 1", "fd00:2::/64 table 254 metric 5"}}},
		{name: "rename, readdress, reroute", edit: func(t *dataplane.Tunnel) {
			t.IfName, t.MTU = "Tunnel7", 1380
			t.Addrs = []netip.Prefix{pfx("192.0.2.5/30")}
			t.Routes = []dataplane.Route{{Prefix: pfx("10.2.0.0/24"), Distance: 200}}
		}, want: linkState{Name: "Tunnel7", IfID: 42, MTU: 1380, Up: true,
			Addrs: []string{"192.0.2.5/30"}, Routes: []string{"10.2.0.0/24 table 254 metric 200"}}},
		{name: "shutdown", edit: func(t *dataplane.Tunnel) { t.Up = false },
			want: linkState{Name: "Tunnel7", IfID: 42, MTU: 1380, Addrs: []string{"192.0.2.5/30"}}},
		{name: "vrf", edit: func(t *dataplane.Tunnel) { t.Up, t.VRF = true, "blue" },
			want: linkState{Name: "Tunnel7", IfID: 42, MTU: 1380, Up: true, VRF: "blue",
				Addrs: []string{"192.0.2.5/30"}, Routes: []string{"10.2.0.0/24 table 10 metric 200"}}},
	}
	var index int
	for _, st := range steps {
		st.edit(&tun)
		if err := s.b.EnsureTunnel(tun); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		got, idx := readLink(t, s, tun.IfName)
		if diff := cmp.Diff(st.want, got); diff != "" {
			t.Errorf("%s: link (-want +got):\n%s", st.name, diff)
		}
		if index == 0 {
			index = idx
		} else if idx != index {
			t.Errorf("%s: link index %d, want %d: the interface was recreated", st.name, idx, index)
		}
	}
	clash := tun
	clash.ID, clash.IfName = 43, "blue"
	if err := s.b.EnsureTunnel(clash); err == nil {
		t.Error("EnsureTunnel over the vrf link succeeded, want an error")
	}
	for range 2 {
		if err := s.b.DeleteTunnel(42); err != nil {
			t.Fatal(err)
		}
	}
	assertNoTunnelState(t, s, 42)
}

// linkState is what the tests compare of a tunnel interface.
type linkState struct {
	Name          string
	IfID          uint32
	MTU           int
	Up            bool
	VRF           string
	Addrs, Routes []string
}

// readLink reads the named xfrm interface back from the kernel (its global
// addresses and the routes netdev owns) with its index.
func readLink(t *testing.T, s *site, name string) (linkState, int) {
	t.Helper()
	link, err := s.b.nl.LinkByName(name)
	if err != nil {
		t.Fatal(err)
	}
	x, ok := link.(*netlink.Xfrmi)
	if !ok {
		t.Fatalf("%s is a %s link, want xfrm", name, link.Type())
	}
	a := link.Attrs()
	st := linkState{Name: a.Name, IfID: x.Ifid, MTU: a.MTU, Up: a.Flags&net.FlagUp != 0}
	if a.MasterIndex != 0 {
		m, err := s.b.nl.LinkByIndex(a.MasterIndex)
		if err != nil {
			t.Fatal(err)
		}
		st.VRF = m.Attrs().Name
	}
	addrs, err := s.b.nl.AddrList(link, netlink.FAMILY_ALL)
	if err != nil {
		t.Fatal(err)
	}
	for _, ad := range addrs {
		if !ad.IP.IsLinkLocalUnicast() {
			st.Addrs = append(st.Addrs, ad.IPNet.String())
		}
	}
	routes, err := s.b.nl.RouteListFiltered(netlink.FAMILY_ALL,
		&netlink.Route{LinkIndex: a.Index, Protocol: netdev.RouteProtocol},
		netlink.RT_FILTER_OIF|netlink.RT_FILTER_PROTOCOL|netlink.RT_FILTER_TABLE)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range routes {
		st.Routes = append(st.Routes, fmt.Sprintf("%v table %d metric %d", r.Dst, r.Table, r.Priority))
	}
	return st, a.Index
}

// Addresses of the test topology: the outer (underlay) addresses on the
// veth, the LAN addresses (on lo) behind each end, and the tunnel
// interfaces' addresses.
var (
	outer4 = [2]netip.Prefix{netip.MustParsePrefix("198.18.0.1/24"), netip.MustParsePrefix("198.18.0.2/24")}
	outer6 = [2]netip.Prefix{netip.MustParsePrefix("fd00:18::1/64"), netip.MustParsePrefix("fd00:18::2/64")}
	lan4   = [2]netip.Prefix{netip.MustParsePrefix("10.1.0.1/24"), netip.MustParsePrefix("10.2.0.1/24")}
	lan6   = [2]netip.Prefix{netip.MustParsePrefix("fd00:1::1/64"), netip.MustParsePrefix("fd00:2::1/64")}
	tun4   = [2]netip.Prefix{netip.MustParsePrefix("192.0.2.1/24"), netip.MustParsePrefix("192.0.2.2/24")}
	tun6   = [2]netip.Prefix{netip.MustParsePrefix("2001:db8:42::1/64"), netip.MustParsePrefix("2001:db8:42::2/64")}
)

// anyIPv6 is ::/0, all protocols and ports.
var anyIPv6 = dataplane.TrafficSelector{
	StartAddr: netip.IPv6Unspecified(), EndAddr: netip.MustParseAddr("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"), EndPort: 0xFFFF,
}

// tunnelID is the if_id of the tunnel in the traffic tests.
const tunnelID = 42

// pair is a test topology: two sites joined by a veth (veth0 on both
// sides), each with a LAN on lo (or on the VRF device of its tunnel) and
// Tunnel0 routing to the other's LAN.
type pair struct {
	s      [2]*site
	outer  [2]netip.Addr
	lanDev [2]string
}

// newPair builds the topology over IPv4 or IPv6 outer addresses and ensures
// Tunnel0 on both sites (twice: the second time must change nothing). With
// vrf, site a's tunnel and LAN are in that VRF (table 10) while the
// underlay stays in the main table, as with `vrf forwarding` on an IOS
// tunnel interface.
func newPair(t *testing.T, name string, ipv6Outer bool, vrf string) *pair {
	t.Helper()
	outer := outer4
	if ipv6Outer {
		outer = outer6
	}
	p := &pair{s: [2]*site{newSite(t, name+"-a"), newSite(t, name+"-b")}, lanDev: [2]string{"lo", "lo"}}
	linkVeth(t, p.s[0], p.s[1], outer)
	if vrf != "" {
		attrs := netlink.NewLinkAttrs()
		attrs.Name, attrs.Flags = vrf, net.FlagUp
		if err := p.s[0].b.nl.LinkAdd(&netlink.Vrf{LinkAttrs: attrs, Table: 10}); err != nil {
			t.Fatalf("add vrf: %v", err)
		}
		p.lanDev[0] = vrf
	}
	for i, s := range p.s {
		p.outer[i] = outer[i].Addr()
		addAddr(t, s, p.lanDev[i], netip.PrefixFrom(lan4[i].Addr(), 32))
		addAddr(t, s, p.lanDev[i], netip.PrefixFrom(lan6[i].Addr(), 128))
		peer := 1 - i
		tun := dataplane.Tunnel{
			ID: tunnelID, Name: "Tunnel0", IfName: "Tunnel0", Up: true, MTU: 1400,
			Local: p.outer[i], Remote: outer[peer].Addr(),
			Addrs: []netip.Prefix{tun4[i], tun6[i]},
			Routes: []dataplane.Route{
				{Prefix: lan4[peer].Masked(), Distance: 1}, {Prefix: lan6[peer].Masked(), Distance: 1},
			},
		}
		if i == 0 {
			tun.VRF = vrf
		}
		for range 2 {
			if err := s.b.EnsureTunnel(tun); err != nil {
				t.Fatal(err)
			}
		}
	}
	return p
}

// childSAs returns the CHILD SA as site a and site b install it, from the
// two directions' SPIs and keys, with selectors 0.0.0.0/0 and ::/0.
func (p *pair) childSAs(alg dataplane.Algorithms, ab, ba dataplane.Direction, encap uint16) [2]dataplane.ChildSA {
	ts := []dataplane.TrafficSelector{dataplane.AnyIPv4, anyIPv6}
	mk := func(i int, in, out dataplane.Direction) dataplane.ChildSA {
		sa := dataplane.ChildSA{TunnelID: tunnelID, Local: p.outer[i], Remote: p.outer[1-i], Algorithms: alg,
			In: in, Out: out, LocalTS: ts, RemoteTS: ts}
		if encap != 0 {
			sa.Encap = dataplane.UDPEncap{LocalPort: encap, RemotePort: encap}
		}
		return sa
	}
	return [2]dataplane.ChildSA{mk(0, ba, ab), mk(1, ab, ba)}
}

// install installs each site's CHILD SA, b (the responder) first.
func (p *pair) install(t *testing.T, sas [2]dataplane.ChildSA) {
	t.Helper()
	for _, i := range []int{1, 0} {
		if err := p.s[i].b.InstallChildSA(sas[i]); err != nil {
			t.Fatalf("site %d: %v", i, err)
		}
	}
}

// key returns n octets of b.
func key(b byte, n int) []byte { return bytes.Repeat([]byte{b}, n) }

// testTraffic installs a CHILD SA for each cipher and encapsulation, sends
// UDP between the LANs over IPv4 and IPv6 inside, and checks the wire (ESP
// or ESP in UDP only), the counters and the cleanup.
func testTraffic(t *testing.T) {
	tests := []struct {
		name      string
		alg       dataplane.Algorithms
		ab, ba    dataplane.Direction // a to b, b to a
		ipv6Outer bool
		natt      uint16 // UDP port of ESP in UDP, 0 for plain ESP
		vrf       string // VRF of site a's tunnel and LAN
	}{
		{name: "gcm256", alg: dataplane.Algorithms{Encr: encrAESGCM16, EncrKeyBits: 256},
			ab: dataplane.Direction{SPI: 0xc0000ab1, EncrKey: key(0x11, 36)},
			ba: dataplane.Direction{SPI: 0xc0000ba1, EncrKey: key(0x22, 36)}},
		{name: "cbc-sha256", alg: dataplane.Algorithms{Encr: encrAESCBC, EncrKeyBits: 256, Integ: integHMACSHA2_256_128},
			ab: dataplane.Direction{SPI: 0xc0000ab2, EncrKey: key(0x33, 32), IntegKey: key(0x44, 32)},
			ba: dataplane.Direction{SPI: 0xc0000ba2, EncrKey: key(0x55, 32), IntegKey: key(0x66, 32)}},
		{name: "chacha20-ipv6-outer", alg: dataplane.Algorithms{Encr: encrChaCha20Poly1305, ESN: true},
			ab: dataplane.Direction{SPI: 0xc0000ab3, EncrKey: key(0x77, 36)},
			ba: dataplane.Direction{SPI: 0xc0000ba3, EncrKey: key(0x88, 36)}, ipv6Outer: true},
		{name: "gcm256-vrf", alg: dataplane.Algorithms{Encr: encrAESGCM16, EncrKeyBits: 256},
			ab: dataplane.Direction{SPI: 0xc0000ab6, EncrKey: key(0xdd, 36)},
			ba: dataplane.Direction{SPI: 0xc0000ba6, EncrKey: key(0xee, 36)}, vrf: "blue"},
		{name: "natt", alg: dataplane.Algorithms{Encr: encrAESGCM16, EncrKeyBits: 128},
			ab: dataplane.Direction{SPI: 0xc0000ab4, EncrKey: key(0x99, 20)},
			ba: dataplane.Direction{SPI: 0xc0000ba4, EncrKey: key(0xaa, 20)}, natt: 4500},
		{name: "natt-ipv6-outer", alg: dataplane.Algorithms{Encr: encrAESGCM16, EncrKeyBits: 256},
			ab: dataplane.Direction{SPI: 0xc0000ab5, EncrKey: key(0xbb, 36)},
			ba: dataplane.Direction{SPI: 0xc0000ba5, EncrKey: key(0xcc, 36)}, ipv6Outer: true, natt: 4500},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newPair(t, tt.name, tt.ipv6Outer, tt.vrf)
			if tt.natt != 0 {
				for _, s := range p.s {
					espInUDPSocket(t, s, tt.ipv6Outer, tt.natt)
				}
			}
			sas := p.childSAs(tt.alg, tt.ab, tt.ba, tt.natt)
			p.install(t, sas)
			assertInstallRefused(t, p.s[0], sas[0])

			const rounds = 3
			capture := newCapture(t, p.s[0], "veth0")
			for _, lan := range [][2]netip.Prefix{lan4, lan6} {
				udpRoundTrips(t, p, lan[0].Addr(), lan[1].Addr(), rounds)
			}
			const packets = 2 * rounds // per direction: IPv4 and IPv6 inside
			got := capture.drain(t)
			want := frames{esp: 2 * packets}
			if tt.natt != 0 {
				want = frames{espInUDP: 2 * packets}
			}
			t.Logf("on the wire: %+v", got)
			if got != want {
				t.Errorf("on the wire: %+v, want %+v", got, want)
			}
			assertCounters(t, p, sas, packets)

			for range 2 {
				for _, s := range p.s {
					if err := s.b.DeleteTunnel(tunnelID); err != nil {
						t.Fatal(err)
					}
				}
			}
			for _, s := range p.s {
				if _, ok := s.b.ChildSAStats(sas[0].ID()); ok {
					t.Error("ChildSAStats after DeleteTunnel reports the SA installed")
				}
				assertNoTunnelState(t, s, tunnelID)
			}
		})
	}
}

// assertInstallRefused checks that installing sa again fails and leaves the
// SAs and policies as they were.
func assertInstallRefused(t *testing.T, s *site, sa dataplane.ChildSA) {
	t.Helper()
	before := dump(t, s)
	if err := s.b.InstallChildSA(sa); err == nil {
		t.Error("second InstallChildSA with the same SPIs succeeded")
	}
	other := sa
	other.In.SPI ^= 0x0f000000 // a free inbound SPI, a taken outbound one
	if err := s.b.InstallChildSA(other); err == nil {
		t.Error("InstallChildSA with a taken outbound SPI succeeded")
	}
	if diff := cmp.Diff(before, dump(t, s)); diff != "" {
		t.Errorf("failed installs changed the kernel (-before +after):\n%s", diff)
	}
}

// assertCounters checks both sites' CHILD SA counters against the packets
// sent each way, and that the two ends of each SA agree on the bytes.
func assertCounters(t *testing.T, p *pair, sas [2]dataplane.ChildSA, packets uint64) {
	t.Helper()
	var c [2]dataplane.Counters
	for i, s := range p.s {
		var ok bool
		if c[i], ok = s.b.ChildSAStats(sas[i].ID()); !ok {
			t.Fatalf("site %d: ChildSAStats(%v): not installed", i, sas[i].ID())
		}
		t.Logf("site %d %v: %+v", i, sas[i].ID(), c[i])
		want := dataplane.Counters{OutPackets: packets, OutBytes: c[i].OutBytes, InPackets: packets, InBytes: c[i].InBytes}
		if c[i] != want || c[i].OutBytes == 0 {
			t.Errorf("site %d counters %+v, want %d packets each way, some bytes, no drops", i, c[i], packets)
		}
	}
	if c[0].OutBytes != c[1].InBytes || c[1].OutBytes != c[0].InBytes {
		t.Errorf("byte counters differ between the ends of an SA: %+v", c)
	}
}

// testRekey runs make-before-break: while site a streams UDP to site b, a
// second CHILD SA is installed on both sites and the first one deleted; no
// datagram may be lost, and the kernel must switch outbound traffic to the
// newer SA as soon as it is installed.
func testRekey(t *testing.T) {
	p := newPair(t, "rekey", false, "")
	alg := dataplane.Algorithms{Encr: encrAESGCM16, EncrKeyBits: 256}
	old := p.childSAs(alg, dataplane.Direction{SPI: 0xc1000ab1, EncrKey: key(1, 36)},
		dataplane.Direction{SPI: 0xc1000ba1, EncrKey: key(2, 36)}, 0)
	rekeyed := p.childSAs(alg, dataplane.Direction{SPI: 0xc2000ab1, EncrKey: key(3, 36)},
		dataplane.Direction{SPI: 0xc2000ba1, EncrKey: key(4, 36)}, 0)
	p.install(t, old)

	const total = 150
	src, dst := lan4[0].Addr(), lan4[1].Addr()
	recv := newReceiver(t, p.s[1], dst)
	var sent atomic.Int64
	senderDone := make(chan error, 1)
	conn := dialUDP(t, p.s[0], p.lanDev[0], src, dst)
	go func() {
		for i := range total {
			if _, err := fmt.Fprintf(conn, "%s %d", plaintextMarker, i); err != nil {
				senderDone <- fmt.Errorf("send %d: %w", i, err)
				return
			}
			sent.Add(1)
			time.Sleep(time.Millisecond)
		}
		senderDone <- nil
	}()
	waitSent := func(n int64) {
		t.Helper()
		for deadline := time.Now().Add(10 * time.Second); sent.Load() < n; time.Sleep(time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("sender stuck at %d datagrams", sent.Load())
			}
		}
	}
	stats := func(i int, sa dataplane.ChildSA) dataplane.Counters {
		t.Helper()
		c, ok := p.s[i].b.ChildSAStats(sa.ID())
		if !ok {
			t.Fatalf("site %d: %v not installed", i, sa.ID())
		}
		return c
	}

	waitSent(total / 3)
	p.install(t, rekeyed)
	time.Sleep(20 * time.Millisecond) // a datagram sent during the install may still take the old SA
	afterInstall := stats(0, old[0])
	waitSent(2 * total / 3)
	beforeDelete := [2]dataplane.Counters{stats(0, old[0]), stats(1, old[1])}
	if beforeDelete[0].OutPackets != afterInstall.OutPackets {
		t.Errorf("old SA sent %d packets after the new one was installed, want 0: the kernel did not prefer the newer SA",
			beforeDelete[0].OutPackets-afterInstall.OutPackets)
	}
	for i, s := range p.s {
		if err := s.b.DeleteChildSA(old[i].ID()); err != nil {
			t.Fatal(err)
		}
		if err := s.b.DeleteChildSA(old[i].ID()); err == nil {
			t.Errorf("site %d: deleting the old CHILD SA twice succeeded", i)
		}
	}
	if err := <-senderDone; err != nil {
		t.Fatal(err)
	}
	got := recv.wait(total, 3*time.Second)
	after := [2]dataplane.Counters{stats(0, rekeyed[0]), stats(1, rekeyed[1])}
	t.Logf("sent %d, received %d; old SA out %d (%d before the new one), new SA out %d",
		total, got, beforeDelete[0].OutPackets, afterInstall.OutPackets, after[0].OutPackets)
	if got != total {
		t.Errorf("received %d of %d datagrams across the rekey", got, total)
	}
	if out := beforeDelete[0].OutPackets + after[0].OutPackets; out != total || after[0].OutPackets == 0 {
		t.Errorf("site a sent %d on the old SA and %d on the new one, want %d in all, some on each",
			beforeDelete[0].OutPackets, after[0].OutPackets, total)
	}
	if in := beforeDelete[1].InPackets + after[1].InPackets; in != total {
		t.Errorf("site b received %d on the old SA and %d on the new one, want %d", beforeDelete[1].InPackets, after[1].InPackets, total)
	}
	states := dump(t, p.s[0]).States
	want := []string{fmt.Sprintf("%08x", rekeyed[0].In.SPI), fmt.Sprintf("%08x", rekeyed[0].Out.SPI)}
	if slices.Sort(want); !cmp.Equal(states, want) {
		t.Errorf("site a SAs after the rekey %v, want only the new pair %v", states, want)
	}
}

// receiver counts the distinct datagrams arriving on a UDP socket.
type receiver struct {
	mu   sync.Mutex
	seen map[string]bool
}

// newReceiver listens on addr:5000 in the site's namespace until the test
// ends.
func newReceiver(t *testing.T, s *site, addr netip.Addr) *receiver {
	t.Helper()
	var conn *net.UDPConn
	inNamespace(t, s.ns, func() {
		var err error
		if conn, err = net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.AddrPortFrom(addr, 5000))); err != nil {
			t.Fatalf("listen: %v", err)
		}
	})
	t.Cleanup(func() { conn.Close() })
	r := &receiver{seen: map[string]bool{}}
	go func() {
		buf := make([]byte, 1500)
		for {
			n, err := conn.Read(buf)
			if err != nil {
				return
			}
			r.mu.Lock()
			r.seen[string(buf[:n])] = true
			r.mu.Unlock()
		}
	}()
	return r
}

// wait returns the number of distinct datagrams received once it reaches
// n or after the timeout.
func (r *receiver) wait(n int, timeout time.Duration) int {
	for deadline := time.Now().Add(timeout); ; time.Sleep(10 * time.Millisecond) {
		r.mu.Lock()
		got := len(r.seen)
		r.mu.Unlock()
		if got >= n || time.Now().After(deadline) {
			return got
		}
	}
}

// dialUDP returns a UDP socket of the site's namespace from src to
// dst:5000, bound to the VRF device dev unless dev is lo.
func dialUDP(t *testing.T, s *site, dev string, src, dst netip.Addr) *net.UDPConn {
	t.Helper()
	var conn *net.UDPConn
	d := net.Dialer{LocalAddr: net.UDPAddrFromAddrPort(netip.AddrPortFrom(src, 0))}
	if dev != "lo" {
		d.Control = func(_, _ string, c syscall.RawConn) error {
			var err error
			if cerr := c.Control(func(fd uintptr) { err = unix.BindToDevice(int(fd), dev) }); cerr != nil {
				return cerr
			}
			return err
		}
	}
	inNamespace(t, s.ns, func() {
		c, err := d.Dial("udp", netip.AddrPortFrom(dst, 5000).String())
		if err != nil {
			t.Fatalf("dial: %v", err)
		}
		conn = c.(*net.UDPConn)
	})
	t.Cleanup(func() { conn.Close() })
	return conn
}

// site is one network namespace of a test with a Backend on it.
type site struct {
	ns   netns.NsHandle
	path string
	b    *Backend
}

// newSite creates a network namespace with lo up and a Backend on it; both
// go away with the test.
func newSite(t *testing.T, name string) *site {
	t.Helper()
	s := &site{path: "/run/netns/" + name}
	inNamespace(t, 0, func() {
		var err error
		if s.ns, err = netns.NewNamed(name); err != nil {
			t.Fatalf("create namespace %s: %v", name, err)
		}
	})
	t.Cleanup(func() {
		s.ns.Close()
		if err := netns.DeleteNamed(name); err != nil {
			t.Errorf("delete namespace %s: %v", name, err)
		}
	})
	var err error
	if s.b, err = New(Config{Netns: s.path}); err != nil {
		t.Fatal(err)
	}
	s.b.grace = 0 // the tests read the kernel right after DeleteChildSA
	t.Cleanup(s.b.Close)
	lo, err := s.b.nl.LinkByName("lo")
	if err == nil {
		err = s.b.nl.LinkSetUp(lo)
	}
	if err != nil {
		t.Fatalf("namespace %s: lo up: %v", name, err)
	}
	quietIPv6(t, s)
	return s
}

// quietIPv6 keeps the IPv6 control traffic of new interfaces out of the
// tunnels' counters: no router solicitations, and the retransmission of
// the unsolicited MLD reports sent when an interface comes up within a
// millisecond, long before the tests install SAs.
func quietIPv6(t *testing.T, s *site) {
	t.Helper()
	inNamespace(t, s.ns, func() {
		for k, v := range map[string]string{
			"router_solicitations": "0", "mldv1_unsolicited_report_interval": "1", "mldv2_unsolicited_report_interval": "1",
		} {
			if err := os.WriteFile("/proc/sys/net/ipv6/conf/default/"+k, []byte(v), 0); err != nil {
				t.Fatal(err)
			}
		}
	})
}

// inNamespace runs fn on a locked OS thread switched into ns (or, with ns
// 0, left where it is, for functions that switch it themselves) and then
// restores the thread's namespace. Sockets opened by fn stay in ns.
func inNamespace(t *testing.T, ns netns.NsHandle, fn func()) {
	t.Helper()
	runtime.LockOSThread()
	orig, err := netns.Get()
	if err != nil {
		runtime.UnlockOSThread()
		t.Fatalf("current namespace: %v", err)
	}
	defer orig.Close()
	defer func() {
		// A thread that cannot be restored stays locked and dies with
		// the goroutine rather than serving others in the wrong namespace.
		if err := netns.Set(orig); err != nil {
			t.Errorf("restore namespace: %v", err)
			return
		}
		runtime.UnlockOSThread()
	}()
	if ns != 0 {
		if err := netns.Set(ns); err != nil {
			t.Fatalf("enter namespace: %v", err)
		}
	}
	fn()
}

// linkVeth joins the namespaces of a and b with veth0 on each side,
// addressed and up.
func linkVeth(t *testing.T, a, b *site, addrs [2]netip.Prefix) {
	t.Helper()
	linkVethNamed(t, a, b, [2]string{"veth0", "veth0"}, addrs)
}

// linkVethNamed joins the namespaces of a and b with a veth pair named
// names[0] in a and names[1] in b, addressed and up.
func linkVethNamed(t *testing.T, a, b *site, names [2]string, addrs [2]netip.Prefix) {
	t.Helper()
	attrs := netlink.NewLinkAttrs()
	attrs.Name = names[0]
	if err := a.b.nl.LinkAdd(&netlink.Veth{LinkAttrs: attrs, PeerName: "vethpeer", PeerNamespace: netlink.NsFd(int(b.ns))}); err != nil {
		t.Fatalf("add veth: %v", err)
	}
	link, err := b.b.nl.LinkByName("vethpeer")
	if err == nil {
		err = b.b.nl.LinkSetName(link, names[1])
	}
	if err != nil {
		t.Fatalf("rename vethpeer: %v", err)
	}
	for i, s := range []*site{a, b} {
		addAddr(t, s, names[i], addrs[i])
		link, err := s.b.nl.LinkByName(names[i])
		if err == nil {
			err = s.b.nl.LinkSetUp(link)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
}

// addAddr adds an address to the named link, without duplicate address
// detection for IPv6.
func addAddr(t *testing.T, s *site, name string, p netip.Prefix) {
	t.Helper()
	link, err := s.b.nl.LinkByName(name)
	if err != nil {
		t.Fatal(err)
	}
	addr := &netlink.Addr{IPNet: &net.IPNet{IP: p.Addr().AsSlice(), Mask: net.CIDRMask(p.Bits(), p.Addr().BitLen())}}
	if p.Addr().Is6() {
		addr.Flags = unix.IFA_F_NODAD
	}
	if err := s.b.nl.AddrAdd(link, addr); err != nil {
		t.Fatalf("%s: add %v: %v", name, p, err)
	}
}

// espInUDPSocket opens a UDP socket on port in the site's namespace with
// UDP_ENCAP_ESPINUDP (RFC 3948), as the IKE daemon's NAT-T socket is: the
// kernel decapsulates ESP arriving in UDP only on such a socket.
func espInUDPSocket(t *testing.T, s *site, ipv6 bool, port uint16) {
	t.Helper()
	inNamespace(t, s.ns, func() {
		family, sa := unix.AF_INET, unix.Sockaddr(&unix.SockaddrInet4{Port: int(port)})
		if ipv6 {
			family, sa = unix.AF_INET6, &unix.SockaddrInet6{Port: int(port)}
		}
		fd, err := unix.Socket(family, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, unix.IPPROTO_UDP)
		if err != nil {
			t.Fatalf("ESP-in-UDP socket: %v", err)
		}
		t.Cleanup(func() { unix.Close(fd) })
		if err := unix.SetsockoptInt(fd, unix.IPPROTO_UDP, unix.UDP_ENCAP, unix.UDP_ENCAP_ESPINUDP); err != nil {
			t.Fatalf("UDP_ENCAP: %v", err)
		}
		if err := unix.Bind(fd, sa); err != nil {
			t.Fatalf("bind port %d: %v", port, err)
		}
	})
}

// udpRoundTrips sends n datagrams from src in site a of p to an echo
// server on dst in site b, across the tunnel, and waits for every reply.
func udpRoundTrips(t *testing.T, p *pair, src, dst netip.Addr, n int) {
	t.Helper()
	a, b := p.s[0], p.s[1]
	var srv *net.UDPConn
	inNamespace(t, b.ns, func() {
		var err error
		if srv, err = net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.AddrPortFrom(dst, 5000))); err != nil {
			t.Fatalf("listen: %v", err)
		}
	})
	defer srv.Close()
	go func() {
		buf := make([]byte, 1500)
		for {
			m, from, err := srv.ReadFromUDP(buf)
			if err != nil {
				return
			}
			if _, err := srv.WriteToUDP(buf[:m], from); err != nil {
				return
			}
		}
	}()
	cli := dialUDP(t, a, p.lanDev[0], src, dst)
	defer cli.Close()
	buf := make([]byte, 1500)
	for i := range n {
		msg := fmt.Sprintf("%s %v %d", plaintextMarker, dst, i)
		if _, err := cli.Write([]byte(msg)); err != nil {
			t.Fatalf("send %d: %v", i, err)
		}
		if err := cli.SetReadDeadline(time.Now().Add(3 * time.Second)); err != nil {
			t.Fatal(err)
		}
		m, err := cli.Read(buf)
		if err != nil {
			t.Fatalf("round trip %d to %v: %v\nsender:%s\nreceiver:%s", i, dst, err, xfrmStat(t, a), xfrmStat(t, b))
		}
		if string(buf[:m]) != msg {
			t.Fatalf("round trip %d: got %q, want %q", i, buf[:m], msg)
		}
	}
}

// plaintextMarker starts every datagram sent through the tunnel; it must
// never be seen on the underlay.
const plaintextMarker = "flexvpnd xfrm test"

// kernelState is what the kernel holds of XFRM in one namespace: the SPIs
// of its SAs and the directions and selectors of its policies, sorted.
type kernelState struct {
	States, Policies []string
}

// dump reads the SAs and policies of the site's namespace.
func dump(t *testing.T, s *site) kernelState {
	t.Helper()
	var k kernelState
	states, err := s.b.nl.XfrmStateList(netlink.FAMILY_ALL)
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range states {
		k.States = append(k.States, fmt.Sprintf("%08x", uint32(st.Spi)))
	}
	policies, err := s.b.nl.XfrmPolicyList(netlink.FAMILY_ALL)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range policies {
		k.Policies = append(k.Policies, fmt.Sprintf("%v %v if_id %d", p.Dir, p.Dst, p.Ifid))
	}
	slices.Sort(k.States)
	slices.Sort(k.Policies)
	return k
}

// assertNoTunnelState checks that no SA, policy or xfrm interface is left
// for the if_id.
func assertNoTunnelState(t *testing.T, s *site, ifID uint32) {
	t.Helper()
	if k := dump(t, s); len(k.States) != 0 || len(k.Policies) != 0 {
		t.Errorf("XFRM state left behind: %+v", k)
	}
	if l, err := s.b.tunnelLink(ifID); err != nil || l != nil {
		t.Errorf("xfrm interface of if_id %d left behind: %v, %v", ifID, l, err)
	}
}

// capture is an AF_PACKET socket seeing every frame sent and received on one
// link.
type capture struct{ fd int }

// newCapture opens a capture on the named link of the site's namespace.
func newCapture(t *testing.T, s *site, link string) *capture {
	t.Helper()
	proto := int(htons(unix.ETH_P_ALL))
	c := &capture{fd: -1}
	inNamespace(t, s.ns, func() {
		ifc, err := net.InterfaceByName(link)
		if err != nil {
			t.Fatalf("capture: %v", err)
		}
		if c.fd, err = unix.Socket(unix.AF_PACKET, unix.SOCK_RAW|unix.SOCK_CLOEXEC, proto); err != nil {
			t.Fatalf("capture: socket: %v", err)
		}
		if err := unix.Bind(c.fd, &unix.SockaddrLinklayer{Protocol: uint16(proto), Ifindex: ifc.Index}); err != nil {
			t.Fatalf("capture: bind: %v", err)
		}
	})
	t.Cleanup(func() { unix.Close(c.fd) })
	return c
}

// frames counts captured frames by kind.
type frames struct {
	// esp counts IP packets of protocol 50 (RFC 4303 section 2),
	// espInUDP UDP datagrams to or from port 4500 starting with a
	// non-zero SPI (RFC 3948 section 2.2), plain the frames carrying the
	// plaintext marker anywhere.
	esp, espInUDP, plain int
}

// drain reads the frames captured so far and counts them.
func (c *capture) drain(t *testing.T) frames {
	t.Helper()
	var f frames
	buf := make([]byte, 65536)
	for {
		n, _, err := unix.Recvfrom(c.fd, buf, unix.MSG_DONTWAIT)
		if errors.Is(err, unix.EAGAIN) {
			return f
		}
		if err != nil {
			t.Fatalf("capture: %v", err)
		}
		frame := buf[:n]
		if bytes.Contains(frame, []byte(plaintextMarker)) {
			f.plain++
		}
		proto, payload := ipPayload(frame)
		switch {
		case proto == unix.IPPROTO_ESP:
			f.esp++
		case proto == unix.IPPROTO_UDP && len(payload) >= 12 &&
			(binary.BigEndian.Uint16(payload[0:2]) == 4500 || binary.BigEndian.Uint16(payload[2:4]) == 4500) &&
			!bytes.Equal(payload[8:12], []byte{0, 0, 0, 0}):
			f.espInUDP++
		}
	}
}

// ipPayload returns the protocol and payload of an Ethernet frame carrying
// IPv4 or IPv6 (without extension headers); protocol 0 for anything else.
func ipPayload(frame []byte) (proto byte, payload []byte) {
	if len(frame) < 14 {
		return 0, nil
	}
	ip := frame[14:]
	switch {
	case frame[12] == 0x08 && frame[13] == 0x00 && len(ip) >= 20:
		if hl := int(ip[0]&0x0f) * 4; len(ip) >= hl {
			return ip[9], ip[hl:]
		}
	case frame[12] == 0x86 && frame[13] == 0xdd && len(ip) >= 40:
		return ip[6], ip[40:]
	}
	return 0, nil
}

// htons converts a 16-bit value to network byte order.
func htons(v uint16) uint16 { return v<<8 | v>>8 }

// xfrmStat returns the non-zero lines of the site's /proc/net/xfrm_stat
// and its SAs' counters to explain a failure.
func xfrmStat(t *testing.T, s *site) string {
	var data []byte
	inNamespace(t, s.ns, func() { data, _ = os.ReadFile("/proc/thread-self/net/xfrm_stat") })
	if states, err := s.b.nl.XfrmStateList(netlink.FAMILY_ALL); err == nil {
		for _, st := range states {
			data = fmt.Appendf(data, "SA %08x %v->%v: %d packets %d bytes\n", uint32(st.Spi), st.Src, st.Dst, st.Statistics.Packets, st.Statistics.Bytes)
		}
	}
	var b strings.Builder
	for _, l := range strings.Split(string(data), "\n") {
		if f := strings.Fields(l); len(f) > 0 && f[len(f)-1] != "0" {
			b.WriteString("\n  " + l)
		}
	}
	return b.String()
}
