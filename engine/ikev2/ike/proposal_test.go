package ike

import (
	"net/netip"
	"testing"

	"github.com/flexvpnd/flexvpnd/engine/dataplane"
	"github.com/flexvpnd/flexvpnd/engine/ikev2/wire"
	"github.com/google/go-cmp/cmp"
)

func TestChoose(t *testing.T) {
	gcm := Proposal{encr(wire.EncrAESGCM16, 256), prf(wire.PRFHMACSHA2256), dh(wire.DHECP256), dh(wire.DHModp2048)}
	cbc := Proposal{encr(wire.EncrAESCBC, 256), encr(wire.EncrAESCBC, 128), integ(wire.IntegHMACSHA2256128), prf(wire.PRFHMACSHA2256), dh(wire.DHModp2048)}
	tests := []struct {
		name     string
		offered  []Proposal
		ours     []Proposal
		preferKE wire.DHGroup
		want     []Transform // nil: NO_PROPOSAL_CHOSEN
		number   uint8
	}{
		{name: "first offered wins over our order", offered: []Proposal{cbc, gcm}, ours: []Proposal{gcm, cbc}, preferKE: wire.DHModp2048,
			want: Proposal{encr(wire.EncrAESCBC, 256), integ(wire.IntegHMACSHA2256128), prf(wire.PRFHMACSHA2256), dh(wire.DHModp2048)}, number: 1},
		{name: "second offered when first refused", offered: []Proposal{cbc, gcm}, ours: []Proposal{gcm}, preferKE: wire.DHECP256,
			want: Proposal{encr(wire.EncrAESGCM16, 256), prf(wire.PRFHMACSHA2256), dh(wire.DHECP256)}, number: 2},
		{name: "KE group preferred", offered: []Proposal{gcm}, ours: []Proposal{gcm}, preferKE: wire.DHModp2048,
			want: Proposal{encr(wire.EncrAESGCM16, 256), prf(wire.PRFHMACSHA2256), dh(wire.DHModp2048)}, number: 1},
		{name: "KE group not acceptable: first acceptable", offered: []Proposal{gcm}, ours: []Proposal{{encr(wire.EncrAESGCM16, 256), prf(wire.PRFHMACSHA2256), dh(wire.DHModp2048)}}, preferKE: wire.DHECP256,
			want: Proposal{encr(wire.EncrAESGCM16, 256), prf(wire.PRFHMACSHA2256), dh(wire.DHModp2048)}, number: 1},
		{name: "key length must match", offered: []Proposal{{encr(wire.EncrAESCBC, 128), integ(wire.IntegHMACSHA2256128), prf(wire.PRFHMACSHA2256), dh(wire.DHModp2048)}},
			ours: []Proposal{{encr(wire.EncrAESCBC, 256), integ(wire.IntegHMACSHA2256128), prf(wire.PRFHMACSHA2256), dh(wire.DHModp2048)}}},
		{name: "missing integrity", offered: []Proposal{{encr(wire.EncrAESCBC, 256), prf(wire.PRFHMACSHA2256), dh(wire.DHModp2048)}}, ours: []Proposal{cbc}},
		{name: "unknown transform type", offered: []Proposal{append(Proposal{{Type: 9, ID: 1}}, gcm...)}, ours: []Proposal{gcm}},
		{name: "no DH", offered: []Proposal{{encr(wire.EncrAESGCM16, 256), prf(wire.PRFHMACSHA2256)}}, ours: []Proposal{gcm}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := choose(toWire(tt.offered, wire.ProtocolIKE, nil), tt.ours, wire.ProtocolIKE, tt.preferKE, false)
			if tt.want == nil {
				if ok {
					t.Fatalf("chose %v, want none", &got)
				}
				return
			}
			want := toWire([]Proposal{tt.want}, wire.ProtocolIKE, nil)[0]
			want.Number = tt.number
			if !ok || got.String() != want.String() || got.Number != want.Number {
				t.Fatalf("chose %v (ok %v, #%d), want %v #%d", &got, ok, got.Number, &want, want.Number)
			}
			if _, ok := accepted([]wire.Proposal{got}, tt.offered, wire.ProtocolIKE, false); !ok {
				t.Errorf("the initiator would not accept %v", &got)
			}
		})
	}
}

func TestAcceptedRejects(t *testing.T) {
	ours := []Proposal{suites[0].ike}
	two := toWire([]Proposal{suites[0].ike, suites[0].ike}, wire.ProtocolIKE, nil)
	other := toWire([]Proposal{suites[1].ike}, wire.ProtocolIKE, nil)
	full := toWire([]Proposal{{encr(wire.EncrAESGCM16, 256), prf(wire.PRFHMACSHA2256), dh(wire.DHECP256), dh(wire.DHModp2048)}}, wire.ProtocolIKE, nil)
	for name, resp := range map[string][]wire.Proposal{"two proposals": two, "not offered": other, "two DH": full, "none": nil} {
		if _, ok := accepted(resp, ours, wire.ProtocolIKE, false); ok {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestNarrow(t *testing.T) {
	r := func(a, b string, proto uint8, p1, p2 uint16) dataplane.TrafficSelector {
		return dataplane.TrafficSelector{StartAddr: netip.MustParseAddr(a), EndAddr: netip.MustParseAddr(b), Protocol: proto, StartPort: p1, EndPort: p2}
	}
	any4 := dataplane.AnyIPv4
	tests := []struct {
		name             string
		offered, allowed []dataplane.TrafficSelector
		want             []dataplane.TrafficSelector
	}{
		{"any to any", []dataplane.TrafficSelector{any4}, []dataplane.TrafficSelector{any4}, []dataplane.TrafficSelector{any4}},
		{"narrowed to subnet", []dataplane.TrafficSelector{any4}, []dataplane.TrafficSelector{r("10.0.0.0", "10.0.0.255", 0, 0, 65535)},
			[]dataplane.TrafficSelector{r("10.0.0.0", "10.0.0.255", 0, 0, 65535)}},
		{"protocol and ports", []dataplane.TrafficSelector{r("10.0.0.0", "10.0.255.255", 6, 0, 1024)}, []dataplane.TrafficSelector{r("10.0.1.0", "10.9.0.0", 0, 80, 8080)},
			[]dataplane.TrafficSelector{r("10.0.1.0", "10.0.255.255", 6, 80, 1024)}},
		{"disjoint", []dataplane.TrafficSelector{r("10.0.0.0", "10.0.0.255", 0, 0, 65535)}, []dataplane.TrafficSelector{r("10.0.1.0", "10.0.1.255", 0, 0, 65535)}, nil},
		{"other protocol", []dataplane.TrafficSelector{r("10.0.0.0", "10.0.0.255", 6, 0, 65535)}, []dataplane.TrafficSelector{r("10.0.0.0", "10.0.0.255", 17, 0, 65535)}, nil},
		{"other family", []dataplane.TrafficSelector{any4}, []dataplane.TrafficSelector{r("::", "::ffff", 0, 0, 65535)}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := fromWire(narrow(selectors(tt.offered), tt.allowed))
			if len(got) == 0 {
				got = nil
			}
			if diff := cmp.Diff(tt.want, got, equateAddr); diff != "" {
				t.Fatalf("narrow (-want +got):\n%s", diff)
			}
			if got != nil && !within(selectors(got), tt.offered) {
				t.Errorf("narrowed selectors not within the offer")
			}
		})
	}
}
