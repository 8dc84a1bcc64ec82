package ikecrypto_test

import (
	"bytes"
	"fmt"
	"math/rand/v2"

	ikecrypto "github.com/flexvpnd/flexvpnd/engine/ikev2/crypto"
)

// Example walks through the keys of one IKE SA: the IKE_SA_INIT key
// exchange, the SK_* derivation, the first CHILD SA, and one protected
// message from initiator to responder.
func Example() {
	rng := rand.NewChaCha8([32]byte{1}) // scripted randomness; use crypto/rand.Reader in production
	suite := ikecrypto.Suite{
		Encr: ikecrypto.Encr{ID: ikecrypto.EncrAESGCM16, KeyBits: 256},
		PRF:  ikecrypto.PRFHMACSHA2256,
	}
	group, _ := ikecrypto.LookupGroup(ikecrypto.GroupECP256)
	ki, _ := group.GenerateKey(rng) // initiator's KE payload: ki.Public()
	kr, _ := group.GenerateKey(rng) // responder's
	ni, nr := make([]byte, 32), make([]byte, 32)
	rng.Read(ni)
	rng.Read(nr)
	spii, spir := ikecrypto.SPI{1, 2, 3, 4, 5, 6, 7, 8}, ikecrypto.SPI{8, 7, 6, 5, 4, 3, 2, 1}

	gir, _ := ki.SharedSecret(kr.Public())
	prf, _ := ikecrypto.NewPRF(suite.PRF)
	keys, _ := ikecrypto.DeriveIKEKeys(suite, ikecrypto.SKEYSEED(prf, ni, nr, gir), ni, nr, spii, spir)
	fmt.Println("SK_d", len(keys.SKd), "SK_ei", len(keys.SKei), "SK_ai", len(keys.SKai))

	child, _ := ikecrypto.DeriveChildKeys(prf, keys.SKd, suite.Encr, ikecrypto.IntegNone, nil, ni, nr)
	fmt.Println("ESP key i->r", len(child.InitiatorToResponder.Encr))

	out, _, _ := ikecrypto.NewSKCiphers(suite, keys, true, rng)
	_, in, _ := ikecrypto.NewSKCiphers(suite, keys, false, rng)
	inner := []byte("IDi | AUTH | SAi2 | TSi | TSr")
	ad := make([]byte, 28+4) // the IKE header and SK payload header, lengths set from BodyLen
	body, _ := out.Seal(ad, inner)
	got, err := in.Open(ad, body)
	fmt.Println(len(body) == out.BodyLen(len(inner)), bytes.Equal(got, inner), err)
	// Output:
	// SK_d 32 SK_ei 36 SK_ai 0
	// ESP key i->r 36
	// true true <nil>
}
