package ike

import (
	"bytes"
	"net/netip"
	"testing"

	"github.com/flexvpnd/flexvpnd/engine/dataplane"
	"github.com/flexvpnd/flexvpnd/engine/ikev2/wire"
)

// TestNATTraversal runs the initial exchanges with and without a NAT in
// front of the initiator (RFC 7296 section 2.23): with one, both sides
// detect it, the initiator floats to the NAT-T ports for IKE_AUTH, the
// responder answers where the request came from, and the CHILD SAs are
// UDP-encapsulated (RFC 3948); without one, everything stays on port 500.
func TestNATTraversal(t *testing.T) {
	private := netip.MustParseAddr("10.0.0.1")
	for _, tc := range []struct {
		name    string
		natI    netip.Addr
		natPort uint16
		// Expected NAT state (initiator local/remote) and ports after the
		// exchanges: initiator local, responder local (the peer's port 4500
		// or 500 is the other side of each).
		natLocal, natRemote bool
		portI, portR        uint16
	}{
		{name: "no NAT", portI: 500, portR: 500},
		{name: "initiator behind NAT", natI: private, natLocal: true, portI: 4500, portR: 4500},
		{name: "initiator behind NAT, NAT-T port 14500", natI: private, natPort: 14500, natLocal: true, portI: 14500, portR: 4500},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ci, cr := configs(suites[0])
			ci.NATPort = tc.natPort
			if tc.natI.IsValid() {
				ci.Local = netip.AddrPortFrom(tc.natI, 500)
			}
			p := newPair(t, ci, cr, 21)
			p.natI = tc.natI
			var sent []Datagram
			p.drop = func(_ *SA, d Datagram) bool { sent = append(sent, d); return false }
			p.run()
			checkEstablished(t, p)

			for _, c := range []struct {
				who                 string
				sa                  *SA
				natLocal, natRemote bool
				local, remote       uint16
			}{
				{"initiator", p.i, tc.natLocal, tc.natRemote, tc.portI, tc.portR},
				{"responder", p.r, tc.natRemote, tc.natLocal, tc.portR, tc.portI},
			} {
				if l, r := c.sa.NAT(); l != c.natLocal || r != c.natRemote {
					t.Errorf("%s NAT local=%v remote=%v, want %v %v", c.who, l, r, c.natLocal, c.natRemote)
				}
				if l, r := c.sa.Endpoints(); l.Port() != c.local || r.Port() != c.remote {
					t.Errorf("%s endpoints %v -> %v, want ports %d -> %d", c.who, l, r, c.local, c.remote)
				}
			}
			for _, d := range sent {
				h, err := wire.DecodeHeader(d.Data)
				if err != nil {
					t.Fatal(err)
				}
				want := [2]uint16{500, 500}
				if h.Exchange != wire.IKESAInit {
					want = [2]uint16{tc.portI, tc.portR}
					if h.IsResponse() {
						want = [2]uint16{tc.portR, tc.portI}
					}
				}
				if got := [2]uint16{d.From.Port(), d.To.Port()}; got != want {
					t.Errorf("%v sent %v -> %v, want ports %v", &h, d.From, d.To, want)
				}
			}

			var wantEncapI, wantEncapR dataplane.UDPEncap
			if tc.natI.IsValid() {
				wantEncapI = dataplane.UDPEncap{LocalPort: tc.portI, RemotePort: tc.portR}
				wantEncapR = dataplane.UDPEncap{LocalPort: tc.portR, RemotePort: tc.portI}
			}
			for _, c := range []struct {
				who  string
				got  []dataplane.ChildSA
				want dataplane.UDPEncap
			}{{"initiator", p.di.Installed(), wantEncapI}, {"responder", p.dr.Installed(), wantEncapR}} {
				if len(c.got) != 1 || c.got[0].Encap != c.want {
					t.Errorf("%s CHILD SAs %+v, want one with encapsulation %+v", c.who, c.got, c.want)
				}
			}
		})
	}
}

// TestNATDetectionPayloads checks the hashes of an IKE_SA_INIT request
// (RFC 7296 section 2.23: SHA-1 of SPIi, a zero SPIr, the address and the
// port) and that a peer without them leaves the NAT state alone.
func TestNATDetectionPayloads(t *testing.T) {
	ci, _ := configs(suites[0])
	p := newPair(t, ci, ci, 22)
	ds, err := p.i.Initiate()
	if err != nil {
		t.Fatal(err)
	}
	wm, err := wire.Decode(ds[0].Data)
	if err != nil {
		t.Fatal(err)
	}
	got := map[wire.NotifyType][]byte{}
	for _, pl := range wm.Payloads {
		if n, ok := pl.(*wire.Notify); ok {
			got[n.NotifyType] = n.Data
		}
	}
	// Independent computation of SHA-1(SPIi | 0 | 198.18.0.1 | 500).
	spi, _ := p.i.SPIs()
	for typ, ap := range map[wire.NotifyType]netip.AddrPort{wire.NATDetectionSourceIP: addrI, wire.NATDetectionDestinationIP: addrR} {
		if want := natHash(spi, 0, ap); !bytes.Equal(got[typ], want) || len(want) != 20 {
			t.Errorf("%v = %x, want %x", typ, got[typ], want)
		}
	}
	sa := &SA{}
	if sa.processNATDetection(&message{hdr: wm.Header, local: addrR, remote: netip.MustParseAddrPort("192.0.2.1:500")}) {
		t.Error("a message without NAT detection notifies counted as NAT-T support")
	}
	rx := &message{hdr: wm.Header, payloads: wm.Payloads, local: addrR, remote: netip.MustParseAddrPort("192.0.2.1:1024")}
	if !sa.processNATDetection(rx) || sa.natLocal || !sa.natRemote {
		t.Errorf("NAT local=%v remote=%v, want the peer behind a NAT", sa.natLocal, sa.natRemote)
	}
}
