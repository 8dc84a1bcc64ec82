package main

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"io"
	"net/netip"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/flexvpnd/flexvpnd/engine/dataplane"
	"github.com/flexvpnd/flexvpnd/engine/dataplane/recording"
	"github.com/flexvpnd/flexvpnd/engine/ikev2/ike"
	"github.com/flexvpnd/flexvpnd/engine/ikev2/wire"
	"github.com/flexvpnd/flexvpnd/engine/loadgen"
	"github.com/flexvpnd/flexvpnd/engine/netns"
	"golang.org/x/sys/unix"
)

// The fault tests (issue 7, "Fault and hostile-input tests") run real
// flexvpnd processes in network namespaces the test creates, joined in a
// star: a hub namespace with one veth link to each edge namespace. All
// traffic, spoofed sources included, stays inside those namespaces.

// faultSoak reports whether the long versions run (`make soak` sets
// FLEXVPND_SOAK=1); otherwise each test is bounded to seconds.
func faultSoak() bool { return os.Getenv("FLEXVPND_SOAK") == "1" }

var faultSeq atomic.Uint64

// faultStar is a hub namespace with a veth link to each edge namespace: edge
// i (from 0) is 198.18.(100+i).2 on its link, the hub 198.18.(100+i).1.
type faultStar struct {
	Hub   string
	Edges []string
}

// faultHubAddr and faultEdgeAddr are the two ends of the link of edge i.
func faultHubAddr(i int) string  { return fmt.Sprintf("198.18.%d.1", 100+i) }
func faultEdgeAddr(i int) string { return fmt.Sprintf("198.18.%d.2", 100+i) }

// newFaultStar creates the namespaces and links, removed by t.Cleanup (links
// go with their namespaces). It skips when namespaces are unavailable.
func newFaultStar(t *testing.T, edges int) *faultStar {
	t.Helper()
	if why := nsAvailable(); why != "" {
		t.Skip(why)
	}
	n := faultSeq.Add(1)
	name := func(role string) string { return fmt.Sprintf("fxf-%d-%d-%s", os.Getpid(), n, role) }
	s := &faultStar{Hub: name("hub")}
	for i := range edges {
		s.Edges = append(s.Edges, name(strconv.Itoa(i)))
	}
	for _, ns := range append([]string{s.Hub}, s.Edges...) {
		ipCmd(t, "netns", "add", ns)
		t.Cleanup(func() {
			if out, err := exec.Command("ip", "netns", "delete", ns).CombinedOutput(); err != nil {
				t.Errorf("ip netns delete %s: %v\n%s", ns, err, out)
			}
		})
		ipCmd(t, "-n", ns, "link", "set", "lo", "up")
	}
	for i, ns := range s.Edges {
		link := fmt.Sprintf("wan%d", i)
		ipCmd(t, "-n", s.Hub, "link", "add", link, "type", "veth", "peer", "name", "wan0", "netns", ns)
		ipCmd(t, "-n", s.Hub, "addr", "add", faultHubAddr(i)+"/24", "dev", link)
		ipCmd(t, "-n", ns, "addr", "add", faultEdgeAddr(i)+"/24", "dev", "wan0")
		ipCmd(t, "-n", s.Hub, "link", "set", link, "up")
		ipCmd(t, "-n", ns, "link", "set", "wan0", "up")
	}
	return s
}

// faultDaemon is one flexvpnd process in a namespace, with its console on a
// pipe; the test types commands and reads their output.
type faultDaemon struct {
	ns      string
	args    []string
	cmd     *exec.Cmd
	console io.WriteCloser
	out     *lockedBuffer // the console screen (stdout)
	log     *lockedBuffer // the engine log (stderr)
	marks   int
	exited  chan struct{}
}

// startFaultDaemon runs bin in namespace ns with args; it is stopped (SIGTERM,
// then SIGKILL by its PID) by t.Cleanup.
func startFaultDaemon(t *testing.T, bin, ns string, args ...string) *faultDaemon {
	t.Helper()
	d := &faultDaemon{ns: ns, args: args}
	d.start(t, bin)
	return d
}

// start starts the process (again, after a kill).
func (d *faultDaemon) start(t *testing.T, bin string) {
	t.Helper()
	// ip netns exec execs the binary: the PID is flexvpnd's.
	d.cmd = exec.Command("ip", append([]string{"netns", "exec", d.ns, bin}, d.args...)...)
	stdin, err := d.cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	d.console, d.out, d.log, d.exited = stdin, &lockedBuffer{}, &lockedBuffer{}, make(chan struct{})
	d.cmd.Stdout, d.cmd.Stderr = d.out, d.log
	if err := d.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	cmd, exited := d.cmd, d.exited
	go func() {
		cmd.Wait()
		close(exited)
	}()
	t.Cleanup(func() { d.stop(t, cmd, exited, stdin) })
}

// stop ends the process started as cmd if it still runs.
func (d *faultDaemon) stop(t *testing.T, cmd *exec.Cmd, exited chan struct{}, stdin io.Closer) {
	stdin.Close()
	select {
	case <-exited:
		return
	default:
	}
	cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-exited:
	case <-time.After(5 * time.Second):
		cmd.Process.Kill()
		<-exited
		t.Errorf("flexvpnd in %s (pid %d) ignored SIGTERM", d.ns, cmd.Process.Pid)
	}
}

// pid is the process ID of the running flexvpnd.
func (d *faultDaemon) pid() int { return d.cmd.Process.Pid }

// kill9 kills the process with SIGKILL and waits for it.
func (d *faultDaemon) kill9(t *testing.T) {
	t.Helper()
	if err := d.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatalf("kill -9 %d: %v", d.pid(), err)
	}
	select {
	case <-d.exited:
	case <-time.After(5 * time.Second):
		t.Fatalf("flexvpnd %d still running after SIGKILL", d.pid())
	}
}

// exec types line at the console and returns what it printed: the text
// between the echo of line and that of a comment typed after it.
func (d *faultDaemon) exec(t *testing.T, line string) string {
	t.Helper()
	d.marks++
	mark := fmt.Sprintf("! fault-mark-%d", d.marks)
	from := len(d.out.String())
	if _, err := io.WriteString(d.console, line+"\n"+mark+"\n"); err != nil {
		t.Fatalf("console of %s: %v", d.ns, err)
	}
	deadline := time.Now().Add(15 * time.Second)
	for {
		screen := d.out.String()[from:]
		if i := strings.Index(screen, mark); i >= 0 {
			screen = screen[:i]
			_, screen, _ = strings.Cut(screen, line+"\n")
			return screen
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: no answer to %q; screen:\n%s\nlog:\n%s", d.ns, line, screen, d.log.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// waitFor runs the show command cmd until ok accepts its output or
// timeout passes, and returns how long it took.
func (d *faultDaemon) waitFor(t *testing.T, cmd, what string, timeout time.Duration, ok func(string) bool) time.Duration {
	t.Helper()
	start := time.Now()
	for {
		out := d.exec(t, cmd)
		if ok(out) {
			return time.Since(start)
		}
		if time.Since(start) > timeout {
			t.Fatalf("%s: %s not reached after %v; %s:\n%s\nlog (tail):\n%s", d.ns, what, timeout, cmd, out, faultTail(d.log.String(), 3000))
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// faultTail is the last n bytes of s.
func faultTail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[len(s)-n:]
}

// faultIKERowRE matches a row of `show crypto ikev2 sa`, capturing the remote
// address and the status.
var faultIKERowRE = regexp.MustCompile(`(?m)^\d+\s+\S+/\d+\s+(\S+)/\d+\s+\S+\s+([A-Z-]+)\s*$`)

// faultIKEStates returns the status of each IKE SA row, by remote address.
func faultIKEStates(show string) map[string][]string {
	m := map[string][]string{}
	for _, r := range faultIKERowRE.FindAllStringSubmatch(show, -1) {
		m[r[1]] = append(m[r[1]], r[2])
	}
	return m
}

// faultCounter returns the number after label in a show output (the first
// occurrence), or -1.
func faultCounter(show, label string) int64 {
	m := regexp.MustCompile(regexp.QuoteMeta(label) + `\s*(\d+)`).FindStringSubmatch(show)
	if m == nil {
		return -1
	}
	n, _ := strconv.ParseInt(m[1], 10, 64)
	return n
}

// faultSumCounter adds up the numbers after every occurrence of label.
func faultSumCounter(show, label string) int64 {
	var sum int64
	for _, m := range regexp.MustCompile(regexp.QuoteMeta(label)+`\s*(\d+)`).FindAllStringSubmatch(show, -1) {
		n, _ := strconv.ParseInt(m[1], 10, 64)
		sum += n
	}
	return sum
}

// faultRawSender sends hand-made IPv4 packets (IP_HDRINCL) from inside a test
// namespace, any source address included: the spoofing of the flood and
// garbage tests.
type faultRawSender struct {
	fd  int
	buf []byte
}

// newFaultRawSender opens the raw socket inside namespace ns, closed by
// t.Cleanup.
func newFaultRawSender(t *testing.T, ns string) *faultRawSender {
	t.Helper()
	r := &faultRawSender{buf: make([]byte, 0, 65536)}
	err := netns.Do(ns, func() error {
		fd, err := unix.Socket(unix.AF_INET, unix.SOCK_RAW, unix.IPPROTO_RAW)
		if err != nil {
			return fmt.Errorf("raw socket: %w", err)
		}
		r.fd = fd
		unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_SNDBUF, 4<<20)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Close(r.fd) })
	return r
}

// sendIP sends payload as IP protocol proto from src to dst; the kernel
// fills in the IP checksum (and the length and ID when zero).
func (r *faultRawSender) sendIP(proto uint8, src, dst netip.Addr, payload []byte) error {
	b := append(r.buf[:0], 0x45, 0)
	b = binary.BigEndian.AppendUint16(b, uint16(20+len(payload)))
	b = append(b, 0, 0, 0x40, 0, 64, proto, 0, 0) // ID 0, DF, TTL 64, checksum 0
	s, d := src.As4(), dst.As4()
	b = append(append(append(b, s[:]...), d[:]...), payload...)
	r.buf = b
	return unix.Sendto(r.fd, b, 0, &unix.SockaddrInet4{Addr: d})
}

// sendUDP sends payload in a UDP datagram from src to dst (checksum 0:
// none, RFC 768).
func (r *faultRawSender) sendUDP(src, dst netip.AddrPort, payload []byte) error {
	u := make([]byte, 8, 8+len(payload))
	binary.BigEndian.PutUint16(u[0:], src.Port())
	binary.BigEndian.PutUint16(u[2:], dst.Port())
	binary.BigEndian.PutUint16(u[4:], uint16(8+len(payload)))
	return r.sendIP(unix.IPPROTO_UDP, src.Addr(), dst.Addr(), append(u, payload...))
}

// faultKey and faultDomain are the PSK and the identity domain of the
// load-generated peers of the fault tests.
const (
	faultKey    = "Fault!Key"
	faultDomain = "load.example"
)

// faultPeer is the IKE configuration of a generated peer: AES-GCM-256,
// PRF SHA-256, group 19, one CHILD SA for any IPv4 traffic.
func faultPeer() ike.Config {
	p, err := loadgen.ParseProposal("aes256gcm16-prfsha256-ecp256")
	if err != nil {
		panic(err)
	}
	anyTS := []dataplane.TrafficSelector{dataplane.AnyIPv4}
	return ike.Config{
		LocalID: ike.FQDNIdentity(faultDomain), LocalPSK: []byte(faultKey), RemotePSK: []byte(faultKey),
		Proposals: []ike.Proposal{p},
		Child:     ike.ChildConfig{Proposals: []ike.Proposal{loadgen.ESPProposal(p)}, LocalTS: anyTS, RemoteTS: anyTS},
	}
}

// faultInitRequest returns a real IKE_SA_INIT request from local to remote
// (a template for the flood and the garbage).
func faultInitRequest(t *testing.T, local, remote netip.AddrPort) []byte {
	t.Helper()
	c := faultPeer()
	c.Local, c.Remote = local, remote
	sa, err := ike.NewInitiator(&c, ike.Env{Now: time.Now, Rand: rand.Reader, Dataplane: &recording.Dataplane{}})
	if err != nil {
		t.Fatal(err)
	}
	out, err := sa.Initiate()
	if err != nil || len(out) != 1 {
		t.Fatalf("IKE_SA_INIT template: %v (%d datagrams)", err, len(out))
	}
	if m, err := wire.Decode(out[0].Data); err != nil || m.Header.Exchange != wire.IKESAInit {
		t.Fatalf("IKE_SA_INIT template does not decode: %v", err)
	}
	return out[0].Data
}

// faultRetransmit is the retransmission schedule of the legitimate peer
// of the flood: a message of its that is lost in the flood (a full socket
// buffer while the responder waits for a CPU) is sent again after 500 ms,
// not after the 4 s of the default, so that the test measures how the
// responder serves it rather than one unlucky drop.
var faultRetransmit = ike.Retransmit{Timeout: 500 * time.Millisecond, Base: 1.5, Tries: 6}

// faultEstablish opens one SA as a legitimate peer from namespace ns against
// target and returns its setup time.
func faultEstablish(t *testing.T, ns string, target netip.AddrPort, timeout time.Duration) (time.Duration, error) {
	t.Helper()
	var res *loadgen.Result
	sa := faultPeer()
	sa.Retransmit = faultRetransmit
	err := netns.Do(ns, func() error {
		var err error
		res, err = loadgen.Run(context.Background(), loadgen.Config{Target: target, SA: sa, Count: 1, Timeout: timeout})
		return err
	})
	if err != nil {
		return 0, err
	}
	if res.Established != 1 {
		return 0, fmt.Errorf("not established: %v", res.Failures)
	}
	return res.Latencies[0], nil
}

// faultCookies counts the COOKIE challenges (RFC 7296 section 2.6) that
// a responder sends to the spoofed sources of a flood: the namespace takes
// the whole spoofed range as local (`ip route add local`), so the answers
// are delivered to a raw UDP socket there (and then die).
type faultCookies struct {
	fd      int
	cookies atomic.Int64
	other   atomic.Int64
	quit    atomic.Bool
	done    chan struct{}
	once    sync.Once
}

// countFaultCookies starts counting, in namespace ns, the IKE datagrams from
// port 500 addressed to prefix; stop ends it.
func countFaultCookies(t *testing.T, ns, prefix string) *faultCookies {
	t.Helper()
	ipCmd(t, "-n", ns, "route", "add", "local", prefix, "dev", "lo")
	c := &faultCookies{done: make(chan struct{})}
	err := netns.Do(ns, func() error {
		fd, err := unix.Socket(unix.AF_INET, unix.SOCK_RAW, unix.IPPROTO_UDP)
		if err != nil {
			return fmt.Errorf("raw UDP socket: %w", err)
		}
		c.fd = fd
		unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUFFORCE, 8<<20)
		return unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &unix.Timeval{Usec: 100_000})
	})
	if err != nil {
		t.Fatal(err)
	}
	want := netip.MustParsePrefix(prefix)
	t.Cleanup(func() { c.stop() })
	go func() {
		defer close(c.done)
		buf := make([]byte, 65536)
		for !c.quit.Load() {
			n, _, err := unix.Recvfrom(c.fd, buf, 0)
			if err == unix.EAGAIN || err == unix.EINTR {
				continue
			}
			if err != nil {
				return
			}
			c.note(buf[:n], want)
		}
	}()
	return c
}

// note counts one received IPv4 packet.
func (c *faultCookies) note(p []byte, want netip.Prefix) {
	if len(p) < 28 || p[9] != unix.IPPROTO_UDP {
		return
	}
	ihl := int(p[0]&0xf) * 4
	dst := netip.AddrFrom4([4]byte(p[16:20]))
	if len(p) < ihl+8 || !want.Contains(dst) || binary.BigEndian.Uint16(p[ihl:]) != 500 {
		return
	}
	m, err := wire.Decode(p[ihl+8:])
	if err == nil && m.Header.Exchange == wire.IKESAInit && len(m.Payloads) == 1 {
		if n, ok := m.Payloads[0].(*wire.Notify); ok && n.NotifyType == wire.Cookie {
			c.cookies.Add(1)
			return
		}
	}
	c.other.Add(1)
}

// stop ends the counting (once) and returns the COOKIE challenges and
// the other answers seen.
func (c *faultCookies) stop() (cookies, other int64) {
	c.once.Do(func() {
		time.Sleep(200 * time.Millisecond) // the last answers in flight
		c.quit.Store(true)
		<-c.done // within the receive timeout
		unix.Close(c.fd)
	})
	return c.cookies.Load(), c.other.Load()
}

// udpRcvbufErrors returns the UDP datagrams namespace ns dropped for a
// full socket receive buffer (RcvbufErrors of /proc/net/snmp), -1 when
// unknown.
func udpRcvbufErrors(ns string) int64 {
	out, err := exec.Command("ip", "netns", "exec", ns, "cat", "/proc/net/snmp").Output()
	if err != nil {
		return -1
	}
	var names []string
	for _, line := range strings.Split(string(out), "\n") {
		fields := strings.Fields(line)
		if len(fields) == 0 || fields[0] != "Udp:" {
			continue
		}
		if names == nil {
			names = fields
			continue
		}
		for i, f := range fields {
			if i < len(names) && names[i] == "RcvbufErrors" {
				n, _ := strconv.ParseInt(f, 10, 64)
				return n
			}
		}
	}
	return -1
}
