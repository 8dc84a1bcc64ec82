package modes

import (
	"slices"
	"strings"

	"github.com/flexvpnd/flexvpnd/parser"
	runningconfig "github.com/flexvpnd/flexvpnd/running-config"
)

// loginFamily keeps the global `login ...` lines in their block. Only
// `login block-for` is acted on (by the SSH server, which reads it with
// Config.LoginBlockFor); the others (`login on-failure log`, `login delay`,
// `login quiet-mode access-class`) are kept and reported as not applied.
var loginFamily = &vbFamily{Name: "login", Spec: "login LINE", Help: []string{helpLogin, vbArgHelp},
	Slot: runningconfig.SlotSystem, Reason: reasonServices, Run: setLoginLine}

// setLoginLine keeps a `login` line other than block-for; the first one is
// reported as not applied even when `login block-for` made the block.
func setLoginLine(c *Ctx, f *vbFamily, a parser.Args) error {
	k := vbFind(c.Cfg, f.Name, "")
	onlyBlockFor := k != nil && !slices.ContainsFunc(k.Lines, func(l string) bool { return !strings.HasPrefix(l, "login block-for ") })
	if err := vbSet(c, f, a); err != nil {
		return err
	}
	if onlyBlockFor {
		c.NotApplied(f.Reason)
	}
	return nil
}

const helpLogin = "Enable secure login checking"

func init() {
	ConfigMode.Add(&Command{
		Spec: "login block-for <1-65535> attempts <1-65535> within <1-65535>",
		Help: []string{helpLogin, "Set quiet-mode active time period", "Number of seconds",
			"Set max number of fail attempts", "Number of attempts", "Watch period for repeated authentication failures", "Number of seconds"},
		No:     "login block-for [LINE]",
		NoHelp: []string{helpLogin, "Set quiet-mode active time period", vbArgHelp},
		Run: func(c *Ctx, a parser.Args) error {
			k := vbFind(c.Cfg, loginFamily.Name, "")
			if k == nil {
				k = vbInsertBlock(c, loginFamily, nil)
			}
			vbRemoveFlat(k, "login block-for")
			// IOS lists block-for first among the login lines.
			k.Lines = append([]string{vbText(a)}, k.Lines...)
			return nil
		},
		Unset: func(c *Ctx, a parser.Args) error {
			return vbUnset(c, loginFamily, parser.Args{{Name: "login", Value: "login"}, {Name: "block-for", Value: "block-for"}})
		},
	})
}
