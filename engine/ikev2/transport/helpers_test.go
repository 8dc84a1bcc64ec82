package transport

import (
	"bytes"
	"context"
	"net"
	"net/netip"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/flexvpnd/flexvpnd/engine/ikev2/wire"
)

// timeout bounds every wait in the tests.
const timeout = 5 * time.Second

// received is a copy of one handled datagram.
type received struct {
	Local, Remote netip.AddrPort
	NATT          bool
	ESP           bool
	Data          []byte
}

// recorder is a Handler and ESPHandler that forwards copies to a channel.
type recorder chan received

func (r recorder) HandleIKE(p *Packet) {
	r <- received{Local: p.Local, Remote: p.Remote, NATT: p.NATT, Data: bytes.Clone(p.Data)}
}

func (r recorder) HandleESP(local, remote netip.AddrPort, packet []byte) {
	r <- received{Local: local, Remote: remote, NATT: true, ESP: true, Data: bytes.Clone(packet)}
}

// next waits for the next handled datagram.
func (r recorder) next(t *testing.T) received {
	t.Helper()
	select {
	case got := <-r:
		return got
	case <-time.After(timeout):
		t.Fatal("timed out waiting for a datagram")
		return received{}
	}
}

// ikeMsg builds an IKE_SA_INIT request of 28+extra octets whose header
// decodes (payload octets are filler; only the header matters here).
func ikeMsg(spi uint64, extra int) []byte {
	h := wire.Header{SPIi: spi, Version: wire.Version, Exchange: wire.IKESAInit,
		Flags: wire.FlagInitiator, Length: uint32(wire.HeaderLen + extra)}
	b := h.Append(nil)
	for i := range extra {
		b = append(b, byte(i))
	}
	return b
}

// withMarker prepends the non-ESP marker.
func withMarker(msg []byte) []byte { return append(wire.AppendNonESPMarker(nil), msg...) }

// listen starts a Listener on addrs with kernel-chosen ports and closes it
// at the end of the test.
func listen(t *testing.T, h Handler, esp ESPHandler, addrs ...string) *Listener {
	t.Helper()
	cfg := Config{Handler: h, ESP: esp}
	for _, a := range addrs {
		cfg.Addrs = append(cfg.Addrs, netip.MustParseAddr(a))
	}
	l, err := Listen(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

// port returns the port of l's first socket of the given kind.
func port(t *testing.T, l *Listener, natt bool) uint16 {
	t.Helper()
	for _, ep := range l.Endpoints() {
		if ep.NATT == natt {
			return ep.Addr.Port()
		}
	}
	t.Fatalf("no endpoint with NATT=%v", natt)
	return 0
}

// peer is a plain UDP socket standing in for the remote IKE peer.
type peer struct {
	conn *net.UDPConn
	addr netip.AddrPort
}

func newPeer(t *testing.T, addr string) *peer {
	t.Helper()
	p, err := openPeer(addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.conn.Close() })
	return p
}

// openPeer opens a peer socket on addr with a kernel-chosen port.
func openPeer(addr string) (*peer, error) {
	conn, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.AddrPortFrom(netip.MustParseAddr(addr), 0)))
	if err != nil {
		return nil, err
	}
	return &peer{conn: conn, addr: conn.LocalAddr().(*net.UDPAddr).AddrPort()}, nil
}

func (p *peer) send(t *testing.T, to netip.AddrPort, b []byte) {
	t.Helper()
	if _, err := p.conn.WriteToUDPAddrPort(b, to); err != nil {
		t.Fatal(err)
	}
}

// recv reads one datagram and returns it with its source.
func (p *peer) recv(t *testing.T) ([]byte, netip.AddrPort) {
	t.Helper()
	p.conn.SetReadDeadline(time.Now().Add(timeout))
	buf := make([]byte, maxDatagram)
	n, from, err := p.conn.ReadFromUDPAddrPort(buf)
	if err != nil {
		t.Fatal(err)
	}
	return buf[:n], netip.AddrPortFrom(from.Addr().Unmap(), from.Port())
}

// getsockoptInt reads an integer socket option of conn.
func getsockoptInt(t *testing.T, conn *net.UDPConn, level, opt int) int {
	t.Helper()
	rc, err := conn.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var v int
	var gerr error
	if err := rc.Control(func(fd uintptr) { v, gerr = unix.GetsockoptInt(int(fd), level, opt) }); err != nil {
		t.Fatal(err)
	}
	if gerr != nil {
		t.Fatal(gerr)
	}
	return v
}
