package ikecrypto

import (
	"bytes"
	"errors"
	"testing"
)

func TestNewPRF(t *testing.T) {
	for _, c := range []struct {
		id     PRFID
		size   int
		legacy bool
	}{
		{PRFHMACMD5, 16, true}, {PRFHMACSHA1, 20, false}, {PRFHMACSHA2256, 32, false},
		{PRFHMACSHA2384, 48, false}, {PRFHMACSHA2512, 64, false},
	} {
		p, err := NewPRF(c.id)
		if err != nil {
			t.Fatal(err)
		}
		if p.ID() != c.id || p.Size() != c.size || c.id.Legacy() != c.legacy {
			t.Errorf("PRF %d: id %d size %d legacy %v", c.id, p.ID(), p.Size(), c.id.Legacy())
		}
	}
	for _, id := range []PRFID{0, 3, PRFAES128XCBC, PRFAES128CMAC, 9} {
		if _, err := NewPRF(id); !errors.Is(err, ErrUnsupported) {
			t.Errorf("NewPRF(%d) = %v, want ErrUnsupported", id, err)
		}
	}
}

// TestPRFPlus checks the prf+ construction of RFC 7296 section 2.13 block by
// block, and its 255-block limit.
func TestPRFPlus(t *testing.T) {
	p, _ := NewPRF(PRFHMACSHA2256)
	key, s1, s2 := []byte("key"), []byte("seed-"), []byte("parts")
	seed := append(bytes.Clone(s1), s2...)
	t1 := p.Compute(key, seed, []byte{1})
	t2 := p.Compute(key, t1, seed, []byte{2})
	t3 := p.Compute(key, t2, seed, []byte{3})
	want := bytes.Join([][]byte{t1, t2, t3}, nil)
	for _, n := range []int{0, 1, 32, 33, 64, 70, 96} {
		got, err := p.Plus(key, n, s1, s2)
		if err != nil || !bytes.Equal(got, want[:n]) {
			t.Errorf("Plus(%d) = %x, %v; want %x", n, got, err, want[:n])
		}
	}
	if got, err := p.Plus(key, 255*32); err != nil || len(got) != 255*32 {
		t.Errorf("Plus(255 blocks) = %d octets, %v", len(got), err)
	}
	for _, n := range []int{255*32 + 1, -1} {
		if _, err := p.Plus(key, n); !errors.Is(err, ErrPRFPlusTooLong) {
			t.Errorf("Plus(%d) = %v, want ErrPRFPlusTooLong", n, err)
		}
	}
}

func TestDeriveIKEKeysLengths(t *testing.T) {
	for _, c := range []struct {
		suite   Suite
		d, a, e int
	}{
		{Suite{Encr{EncrAESCBC, 256}, IntegHMACSHA2256128, PRFHMACSHA2256}, 32, 32, 32},
		{Suite{Encr{EncrAESCBC, 128}, IntegHMACSHA196, PRFHMACSHA1}, 20, 20, 16},
		{Suite{Encr{EncrAESGCM16, 256}, IntegNone, PRFHMACSHA2384}, 48, 0, 36},
		{Suite{Encr{EncrAESGCM16, 128}, IntegNone, PRFHMACSHA2512}, 64, 0, 20},
		{Suite{Encr{EncrChaCha20Poly1305, 0}, IntegNone, PRFHMACSHA2256}, 32, 0, 36},
		{Suite{Encr{EncrAESCBC, 192}, IntegHMACSHA2512256, PRFHMACSHA2512}, 64, 64, 24},
	} {
		k, err := DeriveIKEKeys(c.suite, []byte("seed"), []byte("ni"), []byte("nr"), SPI{1}, SPI{2})
		if err != nil {
			t.Fatal(err)
		}
		got := [7]int{len(k.SKd), len(k.SKai), len(k.SKar), len(k.SKei), len(k.SKer), len(k.SKpi), len(k.SKpr)}
		if want := [7]int{c.d, c.a, c.a, c.e, c.e, c.d, c.d}; got != want {
			t.Errorf("%+v: lengths %v, want %v", c.suite, got, want)
		}
		// The keys are consecutive slices of one prf+ stream.
		p, _ := NewPRF(c.suite.PRF)
		all := bytes.Join([][]byte{k.SKd, k.SKai, k.SKar, k.SKei, k.SKer, k.SKpi, k.SKpr}, nil)
		want, _ := p.Plus([]byte("seed"), len(all), []byte("ni"), []byte("nr"), []byte{1, 0, 0, 0, 0, 0, 0, 0}, []byte{2, 0, 0, 0, 0, 0, 0, 0})
		if !bytes.Equal(all, want) {
			t.Errorf("%+v: keys are not prf+(SKEYSEED, Ni|Nr|SPIi|SPIr)", c.suite)
		}
	}
	for _, s := range []Suite{
		{Encr{EncrAESCBC, 256}, IntegHMACSHA2256128, PRFAES128XCBC},
		{Encr{EncrAESCBC, 256}, IntegNone, PRFHMACSHA2256},
		{Encr{EncrAESGCM16, 256}, IntegHMACSHA196, PRFHMACSHA2256},
		{Encr{EncrAESGCM16, 64}, IntegNone, PRFHMACSHA2256},
	} {
		if _, err := DeriveIKEKeys(s, []byte("seed"), nil, nil, SPI{}, SPI{}); !errors.Is(err, ErrUnsupported) {
			t.Errorf("%+v: %v, want ErrUnsupported", s, err)
		}
	}
}

// TestDeriveChildKeysOrder checks the KEYMAT split of RFC 7296 section
// 2.17: initiator-to-responder encryption then integrity key, then the
// responder-to-initiator keys.
func TestDeriveChildKeysOrder(t *testing.T) {
	p, _ := NewPRF(PRFHMACSHA2256)
	skd, gir, ni, nr := []byte("SK_d"), []byte("g^ir"), []byte("Ni"), []byte("Nr")
	for _, c := range []struct {
		name string
		gir  []byte
	}{{"without PFS", nil}, {"with PFS", gir}} {
		k, err := DeriveChildKeys(p, skd, Encr{EncrAESCBC, 256}, IntegHMACSHA2256128, c.gir, ni, nr)
		if err != nil {
			t.Fatal(err)
		}
		km, _ := p.Plus(skd, 128, c.gir, ni, nr)
		want := ChildKeys{ESPKeys{km[:32], km[32:64]}, ESPKeys{km[64:96], km[96:128]}}
		for _, pair := range [][2][]byte{
			{k.InitiatorToResponder.Encr, want.InitiatorToResponder.Encr},
			{k.InitiatorToResponder.Integ, want.InitiatorToResponder.Integ},
			{k.ResponderToInitiator.Encr, want.ResponderToInitiator.Encr},
			{k.ResponderToInitiator.Integ, want.ResponderToInitiator.Integ},
		} {
			if !bytes.Equal(pair[0], pair[1]) {
				t.Errorf("%s: key %x, want %x", c.name, pair[0], pair[1])
			}
		}
	}
	if _, err := DeriveChildKeys(p, skd, Encr{EncrChaCha20Poly1305, 0}, IntegHMACSHA196, nil, ni, nr); !errors.Is(err, ErrUnsupported) {
		t.Errorf("ChaCha20 with INTEG: %v, want ErrUnsupported", err)
	}
}

// TestPSKAuth checks the AUTH computation of RFC 7296 section 2.15 against
// its definition spelt out step by step.
func TestPSKAuth(t *testing.T) {
	p, _ := NewPRF(PRFHMACSHA2256)
	msg1, nr, skpi := []byte("IKE_SA_INIT request octets"), []byte("responder nonce"), []byte("SK_pi")
	idBody := []byte{1, 0, 0, 0, 192, 0, 2, 1} // ID_IPV4_ADDR 192.0.2.1
	signed := SignedOctets(p, msg1, nr, skpi, idBody)
	wantSigned := bytes.Join([][]byte{msg1, nr, p.Compute(skpi, idBody)}, nil)
	if !bytes.Equal(signed, wantSigned) {
		t.Fatalf("SignedOctets = %x, want %x", signed, wantSigned)
	}
	psk := []byte("cisco123")
	auth := PSKAuth(p, psk, signed)
	want := p.Compute(p.Compute(psk, []byte("Key Pad for IKEv2")), signed)
	if !bytes.Equal(auth, want) {
		t.Fatalf("PSKAuth = %x, want %x", auth, want)
	}
	if !VerifyPSKAuth(p, psk, signed, auth) {
		t.Error("VerifyPSKAuth rejects the right AUTH")
	}
	for _, c := range []struct {
		name      string
		psk, auth []byte
	}{
		{"wrong key", []byte("cisco124"), auth},
		{"truncated", psk, auth[:31]},
		{"empty", psk, nil},
		{"flipped", psk, append(bytes.Clone(auth[:31]), auth[31]^1)},
	} {
		if VerifyPSKAuth(p, c.psk, signed, c.auth) {
			t.Errorf("%s: VerifyPSKAuth accepts", c.name)
		}
	}
}

// TestRetained checks that Retained copies SK_d and the SK_a and SK_e keys,
// for suites with and without integrity keys, and leaves SK_pi and SK_pr.
func TestRetained(t *testing.T) {
	for _, s := range []Suite{
		{Encr{EncrAESGCM16, 256}, IntegNone, PRFHMACSHA2256},
		{Encr{EncrAESCBC, 128}, IntegHMACSHA2256128, PRFHMACSHA2384},
	} {
		k, err := DeriveIKEKeys(s, []byte("skeyseed"), []byte("ni"), []byte("nr"), SPI{1}, SPI{2})
		if err != nil {
			t.Fatal(err)
		}
		r := k.Retained()
		for _, c := range []struct {
			name      string
			got, want []byte
		}{{"SK_d", r.SKd, k.SKd}, {"SK_ai", r.SKai, k.SKai}, {"SK_ar", r.SKar, k.SKar}, {"SK_ei", r.SKei, k.SKei}, {"SK_er", r.SKer, k.SKer}} {
			if !bytes.Equal(c.got, c.want) || cap(c.got) != len(c.got) {
				t.Errorf("%v: %s = %x (cap %d), want %x", s, c.name, c.got, cap(c.got), c.want)
			}
			if len(c.got) > 0 && &c.got[0] == &c.want[0] {
				t.Errorf("%v: %s shares the keying material", s, c.name)
			}
		}
		if r.SKpi != nil || r.SKpr != nil {
			t.Errorf("%v: SK_pi and SK_pr retained", s)
		}
	}
}
