package runningconfig

import (
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
)

// PubkeyUser is one `username NAME` of `ip ssh pubkey-chain`: the public
// keys with which the user may log in over SSH. IOS keeps only the MD5
// fingerprint of a key entered with `key-string` and shows it as
// `key-hash TYPE HEX`, so a login is checked against the hash of the key
// the client offers.
type PubkeyUser struct {
	// Keys are the user's keys in the order entered.
	Keys []KeyHash
}

// KeyHash is one `key-hash TYPE HEX [COMMENT]` line.
type KeyHash struct {
	// Type is the SSH key algorithm ("ssh-rsa", "ecdsa-sha2-nistp256",
	// "ssh-ed25519").
	Type string
	// Hash is the MD5 fingerprint of the key blob as 32 upper-case hex
	// digits.
	Hash string
	// Comment is the optional key comment IOS shows after the hash.
	Comment string
}

// KeyHashOf returns the key-hash line of an SSH public key blob (the
// wire-format key, RFC 4253 section 6.6), as IOS computes it when a key is
// entered with `key-string`.
func KeyHashOf(keyType string, blob []byte, comment string) KeyHash {
	sum := md5.Sum(blob)
	return KeyHash{Type: keyType, Hash: strings.ToUpper(hex.EncodeToString(sum[:])), Comment: comment}
}

// ParseKeyHash validates a hash typed with `key-hash TYPE HASH`: 32 hex
// digits, with or without colons, stored in upper case without them.
func ParseKeyHash(keyType, hash, comment string) (KeyHash, error) {
	h := strings.ToUpper(strings.ReplaceAll(hash, ":", ""))
	if b, err := hex.DecodeString(h); err != nil || len(b) != md5.Size {
		return KeyHash{}, fmt.Errorf("%q is not an MD5 key hash (32 hex digits)", hash)
	}
	return KeyHash{Type: keyType, Hash: h, Comment: comment}, nil
}

// Matches reports whether the key blob of type keyType has this hash.
func (k KeyHash) Matches(keyType string, blob []byte) bool {
	return k.Type == keyType && KeyHashOf(keyType, blob, "").Hash == k.Hash
}

// AddKey adds k unless the same hash is already there (IOS keeps one line
// per key).
func (u *PubkeyUser) AddKey(k KeyHash) {
	if !slices.ContainsFunc(u.Keys, func(o KeyHash) bool { return o.Hash == k.Hash && o.Type == k.Type }) {
		u.Keys = append(u.Keys, k)
	}
}

// DeleteKey removes the key with the given hash, reporting whether it was
// there.
func (u *PubkeyUser) DeleteKey(keyType, hash string) bool {
	n := len(u.Keys)
	h := strings.ToUpper(strings.ReplaceAll(hash, ":", ""))
	u.Keys = slices.DeleteFunc(u.Keys, func(o KeyHash) bool { return o.Hash == h && o.Type == keyType })
	return len(u.Keys) != n
}

// PubkeyUser returns the pubkey-chain entry of user name, creating it when
// create is set (nil otherwise).
func (s *SSHConfig) PubkeyUser(name string, create bool) *PubkeyUser {
	if u, ok := s.Pubkeys.Get(name); ok {
		return u
	}
	if !create {
		return nil
	}
	u := &PubkeyUser{}
	s.Pubkeys.Set(name, u)
	return u
}

// renderPubkeyChain writes `ip ssh pubkey-chain` with its users (two
// spaces) and their keys (three spaces), as IOS-XE shows them.
func (s *SSHConfig) renderPubkeyChain(w *writer) {
	if !s.PubkeyChain {
		return
	}
	w.line("ip ssh pubkey-chain")
	s.Pubkeys.Each(func(name string, u *PubkeyUser) {
		w.line("  username %s", name)
		for _, k := range u.Keys {
			if k.Comment != "" {
				w.line("   key-hash %s %s %s", k.Type, k.Hash, k.Comment)
			} else {
				w.line("   key-hash %s %s", k.Type, k.Hash)
			}
		}
	})
}
