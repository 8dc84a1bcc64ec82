package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/flexvpnd/flexvpnd/engine/netns"
	"golang.org/x/sys/unix"
)

// The namespace lab of the data-plane integration tests (issue 4): routers
// running flexvpnd (or charon) joined by a WAN veth, each with a LAN
// namespace behind it whose host routes through the router. Every address
// exists only inside namespaces the test created: the WAN is in the RFC
// 2544 benchmarking range 198.18.0.0/15, the LANs and tunnels in
// 198.19.0.0/16.
const (
	labWAN  = "198.18.30." // routers .1, .2, .3 on the WAN, /24
	labLANs = "198.19."    // LAN n is 198.19.n.0/24: router .1, host .2
	labTunA = "198.19.250.1"
	labTunB = "198.19.250.2"
)

// tunnelRoute is the IOS static route of the /24 network lanNet into
// Tunnel0.
func tunnelRoute(lanNet string) string {
	return "ip route " + lanNet + " 255.255.255.0 Tunnel0\n"
}

// TestNetnsDataplane runs the namespace integration tests of issues 4 and
// 6 with one build of flexvpnd: site-to-site sVTI between two LANs, a hub
// with Virtual-Access interfaces for two spokes, interop with strongSwan
// (kernel-libipsec), a FlexVPN client failing over between two hubs, and
// IKE fragmentation on the wire, each configured by IOS text with the
// userspace data plane.
func TestNetnsDataplane(t *testing.T) {
	labNeeds(t)
	bin := buildBinary(t)
	t.Run("site-to-site", func(t *testing.T) { testSiteToSite(t, bin) })
	t.Run("hub-and-spokes", func(t *testing.T) { testHubSpokes(t, bin) })
	t.Run("strongswan", func(t *testing.T) { testStrongSwan(t, bin) })
	t.Run("flexvpn-client", func(t *testing.T) { testFlexVPNClient(t, bin) })
	t.Run("fragmentation", func(t *testing.T) { testFragmentation(t, bin) })
}

// requireEnvVar turns the skips of these tests into failures, as it does
// for the strongSwan harness (engine/swanlab).
const requireEnvVar = "SWANLAB_REQUIRE"

// labSkip skips the test for reason, or fails it under SWANLAB_REQUIRE=1.
func labSkip(t testing.TB, reason string) {
	t.Helper()
	if os.Getenv(requireEnvVar) == "1" {
		t.Fatalf("%s (and %s=1)", reason, requireEnvVar)
	}
	t.Skip(reason)
}

// labNeeds skips (see labSkip) unless the machine can host the lab and
// has the given programs.
func labNeeds(t testing.TB, programs ...string) {
	t.Helper()
	if os.Geteuid() != 0 {
		labSkip(t, "needs root for network namespaces")
	}
	for _, p := range append([]string{"ip"}, programs...) {
		if _, err := exec.LookPath(p); err != nil {
			labSkip(t, fmt.Sprintf("%s not installed", p))
		}
	}
	if _, err := os.Stat("/dev/net/tun"); err != nil {
		labSkip(t, "no /dev/net/tun for the userspace data plane")
	}
}

var labSeq atomic.Int64

// netnsLab creates uniquely named namespaces (fxl-<pid>-<n>-<role>) and
// removes them, with every link in them, when the test ends.
type netnsLab struct {
	t      testing.TB
	prefix string
}

// newNetnsLab returns an empty lab; labNeeds must have been called.
func newNetnsLab(t testing.TB) *netnsLab {
	return &netnsLab{t: t, prefix: fmt.Sprintf("fxl-%d-%d-", os.Getpid(), labSeq.Add(1))}
}

// ns creates the namespace of role with lo up, IPv6 off (so that the WAN
// carries only the tests' IPv4) and IPv4 forwarding as asked.
func (l *netnsLab) ns(role string, forward bool) string {
	t := l.t
	t.Helper()
	name := l.prefix + role
	ipCmd(t, "netns", "add", name)
	t.Cleanup(func() {
		if out, err := exec.Command("ip", "netns", "delete", name).CombinedOutput(); err != nil {
			t.Errorf("ip netns delete %s: %v\n%s", name, err, out)
		}
	})
	ipCmd(t, "-n", name, "link", "set", "lo", "up")
	sysctls := map[string]string{"net/ipv6/conf/all/disable_ipv6": "1", "net/ipv6/conf/default/disable_ipv6": "1"}
	if forward {
		sysctls["net/ipv4/ip_forward"] = "1"
	}
	sysctl(t, name, sysctls)
	return name
}

// sysctl sets the namespace's sysctls, keys as paths under /proc/sys.
func sysctl(t testing.TB, ns string, kv map[string]string) {
	t.Helper()
	if err := netns.Do(ns, func() error {
		for k, v := range kv {
			if err := os.WriteFile("/proc/sys/"+k, []byte(v), 0o644); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatalf("sysctl in %s: %v", ns, err)
	}
}

// veth joins namespaces a and b by a veth link named ifA in a and ifB in
// b, with the given address/prefix on each end, both ends up.
func (l *netnsLab) veth(a, ifA, addrA, b, ifB, addrB string) {
	t := l.t
	t.Helper()
	ipCmd(t, "-n", a, "link", "add", ifA, "type", "veth", "peer", "name", ifB, "netns", b)
	ipCmd(t, "-n", a, "addr", "add", addrA, "dev", ifA)
	ipCmd(t, "-n", b, "addr", "add", addrB, "dev", ifB)
	ipCmd(t, "-n", a, "link", "set", ifA, "up")
	ipCmd(t, "-n", b, "link", "set", ifB, "up")
}

// site is a router namespace with a LAN host namespace behind it.
type site struct {
	router, host string
	routerWAN    string // the router's WAN address
	lan          int    // LAN 198.19.lan.0/24
}

// lanNet is the LAN's network address, as IOS routes name it.
func (s site) lanNet() string { return fmt.Sprintf("%s%d.0", labLANs, s.lan) }

// hostAddr is the address of the LAN host.
func (s site) hostAddr() string { return fmt.Sprintf("%s%d.2", labLANs, s.lan) }

// routerLAN is the router's address on the LAN.
func (s site) routerLAN() string { return fmt.Sprintf("%s%d.1", labLANs, s.lan) }

// wanSites creates routers (roles names) on one WAN, router i with the
// WAN address 198.18.30.i+1 and LAN i+1 behind it. Two routers are joined
// by a veth named wan0; more by veths (wan0) into a bridge of a WAN
// namespace.
func (l *netnsLab) wanSites(names ...string) []site {
	t := l.t
	t.Helper()
	routers := make([]string, len(names))
	for i, n := range names {
		routers[i] = l.ns(n, true)
	}
	wan := func(i int) string { return fmt.Sprintf("%s%d", labWAN, i+1) }
	if len(names) == 2 {
		l.veth(routers[0], "wan0", wan(0)+"/24", routers[1], "wan0", wan(1)+"/24")
	} else {
		sw := l.ns("wan", false)
		ipCmd(t, "-n", sw, "link", "add", "br0", "type", "bridge")
		ipCmd(t, "-n", sw, "link", "set", "br0", "up")
		for i, r := range routers {
			port := fmt.Sprintf("p%d", i)
			ipCmd(t, "-n", sw, "link", "add", port, "type", "veth", "peer", "name", "wan0", "netns", r)
			ipCmd(t, "-n", sw, "link", "set", port, "master", "br0", "up")
			ipCmd(t, "-n", r, "addr", "add", wan(i)+"/24", "dev", "wan0")
			ipCmd(t, "-n", r, "link", "set", "wan0", "up")
		}
	}
	sites := make([]site, len(names))
	for i, n := range names {
		sites[i] = l.lanBehind(routers[i], n+"-lan", wan(i), i+1)
	}
	return sites
}

// lanBehind creates the LAN host namespace (role) of router, whose WAN
// address is routerWAN, on LAN 198.19.lan.0/24, with its default route
// via the router.
func (l *netnsLab) lanBehind(router, role, routerWAN string, lan int) site {
	t := l.t
	t.Helper()
	s := site{router: router, host: l.ns(role, false), routerWAN: routerWAN, lan: lan}
	l.veth(s.router, "lan0", s.routerLAN()+"/24", s.host, "eth0", s.hostAddr()+"/24")
	ipCmd(t, "-n", s.host, "route", "add", "default", "via", s.routerLAN())
	return s
}

// icmpTimeout bounds the wait for one echo reply.
const icmpTimeout = time.Second

// pinger sends ICMP echo requests (RFC 792) from a raw socket opened in a
// namespace, each carrying a marker that a capture can look for.
type pinger struct {
	conn   net.PacketConn
	id     uint16
	seq    uint16
	marker []byte
}

// newPinger opens an ICMP socket in namespace ns, bound to the local
// address src ("" for any), closed when the test ends.
func newPinger(t testing.TB, ns, src string) *pinger {
	t.Helper()
	if src == "" {
		src = "0.0.0.0"
	}
	var conn net.PacketConn
	err := netns.Do(ns, func() (err error) {
		conn, err = net.ListenPacket("ip4:icmp", src)
		return err
	})
	if err != nil {
		t.Fatalf("ICMP socket in %s: %v", ns, err)
	}
	t.Cleanup(func() { conn.Close() })
	var rnd [10]byte
	rand.Read(rnd[:])
	return &pinger{conn: conn, id: binary.BigEndian.Uint16(rnd[:]), marker: []byte("flexvpnd-plaintext-probe-" + hex.EncodeToString(rnd[2:]))}
}

// echo sends one echo request to dst and reports whether its reply came
// within icmpTimeout.
func (p *pinger) echo(dst string) bool {
	p.seq++
	msg := make([]byte, 8, 8+len(p.marker))
	msg[0] = 8 // echo request
	binary.BigEndian.PutUint16(msg[4:], p.id)
	binary.BigEndian.PutUint16(msg[6:], p.seq)
	msg = append(msg, p.marker...)
	binary.BigEndian.PutUint16(msg[2:], inetChecksum(msg))
	if _, err := p.conn.WriteTo(msg, &net.IPAddr{IP: net.ParseIP(dst)}); err != nil {
		return false
	}
	deadline := time.Now().Add(icmpTimeout)
	p.conn.SetReadDeadline(deadline)
	buf := make([]byte, 1500)
	for {
		n, from, err := p.conn.ReadFrom(buf)
		if err != nil {
			return false
		}
		r := buf[:n]
		if from.String() == dst && n >= 8 && r[0] == 0 && binary.BigEndian.Uint16(r[4:]) == p.id && binary.BigEndian.Uint16(r[6:]) == p.seq {
			return true
		}
	}
}

// until sends echo requests to dst until one is answered, at most tries.
func (p *pinger) until(dst string, tries int) bool {
	for range tries {
		if p.echo(dst) {
			return true
		}
	}
	return false
}

// replies sends count echo requests to dst and returns how many were
// answered.
func (p *pinger) replies(dst string, count int) int {
	n := 0
	for range count {
		if p.echo(dst) {
			n++
		}
	}
	return n
}

// inetChecksum is the Internet checksum (RFC 1071) of b.
func inetChecksum(b []byte) uint16 {
	var sum uint32
	for i := 0; i+1 < len(b); i += 2 {
		sum += uint32(binary.BigEndian.Uint16(b[i:]))
	}
	if len(b)%2 == 1 {
		sum += uint32(b[len(b)-1]) << 8
	}
	for sum > 0xffff {
		sum = sum>>16 + sum&0xffff
	}
	return ^uint16(sum)
}

// capture is an AF_PACKET capture of every frame, both directions, on
// one interface of a namespace.
type capture struct {
	f      *os.File
	mu     sync.Mutex
	frames [][]byte
	done   chan struct{}
}

// startCapture starts capturing on interface ifName of namespace ns.
func startCapture(t testing.TB, ns, ifName string) *capture {
	t.Helper()
	var fd int
	err := netns.Do(ns, func() error {
		ifi, err := net.InterfaceByName(ifName)
		if err != nil {
			return err
		}
		proto := int(htons(unix.ETH_P_ALL))
		if fd, err = unix.Socket(unix.AF_PACKET, unix.SOCK_RAW|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, proto); err != nil {
			return err
		}
		return unix.Bind(fd, &unix.SockaddrLinklayer{Protocol: htons(unix.ETH_P_ALL), Ifindex: ifi.Index})
	})
	if err != nil {
		t.Fatalf("capture on %s in %s: %v", ifName, ns, err)
	}
	c := &capture{f: os.NewFile(uintptr(fd), "capture"), done: make(chan struct{})}
	go c.read()
	t.Cleanup(func() { c.stop() })
	return c
}

func htons(v uint16) uint16 { return v<<8 | v>>8 }

func (c *capture) read() {
	defer close(c.done)
	buf := make([]byte, 1<<16)
	for {
		n, err := c.f.Read(buf)
		if err != nil {
			return
		}
		c.mu.Lock()
		c.frames = append(c.frames, append([]byte(nil), buf[:n]...))
		c.mu.Unlock()
	}
}

// stop ends the capture, once the frames already queued on the socket
// were read (no new frame for 200 ms, at most 2 s), and returns the frames
// seen.
func (c *capture) stop() [][]byte {
	last, quiet := -1, time.Now()
	for deadline := time.Now().Add(2 * time.Second); time.Now().Before(deadline) && time.Since(quiet) < 200*time.Millisecond; time.Sleep(20 * time.Millisecond) {
		c.mu.Lock()
		n := len(c.frames)
		c.mu.Unlock()
		if n != last {
			last, quiet = n, time.Now()
		}
	}
	c.f.Close()
	<-c.done
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.frames
}

// wanSummary sorts captured Ethernet frames: ESP (IP protocol 50), ESP in
// UDP (UDP 4500 without the non-ESP marker, RFC 3948 section 2.2), IKE
// (UDP 500, or UDP 4500 with the marker), and any other IPv4 packet;
// withMarker counts the frames that carry one of the probes' markers in
// clear.
type wanSummary struct {
	esp, espInUDP, ike, other, withMarker int
	others                                []string
}

// summarize sorts frames, looking for the markers.
func summarize(frames [][]byte, markers ...[]byte) wanSummary {
	var s wanSummary
	for _, f := range frames {
		for _, m := range markers {
			if bytes.Contains(f, m) {
				s.withMarker++
				break
			}
		}
		if len(f) < 34 || binary.BigEndian.Uint16(f[12:]) != unix.ETH_P_IP {
			continue // ARP
		}
		ip := f[14:]
		ihl := int(ip[0]&0x0f) * 4
		switch proto := ip[9]; {
		case proto == unix.IPPROTO_ESP:
			s.esp++
		case proto == unix.IPPROTO_UDP && len(ip) >= ihl+12:
			udp := ip[ihl:]
			sport, dport := binary.BigEndian.Uint16(udp), binary.BigEndian.Uint16(udp[2:])
			switch {
			case sport == 500 || dport == 500:
				s.ike++
			case (sport == 4500 || dport == 4500) && binary.BigEndian.Uint32(udp[8:]) == 0:
				s.ike++
			case sport == 4500 || dport == 4500:
				s.espInUDP++
			default:
				s.other++
				s.others = append(s.others, fmt.Sprintf("UDP %d>%d", sport, dport))
			}
		default:
			s.other++
			s.others = append(s.others, fmt.Sprintf("IPv4 protocol %d", proto))
		}
	}
	return s
}

// cli runs an exec command at p's console until its output (what the
// console printed after the command was sent) matches want, at most
// timeout, and returns that output.
func (p nsProcess) cli(t testing.TB, cmd string, want *regexp.Regexp, timeout time.Duration) string {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		before := len(p.out.String())
		if _, err := io.WriteString(p.console, cmd+"\n"); err != nil {
			t.Fatalf("console: %v", err)
		}
		time.Sleep(300 * time.Millisecond)
		out := p.out.String()[before:]
		if want.MatchString(out) {
			return out
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: no match for %s after %v:\n%s", cmd, want, timeout, out)
		}
	}
}

// bgProcess is a process the test started in a namespace, stopped by PID
// when the test ends.
type bgProcess struct {
	cmd  *exec.Cmd
	out  *lockedBuffer
	done chan error
}

// startIn starts name with args in namespace ns.
func startIn(t testing.TB, ns string, name string, args ...string) *bgProcess {
	t.Helper()
	cmd := exec.Command("ip", append([]string{"netns", "exec", ns, name}, args...)...)
	p := &bgProcess{cmd: cmd, out: &lockedBuffer{}, done: make(chan error, 1)}
	cmd.Stdout, cmd.Stderr = p.out, p.out
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s in %s: %v", name, ns, err)
	}
	go func() { p.done <- cmd.Wait() }()
	t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			cmd.Process.Kill()
			<-p.done
		}
	})
	return p
}

// wait waits for the process to exit, at most timeout.
func (p *bgProcess) wait(timeout time.Duration) error {
	select {
	case err := <-p.done:
		p.done <- err
		return err
	case <-time.After(timeout):
		return errors.New("timed out")
	}
}

// runIn runs name with args in namespace ns, bounded by timeout, and
// returns its combined output.
func runIn(ns string, timeout time.Duration, name string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "ip", append([]string{"netns", "exec", ns, name}, args...)...)
	cmd.WaitDelay = time.Second
	out, err := cmd.CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("%s %s in %s: %w", name, strings.Join(args, " "), ns, err)
	}
	return string(out), nil
}

// linkExists reports whether namespace ns has a link named name.
func linkExists(ns, name string) bool {
	return exec.Command("ip", "-n", ns, "link", "show", "dev", name).Run() == nil
}

// waitFor polls cond every 100 ms until it holds, at most timeout.
func waitFor(timeout time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(100 * time.Millisecond)
	}
	return true
}
