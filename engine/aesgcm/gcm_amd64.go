//go:build amd64 && !purego && !aesgcm_stdlib

package aesgcm

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/subtle"
	"encoding/binary"
	"fmt"
	"math/bits"

	"golang.org/x/sys/cpu"
)

// fastSupported reports whether this CPU and OS run gcmAES: 512-bit VAES
// and VPCLMULQDQ, AVX-512 F/BW (byte masks)/VL, AVX2 and BMI2 (BZHI).
var fastSupported = cpu.X86.HasAVX512F && cpu.X86.HasAVX512BW && cpu.X86.HasAVX512VL &&
	cpu.X86.HasAVX512VAES && cpu.X86.HasAVX512VPCLMULQDQ && cpu.X86.HasAVX2 && cpu.X86.HasBMI2

// key is the expanded key that gcmAES reads; its layout is mirrored by the
// offsets in gcm_amd64.s (TestKeyLayout checks them).
type key struct {
	// htab[i] is H^(16-i) for i < 16, in the byte-reflected, pre-shifted
	// form gcmAES multiplies by (see hashKey); htab[16:] stays zero so
	// that the final, partial chunk can read the powers it needs from
	// htab[16-n:] for n blocks, past index 15.
	htab [32][16]byte
	// hkar[i] is htab[i]'s two 64-bit halves XORed together, in both
	// halves: the second factor of Karatsuba's middle product.
	hkar [32][16]byte
	// rk holds the AES round keys (FIPS-197 section 5.2), rounds+1 used.
	rk     [15][16]byte
	rounds uint64
}

// gcmFast is the assembly AES-GCM. It is read-only after newFast, so it is
// safe for concurrent use.
type gcmFast struct{ k key }

// gcmAES encrypts (decrypt false) or decrypts src into dst (same length,
// equal or disjoint) with the counter blocks from inc32(j0) on (NIST SP
// 800-38D section 7.1 step 3), GHASHes aad and the ciphertext with their
// length block (step 5) and stores E(K, j0) XOR GHASH in tag (step 6).
//
//go:noescape
func gcmAES(k *key, tag, j0 *[16]byte, dst, src, aad []byte, decrypt bool)

// powers sets k.htab[14]..k.htab[0] to H^2..H^16 from k.htab[15] = H, all
// in hashKey's form.
//
//go:noescape
func powers(k *key)

// newFast expands key (16, 24 or 32 octets) for gcmAES.
func newFast(k []byte) (cipher.AEAD, error) {
	g := &gcmFast{}
	g.k.rounds = expandKey(k, &g.k.rk)
	b, err := aes.NewCipher(k)
	if err != nil {
		return nil, fmt.Errorf("aesgcm: %w", err)
	}
	var h [16]byte
	b.Encrypt(h[:], h[:]) // H = E(K, 0^128), NIST SP 800-38D section 6.4
	g.k.htab[15] = hashKey(elem{binary.BigEndian.Uint64(h[:8]), binary.BigEndian.Uint64(h[8:])})
	powers(&g.k)
	for i := range 16 {
		for j := range 8 {
			g.k.hkar[i][j] = g.k.htab[i][j] ^ g.k.htab[i][j+8]
			g.k.hkar[i][j+8] = g.k.hkar[i][j]
		}
	}
	return g, nil
}

// NonceSize returns 12 (RFC 4106 section 4: salt | IV).
func (g *gcmFast) NonceSize() int { return NonceSize }

// Overhead returns the tag length, 16 (RFC 4106 section 6).
func (g *gcmFast) Overhead() int { return TagSize }

// Seal implements cipher.AEAD (NIST SP 800-38D section 7.1).
func (g *gcmFast) Seal(dst, nonce, plaintext, aad []byte) []byte {
	if len(nonce) != NonceSize {
		panic("aesgcm: incorrect nonce length given to GCM")
	}
	if uint64(len(plaintext)) > maxPlaintext {
		panic("aesgcm: message too large for GCM")
	}
	ret, out := sliceForAppend(dst, len(plaintext)+TagSize)
	if inexactOverlap(out, plaintext) {
		panic("aesgcm: invalid buffer overlap")
	}
	var j0, tag [16]byte
	copy(j0[:], nonce)
	j0[15] = 1
	gcmAES(&g.k, &tag, &j0, out[:len(plaintext)], plaintext, aad, false)
	copy(out[len(plaintext):], tag[:])
	return ret
}

// Open implements cipher.AEAD (NIST SP 800-38D section 7.2). On failure
// the part of dst it wrote is zeroed.
func (g *gcmFast) Open(dst, nonce, ciphertext, aad []byte) ([]byte, error) {
	if len(nonce) != NonceSize {
		panic("aesgcm: incorrect nonce length given to GCM")
	}
	if len(ciphertext) < TagSize || uint64(len(ciphertext)) > maxPlaintext+TagSize {
		return nil, errOpen
	}
	ct, want := ciphertext[:len(ciphertext)-TagSize], ciphertext[len(ciphertext)-TagSize:]
	ret, out := sliceForAppend(dst, len(ct))
	if inexactOverlap(out, ciphertext) {
		panic("aesgcm: invalid buffer overlap")
	}
	var j0, tag [16]byte
	copy(j0[:], nonce)
	j0[15] = 1
	gcmAES(&g.k, &tag, &j0, out, ct, aad, true)
	if subtle.ConstantTimeCompare(tag[:], want) != 1 {
		clear(out)
		return nil, errOpen
	}
	return ret, nil
}

// elem is an element of GF(2^128) in GCM's bit order (NIST SP 800-38D
// section 6.3): hi holds octets 0-7 and lo octets 8-15, big-endian, so the
// coefficient of x^0 is the top bit of hi.
type elem struct{ hi, lo uint64 }

// hashKey returns e in the form gcmAES multiplies by: the block
// byte-reversed into a little-endian 128-bit integer (so the coefficient of
// x^i is bit 127-i, whose value equals e's hi:lo) and multiplied by x^-1
// modulo the GCM polynomial. A carry-less product of a reflected operand
// with this form is the reflected 256-bit product with no extra shift,
// which the assembly then reduces. x^-1 = x^127 + x^6 + x + 1 reflects to
// 0xc2000000000000000000000000000001.
func hashKey(e elem) [16]byte {
	carry := e.hi >> 63
	hi := e.hi<<1 | e.lo>>63 ^ 0xc200000000000000&-carry
	lo := e.lo<<1 ^ carry
	var b [16]byte
	binary.LittleEndian.PutUint64(b[:8], lo)
	binary.LittleEndian.PutUint64(b[8:], hi)
	return b
}

// expandKey is the AES key expansion (FIPS-197 section 5.2) of a 16, 24 or
// 32-octet key into rk; it returns the number of rounds (10, 12 or 14).
func expandKey(k []byte, rk *[15][16]byte) uint64 {
	nk := len(k) / 4
	nr := nk + 6
	var w [60]uint32
	for i := range nk {
		w[i] = binary.BigEndian.Uint32(k[4*i:])
	}
	rcon := uint32(1)
	for i := nk; i < 4*(nr+1); i++ {
		t := w[i-1]
		switch {
		case i%nk == 0:
			t = subWord(bits.RotateLeft32(t, 8)) ^ rcon<<24
			rcon <<= 1
			if rcon&0x100 != 0 {
				rcon ^= 0x11b
			}
		case nk > 6 && i%nk == 4:
			t = subWord(t)
		}
		w[i] = w[i-nk] ^ t
	}
	for i := range 4 * (nr + 1) {
		binary.BigEndian.PutUint32(rk[i/4][4*(i%4):], w[i])
	}
	return uint64(nr)
}

// subWord applies the S-box to each octet of w (FIPS-197 section 5.2).
func subWord(w uint32) uint32 {
	return uint32(sbox[w>>24])<<24 | uint32(sbox[w>>16&0xff])<<16 |
		uint32(sbox[w>>8&0xff])<<8 | uint32(sbox[w&0xff])
}

// sbox is the AES S-box (FIPS-197 section 5.1.1): the inverse in GF(2^8)
// followed by the affine map. It walks p over the powers of the generator
// 3 and q over the powers of its inverse, so q = p^-1 at each step.
var sbox = func() (s [256]byte) {
	p, q := byte(1), byte(1)
	for {
		p ^= p<<1 ^ byte(int8(p)>>7)&0x1b // p *= 3
		q ^= q << 1                       // q /= 3
		q ^= q << 2
		q ^= q << 4
		if q&0x80 != 0 {
			q ^= 0x09
		}
		s[p] = q ^ bits.RotateLeft8(q, 1) ^ bits.RotateLeft8(q, 2) ^
			bits.RotateLeft8(q, 3) ^ bits.RotateLeft8(q, 4) ^ 0x63
		if p == 1 {
			break
		}
	}
	s[0] = 0x63
	return s
}()
