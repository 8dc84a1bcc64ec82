package modes

import (
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/flexvpnd/flexvpnd/modes/syslog"
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
	// Engine is the running engine that show and clear commands read and
	// act on (show_crypto_sa.go); nil when none runs.
	Engine EngineView
	// lines are the terminal lines in use, for show users (users.go).
	lines lineTable
	// Log is the IOS logger (logging.go): show logging, terminal
	// monitor, debug; configured from the running-config.
	Log *syslog.Logger
	// Version and Dataplane are shown by show version ("" unknown).
	Version, Dataplane string
}

// NewSystem returns a system with a factory-default configuration.
func NewSystem() *System {
	return &System{config: runningconfig.New(), Log: syslog.New(syslog.Options{PID: os.Getpid()})}
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
	// Remote is set for a vty (SSH) session: `enable` asks for the enable
	// secret.
	Remote bool
	// Length is the `terminal length`: lines per screen of output on an
	// interactive terminal, 0 for no pausing (terminal.go).
	Length int
	// lastInput is when the session last executed a line (Unix
	// nanoseconds), for the idle time of show users.
	lastInput atomic.Int64
	// screen receives the session's asynchronous log messages while an
	// interactive terminal serves it (show_logging.go).
	screen *syslog.Terminal

	stack []Frame
}

// NewSession returns a session in privileged exec mode.
func NewSession(sys *System, name string) *Session {
	return &Session{Sys: sys, Priv: 15, Name: name, Length: DefaultLength, stack: []Frame{{Mode: ExecMode}}}
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
	s.lastInput.Store(time.Now().UnixNano())
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
	if r, ok := s.stack[len(s.stack)-1].Obj.(RawInput); ok {
		return s.execRaw(r, line, out)
	}
	if IsComment(line) || IsCaptureHeader(line) {
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
		// The caret counts from the start of the whole line.
		var pe *parser.Error
		if errors.As(err, &pe) && pe.Line == rest {
			off := len(line) - len(rest)
			pe.Line, pe.Pos, pe.End = line, pe.Pos+off, pe.End+off
		}
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
		if l, m := s.exactParent(line, level, match); m != nil {
			level, match = l, m
		}
		e := match.Data.(*entry)
		s.stack = s.stack[:level+1]
		ctx := &Ctx{S: s, Cfg: s.Sys.config, Frame: s.stack[level], Line: line, Out: out, level: level}
		run := e.cmd.Run
		if e.neg {
			run = e.cmd.Unset
		}
		err = run(ctx, match.Args)
		if err == nil {
			s.Sys.syncLogging()
		}
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

// exactParent looks, when the match at level abbreviated the command
// keyword, for a parent mode that matches the line with the keyword typed
// in full: an exact keyword beats an abbreviation across modes too
// (`router bgp 1` typed in router mode is the global `router`, not
// `router-id`).
func (s *Session) exactParent(line string, level int, m *parser.Match) (int, *parser.Match) {
	if exactKeyword(line, m.Args) {
		return 0, nil
	}
	for l := level - 1; l >= 1; l-- {
		g, err := s.stack[l].Mode.graph(0)
		if err != nil {
			return 0, nil
		}
		if pm, err := g.Match(line); err == nil && exactKeyword(line, pm.Args) {
			return l, pm
		}
	}
	return 0, nil
}

// exactKeyword reports whether the command keyword of a matched line (the
// first word after an optional `no`) was typed in full.
func exactKeyword(line string, a parser.Args) bool {
	words := strings.Fields(line)
	i := 0
	if len(a) > 1 && a[0].Name == "no" {
		i = 1
	}
	return i < len(words) && i < len(a) && strings.EqualFold(words[i], a[i].Value)
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
	if len(cmdLine) < len(line) { // a pipe, possibly with nothing after it
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
	// The output goes straight to out (a show command on a hub prints
	// tens of megabytes), through buf only when a filter reads it all.
	var buf strings.Builder
	s.Sys.mu.Lock()
	ctx := &Ctx{S: s, Cfg: s.Sys.config, Frame: s.stack[0], Line: line, Out: out}
	if filter != nil {
		ctx.Out = &buf
	}
	err = run(ctx, match.Args)
	s.Sys.mu.Unlock()
	if filter != nil {
		out.WriteString(filter(buf.String()))
	}
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

// doHelp is the help of `do`, listed in every configuration mode.
const doHelp = "To run exec commands in config mode"

// helpScope is what `?` and TAB look at: the grammars that may take the
// text, in the order the executor tries them, and where the text starts in
// the typed line.
type helpScope struct {
	graphs []*parser.Graph
	text   string
	off    int
	// config is set when text is a whole configuration-mode line (no `do`,
	// no pipe), where `do` is one more keyword.
	config bool
}

// helpScope finds the grammars for a partly typed line: exec mode's in
// exec mode and after `do`, the output filters' after a pipe, and otherwise
// the current configuration mode's and those of the modes it falls
// through to.
func (s *Session) helpScope(line string) (helpScope, error) {
	sc := helpScope{text: line}
	exec := !s.InConfig()
	if !exec {
		if rest, off, ok := splitDo(line); ok {
			exec, sc.text, sc.off = true, rest, off
		}
	}
	if !exec {
		for level := len(s.stack) - 1; level >= 1; level-- {
			g, err := s.stack[level].Mode.graph(0)
			if err != nil {
				return sc, err
			}
			sc.graphs = append(sc.graphs, g)
		}
		sc.config = true
		return sc, nil
	}
	g, err := ExecMode.graph(s.Priv)
	if err != nil {
		return sc, err
	}
	cmd, pipe := splitPipe(sc.text)
	if len(cmd) == len(sc.text) {
		sc.graphs = []*parser.Graph{g}
		return sc, nil
	}
	if !pipeable(g, cmd) {
		pos := sc.off + len(cmd)
		return sc, &parser.Error{Kind: parser.ErrInvalid, Line: line, Pos: pos, End: pos + 1}
	}
	sc.graphs = []*parser.Graph{pipeGraph}
	sc.off += len(cmd) + 1
	sc.text = pipe
	return sc, nil
}

// offersDo reports whether `do` answers `?` too: on an empty
// configuration-mode line, or after a partial first word abbreviating it.
func (sc helpScope) offersDo(blank, partial bool) bool {
	t := strings.TrimSpace(sc.text)
	return sc.config && (blank || partial && !strings.ContainsAny(t, " \t") && strings.HasPrefix("do", strings.ToLower(t)))
}

// splitDo splits "do CMD" for `?` and TAB, where CMD may still be empty:
// it returns CMD and its byte offset in line.
func splitDo(line string) (rest string, off int, ok bool) {
	t := strings.TrimLeft(line, " \t")
	if len(t) < 3 || !strings.EqualFold(t[:2], "do") || (t[2] != ' ' && t[2] != '\t') {
		return "", 0, false
	}
	rest = strings.TrimLeft(t[3:], " \t")
	return rest, len(line) - len(rest), true
}

// pipeable reports whether cmd is a whole command that takes an output
// filter.
func pipeable(g *parser.Graph, cmd string) bool {
	m, err := g.Match(cmd)
	return err == nil && m.Data.(*entry).cmd.Pipe
}

// help answers `?` in the first grammar of the scope that can take the
// text; when none can, the error that got furthest into the line, placed
// in the whole line.
func (sc helpScope) help(line string) (*parser.Graph, []parser.HelpItem, error) {
	var deepest *parser.Error
	for _, g := range sc.graphs {
		items, err := g.Help(sc.text)
		if err == nil {
			return g, items, nil
		}
		var pe *parser.Error
		if !errors.As(err, &pe) {
			return nil, nil, err
		}
		if deepest == nil || pe.Pos > deepest.Pos {
			deepest = pe
		}
	}
	if deepest == nil {
		return nil, nil, &parser.Error{Kind: parser.ErrUnrecognized, Line: line, Pos: len(line), End: len(line)}
	}
	e := *deepest
	e.Line, e.Pos, e.End = line, e.Pos+sc.off, e.End+sc.off
	return nil, nil, &e
}

// Help answers `?` typed after line as the console prints it: everything
// between the echoed line and the prompt printed again (a listing, a
// partial-word list or an error, with the blank line IOS leaves after it).
func (s *Session) Help(line string) string {
	prompt := s.Prompt()
	sc, err := s.helpScope(line)
	if err != nil {
		return FormatError(err, prompt)
	}
	blank := strings.TrimSpace(sc.text) == ""
	partial := !blank && !isBlankByte(sc.text[len(sc.text)-1])
	g, items, err := sc.help(line)
	var pe *parser.Error
	if sc.offersDo(blank, partial) && (err == nil || errors.As(err, &pe) && pe.Kind == parser.ErrUnrecognized) {
		items, err = insertSorted(items, parser.HelpItem{Token: "do", Help: doHelp}, partial), nil
	}
	if err != nil {
		return FormatError(err, prompt)
	}
	if n := len(items); !partial && n > 0 && items[n-1].Token == "<cr>" && g != nil && g != pipeGraph && pipeable(g, sc.text) {
		items = append(items[:n-1:n-1], parser.HelpItem{Token: "|", Help: "Output modifiers"}, items[n-1])
	}
	if partial {
		return parser.FormatPartialHelp(items) + "\n"
	}
	header := ""
	if blank && sc.off == 0 {
		header = s.helpHeader()
	}
	return header + parser.FormatHelp(items) + "\n"
}

// helpHeader is the first line of the `?` listing of the current mode.
func (s *Session) helpHeader() string {
	switch m := s.Mode(); {
	case m.Exec:
		return "Exec commands:\n"
	case m == ConfigMode:
		return "Configure commands:\n"
	default:
		// UNCONFIRMED: the titles of the IKEv2 and IPsec sub-modes were not
		// captured; "<Title> configuration commands:" is the usual form.
		return m.Title + " configuration commands:\n"
	}
}

// insertSorted inserts it among the keyword rows of a `?` listing in
// alphabetical order (with partial, as a bare token).
func insertSorted(items []parser.HelpItem, it parser.HelpItem, partial bool) []parser.HelpItem {
	if partial {
		it.Help = ""
	}
	i := 0
	for i < len(items) && items[i].Token != "<cr>" && strings.ToLower(items[i].Token) < it.Token {
		i++
	}
	return append(items[:i:i], append([]parser.HelpItem{it}, items[i:]...)...)
}

func isBlankByte(c byte) bool { return c == ' ' || c == '\t' }

// Complete answers TAB: the line with its last word extended as far as it
// is unambiguous, by the first grammar of the scope that can take the line
// (the line unchanged when nothing can be completed).
func (s *Session) Complete(line string) string {
	sc, err := s.helpScope(line)
	if err != nil {
		return line
	}
	for _, g := range sc.graphs {
		if _, err := g.Help(sc.text); err == nil {
			return line[:sc.off] + g.Complete(sc.text)
		}
	}
	return line
}

// FormatError renders a line's error as the console prints it after the
// given prompt: the caret line (if any), the message, and the blank line
// IOS leaves after "% Invalid input" and "% Incomplete command." (in exec
// and configuration modes alike; none after "% Ambiguous command"). A
// Question prints nothing: the console asks it as the next prompt.
func FormatError(err error, prompt string) string {
	var pe *parser.Error
	var q *Question
	switch {
	case err == nil || err == ErrExit || errors.As(err, &q):
		return ""
	case errors.As(err, &pe):
		text := pe.Format(len(prompt))
		if pe.Kind == parser.ErrInvalid || pe.Kind == parser.ErrIncomplete {
			text += "\n"
		}
		return text
	}
	msg := err.Error()
	if !strings.HasSuffix(msg, "\n") {
		msg += "\n"
	}
	return msg
}

// Question is the error of a command that asks before it acts, as IOS
// asks "Configuring from terminal, memory, or network [terminal]? ": the
// console shows Text (with no newline), reads one line and runs the command
// line that Answer makes of it.
type Question struct {
	Text   string
	Answer func(answer string) (line string, err error)
	// Hidden is set when the answer is a password: it is not echoed.
	Hidden bool
}

// Error returns the question.
func (q *Question) Error() string { return q.Text }

// Execute runs a line typed at the current prompt and writes its output and
// error as the console prints them (the caret counts the prompt).
func (s *Session) Execute(w io.Writer, line string) error {
	prompt := s.Prompt()
	r := s.Exec(line)
	writeOutput(w, r.Output)
	io.WriteString(w, FormatError(r.Err, prompt))
	return r.Err
}

// TextInput reports whether the session reads free text (a banner or a
// certificate body), where `?` and TAB are typed as they are.
func (s *Session) TextInput() bool {
	_, ok := s.stack[len(s.stack)-1].Obj.(RawInput)
	return ok
}

// WriteTranscript types line at the console and writes the screen as a
// serial console shows it. A `?` in the line prints the line so far with
// the `?`, the help and a blank line, and typing goes on (the line is not
// executed when `?` ends it); a tab completes the word before it as TAB
// does (both typed as they are in free text, see TextInput). Then prompt +
// line is echoed and the line executed.
func (s *Session) WriteTranscript(w io.Writer, line string) error {
	prompt := s.Prompt()
	if !s.TextInput() {
		var asked bool
		if line, asked = s.typeKeys(w, prompt, line); asked {
			return nil
		}
	}
	fmt.Fprintf(w, "%s%s\n", prompt, line)
	return s.Execute(w, line)
}

// typeKeys types the keys of line, answering `?` and tab on the way, and
// returns the line as typed; asked is set when `?` ended it.
func (s *Session) typeKeys(w io.Writer, prompt, line string) (typed string, asked bool) {
	b := make([]byte, 0, len(line))
	for i := 0; i < len(line); i++ {
		switch line[i] {
		case '?':
			fmt.Fprintf(w, "%s%s?\n%s", prompt, b, s.Help(string(b)))
			if strings.TrimSpace(line[i+1:]) == "" {
				return string(b), true
			}
		case '\t':
			b = append(b[:0], s.Complete(string(b))...)
		default:
			b = append(b, line[i])
		}
	}
	return string(b), false
}
