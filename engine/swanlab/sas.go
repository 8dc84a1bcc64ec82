package swanlab

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// IKESA is one IKE_SA as reported by swanctl --list-sas (a "list-sa"
// event of the VICI protocol). Times are relative to the listing.
type IKESA struct {
	Name                  string
	UniqueID              uint64
	Version               int
	State                 string // e.g. CONNECTING, ESTABLISHED, DELETING
	LocalHost, RemoteHost string
	LocalPort, RemotePort int
	LocalID, RemoteID     string
	Initiator             bool
	InitiatorSPI          uint64
	ResponderSPI          uint64
	NATLocal, NATRemote   bool
	NATFake, NATAny       bool
	EncrAlg               string // e.g. AES_CBC, AES_GCM_16
	EncrKeysize           int
	IntegAlg              string // e.g. HMAC_SHA2_256_128 ("" for AEAD)
	PRFAlg                string // e.g. PRF_HMAC_SHA2_256
	DHGroup               string // e.g. MODP_2048, ECP_256, CURVE_25519
	Established           time.Duration
	RekeyTime, ReauthTime time.Duration
	Children              []ChildSA
}

// ChildSA is one CHILD_SA of an IKESA.
type ChildSA struct {
	Name                string
	UniqueID, ReqID     uint64
	State               string // e.g. INSTALLED, REKEYING, DELETING
	Mode                string // TUNNEL or TRANSPORT
	Protocol            string // ESP or AH
	Encap               bool   // ESP in UDP (RFC 3948)
	SPIIn, SPIOut       uint32
	EncrAlg             string
	EncrKeysize         int
	IntegAlg            string
	DHGroup             string // PFS group, "" without PFS
	BytesIn, BytesOut   uint64
	PacketsIn           uint64
	PacketsOut          uint64
	RekeyTime, LifeTime time.Duration
	InstallTime         time.Duration
	LocalTS, RemoteTS   []string
}

// Child returns the IKE_SA's first CHILD_SA of the given configuration
// name.
func (s IKESA) Child(name string) (ChildSA, bool) {
	for _, c := range s.Children {
		if c.Name == name {
			return c, true
		}
	}
	return ChildSA{}, false
}

// FindIKE returns the first IKE_SA of the given connection name.
func FindIKE(sas []IKESA, name string) (IKESA, bool) {
	for _, s := range sas {
		if s.Name == name {
			return s, true
		}
	}
	return IKESA{}, false
}

// ParseListSAs parses the output of swanctl --list-sas --raw: one VICI
// message per line, "list-sa event {NAME {key=value ... child-sas {...}}}"
// for each IKE_SA, ending with "list-sas reply {}".
//
// The raw format does not quote values. A value ends at "}" or at a space
// followed by something that looks like the next item ("key=", "name {"),
// which holds for every value strongSwan reports for IP and FQDN identities.
func ParseListSAs(out string) ([]IKESA, error) {
	var sas []IKESA
	for i, line := range strings.Split(out, "\n") {
		line = strings.TrimSpace(line)
		name, ok := strings.CutPrefix(line, "list-sa event ")
		if !ok {
			if line == "" || strings.HasPrefix(line, "list-sas reply ") {
				continue
			}
			return nil, fmt.Errorf("line %d: unexpected %q", i+1, line)
		}
		p := &rawParser{s: name}
		msg, err := p.section()
		if err == nil && p.pos != len(p.s) {
			err = fmt.Errorf("trailing %q", p.s[p.pos:])
		}
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", i+1, err)
		}
		for _, ike := range msg.subs {
			sa, err := ike.node.ikeSA(ike.name)
			if err != nil {
				return nil, fmt.Errorf("line %d: IKE_SA %s: %w", i+1, ike.name, err)
			}
			sas = append(sas, sa)
		}
	}
	return sas, nil
}

// node is one parsed VICI section.
type node struct {
	values map[string]string
	lists  map[string][]string
	subs   []namedNode
}

type namedNode struct {
	name string
	node *node
}

// rawParser reads the raw dump of one VICI message.
type rawParser struct {
	s   string
	pos int
}

// section parses "{ items }" starting at the opening brace.
func (p *rawParser) section() (*node, error) {
	if !p.eat("{") {
		return nil, p.errorf("want {")
	}
	n := &node{values: map[string]string{}, lists: map[string][]string{}}
	for {
		p.skipSpaces()
		if p.pos >= len(p.s) {
			return nil, p.errorf("unterminated section")
		}
		if p.eat("}") {
			return n, nil
		}
		end := strings.IndexAny(p.s[p.pos:], " ={}[]")
		if end <= 0 {
			return nil, p.errorf("want a name")
		}
		name := p.s[p.pos : p.pos+end]
		p.pos += end
		switch {
		case p.eat("=["):
			items, err := p.list()
			if err != nil {
				return nil, err
			}
			n.lists[name] = items
		case p.eat("="):
			n.values[name] = p.value()
		case p.eat(" "):
			sub, err := p.section()
			if err != nil {
				return nil, err
			}
			n.subs = append(n.subs, namedNode{name, sub})
		default:
			return nil, p.errorf("want =, =[ or a section after %q", name)
		}
	}
}

// list parses the items of "[a b c]" after the opening bracket.
func (p *rawParser) list() ([]string, error) {
	end := strings.IndexByte(p.s[p.pos:], ']')
	if end < 0 {
		return nil, p.errorf("unterminated list")
	}
	items := strings.Fields(p.s[p.pos : p.pos+end])
	p.pos += end + 1
	return items, nil
}

// value reads a value up to the end of its section or the next item.
func (p *rawParser) value() string {
	start := p.pos
	for p.pos < len(p.s) && p.s[p.pos] != '}' && !(p.s[p.pos] == ' ' && p.nextIsItem(p.pos+1)) {
		p.pos++
	}
	return p.s[start:p.pos]
}

// nextIsItem reports whether an item ("key=", "key=[", "name {") starts
// at i: a run of lower-case letters, digits, '-', '_' or '.' followed by
// '=' or " {".
func (p *rawParser) nextIsItem(i int) bool {
	j := i
	for j < len(p.s) && isNameByte(p.s[j]) {
		j++
	}
	if j == i {
		return false
	}
	rest := p.s[j:]
	return strings.HasPrefix(rest, "=") || strings.HasPrefix(rest, " {")
}

func isNameByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.'
}

func (p *rawParser) eat(tok string) bool {
	if strings.HasPrefix(p.s[p.pos:], tok) {
		p.pos += len(tok)
		return true
	}
	return false
}

func (p *rawParser) skipSpaces() {
	for p.pos < len(p.s) && p.s[p.pos] == ' ' {
		p.pos++
	}
}

func (p *rawParser) errorf(format string, args ...any) error {
	return fmt.Errorf("offset %d: %s", p.pos, fmt.Sprintf(format, args...))
}

// fields converts a node's values, remembering the first error.
type fields struct {
	n   *node
	err error
}

func (f *fields) str(key string) string { return f.n.values[key] }

func (f *fields) flag(key string) bool { return f.n.values[key] == "yes" }

func (f *fields) uint(key string, base, bits int) uint64 {
	v, ok := f.n.values[key]
	if !ok {
		return 0
	}
	u, err := strconv.ParseUint(v, base, bits)
	if err != nil && f.err == nil {
		f.err = fmt.Errorf("%s: %w", key, err)
	}
	return u
}

func (f *fields) int(key string) int { return int(f.uint(key, 10, 31)) }

func (f *fields) secs(key string) time.Duration {
	return time.Duration(f.uint(key, 10, 32)) * time.Second
}

func (n *node) ikeSA(name string) (IKESA, error) {
	f := &fields{n: n}
	sa := IKESA{
		Name:         name,
		UniqueID:     f.uint("uniqueid", 10, 64),
		Version:      f.int("version"),
		State:        f.str("state"),
		LocalHost:    f.str("local-host"),
		LocalPort:    f.int("local-port"),
		LocalID:      f.str("local-id"),
		RemoteHost:   f.str("remote-host"),
		RemotePort:   f.int("remote-port"),
		RemoteID:     f.str("remote-id"),
		Initiator:    f.flag("initiator"),
		InitiatorSPI: f.uint("initiator-spi", 16, 64),
		ResponderSPI: f.uint("responder-spi", 16, 64),
		NATLocal:     f.flag("nat-local"),
		NATRemote:    f.flag("nat-remote"),
		NATFake:      f.flag("nat-fake"),
		NATAny:       f.flag("nat-any"),
		EncrAlg:      f.str("encr-alg"),
		EncrKeysize:  f.int("encr-keysize"),
		IntegAlg:     f.str("integ-alg"),
		PRFAlg:       f.str("prf-alg"),
		DHGroup:      f.str("dh-group"),
		Established:  f.secs("established"),
		RekeyTime:    f.secs("rekey-time"),
		ReauthTime:   f.secs("reauth-time"),
	}
	if f.err != nil {
		return IKESA{}, f.err
	}
	for _, sub := range n.subs {
		if sub.name != "child-sas" {
			continue
		}
		for _, c := range sub.node.subs {
			child, err := c.node.childSA()
			if err != nil {
				return IKESA{}, fmt.Errorf("CHILD_SA %s: %w", c.name, err)
			}
			sa.Children = append(sa.Children, child)
		}
	}
	return sa, nil
}

func (n *node) childSA() (ChildSA, error) {
	f := &fields{n: n}
	c := ChildSA{
		Name:        f.str("name"),
		UniqueID:    f.uint("uniqueid", 10, 64),
		ReqID:       f.uint("reqid", 10, 64),
		State:       f.str("state"),
		Mode:        f.str("mode"),
		Protocol:    f.str("protocol"),
		Encap:       f.flag("encap"),
		SPIIn:       uint32(f.uint("spi-in", 16, 32)),
		SPIOut:      uint32(f.uint("spi-out", 16, 32)),
		EncrAlg:     f.str("encr-alg"),
		EncrKeysize: f.int("encr-keysize"),
		IntegAlg:    f.str("integ-alg"),
		DHGroup:     f.str("dh-group"),
		BytesIn:     f.uint("bytes-in", 10, 64),
		BytesOut:    f.uint("bytes-out", 10, 64),
		PacketsIn:   f.uint("packets-in", 10, 64),
		PacketsOut:  f.uint("packets-out", 10, 64),
		RekeyTime:   f.secs("rekey-time"),
		LifeTime:    f.secs("life-time"),
		InstallTime: f.secs("install-time"),
		LocalTS:     n.lists["local-ts"],
		RemoteTS:    n.lists["remote-ts"],
	}
	if f.err != nil {
		return ChildSA{}, f.err
	}
	return c, nil
}
