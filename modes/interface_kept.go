package modes

import (
	"strings"

	"github.com/flexvpnd/flexvpnd/parser"
	runningconfig "github.com/flexvpnd/flexvpnd/running-config"
)

// keptSpec declares a valid IOS sub-mode line that flexvpnd stores verbatim
// in a typed object (an interface, a trustpoint) and renders in IOS order.
type keptSpec struct {
	Spec string
	Help []string
	// No is the grammar of the `no` form ("" = Spec).
	No string
	// Rank places the line in the block (see runningconfig.KeptLine).
	Rank int
	// KeyWords is how many leading words of the canonical line identify a
	// single-valued setting (a new value replaces the old); 0 means every
	// distinct line is kept.
	KeyWords int
	// NegDefault marks a setting that is on by default: the `no` form is
	// the line stored (`no ip redirects`) and the positive form removes it.
	NegDefault bool
	// Reason is reported through Ctx.NotApplied ("" = applied elsewhere,
	// nothing reported).
	Reason string
}

// keptCommand builds the command for a kept line; lines returns the
// KeptLines of the frame's object.
func keptCommand(k keptSpec, lines func(c *Ctx) *runningconfig.KeptLines) *Command {
	set := func(c *Ctx, text string) error {
		l := lines(c)
		key := text
		if k.KeyWords > 0 {
			key = strings.Join(firstWords(text, k.KeyWords), " ")
		}
		l.Set(k.Rank, key, text)
		if k.Reason != "" {
			c.NotApplied(k.Reason)
		}
		return nil
	}
	del := func(c *Ctx, text string) error {
		l := lines(c)
		if k.KeyWords > 0 {
			l.DeleteKey(strings.Join(firstWords(text, k.KeyWords), " "))
			return nil
		}
		l.Delete(text)
		return nil
	}
	cmd := &Command{Spec: k.Spec, Help: k.Help, No: k.No}
	if k.NegDefault {
		cmd.Run = func(c *Ctx, a parser.Args) error { return del(c, "no "+canonLine(a)) }
		cmd.Unset = func(c *Ctx, a parser.Args) error { return set(c, "no "+canonLine(a)) }
	} else {
		cmd.Run = func(c *Ctx, a parser.Args) error { return set(c, canonLine(a)) }
		cmd.Unset = func(c *Ctx, a parser.Args) error { return del(c, canonLine(a)) }
	}
	return cmd
}

// canonLine rebuilds a matched line in canonical form: keywords spelled out,
// values as normalized by the parser, a LINE argument verbatim. The leading
// `no` of a negated line is not part of the arguments.
func canonLine(a parser.Args) string {
	if len(a) > 0 && a[0].Kind == parser.Keyword && a[0].Name == "no" {
		a = a[1:]
	}
	parts := make([]string, 0, len(a))
	for _, x := range a {
		parts = append(parts, x.Value)
	}
	return strings.Join(parts, " ")
}

func firstWords(s string, n int) []string {
	f := strings.Fields(s)
	if len(f) > n {
		f = f[:n]
	}
	return f
}

// invalidWord returns the IOS invalid-input error with the caret under the
// n-th word (0-based) of the line.
func invalidWord(line string, n int) error {
	i, w := 0, 0
	for i < len(line) {
		for i < len(line) && (line[i] == ' ' || line[i] == '\t') {
			i++
		}
		start := i
		for i < len(line) && line[i] != ' ' && line[i] != '\t' {
			i++
		}
		if start == i {
			break
		}
		if w == n {
			return &parser.Error{Kind: parser.ErrInvalid, Line: line, Pos: start, End: i}
		}
		w++
	}
	return &parser.Error{Kind: parser.ErrInvalid, Line: line, Pos: len(line), End: len(line)}
}

// lastWord is the index of the line's last word (for invalidWord).
func lastWord(line string) int { return len(strings.Fields(line)) - 1 }
