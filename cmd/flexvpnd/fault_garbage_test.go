package main

import (
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/flexvpnd/flexvpnd/engine/netns"
	"github.com/flexvpnd/flexvpnd/engine/procstat"
	"golang.org/x/sys/unix"
)

// TestFaultGarbage throws fuzzed and truncated IKE datagrams and ESP
// packets (random SPIs, truncated, bit-flipped and replayed copies of real
// packets) at one end of an established site-to-site tunnel with the
// userspace data plane, for a bounded time: the process must survive
// without a panic, hold no state for the junk (same IKE and CHILD SAs
// before and after), keep carrying the tunnel's traffic, and count the
// dropped ESP packets of its SA.
func TestFaultGarbage(t *testing.T) {
	if testing.Short() {
		t.Skip("garbage test skipped in -short mode")
	}
	duration, rate := 10*time.Second, 5_000.0
	if faultSoak() {
		duration, rate = 60*time.Second, 20_000
	}
	bin := buildBinary(t)
	s := newFaultStar(t, 1)
	leftAddr, rightAddr := faultEdgeAddr(0), faultHubAddr(0)
	const psk = "Garbage!Key"
	var ends []*faultDaemon
	for _, side := range []struct{ ns, name, local, remote, addr string }{
		{s.Edges[0], "LEFT", leftAddr, rightAddr, "172.31.0.1"},
		{s.Hub, "RIGHT", rightAddr, leftAddr, "172.31.0.2"},
	} {
		startup, state := faultStartup(t, siteConfig(side.name, side.local, side.remote, side.addr, psk))
		d := startFaultDaemon(t, bin, side.ns, "--startup-config", startup, "--state-dir", state, "--listen", side.local, "--dataplane", "userspace", "--log-level", "info")
		defer faultCheckAlive(t, d)
		ends = append(ends, d)
	}
	runFaultGarbage(t, s, ends[0], ends[1], duration, rate)
}

// faultCheckAlive fails the test if d exited or logged a panic.
func faultCheckAlive(t *testing.T, d *faultDaemon) {
	t.Helper()
	select {
	case <-d.exited:
		t.Errorf("flexvpnd in %s exited: %v\nlog:\n%s", d.ns, d.cmd.ProcessState, faultTail(d.log.String(), 4000))
	default:
	}
	if strings.Contains(d.log.String(), "panic") {
		t.Errorf("flexvpnd in %s logged a panic:\n%s", d.ns, faultTail(d.log.String(), 4000))
	}
}

// runFaultGarbage runs the garbage against right (in the hub namespace) once
// the tunnel carries pings.
func runFaultGarbage(t *testing.T, s *faultStar, left, right *faultDaemon, duration time.Duration, rate float64) {
	leftNS := s.Edges[0]
	if !pingThrough(leftNS, "172.31.0.2", 30) {
		t.Fatalf("no ping through the tunnel before the garbage:\n%s", faultTail(right.log.String(), 3000))
	}
	// Both ends initiate (and retransmit an initiation lost while the
	// other was starting): wait until both hold the same single IKE SA
	// for 2 s.
	start := time.Now()
	for stable := 0; stable < 10; time.Sleep(200 * time.Millisecond) {
		r, l := faultIKESPIs(right.exec(t, "show crypto ikev2 sa detailed")), faultIKESPIs(left.exec(t, "show crypto ikev2 sa detailed"))
		if len(r) == 2 && len(l) == 2 && r[0] == l[1] && r[1] == l[0] {
			stable++
		} else {
			stable = 0
		}
		if time.Since(start) > 45*time.Second {
			t.Fatalf("the two ends do not settle on one IKE SA: right %x, left %x", r, l)
		}
	}
	t.Logf("the tunnel settled on one IKE SA %v after the first ping", time.Since(start).Round(time.Millisecond))
	esp := faultCaptureESP(t, s.Hub, func() { faultPings(leftNS, "172.31.0.2", 5, "0.1") })
	if len(esp) == 0 {
		t.Fatal("no ESP packet captured")
	}
	ikeBefore := right.exec(t, "show crypto ikev2 sa detailed")
	ipsecBefore := right.exec(t, "show crypto ipsec sa")
	ikeSPIs := faultIKESPIs(ikeBefore)
	if len(ikeSPIs) != 2 {
		t.Fatalf("want one IKE SA before the garbage:\n%s", ikeBefore)
	}
	memBefore, _ := procstat.Read(right.pid())

	g := &faultGarbage{
		rng: rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 1)), esp: esp, ikeSPIs: ikeSPIs,
		src: netip.MustParseAddr(faultEdgeAddr(0)), dst: netip.MustParseAddr(faultHubAddr(0)),
		init: faultInitRequest(t, netip.MustParseAddrPort(faultEdgeAddr(0)+":500"), netip.MustParseAddrPort(faultHubAddr(0)+":500")),
	}
	raw := newFaultRawSender(t, leftNS)
	var wg sync.WaitGroup
	pings := int(duration / (200 * time.Millisecond))
	var replies int
	wg.Add(1)
	go func() {
		defer wg.Done()
		replies = faultPings(leftNS, "172.31.0.2", pings, "0.2")
	}()
	start = time.Now()
	for time.Since(start) < duration {
		for range 50 {
			g.send(raw)
		}
		if d := time.Until(start.Add(time.Duration(float64(g.sent) / rate * float64(time.Second)))); d > 0 {
			time.Sleep(d)
		}
	}
	elapsed := time.Since(start)
	wg.Wait()
	memAfter, _ := procstat.Read(right.pid())
	ikeAfter := right.exec(t, "show crypto ikev2 sa detailed")
	ipsecAfter := right.exec(t, "show crypto ipsec sa")
	stats := right.exec(t, "show crypto ikev2 stats")

	t.Logf("garbage: %d packets in %v (%.0f/s): %v", g.sent, elapsed.Round(time.Millisecond), float64(g.sent)/elapsed.Seconds(), g.kinds)
	t.Logf("tunnel pings during the garbage: %d of %d answered", replies, pings)
	t.Logf("RIGHT RSS %d KiB before, %d KiB after; CPU %v; UDP buffer drops %d; IKE dropped at dispatch %d",
		memBefore.RSS>>10, memAfter.RSS>>10, (memAfter.CPU - memBefore.CPU).Round(time.Millisecond),
		udpRcvbufErrors(s.Hub), faultCounter(stats, "IKEv2 packets dropped at dispatch:"))
	recvBefore, recvAfter := faultSumCounter(ipsecBefore, "#recv errors"), faultSumCounter(ipsecAfter, "#recv errors")
	decBefore, decAfter := faultSumCounter(ipsecBefore, "#pkts decaps:"), faultSumCounter(ipsecAfter, "#pkts decaps:")
	t.Logf("RIGHT CHILD SA: #recv errors %d -> %d (%d bit-flipped, truncated or replayed copies sent), #pkts decaps %d -> %d",
		recvBefore, recvAfter, g.kinds["esp-flip"]+g.kinds["esp-truncate"]+g.kinds["esp-replay"], decBefore, decAfter)

	if got := faultIKESPIs(ikeAfter); !slices.Equal(got, ikeSPIs) {
		t.Errorf("IKE SAs changed under garbage: SPIs %v, before %v\n%s\nlog:\n%s", got, ikeSPIs, ikeAfter, faultTail(right.log.String(), 6000))
	}
	if got, want := faultESPSPIs(ipsecAfter), faultESPSPIs(ipsecBefore); !slices.Equal(got, want) {
		t.Errorf("CHILD SAs changed under garbage: SPIs %v, before %v", got, want)
	}
	if replies < pings*8/10 {
		t.Errorf("%d of %d pings through the tunnel answered during the garbage, want 80%%", replies, pings)
	}
	if recvAfter <= recvBefore {
		t.Errorf("#recv errors of the CHILD SA did not grow (%d -> %d) under forged copies of its packets", recvBefore, recvAfter)
	}
	if decAfter <= decBefore {
		t.Errorf("#pkts decaps did not grow (%d -> %d): the tunnel carried nothing during the garbage", decBefore, decAfter)
	}
	if !pingThrough(leftNS, "172.31.0.2", 5) {
		t.Errorf("no ping through the tunnel after the garbage")
	}
}

// faultGarbage makes and sends the hostile packets, counted by kind.
type faultGarbage struct {
	rng      *rand.Rand
	esp      [][]byte // real ESP packets (IP payload) of the SA
	ikeSPIs  []uint64 // the IKE SA's two SPIs
	init     []byte   // a real IKE_SA_INIT request
	src, dst netip.Addr
	sent     int
	kinds    map[string]int
}

// send sends one packet of a random kind.
func (g *faultGarbage) send(raw *faultRawSender) {
	if g.kinds == nil {
		g.kinds = map[string]int{}
	}
	kinds := []string{"ike-random", "ike-spis", "ike-init-truncate", "natt-random", "esp-random-spi", "esp-flip", "esp-truncate", "esp-replay"}
	kind := kinds[g.rng.IntN(len(kinds))]
	g.kinds[kind]++
	g.sent++
	ike := netip.AddrPortFrom(g.dst, 500)
	natt := netip.AddrPortFrom(g.dst, 4500)
	from := netip.AddrPortFrom(g.src, uint16(1024+g.rng.IntN(60000)))
	if g.rng.IntN(2) == 0 {
		from = netip.AddrPortFrom(g.src, 500) // as if from the peer's IKE socket
	}
	switch kind {
	case "ike-random":
		raw.sendUDP(from, ike, g.random(g.rng.IntN(1500)))
	case "ike-spis": // an IKE header with the real SPIs, any exchange, junk after
		b := g.random(28 + g.rng.IntN(600))
		binary.BigEndian.PutUint64(b, g.ikeSPIs[g.rng.IntN(2)])
		binary.BigEndian.PutUint64(b[8:], g.ikeSPIs[g.rng.IntN(2)])
		b[17] = 0x20 // version 2.0
		b[18] = byte(34 + g.rng.IntN(4))
		if g.rng.IntN(2) == 0 {
			binary.BigEndian.PutUint32(b[24:], uint32(len(b)))
		}
		dst := ike
		if g.rng.IntN(2) == 0 {
			dst, b = natt, append([]byte{0, 0, 0, 0}, b...)
		}
		raw.sendUDP(from, dst, b)
	case "ike-init-truncate":
		raw.sendUDP(from, ike, g.init[:g.rng.IntN(len(g.init))])
	case "natt-random": // ESP in UDP with a random SPI, or a marker and junk
		raw.sendUDP(from, natt, g.random(1+g.rng.IntN(1500)))
	case "esp-random-spi":
		raw.sendIP(unix.IPPROTO_ESP, g.src, g.dst, g.random(8+g.rng.IntN(1400)))
	case "esp-flip":
		b := slices.Clone(g.esp[g.rng.IntN(len(g.esp))])
		for range 1 + g.rng.IntN(3) {
			i := 8 + g.rng.IntN(len(b)-8) // keep the SPI: reach the SA
			b[i] ^= 1 << g.rng.IntN(8)
		}
		raw.sendIP(unix.IPPROTO_ESP, g.src, g.dst, b)
	case "esp-truncate":
		b := g.esp[g.rng.IntN(len(g.esp))]
		raw.sendIP(unix.IPPROTO_ESP, g.src, g.dst, b[:8+g.rng.IntN(len(b)-8)])
	case "esp-replay":
		raw.sendIP(unix.IPPROTO_ESP, g.src, g.dst, g.esp[g.rng.IntN(len(g.esp))])
	}
}

// random returns n random bytes.
func (g *faultGarbage) random(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(g.rng.Uint32())
	}
	return b
}

// faultCaptureESP returns copies of the ESP packets (IP payloads) that
// namespace ns receives while traffic runs.
func faultCaptureESP(t *testing.T, ns string, traffic func()) [][]byte {
	t.Helper()
	var fd int
	err := netns.Do(ns, func() error {
		var err error
		fd, err = unix.Socket(unix.AF_INET, unix.SOCK_RAW, unix.IPPROTO_ESP)
		if err != nil {
			return fmt.Errorf("raw ESP socket: %w", err)
		}
		return unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &unix.Timeval{Usec: 200_000})
	})
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	traffic()
	var got [][]byte
	buf := make([]byte, 65536)
	for len(got) < 64 {
		n, _, err := unix.Recvfrom(fd, buf, 0)
		if err != nil {
			break
		}
		if ihl := int(buf[0]&0xf) * 4; n > ihl+16 {
			got = append(got, slices.Clone(buf[ihl:n]))
		}
	}
	return got
}

// faultPings pings addr from ns count times every interval seconds and
// returns the replies.
func faultPings(ns, addr string, count int, interval string) int {
	args := append(append([]string{"netns", "exec", ns}, pingCmd()...), "-c", strconv.Itoa(count), "-i", interval, "-W", "1", addr)
	out, _ := exec.Command("ip", args...).CombinedOutput()
	m := regexp.MustCompile(`(\d+) (packets )?received`).FindSubmatch(out)
	if m == nil {
		return 0
	}
	n, _ := strconv.Atoi(string(m[1]))
	return n
}

var (
	faultIKESPIRE = regexp.MustCompile(`Local spi: ([0-9A-F]{16})\s+Remote spi: ([0-9A-F]{16})`)
	faultESPSPIRE = regexp.MustCompile(`spi: 0x([0-9A-F]+)\(`)
)

// faultIKESPIs returns the IKE SPIs of `show crypto ikev2 sa detailed`.
func faultIKESPIs(show string) []uint64 {
	var spis []uint64
	for _, m := range faultIKESPIRE.FindAllStringSubmatch(show, -1) {
		for _, h := range m[1:] {
			v, _ := strconv.ParseUint(h, 16, 64)
			spis = append(spis, v)
		}
	}
	return spis
}

// faultESPSPIs returns the sorted distinct ESP SPIs of `show crypto ipsec sa`.
func faultESPSPIs(show string) []string {
	var spis []string
	for _, m := range faultESPSPIRE.FindAllStringSubmatch(show, -1) {
		spis = append(spis, m[1])
	}
	slices.Sort(spis)
	return slices.Compact(spis)
}
