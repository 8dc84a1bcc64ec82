package esp

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"fmt"
	"hash"
	"io"

	"golang.org/x/crypto/chacha20poly1305"

	"github.com/flexvpnd/flexvpnd/engine/aesgcm"
)

// Cipher is an ESP encryption transform.
type Cipher uint8

// Encryption transforms. The AEAD ones take Config.EncKey as the IKEv2
// KEYMAT gives it: the cipher key followed by a 4-octet salt
// (RFC 4106 section 8.1, RFC 7634 section 4).
const (
	// AESGCM16 is AES-GCM with a 16-octet ICV (RFC 4106); EncKey is 20 or
	// 36 octets (AES-128 or AES-256 plus salt).
	AESGCM16 Cipher = iota + 1
	// ChaCha20Poly1305 is RFC 7634; EncKey is 36 octets (key plus salt).
	ChaCha20Poly1305
	// AESCBC is AES-CBC with an explicit random IV (RFC 3602); EncKey is
	// 16, 24 or 32 octets and an Integrity transform is required.
	AESCBC
)

// String returns the IOS transform-set name of c.
func (c Cipher) String() string {
	switch c {
	case AESGCM16:
		return "esp-gcm"
	case ChaCha20Poly1305:
		return "esp-chacha20-poly1305"
	case AESCBC:
		return "esp-aes"
	}
	return fmt.Sprintf("cipher(%d)", uint8(c))
}

// Integrity is an ESP integrity transform, used with AESCBC only.
type Integrity uint8

// Integrity transforms (the AEAD ciphers take IntegrityNone).
const (
	// IntegrityNone is the only valid choice with an AEAD cipher.
	IntegrityNone Integrity = iota
	// HMACSHA1_96 is RFC 2404: 20-octet key, 12-octet ICV.
	HMACSHA1_96
	// HMACSHA256_128 is RFC 4868: 32-octet key, 16-octet ICV.
	HMACSHA256_128
	// HMACSHA384_192 is RFC 4868: 48-octet key, 24-octet ICV.
	HMACSHA384_192
	// HMACSHA512_256 is RFC 4868: 64-octet key, 32-octet ICV.
	HMACSHA512_256
)

// String returns the IOS transform-set name of i.
func (i Integrity) String() string {
	switch i {
	case IntegrityNone:
		return "none"
	case HMACSHA1_96:
		return "esp-sha-hmac"
	case HMACSHA256_128:
		return "esp-sha256-hmac"
	case HMACSHA384_192:
		return "esp-sha384-hmac"
	case HMACSHA512_256:
		return "esp-sha512-hmac"
	}
	return fmt.Sprintf("integrity(%d)", uint8(i))
}

// params returns the hash, key length and truncated ICV length of i.
func (i Integrity) params() (newHash func() hash.Hash, keyLen, icvLen int) {
	switch i {
	case HMACSHA1_96:
		return sha1.New, 20, 12
	case HMACSHA256_128:
		return sha256.New, 32, 16
	case HMACSHA384_192:
		return sha512.New384, 48, 24
	case HMACSHA512_256:
		return sha512.New, 64, 32
	}
	return nil, 0, 0
}

// Mode is the IPsec mode of an SA. ESP itself does not depend on it: the
// caller hands in the inner IP packet (tunnel) or the transport payload
// together with its next-header value.
type Mode uint8

// IPsec modes (RFC 4301 section 4.1).
const (
	Tunnel Mode = iota
	Transport
)

// Replay window bounds (the IOS "replay window-size" range); a Config with
// ReplayWindow 0 turns the replay check off.
const (
	MinReplayWindow = 64
	MaxReplayWindow = 4096
)

// Config describes one direction of a CHILD SA.
type Config struct {
	// SPI is the Security Parameters Index, 256 or above (RFC 4303 section 2.1).
	SPI uint32
	// Cipher and Integrity are the negotiated transforms.
	Cipher    Cipher
	Integrity Integrity
	// EncKey and IntegKey are the keys taken from KEYMAT (RFC 7296 section 2.17).
	EncKey   []byte
	IntegKey []byte
	// ESN enables 64-bit Extended Sequence Numbers (RFC 4303 section 2.2.1).
	ESN bool
	// ReplayWindow is the inbound anti-replay window in packets,
	// MinReplayWindow..MaxReplayWindow, or 0 to disable the check. Unused
	// outbound.
	ReplayWindow int
	// Mode is recorded for the caller; see Mode.
	Mode Mode
	// Rand supplies the random CBC IVs (RFC 3602 section 2.3); nil means
	// crypto/rand. Unused by AEAD ciphers, whose IV is the sequence number.
	Rand io.Reader
}

// suite is the keyed transform shared by the packets of one SA.
type suite struct {
	aead   cipher.AEAD  // AEAD ciphers
	salt   [4]byte      // AEAD nonce salt
	block  cipher.Block // AESCBC
	hash   func() hash.Hash
	ikey   []byte
	ivLen  int
	icvLen int
	align  int // payload+padding+trailer alignment (RFC 4303 section 2.4)
}

// newSuite validates c and keys its transforms.
func newSuite(c *Config) (*suite, error) {
	if c.SPI < 256 {
		return nil, fmt.Errorf("esp: SPI %d is reserved (RFC 4303 section 2.1)", c.SPI)
	}
	if c.ReplayWindow != 0 && (c.ReplayWindow < MinReplayWindow || c.ReplayWindow > MaxReplayWindow) {
		return nil, fmt.Errorf("esp: replay window %d outside %d..%d", c.ReplayWindow, MinReplayWindow, MaxReplayWindow)
	}
	s := &suite{}
	switch c.Cipher {
	case AESGCM16, ChaCha20Poly1305:
		if c.Integrity != IntegrityNone || len(c.IntegKey) != 0 {
			return nil, fmt.Errorf("esp: %v takes no integrity transform", c.Cipher)
		}
		if len(c.EncKey) < 4 {
			return nil, fmt.Errorf("esp: %v key of %d octets lacks the 4-octet salt", c.Cipher, len(c.EncKey))
		}
		key := c.EncKey[:len(c.EncKey)-4]
		copy(s.salt[:], c.EncKey[len(key):])
		var err error
		if c.Cipher == ChaCha20Poly1305 {
			s.aead, err = chacha20poly1305.New(key)
		} else {
			s.aead, err = newGCM(key)
		}
		if err != nil {
			return nil, fmt.Errorf("esp: %v: %w", c.Cipher, err)
		}
		s.ivLen, s.icvLen, s.align = 8, s.aead.Overhead(), 4
	case AESCBC:
		b, err := aes.NewCipher(c.EncKey)
		if err != nil {
			return nil, fmt.Errorf("esp: %v: %w", c.Cipher, err)
		}
		h, keyLen, icvLen := c.Integrity.params()
		if h == nil {
			return nil, fmt.Errorf("esp: %v needs an integrity transform, got %v", c.Cipher, c.Integrity)
		}
		if len(c.IntegKey) != keyLen {
			return nil, fmt.Errorf("esp: %v key is %d octets, want %d", c.Integrity, len(c.IntegKey), keyLen)
		}
		s.block, s.hash, s.ikey = b, h, append([]byte(nil), c.IntegKey...)
		s.ivLen, s.icvLen, s.align = aes.BlockSize, icvLen, aes.BlockSize
	default:
		return nil, fmt.Errorf("esp: unknown %v", c.Cipher)
	}
	return s, nil
}

// newGCM keys AES-GCM for ESP: 128 or 256-bit keys (RFC 4106 section 8.1
// also allows 192; IKEv2 negotiates it rarely, so it is accepted too).
// engine/aesgcm uses VAES/VPCLMULQDQ assembly where the CPU has it.
func newGCM(key []byte) (cipher.AEAD, error) {
	return aesgcm.New(key)
}

// work is per-packet scratch state, pooled per SA so that packets do not
// allocate and concurrent packets do not share it.
type work struct {
	Scratch
	sum [sha512.Size]byte
	mac hash.Hash
	cbc cbcMode // encrypter or decrypter, by direction
}

// cbcMode is a crypto/cipher CBC mode; all of them implement SetIV, and
// reusing a mode with a new IV avoids an allocation per packet.
type cbcMode interface {
	CryptBlocks(dst, src []byte)
	SetIV(iv []byte)
}

// newWork returns scratch for s; decrypt selects the CBC direction.
func (s *suite) newWork(decrypt bool) *work {
	w := &work{}
	if s.block != nil {
		var zero [aes.BlockSize]byte
		if decrypt {
			w.cbc = cipher.NewCBCDecrypter(s.block, zero[:]).(cbcMode)
		} else {
			w.cbc = cipher.NewCBCEncrypter(s.block, zero[:]).(cbcMode)
		}
		w.mac = hmac.New(s.hash, s.ikey)
	}
	return w
}

// headerLen is the length of SPI, sequence number and IV.
func (s *suite) headerLen() int { return 8 + s.ivLen }
