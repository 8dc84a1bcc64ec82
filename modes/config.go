package modes

import (
	"github.com/flexvpnd/flexvpnd/parser"
)

// ConfigMode is global configuration mode: "Router(config)#".
var ConfigMode = &Mode{Name: "config", Title: "Configure"}

// AllModes lists every mode, for validation and documentation.
var AllModes = []*Mode{ExecMode, ConfigMode}

// NewConfigMode declares a configuration sub-mode with its `exit` and `end`
// commands and registers it in AllModes.
func NewConfigMode(name, title string, parent *Mode) *Mode {
	m := &Mode{Name: name, Title: title, Parent: parent}
	m.Add(exitCommand(title), endCommand())
	AllModes = append(AllModes, m)
	return m
}

func exitCommand(title string) *Command {
	return &Command{
		Spec: "exit", Help: []string{"Exit from " + title + " mode"}, No: "-",
		Run: func(c *Ctx, a parser.Args) error {
			c.S.stack = c.S.stack[:c.level]
			return nil
		},
	}
}

func endCommand() *Command {
	return &Command{
		Spec: "end", Help: []string{"Exit from configure mode"}, No: "-",
		Run: func(c *Ctx, a parser.Args) error {
			c.S.ExitConfig()
			return nil
		},
	}
}

func init() {
	ConfigMode.Add(
		exitCommand("configure"),
		endCommand(),
		&Command{
			Spec: "hostname WORD",
			Help: []string{"Set system's network name", "This system's network name"},
			No:   "hostname [WORD]",
			Run: func(c *Ctx, a parser.Args) error {
				c.Cfg.Hostname = a.Get("WORD")
				return nil
			},
			Unset: func(c *Ctx, a parser.Args) error {
				c.Cfg.Hostname = "Router"
				return nil
			},
		},
	)
}
