package transport

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"syscall"

	"github.com/flexvpnd/flexvpnd/engine/ikev2/wire"
)

// Default ports: IKE (RFC 7296 section 2) and IKE/ESP over UDP for NAT
// traversal (RFC 3948 section 2, RFC 7296 section 2.23).
const (
	DefaultIKEPort = 500
	DefaultNATPort = 4500
)

// maxDatagram is the largest UDP payload a socket can receive (the UDP length
// field is 16 bits); a datagram that does not fit is reported truncated.
const maxDatagram = 65535

// Packet is one received IKE message.
type Packet struct {
	// Local is the address the peer sent to (learned per datagram, so it
	// is a unicast address even on a wildcard socket) and the port of the
	// receiving socket; Remote is the peer's address and port.
	Local, Remote netip.AddrPort
	// NATT reports whether the message arrived on the NAT-T port (and so
	// any answer needs the non-ESP marker, which [Listener.Send] adds).
	NATT bool
	// Header is the decoded IKE header. Its major version is 2, or higher
	// than 2 so that the engine can answer INVALID_MAJOR_VERSION
	// (RFC 7296 section 2.5).
	Header wire.Header
	// Data is the whole IKE message (without the non-ESP marker). It
	// aliases the receive buffer and is valid only until the handler
	// returns.
	Data []byte
}

// Handler receives the IKE messages of a [Listener]. It is called from one
// goroutine per socket, so calls for different sockets run concurrently. It
// must not block for long (the socket is not read meanwhile) and must copy
// anything it keeps: the Packet and its Data are reused for the next
// datagram once HandleIKE returns.
type Handler interface {
	HandleIKE(p *Packet)
}

// BatchHandler is a Handler that is told when the datagrams of one receive
// batch (up to 16 read in one system call) have all been handed to it, for
// example to send its answers to all of them at once with
// [Listener.SendBatch]. EndBatch is called on the socket's receive
// goroutine after the batch's last HandleIKE or HandleESP call, and after
// a batch that held no IKE message at all.
type BatchHandler interface {
	Handler
	EndBatch()
}

// ESPHandler receives the ESP packets that arrive on the NAT-T port
// (RFC 3948 section 2.1) when the kernel does not consume them. The packet
// starts with the SPI, aliases the receive buffer and is valid only until the
// call returns. The same concurrency rules as for [Handler] apply.
type ESPHandler interface {
	HandleESP(local, remote netip.AddrPort, packet []byte)
}

// Config says where a [Listener] listens.
type Config struct {
	// Addrs are the local addresses to bind; each gets an IKE and a NAT-T
	// socket. The IPv4 wildcard 0.0.0.0 and the IPv6 wildcard :: are
	// allowed (the IPv6 sockets are IPv6-only, so list both wildcards to
	// listen on every address).
	Addrs []netip.Addr
	// IKEPort and NATPort are the ports to bind, normally DefaultIKEPort
	// and DefaultNATPort (the --ike-port and --nat-port flags). Zero lets
	// the kernel choose; [Listener.Endpoints] tells which port it chose.
	IKEPort, NATPort uint16
	// Handler receives IKE messages; it is required.
	Handler Handler
	// ESP, if not nil, receives ESP packets from the NAT-T sockets;
	// otherwise they are dropped and counted.
	ESP ESPHandler
}

// Endpoint is one bound socket.
type Endpoint struct {
	Addr netip.AddrPort
	NATT bool // the NAT-T (4500) socket rather than the IKE (500) one
}

// Stats are the datagram counters of a [Listener].
type Stats struct {
	IKE        uint64 // IKE messages handed to the Handler
	ESP        uint64 // ESP packets handed to the ESPHandler
	ESPDropped uint64 // ESP packets dropped for want of an ESPHandler
	Keepalives uint64 // NAT-keepalives received (and dropped)
	Garbage    uint64 // datagrams that are not even a valid IKE header
	ReadErrors uint64 // failed reads other than the close of the socket
}

// counters are the live, atomically updated [Stats].
type counters struct {
	ike, esp, espDropped, keepalives, garbage, readErrors atomic.Uint64
}

// Listener owns the IKE and NAT-T sockets and their receive goroutines.
type Listener struct {
	socks   []*socket
	handler Handler
	esp     ESPHandler
	stats   counters

	wg        sync.WaitGroup
	closeOnce sync.Once
	stopCtx   func() bool // unregisters the context callback
	closed    atomic.Bool
}

// socket is one bound UDP socket.
type socket struct {
	conn *net.UDPConn
	raw  syscall.RawConn // conn's, for recvmmsg(2) and sendmmsg(2)
	addr netip.AddrPort  // as bound, with the port the kernel chose
	v6   bool
	natt bool
}

// Listen binds an IKE and a NAT-T socket on every address of cfg and starts
// one receive goroutine per socket. The listener closes itself when ctx is
// done; [Listener.Close] closes it earlier and waits for the goroutines.
func Listen(ctx context.Context, cfg Config) (*Listener, error) {
	if cfg.Handler == nil {
		return nil, errors.New("transport: listen: no Handler")
	}
	if len(cfg.Addrs) == 0 {
		return nil, errors.New("transport: listen: no local addresses")
	}
	if cfg.IKEPort != 0 && cfg.IKEPort == cfg.NATPort {
		return nil, fmt.Errorf("transport: listen: IKE and NAT-T port are both %d", cfg.IKEPort)
	}
	l := &Listener{handler: cfg.Handler, esp: cfg.ESP}
	for _, a := range cfg.Addrs {
		for _, natt := range []bool{false, true} {
			port := cfg.IKEPort
			if natt {
				port = cfg.NATPort
			}
			s, err := bind(netip.AddrPortFrom(a.Unmap(), port), natt)
			if err != nil {
				l.closeSockets()
				return nil, err
			}
			// Every socket gets the large buffer: ESP in UDP arrives
			// in bursts, and a flood of IKE_SA_INIT requests must not
			// crowd a legitimate one out of the buffer while the
			// process waits for a CPU (the node answers floods with
			// cookies, cheaply, but only what it reads).
			growReceiveBuffer(s.conn)
			l.socks = append(l.socks, s)
		}
	}
	for _, s := range l.socks {
		l.wg.Add(1)
		go l.receive(s)
	}
	l.stopCtx = context.AfterFunc(ctx, l.closeSockets)
	return l, nil
}

// bind opens one UDP socket on ap and asks for the per-datagram destination
// address.
func bind(ap netip.AddrPort, natt bool) (*socket, error) {
	network := "udp4"
	if ap.Addr().Is6() {
		network = "udp6"
	}
	conn, err := net.ListenUDP(network, net.UDPAddrFromAddrPort(ap))
	if err != nil {
		return nil, fmt.Errorf("transport: bind %v: %w", ap, err)
	}
	raw, err := conn.SyscallConn()
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("transport: bind %v: %w", ap, err)
	}
	s := &socket{conn: conn, raw: raw, v6: ap.Addr().Is6(), natt: natt}
	s.addr = netip.AddrPortFrom(ap.Addr(), conn.LocalAddr().(*net.UDPAddr).AddrPort().Port())
	if err := enablePktinfo(conn, s.v6); err != nil {
		conn.Close()
		return nil, fmt.Errorf("transport: bind %v: %w", ap, err)
	}
	return s, nil
}

// Endpoints lists the bound sockets with the ports actually in use.
func (l *Listener) Endpoints() []Endpoint {
	eps := make([]Endpoint, len(l.socks))
	for i, s := range l.socks {
		eps[i] = Endpoint{Addr: s.addr, NATT: s.natt}
	}
	return eps
}

// Stats returns a snapshot of the counters.
func (l *Listener) Stats() Stats {
	return Stats{
		IKE:        l.stats.ike.Load(),
		ESP:        l.stats.esp.Load(),
		ESPDropped: l.stats.espDropped.Load(),
		Keepalives: l.stats.keepalives.Load(),
		Garbage:    l.stats.garbage.Load(),
		ReadErrors: l.stats.readErrors.Load(),
	}
}

// Close closes every socket and waits until the receive goroutines have
// returned. It is safe to call more than once and concurrently with Send.
func (l *Listener) Close() error {
	l.stopCtx()
	l.closeSockets()
	l.wg.Wait()
	return nil
}

// closeSockets closes every socket once, which ends the receive loops.
func (l *Listener) closeSockets() {
	l.closeOnce.Do(func() {
		l.closed.Store(true)
		for _, s := range l.socks {
			s.conn.Close()
		}
	})
}

// receive reads s until it is closed, in batches of up to batchSize
// datagrams per system call (recvmmsg(2)), handing each datagram to
// dispatch and telling a BatchHandler when a batch has been handed over.
// The receive buffers are allocated once per socket, so memory stays
// bounded however fast datagrams arrive.
func (l *Listener) receive(s *socket) {
	defer l.wg.Done()
	b := newRecvBatch(s)
	bh, _ := l.handler.(BatchHandler)
	var p Packet
	for {
		count, err := b.receive()
		if err != nil {
			if l.closed.Load() || errors.Is(err, net.ErrClosed) {
				return
			}
			l.stats.readErrors.Add(1)
			continue
		}
		for i := range count {
			d, oob, remote, trunc := b.datagram(i)
			local, ok := localAddr(oob, s)
			if !ok || trunc || !remote.IsValid() {
				l.stats.garbage.Add(1)
				continue
			}
			p.Local, p.Remote = local, remote
			l.dispatch(s, &p, d)
		}
		if bh != nil {
			bh.EndBatch()
		}
	}
}

// dispatch classifies one datagram (RFC 3948 sections 2.2 and 2.3 on the
// NAT-T port) and hands it to the right handler or drops it.
func (l *Listener) dispatch(s *socket, p *Packet, d []byte) {
	if s.natt {
		kind, rest := wire.Classify4500(d)
		switch kind {
		case wire.Kind4500Keepalive:
			l.stats.keepalives.Add(1)
			return
		case wire.Kind4500ESP:
			if l.esp == nil {
				l.stats.espDropped.Add(1)
				return
			}
			l.stats.esp.Add(1)
			l.esp.HandleESP(p.Local, p.Remote, rest)
			return
		case wire.Kind4500IKE:
			d = rest
		default:
			l.stats.garbage.Add(1)
			return
		}
	}
	h, err := wire.DecodeHeader(d)
	if err != nil {
		// A higher major version is passed on so that the engine can
		// answer INVALID_MAJOR_VERSION (RFC 7296 section 2.5), provided
		// the length field is right; everything else is garbage.
		var ve *wire.VersionError
		if !errors.As(err, &ve) || ve.Major < 2 || uint64(h.Length) != uint64(len(d)) {
			l.stats.garbage.Add(1)
			return
		}
	}
	p.NATT, p.Header, p.Data = s.natt, h, d
	l.stats.ike.Add(1)
	l.handler.HandleIKE(p)
}
