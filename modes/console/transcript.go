// Package console serves a CLI session on the appliance console: an
// interactive line editor on a terminal (github.com/chzyer/readline:
// history, TAB, `?` answered at once, Ctrl-Z, Ctrl-C), and a transcript
// console for input that is not a terminal (a pasted or piped script,
// echoed like a serial console).
package console

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/flexvpnd/flexvpnd/modes"
)

// Transcript drives a session with lines of text as if they were typed at
// a serial console, and writes what the console screen shows: each line
// echoed after the prompt, then its output. A line that answers a question
// (bare `configure`) is echoed after the question.
type Transcript struct {
	s       *modes.Session
	w       io.Writer
	pending *modes.Question
}

// NewTranscript returns a transcript console of session s writing to w.
func NewTranscript(s *modes.Session, w io.Writer) *Transcript {
	return &Transcript{s: s, w: w}
}

// Line types one line (see modes.Session.WriteTranscript for `?` and tab
// inside it). It returns modes.ErrExit when the session ended, or the
// line's IOS error.
func (t *Transcript) Line(line string) error {
	if q := t.pending; q != nil {
		t.pending = nil
		echo := line
		if q.Hidden {
			echo = ""
		}
		fmt.Fprintf(t.w, "%s\n", echo)
		return answer(t.s, t.w, q, line)
	}
	err := t.s.WriteTranscript(t.w, line)
	t.ask(err)
	return err
}

// ask makes the next line the answer when err is a question.
func (t *Transcript) ask(err error) {
	if errors.As(err, &t.pending) {
		io.WriteString(t.w, t.pending.Text)
	}
}

// Run types every line of r until the session exits or input ends.
func (t *Transcript) Run(r io.Reader) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 1024*1024)
	for sc.Scan() {
		if err := t.Line(strings.TrimSuffix(sc.Text(), "\r")); err == modes.ErrExit {
			return nil
		}
	}
	if t.pending != nil {
		// Input ended at the question: IOS would wait; end the line.
		io.WriteString(t.w, "\n")
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("console input: %w", err)
	}
	return nil
}

// answer runs the command line that a question's answer selects, writing
// its output (or the answer's error) to w.
func answer(s *modes.Session, w io.Writer, q *modes.Question, text string) error {
	line, err := q.Answer(text)
	if err != nil {
		io.WriteString(w, modes.FormatError(err, ""))
		return err
	}
	return s.Execute(w, line)
}
