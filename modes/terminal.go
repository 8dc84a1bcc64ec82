package modes

import (
	"io"
	"strings"

	"github.com/flexvpnd/flexvpnd/parser"
)

// DefaultLength is the `terminal length` of a new session, as on IOS.
const DefaultLength = 24

func init() {
	ExecMode.Add(
		&Command{
			Spec: "terminal length <0-512>",
			Help: []string{HelpTerminal, "Set number of lines on a screen", "Number of lines on screen (0 for no pausing)"},
			No:   "-", Priv: 1,
			Run: func(c *Ctx, a parser.Args) error {
				c.S.Length = a.Int("<0-512>")
				return nil
			},
		},
		&Command{
			Spec: "terminal no length",
			Help: []string{HelpTerminal, noHelp, "Set number of lines on a screen"},
			No:   "-", Priv: 1,
			Run: func(c *Ctx, a parser.Args) error {
				c.S.Length = DefaultLength
				return nil
			},
		},
	)
}

// Page writes text to w a screen at a time, as IOS does on a terminal:
// after length-1 lines, when more follow, more is called to show the
// " --More-- " prompt and return the key typed. Space shows the next
// screen, Enter one more line, any other key drops the rest. A length of
// 0 writes everything at once. Each screen goes out in one write.
func Page(w io.Writer, text string, length int, more func() rune) {
	if length <= 0 {
		writeOutput(w, text)
		return
	}
	room := length - 1
	for text != "" {
		if room == 0 {
			switch more() {
			case ' ':
				room = length - 1
			case '\r', '\n':
				room = 1
			default:
				return
			}
		}
		end := 0
		for ; room > 0 && end < len(text); room-- {
			if i := strings.IndexByte(text[end:], '\n'); i >= 0 {
				end += i + 1
			} else {
				end = len(text)
			}
		}
		writeOutput(w, text[:end])
		text = text[end:]
	}
}

// outputChunk is the largest piece of command output writeOutput copies
// at a time.
const outputChunk = 64 << 10

// writeOutput writes command output to w. A writer that takes no strings
// gets it in chunks of 64 KiB through one reused buffer: the output of a
// show command on a hub holding tens of thousands of sessions runs to
// tens of megabytes, which are not copied whole once more.
func writeOutput(w io.Writer, s string) {
	if _, ok := w.(io.StringWriter); ok || len(s) <= outputChunk {
		io.WriteString(w, s)
		return
	}
	buf := make([]byte, outputChunk)
	for s != "" {
		n := copy(buf, s)
		if _, err := w.Write(buf[:n]); err != nil {
			return
		}
		s = s[n:]
	}
}

// MorePrompt is what a terminal shows while Page waits for a key.
const MorePrompt = " --More-- "
