package parser

// word is one whitespace-separated word of an input line.
type word struct {
	text       string
	start, end int
}

// splitWords appends the words of line (split on spaces and tabs, with
// their byte offsets) to dst.
func splitWords(dst []word, line string) []word {
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
		dst = append(dst, word{text: line[i:j], start: i, end: j})
		i = j
	}
	return dst
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

// Match precedence, highest first: an exact keyword, a typed token (address,
// prefix, number, interface name), a keyword abbreviation, WORD, LINE. Only
// the best rank present at a position is tried; two keyword abbreviations
// at the best rank are ambiguous.
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
}

// candidates appends to dst the best-ranked children of n that match
// words[i:]; it reports an ambiguity error when the best are several
// keyword abbreviations.
func (n *node) candidates(dst []candidate, line string, ws []word, i int) ([]candidate, *Error) {
	best := rankNone
	start := len(dst)
	add := func(children []*node) {
		for _, c := range children {
			consumed, value, rank := matchToken(c.tok, line, ws, i)
			if rank == rankNone || rank < best {
				continue
			}
			if rank > best {
				dst, best = dst[:start], rank
			}
			dst = append(dst, candidate{n: c, consumed: consumed, value: value})
		}
	}
	all, typed, kw := n.matchable(ws[i].text[0])
	add(all)
	add(typed)
	add(kw)
	add(n.loop)
	if best == rankPrefix && len(dst)-start > 1 {
		return dst[:start], &Error{Kind: ErrAmbiguous, Line: line, Pos: ws[i].start, End: ws[i].end}
	}
	return dst, nil
}

// Match is the result of matching a complete line.
type Match struct {
	// Data is the value given to Add for the matched command.
	Data any
	// Args are the matched tokens, in order.
	Args Args
}

// maxWords bounds the words of a line matched without allocating.
const maxWords = 32

// Match parses a whole line against the graph. The error is a *Error.
func (g *Graph) Match(line string) (*Match, error) {
	var wbuf [maxWords]word
	ws := splitWords(wbuf[:0], line)
	if len(ws) == 0 {
		return nil, &Error{Kind: ErrIncomplete, Line: line, Pos: len(line), End: len(line)}
	}
	var tbuf [maxWords]candidate
	m, err := g.root.match(line, ws, 0, tbuf[:0])
	if err != nil {
		return nil, err
	}
	return m, nil
}

// match walks depth-first, trying the same-rank candidates in order; trail
// holds the candidates matched so far. The error returned is the one that
// got furthest into the line.
func (n *node) match(line string, ws []word, i int, trail []candidate) (*Match, *Error) {
	if i == len(ws) {
		if n.end == nil {
			return nil, &Error{Kind: ErrIncomplete, Line: line, Pos: len(line), End: len(line)}
		}
		return &Match{Data: n.end.data, Args: n.end.args(trail)}, nil
	}
	var cbuf [4]candidate
	cands, err := n.candidates(cbuf[:0], line, ws, i)
	if err != nil {
		return nil, err
	}
	if len(cands) == 0 {
		if i == len(ws)-1 && n.awaitsIfNumber(ws[i].text) {
			// "interface Tunnel": the interface number is missing.
			return nil, &Error{Kind: ErrIncomplete, Line: line, Pos: len(line), End: len(line)}
		}
		return nil, &Error{Kind: ErrInvalid, Line: line, Pos: ws[i].start, End: ws[i].end}
	}
	var deepest *Error
	for _, c := range cands {
		m, err := c.n.match(line, ws, i+c.consumed, append(trail, c))
		if err == nil {
			return m, nil
		}
		if deepest == nil || err.Pos > deepest.Pos {
			deepest = err
		}
	}
	return nil, deepest
}

// args names the matched tokens after the command's own path (the trie
// nodes are shared by commands that may name their arguments differently).
// A token matched again by a repeated choice takes the name of the same
// token in that choice.
func (e *ending) args(trail []candidate) Args {
	args := make(Args, len(trail))
	p := 0
	for k, c := range trail {
		t := c.n.tok
		if p < len(e.path) && sameToken(e.path[p], t) {
			t = e.path[p]
			p++
		} else if r := e.repeatToken(p, t); r != nil {
			t = r
		}
		args[k] = Arg{Name: t.Name, Kind: t.Kind, Value: c.value}
	}
	return args
}

// repeatToken finds t among the repeated choices at or just before path
// position p (the choice being repeated), or returns nil.
func (e *ending) repeatToken(p int, t *Token) *Token {
	for _, q := range []int{p, p - 1} {
		if q < 0 || q >= len(e.path) || e.path[q].repeat == nil {
			continue
		}
		for _, r := range e.path[q].repeat.tokens {
			if sameToken(r, t) {
				return r
			}
		}
	}
	return nil
}

// sameToken reports whether two tokens share a trie node.
func sameToken(a, b *Token) bool { return a.Kind == b.Kind && a.lower == b.lower }

// awaitsIfNumber reports whether w names an interface type at an IFNAME
// child of n, so that its number may follow as the next word.
func (n *node) awaitsIfNumber(w string) bool {
	for _, c := range n.children {
		if c.tok.Kind == IfName && lookupIfType(w) != nil {
			return true
		}
	}
	return false
}

// reach is a place in the graph after some words: a node, or (n nil), when
// the last word was an interface type still waiting for its number
// ("int tun"), that type.
type reach struct {
	n      *node
	ifType *ifType
}

// frontier returns every place reached after matching all of ws, or the
// error that got furthest when none is.
func (g *Graph) frontier(line string, ws []word) ([]reach, *Error) {
	type state struct {
		n *node
		i int
	}
	stack := []state{{&g.root, 0}}
	var done []reach
	var deepest *Error
	fail := func(e *Error) {
		if deepest == nil || e.Pos > deepest.Pos {
			deepest = e
		}
	}
	for len(stack) > 0 {
		st := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if st.i == len(ws) {
			done = append(done, reach{n: st.n})
			continue
		}
		if st.i == len(ws)-1 {
			// A last word naming an interface type waits for its number.
			if st.n.awaitsIfNumber(ws[st.i].text) {
				done = append(done, reach{ifType: lookupIfType(ws[st.i].text)})
			}
		}
		cands, err := st.n.candidates(nil, line, ws, st.i)
		if err != nil {
			fail(err)
			continue
		}
		if len(cands) == 0 {
			fail(&Error{Kind: ErrInvalid, Line: line, Pos: ws[st.i].start, End: ws[st.i].end})
			continue
		}
		for k := len(cands) - 1; k >= 0; k-- {
			stack = append(stack, state{cands[k].n, st.i + cands[k].consumed})
		}
	}
	if len(done) == 0 {
		return nil, deepest
	}
	return done, nil
}
