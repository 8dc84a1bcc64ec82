package modes

import (
	"github.com/flexvpnd/flexvpnd/parser"
	runningconfig "github.com/flexvpnd/flexvpnd/running-config"
)

// LineMode is `line con 0`, `line vty N [M]`, `line aux 0`:
// "Router(config-line)#".
var LineMode = NewConfigMode("config-line", "Line", ConfigMode)

// lineRange is what LineMode edits: lines First..Last of one type.
type lineRange struct {
	Type        string
	First, Last int
}

// lineTypeNames maps the `line` keywords to the names IOS shows.
var lineTypeNames = map[string]string{"console": "con", "aux": "aux", "vty": "vty"}

// each calls f for every line of the range (the lines exist: entering the
// mode created them).
func (r *lineRange) each(c *Ctx, f func(l *runningconfig.LineConfig)) {
	for n := r.First; n <= r.Last; n++ {
		if l, ok := c.Cfg.Lines.Get(runningconfig.LineKey(r.Type, n)); ok {
			f(l)
		}
	}
}

// lineCmd declares a line setting applied to every line of the range.
func lineCmd(spec string, help []string, no string, set func(l *runningconfig.LineConfig, a parser.Args), unset func(l *runningconfig.LineConfig)) *Command {
	return &Command{
		Spec: spec, Help: help, No: no,
		Run: func(c *Ctx, a parser.Args) error {
			c.Frame.Obj.(*lineRange).each(c, func(l *runningconfig.LineConfig) { set(l, a) })
			return nil
		},
		Unset: func(c *Ctx, a parser.Args) error {
			c.Frame.Obj.(*lineRange).each(c, unset)
			return nil
		},
	}
}

// keptLineCmd declares a line setting kept verbatim at rank; key names the
// setting (a new value replaces the old one, `no KEY` removes it).
func keptLineCmd(spec string, help []string, rank int, key string) *Command {
	return lineCmd(spec, help, key,
		func(l *runningconfig.LineConfig, a parser.Args) { l.Lines.Set(rank, key, canonicalText(a)) },
		func(l *runningconfig.LineConfig) { l.Lines.Delete(key) })
}

const helpTransport = "Define transport protocols for line"

func init() {
	ConfigMode.Add(&Command{
		Spec: "line {console$type <0-0>$first|aux$type <0-0>$first|vty$type <0-1869>$first [<1-1869>$last]}",
		Help: []string{HelpLine, "Primary terminal line", "First Line number", "Auxiliary line", "First Line number",
			"Virtual terminal", "First Line number", "Last Line number"},
		Run: func(c *Ctx, a parser.Args) error {
			r, err := parseLineRange(a)
			if err != nil {
				return err
			}
			for n := r.First; n <= r.Last; n++ {
				key := runningconfig.LineKey(r.Type, n)
				if _, ok := c.Cfg.Lines.Get(key); !ok {
					c.Cfg.Lines.Set(key, &runningconfig.LineConfig{Type: r.Type, Number: n})
				}
			}
			c.Enter(LineMode, r)
			return nil
		},
		Unset: func(c *Ctx, a parser.Args) error {
			r, err := parseLineRange(a)
			if err != nil {
				return err
			}
			for n := r.First; n <= r.Last; n++ {
				c.Cfg.Lines.Delete(runningconfig.LineKey(r.Type, n))
			}
			return nil
		},
	})
	transportChoice := "{all|none|ssh [telnet]|telnet [ssh]}"
	transportHelp := []string{"All protocols", "No protocols", "TCP/IP SSH protocol", "TCP/IP Telnet protocol", "TCP/IP Telnet protocol", "TCP/IP SSH protocol"}
	LineMode.Add(
		lineCmd("login [local|authentication WORD]",
			[]string{"Enable password checking", "Local password checking", "Authentication parameters.", "Use an authentication list with this name."},
			"login",
			func(l *runningconfig.LineConfig, a parser.Args) { l.Login = canonicalText(a) },
			func(l *runningconfig.LineConfig) { l.Login = "" }),
		lineCmd("transport input "+transportChoice,
			concat([]string{helpTransport, "Define which protocols to use when connecting to the terminal server"}, transportHelp),
			"transport input",
			func(l *runningconfig.LineConfig, a parser.Args) { l.TransportInput = canonicalText(a[2:]) },
			func(l *runningconfig.LineConfig) { l.TransportInput = "" }),
		lineCmd("exec-timeout <0-35791> [<0-2147483>]",
			[]string{"Set the EXEC timeout", "Timeout in minutes", "Timeout in seconds"},
			"exec-timeout",
			func(l *runningconfig.LineConfig, a parser.Args) {
				t := [2]int{a.Int("<0-35791>"), a.Int("<0-2147483>")}
				l.ExecTimeout = &t
				if t == [2]int{10, 0} {
					l.ExecTimeout = nil // the default, not shown
				}
			},
			func(l *runningconfig.LineConfig) { l.ExecTimeout = nil }),
		lineCmd("privilege level <0-15>",
			[]string{"Change privilege level for line", "Assign default privilege level for line", "Default privilege level for line"},
			"privilege level",
			func(l *runningconfig.LineConfig, a parser.Args) {
				p := a.Int("<0-15>")
				l.Privilege = &p
				if p == 1 {
					l.Privilege = nil // the default, not shown
				}
			},
			func(l *runningconfig.LineConfig) { l.Privilege = nil }),
		keptLineCmd("transport output "+transportChoice,
			concat([]string{helpTransport, "Define which protocols to use for outgoing connections"}, transportHelp),
			runningconfig.RankLineTransportOutput, "transport output"),
		keptLineCmd("transport preferred {all|none|ssh|telnet}",
			[]string{helpTransport, "Specify the preferred protocol to use", "All protocols", "No protocols", "TCP/IP SSH protocol", "TCP/IP Telnet protocol"},
			runningconfig.RankLineTransportPreferred, "transport preferred"),
		keptLineCmd("password [0|7] LINE",
			[]string{"Set a password", helpType0, helpType7, "The UNENCRYPTED (cleartext) line password"},
			runningconfig.RankLinePassword, "password"),
		keptLineCmd("logging synchronous",
			[]string{"Modify message logging facilities", "Synchronized message output"},
			runningconfig.RankLineLogging, "logging synchronous"),
		keptLineCmd("length <0-512>",
			[]string{"Set number of lines on a screen", "Number of lines on screen (0 for no pausing)"},
			runningconfig.RankLineLength, "length"),
		keptLineCmd("width <0-512>",
			[]string{"Set width of the display terminal", "Number of characters on a screen line"},
			runningconfig.RankLineWidth, "width"),
		keptLineCmd("stopbits {1|1.5|2}",
			[]string{"Set async line stop bits", "One stop bit", "One and one-half stop bits", "Two stop bits"},
			runningconfig.RankLineStopbits, "stopbits"),
		keptLineCmd("session-timeout <0-35791>",
			[]string{"Set interval for closing connection when there is no input traffic", "Session timeout interval in minutes"},
			runningconfig.RankLineSessionTimeout, "session-timeout"),
		keptLineCmd("history size <0-256>",
			[]string{"Enable and control the command history function", "Set history buffer size", "Size of history buffer"},
			runningconfig.RankLineHistory, "history"),
		keptLineCmd("escape-character WORD",
			[]string{"Change the current line's escape character", "Escape character or its decimal equivalent"},
			runningconfig.RankLineEscape, "escape-character"),
		accessClassCmd("in"), accessClassCmd("out"),
	)
}

// accessClassCmd is `access-class ACL in|out [vrf-also]` for one direction.
func accessClassCmd(dir string) *Command {
	help := map[string]string{"in": "Filter incoming connections", "out": "Filter outgoing connections"}[dir]
	return keptLineCmd("access-class {<1-199>$acl|<1300-2699>$acl|WORD$acl} "+dir+" [vrf-also]",
		[]string{"Filter connections based on an IP access list", "IP access list", "IP expanded access list", "Access-list name",
			help, "Same access list is applied for all VRFs"},
		runningconfig.RankLineAccessClass, "access-class "+dir)
}

// parseLineRange reads the line type and numbers of a `line` command
// (message for an inverted range UNCONFIRMED).
func parseLineRange(a parser.Args) (*lineRange, error) {
	r := &lineRange{Type: lineTypeNames[a.Get("type")], First: a.Int("first")}
	r.Last = r.First
	if a.Has("last") {
		r.Last = a.Int("last")
	}
	if r.Last < r.First {
		return nil, Msg("%Invalid line range")
	}
	return r, nil
}
