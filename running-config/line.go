package runningconfig

import (
	"cmp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// LineConfig is the configuration of one terminal line (`line con 0`,
// `line vty 3`). A `line vty 0 4` command edits five of them; show
// running-config groups consecutive lines with the same settings into one
// block, as IOS does.
type LineConfig struct {
	// Type is "con", "aux" or "vty"; Number the line number.
	Type   string
	Number int
	// Login is the login line as rendered: "" (not set), "login",
	// "login local", "login authentication LIST".
	Login string
	// TransportInput is the text after `transport input` ("ssh", "ssh
	// telnet", "none", "all"; "" not set).
	TransportInput string
	// ExecTimeout is `exec-timeout MIN SEC` (nil: default 10 0).
	ExecTimeout *[2]int
	// Privilege is `privilege level N` (nil: default 1).
	Privilege *int
	// Lines are the other settings, kept verbatim with their IOS rank.
	Lines KeptLines
}

// Ranks of line settings in the IOS render order (UNCONFIRMED beyond the
// corpus, which shows login before length).
const (
	RankLineSessionTimeout = 10 * (iota + 1)
	RankLineAccessClass
	RankLineExecTimeout
	RankLinePrivilege
	RankLinePassword
	RankLineLogging
	RankLineLogin
	RankLineHistory
	RankLineLength
	RankLineWidth
	RankLineStopbits
	RankLineTransportPreferred
	RankLineTransportInput
	RankLineTransportOutput
	RankLineEscape
)

// LoginLocal reports whether the line authenticates against the local
// user database (`login local`).
func (l *LineConfig) LoginLocal() bool { return l.Login == "login local" }

// LineKey is the key of a line in Config.Lines.
func LineKey(typ string, n int) string { return typ + " " + strconv.Itoa(n) }

// body returns the line's settings as they render, in IOS order.
func (l *LineConfig) body() KeptLines {
	out := append(KeptLines(nil), l.Lines...)
	if l.ExecTimeout != nil {
		out.Set(RankLineExecTimeout, "exec-timeout", "exec-timeout "+strconv.Itoa(l.ExecTimeout[0])+" "+strconv.Itoa(l.ExecTimeout[1]))
	}
	if l.Privilege != nil {
		out.Set(RankLinePrivilege, "privilege level", "privilege level "+strconv.Itoa(*l.Privilege))
	}
	if l.Login != "" {
		out.Set(RankLineLogin, "login", l.Login)
	}
	if l.TransportInput != "" {
		out.Set(RankLineTransportInput, "transport input", "transport input "+l.TransportInput)
	}
	return out
}

// lineTypes is the order IOS prints line types in.
var lineTypes = []string{"con", "aux", "vty"}

// renderLines writes the line blocks: per type, consecutive lines with the
// same settings share a block, except that IOS always starts a new vty
// block at line 5 (vty 0 4 is the factory block); then a `!`.
func (c *Config) renderLines(w *writer) {
	wrote := false
	for _, typ := range lineTypes {
		var ls []*LineConfig
		c.Lines.Each(func(_ string, l *LineConfig) {
			if l.Type == typ {
				ls = append(ls, l)
			}
		})
		slices.SortFunc(ls, func(a, b *LineConfig) int { return cmp.Compare(a.Number, b.Number) })
		for i := 0; i < len(ls); {
			body := ls[i].body()
			j := i + 1
			for j < len(ls) && ls[j].Number == ls[j-1].Number+1 && !(typ == "vty" && ls[j].Number == 5) && slices.Equal(ls[j].body(), body) {
				j++
			}
			if j-i == 1 {
				w.line("line %s %d", typ, ls[i].Number)
			} else {
				w.line("line %s %d %d", typ, ls[i].Number, ls[j-1].Number)
			}
			body.renderRange(w, " ", 0, maxRank)
			wrote = true
			i = j
		}
	}
	if wrote {
		w.bang()
	}
}

// defaultVTYs is the number of vty lines an IOS router has before any
// `line vty` is configured (vty 0 4).
const defaultVTYs = 5

// VTYLines returns the vty lines in number order: the configured ones, or
// the factory vty 0 4 with default settings when none is configured.
func (c *Config) VTYLines() []*LineConfig {
	var ls []*LineConfig
	c.Lines.Each(func(_ string, l *LineConfig) {
		if l.Type == "vty" {
			ls = append(ls, l)
		}
	})
	if len(ls) == 0 {
		for n := range defaultVTYs {
			ls = append(ls, &LineConfig{Type: "vty", Number: n})
		}
	}
	slices.SortFunc(ls, func(a, b *LineConfig) int { return cmp.Compare(a.Number, b.Number) })
	return ls
}

// AllowsSSH reports whether `transport input` lets SSH sessions in (not
// configured counts as allowed: the appliance is managed over SSH).
func (l *LineConfig) AllowsSSH() bool {
	if l.TransportInput == "" {
		return true
	}
	return slices.ContainsFunc(strings.Fields(l.TransportInput), func(p string) bool { return p == "ssh" || p == "all" })
}

// AccessClassIn returns the access list of `access-class ACL in`, "" when
// none is set.
func (l *LineConfig) AccessClassIn() string {
	for _, k := range l.Lines {
		if f := strings.Fields(k.Text); len(f) >= 3 && f[0] == "access-class" && f[2] == "in" {
			return f[1]
		}
	}
	return ""
}

// IdleTimeout is the line's `exec-timeout` (10 minutes when not set, 0
// for `exec-timeout 0 0`: never).
func (l *LineConfig) IdleTimeout() time.Duration {
	if l.ExecTimeout == nil {
		return 10 * time.Minute
	}
	return time.Duration(l.ExecTimeout[0])*time.Minute + time.Duration(l.ExecTimeout[1])*time.Second
}
