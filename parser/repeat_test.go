package parser

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// repeatGraph declares a multi-value command like IOS's
// `encryption aes-cbc-256 aes-cbc-128`, followed by an optional keyword.
func repeatGraph(t *testing.T) *Graph {
	t.Helper()
	g := NewGraph()
	if err := g.Add("group {1$g|14$g|19$g|20$g}... [strict]",
		[]string{"Set groups", "DH 768", "DH 2048", "ECP 256", "ECP 384", "Strict"}, "group"); err != nil {
		t.Fatal(err)
	}
	if err := g.Add("list {alpha|beta}... WORD$end",
		[]string{"A list", "First", "Second", "Closing word"}, "list"); err != nil {
		t.Fatal(err)
	}
	return g
}

func TestRepeatMatch(t *testing.T) {
	g := repeatGraph(t)
	tests := []struct {
		line string
		want []string // values named "g"
		has  string   // a keyword that must be present
	}{
		{line: "group 19", want: []string{"19"}},
		{line: "group 19 14 21", want: nil}, // 21 is not a group: invalid
		{line: "group 19 14 1", want: []string{"19", "14", "1"}},
		{line: "group 20 20 strict", want: []string{"20", "20"}, has: "strict"},
	}
	for _, tt := range tests {
		m, err := g.Match(tt.line)
		if tt.want == nil {
			if err == nil {
				t.Errorf("%q: matched, want an error", tt.line)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", tt.line, err)
			continue
		}
		if diff := cmp.Diff(tt.want, m.Args.All("g")); diff != "" {
			t.Errorf("%q: values (-want +got):\n%s", tt.line, diff)
		}
		if tt.has != "" && !m.Args.Has(tt.has) {
			t.Errorf("%q: no %q in %v", tt.line, tt.has, m.Args)
		}
	}
}

func TestRepeatErrorsAndNames(t *testing.T) {
	g := repeatGraph(t)
	_, err := g.Match("group 19 14 21")
	pe, ok := err.(*Error)
	if !ok || pe.Kind != ErrInvalid || pe.Pos != len("group 19 14 ") {
		t.Fatalf("group 19 14 21: got %#v, want invalid at the third value", err)
	}
	m, err := g.Match("list beta alph be x")
	if err != nil {
		t.Fatal(err)
	}
	want := Args{
		{Name: "list", Kind: Keyword, Value: "list"},
		{Name: "beta", Kind: Keyword, Value: "beta"},
		{Name: "alpha", Kind: Keyword, Value: "alpha"},
		{Name: "beta", Kind: Keyword, Value: "beta"},
		{Name: "end", Kind: Word, Value: "x"},
	}
	if diff := cmp.Diff(want, m.Args); diff != "" {
		t.Errorf("args (-want +got):\n%s", diff)
	}
	if _, err := g.Match("list alpha"); err == nil || err.(*Error).Kind != ErrIncomplete {
		t.Errorf("list alpha: got %v, want incomplete", err)
	}
}

func TestRepeatHelpAndComplete(t *testing.T) {
	g := repeatGraph(t)
	items, err := g.Help("group 19 14 ")
	if err != nil {
		t.Fatal(err)
	}
	want := []HelpItem{
		{Token: "1", Help: "DH 768"}, {Token: "14", Help: "DH 2048"},
		{Token: "19", Help: "ECP 256"}, {Token: "20", Help: "ECP 384"},
		{Token: "strict", Help: "Strict"}, crItem,
	}
	if diff := cmp.Diff(want, items); diff != "" {
		t.Errorf("help after two values (-want +got):\n%s", diff)
	}
	if got := g.Complete("list alpha b"); got != "list alpha beta " {
		t.Errorf("TAB: got %q", got)
	}
}

func TestRepeatSpecErrors(t *testing.T) {
	tests := []struct {
		spec string
		help []string
		want string
	}{
		{"x {a b|c}...", []string{"x", "a", "b", "c"}, "single tokens only"},
		{"x {LINE|a}...", []string{"x", "text", "a"}, "LINE cannot repeat"},
		{"x {a|[b]}...", []string{"x", "a", "b"}, "single tokens only"},
	}
	for _, tt := range tests {
		err := NewGraph().Add(tt.spec, tt.help, nil)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%q: got %v, want an error containing %q", tt.spec, err, tt.want)
		}
	}
}
