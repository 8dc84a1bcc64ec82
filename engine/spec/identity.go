package spec

import (
	"bytes"
	"net/netip"
	"strings"

	"github.com/flexvpnd/flexvpnd/engine/ikev2/wire"
)

// ID is an identity as carried in an IDi/IDr payload (RFC 7296 section
// 3.5): the ID Type and the identification data. It has the layout of
// ID, so each converts to the other (spec.ID(id),
// ID(id)) without spec depending on the IKE state machine.
type ID struct {
	Type wire.IDType
	Data []byte
}

// AddrID returns the ID_IPV4_ADDR or ID_IPV6_ADDR identity of a.
func AddrID(a netip.Addr) ID {
	a = a.Unmap()
	if a.Is4() {
		b := a.As4()
		return ID{Type: wire.IDIPv4Addr, Data: b[:]}
	}
	b := a.As16()
	return ID{Type: wire.IDIPv6Addr, Data: b[:]}
}

// IDKind is the kind of an IOS IKEv2 identity.
type IDKind uint8

// The identity kinds.
const (
	// IDAddress is an IP address (ID_IPV4_ADDR, ID_IPV6_ADDR).
	IDAddress IDKind = iota + 1
	// IDFQDN is a host name (ID_FQDN).
	IDFQDN
	// IDEmail is an e-mail address (ID_RFC822_ADDR).
	IDEmail
	// IDKeyID is an opaque key identifier (ID_KEY_ID).
	IDKeyID
	// IDDN is the certificate's distinguished name (ID_DER_ASN1_DN);
	// only with certificates, which the engine does not use.
	IDDN
	// IDAny is `match identity remote any` (matches only).
	IDAny
)

// String returns the IOS keyword of the kind.
func (k IDKind) String() string {
	switch k {
	case IDAddress:
		return "address"
	case IDFQDN:
		return "fqdn"
	case IDEmail:
		return "email"
	case IDKeyID:
		return "key-id"
	case IDDN:
		return "dn"
	case IDAny:
		return "any"
	}
	return "none"
}

// Identity is an IKE identity as configured: a profile's `identity local`
// or a keyring peer's `identity`.
type Identity struct {
	// Kind is the identity kind; 0 means none configured.
	Kind IDKind
	// Addr is the address of an IDAddress identity. For `identity local`
	// it is invalid when the line is absent or names no address: the
	// local IKE address of the session is used (the IOS default).
	Addr netip.Addr
	// Name is the FQDN, e-mail address or key ID; with Domain, the
	// domain.
	Name string
	// Domain is a keyring peer's `identity fqdn domain NAME` or `identity
	// email domain NAME`: every identity in the domain (see
	// IdentityMatch.Matches). Never set for `identity local`.
	Domain bool
}

// Wire returns the identity as sent in an ID payload (RFC 7296 section
// 3.5); local is the session's local address, used for an IDAddress
// identity without an address (and when no identity is configured).
// ok is false for IDDN, which needs a certificate.
func (id Identity) Wire(local netip.Addr) (ID, bool) {
	switch id.Kind {
	case 0, IDAddress:
		a := id.Addr
		if !a.IsValid() {
			a = local
		}
		if !a.IsValid() {
			return ID{}, false
		}
		return AddrID(a), true
	case IDFQDN:
		return ID{Type: wire.IDFQDN, Data: []byte(id.Name)}, true
	case IDEmail:
		return ID{Type: wire.IDRFC822Addr, Data: []byte(id.Name)}, true
	case IDKeyID:
		return ID{Type: wire.IDKeyID, Data: []byte(id.Name)}, true
	}
	return ID{}, false
}

// Matches reports whether a received identity is this configured one (a
// keyring peer's `identity` lookup): same type and value, FQDN and e-mail
// compared ignoring case, key IDs octet for octet; with Domain, any
// identity in the domain, as a `match identity remote ... domain` line.
func (id Identity) Matches(got ID) bool {
	switch id.Kind {
	case IDAddress:
		a, ok := identityAddr(got)
		return ok && a == id.Addr.Unmap()
	case IDFQDN, IDEmail, IDKeyID:
		return IdentityMatch{Kind: id.Kind, Name: id.Name, Domain: id.Domain}.Matches(got)
	}
	return false
}

// identityAddr returns the address of an ID_IPV4_ADDR or ID_IPV6_ADDR
// identity.
func identityAddr(id ID) (netip.Addr, bool) {
	if (id.Type == wire.IDIPv4Addr && len(id.Data) == 4) || (id.Type == wire.IDIPv6Addr && len(id.Data) == 16) {
		a, ok := netip.AddrFromSlice(id.Data)
		return a, ok
	}
	return netip.Addr{}, false
}

// IdentityMatch is one `match identity remote` line of a profile.
type IdentityMatch struct {
	// Kind is IDAddress, IDFQDN, IDEmail, IDKeyID or IDAny.
	Kind IDKind
	// Prefix is the address with its mask (`address A.B.C.D MASK`, a
	// host prefix without a mask, or an IPv6 prefix).
	Prefix netip.Prefix
	// Name is the FQDN, e-mail address or key ID, or with Domain the
	// domain name.
	Name string
	// Domain is `fqdn domain NAME` / `email domain NAME`.
	Domain bool
}

// Matches reports whether the peer's identity satisfies the line:
//
//   - address: an IPv4 or IPv6 address identity inside Prefix;
//   - fqdn NAME: an ID_FQDN equal to NAME, ignoring case (DNS names are
//     case-insensitive, RFC 4343);
//   - fqdn domain NAME: an ID_FQDN that is NAME or ends with ".NAME"
//     (label-aligned; best knowledge: IOS documents only that the domain
//     is matched);
//   - email NAME: an ID_RFC822_ADDR equal to NAME, ignoring case;
//   - email domain NAME: an ID_RFC822_ADDR whose part after the last "@"
//     is NAME or ends with ".NAME";
//   - key-id NAME: an ID_KEY_ID equal octet for octet (AnyConnect's
//     "*$AnyConnectClient$*" is a literal key ID, not a pattern);
//   - any: every identity.
func (m IdentityMatch) Matches(id ID) bool {
	switch m.Kind {
	case IDAny:
		return true
	case IDAddress:
		a, ok := identityAddr(id)
		return ok && m.Prefix.Contains(a)
	case IDFQDN:
		if id.Type != wire.IDFQDN {
			return false
		}
		if m.Domain {
			return inDomain(string(id.Data), m.Name)
		}
		return strings.EqualFold(string(id.Data), m.Name)
	case IDEmail:
		if id.Type != wire.IDRFC822Addr {
			return false
		}
		if !m.Domain {
			return strings.EqualFold(string(id.Data), m.Name)
		}
		at := strings.LastIndexByte(string(id.Data), '@')
		return at >= 0 && inDomain(string(id.Data[at+1:]), m.Name)
	case IDKeyID:
		return id.Type == wire.IDKeyID && bytes.Equal(id.Data, []byte(m.Name))
	}
	return false
}

// inDomain reports whether name is domain or a name below it, ignoring
// case.
func inDomain(name, domain string) bool {
	name, domain = strings.ToLower(name), strings.ToLower(strings.TrimPrefix(domain, "."))
	return name == domain || strings.HasSuffix(name, "."+domain)
}
