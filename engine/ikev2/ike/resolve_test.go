package ike

import (
	"errors"
	"net/netip"
	"testing"
)

// TestResolve runs a responder whose configuration is completed by a
// Resolver when IDi arrives, as the engine does with IOS profiles: the
// resolver sees the initiator's identity and endpoints, and its keys and
// CHILD SA settings are used; an error or a wrong key fails both sides.
func TestResolve(t *testing.T) {
	for _, tc := range []struct {
		name    string
		psk     string // the resolved key for the initiator's AUTH
		err     error  // returned by the resolver
		wantUp  bool
		wantTun uint32
	}{
		{name: "resolved", psk: "spoke-key", wantUp: true, wantTun: 42},
		{name: "no profile", err: errors.New("no matching profile")},
		{name: "wrong key", psk: "other"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ci, full := configs(suites[0])
			var got []Identity
			var gotLocal, gotRemote netip.AddrPort
			cr := &Config{Proposals: full.Proposals, Resolve: func(local, remote netip.AddrPort, id Identity) (*Config, error) {
				got, gotLocal, gotRemote = append(got, id), local, remote
				if tc.err != nil {
					return nil, tc.err
				}
				c := *full
				c.RemotePSK, c.Child.TunnelID = []byte(tc.psk), 42
				return &c, nil
			}}
			p := newPair(t, ci, cr, 9)
			p.run()
			if len(got) != 1 || got[0].String() != addrI.Addr().String() || gotLocal != addrR || gotRemote != addrI {
				t.Fatalf("resolver called with %v (%v <- %v), want once with %v", got, gotLocal, gotRemote, addrI.Addr())
			}
			up := p.i.State() == StateEstablished && p.r.State() == StateEstablished
			if up != tc.wantUp {
				t.Fatalf("states %v (%v), %v (%v); want established %v", p.i.State(), p.i.Err(), p.r.State(), p.r.Err(), tc.wantUp)
			}
			if !up {
				return
			}
			if ins := p.dr.Installed(); len(ins) != 1 || ins[0].TunnelID != tc.wantTun {
				t.Errorf("responder installed %+v, want one CHILD SA of tunnel %d", ins, tc.wantTun)
			}
			if p.r.Config().Resolve != nil || string(p.r.Config().LocalPSK) != "hub-key" {
				t.Errorf("responder runs under an unresolved configuration")
			}
			if tr := p.r.Transforms(); tr != p.i.Transforms() || tr.DH != 19 || tr.KeyBits != 256 {
				t.Errorf("transforms: responder %+v, initiator %+v", tr, p.i.Transforms())
			}
			if l, r := p.i.MessageIDs(); l != 2 || r != 0 {
				t.Errorf("initiator message IDs %d, %d; want 2, 0", l, r)
			}
		})
	}
}

// TestCheckPeerID checks that an initiator refuses a responder whose IDr
// its CheckPeerID rejects, and tells it so (RFC 7296 section 2.21.2).
func TestCheckPeerID(t *testing.T) {
	for _, tc := range []struct {
		name   string
		accept bool
	}{{"accepted", true}, {"refused", false}} {
		t.Run(tc.name, func(t *testing.T) {
			ci, cr := configs(suites[0])
			var seen Identity
			ci.CheckPeerID = func(id Identity) error {
				seen = id
				if !tc.accept {
					return errors.New("no match identity remote")
				}
				return nil
			}
			p := newPair(t, ci, cr, 11)
			p.run()
			if seen.String() != "hub.flex.lab" {
				t.Errorf("checked identity %v, want hub.flex.lab", seen)
			}
			wantI, wantR := StateEstablished, StateEstablished
			if !tc.accept {
				wantI, wantR = StateFailed, StateFailed
			}
			if p.i.State() != wantI || p.r.State() != wantR {
				t.Errorf("states %v (%v), %v (%v); want %v, %v", p.i.State(), p.i.Err(), p.r.State(), p.r.Err(), wantI, wantR)
			}
		})
	}
}

// TestInitialContact checks that a responder records the INITIAL_CONTACT
// of the initiator's IKE_AUTH request (RFC 7296 section 2.4).
func TestInitialContact(t *testing.T) {
	ci, cr := configs(suites[0])
	p := newPair(t, ci, cr, 13)
	p.run()
	if !p.r.InitialContact() || p.i.InitialContact() {
		t.Errorf("InitialContact: responder %v, initiator %v; want true, false", p.r.InitialContact(), p.i.InitialContact())
	}
}
