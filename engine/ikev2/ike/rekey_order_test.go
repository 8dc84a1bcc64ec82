package ike

import (
	"testing"
	"time"

	"github.com/flexvpnd/flexvpnd/engine/dataplane"
	"github.com/flexvpnd/flexvpnd/engine/dataplane/recording"
	"github.com/flexvpnd/flexvpnd/engine/ikev2/wire"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// TestRekeyChildOrder checks the order of the data-plane calls of a CHILD
// SA rekey on both sides, the make-before-break of childRekey: the rekey's
// responder installs the new SA with its outbound direction pending and
// keeps sending on the old one until the initiator, which installed both
// directions on the response, deletes the old SA; only then (or, when the
// Delete never comes, activateFallback later) does it send on the new one.
func TestRekeyChildOrder(t *testing.T) {
	for _, tt := range []struct {
		name string
		byR  bool
		// loseDeletes drops every Delete request: the responder
		// activates the new SA at its fallback time.
		loseDeletes bool
	}{
		{name: "initiator rekeys"},
		{name: "responder rekeys", byR: true},
		{name: "the Delete is lost", loseDeletes: true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ci, cr := configs(suites[0])
			p := newPair(t, ci, cr, 37)
			p.run()
			checkEstablished(t, p)
			checkOneChild(t, p)
			from, to, dFrom, dTo := p.i, p.r, p.di, p.dr
			if tt.byR {
				from, to, dFrom, dTo = p.r, p.i, p.dr, p.di
			}
			old, oldTo := dFrom.Installed()[0].ID(), dTo.Installed()[0].ID()
			tunnel, tunnelTo := from.cfg.Child.TunnelID, to.cfg.Child.TunnelID
			// Hold the Delete requests back until the new SA is checked.
			hold := true
			p.drop = func(_ *SA, d Datagram) bool {
				h, err := wire.DecodeHeader(d.Data)
				return err == nil && h.Exchange == wire.Informational && !h.IsResponse() && (hold || tt.loseDeletes)
			}
			p.deliver(rekeyChild(from))
			newFrom, newTo := findNew(t, dFrom, old), findNew(t, dTo, oldTo)
			if newFrom.InSPI != newTo.OutSPI || newFrom.OutSPI != newTo.InSPI {
				t.Fatalf("new CHILD SA %v and %v do not match", newFrom, newTo)
			}
			assertCalls(t, "rekey initiator before the Delete", dFrom, recording.Install, old, recording.Install, newFrom)
			assertCalls(t, "rekey responder before the Delete", dTo, recording.Install, oldTo, recording.InstallPending, newTo)
			assertSending(t, "rekey initiator before the Delete", dFrom, tunnel, newFrom)
			assertSending(t, "rekey responder before the Delete", dTo, tunnelTo, oldTo)

			hold = false
			if tt.loseDeletes {
				p.advance(t0.Add(activateFallback - time.Millisecond))
				assertSending(t, "rekey responder just before its fallback", dTo, tunnelTo, oldTo)
				p.advance(t0.Add(activateFallback))
				assertCalls(t, "rekey responder at its fallback", dTo,
					recording.Install, oldTo, recording.InstallPending, newTo, recording.Activate, newTo)
				assertSending(t, "rekey responder at its fallback", dTo, tunnelTo, newTo)
				return
			}
			p.advance(t0.Add(DefaultRetransmit.Timeout)) // the Delete, retransmitted
			assertCalls(t, "rekey initiator", dFrom, recording.Install, old, recording.Install, newFrom, recording.Delete, old)
			assertCalls(t, "rekey responder", dTo, recording.Install, oldTo, recording.InstallPending, newTo,
				recording.Activate, newTo, recording.Delete, oldTo)
			for _, d := range []*recording.Dataplane{dFrom, dTo} {
				if got := d.Installed(); len(got) != 1 || got[0].OutboundPending {
					t.Errorf("installed at the end %+v, want the new CHILD SA, active", got)
				}
			}
			assertSending(t, "rekey initiator", dFrom, tunnel, newFrom)
			assertSending(t, "rekey responder", dTo, tunnelTo, newTo)
			if c := to.children[0]; c.pendingOut || !c.activateAt.IsZero() {
				t.Errorf("responder's CHILD SA still pending: %+v", c)
			}
			if next, _ := to.NextTimer(); next.Before(t0.Add(DefaultChildLifetime * 8 / 10)) {
				t.Errorf("responder's next timer at %v, want none before the next rekey", next.Sub(t0))
			}
		})
	}
}

// findNew returns the ID of the CHILD SA installed on d other than old.
func findNew(t *testing.T, d *recording.Dataplane, old dataplane.ChildSAID) dataplane.ChildSAID {
	t.Helper()
	for _, sa := range d.Installed() {
		if sa.ID() != old {
			return sa.ID()
		}
	}
	t.Fatalf("no new CHILD SA installed beside %v", old)
	return dataplane.ChildSAID{}
}

// assertCalls compares the calls recorded by d with the pairs of operation
// and CHILD SA ID in want.
func assertCalls(t *testing.T, what string, d *recording.Dataplane, want ...any) {
	t.Helper()
	var calls []recording.Call
	for i := 0; i+1 < len(want); i += 2 {
		calls = append(calls, recording.Call{Op: want[i].(recording.Op), ID: want[i+1].(dataplane.ChildSAID)})
	}
	if diff := cmp.Diff(calls, d.Calls(), cmpopts.EquateComparable(dataplane.ChildSAID{})); diff != "" {
		t.Errorf("%s: data-plane calls (-want +got):\n%s", what, diff)
	}
}

// assertSending checks which CHILD SA carries the tunnel's outbound
// traffic on d.
func assertSending(t *testing.T, what string, d *recording.Dataplane, tunnel uint32, want dataplane.ChildSAID) {
	t.Helper()
	if got, ok := d.Sending(tunnel); !ok || got != want {
		t.Errorf("%s: sending on %v (%v), want %v", what, got, ok, want)
	}
}
