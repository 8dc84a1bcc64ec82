package modes

import (
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"sync"

	"github.com/flexvpnd/flexvpnd/parser"
	runningconfig "github.com/flexvpnd/flexvpnd/running-config"
)

// System is the state shared by every session of one appliance: the
// running-config and where it is saved.
type System struct {
	mu     sync.Mutex
	config *runningconfig.Config
	// StartupPath is the startup-config file ("" disables write memory,
	// as in `flexvpnd check`).
	StartupPath string
	// OnChange is called (with the lock held) after a configuration line
	// was applied; the engine hook.
	OnChange func(*runningconfig.Config)
}

// NewSystem returns a system with a factory-default configuration.
func NewSystem() *System {
	return &System{config: runningconfig.New()}
}

// Config runs f with the running-config locked.
func (s *System) Config(f func(*runningconfig.Config)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f(s.config)
}

// Session is one CLI session (console, SSH line, or a file being loaded).
type Session struct {
	Sys *System
	// Priv is the privilege level: 1 (user exec, '>') or 15 ('#').
	Priv int
	// Name identifies the session in logs and messages ("console").
	Name string
	// OnNotApplied is told when a line was stored but is not acted on.
	OnNotApplied func(reason string)

	stack []Frame
}

// NewSession returns a session in privileged exec mode.
func NewSession(sys *System, name string) *Session {
	return &Session{Sys: sys, Priv: 15, Name: name, stack: []Frame{{Mode: ExecMode}}}
}

// Mode returns the current mode.
func (s *Session) Mode() *Mode { return s.stack[len(s.stack)-1].Mode }

// InConfig reports whether the session is in a configuration mode.
func (s *Session) InConfig() bool { return len(s.stack) > 1 }

// EnterConfig puts the session in global configuration mode.
func (s *Session) EnterConfig() { s.stack = []Frame{s.stack[0], {Mode: ConfigMode}} }

// ExitConfig returns the session to exec mode.
func (s *Session) ExitConfig() { s.stack = s.stack[:1] }

// Prompt returns the IOS prompt: "Router>", "Router#", "Router(config-if)#".
func (s *Session) Prompt() string {
	var host string
	s.Sys.Config(func(c *runningconfig.Config) { host = c.Hostname })
	m := s.Mode()
	if m.Exec {
		if s.Priv < 15 {
			return host + ">"
		}
		return host + "#"
	}
	return host + "(" + m.Name + ")#"
}

// ErrExit is returned by Exec when the session ends (`exit` in exec mode).
var ErrExit = errors.New("session exit")

// Result is the outcome of one executed line.
type Result struct {
	// Output is what the command printed.
	Output string
	// Err is the IOS error, if the line was rejected (a *parser.Error or a
	// Msg), or ErrExit.
	Err error
}

// Exec executes one input line and returns its output and error.
func (s *Session) Exec(line string) Result {
	var out strings.Builder
	err := s.exec(line, &out)
	return Result{Output: out.String(), Err: err}
}

// IsComment reports whether a line is blank or an IOS comment ('!' first).
func IsComment(line string) bool {
	t := strings.TrimLeft(line, " \t")
	return t == "" || t[0] == '!'
}

func (s *Session) exec(line string, out *strings.Builder) error {
	if IsComment(line) {
		return nil
	}
	if !s.InConfig() {
		return s.execExec(line, out)
	}
	// `do CMD` runs an exec command from any configuration mode.
	if rest, ok := cutDo(line); ok {
		saved := s.stack
		s.stack = s.stack[:1:1]
		err := s.execExec(rest, out)
		// An exec command run with `do` never changes the mode.
		s.stack = saved
		if err == ErrExit {
			return nil
		}
		return err
	}
	s.Sys.mu.Lock()
	defer s.Sys.mu.Unlock()
	var first *parser.Error
	var firstOther error
	for level := len(s.stack) - 1; level >= 1; level-- {
		m := s.stack[level].Mode
		g, err := m.graph(0)
		if err != nil {
			return err
		}
		match, err := g.Match(line)
		if err != nil {
			var pe *parser.Error
			if errors.As(err, &pe) {
				if first == nil || pe.Pos > first.Pos {
					first = pe
				}
			} else if firstOther == nil {
				firstOther = err
			}
			continue
		}
		e := match.Data.(*entry)
		s.stack = s.stack[:level+1]
		ctx := &Ctx{S: s, Cfg: s.Sys.config, Frame: s.stack[level], Line: line, Out: out, level: level}
		run := e.cmd.Run
		if e.neg {
			run = e.cmd.Unset
		}
		err = run(ctx, match.Args)
		if err == nil && s.Sys.OnChange != nil {
			s.Sys.OnChange(s.Sys.config)
		}
		return err
	}
	if first != nil {
		return first
	}
	return firstOther
}

// cutDo splits "do CMD" (any abbreviation of "do" is not allowed by IOS:
// the keyword is exactly "do").
func cutDo(line string) (string, bool) {
	t := strings.TrimLeft(line, " \t")
	if len(t) > 3 && strings.EqualFold(t[:2], "do") && (t[2] == ' ' || t[2] == '\t') {
		return strings.TrimLeft(t[3:], " \t"), true
	}
	return "", false
}

// execExec runs an exec-mode line, with an optional output pipe.
func (s *Session) execExec(line string, out *strings.Builder) error {
	cmdLine, pipe := splitPipe(line)
	g, err := ExecMode.graph(s.Priv)
	if err != nil {
		return err
	}
	match, err := g.Match(cmdLine)
	if err != nil {
		return err
	}
	e := match.Data.(*entry)
	var filter func(string) string
	if pipe != "" {
		if !e.cmd.Pipe {
			return &parser.Error{Kind: parser.ErrInvalid, Line: line, Pos: len(cmdLine) + strings.Index(line[len(cmdLine):], "|"), End: len(line)}
		}
		if filter, err = parsePipe(line, len(line)-len(pipe), pipe); err != nil {
			return err
		}
	}
	run := e.cmd.Run
	if e.neg {
		run = e.cmd.Unset
	}
	var buf strings.Builder
	s.Sys.mu.Lock()
	ctx := &Ctx{S: s, Cfg: s.Sys.config, Frame: s.stack[0], Line: line, Out: &buf}
	err = run(ctx, match.Args)
	s.Sys.mu.Unlock()
	text := buf.String()
	if filter != nil {
		text = filter(text)
	}
	out.WriteString(text)
	return err
}

// splitPipe splits "show x | include y" at the first "|" word.
func splitPipe(line string) (cmd, pipe string) {
	for i := 0; i < len(line); i++ {
		if line[i] == '|' && (i == 0 || line[i-1] == ' ' || line[i-1] == '\t') {
			return line[:i], line[i+1:]
		}
	}
	return line, ""
}

var pipeGraph = func() *parser.Graph {
	g := parser.NewGraph()
	help := func(h string) []string { return []string{h, "Regular Expression"} }
	g.MustAdd("include LINE", help("Include lines that match"), "include")
	g.MustAdd("exclude LINE", help("Exclude lines that match"), "exclude")
	g.MustAdd("begin LINE", help("Begin with the line that matches"), "begin")
	g.MustAdd("section LINE", help("Filter a section of output"), "section")
	g.MustAdd("count LINE", help("Count number of lines which match regexp"), "count")
	return g
}()

// parsePipe compiles the output filter after '|' (at byte offset off).
func parsePipe(line string, off int, pipe string) (func(string) string, error) {
	m, err := pipeGraph.Match(pipe)
	if err != nil {
		var pe *parser.Error
		if errors.As(err, &pe) {
			pe.Pos += off
			pe.End += off
			pe.Line = line
		}
		return nil, err
	}
	re, err := regexp.Compile(m.Args.Get("LINE"))
	if err != nil {
		return nil, Msg("% Invalid regular expression")
	}
	return Filter(m.Data.(string), re), nil
}

// Filter returns the IOS output filter of the given kind.
func Filter(kind string, re *regexp.Regexp) func(string) string {
	return func(text string) string {
		lines := strings.SplitAfter(text, "\n")
		if len(lines) > 0 && lines[len(lines)-1] == "" {
			lines = lines[:len(lines)-1]
		}
		var b strings.Builder
		switch kind {
		case "include", "exclude":
			for _, l := range lines {
				if re.MatchString(strings.TrimRight(l, "\n")) == (kind == "include") {
					b.WriteString(l)
				}
			}
		case "begin":
			for i, l := range lines {
				if re.MatchString(strings.TrimRight(l, "\n")) {
					for _, r := range lines[i:] {
						b.WriteString(r)
					}
					break
				}
			}
		case "section":
			// A section is a line at column 0 and the indented lines after it.
			var block []string
			flush := func() {
				for _, l := range block {
					if re.MatchString(strings.TrimRight(l, "\n")) {
						for _, r := range block {
							b.WriteString(r)
						}
						break
					}
				}
				block = block[:0]
			}
			for _, l := range lines {
				if l != "" && l[0] != ' ' {
					flush()
				}
				block = append(block, l)
			}
			flush()
		case "count":
			n := 0
			for _, l := range lines {
				if re.MatchString(strings.TrimRight(l, "\n")) {
					n++
				}
			}
			fmt.Fprintf(&b, "Number of lines which match regexp = %d\n", n)
		}
		return b.String()
	}
}

// Help answers `?` for the text typed so far, in the IOS layout.
func (s *Session) Help(line string) string {
	var g *parser.Graph
	var err error
	if !s.InConfig() {
		g, err = ExecMode.graph(s.Priv)
	} else {
		g, err = s.Mode().graph(0)
	}
	if err != nil {
		return err.Error() + "\n"
	}
	if strings.TrimSpace(line) == "" && !s.Mode().Exec {
		items, _ := g.Help(line)
		return s.Mode().Title + " configuration commands:\n" + parser.FormatHelp(items)
	}
	if strings.TrimSpace(line) == "" && s.Mode().Exec {
		items, _ := g.Help(line)
		return "Exec commands:\n" + parser.FormatHelp(items)
	}
	items, err := g.Help(line)
	if err != nil {
		var pe *parser.Error
		if errors.As(err, &pe) {
			return pe.Format(len(s.Prompt()))
		}
		return err.Error() + "\n"
	}
	ws := strings.Fields(line)
	if len(ws) > 0 && !strings.HasSuffix(line, " ") && !strings.HasSuffix(line, "\t") {
		return parser.FormatPartialHelp(items)
	}
	return parser.FormatHelp(items)
}

// Complete answers TAB.
func (s *Session) Complete(line string) string {
	var g *parser.Graph
	var err error
	if !s.InConfig() {
		g, err = ExecMode.graph(s.Priv)
	} else {
		g, err = s.Mode().graph(0)
	}
	if err != nil {
		return line
	}
	return g.Complete(line)
}

// FormatError renders a line's error the IOS way after the given prompt:
// the caret line (if any) and the message.
func FormatError(err error, prompt string) string {
	var pe *parser.Error
	if errors.As(err, &pe) {
		return pe.Format(len(prompt))
	}
	if err == nil || err == ErrExit {
		return ""
	}
	msg := err.Error()
	if !strings.HasSuffix(msg, "\n") {
		msg += "\n"
	}
	return msg
}

// WriteTranscript executes a line as a serial console would show it:
// prompt + line echoed, then the output and any error.
func (s *Session) WriteTranscript(w io.Writer, line string) error {
	prompt := s.Prompt()
	fmt.Fprintf(w, "%s%s\n", prompt, line)
	r := s.Exec(line)
	io.WriteString(w, r.Output)
	io.WriteString(w, FormatError(r.Err, prompt))
	return r.Err
}
