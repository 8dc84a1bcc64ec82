package ike

import (
	"errors"
	"net/netip"
	"testing"

	"github.com/flexvpnd/flexvpnd/engine/ikev2/cp"
	"github.com/flexvpnd/flexvpnd/engine/ikev2/wire"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func pfx(s string) netip.Prefix { return netip.MustParsePrefix(s) }

var equateCP = cmpopts.EquateComparable(netip.Addr{}, netip.Prefix{})

// hubReply is a responder's Reply handing out 10.9.0.5 with DNS and the
// hub's networks, and recording the request.
func hubReply(got **cp.Attributes, peer *Identity) func(Identity, *cp.Attributes) (*cp.Attributes, error) {
	return func(id Identity, req *cp.Attributes) (*cp.Attributes, error) {
		*got, *peer = req, id
		return hubAttrs, nil
	}
}

var hubAttrs = &cp.Attributes{
	Addrs4: []netip.Addr{netip.MustParseAddr("10.9.0.5")}, Netmask4: netip.MustParseAddr("255.255.255.255"),
	DNS4:     []netip.Addr{netip.MustParseAddr("10.9.0.53")},
	Subnets4: []netip.Prefix{pfx("10.9.0.1/32"), pfx("192.168.0.0/24")},
	Banner:   "welcome",
}

func TestConfigExchange(t *testing.T) {
	request := cp.Request(wire.InternalIP4Address, wire.InternalIP4Netmask, wire.InternalIP4DNS, wire.InternalIP4Subnet, cp.CiscoBanner)
	routes := &cp.Attributes{Subnets4: []netip.Prefix{pfx("192.168.1.0/24")}, Subnets6: []netip.Prefix{pfx("2001:db8:1::/64")}}
	tests := []struct {
		name      string
		request   *cp.Attributes
		set       *cp.Attributes
		reply     bool
		acceptSet bool
		// wantReq is what the responder's Reply sees; wantPeerR what the
		// responder reports, wantPeerI what the initiator reports.
		wantReq              *cp.Attributes
		wantPeerR, wantPeerI *cp.Attributes
	}{
		{
			name: "request/reply", request: request, reply: true,
			wantReq:   request,
			wantPeerR: request,
			wantPeerI: hubAttrs,
		},
		{
			name: "request and set, set accepted", request: request, set: routes, reply: true, acceptSet: true,
			wantReq:   request,
			wantPeerR: &cp.Attributes{Requested: request.Requested, Subnets4: routes.Subnets4, Subnets6: routes.Subnets6},
			wantPeerI: hubAttrs,
		},
		{
			name: "set refused", set: routes, acceptSet: false,
		},
		{
			name: "set only, accepted", set: routes, acceptSet: true,
			wantPeerR: routes,
		},
		{
			name: "request without reply", request: request,
			wantPeerR: request,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ci, cr := configs(suites[0])
			ci.CP = ConfigExchange{Request: tc.request, Set: tc.set}
			var gotReq *cp.Attributes
			var peer Identity
			if tc.reply {
				cr.CP.Reply = hubReply(&gotReq, &peer)
			}
			cr.CP.AcceptSet = tc.acceptSet
			p := newPair(t, ci, cr, 3)
			var ack *wire.CP
			p.drop = func(to *SA, d Datagram) bool {
				if c := findCP(t, to, d.Data, wire.CFGAck); to == p.i && c != nil {
					ack = c
				}
				return false
			}
			p.run()
			checkEstablished(t, p)
			if diff := cmp.Diff(tc.wantReq, gotReq, equateCP); diff != "" {
				t.Errorf("request seen by Reply (-want +got):\n%s", diff)
			}
			if tc.reply && peer.String() != "198.18.0.1" {
				t.Errorf("Reply called for peer %v", peer)
			}
			if diff := cmp.Diff(tc.wantPeerR, p.r.PeerAttributes(), equateCP); diff != "" {
				t.Errorf("responder's PeerAttributes (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.wantPeerI, p.i.PeerAttributes(), equateCP); diff != "" {
				t.Errorf("initiator's PeerAttributes (-want +got):\n%s", diff)
			}
			if tc.wantPeerI != nil && p.r.SentAttributes() == nil {
				t.Error("responder reports no sent attributes")
			}
			wantAck := tc.set != nil && tc.acceptSet
			if (ack != nil) != wantAck {
				t.Fatalf("CFG_ACK received: %v, want %v", ack != nil, wantAck)
			}
			if ack != nil {
				want := []wire.CfgAttribute{{Type: wire.InternalIP4Subnet}, {Type: wire.InternalIP6Subnet}}
				if diff := cmp.Diff(want, ack.Attributes, cmpopts.EquateEmpty()); diff != "" {
					t.Errorf("CFG_ACK attributes (-want +got):\n%s", diff)
				}
			}
		})
	}
}

// findCP decrypts the response data for sa and returns its
// Configuration payload of type typ, or nil.
func findCP(t *testing.T, sa *SA, data []byte, typ wire.CPType) *wire.CP {
	t.Helper()
	wm, err := wire.Decode(data)
	if err != nil || !wm.Header.IsResponse() || wm.Header.Exchange == wire.IKESAInit || sa.in == nil {
		return nil
	}
	m, err := sa.decrypt(wm, data, &message{})
	if err != nil {
		t.Fatalf("decrypt %v response: %v", wm.Header.Exchange, err)
	}
	for _, pl := range m.payloads {
		if c, ok := pl.(*wire.CP); ok && c.CFGType == typ {
			return c
		}
	}
	return nil
}

func TestConfigExchangeRefused(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want wire.NotifyType
	}{
		{"pool exhausted", errors.New("no free address"), wire.InternalAddressFailure},
		{"notify error", &NotifyError{Type: wire.FailedCPRequired}, wire.FailedCPRequired},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ci, cr := configs(suites[0])
			ci.CP.Request = cp.Request(wire.InternalIP4Address)
			cr.CP.Reply = func(Identity, *cp.Attributes) (*cp.Attributes, error) { return nil, tc.err }
			p := newPair(t, ci, cr, 4)
			p.run()
			if p.i.State() != StateFailed || p.r.State() != StateFailed {
				t.Fatalf("states %v / %v, want both failed", p.i.State(), p.r.State())
			}
			if got := notifyType(p.i.Err()); got != tc.want {
				t.Errorf("initiator failed with %v (%v), want %v", got, p.i.Err(), tc.want)
			}
		})
	}
}

func TestConfigExchangeMalformed(t *testing.T) {
	for _, initiator := range []bool{true, false} {
		_, cr := configs(suites[0])
		sa := &SA{cfg: cr, keyset: keyset{initiator: initiator}}
		// An INTERNAL_IP4_SUBNET of 3 octets (RFC 7296 section 3.15.1: 8).
		bad := &wire.CP{CFGType: wire.CFGReply, Attributes: []wire.CfgAttribute{{Type: wire.InternalIP4Subnet, Value: []byte{1, 2, 3}}}}
		if !initiator {
			bad.CFGType = wire.CFGRequest
		}
		err := sa.processCP(&message{payloads: []wire.Payload{bad}})
		if got := notifyType(err); got != wire.InvalidSyntax {
			t.Errorf("initiator %v: processCP = %v, want INVALID_SYNTAX", initiator, err)
		}
	}
}

func TestPushConfig(t *testing.T) {
	ci, cr := configs(suites[0])
	ci.CP.Set = &cp.Attributes{Subnets4: []netip.Prefix{pfx("192.168.1.0/24")}}
	cr.CP.AcceptSet = true
	p := newPair(t, ci, cr, 6)
	p.run()
	checkEstablished(t, p)
	first := p.r.PeerAttributes()
	if diff := cmp.Diff(ci.CP.Set, first, equateCP); diff != "" {
		t.Fatalf("responder's PeerAttributes after IKE_AUTH (-want +got):\n%s", diff)
	}
	// The routes change: a new CFG_SET replaces the previous one, from
	// either side.
	update := &cp.Attributes{Subnets4: []netip.Prefix{pfx("192.168.1.0/24"), pfx("192.168.2.0/24")}}
	ds, err := p.i.PushConfig(update)
	if err != nil {
		t.Fatal(err)
	}
	p.deliver(ds)
	got := p.r.PeerAttributes()
	if got == first {
		t.Error("PeerAttributes kept its pointer after a change")
	}
	if diff := cmp.Diff(update, got, equateCP); diff != "" {
		t.Errorf("responder's PeerAttributes after PushConfig (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(update.Subnets4, p.i.SentAttributes().Subnets4, equateCP); diff != "" {
		t.Errorf("initiator's SentAttributes after the CFG_ACK (-want +got):\n%s", diff)
	}
	// The initiator does not accept CFG_SET: the responder's push is
	// answered without CFG_ACK and changes nothing.
	ds, err = p.r.PushConfig(&cp.Attributes{Subnets4: []netip.Prefix{pfx("10.0.0.0/8")}})
	if err != nil {
		t.Fatal(err)
	}
	p.deliver(ds)
	if p.i.PeerAttributes() != nil {
		t.Errorf("initiator accepted a CFG_SET: %+v", p.i.PeerAttributes())
	}
	if p.i.State() != StateEstablished || p.r.State() != StateEstablished {
		t.Errorf("states %v / %v after the pushes", p.i.State(), p.r.State())
	}
	if _, err := p.i.PushConfig(&cp.Attributes{Subnets4: []netip.Prefix{{}}}); err == nil {
		t.Error("PushConfig accepted an invalid prefix")
	}
}
