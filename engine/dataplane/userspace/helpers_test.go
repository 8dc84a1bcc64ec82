package userspace

import (
	"bytes"
	"encoding/binary"
	"net/netip"
	"os"
	"sync"
	"testing"

	"github.com/flexvpnd/flexvpnd/engine/dataplane"
	"golang.zx2c4.com/wireguard/tun"
)

// fakeDev is a tun.Device in memory: packets pushed with inject are read
// by the backend, packets the backend writes are counted and the last one
// is kept.
type fakeDev struct {
	in     chan []byte
	closed chan struct{}
	once   sync.Once
	events chan tun.Event

	mu      sync.Mutex
	written int
	last    []byte
	wrote   chan struct{} // signalled after each write
	discard bool          // count only (benchmarks)
}

func newFakeDev() *fakeDev {
	d := &fakeDev{in: make(chan []byte), closed: make(chan struct{}), events: make(chan tun.Event), wrote: make(chan struct{}, 1024)}
	close(d.events)
	return d
}

func (d *fakeDev) File() *os.File { return nil }

func (d *fakeDev) Read(bufs [][]byte, sizes []int, offset int) (int, error) {
	select {
	case p := <-d.in:
		sizes[0] = copy(bufs[0][offset:], p)
		return 1, nil
	case <-d.closed:
		return 0, os.ErrClosed
	}
}

func (d *fakeDev) Write(bufs [][]byte, offset int) (int, error) {
	if d.discard {
		d.written += len(bufs)
		return len(bufs), nil
	}
	d.mu.Lock()
	for _, b := range bufs {
		d.written++
		d.last = append(d.last[:0], b[offset:]...)
	}
	d.mu.Unlock()
	select {
	case d.wrote <- struct{}{}:
	default:
	}
	return len(bufs), nil
}

func (d *fakeDev) MTU() (int, error)             { return DefaultMTU, nil }
func (d *fakeDev) Name() (string, error)         { return "fake", nil }
func (d *fakeDev) Events() <-chan tun.Event      { return d.events }
func (d *fakeDev) BatchSize() int                { return 1 }
func (d *fakeDev) Close() error                  { d.once.Do(func() { close(d.closed) }); return nil }
func (d *fakeDev) inject(t *testing.T, p []byte) { t.Helper(); d.in <- p }

// writes returns the number of packets written and a copy of the last one.
func (d *fakeDev) writes() (int, []byte) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.written, bytes.Clone(d.last)
}

// newTestBackend returns a backend without raw sockets whose UDP
// encapsulated packets go to *peer's HandleESP (if set).
func newTestBackend(t testing.TB, peer **Backend) *Backend {
	t.Helper()
	b, err := New(Config{NoRawESP: true, SendUDP: func(local, remote netip.AddrPort, p []byte) error {
		if *peer != nil {
			(*peer).HandleESP(remote, local, p)
		}
		return nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

// fakeTunnel gives b a tunnel with ID id on a fake device.
func fakeTunnel(t testing.TB, b *Backend, id uint32) *fakeDev {
	t.Helper()
	dev := newFakeDev()
	b.openTUN = func(string, int) (tun.Device, error) { return dev, nil }
	b.mu.Lock()
	err := b.createTunnel(&dataplane.Tunnel{ID: id, Name: "Tunnel0", IfName: "Tunnel0", MTU: DefaultMTU, Up: true})
	b.mu.Unlock()
	if err != nil {
		t.Fatal(err)
	}
	return dev
}

// suite is a set of ESP transforms with keys for both directions.
type suite struct {
	name   string
	alg    dataplane.Algorithms
	ab, ba dataplane.Direction // keys of a to b and b to a; SPIs set by pair
}

// key returns n octets of b.
func key(b byte, n int) []byte { return bytes.Repeat([]byte{b}, n) }

// suites are the transforms the tests run with.
var suites = []suite{
	{name: "aes-gcm-256", alg: dataplane.Algorithms{Encr: encrAESGCM16, EncrKeyBits: 256},
		ab: dataplane.Direction{EncrKey: key(0x11, 36)}, ba: dataplane.Direction{EncrKey: key(0x22, 36)}},
	{name: "aes-cbc-256-sha256", alg: dataplane.Algorithms{Encr: encrAESCBC, EncrKeyBits: 256, Integ: integHMACSHA2_256_128},
		ab: dataplane.Direction{EncrKey: key(0x33, 32), IntegKey: key(0x44, 32)},
		ba: dataplane.Direction{EncrKey: key(0x55, 32), IntegKey: key(0x66, 32)}},
	{name: "chacha20-poly1305-esn", alg: dataplane.Algorithms{Encr: encrChaCha20Poly1305, ESN: true},
		ab: dataplane.Direction{EncrKey: key(0x77, 36)}, ba: dataplane.Direction{EncrKey: key(0x88, 36)}},
}

// Outer endpoints of the test SAs.
var (
	addrA = netip.MustParseAddr("198.18.0.1")
	addrB = netip.MustParseAddr("198.18.0.2")
)

// pair returns the two halves of one CHILD SA of tunnel id: a's (local a)
// and b's, with SPIs spiAB (a to b) and spiBA.
func (s suite) pair(id, spiAB, spiBA uint32, encap dataplane.UDPEncap) (a, b dataplane.ChildSA) {
	ab, ba := s.ab, s.ba
	ab.SPI, ba.SPI = spiAB, spiBA
	a = dataplane.ChildSA{TunnelID: id, Local: addrA, Remote: addrB, Algorithms: s.alg, In: ba, Out: ab,
		LocalTS: []dataplane.TrafficSelector{dataplane.AnyIPv4}, RemoteTS: []dataplane.TrafficSelector{dataplane.AnyIPv4}, Encap: encap}
	b = dataplane.ChildSA{TunnelID: id, Local: addrB, Remote: addrA, Algorithms: s.alg, In: ab, Out: ba,
		LocalTS: a.RemoteTS, RemoteTS: a.LocalTS, Encap: dataplane.UDPEncap{LocalPort: encap.RemotePort, RemotePort: encap.LocalPort}}
	return a, b
}

// ipv4 returns an IPv4 packet of size octets from src to dst (protocol
// 253, experimental) whose payload is a pattern.
func ipv4(src, dst string, size int) []byte {
	p := make([]byte, size)
	p[0] = 0x45
	binary.BigEndian.PutUint16(p[2:], uint16(size))
	p[8], p[9] = 64, 253
	s, d := netip.MustParseAddr(src).As4(), netip.MustParseAddr(dst).As4()
	copy(p[12:], s[:])
	copy(p[16:], d[:])
	for i := 20; i < size; i++ {
		p[i] = byte(i)
	}
	return p
}

// udpEncap are the NAT-T ports of the UDP-encapsulated test SAs.
var udpEncap = dataplane.UDPEncap{LocalPort: 4500, RemotePort: 4500}
