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
		lw, lt := strings.ToLower(w), strings.ToLower(t.Text)
		if lw == lt {
			return 1, t.Text, rankExact
		}
		if strings.HasPrefix(lt, lw) {
			return 1, t.Text, rankPrefix
		}
	case Word:
		return 1, w, rankWord
	case Line:
		return len(ws) - i, strings.TrimRight(line[ws[i].start:], " \t\r\n"), rankLine
	case IPv4:
		if a, ok := ParseIPv4(w); ok {
			return 1, a.String(), rankTyped
		}
	case IPv4Prefix:
		addr, bits, ok := strings.Cut(w, "/")
		if !ok {
			break
		}
		a, ok := ParseIPv4(addr)
		n, err := strconv.Atoi(bits)
		if ok && err == nil && n >= 0 && n <= 32 && bits == strconv.Itoa(n) {
			return 1, a.String() + "/" + bits, rankTyped
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
}

// ifTypes are the interface types accepted by IFNAME tokens, in the order
// used to resolve an abbreviation that fits several (IOS resolves "t" to
// Tunnel, "e" to Ethernet and "gi" to GigabitEthernet on a router).
var ifTypes = []ifType{
	{"Tunnel", "Tunnel interface"},
	{"Loopback", "Loopback interface"},
	{"GigabitEthernet", "GigabitEthernet IEEE 802.3z"},
	{"FastEthernet", "FastEthernet IEEE 802.3"},
	{"Ethernet", "IEEE 802.3"},
	{"TenGigabitEthernet", "Ten Gigabit Ethernet"},
	{"TwentyFiveGigE", "Twenty Five GigabitEthernet"},
	{"FortyGigabitEthernet", "Forty GigabitEthernet"},
	{"HundredGigE", "Hundred GigabitEthernet"},
	{"Virtual-Template", "Virtual Template interface"},
	{"Virtual-Access", "Virtual Access interface"},
	{"Port-channel", "Ethernet Channel of interfaces"},
	{"Vlan", "Catalyst Vlans"},
	{"Dialer", "Dialer interface"},
	{"Serial", "Serial"},
	{"Cellular", "Cellular interface"},
	{"BDI", "Bridge-Domain interface"},
	{"NVI", "NAT Virtual Interface"},
	{"Null", "Null interface"},
	{"LISP", "Locator/ID Separation Protocol Virtual Interface"},
}

// ParseIfName parses an interface name given as one word ("Tunnel0",
// "gi1", "GigabitEthernet1.15", "eth0") or as a type word followed by a
// number word ("tun 0"); next is the following word or "". It returns the
// canonical name and the number of words used. A name that is not an IOS
// type abbreviation but is a valid Linux interface name is kept as is.
func ParseIfName(w, next string) (name string, consumed int, ok bool) {
	k := 0
	for k < len(w) && (isLetter(w[k]) || (k > 0 && w[k] == '-')) {
		k++
	}
	typ, num := w[:k], w[k:]
	if typ == "" {
		return "", 0, false
	}
	if num == "" {
		if !validIfNumber(next) {
			return "", 0, false
		}
		if canon := resolveIfType(typ); canon != "" {
			return canon + next, 2, true
		}
		return "", 0, false
	}
	if validIfNumber(num) {
		if canon := resolveIfType(typ); canon != "" {
			return canon + num, 1, true
		}
	}
	if validLinuxIfName(w) {
		return w, 1, true
	}
	return "", 0, false
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

func resolveIfType(typ string) string {
	l := strings.ToLower(typ)
	for _, t := range ifTypes {
		if strings.ToLower(t.name) == l {
			return t.name
		}
	}
	for _, t := range ifTypes {
		if strings.HasPrefix(strings.ToLower(t.name), l) {
			return t.name
		}
	}
	return ""
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
