package xfrm

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/flexvpnd/flexvpnd/engine/dataplane"
	"github.com/flexvpnd/flexvpnd/engine/internal/kvm"
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
		Args:   []string{"-test.run", "^TestXFRMKernel$", "-test.v", "-test.count=1", "-test.timeout=30s"},
		Env:    []string{inVMEnv + "=1"},
	})
	t.Logf("build %v, VM (%s) boot %v, total %v", built.Round(time.Millisecond), res.Accel,
		res.Boot.Round(time.Millisecond), res.Total.Round(time.Millisecond))
	if res.ExitCode != 0 || !strings.Contains(res.Output, "--- PASS: TestXFRMKernel") {
		t.Fatalf("in the VM: exit status %d\n%s", res.ExitCode, res.Output)
	}
}

// TestXFRMKernel joins two network namespaces with a veth, gives each an
// xfrm interface with matching ESP tunnel-mode SAs installed by this
// package, sends UDP across and checks that the SA counters on both sides
// saw every packet: the traffic crossed the tunnel encrypted.
func TestXFRMKernel(t *testing.T) {
	if os.Getenv(inVMEnv) == "" {
		t.Skip(inVMEnv + " unset: runs inside the VM started by TestXFRMInVM")
	}
	key := func(b byte, n int) []byte { return bytes.Repeat([]byte{b}, n) }
	tests := []struct {
		name string
		alg  dataplane.Algorithms
		ab   dataplane.Direction // a to b
		ba   dataplane.Direction // b to a
	}{
		{name: "gcm", alg: dataplane.Algorithms{Encr: encrAESGCM16, EncrKeyBits: 128},
			ab: dataplane.Direction{SPI: 0xc0000ab1, EncrKey: key(0x11, 20)},
			ba: dataplane.Direction{SPI: 0xc0000ba1, EncrKey: key(0x22, 20)}},
		{name: "cbc-sha256", alg: dataplane.Algorithms{Encr: encrAESCBC, EncrKeyBits: 256, Integ: integHMACSHA2_256_128},
			ab: dataplane.Direction{SPI: 0xc0000ab2, EncrKey: key(0x33, 32), IntegKey: key(0x44, 32)},
			ba: dataplane.Direction{SPI: 0xc0000ba2, EncrKey: key(0x55, 32), IntegKey: key(0x66, 32)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			outerA, outerB := netip.MustParseAddr("198.18.0.1"), netip.MustParseAddr("198.18.0.2")
			saA := dataplane.ChildSA{TunnelID: 42, Local: outerA, Remote: outerB, Algorithms: tt.alg, In: tt.ba, Out: tt.ab,
				LocalTS: []dataplane.TrafficSelector{dataplane.AnyIPv4}, RemoteTS: []dataplane.TrafficSelector{dataplane.AnyIPv4}}
			saB := dataplane.ChildSA{TunnelID: 42, Local: outerB, Remote: outerA, Algorithms: tt.alg, In: tt.ab, Out: tt.ba,
				LocalTS: saA.RemoteTS, RemoteTS: saA.LocalTS}
			nsA, hA := newNamespace(t, "xa-"+tt.name)
			nsB, hB := newNamespace(t, "xb-"+tt.name)
			linkVeth(t, hA, hB, nsB, netip.MustParsePrefix("198.18.0.1/24"), netip.MustParsePrefix("198.18.0.2/24"))
			for range 2 { // the second round must change nothing
				for _, side := range []struct {
					h     *Handle
					inner string
					sa    dataplane.ChildSA
				}{{hA, "192.0.2.1/24", saA}, {hB, "192.0.2.2/24", saB}} {
					ifc := Interface{Name: "ipsec0", IfID: 42, Underlay: "veth0", Addresses: []netip.Prefix{netip.MustParsePrefix(side.inner)}}
					if err := side.h.EnsureInterface(ifc); err != nil {
						t.Fatal(err)
					}
					if err := side.h.EnsureChildSA(side.sa); err != nil {
						t.Fatal(err)
					}
				}
			}
			const rounds = 3
			capture := newCapture(t, nsA, "veth0")
			udpRoundTrips(t, nsA, nsB, rounds)
			esp, plain := capture.drain(t)
			t.Logf("on the wire: %d ESP frames, %d with the plaintext marker", esp, plain)
			if esp != 2*rounds || plain != 0 {
				t.Errorf("on the wire: %d ESP frames and %d with the plaintext marker, want %d and 0", esp, plain, 2*rounds)
			}

			want := map[string]Counters{}
			for _, c := range []struct {
				name string
				h    *Handle
				dst  netip.Addr
				spi  uint32
			}{
				{"a out", hA, outerB, tt.ab.SPI}, {"b in", hB, outerB, tt.ab.SPI},
				{"b out", hB, outerA, tt.ba.SPI}, {"a in", hA, outerA, tt.ba.SPI},
			} {
				got, err := c.h.SACounters(c.dst, c.spi)
				if err != nil {
					t.Fatal(err)
				}
				t.Logf("%s SA %08x: %+v", c.name, c.spi, got)
				if got.Packets != rounds || got.Bytes == 0 || got.ReplayDrops != 0 || got.IntegrityFailures != 0 {
					t.Errorf("%s SA %08x counters %+v, want %d packets, some bytes, no drops", c.name, c.spi, got, rounds)
				}
				want[c.name] = got
			}
			if want["a out"].Bytes != want["b in"].Bytes || want["b out"].Bytes != want["a in"].Bytes {
				t.Errorf("byte counters differ between the ends of an SA: %+v", want)
			}

			// Ensuring again keeps the installed SAs and their counters.
			if err := hA.EnsureChildSA(saA); err != nil {
				t.Fatal(err)
			}
			if got, err := hA.SACounters(outerB, tt.ab.SPI); err != nil || got != want["a out"] {
				t.Errorf("after a repeated ensure: a out counters %+v, %v; want %+v", got, err, want["a out"])
			}

			// Deleting is idempotent too, and really removes both SAs.
			for range 2 {
				if err := hA.DeleteChildSA(saA.ID()); err != nil {
					t.Fatal(err)
				}
			}
			for _, spi := range []uint32{tt.ab.SPI, tt.ba.SPI} {
				dst := outerB
				if spi == tt.ba.SPI {
					dst = outerA
				}
				if _, err := hA.SACounters(dst, spi); err == nil {
					t.Errorf("SA %08x still installed after DeleteChildSA", spi)
				}
			}
			for range 2 {
				if err := hA.DeletePolicies(42, outerA, outerB); err != nil {
					t.Fatal(err)
				}
				if err := hA.DeleteInterface("ipsec0"); err != nil {
					t.Fatal(err)
				}
			}
		})
	}
}

// newNamespace creates the named network namespace, brings its loopback
// up and returns it with a Handle on it; both go away with the test.
func newNamespace(t *testing.T, name string) (netns.NsHandle, *Handle) {
	t.Helper()
	var ns netns.NsHandle
	inNamespace(t, 0, func() {
		var err error
		if ns, err = netns.NewNamed(name); err != nil {
			t.Fatalf("create namespace %s: %v", name, err)
		}
	})
	t.Cleanup(func() {
		ns.Close()
		if err := netns.DeleteNamed(name); err != nil {
			t.Errorf("delete namespace %s: %v", name, err)
		}
	})
	h, err := Open("/run/netns/" + name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(h.Close)
	lo, err := h.nl.LinkByName("lo")
	if err == nil {
		err = h.nl.LinkSetUp(lo)
	}
	if err != nil {
		t.Fatalf("namespace %s: lo up: %v", name, err)
	}
	return ns, h
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

// linkVeth joins the namespaces of hA and hB with veth0 on each side,
// addressed and up.
func linkVeth(t *testing.T, hA, hB *Handle, nsB netns.NsHandle, addrA, addrB netip.Prefix) {
	t.Helper()
	attrs := netlink.NewLinkAttrs()
	attrs.Name = "veth0"
	if err := hA.nl.LinkAdd(&netlink.Veth{LinkAttrs: attrs, PeerName: "veth1", PeerNamespace: netlink.NsFd(int(nsB))}); err != nil {
		t.Fatalf("add veth: %v", err)
	}
	for _, end := range []struct {
		h          *Handle
		name, want string
		addr       netip.Prefix
	}{{hA, "veth0", "veth0", addrA}, {hB, "veth1", "veth0", addrB}} {
		link, err := end.h.nl.LinkByName(end.name)
		if err != nil {
			t.Fatal(err)
		}
		if end.name != end.want {
			if err := end.h.nl.LinkSetName(link, end.want); err != nil {
				t.Fatal(err)
			}
		}
		addr := &netlink.Addr{IPNet: &net.IPNet{IP: end.addr.Addr().AsSlice(), Mask: net.CIDRMask(end.addr.Bits(), 32)}}
		if err := end.h.nl.AddrAdd(link, addr); err != nil {
			t.Fatal(err)
		}
		if err := end.h.nl.LinkSetUp(link); err != nil {
			t.Fatal(err)
		}
	}
}

// udpRoundTrips sends n datagrams from namespace a to an echo server in
// namespace b across the tunnel (192.0.2.1 to 192.0.2.2) and waits for
// every reply.
func udpRoundTrips(t *testing.T, a, b netns.NsHandle, n int) {
	t.Helper()
	var srv, cli *net.UDPConn
	inNamespace(t, b, func() {
		var err error
		if srv, err = net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(192, 0, 2, 2), Port: 4789}); err != nil {
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
	inNamespace(t, a, func() {
		var err error
		if cli, err = net.DialUDP("udp4", nil, &net.UDPAddr{IP: net.IPv4(192, 0, 2, 2), Port: 4789}); err != nil {
			t.Fatalf("dial: %v", err)
		}
	})
	defer cli.Close()
	buf := make([]byte, 1500)
	for i := range n {
		msg := fmt.Sprintf("%s %d", plaintextMarker, i)
		if _, err := cli.Write([]byte(msg)); err != nil {
			t.Fatalf("send %d: %v", i, err)
		}
		if err := cli.SetReadDeadline(time.Now().Add(3 * time.Second)); err != nil {
			t.Fatal(err)
		}
		m, err := cli.Read(buf)
		if err != nil {
			t.Fatalf("round trip %d: %v%s", i, err, xfrmStat())
		}
		if string(buf[:m]) != msg {
			t.Fatalf("round trip %d: got %q, want %q", i, buf[:m], msg)
		}
	}
}

// plaintextMarker starts every datagram sent through the tunnel; it must
// never be seen on the underlay.
const plaintextMarker = "flexvpnd xfrm test"

// capture is an AF_PACKET socket seeing every frame sent and received on one
// link.
type capture struct{ fd int }

// newCapture opens a capture on the named link of namespace ns.
func newCapture(t *testing.T, ns netns.NsHandle, link string) *capture {
	t.Helper()
	proto := int(htons(unix.ETH_P_ALL))
	c := &capture{fd: -1}
	inNamespace(t, ns, func() {
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

// drain reads the frames captured so far and counts the IPv4 ESP frames
// (IP protocol 50, RFC 4303 section 2) and the frames carrying the
// plaintext marker anywhere.
func (c *capture) drain(t *testing.T) (esp, plain int) {
	t.Helper()
	buf := make([]byte, 65536)
	for {
		n, _, err := unix.Recvfrom(c.fd, buf, unix.MSG_DONTWAIT)
		if errors.Is(err, unix.EAGAIN) {
			return esp, plain
		}
		if err != nil {
			t.Fatalf("capture: %v", err)
		}
		frame := buf[:n]
		if bytes.Contains(frame, []byte(plaintextMarker)) {
			plain++
		}
		// Ethernet header (14 octets), then IPv4 with the protocol at 9.
		if n >= 14+20 && frame[12] == 0x08 && frame[13] == 0x00 && frame[14+9] == unix.IPPROTO_ESP {
			esp++
		}
	}
}

// htons converts a 16-bit value to network byte order.
func htons(v uint16) uint16 { return v<<8 | v>>8 }

// xfrmStat returns the non-zero lines of /proc/net/xfrm_stat (of the
// caller's namespace) to explain a failure.
func xfrmStat() string {
	data, err := os.ReadFile("/proc/net/xfrm_stat")
	if err != nil {
		return ""
	}
	var b strings.Builder
	for _, l := range strings.Split(string(data), "\n") {
		if f := strings.Fields(l); len(f) == 2 && f[1] != "0" {
			b.WriteString("\n  " + l)
		}
	}
	return b.String()
}
