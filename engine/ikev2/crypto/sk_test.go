package ikecrypto

import (
	"bytes"
	"crypto/cipher"
	"errors"
	"fmt"
	"testing"
)

// skSuites are the ENCR/INTEG pairs of the Encrypted payload.
var skSuites = []struct {
	encr  Encr
	integ IntegID
}{
	{Encr{EncrAESCBC, 128}, IntegHMACSHA196},
	{Encr{EncrAESCBC, 192}, IntegHMACSHA2256128},
	{Encr{EncrAESCBC, 256}, IntegHMACSHA2256128},
	{Encr{EncrAESCBC, 256}, IntegHMACSHA2384192},
	{Encr{EncrAESCBC, 256}, IntegHMACSHA2512256},
	{Encr{EncrAESCBC, 128}, IntegHMACMD596},
	{Encr{EncrAESGCM16, 128}, IntegNone},
	{Encr{EncrAESGCM16, 256}, IntegNone},
	{Encr{EncrChaCha20Poly1305, 0}, IntegNone},
}

// newSKPair returns a sender and a receiver sharing keys drawn from seed.
func newSKPair(t testing.TB, encr Encr, integ IntegID, seed uint64) (*SKCipher, *SKCipher) {
	t.Helper()
	rng := seeded(seed)
	el, _ := encr.KeyLen()
	il, _ := integ.KeyLen()
	ek, ik := make([]byte, el), make([]byte, il)
	rng.Read(ek)
	rng.Read(ik)
	s, err := NewSKCipher(encr, integ, ek, ik, rng)
	if err != nil {
		t.Fatal(err)
	}
	r, err := NewSKCipher(encr, integ, ek, ik, nil)
	if err != nil {
		t.Fatal(err)
	}
	return s, r
}

// TestSKRoundTrip seals and opens with the expanded cipher kept and, after
// Compact, built per message: the results are the same and a compact
// SKCipher keeps nothing expanded.
func TestSKRoundTrip(t *testing.T) {
	ad := bytes.Repeat([]byte{0xad}, 28+4) // IKE header + SK payload header
	for _, c := range skSuites {
		for _, compact := range []bool{false, true} {
			t.Run(fmt.Sprintf("%d-%d-%d-compact=%v", c.encr.ID, c.encr.KeyBits, c.integ, compact), func(t *testing.T) {
				s, r := newSKPair(t, c.encr, c.integ, 7)
				if compact {
					s.Compact()
					r.Compact()
				}
				roundTrips(t, s, r, ad)
				if compact && (s.exp != nil || r.exp != nil) {
					t.Error("compact SKCipher kept its expanded cipher")
				}
			})
		}
	}
}

// roundTrips checks that r opens what s seals, for several lengths, and
// detects every single-bit change.
func roundTrips(t *testing.T, s, r *SKCipher, ad []byte) {
	t.Helper()
	for _, n := range []int{0, 1, 15, 16, 17, 200, 1000} {
		pt := bytes.Repeat([]byte{byte(n)}, n)
		body, err := s.Seal(ad, pt)
		if err != nil {
			t.Fatal(err)
		}
		if len(body) != s.BodyLen(n) {
			t.Errorf("n=%d: body %d octets, BodyLen says %d", n, len(body), s.BodyLen(n))
		}
		got, err := r.Open(ad, body)
		if err != nil || !bytes.Equal(got, pt) {
			t.Fatalf("n=%d: Open = %x, %v; want %x", n, got, err, pt)
		}
		// Every single-bit change of the AD or body is detected.
		for i := range len(ad) + len(body) {
			a, b := bytes.Clone(ad), bytes.Clone(body)
			if i < len(a) {
				a[i] ^= 0x80
			} else {
				b[i-len(a)] ^= 0x80
			}
			if _, err := r.Open(a, b); !errors.Is(err, ErrIntegrity) {
				t.Fatalf("n=%d: flip of octet %d: %v, want ErrIntegrity", n, i, err)
			}
		}
	}
}

// TestSKIVs checks that no two messages share an IV: random for CBC,
// a counter for the combined-mode ciphers.
func TestSKIVs(t *testing.T) {
	for _, c := range skSuites {
		s, _ := newSKPair(t, c.encr, c.integ, 3)
		ivLen := 16
		if c.encr.AEAD() {
			ivLen = aeadIVLen
		}
		seen := map[string]bool{}
		for range 100 {
			body, err := s.Seal(nil, []byte("x"))
			if err != nil {
				t.Fatal(err)
			}
			iv := string(body[:ivLen])
			if seen[iv] {
				t.Fatalf("ENCR %d: IV %x repeated", c.encr.ID, iv)
			}
			seen[iv] = true
		}
	}
}

func TestSKCBCPadding(t *testing.T) {
	s, _ := newSKPair(t, Encr{EncrAESCBC, 128}, IntegHMACSHA2256128, 1)
	// 16 IV + 32 (20 octets, 11 padding, pad length) + 16 ICV.
	if got := s.BodyLen(20); got != 64 {
		t.Errorf("BodyLen(20) = %d, want 64", got)
	}
	// A plaintext filling whole blocks gets a full block of padding.
	if got := s.BodyLen(15); got != 16+16+16 {
		t.Errorf("BodyLen(15) = %d, want 48", got)
	}
	if got := s.BodyLen(16); got != 16+32+16 {
		t.Errorf("BodyLen(16) = %d, want 64", got)
	}
}

// TestSKMalformed feeds short, misaligned and badly padded bodies: none may
// panic, each fails with a typed error.
func TestSKMalformed(t *testing.T) {
	for _, c := range skSuites {
		s, r := newSKPair(t, c.encr, c.integ, 5)
		// The shortest body: an IV, one block (or octet) holding the Pad
		// Length, and the ICV.
		minLen := aeadIVLen + 1 + aeadICVLen
		if !c.encr.AEAD() {
			icvLen, _ := c.integ.ICVLen()
			minLen = 16 + 16 + icvLen
		}
		for n := range 80 {
			_, err := r.Open(nil, make([]byte, n))
			if n < minLen && !errors.Is(err, ErrMalformed) || !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrIntegrity) {
				t.Errorf("ENCR %d INTEG %d: Open(%d zero octets) = %v (shortest body %d)", c.encr.ID, c.integ, n, err, minLen)
			}
		}
		// Authenticated data whose Pad Length exceeds it.
		for _, data := range [][]byte{{1}, {0xff}, append(make([]byte, 15), 16)} {
			if c.encr.ID == EncrAESCBC && len(data)%16 != 0 {
				continue
			}
			if got, err := r.Open(nil, sealRaw(s, data)); !errors.Is(err, ErrMalformed) {
				t.Errorf("ENCR %d: Open(pad length %d over %d octets) = %x, %v; want ErrMalformed", c.encr.ID, data[len(data)-1], len(data), got, err)
			}
		}
	}
}

// sealRaw protects data as is, without adding padding or a Pad Length.
func sealRaw(c *SKCipher, data []byte) []byte {
	x, err := c.expand()
	if err != nil {
		panic(err)
	}
	if x.aead != nil {
		clear(x.nonce[saltLen:]) // the explicit IV is zero
		return x.aead.Seal(make([]byte, aeadIVLen), x.nonce[:], data, nil)
	}
	body := make([]byte, 16+len(data))
	cipher.NewCBCEncrypter(x.block, body[:16]).CryptBlocks(body[16:], data)
	x.mac.Write(body)
	return append(body, x.mac.Sum(nil)[:x.icvLen]...)
}

func TestNewSKCipherErrors(t *testing.T) {
	for _, c := range []struct {
		name       string
		encr       Encr
		integ      IntegID
		ekey, ikey int
	}{
		{"cbc without integ", Encr{EncrAESCBC, 128}, IntegNone, 16, 0},
		{"gcm with integ", Encr{EncrAESGCM16, 128}, IntegHMACSHA196, 20, 20},
		{"cbc bad key bits", Encr{EncrAESCBC, 100}, IntegHMACSHA196, 16, 20},
		{"chacha key bits 128", Encr{EncrChaCha20Poly1305, 128}, IntegNone, 36, 0},
		{"unknown encr", Encr{3, 128}, IntegHMACSHA196, 16, 20},
		{"unknown integ", Encr{EncrAESCBC, 128}, 5, 16, 16},
		{"short encr key", Encr{EncrAESCBC, 128}, IntegHMACSHA196, 15, 20},
		{"gcm key without salt", Encr{EncrAESGCM16, 128}, IntegNone, 16, 0},
		{"short integ key", Encr{EncrAESCBC, 128}, IntegHMACSHA196, 16, 16},
	} {
		if _, err := NewSKCipher(c.encr, c.integ, make([]byte, c.ekey), make([]byte, c.ikey), nil); err == nil {
			t.Errorf("%s: no error", c.name)
		}
	}
}

func TestNewSKCiphersDirections(t *testing.T) {
	s := Suite{Encr{EncrAESGCM16, 256}, IntegNone, PRFHMACSHA2256}
	k, err := DeriveIKEKeys(s, []byte("skeyseed"), []byte("ni"), []byte("nr"), SPI{1}, SPI{2})
	if err != nil {
		t.Fatal(err)
	}
	iOut, iIn, err := NewSKCiphers(s, k, true, seeded(1))
	if err != nil {
		t.Fatal(err)
	}
	rOut, rIn, err := NewSKCiphers(s, k, false, seeded(2))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name    string
		out, in *SKCipher
		wantOK  bool
	}{
		{"initiator to responder", iOut, rIn, true},
		{"responder to initiator", rOut, iIn, true},
		{"initiator to itself", iOut, iIn, false},
	} {
		body, _ := c.out.Seal(nil, []byte("payload"))
		_, err := c.in.Open(nil, body)
		if (err == nil) != c.wantOK {
			t.Errorf("%s: Open error %v", c.name, err)
		}
	}
}
