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
// 0 writes everything at once.
func Page(w io.Writer, text string, length int, more func() rune) {
	if length <= 0 {
		io.WriteString(w, text)
		return
	}
	lines := strings.SplitAfter(text, "\n")
	room := length - 1
	for _, l := range lines {
		if l == "" {
			continue
		}
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
		io.WriteString(w, l)
		room--
	}
}

// MorePrompt is what a terminal shows while Page waits for a key.
const MorePrompt = " --More-- "
