package wire

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

var cmpOpts = []cmp.Option{cmpopts.EquateEmpty(), cmpopts.EquateComparable(netipAddr{}.Addr)}

func mustHex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.Join(strings.Fields(s), ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func encode(t testing.TB, m *Message) []byte {
	t.Helper()
	b, err := m.Append(nil)
	if err != nil {
		t.Fatalf("encode: %v", err)
	}
	return b
}

// TestKnownAnswer checks the encoder against octets laid out by hand from
// the figures of RFC 7296 sections 3.1, 3.2, 3.3 and 3.10.
func TestKnownAnswer(t *testing.T) {
	m := &Message{
		Header:   Header{SPIi: 0x0102030405060708, Version: Version, Exchange: IKESAInit, Flags: FlagResponse},
		Payloads: []Payload{&Notify{NotifyType: Cookie, Data: []byte("ABCD")}},
	}
	want := mustHex(t, `0102030405060708 0000000000000000 29 20 22 20 00000000 00000028
		00 00 000c 00 00 4006 41424344`)
	if got := encode(t, m); !bytes.Equal(got, want) {
		t.Errorf("cookie response:\n got %x\nwant %x", got, want)
	}
	sa := &SA{Proposals: []Proposal{{Number: 1, Protocol: ProtocolIKE, Transforms: []Transform{
		{Type: TransformENCR, ID: uint16(EncrAESCBC), Attributes: keyLen(256)},
		{Type: TransformDH, ID: uint16(DHModp2048)},
	}}}}
	want = mustHex(t, `00 00 0020
		00 00 001c 01 01 00 02
		03 00 000c 01 00 000c 800e 0100
		00 00 0008 04 00 000e`)
	got, err := AppendPayloads(nil, []Payload{sa})
	if err != nil || !bytes.Equal(got, want) {
		t.Errorf("SA: got %x, %v\nwant %x", got, err, want)
	}
}

// TestPayloadRoundTrip encodes every payload type in one chain, decodes it,
// compares, and encodes again.
func TestPayloadRoundTrip(t *testing.T) {
	for _, p := range allPayloads() {
		t.Run(p.Type().String(), func(t *testing.T) {
			in := []Payload{p}
			b, err := AppendPayloads(nil, in)
			if err != nil {
				t.Fatal(err)
			}
			out, err := DecodePayloads(p.Type(), b)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(in, out, cmpOpts...); diff != "" {
				t.Errorf("decode(encode(p)) differs (-in +out):\n%s", diff)
			}
			again, err := AppendPayloads(nil, out)
			if err != nil || !bytes.Equal(again, b) {
				t.Errorf("re-encoding differs: %x, %v", again, err)
			}
		})
	}
	all := allPayloads()
	b, err := AppendPayloads(nil, all)
	if err != nil {
		t.Fatal(err)
	}
	out, err := DecodePayloads(all[0].Type(), b)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(all, out, cmpOpts...); diff != "" {
		t.Errorf("chain of all payloads (-in +out):\n%s", diff)
	}
}

// exampleMessages are the hand-built messages, encoded.
func exampleMessages(t testing.TB) map[string][]byte {
	return map[string][]byte{
		"IKE_SA_INIT":  encode(t, exampleIKESAInit()),
		"IKE_AUTH":     encode(t, exampleIKEAuth()),
		"SKF":          encode(t, exampleFragment()),
		"cookie reply": encode(t, &Message{Header: Header{SPIi: 1, Version: Version, Exchange: IKESAInit, Flags: FlagResponse}, Payloads: []Payload{&Notify{NotifyType: Cookie, Data: fill(20, 1)}}}),
	}
}

func captures(t testing.TB) map[string][]byte {
	files, err := filepath.Glob("testdata/strongswan/*.bin")
	if err != nil || len(files) == 0 {
		t.Fatalf("no captures: %v", err)
	}
	m := map[string][]byte{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		m[filepath.Base(f)] = b
	}
	return m
}

// TestStrongSwanCaptures decodes real strongSwan messages, checks them
// against the rules and re-encodes them to the same octets.
func TestStrongSwanCaptures(t *testing.T) {
	for name, b := range captures(t) {
		m, err := Decode(b)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if err := Check(m); err != nil {
			t.Errorf("%s: Check: %v", name, err)
		}
		if got := encode(t, m); !bytes.Equal(got, b) {
			t.Errorf("%s: re-encoding differs", name)
		}
		if m.Header.Exchange != IKESAInit {
			if m.Encrypted() == nil {
				t.Errorf("%s: no SK payload", name)
			}
			aad, body, err := EncryptedSpan(b)
			if err != nil || len(aad) != len(b)-len(m.Encrypted().Body) || len(aad)+len(body) != len(b) {
				t.Errorf("%s: EncryptedSpan = %d+%d octets, %v", name, len(aad), len(body), err)
			}
		}
	}
	// What strongSwan logged for these messages.
	for name, want := range map[string]string{
		"01_ike_sa_init_req.bin":  "SA KE No N(NAT_DETECTION_SOURCE_IP) N(NAT_DETECTION_DESTINATION_IP) N(IKEV2_FRAGMENTATION_SUPPORTED) N(SIGNATURE_HASH_ALGORITHMS) N(REDIRECT_SUPPORTED)",
		"02_ike_sa_init_resp.bin": "SA KE No N(NAT_DETECTION_SOURCE_IP) N(NAT_DETECTION_DESTINATION_IP) N(IKEV2_FRAGMENTATION_SUPPORTED) N(SIGNATURE_HASH_ALGORITHMS) N(CHILDLESS_IKEV2_SUPPORTED) N(MULTIPLE_AUTH_SUPPORTED)",
		"16_ike_sa_init_resp.bin": "N(INVALID_KE_PAYLOAD)",
		"20_ike_sa_init_resp.bin": "N(NO_PROPOSAL_CHOSEN)",
	} {
		m, err := Decode(captures(t)[name])
		if err != nil {
			t.Fatal(err)
		}
		if got := summary(m.Payloads); got != want {
			t.Errorf("%s: payloads %q, want %q", name, got, want)
		}
	}
	// The proposals as strongSwan logged them, and the KE it sent.
	for _, tc := range []struct {
		file  string
		props []string
		group DHGroup
		keLen int
	}{
		{"01_ike_sa_init_req.bin", []string{"IKE:AES_GCM_16_256/PRF_HMAC_SHA2_256/ECP_256", "IKE:CHACHA20_POLY1305/PRF_HMAC_SHA2_512/CURVE_25519"}, DHECP256, 64},
		{"05_ike_sa_init_req.bin", []string{"IKE:AES_CBC_256/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/MODP_2048", "IKE:AES_CBC_128/HMAC_SHA1_96/PRF_HMAC_SHA1/MODP_2048"}, DHModp2048, 256},
		{"19_ike_sa_init_req.bin", []string{"IKE:3DES_CBC/HMAC_MD5_96/PRF_HMAC_MD5/MODP_1024"}, DHModp1024, 128},
	} {
		m, _ := Decode(captures(t)[tc.file])
		sa := m.Payloads[0].(*SA)
		var props []string
		for i := range sa.Proposals {
			props = append(props, sa.Proposals[i].String())
		}
		if diff := cmp.Diff(tc.props, props); diff != "" {
			t.Errorf("%s: proposals (-want +got):\n%s", tc.file, diff)
		}
		if ke := m.Payloads[1].(*KE); ke.Group != tc.group || len(ke.Data) != tc.keLen {
			t.Errorf("%s: KE group %v with %d octets", tc.file, ke.Group, len(ke.Data))
		}
	}
}

// TestPrefixRejection cuts every valid message at every length: Decode must
// fail, and must still fail when the header's length field is patched to
// the cut length, so that only the payload chain is truncated.
func TestPrefixRejection(t *testing.T) {
	msgs := exampleMessages(t)
	for k, v := range captures(t) {
		msgs[k] = v
	}
	for name, b := range msgs {
		for i := range len(b) {
			cut := bytes.Clone(b[:i])
			if _, err := Decode(cut); err == nil {
				t.Errorf("%s: prefix of %d octets decoded", name, i)
			}
			if i >= HeaderLen {
				binary.BigEndian.PutUint32(cut[24:], uint32(i))
				if _, err := Decode(cut); err == nil {
					t.Errorf("%s: prefix of %d octets with patched length decoded", name, i)
				}
			}
		}
	}
	inner, err := AppendPayloads(nil, allPayloads())
	if err != nil {
		t.Fatal(err)
	}
	for i := range len(inner) {
		if _, err := DecodePayloads(PayloadSA, inner[:i]); err == nil {
			t.Errorf("inner chain cut at %d decoded", i)
		}
	}
}

// payloadOffsets returns the offsets of the generic headers of a message's
// payloads.
func payloadOffsets(t *testing.T, b []byte) []int {
	var offs []int
	next := PayloadType(b[16])
	for off := HeaderLen; next != NoNextPayload; {
		offs = append(offs, off)
		if next == PayloadSK || next == PayloadSKF {
			break
		}
		next = PayloadType(b[off])
		off += int(binary.BigEndian.Uint16(b[off+2:]))
	}
	return offs
}

// TestLengthCorruption changes the length field of every payload, and of
// the header, to wrong values: decoding must fail.
func TestLengthCorruption(t *testing.T) {
	for name, b := range exampleMessages(t) {
		for _, off := range payloadOffsets(t, b) {
			l := int(binary.BigEndian.Uint16(b[off+2:]))
			for _, bad := range []int{0, 1, 3, l - 1, l + 1, l + 4, 0xFFFF} {
				c := bytes.Clone(b)
				binary.BigEndian.PutUint16(c[off+2:], uint16(bad))
				if _, err := Decode(c); err == nil {
					t.Errorf("%s: payload at %d with length %d (was %d) decoded", name, off, bad, l)
				}
			}
		}
		for _, delta := range []int{-1, 1, 1 << 16} {
			c := bytes.Clone(b)
			binary.BigEndian.PutUint32(c[24:], uint32(len(b)+delta))
			if _, err := Decode(c); !errors.Is(err, ErrSyntax) {
				t.Errorf("%s: header length %+d: %v", name, delta, err)
			}
		}
	}
	// Substructure lengths inside the SA of the IKE_SA_INIT example.
	b := encode(t, exampleIKESAInit())
	sa := HeaderLen + genericHeaderLen
	for _, tc := range []struct {
		name string
		off  int
	}{{"proposal", sa}, {"first transform", sa + proposalHdrLen}, {"attribute", sa + proposalHdrLen + transformHdrLen}} {
		for _, delta := range []int{-1, 1, -4, 4} {
			c := bytes.Clone(b)
			v := binary.BigEndian.Uint16(c[tc.off+2:])
			binary.BigEndian.PutUint16(c[tc.off+2:], uint16(int(v)+delta))
			if tc.name == "attribute" {
				// turn the TV Key Length into a TLV with a wrong length
				binary.BigEndian.PutUint16(c[tc.off:], uint16(AttrKeyLength))
			}
			if _, err := Decode(c); err == nil {
				t.Errorf("%s length %+d decoded", tc.name, delta)
			}
		}
	}
}

// TestReservedAndCritical: RESERVED bits are ignored on receipt (RFC 7296
// section 3.2 and each payload's figure) yet kept for the round trip; the
// critical bit of a known payload is ignored.
func TestReservedAndCritical(t *testing.T) {
	m := exampleIKESAInit()
	m.Header.Flags |= 0x47 // reserved header flag bits
	sa := m.Payloads[0].(*SA)
	sa.Critical, sa.FlagReserved = true, 0x55
	sa.Proposals[0].Reserved = 0xAA
	sa.Proposals[0].Transforms[0].Reserved = [2]byte{1, 2}
	m.Payloads[1].(*KE).Reserved = [2]byte{3, 4}
	b := encode(t, m)
	got, err := Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	if err := Check(got); err != nil {
		t.Error(err)
	}
	if diff := cmp.Diff(m, got, cmpOpts...); diff != "" {
		t.Errorf("(-sent +decoded):\n%s", diff)
	}
	if !bytes.Equal(encode(t, got), b) {
		t.Error("re-encoding differs")
	}
	if got.Header.Flags.String() != "I|0x47" || !got.Header.IsInitiator() || got.Header.IsResponse() {
		t.Errorf("flags %v", got.Header.Flags)
	}
}

// TestUnknownPayloads: section 2.5. A non-critical unknown payload is kept
// and skipped; a critical one rejects the message with its type.
func TestUnknownPayloads(t *testing.T) {
	m := exampleIKESAInit()
	unknown := &Unknown{Code: 222, Body: []byte("future")}
	m.Payloads = append(m.Payloads[:3], append([]Payload{unknown}, m.Payloads[3:]...)...)
	b := encode(t, m)
	got, err := Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	if err := Check(got); err != nil {
		t.Errorf("unknown non-critical payload fails Check: %v", err)
	}
	if diff := cmp.Diff(m.Payloads, got.Payloads, cmpOpts...); diff != "" {
		t.Errorf("(-sent +decoded):\n%s", diff)
	}
	unknown.Critical = true
	_, err = Decode(encode(t, m))
	var uc *UnsupportedCriticalError
	if !errors.As(err, &uc) || uc.Type != 222 || !bytes.Equal(uc.NotifyData(), []byte{222}) {
		t.Errorf("critical unknown payload: %v", err)
	}
	// Inside an SK payload the same holds.
	_, err = DecodePayloads(222, encodeChain(t, unknown))
	if !errors.As(err, &uc) {
		t.Errorf("critical unknown inner payload: %v", err)
	}
}

func encodeChain(t *testing.T, ps ...Payload) []byte {
	t.Helper()
	b, err := AppendPayloads(nil, ps)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestHeader(t *testing.T) {
	b := encode(t, exampleIKESAInit())
	for _, tc := range []struct {
		version byte
		major   uint8 // 0: no VersionError
	}{{0x20, 0}, {0x21, 0}, {0x2f, 0}, {0x10, 1}, {0x30, 3}, {0x00, 0xff}} {
		c := bytes.Clone(b)
		c[17] = tc.version
		_, err := Decode(c)
		var ve *VersionError
		switch {
		case tc.major == 0 && err != nil:
			t.Errorf("version %#x: %v", tc.version, err)
		case tc.major == 0xff && (!errors.As(err, &ve) || ve.Major != 0):
			t.Errorf("version %#x: %v", tc.version, err)
		case tc.major != 0 && tc.major != 0xff && (!errors.As(err, &ve) || ve.Major != tc.major):
			t.Errorf("version %#x: %v", tc.version, err)
		}
	}
	h, err := DecodeHeader(b)
	if err != nil || h.String() != "IKE_SA_INIT request 0" || h.Length != uint32(len(b)) || h.NextPayload != PayloadSA {
		t.Errorf("header %v %+v", err, h)
	}
	if _, err := DecodeHeader(b[:HeaderLen-1]); !errors.Is(err, ErrSyntax) {
		t.Errorf("short header: %v", err)
	}
}

func TestClassify4500(t *testing.T) {
	ike := encode(t, exampleIKESAInit())
	for _, tc := range []struct {
		in   []byte
		kind Kind4500
		out  []byte
	}{
		{[]byte{NATKeepalive}, Kind4500Keepalive, nil},
		{AppendNonESPMarker(nil), Kind4500IKE, []byte{}},
		{AppendNonESPMarker(nil)[:3], Kind4500Invalid, nil},
		{append(AppendNonESPMarker(nil), ike...), Kind4500IKE, ike},
		{[]byte{0, 0, 0, 1, 0, 0, 0, 1}, Kind4500ESP, []byte{0, 0, 0, 1, 0, 0, 0, 1}},
		{[]byte{0, 0, 0, 1, 0, 0, 0}, Kind4500Invalid, nil},
		{[]byte{0xFE}, Kind4500Invalid, nil},
	} {
		kind, out := Classify4500(tc.in)
		if kind != tc.kind || !bytes.Equal(out, tc.out) {
			t.Errorf("Classify4500(%x) = %v, %x; want %v, %x", tc.in, kind, out, tc.kind, tc.out)
		}
	}
}

// TestEncrypted: the associated data of RFC 7296 section 3.14 and RFC 7383
// section 2.5, and the chain rules around SK.
func TestEncrypted(t *testing.T) {
	b := encode(t, exampleIKEAuth())
	aad, body, err := EncryptedSpan(b)
	if err != nil || len(aad) != HeaderLen+genericHeaderLen || !bytes.Equal(body, fill(96, 0xee)) {
		t.Errorf("SK span: %d, %x, %v", len(aad), body, err)
	}
	m, _ := Decode(b)
	if sk := m.Encrypted(); sk == nil || sk.Inner != PayloadIDi {
		t.Errorf("Encrypted() = %+v", sk)
	}
	b = encode(t, exampleFragment())
	aad, body, err = EncryptedSpan(b)
	if err != nil || len(aad) != HeaderLen+genericHeaderLen+4 || len(body) != 48 {
		t.Errorf("SKF span: %d, %d, %v", len(aad), len(body), err)
	}
	if _, _, err := EncryptedSpan(encode(t, exampleIKESAInit())); err == nil {
		t.Error("EncryptedSpan of IKE_SA_INIT succeeded")
	}
	// SK must be last (3.14).
	notLast := append(encode(t, exampleIKEAuth()), 0, 0, 0, 4)
	binary.BigEndian.PutUint32(notLast[24:], uint32(len(notLast)))
	if _, err := Decode(notLast); err == nil {
		t.Error("octets after SK decoded")
	}
	// No SK inside SK.
	if _, err := DecodePayloads(PayloadSK, encodeChain(t, &SK{Body: []byte{1}})); err == nil {
		t.Error("nested SK decoded")
	}
	// Fragment numbers (RFC 7383 section 2.6.1).
	for _, nt := range [][2]uint16{{0, 1}, {0, 0}, {4, 3}} {
		c := encode(t, exampleFragment())
		binary.BigEndian.PutUint16(c[HeaderLen+4:], nt[0])
		binary.BigEndian.PutUint16(c[HeaderLen+6:], nt[1])
		if _, err := Decode(c); err == nil {
			t.Errorf("fragment %d/%d decoded", nt[0], nt[1])
		}
	}
}

func TestEncodeErrors(t *testing.T) {
	for name, p := range map[string]Payload{
		"short nonce":         &Nonce{Data: fill(15, 0)},
		"long nonce":          &Nonce{Data: fill(257, 0)},
		"empty SA":            &SA{},
		"TV with data":        &SA{Proposals: []Proposal{{Transforms: []Transform{{Attributes: []Attribute{{TV: true, Data: []byte{1}}}}}}}},
		"attr type 16 bits":   &SA{Proposals: []Proposal{{Transforms: []Transform{{Attributes: []Attribute{{Type: 0x8001}}}}}}},
		"delete SPI size":     &Delete{Protocol: ProtocolESP, SPISize: 4, SPIs: [][]byte{{1, 2, 3}}},
		"delete size 0":       &Delete{Protocol: ProtocolIKE, SPIs: [][]byte{{}}},
		"TS v6 in v4":         &TS{Selectors: []Selector{{Type: TSIPv4AddrRange, StartAddr: exampleV6, EndAddr: exampleV6}}},
		"TS no address":       &TS{Selectors: []Selector{{Type: TSIPv6AddrRange}}},
		"TS unknown w/ ports": &TS{Selectors: []Selector{{Type: 99, EndPort: 1}}},
		"SKF 0/0":             &SKF{},
		"notify long SPI":     &Notify{SPI: fill(256, 0)},
		"too long":            &VendorID{Data: fill(0xFFFC, 0)},
		"CP attr bit":         &CP{Attributes: []CfgAttribute{{Type: 0x8000}}},
	} {
		if _, err := AppendPayloads(nil, []Payload{p}); err == nil {
			t.Errorf("%s: encoded", name)
		}
	}
	if _, err := AppendPayloads(nil, []Payload{&VendorID{Data: fill(0xFFFB, 0)}}); err != nil {
		t.Errorf("largest payload: %v", err)
	}
}

func TestDecodeErrors(t *testing.T) {
	for name, tc := range map[string]struct {
		t    PayloadType
		body string
	}{
		"empty SA":             {PayloadSA, ``},
		"proposal last=2":      {PayloadSA, `02 00 0008 01 01 00 00`},
		"transform count":      {PayloadSA, `00 00 0008 01 01 00 01`},
		"transform last=3":     {PayloadSA, `00 00 0010 01 01 00 01 03 00 0008 01 00 000c`},
		"trailing in proposal": {PayloadSA, `00 00 000c 01 01 00 00 00000000`},
		"SPI size":             {PayloadSA, `00 00 0008 01 03 04 00`},
		"short attribute":      {PayloadSA, `00 00 0012 01 01 00 01 00 00 000a 01 00 000c 800e`},
		"TLV attribute length": {PayloadSA, `00 00 0014 01 01 00 01 00 00 000c 01 00 000c 000e 0001`},
		"short KE":             {PayloadKE, `0013 00`},
		"short ID":             {PayloadIDi, `02 0000`},
		"empty CERT":           {PayloadCERT, ``},
		"empty CERTREQ":        {PayloadCERTREQ, ``},
		"short AUTH":           {PayloadAUTH, `02`},
		"nonce 15":             {PayloadNonce, `000102030405060708090a0b0c0d0e`},
		"notify SPI":           {PayloadN, `03 04 4009 010203`},
		"short notify":         {PayloadN, `00 00 40`},
		"delete count":         {PayloadD, `03 04 0002 01020304`},
		"delete size 0":        {PayloadD, `01 00 0001`},
		"short delete":         {PayloadD, `01 00 00`},
		"TS count":             {PayloadTSi, `02 000000 07 00 0010 0000 ffff 00000000 ffffffff`},
		"TS v4 length":         {PayloadTSi, `01 000000 07 00 0014 0000 ffff 00000000 ffffffff 00000000`},
		"TS v6 length":         {PayloadTSr, `01 000000 08 00 0010 0000 ffff 00000000 ffffffff`},
		"TS selector len < 4":  {PayloadTSi, `01 000000 07 00 0002`},
		"TS trailing":          {PayloadTSi, `00 000000 07`},
		"short TS":             {PayloadTSi, `00 0000`},
		"CP attribute length":  {PayloadCP, `01 000000 0001 0004 0a00`},
		"CP attribute header":  {PayloadCP, `01 000000 00`},
		"short CP":             {PayloadCP, `01`},
		"short SKF":            {PayloadSKF, `0001 00`},
	} {
		body := mustHex(t, tc.body)
		if p, err := decodeBody(tc.t, Generic{}, 0, body); err == nil {
			t.Errorf("%s: decoded %+v", name, p)
		} else if !errors.Is(err, ErrSyntax) {
			t.Errorf("%s: error %v does not wrap ErrSyntax", name, err)
		}
	}
}

func TestNames(t *testing.T) {
	for _, tc := range []struct{ got, want string }{
		{IKESAInit.String(), "IKE_SA_INIT"},
		{ExchangeType(99).String(), "(99)"},
		{PayloadNonce.String(), "No"},
		{PayloadSKF.String(), "EF"},
		{NATDetectionSourceIP.String(), "NAT_DETECTION_SOURCE_IP"},
		{UnsupportedCriticalPayload.String(), "UNSUPPORTED_CRITICAL_PAYLOAD"},
		{EncrChaCha20Poly1305.String(), "CHACHA20_POLY1305"},
		{DHCurve25519.String(), "CURVE_25519"},
		{IntegHMACSHA2512256.String(), "HMAC_SHA2_512_256"},
		{PRFHMACSHA2384.String(), "PRF_HMAC_SHA2_384"},
		{ESNNo.String(), "NO_EXT_SEQ"},
		{AuthSharedKeyMIC.String(), "pre-shared key"},
		{TSIPv6AddrRange.String(), "TS_IPV6_ADDR_RANGE"},
		{InternalIP4Subnet.String(), "INTERNAL_IP4_SUBNET"},
		{CFGReply.String(), "CFG_REPLY"},
		{IDFQDN.String(), "ID_FQDN"},
		{ProtocolESP.String(), "ESP"},
		{TransformDH.String(), "DIFFIE_HELLMAN_GROUP"},
		{AttrKeyLength.String(), "KEY_LENGTH"},
		{CertX509Signature.String(), "ENC_X509_SIGNATURE"},
		{(&Transform{Type: 9, ID: 3}).String(), "(9):3"},
		{(Flags(0)).String(), ""},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
	if !InvalidSyntax.IsError() || InitialContact.IsError() {
		t.Error("IsError")
	}
}
