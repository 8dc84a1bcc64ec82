package ikecrypto

import (
	"crypto/hmac"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"errors"
	"fmt"
	"hash"
	"sync"
)

// ErrPRFPlusTooLong is returned when more keying material is asked of prf+
// than its one-octet counter allows (255 blocks, RFC 7296 section 2.13).
var ErrPRFPlusTooLong = errors.New("ikecrypto: prf+ output longer than 255 blocks")

// PRF is a negotiated IKEv2 pseudo-random function (RFC 7296 section 2.13).
// A PRF value holds no key and is safe for concurrent use.
type PRF struct {
	id      PRFID
	newHash func() hash.Hash
	size    int
	states  *sync.Pool // of *prfState, for Compute
}

// prfState is a hash state with the buffers of one HMAC computation,
// recycled: crypto/hmac would allocate two hash states and their pads for
// every key, and an IKE SA setup computes nine HMACs, each with a new key.
type prfState struct {
	h   hash.Hash
	pad [128]byte // the largest block size, SHA-384's and SHA-512's
	sum [64]byte  // the largest output size
}

// newPRF returns the PRF id built on newHash, of size octets.
func newPRF(id PRFID, newHash func() hash.Hash, size int) PRF {
	return PRF{id, newHash, size, &sync.Pool{New: func() any { return &prfState{h: newHash()} }}}
}

// prfs are the supported PRFs.
var prfs = map[PRFID]PRF{
	PRFHMACMD5:     newPRF(PRFHMACMD5, md5.New, md5.Size),
	PRFHMACSHA1:    newPRF(PRFHMACSHA1, sha1.New, sha1.Size),
	PRFHMACSHA2256: newPRF(PRFHMACSHA2256, sha256.New, sha256.Size),
	PRFHMACSHA2384: newPRF(PRFHMACSHA2384, sha512.New384, sha512.Size384),
	PRFHMACSHA2512: newPRF(PRFHMACSHA2512, sha512.New, sha512.Size),
}

// NewPRF returns the PRF with the given identifier. HMAC-SHA1 and the
// HMAC-SHA2 family (RFC 4868) are supported; HMAC-MD5 is supported for
// legacy configurations only (see PRFID.Legacy).
//
// AES128-XCBC (RFC 4434) and AES128-CMAC (RFC 4615) are not supported. Were
// they added, note that they take fixed-size keys, so RFC 7296 section 2.14
// requires that only the first 64 bits of Ni and of Nr be used as the key of
// SKEYSEED = prf(Ni | Nr, g^ir), while the full nonces still feed prf+.
func NewPRF(id PRFID) (PRF, error) {
	if p, ok := prfs[id]; ok {
		return p, nil
	}
	return PRF{}, fmt.Errorf("%w: PRF %d", ErrUnsupported, id)
}

// Legacy reports whether the PRF is kept only for old configurations
// (HMAC-MD5).
func (id PRFID) Legacy() bool { return id == PRFHMACMD5 }

// ID returns the transform identifier of p.
func (p PRF) ID() PRFID { return p.id }

// Size returns the output length of p in octets. For the HMAC PRFs it is also
// the preferred key length, hence the length of SK_d, SK_pi and SK_pr
// (RFC 7296 section 2.14, RFC 4868 section 2.1.2).
func (p PRF) Size() int { return p.size }

// Compute returns prf(key, data...) where the data parts are concatenated:
// HMAC (RFC 2104 section 2) with p's hash,
//
//	H(K XOR opad, H(K XOR ipad, data))
//
// where K is the key, or H(key) when the key is longer than the hash's
// block, padded with zeros to the block size. It runs on a recycled hash
// state (see prfState) and allocates only its result.
func (p PRF) Compute(key []byte, data ...[]byte) []byte {
	st := p.states.Get().(*prfState)
	defer p.states.Put(st)
	h, block := st.h, st.h.BlockSize()
	pad := st.pad[:block]
	if len(key) > block {
		h.Reset()
		h.Write(key)
		key = h.Sum(st.sum[:0])
	}
	copy(pad, key)
	for i := range pad {
		pad[i] ^= 0x36 // ipad
	}
	h.Reset()
	h.Write(pad)
	for _, d := range data {
		h.Write(d)
	}
	inner := h.Sum(st.sum[:0])
	for i := range pad {
		pad[i] ^= 0x36 ^ 0x5c // ipad to opad
	}
	h.Reset()
	h.Write(pad)
	h.Write(inner)
	out := h.Sum(make([]byte, 0, p.size))
	clear(st.pad[:]) // no key material left in the pool
	clear(st.sum[:])
	return out
}

// Plus returns the first n octets of prf+(key, seed) (RFC 7296 section 2.13):
//
//	prf+ (K,S) = T1 | T2 | T3 | T4 | ...
//	T1 = prf (K, S | 0x01)
//	T2 = prf (K, T2 | S | 0x02) ...
//
// where the seed S is the concatenation of the seed parts.
func (p PRF) Plus(key []byte, n int, seed ...[]byte) ([]byte, error) {
	if n < 0 || n > 255*p.size {
		return nil, fmt.Errorf("%w: %d octets of PRF %d", ErrPRFPlusTooLong, n, p.id)
	}
	mac := hmac.New(p.newHash, key)
	out := make([]byte, 0, (n+p.size-1)/p.size*p.size)
	var prev []byte
	for counter := byte(1); len(out) < n; counter++ {
		mac.Reset()
		mac.Write(prev)
		for _, s := range seed {
			mac.Write(s)
		}
		mac.Write([]byte{counter})
		start := len(out)
		out = mac.Sum(out)
		prev = out[start:]
	}
	return out[:n:n], nil
}
