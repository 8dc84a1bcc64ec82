package runningconfig

import (
	"net/netip"
	"slices"
	"strconv"
	"strings"
)

// ACLKind is the type of an access list.
type ACLKind int

// The access list kinds.
const (
	ACLStandard ACLKind = iota
	ACLExtended
	ACLIPv6
)

// String is the keyword IOS uses for the kind.
func (k ACLKind) String() string {
	switch k {
	case ACLStandard:
		return "standard"
	case ACLExtended:
		return "extended"
	}
	return "ipv6"
}

// AccessList is a named or numbered IP access list, or an IPv6 access
// list.
type AccessList struct {
	Name string
	Kind ACLKind
	// Entries are kept sorted by sequence number.
	Entries []*ACE
}

// ACLKey is the key of an access list in Config.ACLs: IPv4 lists by name,
// IPv6 lists (a separate name space in IOS) by "ipv6 NAME".
func ACLKey(kind ACLKind, name string) string {
	if kind == ACLIPv6 {
		return "ipv6 " + name
	}
	return name
}

// Numbered reports whether the list has a number as its name; IOS prints
// those as `access-list N ...` lines.
func (l *AccessList) Numbered() bool {
	_, err := strconv.Atoi(l.Name)
	return err == nil && l.Kind != ACLIPv6
}

// NextSeq is the sequence number IOS gives an entry typed without one:
// the highest plus 10.
func (l *AccessList) NextSeq() int {
	if len(l.Entries) == 0 {
		return 10
	}
	return l.Entries[len(l.Entries)-1].Seq + 10
}

// Entry returns the entry with sequence number seq, or nil.
func (l *AccessList) Entry(seq int) *ACE {
	for _, e := range l.Entries {
		if e.Seq == seq {
			return e
		}
	}
	return nil
}

// Add inserts e at its sequence number.
func (l *AccessList) Add(e *ACE) {
	l.Entries = append(l.Entries, e)
	slices.SortStableFunc(l.Entries, func(a, b *ACE) int { return a.Seq - b.Seq })
}

// Find returns the entry whose rule is the same as e's (ignoring the
// sequence number), or nil.
func (l *AccessList) Find(e *ACE) *ACE {
	for _, o := range l.Entries {
		if o.Rule() == e.Rule() {
			return o
		}
	}
	return nil
}

// Delete removes the entry with sequence number seq, reporting whether it
// existed.
func (l *AccessList) Delete(seq int) bool {
	for i, e := range l.Entries {
		if e.Seq == seq {
			l.Entries = append(l.Entries[:i:i], l.Entries[i+1:]...)
			return true
		}
	}
	return false
}

// ACE is one access list entry: a remark or a permit/deny rule.
type ACE struct {
	Seq int
	// Remark is the text of a `remark` entry (Action is then "").
	Remark string
	// Action is "permit" or "deny".
	Action string
	// Protocol is "ip", "tcp", "udp", "icmp", "esp", "ipv6", a number...
	// ("" in a standard list).
	Protocol string
	Src, Dst ACLAddr
	// SrcPort and DstPort are the tcp/udp port matches.
	SrcPort, DstPort PortMatch
	// ICMP is the ICMP type (name or "TYPE [CODE]"), "" for any.
	ICMP string
	// Established is the tcp `established` flag.
	Established bool
	// Log is "", "log" or "log-input".
	Log string
}

// ACLAddr is a source or destination: any, a host, an address with a
// wildcard, an IPv6 prefix or an object group.
type ACLAddr struct {
	Any bool
	// Addr with Wildcard (IPv4: host when the wildcard is 0.0.0.0);
	// Prefix for IPv6 networks; Host marks an IPv6 host.
	Addr     netip.Addr
	Wildcard netip.Addr
	Prefix   netip.Prefix
	Group    string
}

// Contains reports whether the address matches a (IPv4 only).
func (a ACLAddr) Contains(ip netip.Addr) bool {
	switch {
	case a.Any:
		return true
	case a.Prefix.IsValid():
		return a.Prefix.Contains(ip)
	case !a.Addr.IsValid() || !ip.Is4() || !a.Addr.Is4():
		return a.Addr == ip
	}
	x, m, w := ip.As4(), a.Addr.As4(), a.Wildcard.As4()
	for i := range x {
		if x[i]&^w[i] != m[i]&^w[i] {
			return false
		}
	}
	return true
}

// String renders the address the IOS way; std selects the standard list
// form, where a host is printed as the bare address.
func (a ACLAddr) String(std bool) string {
	switch {
	case a.Any:
		return "any"
	case a.Group != "":
		return "object-group " + a.Group
	case a.Prefix.IsValid():
		return V6String(a.Prefix.String())
	case a.Addr.Is6():
		return "host " + V6String(a.Addr.String())
	case a.Wildcard == netip.AddrFrom4([4]byte{}) || !a.Wildcard.IsValid():
		if std {
			return a.Addr.String()
		}
		return "host " + a.Addr.String()
	}
	return a.Addr.String() + " " + a.Wildcard.String()
}

// PortMatch is a tcp/udp port match: Op is "" (any), "eq", "neq", "lt",
// "gt" or "range" (Lo..Hi).
type PortMatch struct {
	Op     string
	Lo, Hi int
}

func (p PortMatch) render(proto string) string {
	switch p.Op {
	case "":
		return ""
	case "range":
		return " range " + PortName(proto, p.Lo) + " " + PortName(proto, p.Hi)
	}
	return " " + p.Op + " " + PortName(proto, p.Lo)
}

// Rule renders the entry without its sequence number, as IOS prints it in
// show running-config (deny is padded to the width of permit).
func (e *ACE) Rule() string {
	if e.Action == "" {
		return "remark " + e.Remark
	}
	var b strings.Builder
	b.WriteString(e.Action)
	if e.Action == "deny" {
		b.WriteString("  ")
	}
	std := e.Protocol == ""
	if !std {
		b.WriteString(" " + e.Protocol)
	}
	b.WriteString(" " + e.Src.String(std))
	b.WriteString(e.SrcPort.render(e.Protocol))
	if !std {
		b.WriteString(" " + e.Dst.String(false))
		b.WriteString(e.DstPort.render(e.Protocol))
	}
	if e.ICMP != "" {
		b.WriteString(" " + e.ICMP)
	}
	if e.Established {
		b.WriteString(" established")
	}
	if e.Log != "" {
		b.WriteString(" " + e.Log)
	}
	return b.String()
}

// renderACLs writes the named access lists, the numbered ones, the IPv6
// static routes, the IPv6 access lists and the RADIUS servers.
func (c *Config) renderACLs(w *writer) {
	var named, numbered, v6 []*AccessList
	c.ACLs.Each(func(_ string, l *AccessList) {
		switch {
		case l.Kind == ACLIPv6:
			v6 = append(v6, l)
		case l.Numbered():
			numbered = append(numbered, l)
		default:
			named = append(named, l)
		}
	})
	for _, l := range named {
		w.line("ip access-list %s %s", l.Kind, l.Name)
		for _, e := range l.Entries {
			w.line(" %s", e.Rule())
		}
	}
	if len(named) > 0 {
		w.bang()
	}
	slices.SortStableFunc(numbered, func(a, b *AccessList) int {
		x, _ := strconv.Atoi(a.Name)
		y, _ := strconv.Atoi(b.Name)
		return x - y
	})
	n := w.b.Len()
	for _, l := range numbered {
		for _, e := range l.Entries {
			w.line("access-list %s %s", l.Name, e.Rule())
		}
	}
	if w.b.Len() > n {
		w.bang()
	}
	if rs := c.sortedRoutes(true); len(rs) > 0 {
		for _, r := range rs {
			w.line("%s", r)
		}
		w.bang()
	}
	for _, l := range v6 {
		w.line("ipv6 access-list %s", l.Name)
		for _, e := range l.Entries {
			w.line(" %s", e.Rule())
		}
		w.bang()
	}
	c.Global.AAA.renderRadius(w)
}

// portNames are the port names IOS prints instead of numbers.
var portNames = map[string]map[int]string{
	"tcp": {
		179: "bgp", 19: "chargen", 514: "cmd", 13: "daytime", 9: "discard",
		53: "domain", 7: "echo", 512: "exec", 79: "finger", 21: "ftp",
		20: "ftp-data", 70: "gopher", 101: "hostname", 113: "ident", 194: "irc",
		543: "klogin", 544: "kshell", 513: "login", 515: "lpd", 135: "msrpc",
		119: "nntp", 496: "pim-auto-rp", 109: "pop2", 110: "pop3", 25: "smtp",
		111: "sunrpc", 49: "tacacs", 517: "talk", 23: "telnet", 37: "time",
		540: "uucp", 43: "whois", 80: "www",
	},
	"udp": {
		512: "biff", 68: "bootpc", 67: "bootps", 9: "discard", 195: "dnsix",
		53: "domain", 7: "echo", 500: "isakmp", 434: "mobile-ip",
		42: "nameserver", 138: "netbios-dgm", 137: "netbios-ns",
		139: "netbios-ss", 4500: "non500-isakmp", 123: "ntp", 496: "pim-auto-rp",
		520: "rip", 521: "ripv6", 161: "snmp", 162: "snmptrap", 111: "sunrpc",
		514: "syslog", 49: "tacacs", 517: "talk", 69: "tftp", 37: "time",
		513: "who", 177: "xdmcp",
	},
}

// PortName returns the name IOS prints for a tcp/udp port, or the number.
func PortName(proto string, port int) string {
	if n, ok := portNames[proto][port]; ok {
		return n
	}
	return strconv.Itoa(port)
}

// PortNumber parses a port given as a number or an IOS name for proto.
func PortNumber(proto, s string) (int, bool) {
	if n, err := strconv.Atoi(s); err == nil {
		return n, n >= 0 && n <= 65535
	}
	for n, name := range portNames[proto] {
		if name == strings.ToLower(s) {
			return n, true
		}
	}
	return 0, false
}

// PermitsSource evaluates the list for a connection from src, as IOS does
// for `access-class ACL in`: the first entry whose source matches decides
// (extended entries must also be for ip or tcp), and a list with no match
// denies (the implicit deny at its end).
func (l *AccessList) PermitsSource(src netip.Addr) bool {
	for _, e := range l.Entries {
		if e.Action == "" || e.Src.Group != "" {
			continue
		}
		if l.Kind == ACLExtended && e.Protocol != "ip" && e.Protocol != "tcp" {
			continue
		}
		if e.Src.Contains(src) {
			return e.Action == "permit"
		}
	}
	return false
}

// AccessClassPermits reports whether the access list named by a line's
// `access-class NAME in` lets a connection from src in. As on IOS, a line
// without an access class, or naming a list that does not exist, permits
// everything.
func (c *Config) AccessClassPermits(name string, src netip.Addr) bool {
	if name == "" {
		return true
	}
	l, ok := c.ACLs.Get(ACLKey(ACLStandard, name))
	if !ok {
		return true
	}
	return l.PermitsSource(src.Unmap())
}
