package modes

import (
	"bufio"
	"fmt"
	"io"
	"regexp"
	"strings"
)

// Diagnostic is one finding while loading a configuration file.
type Diagnostic struct {
	// Line is the 1-based line number; Text the line as read.
	Line int
	Text string
	// Err is set for a rejected line (a *parser.Error or a Msg).
	Err error
	// NotApplied is set for a line that was kept but is not acted on.
	NotApplied string
	// Prompt is the prompt the line was executed at (for the caret).
	Prompt string
}

// captureLine matches lines of a pasted `show running-config` capture that
// are not configuration: the header lines IOS prints before the config.
var captureLine = regexp.MustCompile(`^(Building configuration\.\.\.|Current configuration : \d+ bytes)\s*$`)

// Load executes a configuration file in global configuration mode, as a
// startup-config is loaded: each line is applied in turn, a rejected line
// never stops the rest. It returns the diagnostics in line order.
func Load(sys *System, r io.Reader) ([]Diagnostic, error) {
	s := NewSession(sys, "startup-config")
	s.EnterConfig()
	var diags []Diagnostic
	lineNo := 0
	var pending string
	s.OnNotApplied = func(reason string) { pending = reason }
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 1024*1024)
	for sc.Scan() {
		lineNo++
		text := strings.TrimSuffix(sc.Text(), "\r")
		if captureLine.MatchString(strings.TrimSpace(text)) {
			continue
		}
		if !s.InConfig() {
			// After `end`, a file goes on in exec mode only through
			// `configure terminal`; IOS stops reading a startup-config at
			// `end`, but a pasted transcript may re-enter config mode.
			s.EnterConfig()
		}
		prompt := s.Prompt()
		pending = ""
		r := s.Exec(text)
		if r.Err != nil && r.Err != ErrExit {
			diags = append(diags, Diagnostic{Line: lineNo, Text: text, Err: r.Err, Prompt: prompt})
			continue
		}
		if pending != "" {
			diags = append(diags, Diagnostic{Line: lineNo, Text: text, NotApplied: pending, Prompt: prompt})
		}
	}
	if err := sc.Err(); err != nil {
		return diags, fmt.Errorf("read config: %w", err)
	}
	return diags, nil
}
