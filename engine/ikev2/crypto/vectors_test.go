package ikecrypto

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// vector is one record of a testdata file: the [title] and its Name = value
// lines.
type vector struct {
	title  string
	fields map[string]string
}

// readVectors parses testdata/name: records start with a [title] line,
// '#' lines are comments.
func readVectors(t *testing.T, name string) []vector {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	var out []vector
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "" || strings.HasPrefix(line, "#"):
		case strings.HasPrefix(line, "["):
			out = append(out, vector{strings.Trim(line, "[]"), map[string]string{}})
		default:
			k, v, ok := strings.Cut(line, " = ")
			if !ok || len(out) == 0 {
				t.Fatalf("%s: bad line %q", name, line)
			}
			out[len(out)-1].fields[k] = v
		}
	}
	if len(out) == 0 {
		t.Fatalf("%s: no vectors", name)
	}
	return out
}

func (v vector) has(k string) bool { _, ok := v.fields[k]; return ok }

func (v vector) hex(t *testing.T, k string) []byte {
	t.Helper()
	s, ok := v.fields[k]
	if !ok {
		t.Fatalf("%s: no field %s", v.title, k)
	}
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatalf("%s: field %s: %v", v.title, k, err)
	}
	return b
}

func (v vector) int(t *testing.T, k string) int {
	t.Helper()
	n, err := strconv.Atoi(v.fields[k])
	if err != nil {
		t.Fatalf("%s: field %s: %v", v.title, k, err)
	}
	return n
}

// kdfPRFs maps the PRF names of ikev2_kdf.txt to transform IDs.
var kdfPRFs = map[string]PRFID{
	"HMAC-SHA1":     PRFHMACSHA1,
	"HMAC-SHA2-256": PRFHMACSHA2256,
	"HMAC-SHA2-384": PRFHMACSHA2384,
	"HMAC-SHA2-512": PRFHMACSHA2512,
}

func TestKDFVectors(t *testing.T) {
	for i, v := range readVectors(t, "ikev2_kdf.txt") {
		t.Run(v.title+"/"+strconv.Itoa(i), func(t *testing.T) {
			p, err := NewPRF(kdfPRFs[v.title])
			if err != nil {
				t.Fatal(err)
			}
			ni, nr := v.hex(t, "Ni"), v.hex(t, "Nr")
			skeyseed := SKEYSEED(p, ni, nr, v.hex(t, "g^ir"))
			if want := v.hex(t, "SKEYSEED"); !bytes.Equal(skeyseed, want) {
				t.Fatalf("SKEYSEED = %x, want %x", skeyseed, want)
			}
			if !v.has("DKM") {
				return
			}
			want := v.hex(t, "DKM")
			dkm, err := p.Plus(skeyseed, len(want), ni, nr, v.hex(t, "SPIi"), v.hex(t, "SPIr"))
			if err != nil || !bytes.Equal(dkm, want) {
				t.Fatalf("DKM = %x, %v; want %x", dkm, err, want)
			}
			skd := dkm[:p.Size()]
			girNew := v.hex(t, "g^ir (new)")
			if got, want := RekeySKEYSEED(p, skd, girNew, ni, nr), v.hex(t, "SKEYSEED(Rekey)"); !bytes.Equal(got, want) {
				t.Errorf("SKEYSEED(Rekey) = %x, want %x", got, want)
			}
			for _, c := range []struct {
				field string
				gir   []byte
			}{{"DKM(Child SA)", nil}, {"DKM(Child SA D-H)", girNew}} {
				if !v.has(c.field) {
					continue
				}
				want := v.hex(t, c.field)
				got, err := p.Plus(skd, len(want), c.gir, ni, nr)
				if err != nil || !bytes.Equal(got, want) {
					t.Errorf("%s = %x, %v; want %x", c.field, got, err, want)
				}
			}
		})
	}
}

// TestKDFVectorsThroughKeySchedule checks that DeriveIKEKeys and
// DeriveChildKeys cut the CAVP keying material at the right places.
func TestKDFVectorsThroughKeySchedule(t *testing.T) {
	v := readVectors(t, "ikev2_kdf.txt")[1] // SHA-1 vector with child DKM
	p, _ := NewPRF(PRFHMACSHA1)
	ni, nr := v.hex(t, "Ni"), v.hex(t, "Nr")
	var spii, spir SPI
	copy(spii[:], v.hex(t, "SPIi"))
	copy(spir[:], v.hex(t, "SPIr"))
	dkm := v.hex(t, "DKM")
	// AES-CBC-128 + HMAC-SHA1-96 + PRF-HMAC-SHA1: 20+20+20+16+16+20+20 = 132.
	s := Suite{Encr{EncrAESCBC, 128}, IntegHMACSHA196, PRFHMACSHA1}
	k, err := DeriveIKEKeys(s, v.hex(t, "SKEYSEED"), ni, nr, spii, spir)
	if err != nil {
		t.Fatal(err)
	}
	got := bytes.Join([][]byte{k.SKd, k.SKai, k.SKar, k.SKei, k.SKer, k.SKpi, k.SKpr}, nil)
	if !bytes.Equal(got, dkm) {
		t.Fatalf("SK_* = %x, want DKM %x", got, dkm)
	}
	if len(k.SKei) != 16 || len(k.SKai) != 20 || len(k.SKpr) != 20 {
		t.Errorf("key lengths %d/%d/%d, want 16/20/20", len(k.SKei), len(k.SKai), len(k.SKpr))
	}
	// AES-GCM-256 for ESP takes 36 octets per direction: 72 of the 132.
	c, err := DeriveChildKeys(p, k.SKd, Encr{EncrAESGCM16, 256}, IntegNone, v.hex(t, "g^ir (new)"), ni, nr)
	if err != nil {
		t.Fatal(err)
	}
	want := v.hex(t, "DKM(Child SA D-H)")
	if !bytes.Equal(c.InitiatorToResponder.Encr, want[:36]) || !bytes.Equal(c.ResponderToInitiator.Encr, want[36:72]) {
		t.Errorf("child keys %x / %x, want %x", c.InitiatorToResponder.Encr, c.ResponderToInitiator.Encr, want[:72])
	}
	if len(c.InitiatorToResponder.Integ) != 0 {
		t.Errorf("AEAD child has integrity key %x", c.InitiatorToResponder.Integ)
	}
}

func TestHMACVectors(t *testing.T) {
	for _, v := range readVectors(t, "hmac.txt") {
		t.Run(v.title, func(t *testing.T) {
			p, err := NewPRF(PRFID(v.int(t, "PRF")))
			if err != nil {
				t.Fatal(err)
			}
			got := p.Compute(v.hex(t, "Key"), v.hex(t, "Data"))
			if want := v.hex(t, "Output"); !bytes.Equal(got, want) {
				t.Fatalf("prf = %x, want %x", got, want)
			}
			if !v.has("Integ") {
				return
			}
			integ := IntegID(v.int(t, "Integ"))
			icvLen, err := integ.ICVLen()
			if err != nil {
				t.Fatal(err)
			}
			if want := v.hex(t, "Truncated"); !bytes.Equal(got[:icvLen], want) {
				t.Errorf("ICV = %x, want %x", got[:icvLen], want)
			}
			if keyLen, _ := integ.KeyLen(); keyLen != len(v.hex(t, "Key")) {
				t.Errorf("INTEG key length %d, RFC 4868 key is %d", keyLen, len(v.hex(t, "Key")))
			}
		})
	}
}

func TestKeyExchangeVectors(t *testing.T) {
	for _, v := range readVectors(t, "kex.txt") {
		t.Run(v.title, func(t *testing.T) {
			g, err := LookupGroup(GroupID(v.int(t, "Group")))
			if err != nil {
				t.Fatal(err)
			}
			// Feeding the RFC's private value as the random stream yields
			// exactly that key.
			ki, err := g.GenerateKey(bytes.NewReader(v.hex(t, "i")))
			if err != nil {
				t.Fatal(err)
			}
			kr, err := g.GenerateKey(bytes.NewReader(v.hex(t, "r")))
			if err != nil {
				t.Fatal(err)
			}
			if got, want := ki.Public(), v.hex(t, "KEi"); !bytes.Equal(got, want) {
				t.Errorf("KEi = %x, want %x", got, want)
			}
			if got, want := kr.Public(), v.hex(t, "KEr"); !bytes.Equal(got, want) {
				t.Errorf("KEr = %x, want %x", got, want)
			}
			want := v.hex(t, "Shared")
			for _, c := range []struct {
				k    *PrivateKey
				peer string
			}{{ki, "KEr"}, {kr, "KEi"}} {
				got, err := c.k.SharedSecret(v.hex(t, c.peer))
				if err != nil || !bytes.Equal(got, want) {
					t.Errorf("shared with %s = %x, %v; want %x", c.peer, got, err, want)
				}
			}
		})
	}
}

func TestAEADVectors(t *testing.T) {
	for _, v := range readVectors(t, "aead.txt") {
		t.Run(v.title, func(t *testing.T) {
			e := Encr{EncrID(v.int(t, "Encr")), v.int(t, "KeyBits")}
			c, err := NewSKCipher(e, IntegNone, v.hex(t, "Key"), nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			ad, body, pt := v.hex(t, "AD"), v.hex(t, "Body"), v.hex(t, "Plaintext")
			got, err := c.Open(ad, body)
			if err != nil {
				t.Fatal(err)
			}
			// The last plaintext octet is read as the Pad Length.
			if want := pt[:len(pt)-1-int(pt[len(pt)-1])]; !bytes.Equal(got, want) {
				t.Errorf("Open = %x, want %x", got, want)
			}
			// Without padding, Seal must produce the vector's body when its
			// IV counter is positioned just before the vector's IV.
			if pt[len(pt)-1] == 0 {
				c.counter = binary.BigEndian.Uint64(v.hex(t, "IV")) - 1
				sealed, err := c.Seal(ad, pt[:len(pt)-1])
				if err != nil || !bytes.Equal(sealed, body) {
					t.Errorf("Seal = %x, %v; want %x", sealed, err, body)
				}
			}
			body[len(body)-1] ^= 1
			if _, err := c.Open(ad, body); !errors.Is(err, ErrIntegrity) {
				t.Errorf("Open(tampered ICV) = %v, want ErrIntegrity", err)
			}
		})
	}
}
