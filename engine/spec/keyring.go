package spec

import (
	"net/netip"
	"strings"
)

// Keyring is a resolved `crypto ikev2 keyring`: its peers in configuration
// order.
type Keyring struct {
	// Name is the keyring name.
	Name string
	// Peers are the `peer` blocks in configuration order.
	Peers []KeyringPeer
}

// KeyringPeer is one `peer` of a keyring.
type KeyringPeer struct {
	// Name is the peer block's name.
	Name string
	// Prefix is `address A.B.C.D [MASK]` (a host prefix without a mask)
	// or `address X:X::X:X/M`; invalid when the peer has no address.
	Prefix netip.Prefix
	// Hostname is `hostname NAME` ("" if none).
	Hostname string
	// Identity is `identity ...` (Kind 0 if none).
	Identity Identity
	// LocalKey signs our AUTH payload and RemoteKey verifies the peer's
	// (RFC 7296 section 2.15): `pre-shared-key KEY` sets both, `pre-shared-key
	// local|remote KEY` one each. nil when not configured (or a type 6 key
	// that cannot be decrypted).
	LocalKey, RemoteKey []byte
}

// Find returns the peer for a session, following IOS's keyring lookup
// (best knowledge from Cisco's FlexVPN configuration guide, which states
// that the identity is a responder's lookup key, the hostname an
// initiator's, and the address both's):
//
//  1. when id is given (a responder has the peer's IDi), the first peer in
//     configuration order whose `identity` is exactly id, else the first
//     whose `identity ... domain` contains it;
//  2. otherwise, among the peers whose `address` prefix contains addr, the
//     most specific one (longest prefix); of equal prefixes the first
//     configured.
//
// Pass a zero id as initiator (or to look up by address only), and an
// invalid addr to look up by identity only.
func (k *Keyring) Find(addr netip.Addr, id ID) (*KeyringPeer, bool) {
	if k == nil {
		return nil, false
	}
	if id.Type != 0 {
		for _, domain := range []bool{false, true} {
			for i := range k.Peers {
				if p := &k.Peers[i]; p.Identity.Domain == domain && p.Identity.Matches(id) {
					return p, true
				}
			}
		}
	}
	if !addr.IsValid() {
		return nil, false
	}
	addr = addr.Unmap()
	var best *KeyringPeer
	for i := range k.Peers {
		p := &k.Peers[i]
		if p.Prefix.IsValid() && p.Prefix.Contains(addr) && (best == nil || p.Prefix.Bits() > best.Prefix.Bits()) {
			best = p
		}
	}
	return best, best != nil
}

// FindHost returns the first peer whose `hostname` is host (ignoring case):
// the initiator's lookup when the tunnel destination is a host name.
func (k *Keyring) FindHost(host string) (*KeyringPeer, bool) {
	if k == nil {
		return nil, false
	}
	for i := range k.Peers {
		if k.Peers[i].Hostname != "" && strings.EqualFold(k.Peers[i].Hostname, host) {
			return &k.Peers[i], true
		}
	}
	return nil, false
}

// Lookup returns the local and remote pre-shared keys of the peer Find
// selects; ok is false when no peer matches or the selected one lacks a
// key (IOS does not fall back to a less specific peer).
func (k *Keyring) Lookup(addr netip.Addr, id ID) (local, remote []byte, ok bool) {
	p, found := k.Find(addr, id)
	if !found {
		return nil, nil, false
	}
	return p.LocalKey, p.RemoteKey, len(p.LocalKey) > 0 && len(p.RemoteKey) > 0
}
