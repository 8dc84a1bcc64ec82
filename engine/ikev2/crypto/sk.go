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
type SKCipher struct {
	rand io.Reader

	// AES-CBC with an HMAC integrity algorithm.
	block  cipher.Block
	mac    hash.Hash
	icvLen int

	// AES-GCM-16 or ChaCha20-Poly1305.
	aead    cipher.AEAD
	nonce   [saltLen + aeadIVLen]byte // salt | explicit IV
	counter uint64
}

// NewSKCipher returns an SKCipher for the encryption transform e with
// integrity transform integ (IntegNone for the combined-mode ciphers) and
// the keys of one direction: SK_ei and SK_ai, or SK_er and SK_ar. For AES-GCM
// and ChaCha20-Poly1305 encKey ends with the 4-octet salt. rand supplies the
// AES-CBC IVs, which must be unpredictable (RFC 3602 section 2.3).
func NewSKCipher(e Encr, integ IntegID, encKey, integKey []byte, rand io.Reader) (*SKCipher, error) {
	if err := checkPair(e, integ); err != nil {
		return nil, fmt.Errorf("creating SK cipher: %w", err)
	}
	if n, _ := e.KeyLen(); len(encKey) != n {
		return nil, fmt.Errorf("ikecrypto: ENCR %d key is %d octets, want %d", e.ID, len(encKey), n)
	}
	spec, _ := integ.spec()
	if len(integKey) != spec.keyLen {
		return nil, fmt.Errorf("ikecrypto: INTEG %d key is %d octets, want %d", integ, len(integKey), spec.keyLen)
	}
	c := &SKCipher{rand: rand}
	switch e.ID {
	case EncrAESCBC:
		block, err := aes.NewCipher(encKey)
		if err != nil {
			return nil, fmt.Errorf("ikecrypto: AES-CBC key: %w", err)
		}
		p, _ := NewPRF(spec.hash)
		c.block, c.mac, c.icvLen = block, hmac.New(p.newHash, integKey), spec.icvLen
		return c, nil
	case EncrAESGCM16:
		block, err := aes.NewCipher(encKey[:len(encKey)-saltLen])
		if err != nil {
			return nil, fmt.Errorf("ikecrypto: AES-GCM key: %w", err)
		}
		if c.aead, err = cipher.NewGCM(block); err != nil {
			return nil, fmt.Errorf("ikecrypto: AES-GCM: %w", err)
		}
	default: // EncrChaCha20Poly1305, the only other pair checkPair accepts
		var err error
		if c.aead, err = chacha20poly1305.New(encKey[:len(encKey)-saltLen]); err != nil {
			return nil, fmt.Errorf("ikecrypto: ChaCha20-Poly1305 key: %w", err)
		}
	}
	copy(c.nonce[:saltLen], encKey[len(encKey)-saltLen:])
	return c, nil
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
	if c.aead != nil {
		return aeadIVLen + n + 1 + aeadICVLen
	}
	return aes.BlockSize + (n/aes.BlockSize+1)*aes.BlockSize + c.icvLen
}

// Seal encrypts the inner payloads and returns the SK payload body. ad is the
// associated data described on SKCipher.
func (c *SKCipher) Seal(ad, plaintext []byte) ([]byte, error) {
	body := make([]byte, c.BodyLen(len(plaintext)))
	if c.aead != nil {
		return c.sealAEAD(body, ad, plaintext)
	}
	iv, rest := body[:aes.BlockSize], body[aes.BlockSize:len(body)-c.icvLen]
	if _, err := io.ReadFull(c.rand, iv); err != nil {
		return nil, fmt.Errorf("ikecrypto: drawing CBC IV: %w", err)
	}
	copy(rest, plaintext)
	// Padding octets are zero; the Pad Length counts them.
	rest[len(rest)-1] = byte(len(rest) - len(plaintext) - 1)
	cipher.NewCBCEncrypter(c.block, iv).CryptBlocks(rest, rest)
	// The ICV covers the message from the IKE header to the end of the
	// encrypted data (RFC 7296 section 3.14).
	c.mac.Reset()
	c.mac.Write(ad)
	c.mac.Write(body[:len(body)-c.icvLen])
	copy(body[len(body)-c.icvLen:], c.mac.Sum(nil))
	return body, nil
}

// sealAEAD uses a counter as explicit IV, which RFC 5282 section 3.1 and
// RFC 7634 section 2 allow: it only has to be unique for the key.
func (c *SKCipher) sealAEAD(body, ad, plaintext []byte) ([]byte, error) {
	if c.counter == ^uint64(0) {
		return nil, errors.New("ikecrypto: AEAD IV space exhausted; rekey the IKE SA")
	}
	c.counter++
	binary.BigEndian.PutUint64(body[:aeadIVLen], c.counter)
	copy(c.nonce[saltLen:], body[:aeadIVLen])
	data := body[aeadIVLen : len(body)-aeadICVLen]
	copy(data, plaintext)
	data[len(data)-1] = 0 // Pad Length: no padding
	// The AAD is the IKE header and the SK payload header (RFC 5282 section
	// 5.1, RFC 7634 section 3).
	c.aead.Seal(data[:0], c.nonce[:], data, ad)
	return body, nil
}

// Open authenticates and decrypts an SK payload body and returns the inner
// payloads. Integrity failures wrap ErrIntegrity and are detected in constant
// time; bodies too short or misaligned wrap ErrMalformed. Open does not
// modify body.
func (c *SKCipher) Open(ad, body []byte) ([]byte, error) {
	var data []byte
	if c.aead != nil {
		if len(body) < aeadIVLen+1+aeadICVLen {
			return nil, fmt.Errorf("%w: %d octets", ErrMalformed, len(body))
		}
		copy(c.nonce[saltLen:], body[:aeadIVLen])
		var err error
		if data, err = c.aead.Open(nil, c.nonce[:], body[aeadIVLen:], ad); err != nil {
			return nil, ErrIntegrity
		}
	} else {
		n := len(body) - aes.BlockSize - c.icvLen
		if n < aes.BlockSize || n%aes.BlockSize != 0 {
			return nil, fmt.Errorf("%w: %d octets", ErrMalformed, len(body))
		}
		c.mac.Reset()
		c.mac.Write(ad)
		c.mac.Write(body[:len(body)-c.icvLen])
		if !hmac.Equal(c.mac.Sum(nil)[:c.icvLen], body[len(body)-c.icvLen:]) {
			return nil, ErrIntegrity
		}
		data = make([]byte, n)
		cipher.NewCBCDecrypter(c.block, body[:aes.BlockSize]).CryptBlocks(data, body[aes.BlockSize:aes.BlockSize+n])
	}
	padLen := int(data[len(data)-1])
	if padLen >= len(data) {
		return nil, fmt.Errorf("%w: pad length %d exceeds %d octets", ErrMalformed, padLen, len(data)-1)
	}
	return data[:len(data)-1-padLen], nil
}
