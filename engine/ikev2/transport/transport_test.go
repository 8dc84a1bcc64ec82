package transport

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"net"
	"net/netip"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"golang.org/x/sys/unix"

	"github.com/flexvpnd/flexvpnd/engine/ikev2/wire"
)

// cmpAddr compares netip values with ==.
var cmpAddr = cmpopts.EquateComparable(netip.AddrPort{})

// TestRoundTrip sends IKE messages to both ports of listeners bound to
// specific and wildcard addresses of both families, checks the learned local
// address and the stripped marker, and answers from the learned address.
func TestRoundTrip(t *testing.T) {
	tests := []struct {
		name   string
		bind   string // listener address
		peer   string // peer's own address
		target string // address the peer sends to, which must be learned
	}{
		{"ipv4", "127.0.0.1", "127.0.0.1", "127.0.0.1"},
		{"ipv6", "::1", "::1", "::1"},
		// All of 127/8 is local on Linux: the wildcard socket must learn
		// 127.0.0.2 and answer from it, not from 127.0.0.1.
		{"ipv4 wildcard", "0.0.0.0", "127.0.0.1", "127.0.0.2"},
		{"ipv6 wildcard", "::", "::1", "::1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := make(recorder, 4)
			l := listen(t, rec, nil, tt.bind)
			p := newPeer(t, tt.peer)
			target := netip.MustParseAddr(tt.target)
			for _, natt := range []bool{false, true} {
				local := netip.AddrPortFrom(target, port(t, l, natt))
				msg := ikeMsg(uint64(local.Port()), 40)
				out := msg
				if natt {
					out = withMarker(msg)
				}
				p.send(t, local, out)
				want := received{Local: local, Remote: p.addr, NATT: natt, Data: msg}
				got := rec.next(t)
				if diff := cmp.Diff(want, got, cmpAddr); diff != "" {
					t.Fatalf("natt=%v: received (-want +got):\n%s", natt, diff)
				}

				reply := ikeMsg(^uint64(local.Port()), 12)
				if err := l.Send(got.Local, got.Remote, reply); err != nil {
					t.Fatal(err)
				}
				wantWire := reply
				if natt {
					wantWire = withMarker(reply)
				}
				b, from := p.recv(t)
				if from != local {
					t.Errorf("natt=%v: reply from %v, want %v", natt, from, local)
				}
				if !bytes.Equal(b, wantWire) {
					t.Errorf("natt=%v: reply % x, want % x", natt, b, wantWire)
				}
			}
		})
	}
}

// TestClassification sends every kind of datagram to both ports and checks
// what reaches the handlers and the counters.
func TestClassification(t *testing.T) {
	ike := ikeMsg(0x0102030405060708, 8)                    // SPI not starting with a marker
	esp := []byte{0, 0, 0x10, 0x01, 0, 0, 0, 1, 0xaa, 0xbb} // SPI 0x1001, seq 1
	v1 := ikeMsg(8, 0)
	v1[17] = 0x10 // IKEv1: dropped
	v3 := ikeMsg(9, 0)
	v3[17] = 0x30 // IKEv3: passed on for INVALID_MAJOR_VERSION
	badLen := ikeMsg(10, 4)[:30]

	tests := []struct {
		name    string
		natt    bool
		withESP bool
		in      []byte
		want    []received // Local/Remote are filled in by the test
		stats   Stats
	}{
		{"ike on 500", false, false, ike, []received{{Data: ike}}, Stats{IKE: 1}},
		{"marker on 500 is garbage", false, false, withMarker(ike), nil, Stats{Garbage: 1}},
		{"short on 500", false, false, []byte{1, 2, 3}, nil, Stats{Garbage: 1}},
		{"length mismatch", false, false, badLen, nil, Stats{Garbage: 1}},
		{"ikev1 dropped", false, false, v1, nil, Stats{Garbage: 1}},
		{"ikev3 passed on", false, false, v3, []received{{Data: v3}}, Stats{IKE: 1}},
		{"keepalive on 500 is garbage", false, false, []byte{wire.NATKeepalive}, nil, Stats{Garbage: 1}},
		{"ike on 4500", true, false, withMarker(ike), []received{{NATT: true, Data: ike}}, Stats{IKE: 1}},
		{"ike without marker on 4500 is ESP", true, false, ike, nil, Stats{ESPDropped: 1}},
		{"keepalive", true, false, []byte{wire.NATKeepalive}, nil, Stats{Keepalives: 1}},
		{"esp without handler", true, false, esp, nil, Stats{ESPDropped: 1}},
		{"esp with handler", true, true, esp, []received{{NATT: true, ESP: true, Data: esp}}, Stats{ESP: 1}},
		{"short on 4500", true, false, []byte{1, 2}, nil, Stats{Garbage: 1}},
		{"marker and garbage", true, false, withMarker([]byte{1, 2, 3}), nil, Stats{Garbage: 1}},
		{"empty", true, false, nil, nil, Stats{Garbage: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := make(recorder, 4)
			var esph ESPHandler
			if tt.withESP {
				esph = rec
			}
			l := listen(t, rec, esph, "127.0.0.1")
			p := newPeer(t, "127.0.0.1")
			local := netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), port(t, l, tt.natt))
			p.send(t, local, tt.in)
			// A valid message afterwards is a barrier: loopback keeps
			// the order of datagrams to one socket.
			barrier := ikeMsg(0xba, 0)
			if tt.natt {
				p.send(t, local, withMarker(barrier))
			} else {
				p.send(t, local, barrier)
			}
			var got []received
			for {
				r := rec.next(t)
				if bytes.Equal(r.Data, barrier) {
					break
				}
				got = append(got, r)
			}
			for i := range tt.want {
				tt.want[i].Local, tt.want[i].Remote = local, p.addr
			}
			if diff := cmp.Diff(tt.want, got, cmpAddr); diff != "" {
				t.Errorf("handled (-want +got):\n%s", diff)
			}
			tt.stats.IKE++ // the barrier
			if diff := cmp.Diff(tt.stats, l.Stats()); diff != "" {
				t.Errorf("stats (-want +got):\n%s", diff)
			}
		})
	}
}

// TestSendKeepalive checks the one-octet NAT-keepalive (RFC 3948 section
// 2.3) and that it is refused on the IKE port.
func TestSendKeepalive(t *testing.T) {
	l := listen(t, make(recorder, 1), nil, "::1")
	p := newPeer(t, "::1")
	local := netip.AddrPortFrom(netip.IPv6Loopback(), port(t, l, true))
	if err := l.SendKeepalive(local, p.addr); err != nil {
		t.Fatal(err)
	}
	if b, from := p.recv(t); !bytes.Equal(b, []byte{0xff}) || from != local {
		t.Errorf("got % x from %v, want ff from %v", b, from, local)
	}
	ikeLocal := netip.AddrPortFrom(netip.IPv6Loopback(), port(t, l, false))
	if err := l.SendKeepalive(ikeLocal, p.addr); err == nil {
		t.Error("keepalive from the IKE port: no error")
	}
}

// TestSendAllocs checks that the send path, marker and packet info
// included, does not allocate once its buffers are pooled.
func TestSendAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("sync.Pool drops items under -race")
	}
	l := listen(t, make(recorder, 1), nil, "0.0.0.0")
	p := newPeer(t, "127.0.0.1")
	local := netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), port(t, l, true))
	msg := ikeMsg(1, 100)
	allocs := testing.AllocsPerRun(100, func() {
		if err := l.Send(local, p.addr, msg); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("Send allocates %.1f times per call", allocs)
	}
}

// TestSendErrors covers the sends that must be refused.
func TestSendErrors(t *testing.T) {
	l := listen(t, make(recorder, 1), nil, "127.0.0.1")
	v4 := netip.MustParseAddr("127.0.0.1")
	ikePort := port(t, l, false)
	remote4 := netip.MustParseAddrPort("127.0.0.1:9")
	tests := []struct {
		name          string
		local, remote netip.AddrPort
		msg           []byte
		wantNoSocket  bool
	}{
		{"unknown port", netip.AddrPortFrom(v4, ikePort+1), remote4, ikeMsg(1, 0), true},
		{"no ipv6 socket", netip.AddrPortFrom(netip.IPv6Loopback(), ikePort), netip.MustParseAddrPort("[::1]:9"), ikeMsg(1, 0), true},
		{"other local address", netip.AddrPortFrom(netip.MustParseAddr("127.0.0.2"), ikePort), remote4, ikeMsg(1, 0), true},
		{"families differ", netip.AddrPortFrom(v4, ikePort), netip.MustParseAddrPort("[::1]:9"), ikeMsg(1, 0), false},
		{"too long", netip.AddrPortFrom(v4, ikePort), remote4, make([]byte, maxDatagram), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := l.Send(tt.local, tt.remote, tt.msg)
			if err == nil {
				t.Fatal("no error")
			}
			if got := errors.Is(err, ErrNoSocket); got != tt.wantNoSocket {
				t.Errorf("error %v: ErrNoSocket %v, want %v", err, got, tt.wantNoSocket)
			}
		})
	}
	// An unspecified local address picks the socket of that port.
	if err := l.Send(netip.AddrPortFrom(netip.IPv4Unspecified(), ikePort), newPeer(t, "127.0.0.1").addr, ikeMsg(1, 0)); err != nil {
		t.Errorf("send from unspecified address: %v", err)
	}
}

// TestListenErrors covers configurations Listen must refuse, and that a
// failed Listen leaves no socket bound.
func TestListenErrors(t *testing.T) {
	busy := listen(t, make(recorder, 1), nil, "127.0.0.1")
	busyPort := port(t, busy, true)
	lo := []netip.Addr{netip.MustParseAddr("127.0.0.1")}
	tests := []struct {
		name string
		cfg  Config
	}{
		{"no handler", Config{Addrs: lo}},
		{"no addresses", Config{Handler: make(recorder)}},
		{"same ports", Config{Addrs: lo, IKEPort: 5000, NATPort: 5000, Handler: make(recorder)}},
		{"port in use", Config{Addrs: lo, NATPort: busyPort, Handler: make(recorder)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := runtime.NumGoroutine()
			if l, err := Listen(context.Background(), tt.cfg); err == nil {
				l.Close()
				t.Fatal("no error")
			}
			if n := runtime.NumGoroutine(); n > before {
				t.Errorf("%d goroutines after failed Listen, %d before", n, before)
			}
		})
	}
}

// TestConcurrentSend sends from many goroutines at once on the NAT-T port and
// checks every datagram arrives intact with its marker.
func TestConcurrentSend(t *testing.T) {
	const senders, each = 8, 32
	l := listen(t, make(recorder, 1), nil, "127.0.0.1")
	p := newPeer(t, "127.0.0.1")
	local := netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), port(t, l, true))

	p.conn.SetReadBuffer(1 << 20) // best effort: room for every message at once
	seen := make(chan map[uint64]bool)
	go func() {
		got := map[uint64]bool{}
		buf := make([]byte, maxDatagram)
		p.conn.SetReadDeadline(time.Now().Add(timeout))
		for len(got) < senders*each {
			n, _, err := p.conn.ReadFromUDPAddrPort(buf)
			if err != nil {
				break
			}
			d := buf[:n]
			kind, msg := wire.Classify4500(d)
			if kind != wire.Kind4500IKE {
				continue
			}
			if h, err := wire.DecodeHeader(msg); err == nil && bytes.Equal(msg, ikeMsg(h.SPIi, int(h.Length)-wire.HeaderLen)) {
				got[h.SPIi] = true
			}
		}
		seen <- got
	}()
	var wg sync.WaitGroup
	for g := range senders {
		wg.Go(func() {
			for i := range each {
				id := uint64(g*each + i)
				if err := l.Send(local, p.addr, ikeMsg(id, int(id%50))); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	if got := <-seen; len(got) != senders*each {
		t.Errorf("peer received %d distinct intact messages, want %d", len(got), senders*each)
	}
}

// TestCloseNoLeak checks that Close and context cancellation end every
// goroutine and that the listener refuses to send afterwards.
func TestCloseNoLeak(t *testing.T) {
	for _, viaContext := range []bool{false, true} {
		before := runtime.NumGoroutine()
		ctx, cancel := context.WithCancel(context.Background())
		l, err := Listen(ctx, Config{
			Addrs:   []netip.Addr{netip.MustParseAddr("127.0.0.1"), netip.IPv6Loopback(), netip.IPv4Unspecified(), netip.IPv6Unspecified()},
			Handler: make(recorder, 1),
		})
		if err != nil {
			t.Fatal(err)
		}
		// New goroutines show in stack dumps once they have run.
		deadline := time.Now().Add(timeout)
		for receivers() != len(l.Endpoints()) && time.Now().Before(deadline) {
			time.Sleep(time.Millisecond)
		}
		if n := receivers(); n != len(l.Endpoints()) {
			t.Errorf("%d receive goroutines while listening on %d sockets", n, len(l.Endpoints()))
		}
		if viaContext {
			cancel()
		}
		if err := l.Close(); err != nil {
			t.Fatal(err)
		}
		cancel()
		if err := l.Close(); err != nil { // idempotent
			t.Fatal(err)
		}
		waitGoroutines(t, before)
		err = l.Send(l.Endpoints()[0].Addr, netip.MustParseAddrPort("127.0.0.1:9"), ikeMsg(1, 0))
		if !errors.Is(err, net.ErrClosed) {
			t.Errorf("send after close: %v, want net.ErrClosed", err)
		}
	}
}

// receivers counts the goroutines running a receive loop.
func receivers() int {
	buf := make([]byte, 1<<20)
	return strings.Count(string(buf[:runtime.Stack(buf, true)]), "transport.(*Listener).receive(")
}

// waitGoroutines waits until no receive loop runs and no more than want
// goroutines in all: a receive goroutine may still be returning after its
// wg.Done, and the goroutine that runs a context's AfterFunc after Close.
func waitGoroutines(t *testing.T, want int) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for receivers() > 0 || runtime.NumGoroutine() > want {
		if time.Now().After(deadline) {
			t.Fatalf("%d goroutines (%d receive loops), want at most %d and none", runtime.NumGoroutine(), receivers(), want)
		}
		time.Sleep(time.Millisecond)
	}
}

// TestContextCancelEndsReceive checks that cancelling the context alone
// stops the receive goroutines.
func TestContextCancelEndsReceive(t *testing.T) {
	before := runtime.NumGoroutine()
	ctx, cancel := context.WithCancel(context.Background())
	l, err := Listen(ctx, Config{Addrs: []netip.Addr{netip.MustParseAddr("127.0.0.1")}, Handler: make(recorder, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	cancel()
	waitGoroutines(t, before)
}

// TestEnableESPInUDP turns on UDP_ENCAP on the NAT-T sockets; either the
// kernel accepts it (and still passes IKE up) or the error says unsupported.
func TestEnableESPInUDP(t *testing.T) {
	rec := make(recorder, 1)
	l := listen(t, rec, nil, "127.0.0.1", "::1")
	err := l.EnableESPInUDP()
	if errors.Is(err, errors.ErrUnsupported) {
		t.Skipf("kernel has no ESP-in-UDP: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range l.socks {
		if !s.natt {
			continue
		}
		if got := getsockoptInt(t, s.conn, unix.IPPROTO_UDP, unix.UDP_ENCAP); got != unix.UDP_ENCAP_ESPINUDP {
			t.Errorf("%v: UDP_ENCAP = %d, want 2", s.addr, got)
		}
		p := newPeer(t, s.addr.Addr().String())
		msg := ikeMsg(0x4500, 4)
		p.send(t, s.addr, withMarker(msg))
		if got := rec.next(t); !bytes.Equal(got.Data, msg) || !got.NATT {
			t.Errorf("%v: with UDP_ENCAP got %+v, want the IKE message", s.addr, got)
		}
	}
}

// TestLocalAddrControlMessages feeds localAddr the control messages it must
// understand and some it must ignore.
func TestLocalAddrControlMessages(t *testing.T) {
	v4wild := &socket{addr: netip.MustParseAddrPort("0.0.0.0:500")}
	v4bound := &socket{addr: netip.MustParseAddrPort("192.0.2.1:500")}
	v6wild := &socket{addr: netip.MustParseAddrPort("[::]:4500"), v6: true}
	pktinfo := func(a string) []byte {
		b, err := appendPktinfo(nil, netip.MustParseAddr(a))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	// Received IPv4 packet info carries the header destination in
	// ipi_addr; appendPktinfo fills ipi_spec_dst, so copy it over.
	recv4 := func(a string) []byte {
		b := pktinfo(a)
		data := b[unix.CmsgLen(0):] // ifindex, spec_dst, addr
		copy(data[8:12], data[4:8])
		return b
	}
	tests := []struct {
		name string
		s    *socket
		oob  []byte
		want netip.AddrPort
		ok   bool
	}{
		{"ipv4", v4wild, recv4("198.51.100.7"), netip.MustParseAddrPort("198.51.100.7:500"), true},
		{"ipv6", v6wild, pktinfo("2001:db8::1"), netip.MustParseAddrPort("[2001:db8::1]:4500"), true},
		{"ipv6 link-local gets zone", v6wild, pktinfo("fe80::1%3"), netip.MustParseAddrPort("[fe80::1%3]:4500"), true},
		{"none on wildcard", v4wild, nil, netip.AddrPort{}, false},
		{"none on bound socket", v4bound, nil, v4bound.addr, true},
		{"wrong family ignored", v4wild, pktinfo("2001:db8::1"), netip.AddrPort{}, false},
		{"truncated", v4wild, recv4("198.51.100.7")[:10], netip.AddrPort{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := localAddr(tt.oob, tt.s)
			if got != tt.want || ok != tt.ok {
				t.Errorf("localAddr = %v, %v; want %v, %v", got, ok, tt.want, tt.ok)
			}
		})
	}
	if _, err := appendPktinfo(nil, netip.MustParseAddr("fe80::1%eth0")); err == nil {
		t.Error("appendPktinfo accepted a non-numeric zone")
	}
}

// FuzzDispatch feeds arbitrary datagrams to both kinds of socket: dispatch
// must not panic, must count every datagram exactly once, and must hand on
// only datagrams whose IKE header length matches.
func FuzzDispatch(f *testing.F) {
	f.Add(ikeMsg(1, 3), false)
	f.Add(withMarker(ikeMsg(1, 3)), true)
	f.Add([]byte{0xff}, true)
	f.Add([]byte{0, 0, 0, 1, 0, 0, 0, 1}, true)
	f.Fuzz(func(t *testing.T, d []byte, natt bool) {
		rec := make(recorder, 1)
		l := &Listener{handler: rec, esp: rec}
		s := &socket{addr: netip.MustParseAddrPort("192.0.2.1:500"), natt: natt}
		l.dispatch(s, &Packet{Local: s.addr}, d)
		st := l.Stats()
		if total := st.IKE + st.ESP + st.ESPDropped + st.Keepalives + st.Garbage; total != 1 {
			t.Fatalf("counted %d times: %+v", total, st)
		}
		if st.IKE == 1 {
			got := <-rec
			if len(got.Data) < wire.HeaderLen || binary.BigEndian.Uint32(got.Data[24:]) != uint32(len(got.Data)) {
				t.Fatalf("handed on % x", got.Data)
			}
		}
	})
}
