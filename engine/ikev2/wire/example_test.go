package wire

import (
	"bytes"
	"net/netip"
)

// Hand-built example messages following the diagrams of RFC 7296 section 1.

func fill(n int, b byte) []byte { return bytes.Repeat([]byte{b}, n) }

func keyLen(bits uint16) []Attribute {
	return []Attribute{{Type: AttrKeyLength, TV: true, Value: bits}}
}

// exampleSAi1 offers AES-CBC-256/SHA-256/MODP-2048 and AES-GCM-16-256/ECP-256,
// as an IOS default proposal and strongSwan's lab proposals do.
func exampleSAi1() *SA {
	return &SA{Proposals: []Proposal{
		{Number: 1, Protocol: ProtocolIKE, Transforms: []Transform{
			{Type: TransformENCR, ID: uint16(EncrAESCBC), Attributes: keyLen(256)},
			{Type: TransformINTEG, ID: uint16(IntegHMACSHA2256128)},
			{Type: TransformPRF, ID: uint16(PRFHMACSHA2256)},
			{Type: TransformDH, ID: uint16(DHModp2048)},
		}},
		{Number: 2, Protocol: ProtocolIKE, Transforms: []Transform{
			{Type: TransformENCR, ID: uint16(EncrAESGCM16), Attributes: keyLen(256)},
			{Type: TransformPRF, ID: uint16(PRFHMACSHA2256)},
			{Type: TransformDH, ID: uint16(DHECP256)},
			{Type: TransformDH, ID: uint16(DHCurve25519)},
		}},
	}}
}

// exampleIKESAInit is HDR, SAi1, KEi, Ni, N(NAT_DETECTION_*), N(FRAG), N(HASH), V.
func exampleIKESAInit() *Message {
	return &Message{
		Header: Header{SPIi: 0x0123456789abcdef, Version: Version, Exchange: IKESAInit, Flags: FlagInitiator},
		Payloads: []Payload{
			exampleSAi1(),
			&KE{Group: DHECP256, Data: fill(64, 0x4b)},
			&Nonce{Data: fill(32, 0x4e)},
			&Notify{NotifyType: NATDetectionSourceIP, Data: fill(20, 0x53)},
			&Notify{NotifyType: NATDetectionDestinationIP, Data: fill(20, 0x44)},
			&Notify{NotifyType: IKEv2FragmentationSupported},
			&Notify{NotifyType: SignatureHashAlgorithms, Data: []byte{0, 2, 0, 3, 0, 4}},
			&VendorID{Data: []byte("FLEXVPN-SUPPORTED")},
		},
	}
}

// exampleIKEAuthInner is the inside of SK in an IKE_AUTH request:
// IDi, N(INITIAL_CONTACT), IDr, AUTH, CP(CFG_REQUEST), SAi2, TSi, TSr.
func exampleIKEAuthInner() []Payload {
	any4 := Selector{Type: TSIPv4AddrRange, EndPort: 0xFFFF,
		StartAddr: netip.MustParseAddr("0.0.0.0"), EndAddr: netip.MustParseAddr("255.255.255.255")}
	return []Payload{
		&ID{IDType: IDFQDN, Data: []byte("spoke1.flex.lab")},
		&Notify{NotifyType: InitialContact},
		&ID{Responder: true, IDType: IDIPv4Addr, Data: []byte{198, 18, 0, 1}},
		&Auth{Method: AuthSharedKeyMIC, Data: fill(32, 0xa0)},
		&CP{CFGType: CFGRequest, Attributes: []CfgAttribute{{Type: InternalIP4Address}, {Type: InternalIP4DNS}, {Type: InternalIP6Address}}},
		&SA{Proposals: []Proposal{{Number: 1, Protocol: ProtocolESP, SPI: []byte{0xc1, 0x02, 0x03, 0x04}, Transforms: []Transform{
			{Type: TransformENCR, ID: uint16(EncrAESGCM16), Attributes: keyLen(256)},
			{Type: TransformESN, ID: uint16(ESNNo)},
		}}}},
		&TS{Selectors: []Selector{any4}},
		&TS{Responder: true, Selectors: []Selector{any4, {Type: TSIPv6AddrRange, IPProtocol: 47,
			StartAddr: netip.MustParseAddr("2001:db8::"), EndAddr: netip.MustParseAddr("2001:db8::ffff")}}},
	}
}

// exampleIKEAuth wraps an opaque body (16-octet IV, ciphertext, 16-octet ICV)
// in SK, as sent.
func exampleIKEAuth() *Message {
	return &Message{
		Header:   Header{SPIi: 0x0123456789abcdef, SPIr: 0xfedcba9876543210, Version: Version, Exchange: IKEAuth, Flags: FlagInitiator, MessageID: 1},
		Payloads: []Payload{&SK{Inner: PayloadIDi, Body: fill(96, 0xee)}},
	}
}

// exampleInformational is an INFORMATIONAL request deleting two ESP SAs and
// the IKE SA (inner payloads).
func exampleInformationalInner() []Payload {
	return []Payload{
		&Delete{Protocol: ProtocolESP, SPISize: 4, SPIs: [][]byte{{1, 2, 3, 4}, {5, 6, 7, 8}}},
		&Delete{Protocol: ProtocolIKE},
	}
}

// exampleFragment is fragment 1 of 3 of an IKE_AUTH request (RFC 7383).
func exampleFragment() *Message {
	m := exampleIKEAuth()
	m.Payloads = []Payload{&SKF{Inner: PayloadIDi, Number: 1, Total: 3, Body: fill(48, 0xef)}}
	return m
}

// allPayloads has one payload of every type, with non-trivial contents.
func allPayloads() []Payload {
	ps := []Payload{exampleSAi1()}
	ps = append(ps, exampleIKESAInit().Payloads[1:]...)
	ps = append(ps, exampleIKEAuthInner()...)
	ps = append(ps, exampleInformationalInner()...)
	return append(ps,
		&Cert{Encoding: CertX509Signature, Data: fill(40, 0x30)},
		&CertReq{Encoding: CertX509Signature, Data: fill(40, 0x31)},
		&Notify{Protocol: ProtocolESP, SPI: []byte{9, 9, 9, 9}, NotifyType: RekeySA},
		&EAP{Data: []byte{1, 7, 0, 5, 1}},
		&Unknown{Code: 200, Body: []byte("opaque")},
		&TS{Selectors: []Selector{{Type: 10, IPProtocol: 6, Raw: []byte{1, 2, 3}}}},
	)
}
