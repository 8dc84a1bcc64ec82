package ikecrypto

import (
	"bytes"
	"errors"
	"testing"
)

// FuzzSKOpen feeds arbitrary bodies to every SK cipher: Open must never
// panic, must fail with ErrIntegrity or ErrMalformed, and bodies that Seal
// produced must open to their plaintext.
func FuzzSKOpen(f *testing.F) {
	f.Add(uint8(0), []byte{}, []byte("ad"))
	f.Add(uint8(6), make([]byte, 41), []byte{})
	f.Add(uint8(2), make([]byte, 64), []byte("header"))
	var senders, receivers []*SKCipher
	for i, c := range skSuites {
		s, r := newSKPair(f, c.encr, c.integ, uint64(i))
		senders, receivers = append(senders, s), append(receivers, r)
		body, _ := s.Seal([]byte("ad"), []byte("inner payloads"))
		f.Add(uint8(i), body, []byte("ad"))
	}
	f.Fuzz(func(t *testing.T, suite uint8, body, ad []byte) {
		i := int(suite) % len(skSuites)
		if _, err := receivers[i].Open(ad, body); err != nil && !errors.Is(err, ErrIntegrity) && !errors.Is(err, ErrMalformed) {
			t.Fatalf("untyped error %v", err)
		}
		sealed, err := senders[i].Seal(ad, body)
		if err != nil {
			t.Fatal(err)
		}
		got, err := receivers[i].Open(ad, sealed)
		if err != nil || !bytes.Equal(got, body) {
			t.Fatalf("round trip: %x, %v", got, err)
		}
	})
}

// FuzzSharedSecret feeds arbitrary peer values to each group: no panic, and
// any failure wraps ErrInvalidPublic.
func FuzzSharedSecret(f *testing.F) {
	ids := []GroupID{GroupMODP2048, GroupECP256, GroupECP384, GroupECP521, GroupCurve25519}
	keys := make([]*PrivateKey, len(ids))
	for i, id := range ids {
		g, _ := LookupGroup(id)
		keys[i], _ = g.GenerateKey(seeded(uint64(i)))
		f.Add(uint8(i), keys[i].Public())
	}
	f.Fuzz(func(t *testing.T, group uint8, peer []byte) {
		k := keys[int(group)%len(keys)]
		if _, err := k.SharedSecret(peer); err != nil && !errors.Is(err, ErrInvalidPublic) {
			t.Fatalf("untyped error %v", err)
		}
	})
}
