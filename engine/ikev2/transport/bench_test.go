package transport

import (
	"context"
	"net/netip"
	"testing"
	"time"
)

// window bounds the datagrams in flight in the benchmark, well below what
// the socket receive buffer holds, so that loopback drops nothing.
const window = 32

// tokenHandler returns one send token per handled message.
type tokenHandler chan struct{}

func (h tokenHandler) HandleIKE(*Packet) { h <- struct{}{} }

// BenchmarkReceive measures loopback datagrams per second from a peer socket
// through the receive loop and classification to the Handler, on the IKE and
// on the NAT-T port (marker stripped).
func BenchmarkReceive(b *testing.B) {
	for _, natt := range []bool{false, true} {
		name := "ike"
		if natt {
			name = "natt"
		}
		b.Run(name, func(b *testing.B) {
			tokens := make(tokenHandler, window)
			l, err := Listen(context.Background(), Config{
				Addrs:   []netip.Addr{netip.MustParseAddr("127.0.0.1")},
				Handler: tokens,
			})
			if err != nil {
				b.Fatal(err)
			}
			defer l.Close()
			p, err := openPeer("127.0.0.1")
			if err != nil {
				b.Fatal(err)
			}
			defer p.conn.Close()
			var to netip.AddrPort
			for _, ep := range l.Endpoints() {
				if ep.NATT == natt {
					to = ep.Addr
				}
			}
			msg := ikeMsg(0x0102030405060708, 300)
			if natt {
				msg = withMarker(msg)
			}
			b.ReportAllocs()
			b.SetBytes(int64(len(msg)))
			inFlight := 0
			start := time.Now()
			for b.Loop() {
				if inFlight == window {
					<-tokens
					inFlight--
				}
				if _, err := p.conn.WriteToUDPAddrPort(msg, to); err != nil {
					b.Fatal(err)
				}
				inFlight++
			}
			for ; inFlight > 0; inFlight-- {
				<-tokens
			}
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "datagrams/s")
		})
	}
}
