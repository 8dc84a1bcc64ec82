package parser

import (
	"fmt"
	"sort"
	"strings"
)

// HelpItem is one row of `?` output.
type HelpItem struct {
	// Token is the keyword, the type text ("WORD", "<1-100>") or "<cr>".
	Token string
	// Help is the description ("" in a partial-word listing).
	Help string
}

// crItem is the row IOS-XE prints where the command may end (classic IOS
// prints "<cr>" alone; IOS-XE 16 and later repeat it as its own help).
var crItem = HelpItem{Token: "<cr>", Help: "<cr>"}

// Help answers `?` typed after line. If line ends in a partial word, the
// tokens it may begin are listed (Help empty, typed tokens first, then the
// keywords sorted); otherwise every token that may follow, typed tokens
// first, then the keywords sorted, and <cr> last where the command may end.
// The error is a *Error.
func (g *Graph) Help(line string) ([]HelpItem, error) {
	ws := splitWords(nil, line)
	if len(ws) > 0 && !isSpace(line[len(line)-1]) {
		return g.partialHelp(line, ws)
	}
	places, err := g.frontier(line, ws)
	if err != nil {
		return nil, err
	}
	var l helpList
	cr := false
	for _, p := range places {
		if p.ifType != nil {
			l.typed(HelpItem{Token: p.ifType.num, Help: p.ifType.name + " interface number"})
			continue
		}
		if p.n.end != nil && len(ws) > 0 {
			cr = true
		}
		if p.n.tok != nil && p.n.tok.Kind == Line {
			// Inside LINE: more free text may follow.
			l.typed(HelpItem{Token: p.n.tok.Text, Help: p.n.tok.Help})
		}
		for _, c := range p.n.following() {
			switch c.tok.Kind {
			case Keyword:
				l.keyword(HelpItem{Token: c.tok.Text, Help: c.tok.Help})
			case IfName:
				for _, it := range ifTypes {
					l.keyword(HelpItem{Token: it.name, Help: it.help})
				}
			default:
				l.typed(HelpItem{Token: c.tok.Text, Help: c.tok.Help})
			}
		}
	}
	items := l.items()
	if cr {
		items = append(items, crItem)
	}
	return items, nil
}

// partialHelp answers `?` right after a partial word: the tokens that word
// may begin.
func (g *Graph) partialHelp(line string, ws []word) ([]HelpItem, error) {
	last := ws[len(ws)-1]
	places, err := g.frontier(line, ws[:len(ws)-1])
	if err != nil {
		return nil, err
	}
	var l helpList
	for _, p := range places {
		if p.ifType != nil {
			if couldBeNumber(last.text) {
				l.typed(HelpItem{Token: p.ifType.num})
			}
			continue
		}
		if p.n.tok != nil && p.n.tok.Kind == Line {
			l.typed(HelpItem{Token: p.n.tok.Text})
		}
		for _, c := range p.n.following() {
			switch c.tok.Kind {
			case Keyword, IfName:
				for _, name := range completions(c.tok, last.text) {
					l.keyword(HelpItem{Token: name})
				}
				if c.tok.Kind == IfName {
					if tok := ifNameHelp(last.text); tok != "" {
						l.typed(HelpItem{Token: tok})
					}
				}
			default:
				if couldBegin(c.tok, last.text) {
					l.typed(HelpItem{Token: c.tok.Text})
				}
			}
		}
	}
	items := l.items()
	if len(items) == 0 {
		return nil, &Error{Kind: ErrUnrecognized, Line: line, Pos: last.start, End: last.end}
	}
	return items, nil
}

// helpList collects `?` rows without duplicates: typed tokens in grammar
// order, keywords to be sorted.
type helpList struct {
	seen       map[string]bool
	typ, words []HelpItem
}

func (l *helpList) add(dst *[]HelpItem, it HelpItem) {
	if l.seen == nil {
		l.seen = map[string]bool{}
	}
	if l.seen[it.Token] {
		return
	}
	l.seen[it.Token] = true
	*dst = append(*dst, it)
}

func (l *helpList) typed(it HelpItem)   { l.add(&l.typ, it) }
func (l *helpList) keyword(it HelpItem) { l.add(&l.words, it) }

// items returns the typed tokens, then the keywords sorted
// case-insensitively.
func (l *helpList) items() []HelpItem {
	sort.SliceStable(l.words, func(a, b int) bool {
		return strings.ToLower(l.words[a].Token) < strings.ToLower(l.words[b].Token)
	})
	return append(l.typ, l.words...)
}

// completions lists the keywords (or interface type names) a partial word
// may abbreviate for token t.
func completions(t *Token, partial string) []string {
	switch t.Kind {
	case Keyword:
		if hasPrefixFold(t.lower, partial) {
			return []string{t.Text}
		}
	case IfName:
		var out []string
		for _, it := range ifTypes {
			if hasPrefixFold(it.name, partial) {
				out = append(out, it.name)
			}
		}
		return out
	}
	return nil
}

// ifNameHelp is the partial `?` row for a word that is already a whole
// interface name: IOS reads "Tunnel0?" as the type and a number being
// typed, so the number range is listed; a Linux name lists itself.
func ifNameHelp(w string) string {
	t, _, n := parseIfName(w, "")
	switch {
	case n != 1:
		return ""
	case t == nil:
		return w
	}
	return t.num
}

// couldBegin reports whether w is, or may be the beginning of, a value of
// the typed token t.
func couldBegin(t *Token, w string) bool {
	switch t.Kind {
	case Word, Line:
		return true
	case Range:
		return couldBeNumber(w)
	case IPv4:
		return onlyBytes(w, "0123456789.") && strings.Count(w, ".") <= 3
	case IPv4Prefix:
		addr, bits, _ := strings.Cut(w, "/")
		return onlyBytes(addr, "0123456789.") && strings.Count(addr, ".") <= 3 && onlyBytes(bits, "0123456789")
	case IPv6:
		return onlyBytes(w, "0123456789abcdefABCDEF:.")
	case IPv6Prefix:
		addr, bits, _ := strings.Cut(w, "/")
		return onlyBytes(addr, "0123456789abcdefABCDEF:.") && onlyBytes(bits, "0123456789")
	}
	return false
}

func couldBeNumber(w string) bool { return w != "" && onlyBytes(w, "0123456789/.:") }

// onlyBytes reports whether every byte of s is in set.
func onlyBytes(s, set string) bool {
	for i := 0; i < len(s); i++ {
		if strings.IndexByte(set, s[i]) < 0 {
			return false
		}
	}
	return true
}

// Complete answers TAB: it extends the last partial word of line to the
// longest prefix shared by every keyword it may abbreviate. A word that
// names one keyword (uniquely, or exactly) is completed to it with a space
// after; an interface type is completed without a space, as its number
// follows (UNCONFIRMED: IOS behaviour for "int gi<TAB>" as remembered, not
// captured). Line is returned unchanged when nothing can be completed.
func (g *Graph) Complete(line string) string {
	ws := splitWords(nil, line)
	if len(ws) == 0 || isSpace(line[len(line)-1]) {
		return line
	}
	last := ws[len(ws)-1]
	places, err := g.frontier(line, ws[:len(ws)-1])
	if err != nil {
		return line
	}
	var names []string
	ifName := map[string]bool{}
	for _, p := range places {
		if p.ifType != nil {
			continue
		}
		for _, c := range p.n.following() {
			switch c.tok.Kind {
			case Keyword, IfName:
				for _, name := range completions(c.tok, last.text) {
					names = appendFold(names, name)
					ifName[name] = ifName[name] || c.tok.Kind == IfName
				}
			case Word, Line:
			default:
				if _, _, rank := matchToken(c.tok, line, []word{last}, 0); rank != rankNone {
					// The word is already a complete typed value.
					return line
				}
			}
		}
	}
	name, ok := uniqueCompletion(names, last.text)
	if !ok {
		return line
	}
	if len(names) == 1 || strings.EqualFold(name, last.text) {
		if !ifName[name] {
			name += " "
		}
	}
	return line[:last.start] + name
}

// appendFold appends name unless names has it, ignoring case.
func appendFold(names []string, name string) []string {
	for _, n := range names {
		if strings.EqualFold(n, name) {
			return names
		}
	}
	return append(names, name)
}

// uniqueCompletion returns what TAB extends typed to: the name it equals
// (ignoring case), or the longest common prefix of names when that is
// longer than typed.
func uniqueCompletion(names []string, typed string) (string, bool) {
	if len(names) == 0 {
		return "", false
	}
	for _, n := range names {
		if strings.EqualFold(n, typed) {
			return n, true
		}
	}
	common := names[0]
	for _, n := range names[1:] {
		k := 0
		for k < len(common) && k < len(n) && lowerASCII(common[k]) == lowerASCII(n[k]) {
			k++
		}
		common = common[:k]
	}
	if len(names) > 1 && len(common) <= len(typed) {
		return "", false
	}
	return common, true
}

// FormatHelp renders `?` output in the IOS layout: two-space indent, the
// token column padded to the longest token plus two spaces, then the help.
func FormatHelp(items []HelpItem) string {
	width := 0
	for _, it := range items {
		width = max(width, len(it.Token))
	}
	var b strings.Builder
	for _, it := range items {
		if it.Help == "" {
			b.WriteString("  " + it.Token + "\n")
			continue
		}
		fmt.Fprintf(&b, "  %-*s  %s\n", width, it.Token, it.Help)
	}
	return b.String()
}

// partialHelpWidth is the terminal width at which FormatPartialHelp wraps.
const partialHelpWidth = 80

// FormatPartialHelp renders `?` after a partial word the IOS way: the
// candidate tokens on one line, each followed by two spaces, wrapped before
// the terminal width (the wrapping column is UNCONFIRMED).
func FormatPartialHelp(items []HelpItem) string {
	var b strings.Builder
	col := 0
	for _, it := range items {
		cell := it.Token + "  "
		if col > 0 && col+len(it.Token) >= partialHelpWidth {
			b.WriteString("\n")
			col = 0
		}
		b.WriteString(cell)
		col += len(cell)
	}
	b.WriteString("\n")
	return b.String()
}
