package wire

import (
	"os"
	"testing"
)

// benchMessage is strongSwan's IKE_SA_INIT request with two MODP-2048
// proposals (SA, KE, No, five N).
func benchMessage(b *testing.B) []byte {
	msg, err := os.ReadFile("testdata/strongswan/05_ike_sa_init_req.bin")
	if err != nil {
		b.Fatal(err)
	}
	return msg
}

func BenchmarkDecodeIKESAInit(b *testing.B) {
	msg := benchMessage(b)
	b.SetBytes(int64(len(msg)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Decode(msg); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEncodeIKESAInit(b *testing.B) {
	m, err := Decode(benchMessage(b))
	if err != nil {
		b.Fatal(err)
	}
	buf := make([]byte, 0, 1500)
	b.SetBytes(int64(m.Header.Length))
	b.ReportAllocs()
	for b.Loop() {
		if buf, err = m.Append(buf[:0]); err != nil {
			b.Fatal(err)
		}
	}
}
