// Package parser is a generic IOS-style command grammar engine.
//
// A command is declared once as a spec string with typed tokens and one help
// string per token. Specs are compiled into a per-mode Graph (a trie of
// tokens) from which matching, `?` help, TAB completion and the IOS error
// messages (with the caret position) are all derived, so they cannot drift
// apart. The package knows nothing about VPNs and imports only the standard
// library.
//
// Spec syntax:
//
//	keyword         a literal keyword, matched case-insensitively by unique prefix
//	WORD            any single word
//	LINE            the rest of the line, verbatim (one or more words; inner
//	                spacing kept, trailing blanks cut); last token only
//	A.B.C.D         an IPv4 address (also used for masks)
//	A.B.C.D/M       an IPv4 prefix
//	X:X::X:X        an IPv6 address
//	X:X::X:X/M      an IPv6 prefix
//	<lo-hi>         a decimal number in the range lo..hi
//	IFNAME          an interface name: "Tunnel0", "tun 0", "gi1.15",
//	                "Virtual-Template1", or a Linux name ("eth0", "ens3")
//	{a|b c|d}       a choice between token sequences
//	[a|b]           an optional choice ([a] is an optional token)
//	{a|b|c}...      one or more of a choice of single tokens, in any order
//	TOKEN$name      names the token's argument (defaults: the keyword itself,
//	                or the type text such as "WORD")
//
// Help strings are given one per token, in the order the tokens appear in
// the spec text (keywords inside choices included).
//
// Matching: keywords match case-insensitively by unique prefix; at one
// position an exact keyword beats a typed token (address, prefix, number,
// interface), which beats a keyword abbreviation, which beats WORD, which
// beats LINE; two abbreviations left at the best rank are ambiguous.
package parser

import (
	"fmt"
	"strconv"
	"strings"
)

// Kind is the type of a grammar token.
type Kind int

// The token kinds, in no particular order.
const (
	Keyword Kind = iota
	Word
	Line
	IPv4
	IPv4Prefix
	IPv6
	IPv6Prefix
	Range
	IfName
)

// String returns the spec text of the kind (keywords return "keyword").
func (k Kind) String() string {
	switch k {
	case Keyword:
		return "keyword"
	case Word:
		return "WORD"
	case Line:
		return "LINE"
	case IPv4:
		return "A.B.C.D"
	case IPv4Prefix:
		return "A.B.C.D/M"
	case IPv6:
		return "X:X::X:X"
	case IPv6Prefix:
		return "X:X::X:X/M"
	case Range:
		return "<lo-hi>"
	case IfName:
		return "IFNAME"
	}
	return "?"
}

// Token is one element of a compiled command path.
type Token struct {
	Kind Kind
	// Text is the keyword as the spec spells it (its canonical form, shown
	// by `?` and reported as the matched value) or the token's spec text
	// ("WORD", "<1-86400>").
	Text string
	// Name is the argument name under which the matched value is reported.
	Name string
	// Help is the token's help string.
	Help string
	// Lo and Hi bound a Range token.
	Lo, Hi uint64

	// lower is Text in lower case: keywords match it, and tokens of the
	// same kind and lower text share one trie node.
	lower string
	// repeat is set on the alternatives of a `{a|b|c}...` group: after one
	// of them, any of them may follow again.
	repeat *repeatGroup
}

// repeatGroup is the set of single-token alternatives of a repeated choice.
type repeatGroup struct {
	tokens []*Token
}

// node of the spec syntax tree.
type specNode struct {
	tok    *Token       // a single token, or
	alts   [][]specNode // a choice between sequences
	opt    bool         // the choice may be skipped
	repeat *repeatGroup // `{...}...`: the choice may repeat
}

// newRepeatGroup marks the alternatives of a `{a|b}...` choice as one
// repeat group; each alternative must be a single token.
func newRepeatGroup(alts [][]specNode) (*repeatGroup, error) {
	grp := &repeatGroup{}
	for _, alt := range alts {
		if len(alt) != 1 || alt[0].tok == nil {
			return nil, fmt.Errorf("a repeated choice takes single tokens only")
		}
		if alt[0].tok.Kind == Line {
			return nil, fmt.Errorf("LINE cannot repeat")
		}
		alt[0].tok.repeat = grp
		grp.tokens = append(grp.tokens, alt[0].tok)
	}
	return grp, nil
}

// compileSpec parses a spec string and assigns help strings in order.
func compileSpec(spec string, help []string) ([][]*Token, error) {
	p := &specParser{src: spec}
	seq, err := p.sequence(0)
	if err != nil {
		return nil, fmt.Errorf("spec %q: %w", spec, err)
	}
	if p.pos < len(p.src) {
		return nil, fmt.Errorf("spec %q: unexpected %q at %d", spec, p.src[p.pos], p.pos)
	}
	if len(p.tokens) != len(help) {
		return nil, fmt.Errorf("spec %q: %d tokens but %d help strings", spec, len(p.tokens), len(help))
	}
	for i, t := range p.tokens {
		if strings.TrimSpace(help[i]) == "" {
			return nil, fmt.Errorf("spec %q: empty help for token %q", spec, t.Text)
		}
		t.Help = help[i]
	}
	if n := countPaths(seq); n > maxPaths {
		return nil, fmt.Errorf("spec %q: %d alternative paths (at most %d)", spec, n, maxPaths)
	}
	paths := expand(seq)
	for _, path := range paths {
		if len(path) == 0 {
			return nil, fmt.Errorf("spec %q: can match an empty line", spec)
		}
		for i, t := range path {
			if t.Kind == Line && i != len(path)-1 {
				return nil, fmt.Errorf("spec %q: LINE must be the last token", spec)
			}
		}
	}
	return paths, nil
}

type specParser struct {
	src    string
	pos    int
	tokens []*Token
}

func (p *specParser) skipSpace() {
	for p.pos < len(p.src) && p.src[p.pos] == ' ' {
		p.pos++
	}
}

// sequence parses tokens until a closing bracket or '|' at depth>0.
func (p *specParser) sequence(depth int) ([]specNode, error) {
	var seq []specNode
	for {
		p.skipSpace()
		if p.pos >= len(p.src) {
			if depth > 0 {
				return nil, fmt.Errorf("unclosed bracket")
			}
			return seq, nil
		}
		switch c := p.src[p.pos]; c {
		case '|', ']', '}':
			if depth == 0 {
				return nil, fmt.Errorf("unexpected %q at %d", c, p.pos)
			}
			return seq, nil
		case '[', '{':
			p.pos++
			closer := byte(']')
			if c == '{' {
				closer = '}'
			}
			var alts [][]specNode
			for {
				alt, err := p.sequence(depth + 1)
				if err != nil {
					return nil, err
				}
				if len(alt) == 0 {
					return nil, fmt.Errorf("empty alternative at %d", p.pos)
				}
				alts = append(alts, alt)
				if p.pos >= len(p.src) {
					return nil, fmt.Errorf("unclosed bracket")
				}
				if p.src[p.pos] == '|' {
					p.pos++
					continue
				}
				if p.src[p.pos] != closer {
					return nil, fmt.Errorf("mismatched bracket at %d", p.pos)
				}
				p.pos++
				break
			}
			n := specNode{alts: alts, opt: c == '['}
			if strings.HasPrefix(p.src[p.pos:], "...") {
				p.pos += 3
				grp, err := newRepeatGroup(alts)
				if err != nil {
					return nil, err
				}
				n.repeat = grp
			}
			seq = append(seq, n)
		default:
			start := p.pos
			for p.pos < len(p.src) && !strings.ContainsRune(" |[]{}", rune(p.src[p.pos])) {
				p.pos++
			}
			tok, err := parseToken(p.src[start:p.pos])
			if err != nil {
				return nil, err
			}
			p.tokens = append(p.tokens, tok)
			seq = append(seq, specNode{tok: tok})
		}
	}
}

// parseToken turns one spec word into a token.
func parseToken(s string) (*Token, error) {
	name := ""
	if i := strings.IndexByte(s, '$'); i >= 0 {
		s, name = s[:i], s[i+1:]
		if !validArgName(name) {
			return nil, fmt.Errorf("bad argument name %q in %q", name, s)
		}
	}
	t := &Token{Text: s}
	switch s {
	case "WORD":
		t.Kind = Word
	case "LINE":
		t.Kind = Line
	case "A.B.C.D":
		t.Kind = IPv4
	case "A.B.C.D/M":
		t.Kind = IPv4Prefix
	case "X:X::X:X":
		t.Kind = IPv6
	case "X:X::X:X/M":
		t.Kind = IPv6Prefix
	case "IFNAME":
		t.Kind = IfName
	default:
		if strings.HasPrefix(s, "<") {
			lo, hi, ok := parseRange(s)
			if !ok {
				return nil, fmt.Errorf("bad range token %q", s)
			}
			t.Kind, t.Lo, t.Hi = Range, lo, hi
			break
		}
		if !validKeyword(s) {
			return nil, fmt.Errorf("bad token %q", s)
		}
		t.Kind = Keyword
	}
	if name == "" {
		name = t.Text
		if t.Kind == Keyword {
			name = strings.ToLower(t.Text)
		}
	}
	t.Name = name
	t.lower = strings.ToLower(t.Text)
	return t, nil
}

// validArgName accepts argument names made of letters, digits, '-' and '_'.
func validArgName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(isLetter(c) || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

func validKeyword(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r <= ' ' || r == '$' || r == '<' || r == '>' || r > 0x7e {
			return false
		}
	}
	return true
}

func parseRange(s string) (lo, hi uint64, ok bool) {
	if !strings.HasPrefix(s, "<") || !strings.HasSuffix(s, ">") {
		return 0, 0, false
	}
	a, b, found := strings.Cut(s[1:len(s)-1], "-")
	if !found {
		return 0, 0, false
	}
	lo, err1 := strconv.ParseUint(a, 10, 64)
	hi, err2 := strconv.ParseUint(b, 10, 64)
	if err1 != nil || err2 != nil || lo > hi {
		return 0, 0, false
	}
	return lo, hi, true
}

// maxPaths bounds the linear paths one spec may expand to (each optional
// doubles them).
const maxPaths = 4096

// countPaths returns how many paths expand(seq) would return, saturating
// above maxPaths.
func countPaths(seq []specNode) int {
	total := 1
	for _, n := range seq {
		if n.tok != nil {
			continue
		}
		k := 0
		if n.opt {
			k = 1
		}
		for _, alt := range n.alts {
			k += countPaths(alt)
		}
		total *= k
		if total > maxPaths {
			return maxPaths + 1
		}
	}
	return total
}

// expand turns a syntax tree into every linear token path it allows.
func expand(seq []specNode) [][]*Token {
	paths := [][]*Token{nil}
	for _, n := range seq {
		var next [][]*Token
		if n.tok != nil {
			for _, p := range paths {
				next = append(next, appendCopy(p, n.tok))
			}
			paths = next
			continue
		}
		if n.opt {
			next = append(next, paths...)
		}
		for _, alt := range n.alts {
			for _, tail := range expand(alt) {
				for _, p := range paths {
					next = append(next, appendCopy(p, tail...))
				}
			}
		}
		paths = next
	}
	return paths
}

func appendCopy(p []*Token, t ...*Token) []*Token {
	out := make([]*Token, 0, len(p)+len(t))
	return append(append(out, p...), t...)
}
