package ike

import (
	"bytes"
	"encoding/binary"
	"testing"

	"github.com/flexvpnd/flexvpnd/engine/ikev2/wire"
)

// inSPI returns the inbound SPI of the only CHILD SA of sa.
func inSPI(t *testing.T, sa *SA) uint32 {
	t.Helper()
	if len(sa.ChildSAs()) != 1 {
		t.Fatalf("%d CHILD SAs, want 1", len(sa.ChildSAs()))
	}
	return sa.ChildSAs()[0].InSPI
}

// TestDelete deletes the CHILD SA or the IKE SA from either side (RFC 7296
// section 1.4.1): nothing is left installed on either side.
func TestDelete(t *testing.T) {
	tests := []struct {
		name      string
		child     bool // delete the CHILD SA only, not the IKE SA
		byR       bool // the responder deletes
		wantState State
	}{
		{"child by initiator", true, false, StateEstablished},
		{"child by responder", true, true, StateEstablished},
		{"IKE by initiator", false, false, StateDeleted},
		{"IKE by responder", false, true, StateDeleted},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ci, cr := configs(suites[0])
			p := newPair(t, ci, cr, 20)
			p.run()
			checkEstablished(t, p)
			from := p.i
			if tt.byR {
				from = p.r
			}
			var ds []Datagram
			var err error
			if tt.child {
				ds, err = from.DeleteChild(inSPI(t, from))
			} else {
				ds, err = from.Delete()
				if from.State() != StateDeleting {
					t.Errorf("state %v after Delete, want DELETING", from.State())
				}
			}
			if err != nil {
				t.Fatal(err)
			}
			p.deliver(ds)
			for _, sa := range []*SA{p.i, p.r} {
				if sa.State() != tt.wantState || sa.Err() != nil {
					t.Errorf("state %v (%v), want %v", sa.State(), sa.Err(), tt.wantState)
				}
				if len(sa.ChildSAs()) != 0 {
					t.Errorf("%d CHILD SAs left", len(sa.ChildSAs()))
				}
				if sa.mgr.active != nil || len(sa.mgr.queue) > 0 {
					t.Error("exchanges still running")
				}
			}
			if n, m := len(p.di.Installed()), len(p.dr.Installed()); n != 0 || m != 0 {
				t.Errorf("data planes hold %d and %d CHILD SAs, want none", n, m)
			}
			if n, m := len(p.di.Deleted()), len(p.dr.Deleted()); n != 1 || m != 1 {
				t.Errorf("data planes deleted %d and %d CHILD SAs, want 1 each", n, m)
			}
		})
	}
}

// TestDeleteChildResponse checks the Delete payloads of a CHILD SA delete
// (RFC 7296 sections 1.4.1, 3.11): the request names the requester's
// inbound SPI, the response the responder's.
func TestDeleteChildResponse(t *testing.T) {
	ci, cr := configs(suites[1])
	p := newPair(t, ci, cr, 21)
	p.run()
	checkEstablished(t, p)
	spiI, spiR := inSPI(t, p.i), inSPI(t, p.r)
	req, err := p.i.DeleteChild(spiI)
	if err != nil {
		t.Fatal(err)
	}
	if got := deletedSPIs(t, p.r, req[0].Data); len(got) != 1 || got[0] != spiI {
		t.Errorf("request deletes %x, want %x", got, spiI)
	}
	resp := p.r.HandleDatagram(req[0].Data, addrR, addrI)
	if got := deletedSPIs(t, p.i, resp[0].Data); len(got) != 1 || got[0] != spiR {
		t.Errorf("response deletes %x, want %x", got, spiR)
	}
	if _, err := p.i.DeleteChild(spiI); err == nil {
		t.Error("second delete of the same CHILD SA accepted")
	}
	p.deliver(resp)
	if _, err := p.i.DeleteChild(spiI); err == nil {
		t.Error("delete of a deleted CHILD SA accepted")
	}
}

// deletedSPIs decrypts a message with the keys of to, the SA that will
// receive it, and returns the ESP SPIs of its Delete payloads.
func deletedSPIs(t *testing.T, to *SA, data []byte) []uint32 {
	t.Helper()
	wm, err := wire.Decode(bytes.Clone(data))
	if err != nil {
		t.Fatal(err)
	}
	m, err := to.decrypt(wm, bytes.Clone(data), &message{})
	if err != nil {
		t.Fatal(err)
	}
	var spis []uint32
	for _, p := range m.payloads {
		if d, ok := p.(*wire.Delete); ok && d.Protocol == wire.ProtocolESP {
			for _, b := range d.SPIs {
				spis = append(spis, binary.BigEndian.Uint32(b))
			}
		}
	}
	return spis
}

// TestDeleteSimultaneous crosses two Delete requests for the same CHILD SA
// or for the IKE SA (RFC 7296 section 1.4.1): both end with nothing
// installed, and a CHILD SA response names no SPI.
func TestDeleteSimultaneous(t *testing.T) {
	for _, child := range []bool{true, false} {
		name := "IKE"
		if child {
			name = "child"
		}
		t.Run(name, func(t *testing.T) {
			ci, cr := configs(suites[0])
			p := newPair(t, ci, cr, 22)
			p.run()
			checkEstablished(t, p)
			del := func(sa *SA) []Datagram {
				var ds []Datagram
				var err error
				if child {
					ds, err = sa.DeleteChild(inSPI(t, sa))
				} else {
					ds, err = sa.Delete()
				}
				if err != nil {
					t.Fatal(err)
				}
				return ds
			}
			reqI, reqR := del(p.i), del(p.r)
			respR := p.r.HandleDatagram(reqI[0].Data, addrR, addrI)
			respI := p.i.HandleDatagram(reqR[0].Data, addrI, addrR)
			if len(respR) != 1 || len(respI) != 1 {
				t.Fatalf("%d and %d responses, want 1 each", len(respR), len(respI))
			}
			if child {
				if got := deletedSPIs(t, p.i, respR[0].Data); len(got) != 0 {
					t.Errorf("response to a crossed delete names %x", got)
				}
			}
			p.deliver(append(respR, respI...))
			want := StateDeleted
			if child {
				want = StateEstablished
			}
			for _, sa := range []*SA{p.i, p.r} {
				if sa.State() != want || sa.Err() != nil || len(sa.ChildSAs()) != 0 {
					t.Errorf("state %v (%v) with %d CHILD SAs, want %v and none", sa.State(), sa.Err(), len(sa.ChildSAs()), want)
				}
			}
			if n, m := len(p.di.Installed()), len(p.dr.Installed()); n != 0 || m != 0 {
				t.Errorf("data planes hold %d and %d CHILD SAs, want none", n, m)
			}
		})
	}
}

// TestDeleteRetransmit loses the response to a Delete request: the
// retransmitted request gets the cached response (RFC 7296 section 2.1),
// which completes the delete.
func TestDeleteRetransmit(t *testing.T) {
	for _, child := range []bool{true, false} {
		name := "IKE"
		if child {
			name = "child"
		}
		t.Run(name, func(t *testing.T) {
			ci, cr := configs(suites[2])
			p := newPair(t, ci, cr, 23)
			p.run()
			checkEstablished(t, p)
			var ds []Datagram
			var err error
			if child {
				ds, err = p.i.DeleteChild(inSPI(t, p.i))
			} else {
				ds, err = p.i.Delete()
			}
			if err != nil {
				t.Fatal(err)
			}
			lost := p.r.HandleDatagram(ds[0].Data, addrR, addrI)
			if len(lost) != 1 || len(p.dr.Installed()) != 0 || len(p.di.Installed()) != 1 {
				t.Fatalf("after the request: %d answers, %d/%d installed", len(lost), len(p.di.Installed()), len(p.dr.Installed()))
			}
			next, ok := p.i.NextTimer()
			if !ok {
				t.Fatal("no retransmission timer")
			}
			p.now = next
			again := p.i.Tick(p.now)
			if len(again) != 1 || !bytes.Equal(again[0].Data, ds[0].Data) {
				t.Fatal("no retransmission of the request")
			}
			resp := p.r.HandleDatagram(again[0].Data, addrR, addrI)
			if len(resp) != 1 || !bytes.Equal(resp[0].Data, lost[0].Data) {
				t.Fatal("retransmission not answered with the cached response")
			}
			p.deliver(resp)
			if len(p.di.Installed()) != 0 || len(p.i.ChildSAs()) != 0 {
				t.Errorf("initiator still holds its CHILD SA")
			}
			if !child && p.i.State() != StateDeleted {
				t.Errorf("initiator %v, want DELETED", p.i.State())
			}
		})
	}
}

// TestDeleteUnanswered gives up a Delete request: the CHILD SAs are removed
// all the same (RFC 7296 section 2.4).
func TestDeleteUnanswered(t *testing.T) {
	ci, cr := configs(suites[0])
	p := newPair(t, ci, cr, 24)
	p.run()
	checkEstablished(t, p)
	if _, err := p.i.Delete(); err != nil {
		t.Fatal(err)
	}
	for p.i.State() == StateDeleting {
		next, ok := p.i.NextTimer()
		if !ok {
			t.Fatal("deleting without a timer")
		}
		p.now = next
		p.i.Tick(p.now)
	}
	if p.i.State() != StateFailed || len(p.di.Installed()) != 0 {
		t.Errorf("state %v with %d CHILD SAs installed, want FAILED and none", p.i.State(), len(p.di.Installed()))
	}
	if _, err := p.i.Delete(); err == nil {
		t.Error("delete of a failed SA accepted")
	}
}
