// Package impair is a UDP impairment relay for fault tests: it forwards
// datagrams between two peers and drops, duplicates, delays and reorders
// them at configured rates, since the test kernels have no netem. Each
// peer talks to the relay as if it were the other peer (the relay stands
// on an address of its own on each side, like a NAT), so IKE sees a NAT
// and floats to UDP 4500; forward both ports.
//
// Traffic only flows between the addresses the test gives; the relay
// never sends anywhere else.
package impair

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// Impairment is what happens to each forwarded datagram. Rates are
// probabilities in [0, 1].
type Impairment struct {
	// Drop is the probability that a datagram is lost.
	Drop float64
	// Duplicate is the probability that a datagram is sent twice.
	Duplicate float64
	// Reorder is the probability that a datagram is held back and sent
	// after the next one in the same direction (or after MaxHold).
	Reorder float64
	// Delay is added to every datagram, plus a uniform Jitter.
	Delay, Jitter time.Duration
	// MaxHold bounds how long a reordered datagram waits for a
	// successor; 0 means 50 ms.
	MaxHold time.Duration
}

// Pair is one forwarded port pair: datagrams arriving at LeftListen from
// the left peer go from RightSource to RightPeer; those arriving at
// RightSource from the right peer go from LeftListen to the last left
// peer address seen (or LeftPeer, when set, before any).
type Pair struct {
	LeftListen, RightSource netip.AddrPort
	RightPeer, LeftPeer     netip.AddrPort
}

// Config configures a Relay.
type Config struct {
	Pairs []Pair
	// Impairment applies to both directions.
	Impairment Impairment
	// Seed makes the random choices repeatable.
	Seed uint64
	// ListenConfig opens the sockets (zero value: the current network
	// namespace).
	ListenConfig net.ListenConfig
}

// Stats counts datagrams by fate.
type Stats struct {
	Received, Forwarded, Dropped, Duplicated, Reordered uint64
}

// Relay is a running impairment relay.
type Relay struct {
	imp    Impairment
	cancel context.CancelFunc
	wg     sync.WaitGroup
	conns  []net.PacketConn

	mu  sync.Mutex // guards rng
	rng *rand.Rand

	received, forwarded, dropped, duplicated, reordered atomic.Uint64
}

// Start opens the relay's sockets and forwards until Close.
func Start(ctx context.Context, cfg Config) (*Relay, error) {
	if len(cfg.Pairs) == 0 {
		return nil, errors.New("impair: no port pairs")
	}
	ctx, cancel := context.WithCancel(ctx)
	r := &Relay{imp: cfg.Impairment, cancel: cancel, rng: rand.New(rand.NewPCG(cfg.Seed, cfg.Seed^0x9e3779b97f4a7c15))}
	if r.imp.MaxHold == 0 {
		r.imp.MaxHold = 50 * time.Millisecond
	}
	for _, p := range cfg.Pairs {
		left, err := cfg.ListenConfig.ListenPacket(ctx, "udp", p.LeftListen.String())
		if err != nil {
			r.Close()
			return nil, fmt.Errorf("impair: listen %v: %w", p.LeftListen, err)
		}
		r.conns = append(r.conns, left)
		bigBuffer(left)
		right, err := cfg.ListenConfig.ListenPacket(ctx, "udp", p.RightSource.String())
		if err != nil {
			r.Close()
			return nil, fmt.Errorf("impair: listen %v: %w", p.RightSource, err)
		}
		r.conns = append(r.conns, right)
		bigBuffer(right)
		var leftPeer atomic.Pointer[netip.AddrPort]
		if p.LeftPeer.IsValid() {
			lp := p.LeftPeer
			leftPeer.Store(&lp)
		}
		rightPeer := p.RightPeer
		r.forward(ctx, left, right, func(from netip.AddrPort) (netip.AddrPort, bool) {
			leftPeer.Store(&from)
			return rightPeer, true
		})
		r.forward(ctx, right, left, func(from netip.AddrPort) (netip.AddrPort, bool) {
			if from != rightPeer {
				return netip.AddrPort{}, false
			}
			lp := leftPeer.Load()
			if lp == nil {
				return netip.AddrPort{}, false
			}
			return *lp, true
		})
	}
	return r, nil
}

// bigBuffer gives a socket a 4 MiB receive buffer (forced past
// net.core.rmem_max when running as root), so that bursts are not lost in
// the relay itself but only by the configured impairment.
func bigBuffer(c net.PacketConn) {
	sc, ok := c.(syscall.Conn)
	if !ok {
		return
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return
	}
	raw.Control(func(fd uintptr) {
		if unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_RCVBUFFORCE, 4<<20) != nil {
			unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_RCVBUF, 4<<20)
		}
	})
}

// forward runs one direction: datagrams read from in go out of out to the
// address route returns (none: dropped uncounted, it is not our peer).
func (r *Relay) forward(ctx context.Context, in, out net.PacketConn, route func(from netip.AddrPort) (netip.AddrPort, bool)) {
	sender := &sender{r: r, out: out}
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		defer sender.flush()
		buf := make([]byte, 65536)
		for ctx.Err() == nil {
			n, from, err := in.ReadFrom(buf)
			if err != nil {
				return
			}
			ua, ok := from.(*net.UDPAddr)
			if !ok {
				continue
			}
			to, ok := route(ua.AddrPort())
			if !ok {
				continue
			}
			r.received.Add(1)
			sender.handle(append([]byte(nil), buf[:n]...), to)
		}
	}()
}

// chance draws one random decision with probability p.
func (r *Relay) chance(p float64) bool {
	if p <= 0 {
		return false
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.rng.Float64() < p
}

// delay draws the delay of one datagram.
func (r *Relay) delay() time.Duration {
	d := r.imp.Delay
	if r.imp.Jitter > 0 {
		r.mu.Lock()
		d += time.Duration(r.rng.Int64N(int64(r.imp.Jitter)))
		r.mu.Unlock()
	}
	return d
}

// sender applies the impairment of one direction.
type sender struct {
	r   *Relay
	out net.PacketConn

	mu    sync.Mutex
	held  []byte // a datagram held back for reordering
	heldT netip.AddrPort
	timer *time.Timer
}

func (s *sender) handle(b []byte, to netip.AddrPort) {
	r := s.r
	if r.chance(r.imp.Drop) {
		r.dropped.Add(1)
		return
	}
	copies := 1
	if r.chance(r.imp.Duplicate) {
		copies = 2
		r.duplicated.Add(1)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.held == nil && r.chance(r.imp.Reorder) {
		r.reordered.Add(1)
		s.held, s.heldT = b, to
		s.timer = time.AfterFunc(r.imp.MaxHold, s.flush)
		for range copies - 1 {
			s.send(b, to)
		}
		return
	}
	for range copies {
		s.send(b, to)
	}
	s.release()
}

// release sends the held datagram, if any (the lock is held).
func (s *sender) release() {
	if s.held == nil {
		return
	}
	s.timer.Stop()
	s.send(s.held, s.heldT)
	s.held = nil
}

// flush releases a held datagram from the timer or at shutdown.
func (s *sender) flush() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.release()
}

// send transmits b after the configured delay (the lock is held).
func (s *sender) send(b []byte, to netip.AddrPort) {
	s.r.forwarded.Add(1)
	if d := s.r.delay(); d > 0 {
		time.AfterFunc(d, func() { s.out.WriteTo(b, net.UDPAddrFromAddrPort(to)) })
		return
	}
	s.out.WriteTo(b, net.UDPAddrFromAddrPort(to))
}

// Stats returns the counters so far.
func (r *Relay) Stats() Stats {
	return Stats{Received: r.received.Load(), Forwarded: r.forwarded.Load(), Dropped: r.dropped.Load(),
		Duplicated: r.duplicated.Load(), Reordered: r.reordered.Load()}
}

// Close stops the relay and closes its sockets.
func (r *Relay) Close() error {
	r.cancel()
	for _, c := range r.conns {
		c.Close()
	}
	r.wg.Wait()
	return nil
}
