package transport_test

import (
	"bytes"
	"context"
	"log"
	"net/netip"

	"github.com/flexvpnd/flexvpnd/engine/ikev2/transport"
)

// inbox stands in for the IKE engine: HandleIKE copies each message into a
// bounded queue without blocking (a full queue drops it, as an overloaded
// responder may) and the engine's own goroutine processes it.
type inbox chan transport.Packet

func (in inbox) HandleIKE(p *transport.Packet) {
	q := *p
	q.Data = bytes.Clone(p.Data)
	select {
	case in <- q:
	default:
	}
}

// Listen on every address with the standard ports, as flexvpnd does unless
// --ike-port and --nat-port say otherwise, and answer each message from the
// address and port it came to.
func ExampleListen() {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	in := make(inbox, 64)
	l, err := transport.Listen(ctx, transport.Config{
		Addrs:   []netip.Addr{netip.IPv4Unspecified(), netip.IPv6Unspecified()},
		IKEPort: transport.DefaultIKEPort,
		NATPort: transport.DefaultNATPort,
		Handler: in,
	})
	if err != nil {
		log.Fatal(err)
	}
	defer l.Close()
	for {
		select {
		case p := <-in:
			answer := p.Data // the IKE SA would build its response here
			if err := l.Send(p.Local, p.Remote, answer); err != nil {
				log.Print(err)
			}
		case <-ctx.Done():
			return
		}
	}
}
