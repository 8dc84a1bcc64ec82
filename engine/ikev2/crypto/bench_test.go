package ikecrypto

import (
	"testing"
)

// BenchmarkIKEKeySchedule measures SKEYSEED and the SK_* derivation for
// AES-GCM-256 with PRF-HMAC-SHA2-256 and 32-octet nonces and a group 19
// shared secret.
func BenchmarkIKEKeySchedule(b *testing.B) {
	s := Suite{Encr{EncrAESGCM16, 256}, IntegNone, PRFHMACSHA2256}
	p, _ := NewPRF(s.PRF)
	ni, nr, gir := make([]byte, 32), make([]byte, 32), make([]byte, 32)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := DeriveIKEKeys(s, SKEYSEED(p, ni, nr, gir), ni, nr, SPI{1}, SPI{2}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkKeyExchange(b *testing.B) {
	for _, c := range []struct {
		name string
		id   GroupID
	}{{"group19", GroupECP256}, {"group31", GroupCurve25519}, {"group14", GroupMODP2048}} {
		g, _ := LookupGroup(c.id)
		peer, _ := g.GenerateKey(seeded(9))
		rng := seeded(1)
		b.Run(c.name+"/generate", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				k, err := g.GenerateKey(rng)
				if err != nil {
					b.Fatal(err)
				}
				_ = k.Public()
			}
		})
		k, _ := g.GenerateKey(rng)
		b.Run(c.name+"/shared", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := k.SharedSecret(peer.Public()); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkSK seals and opens 200 octets with the expanded cipher kept
// (an IKE SA negotiating) and, under "compact", built per message (an
// established IKE SA after SKCipher.Compact).
func BenchmarkSK(b *testing.B) {
	ad, pt := make([]byte, 32), make([]byte, 200)
	for _, c := range []struct {
		name  string
		encr  Encr
		integ IntegID
	}{
		{"aes-gcm-256", Encr{EncrAESGCM16, 256}, IntegNone},
		{"aes-cbc-256-sha256", Encr{EncrAESCBC, 256}, IntegHMACSHA2256128},
		{"chacha20poly1305", Encr{EncrChaCha20Poly1305, 0}, IntegNone},
	} {
		for _, compact := range []bool{false, true} {
			name := c.name
			s, r := newSKPair(b, c.encr, c.integ, 1)
			if compact {
				name += "/compact"
				s.Compact()
				r.Compact()
			}
			body, _ := s.Seal(ad, pt)
			b.Run(name+"/seal", func(b *testing.B) {
				b.ReportAllocs()
				b.SetBytes(int64(len(pt)))
				for b.Loop() {
					if _, err := s.Seal(ad, pt); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run(name+"/open", func(b *testing.B) {
				b.ReportAllocs()
				b.SetBytes(int64(len(pt)))
				for b.Loop() {
					if _, err := r.Open(ad, body); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
