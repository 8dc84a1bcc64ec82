//go:build amd64 && !purego && !aesgcm_stdlib

package aesgcm

import (
	"crypto/aes"
	"encoding/binary"
	"encoding/hex"
	"os"
	"testing"
	"unsafe"

	"golang.org/x/sys/cpu"
)

// TestFastPathSelected fails when this CPU has the features the assembly
// needs but New does not use it, so a test run on such a machine proves
// that the assembly ran. AESGCM_REQUIRE_FAST=1 makes the lack of the
// features a failure too.
func TestFastPathSelected(t *testing.T) {
	x := cpu.X86
	has := x.HasAVX512F && x.HasAVX512BW && x.HasAVX512VL && x.HasAVX512VAES &&
		x.HasAVX512VPCLMULQDQ && x.HasAVX2 && x.HasBMI2
	if !has {
		if os.Getenv("AESGCM_REQUIRE_FAST") == "1" {
			t.Fatal("CPU lacks VAES/VPCLMULQDQ/AVX-512 and AESGCM_REQUIRE_FAST=1")
		}
		t.Skip("CPU lacks VAES/VPCLMULQDQ/AVX-512: only the fallback runs here")
	}
	a, err := New(make([]byte, 32))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := a.(*gcmFast); !ok || !Accelerated() {
		t.Fatalf("New returned %T (Accelerated %v) on a CPU with the features", a, Accelerated())
	}
}

// TestKeyLayout checks the offsets gcm_amd64.s uses.
func TestKeyLayout(t *testing.T) {
	var k key
	for _, c := range []struct {
		name      string
		got, want uintptr
	}{
		{"htab", unsafe.Offsetof(k.htab), 0},
		{"hkar", unsafe.Offsetof(k.hkar), 512},
		{"rk", unsafe.Offsetof(k.rk), 1024},
		{"rounds", unsafe.Offsetof(k.rounds), 1264},
	} {
		if c.got != c.want {
			t.Errorf("offset of %s = %d, gcm_amd64.s uses %d", c.name, c.got, c.want)
		}
	}
}

// TestExpandKey checks the key expansion against FIPS-197 Appendix A.1-A.3
// (the last round key) and a few S-box entries (section 5.1.1, Figure 7).
func TestExpandKey(t *testing.T) {
	for _, c := range []struct{ key, last string }{
		{"2b7e151628aed2a6abf7158809cf4f3c", "d014f9a8c9ee2589e13f0cc8b6630ca6"},
		{"8e73b0f7da0e6452c810f32b809079e562f8ead2522c6b7b", "e98ba06f448c773c8ecc720401002202"},
		{"603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4", "fe4890d1e6188d0b046df344706c631e"},
	} {
		key, _ := hex.DecodeString(c.key)
		var rk [15][16]byte
		nr := expandKey(key, &rk)
		if got := hex.EncodeToString(rk[nr][:]); got != c.last || nr != uint64(len(key)/4+6) {
			t.Errorf("key %s: %d rounds, last round key %s, want %s", c.key, nr, got, c.last)
		}
	}
	for in, out := range map[byte]byte{0x00: 0x63, 0x01: 0x7c, 0x53: 0xed, 0xff: 0x16, 0x10: 0xca} {
		if sbox[in] != out {
			t.Errorf("sbox[%#x] = %#x, want %#x", in, sbox[in], out)
		}
	}
}

// gfMul multiplies x and y in GF(2^128) by NIST SP 800-38D Algorithm 1.
// It is the reference for the assembly's powers of H.
func gfMul(x, y elem) elem {
	var z elem
	v := y
	for i := range 128 {
		word, shift := x.hi, 63-i
		if i >= 64 {
			word, shift = x.lo, 127-i
		}
		m := -(word >> shift & 1)
		z.hi ^= v.hi & m
		z.lo ^= v.lo & m
		lsb := v.lo & 1
		v.lo = v.lo>>1 | v.hi<<63
		v.hi = v.hi>>1 ^ 0xe100000000000000&-lsb
	}
	return z
}

// TestGFMul checks gfMul with the GCM specification's test case 2:
// H = 66e94bd4ef8a2c3b884cfa59ca342b2e, C = 0388dace60b6a392f328c2b971b2fe78
// and GHASH(H, {}, C) = (C*H ^ L)*H = f38cbb1ad69223dcc3457ae5b6b0f885,
// where L encodes len(C) = 128 bits.
func TestGFMul(t *testing.T) {
	h := elem{0x66e94bd4ef8a2c3b, 0x884cfa59ca342b2e}
	c := elem{0x0388dace60b6a392, 0xf328c2b971b2fe78}
	x := gfMul(c, h)
	x.lo ^= 128
	if got, want := gfMul(x, h), (elem{0xf38cbb1ad69223dc, 0xc3457ae5b6b0f885}); got != want {
		t.Errorf("GHASH = %016x%016x, want %016x%016x", got.hi, got.lo, want.hi, want.lo)
	}
}

// TestPowers checks the assembly's powers of H against gfMul.
func TestPowers(t *testing.T) {
	key := []byte("0123456789abcdef0123456789abcdef")
	a, err := newFast(key)
	if err != nil {
		t.Fatal(err)
	}
	k := &a.(*gcmFast).k
	b, err := aes.NewCipher(key)
	if err != nil {
		t.Fatal(err)
	}
	var hb [16]byte
	b.Encrypt(hb[:], hb[:])
	h := elem{binary.BigEndian.Uint64(hb[:8]), binary.BigEndian.Uint64(hb[8:])}
	pow := h
	for i := 15; i >= 0; i-- {
		if got, want := k.htab[i], hashKey(pow); got != want {
			t.Errorf("htab[%d] = H^%d: %x, want %x", i, 16-i, got, want)
		}
		if k.hkar[i][0] != k.htab[i][0]^k.htab[i][8] || k.hkar[i][15] != k.htab[i][7]^k.htab[i][15] {
			t.Errorf("hkar[%d] = %x is not the XOR of htab's halves", i, k.hkar[i])
		}
		pow = gfMul(pow, h)
	}
	for i := 16; i < 32; i++ {
		if k.htab[i] != ([16]byte{}) || k.hkar[i] != ([16]byte{}) {
			t.Errorf("padding entry %d is not zero", i)
		}
	}
}
