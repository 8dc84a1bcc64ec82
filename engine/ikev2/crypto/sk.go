package ikecrypto

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"io"

	"golang.org/x/crypto/chacha20poly1305"
)

// ErrIntegrity is returned when the ICV of an Encrypted payload does not
// verify. RFC 7296 section 2.21.2: such a message is dropped without any
// answer.
var ErrIntegrity = errors.New("ikecrypto: integrity check failed")

// ErrMalformed is returned when an Encrypted payload body is too short,
// misaligned, or carries a Pad Length that exceeds the decrypted data.
var ErrMalformed = errors.New("ikecrypto: malformed encrypted payload")

// SKCipher protects the Encrypted (SK) payloads sent in one direction of an
// IKE SA (RFC 7296 section 3.14, RFC 5282, RFC 7634). The body it produces
// and consumes is the SK payload after its generic header:
//
//	Initialization Vector | Encrypted payloads, Padding, Pad Length | ICV
//
// The associated data given to Seal and Open is the message from the first
// octet of the IKE header to the last octet of the SK payload's generic
// header, with the length fields already covering the whole body (use
// BodyLen). For an Encrypted Fragment payload (RFC 7383 section 2.5) the
// header includes the Fragment Number and Total Fragments fields. An
// SKCipher is not safe for concurrent use.
//
// While an IKE SA negotiates, its messages follow each other quickly and
// an SKCipher keeps the expanded cipher (the AES key schedule with the
// GHASH key, or the HMAC state). Once the IKE SA is established, Compact
// drops it: an idle IKE SA protects a message every few minutes at most
// (dead peer detection, rekeys) while a hub holds tens of thousands of
// them, and an expanded AES-GCM cipher costs about 750 octets per
// direction. Seal and Open then expand the keys for each message, a few
// microseconds.
type SKCipher struct {
	rand io.Reader
	// keys holds the encryption key, encLen octets (ending with the
	// 4-octet salt for the combined-mode ciphers), then for AES-CBC the
	// HMAC key.
	keys   []byte
	encLen uint8
	encr   EncrID
	integ  IntegID
	// compact is set by Compact: the expanded cipher is built per
	// message and not kept in exp.
	compact bool
	exp     *expanded
	// counter is the last explicit IV of the combined-mode ciphers.
	counter uint64
}

// expanded is the cipher built from the keys of an SKCipher: aead and
// its nonce for the combined-mode ciphers, block and mac for AES-CBC with
// HMAC.
type expanded struct {
	aead cipher.AEAD
	// nonce is the salt then the explicit IV of the message (RFC 5282
	// section 4, RFC 7634 section 2).
	nonce  [saltLen + aeadIVLen]byte
	block  cipher.Block
	mac    hash.Hash
	icvLen int
}

// NewSKCipher returns an SKCipher for the encryption transform e with
// integrity transform integ (IntegNone for the combined-mode ciphers) and
// the keys of one direction: SK_ei and SK_ai, or SK_er and SK_ar. For AES-GCM
// and ChaCha20-Poly1305 encKey ends with the 4-octet salt. The SKCipher
// keeps encKey of a combined-mode cipher (it must not be modified
// afterwards) and copies the keys of AES-CBC. rand supplies the AES-CBC
// IVs, which must be unpredictable (RFC 3602 section 2.3).
func NewSKCipher(e Encr, integ IntegID, encKey, integKey []byte, rand io.Reader) (*SKCipher, error) {
	if err := checkPair(e, integ); err != nil {
		return nil, fmt.Errorf("creating SK cipher: %w", err)
	}
	if n, _ := e.KeyLen(); len(encKey) != n {
		return nil, fmt.Errorf("ikecrypto: ENCR %d key is %d octets, want %d", e.ID, len(encKey), n)
	}
	if n, _ := integ.KeyLen(); len(integKey) != n {
		return nil, fmt.Errorf("ikecrypto: INTEG %d key is %d octets, want %d", integ, len(integKey), n)
	}
	keys := encKey
	if len(integKey) > 0 {
		keys = append(append(make([]byte, 0, len(encKey)+len(integKey)), encKey...), integKey...)
	}
	return &SKCipher{rand: rand, keys: keys, encLen: uint8(len(encKey)), encr: e.ID, integ: integ}, nil
}

// Compact drops the expanded cipher: from now on Seal and Open build it
// from the keys for each message and do not keep it.
func (c *SKCipher) Compact() { c.compact, c.exp = true, nil }

// combined reports whether the cipher is AES-GCM or ChaCha20-Poly1305.
func (c *SKCipher) combined() bool { return c.encr != EncrAESCBC }

// expand returns the expanded cipher, kept or built afresh.
func (c *SKCipher) expand() (*expanded, error) {
	if c.exp != nil {
		if c.exp.mac != nil {
			c.exp.mac.Reset()
		}
		return c.exp, nil
	}
	x, err := c.build()
	if err != nil {
		return nil, err
	}
	if !c.compact {
		c.exp = x
	}
	return x, nil
}

// build expands the keys.
func (c *SKCipher) build() (*expanded, error) {
	x := &expanded{}
	if c.combined() {
		copy(x.nonce[:saltLen], c.keys[c.encLen-saltLen:c.encLen])
	}
	switch c.encr {
	case EncrChaCha20Poly1305:
		a, err := chacha20poly1305.New(c.keys[:c.encLen-saltLen])
		if err != nil {
			return nil, fmt.Errorf("ikecrypto: ChaCha20-Poly1305 key: %w", err)
		}
		x.aead = a
		return x, nil
	case EncrAESGCM16:
		block, err := aes.NewCipher(c.keys[:c.encLen-saltLen])
		if err != nil {
			return nil, fmt.Errorf("ikecrypto: AES-GCM key: %w", err)
		}
		if x.aead, err = cipher.NewGCM(block); err != nil {
			return nil, fmt.Errorf("ikecrypto: AES-GCM: %w", err)
		}
		return x, nil
	}
	block, err := aes.NewCipher(c.keys[:c.encLen])
	if err != nil {
		return nil, fmt.Errorf("ikecrypto: AES-CBC key: %w", err)
	}
	spec, _ := c.integ.spec() // checked by NewSKCipher
	p, _ := NewPRF(spec.hash)
	x.block, x.mac, x.icvLen = block, hmac.New(p.newHash, c.keys[c.encLen:]), spec.icvLen
	return x, nil
}

// NewSKCiphers returns the outbound and inbound SKCiphers of an IKE SA: the
// initiator sends with SK_ei/SK_ai and receives with SK_er/SK_ar, the
// responder the other way round (RFC 7296 section 2.14).
func NewSKCiphers(s Suite, k *IKEKeys, initiator bool, rand io.Reader) (out, in *SKCipher, err error) {
	ei, ai, er, ar := k.SKei, k.SKai, k.SKer, k.SKar
	if !initiator {
		ei, ai, er, ar = er, ar, ei, ai
	}
	if out, err = NewSKCipher(s.Encr, s.Integ, ei, ai, rand); err != nil {
		return nil, nil, err
	}
	if in, err = NewSKCipher(s.Encr, s.Integ, er, ar, rand); err != nil {
		return nil, nil, err
	}
	return out, in, nil
}

// BodyLen returns the length of the SK payload body that Seal produces for n
// octets of inner payloads. AES-CBC pads to its block size with the minimum
// padding (RFC 7296 section 3.14); the combined-mode ciphers need no
// alignment and send no padding (RFC 5282 section 3.2, RFC 7634 section 3),
// only the Pad Length octet.
func (c *SKCipher) BodyLen(n int) int {
	if c.combined() {
		return aeadIVLen + n + 1 + aeadICVLen
	}
	icvLen, _ := c.integ.ICVLen()
	return aes.BlockSize + (n/aes.BlockSize+1)*aes.BlockSize + icvLen
}

// Seal encrypts the inner payloads and returns the SK payload body. ad is the
// associated data described on SKCipher.
func (c *SKCipher) Seal(ad, plaintext []byte) ([]byte, error) {
	body := make([]byte, c.BodyLen(len(plaintext)))
	if c.combined() {
		return c.sealAEAD(body, ad, plaintext)
	}
	x, err := c.expand()
	if err != nil {
		return nil, err
	}
	iv, rest := body[:aes.BlockSize], body[aes.BlockSize:len(body)-x.icvLen]
	if _, err := io.ReadFull(c.rand, iv); err != nil {
		return nil, fmt.Errorf("ikecrypto: drawing CBC IV: %w", err)
	}
	copy(rest, plaintext)
	// Padding octets are zero; the Pad Length counts them.
	rest[len(rest)-1] = byte(len(rest) - len(plaintext) - 1)
	cipher.NewCBCEncrypter(x.block, iv).CryptBlocks(rest, rest)
	// The ICV covers the message from the IKE header to the end of the
	// encrypted data (RFC 7296 section 3.14).
	x.mac.Write(ad)
	x.mac.Write(body[:len(body)-x.icvLen])
	copy(body[len(body)-x.icvLen:], x.mac.Sum(nil))
	return body, nil
}

// sealAEAD uses a counter as explicit IV, which RFC 5282 section 3.1 and
// RFC 7634 section 2 allow: it only has to be unique for the key.
func (c *SKCipher) sealAEAD(body, ad, plaintext []byte) ([]byte, error) {
	if c.counter == ^uint64(0) {
		return nil, errors.New("ikecrypto: AEAD IV space exhausted; rekey the IKE SA")
	}
	x, err := c.expand()
	if err != nil {
		return nil, err
	}
	c.counter++
	binary.BigEndian.PutUint64(body[:aeadIVLen], c.counter)
	copy(x.nonce[saltLen:], body[:aeadIVLen])
	data := body[aeadIVLen : len(body)-aeadICVLen]
	copy(data, plaintext)
	data[len(data)-1] = 0 // Pad Length: no padding
	// The AAD is the IKE header and the SK payload header (RFC 5282 section
	// 5.1, RFC 7634 section 3).
	x.aead.Seal(data[:0], x.nonce[:], data, ad)
	return body, nil
}

// Open authenticates and decrypts an SK payload body and returns the inner
// payloads. Integrity failures wrap ErrIntegrity and are detected in constant
// time; bodies too short or misaligned wrap ErrMalformed. Open does not
// modify body.
func (c *SKCipher) Open(ad, body []byte) ([]byte, error) {
	var data []byte
	var err error
	if c.combined() {
		data, err = c.openAEAD(ad, body)
	} else {
		data, err = c.openCBC(ad, body)
	}
	if err != nil {
		return nil, err
	}
	padLen := int(data[len(data)-1])
	if padLen >= len(data) {
		return nil, fmt.Errorf("%w: pad length %d exceeds %d octets", ErrMalformed, padLen, len(data)-1)
	}
	return data[:len(data)-1-padLen], nil
}

// openAEAD returns the decrypted data of a combined-mode SK payload body,
// padding included.
func (c *SKCipher) openAEAD(ad, body []byte) ([]byte, error) {
	if len(body) < aeadIVLen+1+aeadICVLen {
		return nil, fmt.Errorf("%w: %d octets", ErrMalformed, len(body))
	}
	x, err := c.expand()
	if err != nil {
		return nil, err
	}
	copy(x.nonce[saltLen:], body[:aeadIVLen])
	data, err := x.aead.Open(nil, x.nonce[:], body[aeadIVLen:], ad)
	if err != nil {
		return nil, ErrIntegrity
	}
	return data, nil
}

// openCBC returns the decrypted data of an AES-CBC SK payload body once its
// ICV verified, padding included.
func (c *SKCipher) openCBC(ad, body []byte) ([]byte, error) {
	icvLen, _ := c.integ.ICVLen()
	n := len(body) - aes.BlockSize - icvLen
	if n < aes.BlockSize || n%aes.BlockSize != 0 {
		return nil, fmt.Errorf("%w: %d octets", ErrMalformed, len(body))
	}
	x, err := c.expand()
	if err != nil {
		return nil, err
	}
	x.mac.Write(ad)
	x.mac.Write(body[:len(body)-icvLen])
	if !hmac.Equal(x.mac.Sum(nil)[:icvLen], body[len(body)-icvLen:]) {
		return nil, ErrIntegrity
	}
	data := make([]byte, n)
	cipher.NewCBCDecrypter(x.block, body[:aes.BlockSize]).CryptBlocks(data, body[aes.BlockSize:aes.BlockSize+n])
	return data, nil
}
