package modes

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/flexvpnd/flexvpnd/parser"
	runningconfig "github.com/flexvpnd/flexvpnd/running-config"
)

// ExecMode is user and privileged exec mode ("Router>", "Router#").
var ExecMode = &Mode{Exec: true, Title: "Exec"}

func init() {
	ExecMode.Add(
		&Command{
			Spec: "enable", Help: []string{"Turn on privileged commands"}, No: "-", Priv: 1,
			Run: func(c *Ctx, a parser.Args) error {
				if c.S.Remote && c.S.Priv < 15 {
					return enableQuestion(c.S, &c.Cfg.Global)
				}
				c.S.Priv = 15
				return nil
			},
		},
		&Command{
			Spec: "disable", Help: []string{"Turn off privileged commands"}, No: "-", Priv: 1,
			Run: func(c *Ctx, a parser.Args) error {
				c.S.Priv = 1
				return nil
			},
		},
		&Command{
			Spec: "exit", Help: []string{"Exit from the EXEC"}, No: "-", Priv: 1,
			Run: func(c *Ctx, a parser.Args) error { return ErrExit },
		},
		&Command{
			Spec: "configure terminal",
			Help: []string{"Enter configuration mode", "Configure from the terminal"},
			No:   "-", Priv: 15,
			Run: func(c *Ctx, a parser.Args) error {
				c.Printf("Enter configuration commands, one per line.  End with CNTL/Z.\n")
				c.S.EnterConfig()
				return nil
			},
		},
		&Command{
			Spec: "configure", Help: []string{"Enter configuration mode"}, No: "-", Priv: 15,
			Run: func(c *Ctx, a parser.Args) error {
				return &Question{Text: "Configuring from terminal, memory, or network [terminal]? ", Answer: configureFrom}
			},
		},
		&Command{
			Spec: "show running-config",
			Help: []string{"Show running system information", "Current operating configuration"},
			No:   "-", Priv: 15, Pipe: true,
			Run: func(c *Ctx, a parser.Args) error {
				c.Printf("%s", c.Cfg.ShowRunning())
				return nil
			},
		},
		&Command{
			Spec: "show startup-config",
			Help: []string{"Show running system information", "Contents of startup configuration"},
			No:   "-", Priv: 15, Pipe: true,
			Run: func(c *Ctx, a parser.Args) error {
				if c.S.Sys.StartupPath == "" {
					return Msg("startup-config is not present")
				}
				b, err := os.ReadFile(c.S.Sys.StartupPath)
				if err != nil {
					return Msg("startup-config is not present")
				}
				c.Printf("Using %d out of %d bytes\n%s", len(b), nvramSize, b)
				return nil
			},
		},
		&Command{
			Spec: "write [memory]",
			Help: []string{"Write running configuration to memory, network, or terminal", "Write to NV memory"},
			No:   "-", Priv: 15,
			Run: writeMemory,
		},
		&Command{
			Spec: "copy running-config startup-config",
			Help: []string{"Copy from one file to another", "Copy from current system configuration", "Copy to startup configuration"},
			No:   "-", Priv: 15,
			Run: func(c *Ctx, a parser.Args) error {
				c.Printf("Destination filename [startup-config]? \n")
				return writeMemory(c, a)
			},
		},
	)
}

// enableQuestion asks a remote session for the enable secret (or the
// enable password) of level 15; IOS refuses `enable` on a vty line when
// neither is set. UNCONFIRMED: IOS asks three times before "% Bad
// secrets"; here one wrong answer ends it.
func enableQuestion(s *Session, g *runningconfig.Global) error {
	e := g.EnableFor(false, 15)
	if e == nil {
		e = g.EnableFor(true, 15)
	}
	if e == nil {
		return Msg("% No password set")
	}
	secret := e.Secret
	return &Question{Text: "Password: ", Hidden: true, Answer: func(answer string) (string, error) {
		if !secret.Verify(answer) {
			return "", Msg("% Bad secrets")
		}
		s.Priv = 15
		return "", nil
	}}
}

// configureFrom answers the question of a bare `configure`: terminal (the
// default, any abbreviation) enters configuration mode.
func configureFrom(answer string) (string, error) {
	a := strings.ToLower(strings.TrimSpace(answer))
	switch {
	case strings.HasPrefix("terminal", a):
		return "configure terminal", nil
	case strings.HasPrefix("memory", a), strings.HasPrefix("network", a):
		return "", Msg("% Configuring from memory or network is not supported")
	}
	// UNCONFIRMED: IOS wording as remembered, not captured.
	return "", Msg(`?Must be "terminal", "memory" or "network"`)
}

// nvramSize is the capacity reported by `show startup-config`.
const nvramSize = 33554432

// writeMemory saves the running-config as the startup-config.
func writeMemory(c *Ctx, a parser.Args) error {
	c.Printf("Building configuration...\n")
	if c.S.Sys.StartupPath == "" {
		c.Printf("[OK]\n")
		return nil
	}
	text := c.Cfg.Body() + "end\n"
	if err := WriteFileAtomic(c.S.Sys.StartupPath, []byte(text)); err != nil {
		return Errorf("%% Error writing startup-config: %v", err)
	}
	c.Printf("[OK]\n")
	return nil
}

// WriteFileAtomic replaces path with data so that a reader (or a crash)
// sees either the old or the new file, never a partial one: it writes a
// temporary file in the same directory, syncs it, renames it over path and
// syncs the directory.
func WriteFileAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create %s: %w", dir, err)
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("create temporary file: %w", err)
	}
	tmp := f.Name()
	ok := false
	defer func() {
		if !ok {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if err := f.Chmod(0o600); err != nil {
		return fmt.Errorf("chmod %s: %w", tmp, err)
	}
	if _, err := f.Write(data); err != nil {
		return fmt.Errorf("write %s: %w", tmp, err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", tmp, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("close %s: %w", tmp, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("rename %s: %w", tmp, err)
	}
	ok = true
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}
