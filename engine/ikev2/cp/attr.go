package cp

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/flexvpnd/flexvpnd/engine/ikev2/wire"
)

// Attributes are the configuration attributes of one Configuration payload,
// typed. A zero value carries nothing; absent addresses are the zero
// netip.Addr.
type Attributes struct {
	// Addrs4 are the INTERNAL_IP4_ADDRESS values (RFC 7296 section
	// 3.15.1): the assigned addresses in a reply, the wanted ones in a
	// request. Several may be requested.
	Addrs4 []netip.Addr
	// Netmask4 is the INTERNAL_IP4_NETMASK; at most one, and only with an
	// INTERNAL_IP4_ADDRESS.
	Netmask4 netip.Addr
	// DNS4, NBNS4 and DHCP4 are the INTERNAL_IP4_DNS, INTERNAL_IP4_NBNS
	// (WINS) and INTERNAL_IP4_DHCP servers.
	DNS4, NBNS4, DHCP4 []netip.Addr
	// AppVersion is the APPLICATION_VERSION string (IOS sends its `show
	// version` banner in a CFG_REQUEST).
	AppVersion string
	// Addrs6 are the INTERNAL_IP6_ADDRESS values: an address and the
	// length of its on-link prefix (17 octets).
	Addrs6 []netip.Prefix
	// DNS6 and DHCP6 are the INTERNAL_IP6_DNS and INTERNAL_IP6_DHCP
	// servers.
	DNS6, DHCP6 []netip.Addr
	// Subnets4 and Subnets6 are the INTERNAL_IP4_SUBNET and
	// INTERNAL_IP6_SUBNET values: the networks protected behind the
	// sender. IOS FlexVPN carries its route exchange (`route set`) in
	// them. The address is kept as sent (IOS sends an interface's own
	// address with a /32 mask for `route set interface`).
	Subnets4, Subnets6 []netip.Prefix
	// Supported is the SUPPORTED_ATTRIBUTES list.
	Supported []wire.CfgAttrType
	// DNSDomains are the INTERNAL_DNS_DOMAIN values (RFC 8598 section
	// 4): domain names in presentation format.
	DNSDomains []string

	// Banner is the Cisco `banner` (UNITY_BANNER).
	Banner string
	// DefaultDomain is the Cisco `def-domain` (UNITY_DEF_DOMAIN).
	DefaultDomain string
	// SplitDNS are the Cisco `split-dns` domains (UNITY_SPLITDNS_NAME,
	// one comma-separated list).
	SplitDNS []string
	// PFS is the Cisco `pfs` flag (UNITY_PFS): the client uses PFS for
	// its CHILD SAs.
	PFS bool
	// SavePassword is the Cisco `save-password` flag (UNITY_SAVE_PASSWD):
	// the client may store the user's password.
	SavePassword bool
	// BackupServers are the Cisco `backup-gateway` names or addresses
	// (UNITY_BACKUP_SERVERS, one comma-separated list).
	BackupServers []string

	// Requested are the attributes received or to be sent with an empty
	// value, in order: what a CFG_REQUEST asks for (RFC 7296 section
	// 3.15.1), or what a CFG_ACK acknowledges.
	Requested []wire.CfgAttrType
	// Other are the attributes of types this package does not know, kept
	// as received (values copied) and sent as they are.
	Other []wire.CfgAttribute
}

// Request returns Attributes that ask for the given attribute types with
// empty values, as a CFG_REQUEST does.
func Request(types ...wire.CfgAttrType) *Attributes {
	return &Attributes{Requested: slices.Clone(types)}
}

// Asks reports whether t is among the Requested (empty) attributes.
func (a *Attributes) Asks(t wire.CfgAttrType) bool { return slices.Contains(a.Requested, t) }

// Prefix4 returns the first INTERNAL_IP4_ADDRESS with the length of
// INTERNAL_IP4_NETMASK (a /32 when no netmask was given); false when there
// is no address.
func (a *Attributes) Prefix4() (netip.Prefix, bool) {
	if len(a.Addrs4) == 0 {
		return netip.Prefix{}, false
	}
	bits := 32
	if a.Netmask4.IsValid() {
		if n, ok := maskBits(a.Netmask4.AsSlice()); ok {
			bits = n
		}
	}
	return netip.PrefixFrom(a.Addrs4[0], bits), true
}

// AttrError reports an attribute whose value has the wrong length or
// content. It wraps wire.ErrSyntax: a responder answers INVALID_SYNTAX once
// the message is authenticated (RFC 7296 section 3.10.1).
type AttrError struct {
	Type   wire.CfgAttrType
	Len    int
	Reason string
}

func (e *AttrError) Error() string {
	return fmt.Sprintf("configuration attribute %v (%d octets): %s", e.Type, e.Len, e.Reason)
}

// Unwrap returns wire.ErrSyntax.
func (e *AttrError) Unwrap() error { return wire.ErrSyntax }

// Decode types the attributes of a Configuration payload. Zero-length
// attributes go to Requested, unknown types to Other; a known attribute of
// the wrong length, or a netmask without an address, yields an *AttrError. The R bit is ignored (RFC 7296
// section 3.15.1). Nothing in the result aliases attrs.
func Decode(attrs []wire.CfgAttribute) (*Attributes, error) {
	a := &Attributes{}
	for _, at := range attrs {
		if len(at.Value) == 0 {
			a.Requested = append(a.Requested, at.Type)
			continue
		}
		c, ok := codecs[at.Type]
		if !ok {
			a.Other = append(a.Other, wire.CfgAttribute{Type: at.Type, Value: bytes.Clone(at.Value)})
			continue
		}
		if reason := c.decode(a, at.Value); reason != "" {
			return nil, &AttrError{Type: at.Type, Len: len(at.Value), Reason: reason}
		}
	}
	if err := a.checkNetmask(); err != nil {
		return nil, err
	}
	return a, nil
}

// checkNetmask enforces RFC 7296 section 3.15.1: INTERNAL_IP4_NETMASK is
// used only with an INTERNAL_IP4_ADDRESS attribute (valued or requested).
func (a *Attributes) checkNetmask() error {
	if a.Netmask4.IsValid() && len(a.Addrs4) == 0 && !a.Asks(wire.InternalIP4Address) {
		return &AttrError{Type: wire.InternalIP4Netmask, Len: 4, Reason: "without INTERNAL_IP4_ADDRESS (RFC 7296 section 3.15.1)"}
	}
	return nil
}

// FromPayload decodes the attributes of p.
func FromPayload(p *wire.CP) (*Attributes, error) { return Decode(p.Attributes) }

// Payload encodes a into a Configuration payload of the given CFG Type.
func (a *Attributes) Payload(t wire.CPType) (*wire.CP, error) {
	attrs, err := a.Encode()
	if err != nil {
		return nil, err
	}
	return &wire.CP{CFGType: t, Attributes: attrs}, nil
}

// Encode returns the attribute list: the typed values in attribute-number
// order, then the Requested (empty) ones, then Other. It fails on a value
// that does not fit its attribute (an IPv6 address as INTERNAL_IP4_DNS, a
// string over 65535 octets, a netmask without an address).
func (a *Attributes) Encode() ([]wire.CfgAttribute, error) {
	if err := a.checkNetmask(); err != nil {
		return nil, err
	}
	var out []wire.CfgAttribute
	for _, t := range order {
		vals, err := codecs[t].encode(a)
		if err != nil {
			return nil, &AttrError{Type: t, Reason: err.Error()}
		}
		for _, v := range vals {
			if len(v) == 0 || len(v) > 0xFFFF {
				return nil, &AttrError{Type: t, Len: len(v), Reason: "value must be 1 to 65535 octets"}
			}
			out = append(out, wire.CfgAttribute{Type: t, Value: v})
		}
	}
	for _, t := range a.Requested {
		out = append(out, wire.CfgAttribute{Type: t})
	}
	for _, o := range a.Other {
		if _, known := codecs[o.Type]; known {
			return nil, &AttrError{Type: o.Type, Len: len(o.Value), Reason: "known type in Other"}
		}
		out = append(out, wire.CfgAttribute{Type: o.Type, Value: bytes.Clone(o.Value)})
	}
	return out, nil
}

// codec types one attribute: decode stores a non-empty value into a and
// returns "" or why the value is malformed; encode returns the values to
// send (none when the field is empty).
type codec struct {
	decode func(a *Attributes, v []byte) string
	encode func(a *Attributes) ([][]byte, error)
}

// order is the order of the typed attributes in Encode.
var order = []wire.CfgAttrType{
	wire.InternalIP4Address, wire.InternalIP4Netmask, wire.InternalIP4DNS,
	wire.InternalIP4NBNS, wire.InternalIP4DHCP, wire.ApplicationVersion,
	wire.InternalIP6Address, wire.InternalIP6DNS, wire.InternalIP6DHCP,
	wire.InternalIP4Subnet, wire.SupportedAttributes, wire.InternalIP6Subnet,
	wire.InternalDNSDomain,
	CiscoBanner, CiscoSavePassword, CiscoDefDomain, CiscoSplitDNS, CiscoPFS, CiscoBackupServers,
}

// codecs holds the format of every typed attribute. Lengths are those of
// the table in RFC 7296 section 3.15.1 (a value is present, so the "0 or"
// alternative is Requested); INTERNAL_DNS_DOMAIN is RFC 8598 section 4.
var codecs = map[wire.CfgAttrType]codec{
	wire.InternalIP4Address: addrs4(func(a *Attributes) *[]netip.Addr { return &a.Addrs4 }),
	wire.InternalIP4Netmask: {decodeNetmask, func(a *Attributes) ([][]byte, error) {
		if !a.Netmask4.IsValid() {
			return nil, nil
		}
		return encodeAddrs([]netip.Addr{a.Netmask4}, 4)
	}},
	wire.InternalIP4DNS:      addrs4(func(a *Attributes) *[]netip.Addr { return &a.DNS4 }),
	wire.InternalIP4NBNS:     addrs4(func(a *Attributes) *[]netip.Addr { return &a.NBNS4 }),
	wire.InternalIP4DHCP:     addrs4(func(a *Attributes) *[]netip.Addr { return &a.DHCP4 }),
	wire.ApplicationVersion:  text(func(a *Attributes) *string { return &a.AppVersion }),
	wire.InternalIP6Address:  prefixes6(func(a *Attributes) *[]netip.Prefix { return &a.Addrs6 }),
	wire.InternalIP6DNS:      addrs6(func(a *Attributes) *[]netip.Addr { return &a.DNS6 }),
	wire.InternalIP6DHCP:     addrs6(func(a *Attributes) *[]netip.Addr { return &a.DHCP6 }),
	wire.InternalIP4Subnet:   {decodeSubnet4, encodeSubnets4},
	wire.SupportedAttributes: {decodeSupported, encodeSupported},
	wire.InternalIP6Subnet:   prefixes6(func(a *Attributes) *[]netip.Prefix { return &a.Subnets6 }),
	wire.InternalDNSDomain:   texts(func(a *Attributes) *[]string { return &a.DNSDomains }),
	CiscoBanner:              text(func(a *Attributes) *string { return &a.Banner }),
	CiscoDefDomain:           text(func(a *Attributes) *string { return &a.DefaultDomain }),
	CiscoSplitDNS:            list(func(a *Attributes) *[]string { return &a.SplitDNS }),
	CiscoSavePassword:        flag(func(a *Attributes) *bool { return &a.SavePassword }),
	CiscoPFS:                 flag(func(a *Attributes) *bool { return &a.PFS }),
	CiscoBackupServers:       list(func(a *Attributes) *[]string { return &a.BackupServers }),
}

// addrs4 is a repeatable 4-octet IPv4 address.
func addrs4(field func(*Attributes) *[]netip.Addr) codec {
	return addrList(field, 4)
}

// addrs6 is a repeatable 16-octet IPv6 address.
func addrs6(field func(*Attributes) *[]netip.Addr) codec {
	return addrList(field, 16)
}

func addrList(field func(*Attributes) *[]netip.Addr, n int) codec {
	return codec{
		decode: func(a *Attributes, v []byte) string {
			if len(v) != n {
				return fmt.Sprintf("want %d octets", n)
			}
			ip, _ := netip.AddrFromSlice(v)
			*field(a) = append(*field(a), ip)
			return ""
		},
		encode: func(a *Attributes) ([][]byte, error) { return encodeAddrs(*field(a), n) },
	}
}

// encodeAddrs returns one value per address, each n octets.
func encodeAddrs(ips []netip.Addr, n int) ([][]byte, error) {
	var out [][]byte
	for _, ip := range ips {
		if (n == 4 && !ip.Is4()) || (n == 16 && !ip.Is6()) {
			return nil, fmt.Errorf("%v is not an IPv%d address", ip, map[int]int{4: 4, 16: 6}[n])
		}
		out = append(out, ip.AsSlice())
	}
	return out, nil
}

func decodeNetmask(a *Attributes, v []byte) string {
	if len(v) != 4 {
		return "want 4 octets"
	}
	if a.Netmask4.IsValid() {
		return "only one netmask is allowed (RFC 7296 section 3.15.1)"
	}
	a.Netmask4 = netip.AddrFrom4([4]byte(v))
	return ""
}

// prefixes6 is a repeatable 17-octet IPv6 address and prefix length
// (INTERNAL_IP6_ADDRESS, INTERNAL_IP6_SUBNET).
func prefixes6(field func(*Attributes) *[]netip.Prefix) codec {
	return codec{
		decode: func(a *Attributes, v []byte) string {
			if len(v) != 17 {
				return "want 17 octets"
			}
			if v[16] > 128 {
				return fmt.Sprintf("prefix length %d exceeds 128", v[16])
			}
			*field(a) = append(*field(a), netip.PrefixFrom(netip.AddrFrom16([16]byte(v)), int(v[16])))
			return ""
		},
		encode: func(a *Attributes) ([][]byte, error) {
			var out [][]byte
			for _, p := range *field(a) {
				if !p.IsValid() || !p.Addr().Is6() {
					return nil, fmt.Errorf("%v is not an IPv6 prefix", p)
				}
				out = append(out, append(p.Addr().AsSlice(), byte(p.Bits())))
			}
			return out, nil
		},
	}
}

func decodeSubnet4(a *Attributes, v []byte) string {
	if len(v) != 8 {
		return "want 8 octets"
	}
	bits, ok := maskBits(v[4:])
	if !ok {
		return fmt.Sprintf("netmask %v is not contiguous", netip.AddrFrom4([4]byte(v[4:])))
	}
	a.Subnets4 = append(a.Subnets4, netip.PrefixFrom(netip.AddrFrom4([4]byte(v)), bits))
	return ""
}

func encodeSubnets4(a *Attributes) ([][]byte, error) {
	var out [][]byte
	for _, p := range a.Subnets4 {
		if !p.IsValid() || !p.Addr().Is4() {
			return nil, fmt.Errorf("%v is not an IPv4 prefix", p)
		}
		mask := make([]byte, 4)
		for i := range p.Bits() {
			mask[i/8] |= 0x80 >> (i % 8)
		}
		out = append(out, append(p.Addr().AsSlice(), mask...))
	}
	return out, nil
}

// maskBits returns the prefix length of a contiguous netmask.
func maskBits(m []byte) (int, bool) {
	v := binary.BigEndian.Uint32(m)
	ones := 0
	for ones < 32 && v&(1<<(31-ones)) != 0 {
		ones++
	}
	return ones, ones == 32 || v<<ones == 0
}

func decodeSupported(a *Attributes, v []byte) string {
	if len(v)%2 != 0 {
		return "want a multiple of 2 octets"
	}
	for i := 0; i < len(v); i += 2 {
		a.Supported = append(a.Supported, wire.CfgAttrType(binary.BigEndian.Uint16(v[i:])&0x7FFF))
	}
	return ""
}

func encodeSupported(a *Attributes) ([][]byte, error) {
	var out [][]byte
	for _, t := range a.Supported {
		if t&0x8000 != 0 {
			return nil, fmt.Errorf("type %d does not fit 15 bits", t)
		}
		out = appendChunked(out, binary.BigEndian.AppendUint16(nil, uint16(t)), nil)
	}
	return out, nil
}

// appendChunked adds elem to the last value of vals, after sep, or starts a
// new value when the result would exceed the 65535 octets of one attribute.
func appendChunked(vals [][]byte, elem, sep []byte) [][]byte {
	if n := len(vals); n > 0 && len(vals[n-1])+len(sep)+len(elem) <= 0xFFFF {
		vals[n-1] = append(append(vals[n-1], sep...), elem...)
		return vals
	}
	return append(vals, bytes.Clone(elem))
}

// text is a single string attribute; a second one is malformed.
func text(field func(*Attributes) *string) codec {
	return codec{
		decode: func(a *Attributes, v []byte) string {
			if *field(a) != "" {
				return "sent twice"
			}
			*field(a) = string(v)
			return ""
		},
		encode: func(a *Attributes) ([][]byte, error) {
			if *field(a) == "" {
				return nil, nil
			}
			return [][]byte{[]byte(*field(a))}, nil
		},
	}
}

// texts is a repeatable string attribute, one string per attribute.
func texts(field func(*Attributes) *[]string) codec {
	return codec{
		decode: func(a *Attributes, v []byte) string {
			*field(a) = append(*field(a), string(v))
			return ""
		},
		encode: func(a *Attributes) ([][]byte, error) {
			var out [][]byte
			for _, s := range *field(a) {
				out = append(out, []byte(s))
			}
			return out, nil
		},
	}
}

// list is a comma-separated list in one attribute (the Cisco Unity form of
// split DNS names and backup servers); several attributes accumulate, and a
// list longer than one attribute holds is sent in several.
func list(field func(*Attributes) *[]string) codec {
	return codec{
		decode: func(a *Attributes, v []byte) string {
			for _, s := range strings.Split(string(v), ",") {
				if s = strings.TrimSpace(s); s != "" {
					*field(a) = append(*field(a), s)
				}
			}
			return ""
		},
		encode: func(a *Attributes) ([][]byte, error) {
			if len(*field(a)) == 0 {
				return nil, nil
			}
			var out [][]byte
			for _, s := range *field(a) {
				if s == "" || strings.Contains(s, ",") {
					return nil, fmt.Errorf("list element %q is empty or holds a comma", s)
				}
				out = appendChunked(out, []byte(s), []byte(","))
			}
			return out, nil
		},
	}
}

// flag is a Cisco Unity on/off attribute (UNITY_PFS, UNITY_SAVE_PASSWD): a
// 2-octet value in Unity (IKEv1 mode config sends it as a short), sent as
// 1; 4 octets are accepted too because the IKEv2 length IOS uses is not
// confirmed. A second one is malformed.
func flag(field func(*Attributes) *bool) codec {
	return codec{
		decode: func(a *Attributes, v []byte) string {
			if *field(a) {
				return "sent twice"
			}
			switch len(v) {
			case 2:
				*field(a) = binary.BigEndian.Uint16(v) != 0
			case 4:
				*field(a) = binary.BigEndian.Uint32(v) != 0
			default:
				return "want 2 or 4 octets"
			}
			return ""
		},
		encode: func(a *Attributes) ([][]byte, error) {
			if !*field(a) {
				return nil, nil
			}
			return [][]byte{{0, 1}}, nil
		},
	}
}
