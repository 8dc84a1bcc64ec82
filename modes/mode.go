// Package modes is the IOS mode tree of flexvpnd: one declarative command
// table per mode (one file per mode), the session executor with IOS mode
// fall-through, `do`, `?` and TAB, and the exec commands (show, write,
// configure). Handlers edit the shared running-config through the
// runningconfig package.
package modes

import (
	"fmt"
	"strings"
	"sync"

	"github.com/flexvpnd/flexvpnd/parser"
	runningconfig "github.com/flexvpnd/flexvpnd/running-config"
)

// Mode is one IOS CLI mode.
type Mode struct {
	// Name is the prompt suffix inside the parentheses ("config-if"); ""
	// for the exec modes.
	Name string
	// Title names the mode in `?` listings ("IKEv2 keyring" gives
	// "IKEv2 keyring configuration commands:").
	Title string
	// Parent is the mode that lines fall through to (nil for global config
	// and exec).
	Parent *Mode
	// Exec marks the exec mode (prompt '>' or '#', commands carry a
	// privilege level).
	Exec bool

	commands []*Command
	once     sync.Once
	graphs   map[int]*parser.Graph // by privilege level (exec) or 0
	buildErr error
}

// Command is one entry of a mode's command table.
type Command struct {
	// Spec is the grammar of the command (see package parser).
	Spec string
	// Help has one help string per token of Spec.
	Help []string
	// No is the grammar of the `no` form, without the leading "no": "" means
	// the same as Spec, "-" means the command has no `no` form. Its tokens
	// take their help from Spec's tokens of the same text unless NoHelp is
	// given.
	No     string
	NoHelp []string
	// Run executes the command.
	Run func(c *Ctx, a parser.Args) error
	// Unset executes the `no` form.
	Unset func(c *Ctx, a parser.Args) error
	// Priv is the privilege level an exec command needs (1 or 15).
	Priv int
	// Pipe allows `| include|exclude|begin|section|count REGEX` after the
	// command (show commands).
	Pipe bool
}

// entry is what a graph terminal carries: the command and its polarity.
type entry struct {
	cmd *Command
	neg bool
}

// Add appends commands to the mode's table. It must be called before the
// mode is first used (from init functions).
func (m *Mode) Add(cmds ...*Command) {
	m.commands = append(m.commands, cmds...)
}

// Commands returns the mode's command table.
func (m *Mode) Commands() []*Command { return m.commands }

const noHelp = "Negate a command or set its defaults"

// graph returns the compiled grammar for a privilege level.
func (m *Mode) graph(priv int) (*parser.Graph, error) {
	m.once.Do(m.build)
	if m.buildErr != nil {
		return nil, m.buildErr
	}
	if !m.Exec {
		priv = 0
	} else if priv < 15 {
		priv = 1
	} else {
		priv = 15
	}
	return m.graphs[priv], nil
}

func (m *Mode) build() {
	m.graphs = map[int]*parser.Graph{}
	levels := []int{0}
	if m.Exec {
		levels = []int{1, 15}
	}
	for _, lvl := range levels {
		g := parser.NewGraph()
		for _, c := range m.commands {
			if m.Exec && c.Priv > lvl {
				continue
			}
			if err := m.addCommand(g, c); err != nil {
				m.buildErr = fmt.Errorf("mode %q: %w", m.Name, err)
				return
			}
		}
		m.graphs[lvl] = g
	}
}

func (m *Mode) addCommand(g *parser.Graph, c *Command) error {
	if err := g.Add(c.Spec, c.Help, &entry{cmd: c}); err != nil {
		return err
	}
	if c.No == "-" || c.Unset == nil {
		return nil
	}
	spec, help := c.Spec, c.Help
	if c.No != "" {
		spec = c.No
		help = c.NoHelp
		if help == nil {
			var err error
			if help, err = inheritHelp(c.Spec, c.Help, c.No); err != nil {
				return err
			}
		}
	}
	return g.Add("no "+spec, append([]string{noHelp}, help...), &entry{cmd: c, neg: true})
}

// inheritHelp gives each token of noSpec the help of the same token text in
// spec.
func inheritHelp(spec string, help []string, noSpec string) ([]string, error) {
	byText := map[string]string{}
	toks := specTokens(spec)
	if len(toks) != len(help) {
		return nil, fmt.Errorf("spec %q: %d tokens but %d help strings", spec, len(toks), len(help))
	}
	for i, t := range toks {
		if _, ok := byText[t]; !ok {
			byText[t] = help[i]
		}
	}
	var out []string
	for _, t := range specTokens(noSpec) {
		h, ok := byText[t]
		if !ok {
			return nil, fmt.Errorf("no form %q: token %q not in %q; give NoHelp", noSpec, t, spec)
		}
		out = append(out, h)
	}
	return out, nil
}

// specTokens lists the token words of a spec in order, brackets removed.
func specTokens(spec string) []string {
	spec = strings.ReplaceAll(spec, "}...", "}")
	return strings.FieldsFunc(spec, func(r rune) bool { return strings.ContainsRune(" |[]{}", r) })
}

// Validate compiles every grammar of the mode and reports the first error,
// and any keyword listed with two different help strings.
func (m *Mode) Validate() error {
	for _, lvl := range []int{1, 15} {
		g, err := m.graph(lvl)
		if err != nil {
			return err
		}
		if c := g.HelpConflicts(); len(c) > 0 {
			return fmt.Errorf("mode %q: inconsistent help: %s", m.Name, strings.Join(c, "; "))
		}
	}
	return nil
}

// Frame is one level of a session's mode stack: a mode and the object it
// edits (a *runningconfig.Keyring for keyring mode, and so on).
type Frame struct {
	Mode *Mode
	Obj  any
}

// Ctx is what a handler gets: the session, the configuration and the frame
// the command matched in.
type Ctx struct {
	S *Session
	// Cfg is the running configuration (the caller holds the lock).
	Cfg *runningconfig.Config
	// Frame is the frame whose mode matched the line.
	Frame Frame
	// Line is the input line.
	Line string
	// Out receives the command's output.
	Out *strings.Builder

	level int
}

// Enter makes mode the session's current mode, editing obj, as a child of
// the frame the command matched in.
func (c *Ctx) Enter(m *Mode, obj any) {
	c.S.stack = append(c.S.stack[:c.level+1], Frame{Mode: m, Obj: obj})
}

// Printf writes command output.
func (c *Ctx) Printf(format string, args ...any) {
	fmt.Fprintf(c.Out, format, args...)
}

// NotApplied records that the line was stored but is not acted on.
func (c *Ctx) NotApplied(reason string) {
	if c.S.OnNotApplied != nil {
		c.S.OnNotApplied(reason)
	}
}

// Msg is a handler error printed as it is (an IOS "% ..." message).
type Msg string

func (m Msg) Error() string { return string(m) }

// Errorf returns a Msg built with fmt.Sprintf.
func Errorf(format string, args ...any) error { return Msg(fmt.Sprintf(format, args...)) }
