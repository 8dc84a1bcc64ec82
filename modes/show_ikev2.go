package modes

import (
	"github.com/flexvpnd/flexvpnd/parser"
)

func init() {
	showV2 := func(obj, objHelp, nameHelp string, run func(c *Ctx, name string)) *Command {
		return &Command{
			Spec: "show crypto ikev2 " + obj + " [WORD]",
			Help: []string{HelpShow, HelpCrypto, HelpShowIKEv2, objHelp, nameHelp},
			No:   "-", Priv: 15, Pipe: true,
			Run: func(c *Ctx, a parser.Args) error {
				run(c, a.Get("WORD"))
				return nil
			},
		}
	}
	ExecMode.Add(
		showV2("proposal", "Show IKEv2 proposals", "IKEv2 proposal name", func(c *Ctx, name string) {
			c.Printf("%s", c.Cfg.IKEv2.ShowProposals(name))
		}),
		showV2("policy", "Show IKEv2 policies", "IKEv2 policy name", func(c *Ctx, name string) {
			c.Printf("%s", c.Cfg.IKEv2.ShowPolicies(name))
		}),
		showV2("profile", "Shows ikev2 profiles", "Name of IKEv2 profile", func(c *Ctx, name string) {
			c.Printf("%s", c.Cfg.IKEv2.ShowProfiles(name, c.Cfg.IKEv2ProfileRefs))
		}),
	)
}
