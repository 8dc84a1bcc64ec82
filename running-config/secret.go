package runningconfig

import (
	"crypto/md5"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"strconv"
	"strings"

	"golang.org/x/crypto/scrypt"
)

// ciscoAlphabet is the base64 alphabet of Cisco's hashed secrets (and of
// MD5-crypt): "./0-9A-Za-z".
const ciscoAlphabet = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// ciscoBase64 encodes the type 8 and type 9 hashes: standard base64 bit
// order with the Cisco alphabet and no padding (32 bytes, 43 characters).
var ciscoBase64 = base64.NewEncoding(ciscoAlphabet).WithPadding(base64.NoPadding)

// Parameters of the type 8 (PBKDF2-HMAC-SHA256) and type 9 (scrypt)
// hashes; the 14-character salt is used as typed, not decoded.
const (
	type8Iterations = 20000
	type9N          = 16384
	hashLen         = 32
)

// Rand is the source of the salts of new hashed secrets and of the
// offsets of new type 7 passwords: crypto/rand; tests replace it with a
// fixed stream so that their outputs are stable.
var Rand io.Reader = rand.Reader

// saltLen is the salt length of the secrets NewSecret makes: IOS uses 4
// characters for type 5 and 14 for types 8 and 9.
var saltLen = map[string]int{"5": 4, "8": 14, "9": 14}

// NewSecret hashes a plain-text password into a secret of type "5"
// (MD5-crypt), "8" (PBKDF2-SHA256) or "9" (scrypt) with a fresh random
// salt, as IOS does for `secret PLAINTEXT`.
func NewSecret(typ, password string) (Secret, error) {
	n, ok := saltLen[typ]
	if !ok {
		return Secret{}, errUnknownType(typ)
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(Rand, b); err != nil {
		return Secret{}, fmt.Errorf("secret salt: %w", err)
	}
	for i := range b {
		b[i] = ciscoAlphabet[b[i]%64]
	}
	if typ == "5" {
		return Secret{Type: typ, Text: MD5Crypt(password, string(b))}, nil
	}
	h, err := HashSecret(typ, password, string(b))
	if err != nil {
		return Secret{}, fmt.Errorf("type %s secret: %w", typ, err)
	}
	return Secret{Type: typ, Text: h}, nil
}

// EncodeType7 hides a password the reversible type 7 way, with a random
// key offset from 00 to 15 as IOS picks it.
func EncodeType7(password string) (string, error) {
	var seed [1]byte
	if _, err := io.ReadFull(Rand, seed[:]); err != nil {
		return "", fmt.Errorf("type 7 offset: %w", err)
	}
	off := int(seed[0] % 16)
	b := []byte(password)
	for i := range b {
		b[i] ^= type7Key[(off+i)%len(type7Key)]
	}
	return fmt.Sprintf("%02d%X", off, b), nil
}

// Encrypt turns a plain-text (no type or type 0) password into type 7,
// as `service password-encryption` does; other types are kept.
func (s *Secret) Encrypt() error {
	if s.Type != "" && s.Type != "0" {
		return nil
	}
	t, err := EncodeType7(s.Text)
	if err != nil {
		return err
	}
	s.Type, s.Text = "7", t
	return nil
}

// type7Key is the key of Cisco's reversible type 7 obfuscation.
const type7Key = "dsfd;kfoA,.iyewrkldJKDHSUBsgvca69834ncxv9873254k;fg87"

// Verify reports whether a typed password matches the secret: plain text
// (no type or type 0), type 7 (decoded), type 5 (MD5-crypt), type 8
// (PBKDF2-SHA256) or type 9 (scrypt). A malformed secret matches nothing.
func (s Secret) Verify(password string) bool {
	var want, got string
	switch s.Type {
	case "", "0":
		want, got = s.Text, password
	case "7":
		plain, ok := DecodeType7(s.Text)
		if !ok {
			return false
		}
		want, got = plain, password
	case "5":
		salt, ok := cryptSalt(s.Text, "$1$")
		if !ok {
			return false
		}
		want, got = s.Text, MD5Crypt(password, salt)
	case "8", "9":
		salt, ok := cryptSalt(s.Text, "$"+s.Type+"$")
		if !ok {
			return false
		}
		h, err := HashSecret(s.Type, password, salt)
		if err != nil {
			return false
		}
		want, got = s.Text, h
	default:
		return false
	}
	return subtle.ConstantTimeCompare([]byte(want), []byte(got)) == 1
}

// cryptSalt returns the salt of "PREFIXsalt$hash".
func cryptSalt(text, prefix string) (string, bool) {
	rest, ok := strings.CutPrefix(text, prefix)
	if !ok {
		return "", false
	}
	salt, _, ok := strings.Cut(rest, "$")
	return salt, ok
}

// HashSecret returns the type 8 or type 9 secret of a password with the
// given salt: "$8$salt$hash" or "$9$salt$hash".
func HashSecret(typ, password, salt string) (string, error) {
	var key []byte
	var err error
	switch typ {
	case "8":
		key, err = pbkdf2.Key(sha256.New, password, []byte(salt), type8Iterations, hashLen)
	case "9":
		key, err = scrypt.Key([]byte(password), []byte(salt), type9N, 1, 1, hashLen)
	default:
		return "", errUnknownType(typ)
	}
	if err != nil {
		return "", err
	}
	return "$" + typ + "$" + salt + "$" + ciscoBase64.EncodeToString(key), nil
}

// errUnknownType is the error of a secret type HashSecret cannot make.
type errUnknownType string

func (e errUnknownType) Error() string { return "unknown secret type " + string(e) }

// DecodeType7 reveals a type 7 password: two decimal digits giving the
// key offset, then the XORed bytes in hexadecimal.
func DecodeType7(text string) (string, bool) {
	if len(text) < 2 || len(text)%2 != 0 {
		return "", false
	}
	seed, err := strconv.Atoi(text[:2])
	if err != nil || seed >= len(type7Key) {
		return "", false
	}
	b, err := hex.DecodeString(text[2:])
	if err != nil {
		return "", false
	}
	for i := range b {
		b[i] ^= type7Key[(seed+i)%len(type7Key)]
	}
	return string(b), true
}

// MD5Crypt returns the MD5-crypt ("$1$salt$hash", IOS type 5) of a
// password; the salt is cut to 8 characters.
func MD5Crypt(password, salt string) string {
	if len(salt) > 8 {
		salt = salt[:8]
	}
	pw, sl := []byte(password), []byte(salt)
	alt := md5.Sum(concatBytes(pw, sl, pw))
	h := md5.New()
	h.Write(concatBytes(pw, []byte("$1$"), sl))
	for n := len(pw); n > 0; n -= 16 {
		h.Write(alt[:min(n, 16)])
	}
	for n := len(pw); n > 0; n >>= 1 {
		if n&1 != 0 {
			h.Write([]byte{0})
		} else {
			h.Write(pw[:1])
		}
	}
	final := h.Sum(nil)
	for i := range 1000 {
		h.Reset()
		if i&1 != 0 {
			h.Write(pw)
		} else {
			h.Write(final)
		}
		if i%3 != 0 {
			h.Write(sl)
		}
		if i%7 != 0 {
			h.Write(pw)
		}
		if i&1 != 0 {
			h.Write(final)
		} else {
			h.Write(pw)
		}
		final = h.Sum(final[:0])
	}
	var out strings.Builder
	out.WriteString("$1$" + salt + "$")
	for _, g := range [][3]int{{0, 6, 12}, {1, 7, 13}, {2, 8, 14}, {3, 9, 15}, {4, 10, 5}} {
		to64(&out, uint(final[g[0]])<<16|uint(final[g[1]])<<8|uint(final[g[2]]), 4)
	}
	to64(&out, uint(final[11]), 2)
	return out.String()
}

// to64 writes the n low 6-bit groups of v, least significant first.
func to64(b *strings.Builder, v uint, n int) {
	for range n {
		b.WriteByte(ciscoAlphabet[v&0x3f])
		v >>= 6
	}
}

func concatBytes(parts ...[]byte) []byte {
	var out []byte
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}
