package parser

import (
	"errors"
	"strings"
	"testing"
)

// FuzzMatch feeds arbitrary lines to every entry point that reads user
// input (Match, Help, Complete, the error formatting): none may panic, and
// every error points inside the line.
func FuzzMatch(f *testing.F) {
	for _, s := range []string{
		"hostname R1", "ip route 0.0.0.0 0.0.0.0 tun 5 250 name X", "int gi1.15", "int tun", "int tun 0",
		"description  a  b ", "crypto ikev2 p X", "logging 0255.255.1", "ipv6 route ::/0 2001:db8::1",
		"network 10.0.0.0/8", "exp 10x", "tunnel source d 1", "\thostname\tR1 x", "", " ", "é ü", "int Virtual-Template 1 type tunnel",
	} {
		f.Add(s)
	}
	g := testGraph(f)
	f.Fuzz(func(t *testing.T, line string) {
		checkErr := func(op string, err error) {
			if err == nil {
				return
			}
			var pe *Error
			if !errors.As(err, &pe) {
				t.Fatalf("%s(%q): error %v is not a *Error", op, line, err)
			}
			if pe.Pos < 0 || pe.Pos > len(line) || pe.End < pe.Pos || pe.End > len(line) {
				t.Fatalf("%s(%q): error span %d..%d outside the line", op, line, pe.Pos, pe.End)
			}
			if pe.Format(11) == "" {
				t.Fatalf("%s(%q): empty error text", op, line)
			}
		}
		m, err := g.Match(line)
		checkErr("Match", err)
		if err == nil && (m.Data == nil || len(m.Args) == 0) {
			t.Fatalf("Match(%q) = %+v", line, m)
		}
		_, err = g.Help(line)
		checkErr("Help", err)
		_, err = g.Help(line + " ")
		checkErr("Help", err)
		if c := g.Complete(line); !strings.HasPrefix(strings.ToLower(c), strings.ToLower(line[:lastWordStart(line)])) {
			t.Fatalf("Complete(%q) = %q changed the words before the last", line, c)
		}
	})
}

// lastWordStart is the byte offset of the last word of line (len(line) if
// the line ends in a space).
func lastWordStart(line string) int {
	ws := splitWords(nil, line)
	if len(ws) == 0 || isSpace(line[len(line)-1]) {
		return len(line)
	}
	return ws[len(ws)-1].start
}

// FuzzSpec compiles arbitrary spec strings: a bad spec is an error, never a
// panic, and a spec that compiles can be matched, helped and completed.
func FuzzSpec(f *testing.F) {
	for _, s := range testSpecs {
		f.Add(s.spec, "x")
	}
	for _, s := range []string{"[", "]", "{|}", "a [b|{c|d}] <1-5>$n", "<0-18446744073709551615>", "a [<1-255>]", "LINE$x", "a$"} {
		f.Add(s, "")
	}
	f.Fuzz(func(t *testing.T, spec, line string) {
		help := make([]string, len(strings.FieldsFunc(spec, func(r rune) bool { return strings.ContainsRune(" |[]{}", r) })))
		for i := range help {
			help[i] = "help"
		}
		g := NewGraph()
		if err := g.Add(spec, help, 1); err != nil {
			if len(g.root.children) != 0 {
				t.Fatalf("Add(%q) failed but changed the graph", spec)
			}
			return
		}
		if _, err := g.Match(line); err != nil {
			var pe *Error
			if !errors.As(err, &pe) {
				t.Fatalf("Match: %v", err)
			}
		}
		g.Help(line)
		g.Complete(line)
	})
}
