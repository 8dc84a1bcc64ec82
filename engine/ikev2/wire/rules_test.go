package wire

import (
	"errors"
	"testing"
)

func TestCheckRules(t *testing.T) {
	sa1 := func() Payload { return exampleSAi1() }
	saResp := func() Payload { s := exampleSAi1(); s.Proposals = s.Proposals[1:]; return s }
	// CHILD SA proposals carry a 4-octet SPI, IKE rekeys an 8-octet one.
	withSPI := func(p Payload, proto ProtocolID, n int) Payload {
		s := p.(*SA)
		for i := range s.Proposals {
			s.Proposals[i].Protocol, s.Proposals[i].SPI = proto, fill(n, 7)
		}
		return s
	}
	esp := func() Payload { return withSPI(sa1(), ProtocolESP, 4) }
	espResp := func() Payload { return withSPI(saResp(), ProtocolESP, 4) }
	ikeRekey := func() Payload { return withSPI(sa1(), ProtocolIKE, 8) }
	ikeRekeyResp := func() Payload { return withSPI(saResp(), ProtocolIKE, 8) }
	ke := &KE{Group: DHECP256, Data: fill(64, 1)}
	no := &Nonce{Data: fill(32, 2)}
	n := func(t NotifyType) Payload { return &Notify{NotifyType: t} }
	idi := &ID{IDType: IDFQDN, Data: []byte("a")}
	idr := &ID{Responder: true, IDType: IDFQDN, Data: []byte("b")}
	auth := &Auth{Method: AuthSharedKeyMIC, Data: fill(32, 3)}
	tsi := &TS{}
	tsr := &TS{Responder: true}
	eap := &EAP{Data: []byte{1, 1, 0, 4}}
	cp := &CP{CFGType: CFGRequest}
	del := &Delete{Protocol: ProtocolIKE}
	v := &VendorID{Data: []byte("x")}
	unknown := &Unknown{Code: 199}
	sk := &SK{Inner: PayloadIDi, Body: fill(32, 4)}
	skf := &SKF{Inner: PayloadIDi, Number: 1, Total: 2, Body: fill(32, 4)}

	type tc struct {
		name     string
		ex       ExchangeType
		response bool
		outer    bool // Check on the message as received, else CheckInner
		ps       []Payload
		ok       bool
	}
	cases := []tc{
		// IKE_SA_INIT (checked as received).
		{"init request", IKESAInit, false, true, []Payload{sa1(), ke, no, n(NATDetectionSourceIP), v, unknown}, true},
		{"init request with cookie first", IKESAInit, false, true, []Payload{n(Cookie), sa1(), ke, no}, true},
		{"init request with cookie later", IKESAInit, false, true, []Payload{sa1(), n(Cookie), ke, no}, false},
		{"init request without KE", IKESAInit, false, true, []Payload{sa1(), no}, false},
		{"init request with two nonces", IKESAInit, false, true, []Payload{sa1(), ke, no, no}, false},
		{"init request with IDi", IKESAInit, false, true, []Payload{sa1(), ke, no, idi}, false},
		{"init request encrypted", IKESAInit, false, true, []Payload{sk}, false},
		{"init request misnumbered proposals", IKESAInit, false, true, []Payload{saResp(), ke, no}, false},
		{"init response", IKESAInit, true, true, []Payload{saResp(), ke, no, &CertReq{Encoding: CertX509Signature}, n(NATDetectionSourceIP)}, true},
		{"init response with two proposals", IKESAInit, true, true, []Payload{sa1(), ke, no}, false},
		{"init response cookie", IKESAInit, true, true, []Payload{n(Cookie)}, true},
		{"init response invalid KE", IKESAInit, true, true, []Payload{n(InvalidKEPayload)}, true},
		{"init response empty", IKESAInit, true, true, nil, false},
		{"init response without nonce", IKESAInit, true, true, []Payload{saResp(), ke}, false},
		// Protected exchanges as received.
		{"auth outer SK", IKEAuth, false, true, []Payload{sk}, true},
		{"auth outer SKF", IKEAuth, false, true, []Payload{skf}, true},
		{"auth outer plaintext", IKEAuth, false, true, []Payload{idi, auth}, false},
		{"auth outer V and SK", IKEAuth, false, true, []Payload{v, sk}, false},
		{"informational unprotected notify", Informational, true, true, []Payload{n(InvalidIKESPI)}, true},
		{"informational unprotected delete", Informational, false, true, []Payload{del}, false},
		{"unknown exchange", 99, false, true, []Payload{sk}, false},
		// IKE_AUTH inner.
		{"auth request", IKEAuth, false, false, []Payload{idi, n(InitialContact), idr, auth, cp, esp(), tsi, tsr}, true},
		{"auth request childless", IKEAuth, false, false, []Payload{idi, auth}, true},
		{"auth request SA without TS", IKEAuth, false, false, []Payload{idi, auth, esp()}, false},
		{"auth request TSi only", IKEAuth, false, false, []Payload{idi, auth, esp(), tsi}, false},
		{"auth request without IDi", IKEAuth, false, false, []Payload{auth, esp(), tsi, tsr}, false},
		{"auth request two AUTH", IKEAuth, false, false, []Payload{idi, auth, auth}, false},
		{"auth request with KE", IKEAuth, false, false, []Payload{idi, auth, ke}, false},
		{"auth request starting EAP", IKEAuth, false, false, []Payload{idi, esp(), tsi, tsr}, true},
		{"auth request EAP", IKEAuth, false, false, []Payload{eap}, true},
		{"auth request final AUTH", IKEAuth, false, false, []Payload{auth}, true},
		{"auth request empty", IKEAuth, false, false, nil, false},
		{"auth response", IKEAuth, true, false, []Payload{idr, auth, cp, espResp(), tsi, tsr}, true},
		{"auth response child failed", IKEAuth, true, false, []Payload{idr, auth, n(TSUnacceptable)}, true},
		{"auth response failed", IKEAuth, true, false, []Payload{n(AuthenticationFailed)}, true},
		{"auth response with EAP", IKEAuth, true, false, []Payload{idr, auth, eap}, true},
		{"auth response EAP only (RFC 5998)", IKEAuth, true, false, []Payload{idr, eap}, true},
		{"auth response after EAP", IKEAuth, true, false, []Payload{auth, espResp(), tsi, tsr}, true},
		{"auth response two proposals", IKEAuth, true, false, []Payload{idr, auth, esp(), tsi, tsr}, false},
		{"auth response with IDi", IKEAuth, true, false, []Payload{idi, idr, auth}, false},
		{"auth inner SK", IKEAuth, false, false, []Payload{sk}, false},
		// CREATE_CHILD_SA inner.
		{"child request", CreateChildSA, false, false, []Payload{n(RekeySA), esp(), no, tsi, tsr}, true},
		{"child request PFS", CreateChildSA, false, false, []Payload{esp(), no, ke, tsi, tsr}, true},
		{"IKE rekey request", CreateChildSA, false, false, []Payload{ikeRekey(), no, ke}, true},
		{"IKE rekey request without KE", CreateChildSA, false, false, []Payload{ikeRekey(), no}, false},
		{"child request without nonce", CreateChildSA, false, false, []Payload{esp(), tsi, tsr}, false},
		{"child response", CreateChildSA, true, false, []Payload{espResp(), no, tsi, tsr, n(AdditionalTSPossible)}, true},
		{"IKE rekey response", CreateChildSA, true, false, []Payload{ikeRekeyResp(), no, ke}, true},
		{"child response error", CreateChildSA, true, false, []Payload{n(NoProposalChosen)}, true},
		{"child response with AUTH", CreateChildSA, true, false, []Payload{espResp(), no, tsi, tsr, auth}, false},
		// INFORMATIONAL inner.
		{"liveness check", Informational, false, false, nil, true},
		{"delete", Informational, false, false, []Payload{del, del, n(InitialContact)}, true},
		{"informational response", Informational, true, false, []Payload{del}, true},
		{"informational with two CP", Informational, false, false, []Payload{cp, cp}, false},
		{"informational with SA", Informational, false, false, []Payload{esp()}, false},
		{"ESP SPI of 8 octets", CreateChildSA, false, false, []Payload{withSPI(sa1(), ProtocolESP, 8), no, tsi, tsr}, false},
		{"IKE rekey without SPI", CreateChildSA, false, false, []Payload{sa1(), no, ke}, false},
		{"ESP in IKE_SA_INIT", IKESAInit, false, true, []Payload{esp(), ke, no}, false},
		{"init inner", IKESAInit, false, false, []Payload{sa1(), ke, no}, false},
	}
	for _, c := range cases {
		h := Header{SPIi: 1, Version: Version, Exchange: c.ex, MessageID: 1}
		if c.ex == IKESAInit {
			h.MessageID = 0
		}
		if c.response {
			h.Flags = FlagResponse
		}
		var err error
		if c.outer {
			err = Check(&Message{Header: h, Payloads: c.ps})
		} else {
			err = CheckInner(&h, c.ps)
		}
		if (err == nil) != c.ok {
			t.Errorf("%s: err = %v, want ok = %v", c.name, err, c.ok)
		}
		if err != nil && !errors.Is(err, ErrSyntax) {
			t.Errorf("%s: %v does not wrap ErrSyntax", c.name, err)
		}
	}
	// Header rules of section 3.1.
	good := exampleIKESAInit()
	if err := Check(good); err != nil {
		t.Fatal(err)
	}
	for name, mod := range map[string]func(*Header){
		"zero SPIi":           func(h *Header) { h.SPIi = 0 },
		"request with SPIr":   func(h *Header) { h.SPIr = 5 },
		"request with msg ID": func(h *Header) { h.MessageID = 1 },
	} {
		m := exampleIKESAInit()
		mod(&m.Header)
		if err := Check(m); !errors.Is(err, ErrSyntax) {
			t.Errorf("%s: %v", name, err)
		}
	}
}
