package console

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"

	"github.com/chzyer/readline"

	"github.com/flexvpnd/flexvpnd/modes"
)

// Control keys the console handles itself.
const (
	keyCtrlV = 22 // quote the next key: Ctrl-V ? types a literal '?'
	// defaultWidth is used when the terminal reports no width (a serial
	// line or a fresh pseudo-terminal).
	defaultWidth = 80
)

// IsTerminal reports whether the process's standard input and output are
// a terminal, where Interactive can run.
func IsTerminal() bool {
	return readline.IsTerminal(int(os.Stdin.Fd())) && readline.IsTerminal(int(os.Stdout.Fd()))
}

// terminal is the interactive console of one session. The key handlers run
// on readline's goroutine, so mu guards everything they share with the
// command loop.
type terminal struct {
	mu     sync.Mutex
	s      *modes.Session
	rl     *readline.Instance
	out    io.Writer
	prompt string
	// pending is the question the next line answers.
	pending *modes.Question
	// ctrlZ is set when the line was ended with Ctrl-Z.
	ctrlZ bool
	// quote is set after Ctrl-V; literal when the key after it was '?'.
	quote, literal bool
	// paging is set while the --More-- prompt waits; key is the key typed
	// at it.
	paging bool
	key    rune
}

// Interactive serves session s on the process's terminal (standard input
// and output) until the session exits or input ends (Ctrl-D on an empty
// line). Editing is IOS-like: `?` lists what may follow at once, without
// Enter; TAB completes the word; Ctrl-Z ends configuration mode (after
// running the line typed, if any); Ctrl-C abandons the line; the arrows and
// Ctrl-P/Ctrl-N walk the history.
func Interactive(s *modes.Session) error {
	defer s.Sys.Attach(s, -1, "", "")()
	// Our own cancelable reader, closed on return: readline's Close does
	// not stop a read in progress on its shared default one.
	return Serve(s, Term{In: readline.NewCancelableStdin(os.Stdin), Out: os.Stdout, Width: width})
}

// Term is a terminal the interactive console runs on: the process's own,
// or a remote one (an SSH session's pseudo-terminal).
type Term struct {
	// In is read for keys, and closed when the console returns.
	In io.ReadCloser
	// Out is the screen.
	Out io.Writer
	// Width returns the screen width in columns.
	Width func() int
	// Remote is set when In and Out are not the process's terminal: the
	// client's terminal is already raw, and Out translates newlines.
	Remote bool
	// OnWidthChanged registers the function to call when a remote
	// terminal's width changed (nil: never).
	OnWidthChanged func(func())
}

// Serve serves session s on a terminal as Interactive does.
func Serve(s *modes.Session, term Term) error {
	t := &terminal{s: s, out: term.Out}
	stdin := term.In
	cfg := &readline.Config{
		Stdin:               stdin,
		Prompt:              s.Prompt(),
		AutoComplete:        noCandidates{},
		Listener:            t,
		FuncFilterInputRune: t.filter,
		FuncGetWidth:        term.Width,
		EOFPrompt:           "\n",
		Stdout:              t.out,
	}
	if term.Remote {
		noop := func() error { return nil }
		cfg.FuncIsTerminal = func() bool { return true }
		cfg.FuncMakeRaw, cfg.FuncExitRaw = noop, noop
		cfg.FuncOnWidthChanged = term.OnWidthChanged
		if cfg.FuncOnWidthChanged == nil {
			cfg.FuncOnWidthChanged = func(func()) {}
		}
	}
	rl, err := readline.NewEx(cfg)
	if err != nil {
		stdin.Close()
		return fmt.Errorf("console: %w", err)
	}
	defer func() {
		stdin.Close()
		rl.Close()
	}()
	t.rl = rl
	// Log messages print above the line being edited.
	defer modes.AttachScreen(s, func(text string) { io.WriteString(rl.Stdout(), text) })()
	for {
		line, err := t.readLine()
		switch {
		case errors.Is(err, readline.ErrInterrupt):
			t.abandon()
			continue
		case errors.Is(err, io.EOF):
			return nil
		case err != nil:
			return fmt.Errorf("console: %w", err)
		}
		if t.enter(line) == modes.ErrExit {
			return nil
		}
	}
}

// readLine reads the next line at its prompt, without echo when it
// answers a hidden question (a password).
func (t *terminal) readLine() (string, error) {
	prompt := t.nextPrompt()
	t.mu.Lock()
	hidden := t.pending != nil && t.pending.Hidden
	t.mu.Unlock()
	if hidden {
		// readline's own password configuration would read the process's
		// terminal: clone the session's, without echo or history.
		cfg := t.rl.Config.Clone()
		cfg.Prompt, cfg.EnableMask, cfg.Painter, cfg.HistoryLimit = prompt, false, hiddenPainter{}, -1
		b, err := t.rl.ReadPasswordWithConfig(cfg)
		if err == nil {
			io.WriteString(t.out, "\n") // the Enter not echoed
		}
		return string(b), err
	}
	t.rl.SetPrompt(prompt)
	return t.rl.Readline()
}

// nextPrompt returns the prompt for the next line: the pending question or
// the mode's prompt.
func (t *terminal) nextPrompt() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.prompt = t.s.Prompt()
	if t.pending != nil {
		t.prompt = t.pending.Text
	}
	return t.prompt
}

// abandon forgets the line (and the question) after Ctrl-C.
func (t *terminal) abandon() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.pending, t.ctrlZ = nil, false
}

// enter runs a line ended by Enter or Ctrl-Z and prints its output, a
// screen at a time (`terminal length`).
func (t *terminal) enter(line string) error {
	var out strings.Builder
	err := t.run(line, &out)
	modes.Page(t.out, out.String(), t.s.Length, t.more)
	return err
}

// run runs a line and writes its output to out.
func (t *terminal) run(line string, out *strings.Builder) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	ctrlZ := t.ctrlZ
	t.ctrlZ = false
	if t.s.InConfig() {
		defer func() {
			if !t.s.InConfig() {
				modes.ConfigEnded(t.s)
			}
		}()
	}
	var err error
	switch {
	case t.pending != nil:
		q := t.pending
		t.pending = nil
		err = answer(t.s, out, q, line)
	case !ctrlZ || strings.TrimSpace(line) != "":
		err = t.s.Execute(out, line)
		errors.As(err, &t.pending)
	}
	if ctrlZ && t.s.InConfig() {
		// Ctrl-Z is `end` (IOS echoes "^Z"; not reproduced).
		t.s.ExitConfig()
	}
	return err
}

// more shows the --More-- prompt and returns the key typed at it (filter
// catches it and ends the read); the prompt is erased after, as IOS
// does. A read error (input closed) stops the output.
func (t *terminal) more() rune {
	t.mu.Lock()
	t.paging, t.key = true, 'q'
	t.mu.Unlock()
	cfg := t.rl.Config.Clone()
	cfg.Prompt, cfg.UniqueEditLine, cfg.EnableMask, cfg.Painter, cfg.HistoryLimit = modes.MorePrompt, true, false, hiddenPainter{}, -1
	_, err := t.rl.ReadPasswordWithConfig(cfg)
	t.mu.Lock()
	defer t.mu.Unlock()
	t.paging = false
	if err != nil {
		return 'q'
	}
	return t.key
}

// filter sees each key before readline: Ctrl-Z ends the line (readline
// would suspend the process), Ctrl-V quotes the next key.
func (t *terminal) filter(r rune) (rune, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.paging {
		t.key = r
		return readline.CharEnter, true
	}
	t.literal = t.quote && r == '?'
	t.quote = false
	switch r {
	case readline.CharCtrlZ:
		t.ctrlZ = true
		return readline.CharEnter, true
	case keyCtrlV:
		t.quote = true
		return r, false
	}
	return r, true
}

// OnChange implements readline.Listener: it answers `?` and TAB from the
// session's grammar. It runs after readline inserted the key in the line.
func (t *terminal) OnChange(line []rune, pos int, key rune) ([]rune, int, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.rl == nil || t.pending != nil || t.s.TextInput() || t.rl.Operation.IsSearchMode() {
		return nil, 0, false
	}
	switch key {
	case '?':
		if t.literal || pos == 0 || line[pos-1] != '?' {
			return nil, 0, false
		}
		typed := string(line[:pos-1])
		// Written through readline so that it clears the edited line
		// first and draws it again after: the screen keeps the line with
		// its '?', the help, then the prompt with the line without '?'.
		fmt.Fprintf(t.rl.Stdout(), "%s%s?\n%s", t.prompt, typed, t.s.Help(typed))
		return append(append([]rune{}, line[:pos-1]...), line[pos:]...), pos - 1, true
	case readline.CharTab:
		typed := string(line[:pos])
		done := t.s.Complete(typed)
		if done == typed {
			return nil, 0, false
		}
		head := []rune(done)
		return append(head, line[pos:]...), len(head), true
	}
	return nil, 0, false
}

// hiddenPainter shows nothing of the line: a password is not echoed.
type hiddenPainter struct{}

func (hiddenPainter) Paint([]rune, int) []rune { return nil }

// noCandidates makes readline's own TAB handling do nothing: the listener
// completes the IOS way instead of listing candidates.
type noCandidates struct{}

func (noCandidates) Do([]rune, int) ([][]rune, int) { return nil, 0 }

// width is the terminal width, defaultWidth when the terminal has none.
func width() int {
	if w := readline.GetScreenWidth(); w > 0 {
		return w
	}
	return defaultWidth
}
