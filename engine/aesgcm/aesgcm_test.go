package aesgcm

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"reflect"
	"testing"
)

var keySizes = []int{16, 24, 32}

// stdGCM returns the standard library's AES-GCM for key, the reference
// every test compares against.
func stdGCM(t testing.TB, key []byte) cipher.AEAD {
	t.Helper()
	b, err := aes.NewCipher(key)
	if err != nil {
		t.Fatal(err)
	}
	g, err := cipher.NewGCM(b)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// impls returns both implementations (the fallback always, the assembly
// where this machine runs it) keyed with key.
func impls(t testing.TB, key []byte) map[string]cipher.AEAD {
	t.Helper()
	m := map[string]cipher.AEAD{}
	for name, fast := range map[string]bool{"fallback": false, "fast": true} {
		if fast && !fastSupported {
			continue
		}
		a, err := newAEAD(key, fast)
		if err != nil {
			t.Fatal(err)
		}
		m[name] = a
	}
	return m
}

func randBytes(r *rand.Rand, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

// checkAgainstStd seals pt both with a and the standard library, out of
// place and in place, and opens the result again both ways.
func checkAgainstStd(t *testing.T, a, ref cipher.AEAD, nonce, pt, aad []byte) {
	t.Helper()
	want := ref.Seal(nil, nonce, pt, aad)
	got := a.Seal(nil, nonce, pt, aad)
	if !bytes.Equal(got, want) {
		t.Fatalf("len %d aad %d: Seal\n got %x\nwant %x", len(pt), len(aad), got, want)
	}
	// In place, with a prefix in dst as ESP has its header there.
	buf := make([]byte, 3+len(pt), 3+len(pt)+TagSize)
	copy(buf[3:], pt)
	inPlace := a.Seal(buf[:3], nonce, buf[3:], aad)
	if !bytes.Equal(inPlace[3:], want) || &inPlace[0] != &buf[0] {
		t.Fatalf("len %d aad %d: in-place Seal differs or reallocated", len(pt), len(aad))
	}
	opened, err := a.Open(nil, nonce, want, aad)
	if err != nil || !bytes.Equal(opened, pt) {
		t.Fatalf("len %d aad %d: Open = %x, %v; want %x", len(pt), len(aad), opened, err, pt)
	}
	opened, err = a.Open(inPlace[3:3], nonce, inPlace[3:], aad)
	if err != nil || !bytes.Equal(opened, pt) {
		t.Fatalf("len %d aad %d: in-place Open = %x, %v; want %x", len(pt), len(aad), opened, err, pt)
	}
}

// TestAgainstStdlib compares every length 0..1100 and random lengths up to
// 9000, with random AAD of 0..64 octets, keys and nonces, for each key
// size, with the standard library's GCM.
func TestAgainstStdlib(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	lengths := make([]int, 0, 1200)
	for n := range 1101 {
		lengths = append(lengths, n)
	}
	for range 100 {
		lengths = append(lengths, r.IntN(9001))
	}
	for _, ks := range keySizes {
		key := randBytes(r, ks)
		ref := stdGCM(t, key)
		for name, a := range impls(t, key) {
			t.Run(fmt.Sprintf("%s/AES-%d", name, 8*ks), func(t *testing.T) {
				for _, n := range lengths {
					checkAgainstStd(t, a, ref, randBytes(r, NonceSize), randBytes(r, n), randBytes(r, r.IntN(65)))
				}
			})
		}
	}
}

// TestLongAAD covers AAD longer than one 256-octet chunk.
func TestLongAAD(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	key := randBytes(r, 32)
	ref := stdGCM(t, key)
	for _, a := range impls(t, key) {
		for _, n := range []int{255, 256, 257, 511, 512, 513, 1000, 4097} {
			checkAgainstStd(t, a, ref, randBytes(r, NonceSize), randBytes(r, r.IntN(600)), randBytes(r, n))
		}
	}
}

// TestBitFlips checks that Open rejects every single-bit change of the
// ciphertext, tag and AAD, and zeroes what it wrote to dst.
func TestBitFlips(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for _, ks := range []int{16, 32} {
		key := randBytes(r, ks)
		for name, a := range impls(t, key) {
			for _, n := range []int{0, 1, 15, 16, 17, 63, 64, 65, 255, 256, 257, 300} {
				nonce, pt, aad := randBytes(r, NonceSize), randBytes(r, n), randBytes(r, 8+4*r.IntN(2))
				sealed := a.Seal(nil, nonce, pt, aad)
				dst := make([]byte, n)
				flip := func(b []byte, what string) {
					for i := range len(b) * 8 {
						b[i/8] ^= 1 << (i % 8)
						for j := range dst {
							dst[j] = 0xa5
						}
						if out, err := a.Open(dst[:0], nonce, sealed, aad); err == nil {
							t.Fatalf("%s key %d len %d: bit %d of %s flipped: Open = %x, nil", name, ks, n, i, what, out)
						}
						if n > 0 && !bytes.Equal(dst, make([]byte, n)) {
							t.Fatalf("%s: failed Open left plaintext in dst", name)
						}
						b[i/8] ^= 1 << (i % 8)
					}
				}
				flip(sealed, "ciphertext|tag")
				flip(aad, "aad")
				if _, err := a.Open(nil, nonce, sealed, aad); err != nil {
					t.Fatalf("%s: unmodified message rejected: %v", name, err)
				}
			}
		}
	}
}

func unhex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatalf("bad hex %q: %v", s, err)
	}
	return b
}

func loadJSON(t *testing.T, name string, v any) {
	t.Helper()
	data, err := os.ReadFile("../esp/testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
}

// TestWycheproof runs the Wycheproof AES-GCM vectors kept in engine/esp.
func TestWycheproof(t *testing.T) {
	var file struct {
		TestGroups []struct {
			Tests []struct {
				TcID                               int
				Key, IV, AAD, Msg, CT, Tag, Result string
			}
		}
	}
	loadJSON(t, "wycheproof_aes_gcm_subset.json", &file)
	n := 0
	for _, g := range file.TestGroups {
		for _, v := range g.Tests {
			n++
			for name, a := range impls(t, unhex(t, v.Key)) {
				nonce, aad, msg := unhex(t, v.IV), unhex(t, v.AAD), unhex(t, v.Msg)
				sealed := append(unhex(t, v.CT), unhex(t, v.Tag)...)
				out, err := a.Open(nil, nonce, sealed, aad)
				switch v.Result {
				case "valid":
					if err != nil || !bytes.Equal(out, msg) {
						t.Errorf("%s tcId %d: Open = %x, %v; want %x", name, v.TcID, out, err, msg)
					}
					if got := a.Seal(nil, nonce, msg, aad); !bytes.Equal(got, sealed) {
						t.Errorf("%s tcId %d: Seal = %x, want %x", name, v.TcID, got, sealed)
					}
				default:
					if err == nil {
						t.Errorf("%s tcId %d (%s): Open accepted", name, v.TcID, v.Result)
					}
				}
			}
		}
	}
	if n == 0 {
		t.Fatal("no vectors")
	}
}

// TestKnownAnswers checks the GCM specification's test cases (McGrew and
// Viega; NIST's GCM vectors): 2 and 14 here, 4 and 16 from engine/esp's
// RFC 4106 known answers.
func TestKnownAnswers(t *testing.T) {
	type vector struct{ Name, Cipher, Key, Nonce, AAD, Plaintext, Sealed string }
	vectors := []vector{
		{Name: "gcm-spec-2", Key: "00000000000000000000000000000000", Nonce: "000000000000000000000000",
			Plaintext: "00000000000000000000000000000000",
			Sealed:    "0388dace60b6a392f328c2b971b2fe78ab6e47d42cec13bdf53a67b21257bddf"},
		{Name: "gcm-spec-14", Key: "0000000000000000000000000000000000000000000000000000000000000000",
			Nonce: "000000000000000000000000", Plaintext: "00000000000000000000000000000000",
			Sealed: "cea7403d4d606b6e074ec5d3baf39d18d0d1c8a799996bf0265b98b5d48ab919"},
	}
	var esp []vector
	loadJSON(t, "aead_kat.json", &esp)
	for _, v := range esp {
		if v.Cipher == "aes-gcm-16" {
			vectors = append(vectors, v)
		}
	}
	if len(vectors) < 4 {
		t.Fatalf("only %d vectors", len(vectors))
	}
	for _, v := range vectors {
		for name, a := range impls(t, unhex(t, v.Key)) {
			got := a.Seal(nil, unhex(t, v.Nonce), unhex(t, v.Plaintext), unhex(t, v.AAD))
			if want := unhex(t, v.Sealed); !bytes.Equal(got, want) {
				t.Errorf("%s %s: Seal\n got %x\nwant %x", name, v.Name, got, want)
			}
		}
	}
}

// TestFallback forces the standard-library path, as on CPUs without the
// assembly, and checks it against the standard library directly.
func TestFallback(t *testing.T) {
	key := make([]byte, 32)
	a, err := newAEAD(key, false)
	if err != nil {
		t.Fatal(err)
	}
	ref := stdGCM(t, key)
	if reflect.TypeOf(a) != reflect.TypeOf(ref) || a.NonceSize() != NonceSize || a.Overhead() != TagSize {
		t.Fatalf("fallback: %T, nonce %d, overhead %d", a, a.NonceSize(), a.Overhead())
	}
	checkAgainstStd(t, a, ref, make([]byte, NonceSize), []byte("fallback"), []byte("aad"))
}

// TestConcurrent seals and opens with one AEAD from several goroutines, as
// the data plane does for one SA.
func TestConcurrent(t *testing.T) {
	key := make([]byte, 32)
	ref := stdGCM(t, key)
	for name, a := range impls(t, key) {
		t.Run(name, func(t *testing.T) {
			done := make(chan error, 4)
			for g := range 4 {
				go func() {
					r := rand.New(rand.NewPCG(uint64(g), 9))
					for range 200 {
						nonce, pt := randBytes(r, NonceSize), randBytes(r, r.IntN(2000))
						want := ref.Seal(nil, nonce, pt, nil)
						if got := a.Seal(nil, nonce, pt, nil); !bytes.Equal(got, want) {
							done <- fmt.Errorf("goroutine %d: Seal differs", g)
							return
						}
						if out, err := a.Open(want[:0], nonce, want, nil); err != nil || !bytes.Equal(out, pt) {
							done <- fmt.Errorf("goroutine %d: Open = %v", g, err)
							return
						}
					}
					done <- nil
				}()
			}
			for range 4 {
				if err := <-done; err != nil {
					t.Error(err)
				}
			}
		})
	}
}

// TestBadInputs covers key sizes, short ciphertexts and wrong nonces.
func TestBadInputs(t *testing.T) {
	for _, n := range []int{0, 15, 17, 33} {
		if _, err := New(make([]byte, n)); err == nil {
			t.Errorf("New accepted a %d-octet key", n)
		}
	}
	for name, a := range impls(t, make([]byte, 16)) {
		for _, n := range []int{0, 1, 15} {
			if _, err := a.Open(nil, make([]byte, NonceSize), make([]byte, n), nil); err == nil {
				t.Errorf("%s: Open accepted %d octets", name, n)
			}
		}
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: Seal accepted an 8-octet nonce", name)
				}
			}()
			a.Seal(nil, make([]byte, 8), nil, nil)
		}()
	}
}

// TestNoAllocs checks that in-place Seal and Open do not allocate.
func TestNoAllocs(t *testing.T) {
	for name, a := range impls(t, make([]byte, 32)) {
		buf := make([]byte, 1400+TagSize)
		nonce, aad := make([]byte, NonceSize), make([]byte, 8)
		n := testing.AllocsPerRun(100, func() {
			a.Seal(buf[:0], nonce, buf[:1400], aad)
			if _, err := a.Open(buf[:0], nonce, buf, aad); err != nil {
				t.Fatal(err)
			}
		})
		if n != 0 {
			t.Errorf("%s: %v allocations per Seal+Open", name, n)
		}
	}
}

// FuzzAgainstStdlib compares Seal and Open with the standard library for
// arbitrary keys, nonces, AAD and plaintexts.
func FuzzAgainstStdlib(f *testing.F) {
	f.Add(uint8(0), make([]byte, 32), make([]byte, 12), []byte("aad"), []byte("plaintext"))
	f.Add(uint8(1), make([]byte, 16), make([]byte, 12), make([]byte, 12), make([]byte, 1400))
	f.Fuzz(func(t *testing.T, ks uint8, keyMaterial, nonce, aad, pt []byte) {
		key := make([]byte, keySizes[int(ks)%len(keySizes)])
		copy(key, keyMaterial)
		n := make([]byte, NonceSize)
		copy(n, nonce)
		ref := stdGCM(t, key)
		for _, a := range impls(t, key) {
			checkAgainstStd(t, a, ref, n, pt, aad)
			// Open of arbitrary input agrees with the standard library.
			got, err := a.Open(nil, n, pt, aad)
			want, werr := ref.Open(nil, n, pt, aad)
			if (err == nil) != (werr == nil) || !bytes.Equal(got, want) {
				t.Fatalf("Open(arbitrary) = %x, %v; stdlib %x, %v", got, err, want, werr)
			}
		}
	})
}

var sink []byte

// BenchmarkSeal and BenchmarkOpen measure 1400-octet packets with ESP's
// 8-octet AAD, in place, against the standard library.
func BenchmarkSeal(b *testing.B) { benchAEAD(b, false) }

// BenchmarkOpen is BenchmarkSeal for Open.
func BenchmarkOpen(b *testing.B) { benchAEAD(b, true) }

func benchAEAD(b *testing.B, open bool) {
	for _, ks := range []int{16, 32} {
		key := make([]byte, ks)
		all := impls(b, key)
		all["stdlib"] = stdGCM(b, key)
		for _, name := range []string{"stdlib", "fallback", "fast"} {
			a, ok := all[name]
			if !ok {
				continue
			}
			b.Run(fmt.Sprintf("%s/AES-%d/1400", name, 8*ks), func(b *testing.B) {
				buf := make([]byte, 1400+TagSize)
				nonce, aad := make([]byte, NonceSize), make([]byte, 8)
				sealed := a.Seal(nil, nonce, buf[:1400], aad)
				b.SetBytes(1400)
				measureCPU(b, func() {
					for b.Loop() {
						if open {
							copy(buf, sealed)
							out, err := a.Open(buf[:0], nonce, buf, aad)
							if err != nil {
								b.Fatal(err)
							}
							sink = out
						} else {
							sink = a.Seal(buf[:0], nonce, buf[:1400], aad)
						}
					}
				})
			})
		}
	}
}

// BenchmarkNew measures key setup (once per SA and direction).
func BenchmarkNew(b *testing.B) {
	key := make([]byte, 32)
	for b.Loop() {
		if _, err := New(key); err != nil {
			b.Fatal(err)
		}
	}
}
