package modes

import (
	"fmt"
	"strings"

	"github.com/flexvpnd/flexvpnd/engine/status"
	"github.com/flexvpnd/flexvpnd/parser"
	runningconfig "github.com/flexvpnd/flexvpnd/running-config"
)

func init() {
	ExecMode.Add(&Command{
		Spec: "show derived-config interface IFNAME",
		Help: []string{HelpShow, "Show the derived config", "Show derived config for an interface", "Interface name"},
		No:   "-", Priv: 15, Pipe: true,
		Run: func(c *Ctx, a parser.Args) error {
			c.Printf("%s", showDerivedConfig(c.Cfg, c.S.Sys.snapshot(), a.Get("IFNAME")))
			return nil
		},
	})
}

// showDerivedConfig renders `show derived-config interface NAME`: a
// configured interface's block, or for a Virtual-Access the block of the
// Virtual-Template it was cloned from, under its own name, with the
// session's peer as tunnel destination and `no tunnel protection ipsec
// initiate` (a Virtual-Access only answers). Header layout from the IOS
// capture in ios-reference.md section 4 ("Derived configuration : N
// bytes"); the Virtual-Access body is UNCONFIRMED against a capture. An
// interface that neither the configuration nor the engine knows prints
// nothing.
func showDerivedConfig(cfg *runningconfig.Config, snap status.Snapshot, name string) string {
	text, ok := derivedInterface(cfg, snap, name)
	if !ok {
		return ""
	}
	body := "!\n" + text + "end\n"
	return fmt.Sprintf("Building configuration...\n\nDerived configuration : %d bytes\n%s", len(body), body)
}

// derivedInterface returns the interface block of name as derived.
func derivedInterface(cfg *runningconfig.Config, snap status.Snapshot, name string) (string, bool) {
	if x, ok := cfg.Ifaces.Get(name); ok {
		return x.Text(), true
	}
	for _, t := range snap.Tunnels {
		if t.Name != name || t.Template == "" {
			continue
		}
		tmpl, ok := cfg.Ifaces.Get(t.Template)
		if !ok {
			return "", false
		}
		va := *tmpl
		va.Name, va.Type = t.Name, ""
		if t.Destination.IsValid() {
			va.TunnelDest = t.Destination.String()
		}
		return respondOnly(va.Text()), true
	}
	return "", false
}

// respondOnly adds `no tunnel protection ipsec initiate` after the
// tunnel protection line of a Virtual-Access block.
func respondOnly(block string) string {
	var b strings.Builder
	for line := range strings.Lines(block) {
		b.WriteString(line)
		if strings.HasPrefix(line, " tunnel protection ipsec profile ") {
			b.WriteString(" no tunnel protection ipsec initiate\n")
		}
	}
	return b.String()
}
