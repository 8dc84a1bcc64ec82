package xfrm

import (
	"bytes"
	"testing"

	"github.com/flexvpnd/flexvpnd/engine/dataplane"
	"github.com/vishvananda/netlink"
)

func TestAlgorithms(t *testing.T) {
	k := func(n int) []byte { return bytes.Repeat([]byte{0xab}, n) }
	tests := []struct {
		name      string
		alg       dataplane.Algorithms
		dir       dataplane.Direction
		aead      *netlink.XfrmStateAlgo
		crypt     *netlink.XfrmStateAlgo
		auth      *netlink.XfrmStateAlgo
		wantError bool
	}{
		{name: "gcm16-128", alg: dataplane.Algorithms{Encr: encrAESGCM16, EncrKeyBits: 128},
			dir:  dataplane.Direction{EncrKey: k(20)},
			aead: &netlink.XfrmStateAlgo{Name: "rfc4106(gcm(aes))", Key: k(20), ICVLen: 128}},
		{name: "gcm8-256", alg: dataplane.Algorithms{Encr: encrAESGCM8, EncrKeyBits: 256},
			dir:  dataplane.Direction{EncrKey: k(36)},
			aead: &netlink.XfrmStateAlgo{Name: "rfc4106(gcm(aes))", Key: k(36), ICVLen: 64}},
		{name: "chacha20poly1305", alg: dataplane.Algorithms{Encr: encrChaCha20Poly1305},
			dir:  dataplane.Direction{EncrKey: k(36)},
			aead: &netlink.XfrmStateAlgo{Name: "rfc7539esp(chacha20,poly1305)", Key: k(36), ICVLen: 128}},
		{name: "cbc-sha256", alg: dataplane.Algorithms{Encr: encrAESCBC, EncrKeyBits: 256, Integ: integHMACSHA2_256_128},
			dir:   dataplane.Direction{EncrKey: k(32), IntegKey: k(32)},
			crypt: &netlink.XfrmStateAlgo{Name: "cbc(aes)", Key: k(32)},
			auth:  &netlink.XfrmStateAlgo{Name: "hmac(sha256)", Key: k(32), TruncateLen: 128}},
		{name: "cbc-sha1", alg: dataplane.Algorithms{Encr: encrAESCBC, EncrKeyBits: 128, Integ: integHMACSHA1_96},
			dir:   dataplane.Direction{EncrKey: k(16), IntegKey: k(20)},
			crypt: &netlink.XfrmStateAlgo{Name: "cbc(aes)", Key: k(16)},
			auth:  &netlink.XfrmStateAlgo{Name: "hmac(sha1)", Key: k(20), TruncateLen: 96}},
		{name: "gcm key without salt", alg: dataplane.Algorithms{Encr: encrAESGCM16, EncrKeyBits: 128},
			dir: dataplane.Direction{EncrKey: k(16)}, wantError: true},
		{name: "gcm odd key bits", alg: dataplane.Algorithms{Encr: encrAESGCM16, EncrKeyBits: 160},
			dir: dataplane.Direction{EncrKey: k(24)}, wantError: true},
		{name: "gcm with integrity", alg: dataplane.Algorithms{Encr: encrAESGCM16, EncrKeyBits: 128, Integ: integHMACSHA2_256_128},
			dir: dataplane.Direction{EncrKey: k(20), IntegKey: k(32)}, wantError: true},
		{name: "cbc short integrity key", alg: dataplane.Algorithms{Encr: encrAESCBC, EncrKeyBits: 128, Integ: integHMACSHA2_256_128},
			dir: dataplane.Direction{EncrKey: k(16), IntegKey: k(20)}, wantError: true},
		{name: "cbc without integrity", alg: dataplane.Algorithms{Encr: encrAESCBC, EncrKeyBits: 128},
			dir: dataplane.Direction{EncrKey: k(16)}, wantError: true},
		{name: "3des", alg: dataplane.Algorithms{Encr: 3, EncrKeyBits: 192, Integ: integHMACSHA1_96},
			dir: dataplane.Direction{EncrKey: k(24), IntegKey: k(20)}, wantError: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			aead, crypt, auth, err := algorithms(tt.alg, tt.dir)
			if (err != nil) != tt.wantError {
				t.Fatalf("algorithms() error = %v, want error %v", err, tt.wantError)
			}
			for _, c := range []struct {
				what      string
				got, want *netlink.XfrmStateAlgo
			}{{"aead", aead, tt.aead}, {"crypt", crypt, tt.crypt}, {"auth", auth, tt.auth}} {
				if !sameAlgo(c.got, c.want) {
					t.Errorf("%s = %v, want %v", c.what, c.got, c.want)
				}
			}
		})
	}
}
