// Package aesgcm is AES-GCM (NIST SP 800-38D) as used by ESP (RFC 4106):
// 96-bit nonces (a 4-octet salt followed by the 8-octet explicit IV, RFC
// 4106 section 4), 16-octet tags (RFC 4106 sections 6 and 8:
// ENCR_AES_GCM_16) and
// AES-128, AES-192 or AES-256 keys.
//
// On amd64 CPUs with VAES, VPCLMULQDQ, AVX-512 (F, BW, VL) and BMI2 the
// package uses its own assembly (gcm_amd64.s): CTR mode over sixteen blocks
// per iteration in 512-bit registers, interleaved with GHASH of sixteen
// blocks aggregated against precomputed powers H^16..H^1 and reduced once
// per iteration, and byte-masked loads and stores for the final partial
// chunk. Elsewhere, and when built with the tag aesgcm_stdlib (or purego),
// New returns the standard library's crypto/cipher GCM, so callers see one
// cipher.AEAD either way.
package aesgcm

import (
	"crypto/aes"
	"crypto/cipher"
	"errors"
	"fmt"
	"unsafe"
)

const (
	// NonceSize is the GCM nonce length in octets: RFC 4106 section 4's
	// 4-octet salt followed by the 8-octet explicit IV (NIST SP 800-38D
	// section 5.2.1.1 recommends 96-bit IVs).
	NonceSize = 12
	// TagSize is the authentication tag length in octets (RFC 4106
	// sections 6 and 8, ENCR_AES_GCM_16; NIST SP 800-38D section 5.2.1.2).
	TagSize = 16
	// maxPlaintext is the longest plaintext GCM may protect under one
	// nonce: 2^32-2 blocks (NIST SP 800-38D section 5.2.1.1).
	maxPlaintext = (1<<32 - 2) * aes.BlockSize
)

// errOpen is returned by Open for any inauthentic message, with no detail
// (NIST SP 800-38D section 7.2 step 8 returns only FAIL).
var errOpen = errors.New("aesgcm: message authentication failed")

// New returns AES-GCM keyed with key (16, 24 or 32 octets: AES-128,
// AES-192 or AES-256), with a 12-octet nonce and a 16-octet tag, as
// specified by NIST SP 800-38D and used by ESP (RFC 4106). It uses the
// VAES/VPCLMULQDQ assembly when Accelerated reports true and the standard
// library's GCM otherwise. The result is safe for concurrent use, and
// Seal and Open work in place (dst aliasing plaintext or ciphertext
// exactly, as crypto/cipher.AEAD allows) without allocating when dst has
// room.
func New(key []byte) (cipher.AEAD, error) {
	return newAEAD(key, fastSupported)
}

// Accelerated reports whether New returns the assembly implementation on
// this machine (amd64 with VAES, VPCLMULQDQ, AVX-512F/BW/VL and BMI2).
func Accelerated() bool { return fastSupported }

// newAEAD is New with the choice of implementation made by the caller
// (tests force the fallback with fast false).
func newAEAD(key []byte, fast bool) (cipher.AEAD, error) {
	switch len(key) {
	case 16, 24, 32:
	default:
		return nil, fmt.Errorf("aesgcm: key is %d octets, want 16, 24 or 32", len(key))
	}
	if fast {
		return newFast(key)
	}
	b, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("aesgcm: %w", err)
	}
	g, err := cipher.NewGCM(b)
	if err != nil {
		return nil, fmt.Errorf("aesgcm: %w", err)
	}
	return g, nil
}

// sliceForAppend extends in by n octets, reusing its capacity when it
// can, and returns the whole slice and the n new octets.
func sliceForAppend(in []byte, n int) (head, tail []byte) {
	if total := len(in) + n; cap(in) >= total {
		head = in[:total]
	} else {
		head = make([]byte, total)
		copy(head, in)
	}
	return head, head[len(in):]
}

// inexactOverlap reports whether x and y share memory without starting at
// the same address, which crypto/cipher.AEAD forbids for the output and
// input of Seal and Open.
func inexactOverlap(x, y []byte) bool {
	if len(x) == 0 || len(y) == 0 {
		return false
	}
	x0, y0 := uintptr(unsafe.Pointer(&x[0])), uintptr(unsafe.Pointer(&y[0]))
	overlap := x0 <= y0+uintptr(len(y))-1 && y0 <= x0+uintptr(len(x))-1
	return overlap && x0 != y0
}
