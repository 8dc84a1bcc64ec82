package ike

import (
	"testing"

	"github.com/flexvpnd/flexvpnd/engine/ikev2/wire"
)

// FuzzHandleDatagram feeds arbitrary datagrams to a fresh responder, to a
// responder in the middle of the handshake and to an initiator waiting for
// its IKE_SA_INIT response: none may panic, and a fresh responder must
// answer garbage with nothing or an IKE_SA_INIT response. Fragmentation is
// on with a small MTU, so the seeds include the Encrypted Fragments of
// IKE_AUTH (RFC 7383), and the responder of the body draws the same keys
// as that of the seeds, so that they pass its integrity check.
func FuzzHandleDatagram(f *testing.F) {
	ci, cr := fragConfigs(suites[0], smallMTU)
	var seeds [][]byte
	p := newPair(f, ci, cr, 11)
	p.drop = func(_ *SA, d Datagram) bool { seeds = append(seeds, d.Data); return false }
	p.run()
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		p := newPair(t, ci, cr, 11)
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

// FuzzCreateChildSA feeds arbitrary inner payloads, authenticated with the
// initiator's keys, to an established responder as a CREATE_CHILD_SA
// request (RFC 7296 section 1.3), then as an INFORMATIONAL one: none may
// panic. The input is the first payload type and the payload chain; the
// seeds are our CHILD SA and IKE SA rekey requests.
func FuzzCreateChildSA(f *testing.F) {
	ci, cr := pfs(suites[0], wire.DHECP256)
	p := newPair(f, ci, cr, 13)
	p.run()
	var seeds [][]byte
	p.drop = func(to *SA, d Datagram) bool {
		if h, err := wire.DecodeHeader(d.Data); err == nil && !h.IsResponse() {
			wm, _ := wire.Decode(d.Data)
			if m, err := to.decrypt(wm, d.Data, &message{}); err == nil && len(m.payloads) > 0 {
				b, _ := wire.AppendPayloads(nil, m.payloads)
				seeds = append(seeds, append([]byte{byte(m.payloads[0].Type())}, b...))
			}
		}
		return false
	}
	p.deliver(rekeyChild(p.i))
	p.deliver(rekeyIKE(p.i))
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) < 1 {
			return
		}
		ps, err := wire.DecodePayloads(wire.PayloadType(b[0]), b[1:])
		if err != nil {
			return
		}
		p := newPair(t, ci, cr, 14)
		p.run()
		for _, typ := range []wire.ExchangeType{wire.CreateChildSA, wire.Informational} {
			raw, err := p.i.encode(&message{hdr: p.i.header(typ, p.i.mgr.nextID, false), payloads: ps})
			if err != nil {
				return
			}
			p.i.mgr.nextID++
			p.r.HandleDatagram(raw, addrR, addrI)
		}
	})
}
