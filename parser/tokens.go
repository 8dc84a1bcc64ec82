package parser

import (
	"net/netip"
	"strconv"
	"strings"
)

// matchToken matches token t against ws[i:] and returns how many words it
// consumed, the normalized value and the match rank (rankNone: no match).
func matchToken(t *Token, line string, ws []word, i int) (consumed int, value string, rank int) {
	w := ws[i].text
	switch t.Kind {
	case Keyword:
		if len(w) <= len(t.lower) && hasPrefixFold(t.lower, w) {
			if len(w) == len(t.lower) {
				return 1, t.Text, rankExact
			}
			return 1, t.Text, rankPrefix
		}
	case Word:
		return 1, w, rankWord
	case Line:
		return len(ws) - i, strings.TrimRight(line[ws[i].start:], " \t\r\n"), rankLine
	case IPv4:
		if _, ok := ParseIPv4(w); ok {
			// ParseIPv4 accepts only the canonical dotted quad.
			return 1, w, rankTyped
		}
	case IPv4Prefix:
		addr, bits, ok := strings.Cut(w, "/")
		if !ok {
			break
		}
		_, ok = ParseIPv4(addr)
		n, err := strconv.Atoi(bits)
		if ok && err == nil && n >= 0 && n <= 32 && bits == strconv.Itoa(n) {
			return 1, w, rankTyped
		}
	case IPv6:
		if a, err := netip.ParseAddr(w); err == nil && a.Is6() && a.Zone() == "" {
			return 1, a.String(), rankTyped
		}
	case IPv6Prefix:
		if p, err := netip.ParsePrefix(w); err == nil && p.Addr().Is6() && !p.Addr().Is4In6() {
			return 1, p.String(), rankTyped
		}
	case Range:
		if w == "" || strings.TrimLeft(w, "0123456789") != "" {
			break
		}
		n, err := strconv.ParseUint(w, 10, 64)
		if err == nil && n >= t.Lo && n <= t.Hi {
			if w[0] != '0' || len(w) == 1 {
				return 1, w, rankTyped
			}
			return 1, strconv.FormatUint(n, 10), rankTyped
		}
	case IfName:
		next := ""
		if i+1 < len(ws) {
			next = ws[i+1].text
		}
		if name, n, ok := ParseIfName(w, next); ok {
			return n, name, rankTyped
		}
	}
	return 0, "", rankNone
}

// ParseIPv4 parses a strict dotted-quad IPv4 address (no leading zeros
// beyond a single 0, no shorthand).
func ParseIPv4(s string) (netip.Addr, bool) {
	a, err := netip.ParseAddr(s)
	if err != nil || !a.Is4() {
		return netip.Addr{}, false
	}
	return a, true
}

// ifType is an IOS interface type with its `?` help.
type ifType struct {
	name, help string
	// num is the `?` placeholder of the interface number (UNCONFIRMED for
	// most types: it depends on the platform; the Tunnel and Loopback
	// ranges are those of IOS-XE).
	num string
}

// ifTypes are the interface types accepted by IFNAME tokens, in the order
// used to resolve an abbreviation that fits several (IOS resolves "t" to
// Tunnel, "e" to Ethernet and "gi" to GigabitEthernet on a router).
var ifTypes = []ifType{
	{"Tunnel", "Tunnel interface", "<0-2147483647>"},
	{"Loopback", "Loopback interface", "<0-2147483647>"},
	{"GigabitEthernet", "GigabitEthernet IEEE 802.3z", "<0-9>"},
	{"FastEthernet", "FastEthernet IEEE 802.3", "<0-9>"},
	{"Ethernet", "IEEE 802.3", "<0-9>"},
	{"TenGigabitEthernet", "Ten Gigabit Ethernet", "<0-9>"},
	{"TwentyFiveGigE", "Twenty Five GigabitEthernet", "<0-9>"},
	{"FortyGigabitEthernet", "Forty GigabitEthernet", "<0-9>"},
	{"HundredGigE", "Hundred GigabitEthernet", "<0-9>"},
	{"Virtual-Template", "Virtual Template interface", "<1-4095>"},
	{"Virtual-Access", "Virtual Access interface", "<1-4095>"},
	{"Port-channel", "Ethernet Channel of interfaces", "<1-64>"},
	{"Vlan", "Catalyst Vlans", "<1-4094>"},
	{"Dialer", "Dialer interface", "<0-255>"},
	{"Serial", "Serial", "<0-9>"},
	{"Cellular", "Cellular interface", "<0-9>"},
	{"BDI", "Bridge-Domain interface", "<1-16000>"},
	{"NVI", "NAT Virtual Interface", "<0-0>"},
	{"Null", "Null interface", "<0-0>"},
	{"LISP", "Locator/ID Separation Protocol Virtual Interface", "<0-65520>"},
}

// linuxPrefixes are Linux interface name prefixes that would otherwise
// abbreviate an IOS type: typed in lower case and followed directly by a
// number ("eth0", "eth1.100") they name the Linux interface, not
// Ethernet0. ("tun0" stays Tunnel0: IOS users type it.)
var linuxPrefixes = []string{"eth"}

// ParseIfName parses an interface name given as one word ("Tunnel0",
// "gi1", "GigabitEthernet1.15", "Virtual-Template1", "eth0", "ens3") or as
// a type word followed by a number word ("tun 0"); next is the following
// word or "". It returns the canonical name and the number of words used.
// An IOS type abbreviation is expanded to the full type name; a name that
// is not one but is a valid Linux interface name is kept as is.
func ParseIfName(w, next string) (name string, consumed int, ok bool) {
	_, name, consumed = parseIfName(w, next)
	return name, consumed, consumed > 0
}

// parseIfName is ParseIfName that also returns the IOS type (nil for a
// Linux name); consumed is 0 when w is not an interface name.
func parseIfName(w, next string) (t *ifType, name string, consumed int) {
	k := 0
	for k < len(w) && (isLetter(w[k]) || (k > 0 && w[k] == '-')) {
		k++
	}
	typ, num := w[:k], w[k:]
	if typ == "" {
		return nil, "", 0
	}
	if num == "" {
		if t := lookupIfType(typ); t != nil && validIfNumber(next) {
			return t, t.name + next, 2
		}
		return nil, "", 0
	}
	if validIfNumber(num) && !(isLinuxPrefix(typ) && validLinuxIfName(w)) {
		if t := lookupIfType(typ); t != nil {
			return t, t.name + num, 1
		}
	}
	if validLinuxIfName(w) {
		return nil, w, 1
	}
	return nil, "", 0
}

func isLinuxPrefix(typ string) bool {
	for _, p := range linuxPrefixes {
		if typ == p {
			return true
		}
	}
	return false
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// validIfNumber accepts "0", "0/0", "1.15", "0/0/0:1".
func validIfNumber(s string) bool {
	if s == "" || s[0] < '0' || s[0] > '9' {
		return false
	}
	prevDigit := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			prevDigit = true
		case c == '/' || c == '.' || c == ':':
			if !prevDigit {
				return false
			}
			prevDigit = false
		default:
			return false
		}
	}
	return prevDigit
}

// lookupIfType returns the IOS interface type that typ names exactly or
// abbreviates (the first in ifTypes order), or nil.
func lookupIfType(typ string) *ifType {
	if typ == "" {
		return nil
	}
	for i := range ifTypes {
		if len(typ) == len(ifTypes[i].name) && hasPrefixFold(ifTypes[i].name, typ) {
			return &ifTypes[i]
		}
	}
	for i := range ifTypes {
		if len(typ) < len(ifTypes[i].name) && hasPrefixFold(ifTypes[i].name, typ) {
			return &ifTypes[i]
		}
	}
	return nil
}

// validLinuxIfName: at most 15 bytes of letters, digits, '-', '_', '.',
// starting with a letter and containing a digit (so keywords are not taken
// for interfaces).
func validLinuxIfName(s string) bool {
	if len(s) == 0 || len(s) > 15 || !isLetter(s[0]) || !strings.ContainsAny(s, "0123456789") {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(isLetter(c) || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

// hasPrefixFold reports whether s begins with prefix, ignoring ASCII case.
func hasPrefixFold(s, prefix string) bool {
	if len(prefix) > len(s) {
		return false
	}
	for i := 0; i < len(prefix); i++ {
		if lowerASCII(s[i]) != lowerASCII(prefix[i]) {
			return false
		}
	}
	return true
}

func lowerASCII(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}
