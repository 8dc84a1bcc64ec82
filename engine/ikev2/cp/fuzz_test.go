package cp

import (
	"encoding/binary"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/flexvpnd/flexvpnd/engine/ikev2/wire"
)

// FuzzDecode feeds arbitrary attribute lists (type, length, value triples
// as in the CP payload body) to Decode. Property: no panic, and what
// decodes re-encodes and decodes to the same Attributes.
func FuzzDecode(f *testing.F) {
	for _, tc := range attrCases {
		enc, err := tc.attrs.Encode()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(rawAttrs(enc))
	}
	req, _ := Request(FlexVPNRequest()...).Encode()
	f.Add(rawAttrs(req))
	f.Fuzz(func(t *testing.T, b []byte) {
		var attrs []wire.CfgAttribute
		for len(b) >= 4 {
			typ := wire.CfgAttrType(binary.BigEndian.Uint16(b) & 0x7FFF)
			n := min(int(binary.BigEndian.Uint16(b[2:])), len(b)-4)
			attrs = append(attrs, wire.CfgAttribute{Type: typ, Value: b[4 : 4+n]})
			b = b[4+n:]
		}
		a, err := Decode(attrs)
		if err != nil {
			return
		}
		enc, err := a.Encode()
		if err != nil {
			t.Fatalf("decoded %+v does not encode: %v", a, err)
		}
		again, err := Decode(enc)
		if err != nil {
			t.Fatalf("re-encoded attributes do not decode: %v", err)
		}
		if diff := cmp.Diff(a, again, cmpAttrs); diff != "" {
			t.Fatalf("decode/encode/decode differs (-first +second):\n%s", diff)
		}
	})
}

// rawAttrs lays attributes out as in a CP payload body after its header.
func rawAttrs(attrs []wire.CfgAttribute) []byte {
	var b []byte
	for _, a := range attrs {
		b = binary.BigEndian.AppendUint16(b, uint16(a.Type))
		b = binary.BigEndian.AppendUint16(b, uint16(len(a.Value)))
		b = append(b, a.Value...)
	}
	return b
}
