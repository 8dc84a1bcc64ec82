package parser

import (
	"fmt"
	"sort"
	"strings"
)

// Graph is the compiled grammar of one mode: a trie of tokens whose
// terminal nodes carry the commands that end there.
type Graph struct {
	root node
	// cmds counts the commands added, for diagnostics.
	cmds int
}

type node struct {
	tok      *Token
	children []*node
	ends     []*ending
}

// ending records a command whose path ends at a node.
type ending struct {
	data any
	path []*Token // the command's own tokens (for argument names)
}

// NewGraph returns an empty grammar.
func NewGraph() *Graph { return &Graph{} }

// Add compiles spec with its help strings and adds it to the graph; data is
// returned by Match for lines that match the spec.
func (g *Graph) Add(spec string, help []string, data any) error {
	paths, err := compileSpec(spec, help)
	if err != nil {
		return err
	}
	for _, path := range paths {
		n := &g.root
		for _, t := range path {
			n = n.child(t)
		}
		for _, e := range n.ends {
			if e.data == data {
				goto next
			}
		}
		if len(n.ends) > 0 {
			return fmt.Errorf("spec %q: path %q already taken by another command", spec, pathString(path))
		}
		n.ends = append(n.ends, &ending{data: data, path: path})
	next:
	}
	g.cmds++
	return nil
}

// MustAdd is Add that panics on a bad spec; for static command tables.
func (g *Graph) MustAdd(spec string, help []string, data any) {
	if err := g.Add(spec, help, data); err != nil {
		panic(err)
	}
}

func pathString(path []*Token) string {
	var parts []string
	for _, t := range path {
		parts = append(parts, t.Text)
	}
	return strings.Join(parts, " ")
}

// child returns the child node for t, creating it if needed.
func (n *node) child(t *Token) *node {
	k := t.key()
	for _, c := range n.children {
		if c.tok.key() == k {
			return c
		}
	}
	c := &node{tok: t}
	n.children = append(n.children, c)
	return c
}

// HelpConflicts lists keywords that appear at one position with different
// help strings; a consistent table has none.
func (g *Graph) HelpConflicts() []string {
	var out []string
	var walk func(n *node, prefix string)
	seen := map[string]string{}
	walk = func(n *node, prefix string) {
		for _, c := range n.children {
			p := prefix + " " + c.tok.Text
			if h, ok := seen[p]; ok && h != c.tok.Help {
				out = append(out, fmt.Sprintf("%s: %q vs %q", strings.TrimSpace(p), h, c.tok.Help))
			}
			seen[p] = c.tok.Help
			walk(c, p)
		}
	}
	walk(&g.root, "")
	return out
}

// word is one whitespace-separated word of an input line.
type word struct {
	text       string
	start, end int
}

// splitWords splits a line on spaces and tabs, keeping byte offsets.
func splitWords(line string) []word {
	var ws []word
	i := 0
	for i < len(line) {
		for i < len(line) && isSpace(line[i]) {
			i++
		}
		if i >= len(line) {
			break
		}
		j := i
		for j < len(line) && !isSpace(line[j]) {
			j++
		}
		ws = append(ws, word{text: line[i:j], start: i, end: j})
		i = j
	}
	return ws
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

// Match precedence: an exact keyword beats a typed token, which beats a
// keyword abbreviation, which beats WORD, which beats LINE.
const (
	rankNone = iota
	rankLine
	rankWord
	rankPrefix
	rankTyped
	rankExact
)

// candidate is one way a token matched words at a position.
type candidate struct {
	n        *node
	consumed int    // words consumed
	value    string // normalized value
	rank     int
}

// candidates returns the best-ranked children of n that match words[i:],
// or an ambiguity error.
func (n *node) candidates(line string, ws []word, i int) ([]candidate, *Error) {
	var best []candidate
	bestRank := rankNone
	for _, c := range n.children {
		consumed, value, rank := matchToken(c.tok, line, ws, i)
		if rank == rankNone {
			continue
		}
		if rank > bestRank {
			best, bestRank = best[:0], rank
		}
		if rank == bestRank {
			best = append(best, candidate{n: c, consumed: consumed, value: value, rank: rank})
		}
	}
	if bestRank == rankPrefix && len(best) > 1 {
		return nil, &Error{Kind: ErrAmbiguous, Line: line, Pos: ws[i].start, End: ws[i].end}
	}
	return best, nil
}

// Match is the result of matching a complete line.
type Match struct {
	// Data is the value given to Add for the matched command.
	Data any
	// Args are the matched tokens, in order.
	Args Args
}

// Match parses a whole line against the graph.
func (g *Graph) Match(line string) (*Match, error) {
	ws := splitWords(line)
	if len(ws) == 0 {
		return nil, &Error{Kind: ErrIncomplete, Line: line, Pos: len(line)}
	}
	var trail []candidate
	m, err := g.root.match(line, ws, 0, &trail)
	if err != nil {
		return nil, err
	}
	return m, nil
}

// match walks depth-first, trying same-rank candidates in order; the error
// returned is the one that got furthest into the line.
func (n *node) match(line string, ws []word, i int, trail *[]candidate) (*Match, *Error) {
	if i == len(ws) {
		if len(n.ends) == 0 {
			return nil, &Error{Kind: ErrIncomplete, Line: line, Pos: len(line)}
		}
		e := n.ends[0]
		args := make(Args, len(*trail))
		for k, c := range *trail {
			t := e.path[k]
			args[k] = Arg{Name: t.Name, Kind: t.Kind, Value: c.value}
		}
		return &Match{Data: e.data, Args: args}, nil
	}
	cands, aerr := n.candidates(line, ws, i)
	if aerr != nil {
		return nil, aerr
	}
	if len(cands) == 0 {
		return nil, &Error{Kind: ErrInvalid, Line: line, Pos: ws[i].start, End: ws[i].end}
	}
	var deepest *Error
	for _, c := range cands {
		*trail = append(*trail, c)
		m, err := c.n.match(line, ws, i+c.consumed, trail)
		*trail = (*trail)[:len(*trail)-1]
		if err == nil {
			return m, nil
		}
		if deepest == nil || err.Pos > deepest.Pos {
			deepest = err
		}
	}
	return nil, deepest
}

// frontier returns the nodes reached after matching all of ws.
func (g *Graph) frontier(line string, ws []word) ([]*node, *Error) {
	cur := []struct {
		n *node
		i int
	}{{&g.root, 0}}
	var done []*node
	var deepest *Error
	for len(cur) > 0 {
		st := cur[len(cur)-1]
		cur = cur[:len(cur)-1]
		if st.i == len(ws) {
			done = append(done, st.n)
			continue
		}
		cands, aerr := st.n.candidates(line, ws, st.i)
		if aerr != nil {
			if deepest == nil || aerr.Pos >= deepest.Pos {
				deepest = aerr
			}
			continue
		}
		if len(cands) == 0 {
			e := &Error{Kind: ErrInvalid, Line: line, Pos: ws[st.i].start, End: ws[st.i].end}
			if deepest == nil || e.Pos > deepest.Pos {
				deepest = e
			}
			continue
		}
		for k := len(cands) - 1; k >= 0; k-- {
			c := cands[k]
			if c.n.tok.Kind == Line {
				// LINE swallows the rest: the frontier stays at LINE.
				done = append(done, c.n)
				continue
			}
			cur = append(cur, struct {
				n *node
				i int
			}{c.n, st.i + c.consumed})
		}
	}
	if len(done) == 0 {
		return nil, deepest
	}
	return done, nil
}

// HelpItem is one row of `?` output.
type HelpItem struct {
	// Token is the keyword, the type text ("WORD", "<1-100>") or "<cr>".
	Token string
	// Help is the description ("" for <cr>).
	Help string
}

// Help answers `?` typed after line. If line ends in a partial word, the
// keywords it abbreviates are listed (Help empty); otherwise every token that
// may follow, with <cr> last where the command may end.
func (g *Graph) Help(line string) ([]HelpItem, error) {
	ws := splitWords(line)
	partial := len(ws) > 0 && !isSpace(line[len(line)-1])
	if partial {
		last := ws[len(ws)-1]
		nodes, err := g.frontier(line, ws[:len(ws)-1])
		if err != nil {
			return nil, err
		}
		seen := map[string]bool{}
		var items []HelpItem
		for _, n := range nodes {
			for _, c := range n.children {
				for _, name := range completions(c.tok, last.text) {
					if !seen[name] {
						seen[name] = true
						items = append(items, HelpItem{Token: name})
					}
				}
			}
		}
		if len(items) == 0 {
			return nil, &Error{Kind: ErrUnrecognized, Line: line, Pos: last.start, End: last.end}
		}
		sort.Slice(items, func(a, b int) bool { return strings.ToLower(items[a].Token) < strings.ToLower(items[b].Token) })
		return items, nil
	}
	nodes, err := g.frontier(line, ws)
	if err != nil {
		return nil, err
	}
	var typed, kws []HelpItem
	seen := map[string]bool{}
	cr := false
	for _, n := range nodes {
		if len(n.ends) > 0 && len(ws) > 0 {
			cr = true
		}
		if n.tok != nil && n.tok.Kind == Line {
			// Inside LINE: the rest is free text.
			typed = appendUnique(typed, seen, HelpItem{Token: "LINE", Help: n.tok.Help})
		}
		for _, c := range n.children {
			switch c.tok.Kind {
			case Keyword:
				kws = appendUnique(kws, seen, HelpItem{Token: c.tok.Text, Help: c.tok.Help})
			case IfName:
				for _, it := range ifTypes {
					kws = appendUnique(kws, seen, HelpItem{Token: it.name, Help: it.help})
				}
			default:
				typed = appendUnique(typed, seen, HelpItem{Token: c.tok.Display(), Help: c.tok.Help})
			}
		}
	}
	sort.SliceStable(kws, func(a, b int) bool { return strings.ToLower(kws[a].Token) < strings.ToLower(kws[b].Token) })
	items := append(typed, kws...)
	if cr {
		items = append(items, HelpItem{Token: "<cr>"})
	}
	return items, nil
}

func appendUnique(items []HelpItem, seen map[string]bool, it HelpItem) []HelpItem {
	if seen[it.Token] {
		return items
	}
	seen[it.Token] = true
	return append(items, it)
}

// completions lists the names a partial word could complete to for token t.
func completions(t *Token, partial string) []string {
	p := strings.ToLower(partial)
	switch t.Kind {
	case Keyword:
		if strings.HasPrefix(strings.ToLower(t.Text), p) {
			return []string{t.Text}
		}
	case IfName:
		var out []string
		for _, it := range ifTypes {
			if strings.HasPrefix(strings.ToLower(it.name), p) {
				out = append(out, it.name)
			}
		}
		return out
	}
	return nil
}

// Complete answers TAB: it extends the last partial word of line to the
// longest prefix shared by every keyword it may abbreviate, adding a space
// when exactly one keyword remains. It returns line unchanged when nothing
// can be completed.
func (g *Graph) Complete(line string) string {
	ws := splitWords(line)
	if len(ws) == 0 || isSpace(line[len(line)-1]) {
		return line
	}
	last := ws[len(ws)-1]
	nodes, err := g.frontier(line, ws[:len(ws)-1])
	if err != nil {
		return line
	}
	var names []string
	seen := map[string]bool{}
	for _, n := range nodes {
		for _, c := range n.children {
			if c.tok.Kind != Keyword && c.tok.Kind != IfName {
				// A typed token could take the word as it is.
				if rank := tokenRankFor(c.tok, last.text); rank != rankNone && c.tok.Kind != Word && c.tok.Kind != Line {
					return line
				}
				continue
			}
			for _, name := range completions(c.tok, last.text) {
				if !seen[strings.ToLower(name)] {
					seen[strings.ToLower(name)] = true
					names = append(names, name)
				}
			}
		}
	}
	if len(names) == 0 {
		return line
	}
	if len(names) == 1 {
		return line[:last.start] + names[0] + " "
	}
	common := names[0]
	for _, n := range names[1:] {
		k := 0
		for k < len(common) && k < len(n) && strings.EqualFold(common[k:k+1], n[k:k+1]) {
			k++
		}
		common = common[:k]
	}
	if len(common) <= len(last.text) {
		return line
	}
	return line[:last.start] + common
}

// tokenRankFor matches a single word against a token.
func tokenRankFor(t *Token, w string) int {
	_, _, rank := matchToken(t, w, []word{{text: w, start: 0, end: len(w)}}, 0)
	return rank
}

// FormatHelp renders `?` output in the IOS layout: two-space indent, the
// token column padded to the longest token plus two spaces, then the help.
func FormatHelp(items []HelpItem) string {
	width := 0
	for _, it := range items {
		if it.Help != "" && len(it.Token) > width {
			width = len(it.Token)
		}
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

// FormatPartialHelp renders `?` after a partial word the IOS way: the
// candidate keywords on one line, each followed by two spaces.
func FormatPartialHelp(items []HelpItem) string {
	var b strings.Builder
	for _, it := range items {
		b.WriteString(it.Token + "  ")
	}
	b.WriteString("\n")
	return b.String()
}
