package main

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"os"
	"time"

	"github.com/flexvpnd/flexvpnd/engine/netns"
)

// pingResult is the outcome of one echo request.
type pingResult struct {
	Seq   int
	RTT   time.Duration
	Reply bool
}

// ping sends count ICMP echo requests (RFC 792) from namespace ns to dst,
// one at a time, each waiting up to timeout for its reply, and reports
// each through report.
func ping(ctx context.Context, ns string, dst net.IP, count int, timeout time.Duration, report func(pingResult)) (received int, err error) {
	var conn net.PacketConn
	// A raw socket belongs to the namespace it was created in.
	err = netns.Do(ns, func() error {
		var err error
		conn, err = net.ListenPacket("ip4:icmp", "0.0.0.0")
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("ICMP socket in %s: %w", ns, err)
	}
	defer conn.Close()
	id := os.Getpid() & 0xffff
	for seq := 1; seq <= count; seq++ {
		if ctx.Err() != nil {
			return received, ctx.Err()
		}
		r, err := echo(conn, dst, id, seq, timeout)
		if err != nil {
			return received, err
		}
		if r.Reply {
			received++
		}
		report(r)
		if !r.Reply {
			continue
		}
		// One a ~quarter second, as a readable transcript.
		time.Sleep(max(0, 250*time.Millisecond-r.RTT))
	}
	return received, nil
}

// echo sends one echo request and waits for its reply.
func echo(conn net.PacketConn, dst net.IP, id, seq int, timeout time.Duration) (pingResult, error) {
	sent := time.Now()
	if _, err := conn.WriteTo(echoRequest(id, seq), &net.IPAddr{IP: dst}); err != nil {
		return pingResult{}, fmt.Errorf("send echo to %v: %w", dst, err)
	}
	if err := conn.SetReadDeadline(sent.Add(timeout)); err != nil {
		return pingResult{}, err
	}
	buf := make([]byte, 1500)
	for {
		n, from, err := conn.ReadFrom(buf)
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			return pingResult{Seq: seq}, nil
		}
		if err != nil {
			return pingResult{}, fmt.Errorf("receive from %v: %w", dst, err)
		}
		if isEchoReply(buf[:n], id, seq) && from.(*net.IPAddr).IP.Equal(dst) {
			return pingResult{Seq: seq, RTT: time.Since(sent), Reply: true}, nil
		}
	}
}

// echoRequest returns an ICMP echo request (type 8) with a 32-byte
// payload.
func echoRequest(id, seq int) []byte {
	m := make([]byte, 8+32)
	m[0] = 8
	binary.BigEndian.PutUint16(m[4:], uint16(id))
	binary.BigEndian.PutUint16(m[6:], uint16(seq))
	copy(m[8:], "flexvpnd demo through IPsec....")
	binary.BigEndian.PutUint16(m[2:], checksum(m))
	return m
}

// isEchoReply reports whether m is the echo reply (type 0) to id and seq.
func isEchoReply(m []byte, id, seq int) bool {
	return len(m) >= 8 && m[0] == 0 && m[1] == 0 &&
		binary.BigEndian.Uint16(m[4:]) == uint16(id) && binary.BigEndian.Uint16(m[6:]) == uint16(seq)
}

// checksum is the Internet checksum (RFC 1071).
func checksum(b []byte) uint16 {
	var sum uint32
	for i := 0; i+1 < len(b); i += 2 {
		sum += uint32(binary.BigEndian.Uint16(b[i:]))
	}
	if len(b)%2 == 1 {
		sum += uint32(b[len(b)-1]) << 8
	}
	for sum>>16 != 0 {
		sum = sum&0xffff + sum>>16
	}
	return ^uint16(sum)
}
