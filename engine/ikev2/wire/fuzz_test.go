package wire

import (
	"bytes"
	"encoding/binary"
	"testing"
)

// Every fuzz target holds one property: decoding never panics, and what
// decodes re-encodes to exactly the same octets.

// seedMessages are the strongSwan captures and the hand-built examples.
func seedMessages(f *testing.F) [][]byte {
	var seeds [][]byte
	for _, b := range captures(f) {
		seeds = append(seeds, b)
	}
	for _, b := range exampleMessages(f) {
		seeds = append(seeds, b)
	}
	return seeds
}

func FuzzDecodeMessage(f *testing.F) {
	for _, b := range seedMessages(f) {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		checkMessage(t, b)
		// Most mutations break the header's length field first; try each
		// input once more with it fixed so that the payload decoders are
		// reached as often as the header check.
		if len(b) >= HeaderLen {
			c := bytes.Clone(b)
			binary.BigEndian.PutUint32(c[24:], uint32(len(c)))
			checkMessage(t, c)
		}
	})
}

// checkMessage holds the property for one datagram, and also exercises
// Check and EncryptedSpan on what decodes.
func checkMessage(t *testing.T, b []byte) {
	m, err := Decode(b)
	if err != nil {
		return
	}
	_ = Check(m)
	if sk := m.Encrypted(); sk != nil {
		if aad, body, err := EncryptedSpan(b); err != nil || len(aad)+len(body) != len(b) {
			t.Fatalf("EncryptedSpan: %d+%d of %d, %v", len(aad), len(body), len(b), err)
		}
	}
	out, err := m.Append(nil)
	if err != nil {
		t.Fatalf("decoded message does not encode: %v", err)
	}
	if !bytes.Equal(out, b) {
		t.Fatalf("re-encoding differs:\n in %x\nout %x", b, out)
	}
}

func FuzzDecodeHeader(f *testing.F) {
	for _, b := range seedMessages(f) {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		h, err := DecodeHeader(b)
		if err != nil {
			return
		}
		if out := h.Append(nil); !bytes.Equal(out, b[:HeaderLen]) {
			t.Fatalf("re-encoding differs:\n in %x\nout %x", b[:HeaderLen], out)
		}
	})
}

func FuzzDecodePayloads(f *testing.F) {
	for _, ps := range [][]Payload{allPayloads(), exampleIKEAuthInner(), exampleInformationalInner(), exampleIKESAInit().Payloads} {
		b, err := AppendPayloads(nil, ps)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(byte(ps[0].Type()), b)
	}
	f.Fuzz(func(t *testing.T, first byte, b []byte) {
		ps, err := DecodePayloads(PayloadType(first), b)
		if err != nil {
			return
		}
		for _, ex := range []ExchangeType{IKEAuth, CreateChildSA, Informational} {
			_ = CheckInner(&Header{SPIi: 1, Exchange: ex}, ps)
		}
		out, err := AppendPayloads(nil, ps)
		if err != nil {
			t.Fatalf("decoded payloads do not encode: %v", err)
		}
		if !bytes.Equal(out, b) {
			t.Fatalf("re-encoding differs:\n in %x\nout %x", b, out)
		}
	})
}

// bodySeeds returns the bodies of the payloads of type pt found in the
// examples and the captures.
func bodySeeds(f *testing.F, pt PayloadType) [][]byte {
	ps := allPayloads()
	ps = append(ps, exampleFragment().Payloads...)
	for _, b := range captures(f) {
		if m, err := Decode(b); err == nil {
			ps = append(ps, m.Payloads...)
		}
	}
	var seeds [][]byte
	for _, p := range ps {
		if p.Type() == pt {
			b, err := p.appendBody(nil)
			if err != nil {
				f.Fatal(err)
			}
			seeds = append(seeds, b)
		}
	}
	return seeds
}

// fuzzBody fuzzes the body decoder of one payload type.
func fuzzBody(f *testing.F, pt PayloadType) {
	for _, b := range bodySeeds(f, pt) {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, body []byte) { checkBody(t, pt, body) })
}

func checkBody(t *testing.T, pt PayloadType, body []byte) {
	p, err := decodeBody(pt, Generic{}, 0, body)
	if err != nil {
		return
	}
	out, err := p.appendBody(nil)
	if err != nil {
		t.Fatalf("decoded %v body does not encode: %v", pt, err)
	}
	if !bytes.Equal(out, body) {
		t.Fatalf("%v: re-encoding differs:\n in %x\nout %x", pt, body, out)
	}
}

// FuzzDecodeBody covers every payload decoder at once, the simple ones (KE,
// ID, CERT, CERTREQ, AUTH, Nonce, V, EAP, SK) included.
func FuzzDecodeBody(f *testing.F) {
	for _, p := range allPayloads() {
		b, err := p.appendBody(nil)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(byte(p.Type()), b)
	}
	f.Fuzz(func(t *testing.T, pt byte, body []byte) { checkBody(t, PayloadType(pt), body) })
}

func FuzzDecodeSA(f *testing.F)     { fuzzBody(f, PayloadSA) }
func FuzzDecodeTS(f *testing.F)     { fuzzBody(f, PayloadTSi) }
func FuzzDecodeCP(f *testing.F)     { fuzzBody(f, PayloadCP) }
func FuzzDecodeNotify(f *testing.F) { fuzzBody(f, PayloadN) }
func FuzzDecodeDelete(f *testing.F) { fuzzBody(f, PayloadD) }
func FuzzDecodeSKF(f *testing.F)    { fuzzBody(f, PayloadSKF) }
