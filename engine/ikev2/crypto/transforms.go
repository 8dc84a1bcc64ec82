package ikecrypto

import (
	"errors"
	"fmt"
)

// ErrUnsupported is returned for a transform, group or key length that this
// package does not implement.
var ErrUnsupported = errors.New("ikecrypto: unsupported transform")

// EncrID is an IKEv2 Transform Type 1 (Encryption Algorithm) identifier, as
// registered by IANA. The same numbers name ESP ciphers in CHILD SA proposals.
type EncrID uint16

// Encryption algorithm identifiers (IANA "Transform Type 1").
const (
	EncrAESCBC           EncrID = 12 // RFC 3602
	EncrAESGCM16         EncrID = 20 // RFC 4106 (ESP), RFC 5282 (IKEv2): 16-octet ICV
	EncrChaCha20Poly1305 EncrID = 28 // RFC 7634
)

// PRFID is an IKEv2 Transform Type 2 (Pseudorandom Function) identifier.
type PRFID uint16

// Pseudorandom function identifiers (IANA "Transform Type 2").
const (
	PRFHMACMD5     PRFID = 1 // RFC 2104; legacy, accepted only for old configs
	PRFHMACSHA1    PRFID = 2 // RFC 2104
	PRFAES128XCBC  PRFID = 4 // RFC 4434; not supported (see NewPRF)
	PRFHMACSHA2256 PRFID = 5 // RFC 4868
	PRFHMACSHA2384 PRFID = 6 // RFC 4868
	PRFHMACSHA2512 PRFID = 7 // RFC 4868
	PRFAES128CMAC  PRFID = 8 // RFC 4615; not supported (see NewPRF)
)

// IntegID is an IKEv2 Transform Type 3 (Integrity Algorithm) identifier. The
// same numbers name ESP authentication algorithms.
type IntegID uint16

// Integrity algorithm identifiers (IANA "Transform Type 3").
const (
	IntegNone           IntegID = 0  // used with combined-mode (AEAD) ciphers
	IntegHMACMD596      IntegID = 1  // RFC 2403; legacy
	IntegHMACSHA196     IntegID = 2  // RFC 2404
	IntegHMACSHA2256128 IntegID = 12 // RFC 4868
	IntegHMACSHA2384192 IntegID = 13 // RFC 4868
	IntegHMACSHA2512256 IntegID = 14 // RFC 4868
)

// Encr is a negotiated encryption transform: its identifier and the value of
// its Key Length attribute in bits (RFC 7296 section 3.3.5). KeyBits is 0 for
// ChaCha20-Poly1305, which takes no Key Length attribute (RFC 7634 section 2).
type Encr struct {
	ID      EncrID
	KeyBits int
}

// saltLen is the length of the implicit nonce part that follows the cipher key
// in the keying material of the combined-mode ciphers: 4 octets for AES-GCM
// (RFC 4106 section 8.1, RFC 5282 section 7.1) and ChaCha20-Poly1305
// (RFC 7634 section 2 and 4).
const saltLen = 4

// aeadIVLen is the length of the explicit IV carried in each message by the
// combined-mode ciphers (RFC 5282 section 3.1, RFC 7634 section 2).
const aeadIVLen = 8

// aeadICVLen is the ICV length of AES-GCM-16 and ChaCha20-Poly1305.
const aeadICVLen = 16

// AEAD reports whether e is a combined-mode cipher, which needs no separate
// integrity transform (RFC 5282 section 8).
func (e Encr) AEAD() bool {
	return e.ID == EncrAESGCM16 || e.ID == EncrChaCha20Poly1305
}

// cipherKeyLen returns the length in octets of the cipher key proper, without
// any salt, after checking the Key Length attribute.
func (e Encr) cipherKeyLen() (int, error) {
	switch e.ID {
	case EncrAESCBC, EncrAESGCM16:
		switch e.KeyBits {
		case 128, 192, 256:
			return e.KeyBits / 8, nil
		}
	case EncrChaCha20Poly1305:
		if e.KeyBits == 0 || e.KeyBits == 256 {
			return 32, nil
		}
	}
	return 0, fmt.Errorf("%w: ENCR %d with key length %d", ErrUnsupported, e.ID, e.KeyBits)
}

// KeyLen returns the number of octets of keying material the transform takes
// from prf+: the cipher key followed, for AES-GCM and ChaCha20-Poly1305, by the
// 4-octet salt (RFC 5282 section 7.1, RFC 7634 section 4). It is the length of
// SK_ei and SK_er, and of each ESP encryption key in CHILD SA KEYMAT.
func (e Encr) KeyLen() (int, error) {
	n, err := e.cipherKeyLen()
	if err != nil {
		return 0, err
	}
	if e.AEAD() {
		n += saltLen
	}
	return n, nil
}

// KeyLen returns the key length in octets of the integrity algorithm, that
// is the length of SK_ai and SK_ar (RFC 7296 section 2.14); 0 for IntegNone.
// For the HMAC algorithms it equals the hash output length (RFC 2404,
// RFC 4868 section 2.1.1).
func (i IntegID) KeyLen() (int, error) {
	spec, err := i.spec()
	return spec.keyLen, err
}

// ICVLen returns the length in octets of the truncated MAC the algorithm
// appends (RFC 4868 section 2.1, RFC 2404); 0 for IntegNone.
func (i IntegID) ICVLen() (int, error) {
	spec, err := i.spec()
	return spec.icvLen, err
}

// integSpec describes one integrity algorithm.
type integSpec struct {
	hash   PRFID // the HMAC with the same hash
	keyLen int
	icvLen int
}

func (i IntegID) spec() (integSpec, error) {
	switch i {
	case IntegNone:
		return integSpec{}, nil
	case IntegHMACMD596:
		return integSpec{PRFHMACMD5, 16, 12}, nil
	case IntegHMACSHA196:
		return integSpec{PRFHMACSHA1, 20, 12}, nil
	case IntegHMACSHA2256128:
		return integSpec{PRFHMACSHA2256, 32, 16}, nil
	case IntegHMACSHA2384192:
		return integSpec{PRFHMACSHA2384, 48, 24}, nil
	case IntegHMACSHA2512256:
		return integSpec{PRFHMACSHA2512, 64, 32}, nil
	}
	return integSpec{}, fmt.Errorf("%w: INTEG %d", ErrUnsupported, i)
}

// Legacy reports whether the integrity algorithm is kept only for old
// configurations (HMAC-MD5-96).
func (i IntegID) Legacy() bool { return i == IntegHMACMD596 }

// checkPair verifies that an encryption and an integrity transform can be
// combined: combined-mode ciphers take no integrity transform and the others
// need one (RFC 7296 section 3.3.3, RFC 5282 section 8).
func checkPair(e Encr, i IntegID) error {
	if _, err := e.cipherKeyLen(); err != nil {
		return err
	}
	if _, err := i.spec(); err != nil {
		return err
	}
	if e.AEAD() != (i == IntegNone) {
		return fmt.Errorf("%w: ENCR %d cannot be combined with INTEG %d", ErrUnsupported, e.ID, i)
	}
	return nil
}
