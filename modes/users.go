package modes

import (
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/flexvpnd/flexvpnd/parser"
)

// lineTable is the set of terminal lines in use (console and vty), as
// `show users` lists them. It has its own lock: sessions attach and detach
// while another one runs a command under the System lock.
type lineTable struct {
	mu    sync.Mutex
	lines []*termLine
}

// termLine is one line in use.
type termLine struct {
	// number is the absolute line number: 0 for the console, 2+N for
	// vty N (the IOS-XE numbering, with line 1 the aux port).
	number         int
	name           string
	user, location string
	s              *Session
}

// Attach records that session s runs on a terminal line: the console
// (vty < 0) or vty line vty, with the user logged in ("" for none) and
// the client's address ("" on the console). The returned function detaches
// it when the session ends.
func (sys *System) Attach(s *Session, vty int, user, location string) (detach func()) {
	l := &termLine{number: 0, name: "con 0", user: user, location: location, s: s}
	if vty >= 0 {
		l.number, l.name = vty+2, fmt.Sprintf("vty %d", vty)
	}
	if s.lastInput.Load() == 0 {
		s.lastInput.Store(time.Now().UnixNano())
	}
	t := &sys.lines
	t.mu.Lock()
	t.lines = append(t.lines, l)
	t.mu.Unlock()
	return func() {
		t.mu.Lock()
		defer t.mu.Unlock()
		for i, x := range t.lines {
			if x == l {
				t.lines = append(t.lines[:i], t.lines[i+1:]...)
				return
			}
		}
	}
}

func init() {
	ExecMode.Add(&Command{
		Spec: "show users",
		Help: []string{HelpShow, "Display information about terminal lines"},
		No:   "-", Priv: 1, Pipe: true,
		Run: func(c *Ctx, a parser.Args) error {
			c.Printf("%s", c.S.Sys.lines.show(c.S, time.Now()))
			return nil
		},
	})
}

// show renders `show users` as seen from session self (marked '*'), in
// the layout of IOS-XE captures (a CSR show tech, a pyATS test output).
// UNCONFIRMED: the console row without a location; the idle time is
// always below 100 hours here.
func (t *lineTable) show(self *Session, now time.Time) string {
	t.mu.Lock()
	lines := append([]*termLine(nil), t.lines...)
	t.mu.Unlock()
	sort.SliceStable(lines, func(i, j int) bool { return lines[i].number < lines[j].number })
	var b strings.Builder
	b.WriteString("    Line       User       Host(s)              Idle       Location\n")
	for _, l := range lines {
		mark := " "
		if l.s == self {
			mark = "*"
		}
		idle := now.Sub(time.Unix(0, l.s.lastInput.Load()))
		fmt.Fprintf(&b, "%s%3d %-10s%-11s%-21s%s %s\n", mark, l.number, l.name, l.user, "idle", hhmmss(max(idle, 0)), l.location)
	}
	b.WriteString("\n  Interface    User               Mode         Idle     Peer Address\n\n")
	return b.String()
}
