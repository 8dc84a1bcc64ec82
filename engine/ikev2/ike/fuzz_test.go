package ike

import (
	"testing"

	"github.com/flexvpnd/flexvpnd/engine/ikev2/wire"
)

// FuzzHandleDatagram feeds arbitrary datagrams to a fresh responder, to a
// responder in the middle of the handshake and to an initiator waiting for
// its IKE_SA_INIT response: none may panic, and a fresh responder must
// answer garbage with nothing or an IKE_SA_INIT response.
func FuzzHandleDatagram(f *testing.F) {
	ci, cr := configs(suites[0])
	var seeds [][]byte
	p := newPair(f, ci, cr, 11)
	p.drop = func(_ *SA, d Datagram) bool { seeds = append(seeds, d.Data); return false }
	p.run()
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		p := newPair(t, ci, cr, 12)
		for _, d := range p.r.HandleDatagram(b, addrR, addrI) {
			if h, err := wire.DecodeHeader(d.Data); err != nil || h.Exchange != wire.IKESAInit || !h.IsResponse() {
				t.Fatalf("fresh responder answered %x", d.Data)
			}
		}
		req, err := p.i.Initiate()
		if err != nil {
			t.Fatal(err)
		}
		p.i.HandleDatagram(b, addrI, addrR)
		p.r.HandleDatagram(req[0].Data, addrR, addrI)
		p.r.HandleDatagram(b, addrR, addrI)
	})
}
