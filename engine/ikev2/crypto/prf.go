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
	switch id {
	case PRFHMACMD5:
		return PRF{id, md5.New, md5.Size}, nil
	case PRFHMACSHA1:
		return PRF{id, sha1.New, sha1.Size}, nil
	case PRFHMACSHA2256:
		return PRF{id, sha256.New, sha256.Size}, nil
	case PRFHMACSHA2384:
		return PRF{id, sha512.New384, sha512.Size384}, nil
	case PRFHMACSHA2512:
		return PRF{id, sha512.New, sha512.Size}, nil
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

// Compute returns prf(key, data...) where the data parts are concatenated.
func (p PRF) Compute(key []byte, data ...[]byte) []byte {
	mac := hmac.New(p.newHash, key)
	for _, d := range data {
		mac.Write(d)
	}
	return mac.Sum(nil)
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
