package modes

import (
	"net/netip"
	"strconv"
	"strings"

	"github.com/flexvpnd/flexvpnd/parser"
	runningconfig "github.com/flexvpnd/flexvpnd/running-config"
)

// The access-list modes.
var (
	// StdACLMode is `ip access-list standard NAME`: "Router(config-std-nacl)#".
	StdACLMode = NewConfigMode("config-std-nacl", "Standard Access List", ConfigMode)
	// ExtACLMode is `ip access-list extended NAME`: "Router(config-ext-nacl)#".
	ExtACLMode = NewConfigMode("config-ext-nacl", "Extended Access List", ConfigMode)
	// IPv6ACLMode is `ipv6 access-list NAME`: "Router(config-ipv6-acl)#".
	IPv6ACLMode = NewConfigMode("config-ipv6-acl", "IPv6 Access List", ConfigMode)
)

const (
	helpPermit = "Specify packets to forward"
	helpDeny   = "Specify packets to reject"
	helpRemark = "Access list entry comment"
	helpSeq    = "Sequence Number"
	helpLog    = "Log matches against this entry"
	helpLogIn  = "Log matches against this entry, including input interface"
	helpPort   = "Port number or name"
)

// aclGrammar is one family of entry grammars (IPv4 or IPv6).
type aclGrammar struct {
	v6 bool
}

// addr is the grammar of a source or destination address.
func (g aclGrammar) addr(side, what string) (string, []string) {
	if g.v6 {
		return "{any$" + side + "any|host X:X::X:X$" + side + "host|X:X::X:X/M$" + side + "pfx}",
			[]string{"Any " + what + " prefix", "A single " + what + " host", what + " address", "IPv6 " + what + " prefix x:x::y/<z>"}
	}
	return "{any$" + side + "any|host A.B.C.D$" + side + "host|A.B.C.D$" + side + " A.B.C.D$" + side + "wild|object-group WORD$" + side + "group}",
		[]string{"Any " + what + " host", "A single " + what + " host", what + " address", what + " address",
			what + " wildcard bits", what + " network object group", "Network object group name"}
}

// ports lists the grammars of a tcp/udp port match, one per form (the
// first is "no port match"): the forms are declared as separate commands
// so that no spec expands to too many paths.
func ports(side string) []rule {
	op := func(kw, help string) rule {
		return rule{kw + "$" + side + "op WORD$" + side + "port ", []string{help, helpPort}}
	}
	return []rule{
		{"", nil},
		op("eq", "Match only packets on a given port number"),
		op("neq", "Match only packets not on a given port number"),
		op("lt", "Match only packets with a lower port number"),
		op("gt", "Match only packets with a greater port number"),
		{"range$" + side + "op WORD$" + side + "port WORD$" + side + "port2 ",
			[]string{"Match only packets in the range of port numbers", helpPort, helpPort}},
	}
}

// rule is an entry grammar with its help strings.
type rule struct {
	spec string
	help []string
}

const logSpec = "[log|log-input$log]"

var logHelp = []string{helpLog, helpLogIn}

// rules returns the extended entry grammars (without sequence number):
// per protocol class, and for tcp and udp per source port form.
func (g aclGrammar) rules() []rule {
	src, srcHelp := g.addr("src", "Source")
	dst, dstHelp := g.addr("dst", "Destination")
	action := "{permit|deny} "
	actionHelp := []string{helpPermit, helpDeny}
	other := "{ip$proto|esp$proto|ahp$proto|gre$proto|igmp$proto|ipinip$proto|ospf$proto|eigrp$proto|pim$proto|<0-255>$proto} "
	otherHelp := []string{"Any Internet Protocol", "Encapsulation Security Payload", "Authentication Header Protocol",
		"Cisco's GRE tunneling", "Internet Gateway Message Protocol", "IP in IP tunneling", "OSPF routing protocol",
		"Cisco's EIGRP routing protocol", "Protocol Independent Multicast", "An IP protocol number"}
	if g.v6 {
		other = "{ipv6$proto|esp$proto|ahp$proto|gre$proto|sctp$proto|<0-255>$proto} "
		otherHelp = []string{"Any IPv6 protocol", "Encapsulation Security Payload", "Authentication Header Protocol",
			"Cisco's GRE tunneling", "Stream Control Transmission Protocol", "An IPv6 protocol number"}
	}
	icmpTypes := "[{<0-255>$itype [<0-255>$icode]|echo$itype|echo-reply$itype|unreachable$itype|time-exceeded$itype|packet-too-big$itype|port-unreachable$itype|administratively-prohibited$itype}] "
	icmpHelp := []string{"ICMP message type", "ICMP message code", "Echo (ping)", "Echo reply", "All unreachables",
		"All time exceededs", "Packet too big", "Port unreachable", "Administratively prohibited"}
	dp := "["
	var dpHelp []string
	for _, p := range ports("d")[1:] {
		dp += strings.TrimSpace(p.spec) + "|"
		dpHelp = append(dpHelp, p.help...)
	}
	dp = strings.TrimSuffix(dp, "|") + "] "
	out := []rule{
		{action + other + src + " " + dst + " " + logSpec, concat(actionHelp, otherHelp, srcHelp, dstHelp, logHelp)},
		{action + "icmp$proto " + src + " " + dst + " " + icmpTypes + logSpec,
			concat(actionHelp, []string{"Internet Control Message Protocol"}, srcHelp, dstHelp, icmpHelp, logHelp)},
	}
	for _, sp := range ports("s") {
		out = append(out,
			rule{action + "tcp$proto " + src + " " + sp.spec + dst + " " + dp + "[established] " + logSpec,
				concat(actionHelp, []string{"Transmission Control Protocol"}, srcHelp, sp.help, dstHelp, dpHelp, []string{"Match established connections"}, logHelp)},
			rule{action + "udp$proto " + src + " " + sp.spec + dst + " " + dp + logSpec,
				concat(actionHelp, []string{"User Datagram Protocol"}, srcHelp, sp.help, dstHelp, dpHelp, logHelp)})
	}
	return out
}

// stdRule is the standard entry grammar (without sequence number).
const stdRule = "{permit|deny} {any$srcany|host A.B.C.D$srchost|A.B.C.D$src [A.B.C.D$srcwild]} [log]"

var stdRuleHelp = []string{helpPermit, helpDeny, "Any source host", "A single host address", "Host address to match",
	"Address to match", "Wildcard bits", helpLog}

// aclOf returns the access list a sub-mode edits.
func aclOf(c *Ctx) *runningconfig.AccessList { return c.Frame.Obj.(*runningconfig.AccessList) }

// protoNames are the protocol numbers IOS prints by name.
var protoNames = map[string]string{"1": "icmp", "2": "igmp", "4": "ipinip", "6": "tcp", "17": "udp", "47": "gre",
	"50": "esp", "51": "ahp", "88": "eigrp", "89": "ospf", "103": "pim"}

// parseACE builds an entry from a matched rule; the args may start with
// `no`, `access-list N` or a sequence number (skipped through names).
func parseACE(c *Ctx, a parser.Args) (*runningconfig.ACE, error) {
	e := &runningconfig.ACE{Action: "deny", Log: a.Get("log")}
	if a.Has("permit") {
		e.Action = "permit"
	}
	e.Protocol = a.Get("proto")
	if n, ok := protoNames[e.Protocol]; ok {
		e.Protocol = n
	}
	e.Src = aclAddr(a, "src")
	e.Dst = aclAddr(a, "dst")
	var err error
	if e.SrcPort, err = portMatch(c, a, "s", e.Protocol); err != nil {
		return nil, err
	}
	if e.DstPort, err = portMatch(c, a, "d", e.Protocol); err != nil {
		return nil, err
	}
	if t := a.Get("itype"); t != "" {
		e.ICMP = strings.TrimSpace(t + " " + a.Get("icode"))
	}
	e.Established = a.Has("established")
	return e, nil
}

// aclAddr reads one side's address, masking the address with the wildcard
// and turning the all-ones wildcard into any, as IOS does.
func aclAddr(a parser.Args, side string) runningconfig.ACLAddr {
	switch {
	case a.Has(side + "any"):
		return runningconfig.ACLAddr{Any: true}
	case a.Has(side + "group"):
		return runningconfig.ACLAddr{Group: a.Get(side + "group")}
	case a.Has(side + "pfx"):
		return runningconfig.ACLAddr{Prefix: netip.MustParsePrefix(a.Get(side + "pfx")).Masked()}
	case a.Has(side + "host"):
		ip := netip.MustParseAddr(a.Get(side + "host"))
		if ip.Is6() {
			return runningconfig.ACLAddr{Addr: ip}
		}
		return runningconfig.ACLAddr{Addr: ip, Wildcard: netip.AddrFrom4([4]byte{})}
	case a.Has(side):
		ip := netip.MustParseAddr(a.Get(side)).As4()
		w := [4]byte{}
		if a.Has(side + "wild") {
			w = netip.MustParseAddr(a.Get(side + "wild")).As4()
		}
		if w == [4]byte{255, 255, 255, 255} {
			return runningconfig.ACLAddr{Any: true}
		}
		for i := range ip {
			ip[i] &^= w[i]
		}
		return runningconfig.ACLAddr{Addr: netip.AddrFrom4(ip), Wildcard: netip.AddrFrom4(w)}
	}
	return runningconfig.ACLAddr{}
}

// portMatch reads one side's port match; a port that is neither a number
// nor a name of the protocol gets the caret under it.
func portMatch(c *Ctx, a parser.Args, side, proto string) (runningconfig.PortMatch, error) {
	p := runningconfig.PortMatch{Op: a.Get(side + "op")}
	if p.Op == "" {
		return p, nil
	}
	for i, x := range a {
		var dst *int
		switch x.Name {
		case side + "port":
			dst = &p.Lo
		case side + "port2":
			dst = &p.Hi
		default:
			continue
		}
		n, ok := runningconfig.PortNumber(proto, x.Value)
		if !ok {
			return p, invalidWord(c.Line, i)
		}
		*dst = n
	}
	return p, nil
}

// addEntry adds an entry at seq (0: next), refusing a used sequence
// number; an identical rule is not added twice.
func addEntry(l *runningconfig.AccessList, e *runningconfig.ACE, seq int) error {
	if seq != 0 && l.Entry(seq) != nil {
		return Msg("% Duplicate sequence number")
	}
	if l.Find(e) != nil && e.Action != "" {
		return nil
	}
	if seq == 0 {
		seq = l.NextSeq()
	}
	e.Seq = seq
	l.Add(e)
	return nil
}

// ruleCommand declares an entry command in an access-list sub-mode: the
// optional sequence number head, the rule grammar, and the `no` form that
// removes the same rule.
func ruleCommand(head string, headHelp []string, spec string, help []string) *Command {
	return &Command{
		Spec: head + spec, Help: concat(headHelp, help), No: spec, NoHelp: help,
		Run: func(c *Ctx, a parser.Args) error {
			e, err := parseACE(c, a)
			if err != nil {
				return err
			}
			return addEntry(aclOf(c), e, a.Int("seq"))
		},
		Unset: func(c *Ctx, a parser.Args) error {
			e, err := parseACE(c, a)
			if err != nil {
				return err
			}
			l := aclOf(c)
			if o := l.Find(e); o != nil {
				l.Delete(o.Seq)
			}
			return nil
		},
	}
}

// remarkCommand is `[SEQ] remark LINE`, whose `no` form also carries
// `no SEQ` (delete any entry by sequence number).
func remarkCommand(head string, headHelp []string, seqTok string) *Command {
	return &Command{
		Spec: head + "remark LINE", Help: concat(headHelp, []string{helpRemark, "Comment up to 100 characters"}),
		No:     "{" + seqTok + "|remark LINE}",
		NoHelp: concat(headHelp, []string{helpRemark, "Comment up to 100 characters"}),
		Run: func(c *Ctx, a parser.Args) error {
			return addEntry(aclOf(c), &runningconfig.ACE{Remark: a.Get("LINE")}, a.Int("seq"))
		},
		Unset: func(c *Ctx, a parser.Args) error {
			l := aclOf(c)
			if a.Has("seq") {
				l.Delete(a.Int("seq"))
				return nil
			}
			for _, e := range l.Entries {
				if e.Action == "" && e.Remark == a.Get("LINE") {
					l.Delete(e.Seq)
					break
				}
			}
			return nil
		},
	}
}

// numberedKind returns the kind of a numbered access list name, ok false
// when name is not a number in an IPv4 access-list range.
func numberedKind(name string) (runningconfig.ACLKind, bool, bool) {
	n, err := strconv.Atoi(name)
	if err != nil {
		return 0, false, false
	}
	switch {
	case n >= 1 && n <= 99, n >= 1300 && n <= 1999:
		return runningconfig.ACLStandard, true, true
	case n >= 100 && n <= 199, n >= 2000 && n <= 2699:
		return runningconfig.ACLExtended, true, true
	}
	return 0, true, false
}

// enterACL creates or finds the access list and enters its mode.
func enterACL(c *Ctx, name string, kind runningconfig.ACLKind, m *Mode) error {
	if k, numeric, ok := numberedKind(name); kind != runningconfig.ACLIPv6 && numeric && (!ok || k != kind) {
		return Msg("% Invalid access list name.")
	}
	key := runningconfig.ACLKey(kind, name)
	l, ok := c.Cfg.ACLs.Get(key)
	if ok && l.Kind != kind {
		return Errorf("%% A named %s IP access list with this name already exists", l.Kind)
	}
	if !ok {
		l = &runningconfig.AccessList{Name: name, Kind: kind}
		c.Cfg.ACLs.Set(key, l)
	}
	c.Enter(m, l)
	return nil
}

// deleteACL removes an access list of the given kind.
func deleteACL(c *Ctx, name string, kind runningconfig.ACLKind) error {
	if l, ok := c.Cfg.ACLs.Get(runningconfig.ACLKey(kind, name)); ok && l.Kind == kind {
		c.Cfg.ACLs.Delete(runningconfig.ACLKey(kind, name))
	}
	return nil
}

// numberedHead is the head of the numbered `access-list` commands: one
// number token for all ranges (the handler checks the range against the
// entry kind), which keeps the global grammar small.
const numberedHead = "access-list <1-2699>$num "

var numberedHeadHelp = []string{"Add an access list entry",
	"IP access list number: <1-99>, <1300-1999> standard, <100-199>, <2000-2699> extended"}

// numberedCommand is `access-list N ...` for one kind (kind -1: a remark,
// either kind): the entry is added to list N, created as needed. A number
// outside the kind's ranges gets the caret under the number.
func numberedCommand(spec string, help []string, kind runningconfig.ACLKind) *Command {
	return &Command{
		Spec: numberedHead + spec, Help: concat(numberedHeadHelp, help),
		Run: func(c *Ctx, a parser.Args) error {
			name := a.Get("num")
			k, _, ok := numberedKind(name)
			if !ok {
				return invalidWord(c.Line, 1)
			}
			if kind >= 0 && k != kind {
				return invalidWord(c.Line, 3)
			}
			var e *runningconfig.ACE
			if a.Has("LINE") {
				e = &runningconfig.ACE{Remark: a.Get("LINE")}
			} else {
				var err error
				if e, err = parseACE(c, a); err != nil {
					return err
				}
			}
			l, ok := c.Cfg.ACLs.Get(name)
			if !ok {
				l = &runningconfig.AccessList{Name: name, Kind: k}
				c.Cfg.ACLs.Set(name, l)
			}
			return addEntry(l, e, 0)
		},
	}
}

func init() {
	seqHead, seqHelp := "[<1-2147483647>$seq] ", []string{helpSeq}
	v6Head, v6Help := "[sequence <1-4294967295>$seq] ", []string{"Sequence number for this entry", helpSeq}
	ConfigMode.Add(
		&Command{
			Spec: "ip access-list {standard|extended} WORD",
			Help: []string{HelpIP, "Named access-list", "Standard Access List", "Extended Access List", "Access-list name or number"},
			Run: func(c *Ctx, a parser.Args) error {
				if a.Has("standard") {
					return enterACL(c, a.Get("WORD"), runningconfig.ACLStandard, StdACLMode)
				}
				return enterACL(c, a.Get("WORD"), runningconfig.ACLExtended, ExtACLMode)
			},
			Unset: func(c *Ctx, a parser.Args) error {
				if a.Has("standard") {
					return deleteACL(c, a.Get("WORD"), runningconfig.ACLStandard)
				}
				return deleteACL(c, a.Get("WORD"), runningconfig.ACLExtended)
			},
		},
		&Command{
			Spec: "ipv6 access-list WORD",
			Help: []string{HelpIPv6, "Configure access lists", "User selected string identifying this access list"},
			Run: func(c *Ctx, a parser.Args) error {
				return enterACL(c, a.Get("WORD"), runningconfig.ACLIPv6, IPv6ACLMode)
			},
			Unset: func(c *Ctx, a parser.Args) error {
				return deleteACL(c, a.Get("WORD"), runningconfig.ACLIPv6)
			},
		},
	)
	stdNumbered := numberedCommand(stdRule, stdRuleHelp, runningconfig.ACLStandard)
	// `no access-list N` removes the whole list (IOS does the same for
	// `no access-list N permit ...`).
	stdNumbered.No = strings.TrimSpace(numberedHead)
	stdNumbered.Unset = func(c *Ctx, a parser.Args) error {
		c.Cfg.ACLs.Delete(a.Get("num"))
		return nil
	}
	numbered := []*Command{stdNumbered,
		numberedCommand("remark LINE", []string{helpRemark, "Comment up to 100 characters"}, -1)}
	for _, r := range (aclGrammar{}).rules() {
		numbered = append(numbered, numberedCommand(r.spec, r.help, runningconfig.ACLExtended))
	}
	ConfigMode.Add(numbered...)

	StdACLMode.Add(ruleCommand(seqHead, seqHelp, stdRule, stdRuleHelp), remarkCommand(seqHead, seqHelp, "<1-2147483647>$seq"))
	ExtACLMode.Add(remarkCommand(seqHead, seqHelp, "<1-2147483647>$seq"))
	for _, r := range (aclGrammar{}).rules() {
		ExtACLMode.Add(ruleCommand(seqHead, seqHelp, r.spec, r.help))
	}
	IPv6ACLMode.Add(remarkCommand(v6Head, v6Help, "sequence <1-4294967295>$seq"))
	for _, r := range (aclGrammar{v6: true}).rules() {
		IPv6ACLMode.Add(ruleCommand(v6Head, v6Help, r.spec, r.help))
	}
}
