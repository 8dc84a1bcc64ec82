package modes

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"

	"github.com/flexvpnd/flexvpnd/parser"
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

// captureHeader matches the lines IOS prints before the configuration in
// `show running-config` and `show startup-config`.
var captureHeader = regexp.MustCompile(`^(Building configuration\.\.\.|Current configuration : \d+ bytes|Derived configuration : \d+ bytes|Using \d+ out of \d+ bytes)$`)

// IsCaptureHeader reports whether a line is a header line of a `show
// running-config` capture ("Building configuration...", "Current
// configuration : N bytes"): pasting a capture works, so these lines are
// skipped like comments.
func IsCaptureHeader(line string) bool {
	return captureHeader.MatchString(strings.TrimSpace(line))
}

// The reasons reported for exec commands found in a file.
const (
	notAppliedExec       = "exec command, not run while a configuration file is loaded"
	notAppliedTranscript = "exec command echoed from a console transcript, not run while a configuration file is loaded"
)

// promptEcho matches a line that starts with a prompt echoed from a
// console transcript: "HUB#sh run", "R1>en", "R1(config-if)#shut" (the
// prompt is the first token; "#" or ">" later in a line is data).
var promptEcho = regexp.MustCompile(`^[A-Za-z0-9._-]+(\([A-Za-z0-9-]+\))?[#>]\S`)

// Load executes a configuration file as a startup-config is loaded, and
// returns the diagnostics in line order. A rejected line never stops the
// rest. The file is read the way IOS reads a configuration file:
//
//   - Lines run in global configuration mode and the sub-modes they enter,
//     with fall-through to the parent modes, so indented, unindented and
//     typed-style (`exit`) configurations load alike. Blank lines, lines of
//     spaces, `!` comments and the header lines of a pasted capture
//     ("Building configuration...", "Current configuration : N bytes") are
//     skipped.
//   - `exit` at the global level does not leave configuration mode: a
//     configuration file is read in configuration mode until `end`.
//   - After `end` the file goes on in privileged exec mode, as a paste at
//     the console does: `configure terminal` returns to configuration mode;
//     any other exec command (`write memory`, `show ...`) is recognised but
//     not run while loading (reported as not applied), and a line that is
//     not an exec command is rejected as the exec prompt rejects it.
//   - A line that starts with a prompt echoed from a console transcript is
//     taken for what the transcript shows (IOS itself would reject the
//     prompt as a command word): after an exec prompt (`HUB#sh run`) the
//     command is an exec command, handled as after `end` except that one
//     that is not recognised is reported as not applied too; after a
//     configuration prompt (`R1(config-if)#shutdown`) the rest of the line
//     runs in the current configuration mode (a scrolled `$...` line is
//     then rejected as IOS rejects it).
func Load(sys *System, r io.Reader) ([]Diagnostic, error) {
	l := &loader{s: NewSession(sys, "startup-config")}
	l.s.EnterConfig()
	l.s.OnNotApplied = func(reason string) { l.pending = reason }
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 1024*1024)
	for sc.Scan() {
		l.line(strings.TrimSuffix(sc.Text(), "\r"))
	}
	if err := sc.Err(); err != nil {
		return l.diags, fmt.Errorf("read config: %w", err)
	}
	return l.diags, nil
}

// loader is the state of one Load.
type loader struct {
	s       *Session
	n       int
	pending string
	diags   []Diagnostic
}

// line executes one line of the file and records its diagnostic.
func (l *loader) line(text string) {
	l.n++
	l.pending = ""
	prompt := l.s.Prompt()
	var err error
	_, raw := l.s.stack[len(l.s.stack)-1].Obj.(RawInput)
	switch {
	case !raw && promptEcho.MatchString(text):
		err = l.echo(text)
	case l.s.InConfig():
		err = l.config(text)
	default:
		err = l.exec(text)
	}
	switch {
	case err != nil && err != ErrExit:
		l.diags = append(l.diags, Diagnostic{Line: l.n, Text: text, Err: err, Prompt: prompt})
	case l.pending != "":
		l.diags = append(l.diags, Diagnostic{Line: l.n, Text: text, NotApplied: l.pending, Prompt: prompt})
	}
}

// echo handles a line of a console transcript: the prompt, then a command.
func (l *loader) echo(text string) error {
	n := promptEcho.FindStringIndex(text)[1] - 1
	cmd := text[n:]
	if text[n-1] == '>' || text[n-2] != ')' {
		if err := l.exec(cmd); err != nil || l.pending != "" {
			l.pending = notAppliedTranscript
		}
		return nil
	}
	if !l.s.InConfig() {
		l.s.EnterConfig()
	}
	err := l.config(cmd)
	var pe *parser.Error
	if errors.As(err, &pe) {
		shifted := *pe
		shifted.Line, shifted.Pos, shifted.End = text, pe.Pos+n, pe.End+n
		return &shifted
	}
	return err
}

// config runs a line in configuration mode; `exit` at the global level
// keeps configuration mode.
func (l *loader) config(text string) error {
	global := len(l.s.stack) == 2
	r := l.s.Exec(text)
	if global && !l.s.InConfig() && isExit(text) {
		l.s.EnterConfig()
	}
	return r.Err
}

// isExit reports whether the line is `exit` (or an abbreviation of it).
func isExit(text string) bool {
	f := strings.Fields(text)
	return len(f) == 1 && len(f[0]) >= 2 && strings.HasPrefix("exit", strings.ToLower(f[0]))
}

// exec handles a line after `end`: `configure terminal` re-enters
// configuration mode, other exec commands are recognised but not run.
func (l *loader) exec(text string) error {
	if IsComment(text) || IsCaptureHeader(text) {
		return nil
	}
	g, err := ExecMode.graph(l.s.Priv)
	if err != nil {
		return err
	}
	cmd, _ := splitPipe(text)
	m, err := g.Match(cmd)
	if err != nil {
		return err
	}
	if m.Args.Has("configure") {
		l.s.EnterConfig()
		return nil
	}
	l.pending = notAppliedExec
	return nil
}
