package userspace

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/flexvpnd/flexvpnd/engine/dataplane"
	"github.com/flexvpnd/flexvpnd/engine/ikev2/transport"
	"github.com/flexvpnd/flexvpnd/engine/swanlab"
	"github.com/google/go-cmp/cmp"
	"golang.org/x/sys/unix"
)

// site is one end of the namespace test: a backend in its namespace, and
// the IKE transport when ESP is UDP-encapsulated.
type site struct {
	ns      string // path of the namespace
	name    string // ip netns name
	b       *Backend
	l       *transport.Listener
	outer   netip.Addr
	tunAddr netip.Prefix
	lan     netip.Prefix // the LAN behind the site (an address on lo)
}

// ignoreIKE is the transport's IKE handler: the test installs SAs by hand.
type ignoreIKE struct{}

func (ignoreIKE) HandleIKE(*transport.Packet) {}

// newSite starts a backend (and with udp a transport listening on the
// NAT-T port) in namespace name.
func newSite(t testing.TB, lab *swanlab.Lab, name string, outer, tunAddr, lan string, udp bool) *site {
	t.Helper()
	s := &site{ns: "/run/netns/" + name, name: name, outer: netip.MustParseAddr(outer),
		tunAddr: netip.MustParsePrefix(tunAddr), lan: netip.MustParsePrefix(lan)}
	// No IPv6 chatter (router solicitations, MLD) in the tunnel: the
	// counters must match the pings exactly. IPv6 stays on the link when
	// it carries the outer packets.
	cmds := [][]string{
		{"sysctl", "-qw", "net.ipv6.conf.default.disable_ipv6=1"},
		{"sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1"},
		{"ip", "address", "add", s.lan.String(), "dev", "lo"},
	}
	if s.outer.Is6() {
		cmds = append(cmds,
			[]string{"sysctl", "-qw", "net.ipv6.conf." + swanlab.LinkName + ".disable_ipv6=0"},
			[]string{"ip", "address", "add", s.outer.String() + "/64", "dev", swanlab.LinkName, "nodad"})
	}
	for _, c := range cmds {
		if out, err := lab.Exec(name, c[0], c[1:]...); err != nil {
			t.Fatalf("%v: %s", err, out)
		}
	}
	cfg := Config{NetNS: s.ns}
	if udp {
		cfg.SendUDP = func(local, remote netip.AddrPort, p []byte) error { return s.l.SendESP(local, remote, p) }
	}
	b, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	s.b = b
	t.Cleanup(func() {
		if err := b.Close(); err != nil {
			t.Errorf("close backend in %s: %v", name, err)
		}
	})
	if b.raw4 == nil || b.raw6 == nil {
		t.Fatal("no raw ESP sockets")
	}
	if udp {
		err := inNetns(s.ns, func() (err error) {
			s.l, err = transport.Listen(context.Background(), transport.Config{
				Addrs: []netip.Addr{s.outer}, NATPort: transport.DefaultNATPort, Handler: ignoreIKE{}, ESP: b})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.l.Close() })
	}
	return s
}

// tunnel is the site's Tunnel0 towards peer, with a route to peer's LAN.
func (s *site) tunnel(peer *site) dataplane.Tunnel {
	return dataplane.Tunnel{ID: 1, Name: "Tunnel0", IfName: "Tunnel0", Addrs: []netip.Prefix{s.tunAddr}, Up: true,
		Local: s.outer, Remote: peer.outer, Routes: []dataplane.Route{{Prefix: peer.lan.Masked(), Distance: 1}}}
}

// ping sends count ICMP echo requests (RFC 792) from src to dst in the
// site's namespace, 200 ms apart, waits up to a second for each reply, and
// reports whether every one was answered: ping(8) -c count -W 1 -i 0.2,
// without needing iputils.
func (s *site) ping(t *testing.T, count int, src, dst netip.Addr) bool {
	t.Helper()
	var fd int
	err := inNetns(s.ns, func() (err error) {
		if fd, err = unix.Socket(unix.AF_INET, unix.SOCK_RAW|unix.SOCK_CLOEXEC, unix.IPPROTO_ICMP); err != nil {
			return err
		}
		return unix.Bind(fd, &unix.SockaddrInet4{Addr: src.As4()})
	})
	if err != nil {
		t.Fatalf("ping socket: %v", err)
	}
	defer unix.Close(fd)
	tv := unix.NsecToTimeval(int64(100 * time.Millisecond))
	if err := unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv); err != nil {
		t.Fatal(err)
	}
	const id = 0x4242
	answered := 0
	buf := make([]byte, 1500)
	for seq := 1; seq <= count; seq++ {
		req := make([]byte, 64)
		req[0] = 8 // echo request
		binary.BigEndian.PutUint16(req[4:], id)
		binary.BigEndian.PutUint16(req[6:], uint16(seq))
		binary.BigEndian.PutUint16(req[2:], checksum(req))
		if err := unix.Sendto(fd, req, 0, &unix.SockaddrInet4{Addr: dst.As4()}); err != nil {
			t.Logf("ping %v: %v", dst, err)
			continue
		}
		for deadline := time.Now().Add(time.Second); time.Now().Before(deadline); {
			n, _, err := unix.Recvfrom(fd, buf, 0)
			if err != nil || n < 28 {
				continue
			}
			ihl := int(buf[0]&0x0F) * 4
			r := buf[ihl:n]
			if netip.AddrFrom4([4]byte(buf[12:16])) == dst && r[0] == 0 &&
				binary.BigEndian.Uint16(r[4:]) == id && binary.BigEndian.Uint16(r[6:]) == uint16(seq) {
				answered++
				break
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Logf("ping %v from %v: %d of %d answered", dst, src, answered, count)
	return answered == count
}

// checksum is the Internet checksum (RFC 1071).
func checksum(b []byte) uint16 {
	var sum uint32
	for i := 0; i+1 < len(b); i += 2 {
		sum += uint32(binary.BigEndian.Uint16(b[i:]))
	}
	for sum > 0xFFFF {
		sum = sum>>16 + sum&0xFFFF
	}
	return ^uint16(sum)
}

// capture counts the IPv4 packets crossing a link, in both directions, by
// kind, through an AF_PACKET socket (tcpdump is not needed).
type capture struct {
	fd      int
	stop    atomic.Bool
	wg      sync.WaitGroup
	mu      sync.Mutex
	counted map[string]int
}

// startCapture opens the capture on link in namespace ns.
func startCapture(t *testing.T, ns, link string) *capture {
	t.Helper()
	c := &capture{counted: make(map[string]int)}
	err := inNetns(ns, func() error {
		ifc, err := net.InterfaceByName(link)
		if err != nil {
			return err
		}
		// ETH_P_ALL: packet sockets bound to one protocol do not see
		// outgoing packets.
		proto := int(htons(unix.ETH_P_ALL))
		if c.fd, err = unix.Socket(unix.AF_PACKET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, proto); err != nil {
			return err
		}
		tv := unix.NsecToTimeval(int64(50 * time.Millisecond))
		if err := unix.SetsockoptTimeval(c.fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv); err != nil {
			return err
		}
		return unix.Bind(c.fd, &unix.SockaddrLinklayer{Protocol: htons(unix.ETH_P_ALL), Ifindex: ifc.Index})
	})
	if err != nil {
		t.Fatalf("capture on %s: %v", link, err)
	}
	c.wg.Add(1)
	go c.run()
	t.Cleanup(c.close)
	return c
}

func htons(v uint16) uint16 { return v<<8 | v>>8 }

// run reads packets until close.
func (c *capture) run() {
	defer c.wg.Done()
	buf := make([]byte, 1<<16)
	for !c.stop.Load() {
		n, from, err := unix.Recvfrom(c.fd, buf, 0)
		if err != nil {
			continue // timeout: check stop
		}
		ll, ok := from.(*unix.SockaddrLinklayer)
		if !ok {
			continue
		}
		var k string
		switch ll.Protocol {
		case htons(unix.ETH_P_IP):
			k = kind(buf[:n])
		case htons(unix.ETH_P_IPV6):
			if k = kind6(buf[:n]); k == "icmp6" {
				continue // neighbour discovery and MLD on the link
			}
		default:
			continue // ARP
		}
		c.mu.Lock()
		c.counted[k]++
		c.mu.Unlock()
	}
}

// kind classifies an IPv4 packet: "esp", "esp-in-udp" (UDP to port 4500
// with a non-zero SPI), "unreachable" (an ICMP destination unreachable
// about an ESP or UDP packet), or the inner protocols that must never be
// seen in clear: "icmp", "tcp", "udp", "other".
func kind(p []byte) string {
	if len(p) < 20 {
		return "short"
	}
	ihl := int(p[0]&0x0F) * 4
	switch p[9] {
	case unix.IPPROTO_ESP:
		return "esp"
	case unix.IPPROTO_ICMP:
		if len(p) >= ihl+8+20 && p[ihl] == 3 && (p[ihl+8+9] == unix.IPPROTO_ESP || p[ihl+8+9] == unix.IPPROTO_UDP) {
			return "unreachable"
		}
		return "icmp"
	case unix.IPPROTO_TCP:
		return "tcp"
	case unix.IPPROTO_UDP:
		if len(p) >= ihl+12 && binary.BigEndian.Uint16(p[ihl+2:]) == transport.DefaultNATPort &&
			binary.BigEndian.Uint32(p[ihl+8:]) != 0 {
			return "esp-in-udp"
		}
		return "udp"
	}
	return "other"
}

// kind6 classifies an IPv6 packet carrying the outer packets ("esp",
// "esp-in-udp") or link chatter, neighbour discovery and MLD ("icmp6");
// the inner packets of the test are IPv4.
func kind6(p []byte) string {
	if len(p) < 40 {
		return "short"
	}
	switch p[6] {
	case unix.IPPROTO_ESP:
		return "esp"
	case unix.IPPROTO_ICMPV6, unix.IPPROTO_HOPOPTS: // MLD reports carry a hop-by-hop header
		return "icmp6"
	case unix.IPPROTO_UDP:
		if len(p) >= 52 && binary.BigEndian.Uint16(p[42:]) == transport.DefaultNATPort && binary.BigEndian.Uint32(p[48:]) != 0 {
			return "esp-in-udp"
		}
	}
	return "other6"
}

// counts returns a snapshot of the counts and resets them.
func (c *capture) counts() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	m := c.counted
	c.counted = make(map[string]int)
	return m
}

func (c *capture) close() {
	if c.stop.Swap(true) {
		return
	}
	c.wg.Wait()
	unix.Close(c.fd)
}

// TestNamespaces runs two backends in two network namespaces joined by a
// veth: a CHILD SA installed by hand on both carries pings between the
// tunnel addresses and to a LAN behind the far end, the link shows only
// ESP, the counters match the pings, forged packets are dropped and
// counted, and deleting the SA and then the tunnel stops the traffic and
// removes the interface and its routes.
func TestNamespaces(t *testing.T) {
	tests := []struct {
		suite   suite
		udp, v6 bool
	}{
		{suite: suites[0]},
		{suite: suites[1]},
		{suite: suites[0], udp: true},
		{suite: suites[0], v6: true},
		{suite: suites[2], udp: true, v6: true},
	}
	for _, tt := range tests {
		name := "esp/" + tt.suite.name
		if tt.udp {
			name = "udp/" + tt.suite.name
		}
		if tt.v6 {
			name += "/ipv6"
		}
		t.Run(name, func(t *testing.T) { testNamespaces(t, tt.suite, tt.udp, tt.v6) })
	}
}

// sitePair builds the two sites of a lab, with Tunnel0 on each and a
// CHILD SA of suite su (UDP-encapsulated if udp) installed on both.
func sitePair(t testing.TB, su suite, udp, v6 bool) (lab *swanlab.Lab, a, b *site, saA, saB dataplane.ChildSA) {
	t.Helper()
	lab = swanlab.New(t)
	outerA, outerB := swanlab.AddrA, swanlab.AddrB
	if v6 {
		outerA, outerB = "2001:db8:ff::1", "2001:db8:ff::2"
	}
	a = newSite(t, lab, lab.NSA, outerA, "10.255.0.1/30", "10.10.0.1/24", udp)
	b = newSite(t, lab, lab.NSB, outerB, "10.255.0.2/30", "10.20.0.1/24", udp)
	for _, x := range [][2]*site{{a, b}, {b, a}} {
		if err := x[0].b.EnsureTunnel(x[0].tunnel(x[1])); err != nil {
			t.Fatal(err)
		}
	}
	var encap dataplane.UDPEncap
	if udp {
		encap = udpEncap
	}
	saA, saB = su.pair(1, 0xc0000ab1, 0xc0000ba1, encap)
	saA.Local, saA.Remote, saB.Local, saB.Remote = a.outer, b.outer, b.outer, a.outer
	if err := a.b.InstallChildSA(saA); err != nil {
		t.Fatal(err)
	}
	if err := b.b.InstallChildSA(saB); err != nil {
		t.Fatal(err)
	}
	return lab, a, b, saA, saB
}

func testNamespaces(t *testing.T, su suite, udp, v6 bool) {
	lab, a, b, saA, saB := sitePair(t, su, udp, v6)
	wantKind := "esp"
	if udp {
		wantKind = "esp-in-udp"
	}
	capt := startCapture(t, a.ns, swanlab.LinkName)

	// Tunnel address to tunnel address, then tunnel address to the LAN
	// behind b: 10 echo requests and 10 replies.
	if !a.ping(t, 5, a.tunAddr.Addr(), b.tunAddr.Addr()) {
		t.Fatal("ping across the tunnel failed")
	}
	if !a.ping(t, 5, a.tunAddr.Addr(), b.lan.Addr()) {
		t.Fatal("ping to the LAN behind the tunnel failed")
	}
	time.Sleep(100 * time.Millisecond) // let the capture read the last packets
	if diff := cmp.Diff(map[string]int{wantKind: 20}, capt.counts()); diff != "" {
		t.Errorf("packets on the link (-want +got):\n%s", diff)
	}
	ca, _ := a.b.ChildSAStats(saA.ID())
	cb, _ := b.b.ChildSAStats(saB.ID())
	if ca.OutPackets != 10 || ca.InPackets != 10 || cb.OutPackets != 10 || cb.InPackets != 10 || ca.OutBytes != cb.InBytes || cb.OutBytes != ca.InBytes {
		t.Errorf("counters of a %+v and b %+v, want 10 packets each way", ca, cb)
	}

	// A TCP transfer exercises the segmentation offloads of the TUN
	// devices (TSO on the way in, GRO on the way out); none of it crosses
	// the link in clear.
	if _, err := transfer(a, b, b.lan.Addr(), 4<<20); err != nil {
		t.Fatalf("TCP across the tunnel: %v", err)
	}
	time.Sleep(100 * time.Millisecond)
	got := capt.counts()
	if n := got["unreachable"]; n > 0 {
		// A receive queue that overflowed: the kernel answers protocol
		// or port unreachable about the outer packet, quoting only its
		// ESP header.
		t.Logf("%d ICMP unreachable about ESP packets dropped by a full socket", n)
		delete(got, "unreachable")
	}
	if len(got) != 1 || got[wantKind] == 0 {
		t.Errorf("packets on the link during the TCP transfer: %v, want only %s", got, wantKind)
	}

	// shutdown on b's tunnel: the link goes down and takes its routes
	// along; no shutdown (with a new MTU) brings both back.
	down := b.tunnel(a)
	down.Up = false
	if err := b.b.EnsureTunnel(down); err != nil {
		t.Fatal(err)
	}
	if a.ping(t, 1, a.tunAddr.Addr(), b.lan.Addr()) {
		t.Error("ping answered through a shut down tunnel")
	}
	up := b.tunnel(a)
	up.MTU = 1300
	if err := b.b.EnsureTunnel(up); err != nil {
		t.Fatal(err)
	}
	if out, err := lab.Exec(b.name, "ip", "-o", "link", "show", "Tunnel0"); err != nil || !strings.Contains(out, "mtu 1300") {
		t.Errorf("Tunnel0 after an MTU change (%v): %s", err, out)
	}
	if !a.ping(t, 1, a.tunAddr.Addr(), b.lan.Addr()) {
		t.Error("no answer after no shutdown")
	}
	capt.counts()

	before, _ := a.b.ChildSAStats(saA.ID())
	forge(t, a, b, saA.In.SPI)
	eventually(t, "forged packets counted", func() bool {
		c, _ := a.b.ChildSAStats(saA.ID())
		return a.b.Stats().UnknownSPI == 1 && c.AuthFailures == 1 && c.InPackets == before.InPackets
	}, func() string {
		c, _ := a.b.ChildSAStats(saA.ID())
		return fmt.Sprintf("backend %+v, SA %+v, before %+v", a.b.Stats(), c, before)
	})

	if err := a.b.DeleteChildSA(saA.ID()); err != nil {
		t.Fatal(err)
	}
	if a.ping(t, 2, a.tunAddr.Addr(), b.tunAddr.Addr()) {
		t.Error("ping crossed the tunnel without an SA")
	}
	eventually(t, "packets without an SA counted", func() bool { return a.b.Stats().NoSA == 2 },
		func() string { return fmt.Sprintf("%+v", a.b.Stats()) })
	// Only the two forged packets crossed the link since the pings: the
	// echo requests without an SA were dropped, not sent in clear.
	if diff := cmp.Diff(map[string]int{"esp": 2}, capt.counts()); diff != "" {
		t.Errorf("packets on the link after the SA was deleted (-want +got):\n%s", diff)
	}

	if err := a.b.DeleteTunnel(1); err != nil {
		t.Fatal(err)
	}
	if out, err := lab.Exec(a.name, "ip", "-o", "link", "show"); err != nil || strings.Contains(out, "Tunnel0") {
		t.Errorf("links after DeleteTunnel (%v):\n%s", err, out)
	}
	if out, err := lab.Exec(a.name, "ip", "route", "show", "table", "all"); err != nil || strings.Contains(out, b.lan.Masked().String()) {
		t.Errorf("routes after DeleteTunnel (%v):\n%s", err, out)
	}
	if err := a.b.DeleteTunnel(1); err != nil {
		t.Errorf("second DeleteTunnel: %v", err)
	}

	// Closing a backend removes its tunnels too.
	if err := b.b.Close(); err != nil {
		t.Fatal(err)
	}
	if out, err := lab.Exec(b.name, "ip", "-o", "link", "show"); err != nil || strings.Contains(out, "Tunnel0") {
		t.Errorf("links after Close (%v):\n%s", err, out)
	}
	if err := b.b.EnsureTunnel(b.tunnel(a)); err == nil {
		t.Error("EnsureTunnel after Close succeeded")
	}
}

// forge sends, from b's namespace to a, an ESP packet with an unknown SPI
// and one with a's inbound SPI but a wrong ICV (its sequence number is new,
// so it passes the replay check): a must count both and deliver neither.
func forge(t *testing.T, a, b *site, spi uint32) {
	t.Helper()
	pkt := make([]byte, 72) // SPI, sequence, IV and 32 octets: aligned for CBC
	for i := range pkt {
		pkt[i] = byte(i * 7)
	}
	binary.BigEndian.PutUint32(pkt[4:], 1<<30)
	err := inNetns(b.ns, func() error {
		s, err := openRaw(a.outer.Is6())
		if err != nil {
			return err
		}
		defer s.close()
		unknown := bytes.Clone(pkt)
		binary.BigEndian.PutUint32(unknown, 0xdead)
		binary.BigEndian.PutUint32(pkt, spi)
		bio := newBatchIO(2)
		bio.setBuf(0, unknown)
		bio.setBuf(1, pkt)
		if failed, err := s.write(bio, 2, newSockaddr(a.outer)); err != nil || failed != 0 {
			return fmt.Errorf("%d not sent: %v", failed, err)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("forge: %v", err)
	}
}

// eventually fails the test if cond does not hold within two seconds;
// state describes what was seen instead.
func eventually(t *testing.T, what string, cond func() bool, state func() string) {
	t.Helper()
	for deadline := time.Now().Add(2 * time.Second); !cond(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within 2s: %s", what, state())
		}
	}
}

// transfer sends size octets over TCP from the tunnel address of from to
// dst, a listener in to's namespace, and checks that they arrive intact. It
// returns the time the transfer took. Every step is bounded by a deadline.
func transfer(from, to *site, dst netip.Addr, size int) (time.Duration, error) {
	var ln net.Listener
	err := inNetns(to.ns, func() (err error) {
		ln, err = net.Listen("tcp4", netip.AddrPortFrom(dst, 0).String())
		return err
	})
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	deadline := time.Now().Add(30 * time.Second)
	type result struct {
		sum [sha256.Size]byte
		n   int64
		err error
	}
	done := make(chan result, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			done <- result{err: err}
			return
		}
		defer c.Close()
		c.SetDeadline(deadline)
		h := sha256.New()
		n, err := io.Copy(h, c)
		done <- result{sum: [sha256.Size]byte(h.Sum(nil)), n: n, err: err}
	}()
	var c net.Conn
	err = inNetns(from.ns, func() (err error) {
		d := net.Dialer{LocalAddr: net.TCPAddrFromAddrPort(netip.AddrPortFrom(from.tunAddr.Addr(), 0)), Deadline: deadline}
		c, err = d.Dial("tcp4", ln.Addr().String())
		return err
	})
	if err != nil {
		return 0, err
	}
	data := make([]byte, size)
	for i := range data {
		data[i] = byte(i * 31 >> 8)
	}
	start := time.Now()
	c.SetDeadline(deadline)
	_, err = c.Write(data)
	c.Close()
	if err != nil {
		return 0, err
	}
	r := <-done
	elapsed := time.Since(start)
	switch {
	case r.err != nil:
		return 0, r.err
	case r.n != int64(size) || r.sum != sha256.Sum256(data):
		return 0, fmt.Errorf("received %d octets, want %d, intact %v", r.n, size, r.sum == sha256.Sum256(data))
	}
	return elapsed, nil
}

// BenchmarkTunnelTCP measures the TCP throughput from one namespace to the
// other through the userspace tunnels (TUN, ESP in Go, raw ESP or UDP on
// a veth), 16 MiB per iteration. cpu-s/Gbit is the CPU time of the whole
// process (both backends and both TCP endpoints) per gigabit carried.
func BenchmarkTunnelTCP(b *testing.B) {
	for _, tt := range []struct {
		name string
		udp  bool
	}{{"esp/aes-gcm-256", false}, {"udp/aes-gcm-256", true}} {
		b.Run(tt.name, func(b *testing.B) {
			_, sa, sb, _, _ := sitePair(b, suites[0], tt.udp, false)
			const size = 16 << 20
			b.SetBytes(size)
			b.ReportAllocs()
			var total time.Duration
			cpu := cpuTime(b)
			for b.Loop() {
				d, err := transfer(sa, sb, sb.lan.Addr(), size)
				if err != nil {
					b.Fatal(err)
				}
				total += d
			}
			gbits := float64(size*8*b.N) / 1e9
			b.ReportMetric(gbits*1e3/total.Seconds(), "Mbit/s")
			b.ReportMetric(time.Duration(cpuTime(b)-cpu).Seconds()/gbits, "cpu-s/Gbit")
		})
	}
}
