package parser

import (
	"fmt"
	"strings"
)

// Graph is the compiled grammar of one mode: a trie of tokens whose
// terminal nodes carry the commands that end there.
type Graph struct {
	root node
	// conflicts lists tokens merged into one trie node with different help
	// strings (see HelpConflicts).
	conflicts []string
}

type node struct {
	tok      *Token
	children []*node // in the order added (`?` and TAB walk them)
	end      *ending
	// loop, on the nodes of a repeated choice, lists every alternative of
	// that choice (siblings under one parent): each may follow again.
	loop []*node

	// For matching: typed holds the children that are not keywords;
	// byFirst, built once a node has indexMin keyword children, holds the
	// keyword children by the first letter of their lower-case text
	// (below indexMin, keywords are scanned from children).
	typed   []*node
	byFirst map[byte][]*node
	nkw     int
}

// indexMin is the number of keyword children from which a node indexes
// them by first letter.
const indexMin = 8

// ending records the command whose path ends at a node.
type ending struct {
	data any
	path []*Token // the command's own tokens (for argument names)
}

// NewGraph returns an empty grammar.
func NewGraph() *Graph { return &Graph{} }

// Add compiles spec with its help strings and adds it to the graph; data is
// returned by Match for lines that match the spec. On error the graph is
// unchanged.
func (g *Graph) Add(spec string, help []string, data any) error {
	paths, err := compileSpec(spec, help)
	if err != nil {
		return err
	}
	for _, path := range paths {
		if e := g.root.lookup(path); e != nil && e.data != data {
			return fmt.Errorf("spec %q: path %q already taken by another command", spec, pathString(path))
		}
	}
	type loopKey struct {
		grp    *repeatGroup
		parent *node
	}
	loops := map[loopKey][]*node{}
	for _, path := range paths {
		n := &g.root
		for k, t := range path {
			parent := n
			n = g.child(n, t, path[:k+1])
			if t.repeat != nil {
				key := loopKey{t.repeat, parent}
				if !containsNode(loops[key], n) {
					loops[key] = append(loops[key], n)
				}
			}
		}
		if n.end == nil {
			n.end = &ending{data: data, path: path}
		}
	}
	for _, group := range loops {
		for _, n := range group {
			n.loop = group
		}
	}
	return nil
}

func containsNode(list []*node, n *node) bool {
	for _, x := range list {
		if x == n {
			return true
		}
	}
	return false
}

// following lists the nodes that may follow n, for `?` and TAB: its
// children, then the alternatives of n's repeated choice.
func (n *node) following() []*node {
	if n.loop == nil {
		return n.children
	}
	return append(append([]*node(nil), n.children...), n.loop...)
}

// MustAdd is Add that panics on a bad spec; for static command tables.
func (g *Graph) MustAdd(spec string, help []string, data any) {
	if err := g.Add(spec, help, data); err != nil {
		panic(err)
	}
}

func pathString(path []*Token) string {
	parts := make([]string, len(path))
	for i, t := range path {
		parts[i] = t.Text
	}
	return strings.Join(parts, " ")
}

// lookup returns the ending at the node path leads to, if that node exists.
func (n *node) lookup(path []*Token) *ending {
	for _, t := range path {
		n = n.find(t)
		if n == nil {
			return nil
		}
	}
	return n.end
}

// find returns the child of n that t shares (same kind and text), or nil.
func (n *node) find(t *Token) *node {
	for _, c := range n.children {
		if c.tok.Kind == t.Kind && c.tok.lower == t.lower {
			return c
		}
	}
	return nil
}

// child returns the child node of n for t, creating it if needed; a token
// merged into an existing node with another help string is recorded as a
// conflict (prefix is the path up to and including t, for the report).
func (g *Graph) child(n *node, t *Token, prefix []*Token) *node {
	if c := n.find(t); c != nil {
		if c.tok.Help != t.Help {
			g.conflicts = append(g.conflicts, fmt.Sprintf("%s: %q vs %q", pathString(prefix), c.tok.Help, t.Help))
		}
		return c
	}
	c := &node{tok: t}
	n.children = append(n.children, c)
	if t.Kind != Keyword {
		n.typed = append(n.typed, c)
		return c
	}
	n.nkw++
	switch {
	case n.byFirst != nil:
		n.byFirst[t.lower[0]] = append(n.byFirst[t.lower[0]], c)
	case n.nkw == indexMin:
		n.byFirst = map[byte][]*node{}
		for _, k := range n.children {
			if k.tok.Kind == Keyword {
				n.byFirst[k.tok.lower[0]] = append(n.byFirst[k.tok.lower[0]], k)
			}
		}
	}
	return c
}

// matchable returns the children of n that may match a word starting with
// the byte first: every child, or the typed children and the keywords
// starting with that letter when n is indexed (the keywords then in
// kw).
func (n *node) matchable(first byte) (all, typed, kw []*node) {
	if n.byFirst == nil {
		return n.children, nil, nil
	}
	return nil, n.typed, n.byFirst[lowerASCII(first)]
}

// HelpConflicts lists the tokens that were declared at one position of the
// grammar with different help strings; `?` can show only one, so a
// consistent table has none.
func (g *Graph) HelpConflicts() []string {
	return append([]string(nil), g.conflicts...)
}
