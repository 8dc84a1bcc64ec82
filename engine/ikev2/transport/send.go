package transport

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sync"

	"github.com/flexvpnd/flexvpnd/engine/ikev2/wire"
)

// sendBuf is a reusable buffer for one send: the datagram with its non-ESP
// marker and the packet-info control message.
type sendBuf struct {
	data, oob []byte
}

// sendBufs recycles send buffers, so that concurrent senders share a small
// set of buffers instead of allocating per message.
var sendBufs = sync.Pool{New: func() any { return new(sendBuf) }}

// Send sends one IKE message from local to remote. local selects the socket
// by port and family (an unspecified local address picks the socket of that
// port and family) and, on a wildcard socket, is the source address used.
// On the NAT-T port the non-ESP marker is prepended (RFC 3948 section 2.2,
// RFC 7296 section 2.23). Send may be called concurrently.
func (l *Listener) Send(local, remote netip.AddrPort, msg []byte) error {
	if len(msg)+len(wire.NonESPMarker) > maxDatagram {
		return fmt.Errorf("transport: send to %v: message of %d octets too long", remote, len(msg))
	}
	return l.send(local, remote, msg, true)
}

// SendKeepalive sends one NAT-keepalive, the single octet 0xFF, from the
// NAT-T socket at local to remote (RFC 3948 section 2.3). The engine calls
// it every `nat keepalive` interval while it is behind a NAT.
func (l *Listener) SendKeepalive(local, remote netip.AddrPort) error {
	return l.sendNATT(local, remote, keepalive[:], "keepalive")
}

// keepalive is the NAT-keepalive datagram (RFC 3948 section 2.3).
var keepalive = [1]byte{wire.NATKeepalive}

// SendESP sends one UDP-encapsulated ESP packet, starting with its non-zero
// SPI and without the non-ESP marker (RFC 3948 section 2.1), from the NAT-T
// socket at local to remote: the outbound path of the userspace data plane.
// It does not keep packet and may be called concurrently.
func (l *Listener) SendESP(local, remote netip.AddrPort, packet []byte) error {
	return l.sendNATT(local, remote, packet, "ESP")
}

// sendNATT sends a datagram as is from the NAT-T socket at local; what
// names it in errors.
func (l *Listener) sendNATT(local, remote netip.AddrPort, d []byte, what string) error {
	s, err := l.lookup(local, remote)
	if err != nil {
		return err
	}
	if !s.natt {
		return fmt.Errorf("transport: %s from %v: not a NAT-T socket", what, local)
	}
	return l.send(local, remote, d, false)
}

// send writes msg from local to remote, with the non-ESP marker on the NAT-T
// port when ike is set.
func (l *Listener) send(local, remote netip.AddrPort, msg []byte, ike bool) error {
	s, err := l.lookup(local, remote)
	if err != nil {
		return err
	}
	b := sendBufs.Get().(*sendBuf)
	defer sendBufs.Put(b)
	b.data, b.oob = b.data[:0], b.oob[:0]
	if ike && s.natt {
		b.data = wire.AppendNonESPMarker(b.data)
	}
	b.data = append(b.data, msg...)
	src := local.Addr().Unmap()
	if s.addr.Addr().IsUnspecified() && src.IsValid() && !src.IsUnspecified() {
		if b.oob, err = appendPktinfo(b.oob, src); err != nil {
			return fmt.Errorf("transport: send to %v: %w", remote, err)
		}
	}
	dst := netip.AddrPortFrom(remote.Addr().Unmap(), remote.Port())
	if _, _, err := s.conn.WriteMsgUDPAddrPort(b.data, b.oob, dst); err != nil {
		return fmt.Errorf("transport: send from %v to %v: %w", local, remote, err)
	}
	return nil
}

// ErrNoSocket is returned by Send and SendKeepalive when no bound socket
// matches the local address and port.
var ErrNoSocket = errors.New("no socket for local address")

// lookup finds the socket for sending from local to remote: same port and
// family, and bound to local's address or to the wildcard (an exact binding
// wins).
func (l *Listener) lookup(local, remote netip.AddrPort) (*socket, error) {
	if l.closed.Load() {
		return nil, fmt.Errorf("transport: send to %v: %w", remote, net.ErrClosed)
	}
	src := local.Addr().Unmap()
	v6 := remote.Addr().Unmap().Is6()
	if src.IsValid() && !src.IsUnspecified() && src.Is6() != v6 {
		return nil, fmt.Errorf("transport: send from %v to %v: address families differ", local, remote)
	}
	var found *socket
	for _, s := range l.socks {
		if s.addr.Port() != local.Port() || s.v6 != v6 {
			continue
		}
		if s.addr.Addr() == src.WithZone("") {
			return s, nil
		}
		if found == nil && (s.addr.Addr().IsUnspecified() || !src.IsValid() || src.IsUnspecified()) {
			found = s
		}
	}
	if found == nil {
		return nil, fmt.Errorf("transport: send from %v to %v: %w", local, remote, ErrNoSocket)
	}
	return found, nil
}

// Message is one IKE message for [Listener.SendBatch].
type Message struct {
	// Local and Remote are as for [Listener.Send]; Data is the IKE
	// message, without the non-ESP marker.
	Local, Remote netip.AddrPort
	Data          []byte
	// Err is set by SendBatch when this message was not sent.
	Err error
}

// sendBatches recycles the headers of SendBatch calls.
var sendBatches = sync.Pool{New: func() any { return newSendBatch() }}

// SendBatch sends IKE messages as [Listener.Send] does, in order, with as
// few system calls as the sockets allow: consecutive messages from the same
// socket go out in one sendmmsg(2) call of up to 16. It sets Err on every
// message it could not send and returns how many those are. SendBatch may
// be called concurrently; it keeps no reference to msgs.
func (l *Listener) SendBatch(msgs []Message) int {
	b := sendBatches.Get().(*sendBatch)
	defer sendBatches.Put(b)
	failed := 0
	for i := 0; i < len(msgs); {
		s, err := l.prepare(b, 0, &msgs[i])
		if err != nil {
			msgs[i].Err = err
			failed++
			i++
			continue
		}
		b.count = 1
		for b.count < batchSize && i+b.count < len(msgs) {
			if t, err := l.prepare(b, b.count, &msgs[i+b.count]); err != nil || t != s {
				break
			}
			b.count++
		}
		count := b.count
		failed += b.send(s, msgs[i:i+count])
		i += count
	}
	return failed
}

// prepare finds the socket for m and fills header i of b to send it.
func (l *Listener) prepare(b *sendBatch, i int, m *Message) (*socket, error) {
	s, err := l.lookup(m.Local, m.Remote)
	if err != nil {
		return nil, err
	}
	if len(m.Data)+len(wire.NonESPMarker) > maxDatagram {
		return nil, fmt.Errorf("transport: send to %v: message of %d octets too long", m.Remote, len(m.Data))
	}
	oob := b.oob[i][:0]
	if src := m.Local.Addr().Unmap(); s.addr.Addr().IsUnspecified() && src.IsValid() && !src.IsUnspecified() {
		if oob, err = appendPktinfo(oob, src); err != nil {
			return nil, fmt.Errorf("transport: send to %v: %w", m.Remote, err)
		}
	}
	var prefix []byte
	if s.natt {
		prefix = wire.NonESPMarker[:]
	}
	b.oob[i] = oob
	b.set(i, prefix, m.Data, netip.AddrPortFrom(m.Remote.Addr().Unmap(), m.Remote.Port()), oob)
	return s, nil
}
