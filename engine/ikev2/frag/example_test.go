package frag_test

import (
	"bytes"
	"crypto/rand"
	"fmt"
	"time"

	ikecrypto "github.com/flexvpnd/flexvpnd/engine/ikev2/crypto"
	"github.com/flexvpnd/flexvpnd/engine/ikev2/frag"
	"github.com/flexvpnd/flexvpnd/engine/ikev2/wire"
)

// A sender fragments the inner payloads of an IKE_AUTH request for a 576
// octet IPv4 path on port 4500; the receiver authenticates each fragment
// with its SK cipher and gets the inner payloads back.
func Example() {
	key := make([]byte, 36) // AES-GCM-256 key and salt, shared for the example
	rand.Read(key)
	gcm := ikecrypto.Encr{ID: ikecrypto.EncrAESGCM16, KeyBits: 256}
	out, _ := ikecrypto.NewSKCipher(gcm, ikecrypto.IntegNone, key, nil, rand.Reader)
	in, _ := ikecrypto.NewSKCipher(gcm, ikecrypto.IntegNone, key, nil, rand.Reader)

	inner, _ := wire.AppendPayloads(nil, []wire.Payload{&wire.VendorID{Data: bytes.Repeat([]byte{7}, 1500)}})
	hdr := wire.Header{SPIi: 1, SPIr: 2, Version: wire.Version, Exchange: wire.IKEAuth, Flags: wire.FlagInitiator, MessageID: 1}
	frags, err := frag.Fragment(hdr, wire.PayloadV, inner, frag.MaxMessage(frag.DefaultIPv4MTU, false, true), out)
	if err != nil {
		panic(err)
	}

	r := frag.NewReassembler(frag.DefaultLimits(), frag.NewBudget(1<<20))
	defer r.Close()
	for _, raw := range frags {
		m, err := wire.Decode(raw)
		if err != nil {
			panic(err)
		}
		msg, err := r.Add(time.Now(), m, raw, in.Open)
		if err != nil {
			panic(err)
		}
		if msg != nil {
			ps, _ := wire.DecodePayloads(msg.First, msg.Inner)
			fmt.Printf("%d fragments, %d inner payload(s), %d octets\n", len(frags), len(ps), len(msg.Inner))
		}
	}
	// Output: 4 fragments, 1 inner payload(s), 1504 octets
}
