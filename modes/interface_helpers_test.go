package modes

import (
	"regexp"
	"strconv"
	"strings"
	"testing"

	runningconfig "github.com/flexvpnd/flexvpnd/running-config"
)

// cliCase is one table test of configuration lines: the lines are typed
// in global configuration mode; out is what the session printed (command
// output and IOS errors with their caret); want is the `show
// running-config` section whose blocks start with the section regex.
type cliCase struct {
	name    string
	lines   []string
	section string
	want    string
	out     string
}

// typeLines types lines into a fresh system in configuration mode and
// returns the system and everything printed.
func typeLines(lines []string) (*System, string) {
	sys := NewSystem()
	s := NewSession(sys, "test")
	s.EnterConfig()
	var out strings.Builder
	for _, l := range lines {
		prompt := s.Prompt()
		r := s.Exec(l)
		out.WriteString(r.Output)
		if r.Err != nil {
			out.WriteString(prompt + l + "\n")
			out.WriteString(FormatError(r.Err, prompt))
		}
	}
	return sys, out.String()
}

// runningBody returns the system's running-config body.
func runningBody(sys *System) string {
	var body string
	sys.Config(func(c *runningconfig.Config) { body = c.Body() })
	return body
}

// sectionOf filters a running-config body as `| section RE` does.
func sectionOf(body, re string) string {
	return Filter("section", regexp.MustCompile(re))(body)
}

func runCLICases(t *testing.T, cases []cliCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			sys, out := typeLines(tc.lines)
			if out != tc.out {
				t.Errorf("output:\n%s\nwant:\n%s", quoteLines(out), quoteLines(tc.out))
			}
			if got := sectionOf(runningBody(sys), tc.section); got != tc.want {
				t.Errorf("running-config section %q:\n%s\nwant:\n%s", tc.section, quoteLines(got), quoteLines(tc.want))
			}
			roundTrip(t, runningBody(sys))
		})
	}
}

// roundTrip loads a rendered body as a startup-config: nothing may be
// rejected and the rendering must be identical.
func roundTrip(t *testing.T, body string) {
	t.Helper()
	sys := NewSystem()
	diags, err := Load(sys, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range diags {
		if d.Err != nil {
			t.Errorf("reload rejected line %d %q: %v", d.Line, d.Text, d.Err)
		}
	}
	if second := runningBody(sys); second != body {
		t.Errorf("render -> load -> render differs:\n%s\nfirst:\n%s", quoteLines(second), quoteLines(body))
	}
}

// invalidAt is the transcript of a line rejected with the caret under the
// first occurrence of word (config mode: a blank line follows).
func invalidAt(prompt, line, word string) string {
	return prompt + line + "\n" + strings.Repeat(" ", len(prompt)+strings.Index(line, word)) +
		"^\n% Invalid input detected at '^' marker.\n\n"
}

// quoteLines shows text one quoted line per line, so trailing spaces are
// visible in failures.
func quoteLines(s string) string {
	var b strings.Builder
	for _, l := range strings.SplitAfter(s, "\n") {
		if l != "" {
			b.WriteString(strconv.Quote(l) + "\n")
		}
	}
	return b.String()
}

// msgAt is the transcript of a line rejected with an IOS message.
func msgAt(prompt, line, msg string) string {
	return prompt + line + "\n" + msg + "\n"
}

// notAppliedLines loads text as a startup-config and returns the numbers of
// the lines reported as not applied; a rejected line fails the test.
func notAppliedLines(t *testing.T, text string) []int {
	t.Helper()
	diags, err := Load(NewSystem(), strings.NewReader(text))
	if err != nil {
		t.Fatal(err)
	}
	var got []int
	for _, d := range diags {
		if d.Err != nil {
			t.Errorf("line %d rejected: %v", d.Line, d.Err)
		}
		if d.NotApplied != "" {
			got = append(got, d.Line)
		}
	}
	return got
}
