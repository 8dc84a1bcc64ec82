package modes

import (
	"fmt"
	"strings"

	"github.com/flexvpnd/flexvpnd/parser"
	runningconfig "github.com/flexvpnd/flexvpnd/running-config"
)

// The layouts below reproduce the c8000v (IOS-XE 17) capture
// show-crypto-ikev2-proposal-policy-profile-ipsec-tset-profile-defaults-c8000v.txt,
// trailing spaces included. The output for one named object is assumed to
// be that object's block of the full listing (UNCONFIRMED).

func init() {
	ExecMode.Add(
		&Command{
			Spec: "show crypto ipsec transform-set [WORD]",
			Help: []string{HelpShow, HelpCrypto, HelpShowIPsec, "Crypto transform sets", "Transform set tag"},
			No:   "-", Priv: 15, Pipe: true,
			Run: func(c *Ctx, a parser.Args) error {
				c.Printf("%s", ShowTransformSets(&c.Cfg.IPsec, a.Get("WORD")))
				return nil
			},
		},
		&Command{
			Spec: "show crypto ipsec profile [WORD]",
			Help: []string{HelpShow, HelpCrypto, HelpShowIPsec, "Show ipsec profile information", "ipsec profile name"},
			No:   "-", Priv: 15, Pipe: true,
			Run: func(c *Ctx, a parser.Args) error {
				c.Printf("%s", ShowIPsecProfiles(&c.Cfg.IPsec, a.Get("WORD")))
				return nil
			},
		},
	)
}

// transformList is the "{ esp-aes esp-sha-hmac  }" part of both listings.
func transformList(t *runningconfig.TransformSet) string {
	var b strings.Builder
	b.WriteString("{ ")
	for _, x := range t.Transforms {
		b.WriteString(runningconfig.ShowName(x) + " ")
	}
	b.WriteString(" }")
	return b.String()
}

// ShowTransformSets renders `show crypto ipsec transform-set [NAME]`.
func ShowTransformSets(p *runningconfig.IPsec, name string) string {
	var blocks []string
	p.TransformSets.Each(func(n string, t *runningconfig.TransformSet) {
		if name != "" && n != name {
			return
		}
		mode := "Tunnel"
		if t.Mode == "transport" {
			mode = "Transport"
		}
		blocks = append(blocks, fmt.Sprintf("Transform set %s: %s \n   will negotiate = { %s,  }, \n", n, transformList(t), mode))
	})
	if len(blocks) == 0 {
		return ""
	}
	return strings.Join(blocks, "   \n") + "\n"
}

// ShowIPsecProfiles renders `show crypto ipsec profile [NAME]`.
func ShowIPsecProfiles(p *runningconfig.IPsec, name string) string {
	var b strings.Builder
	p.Profiles.Each(func(n string, pr *runningconfig.IPsecProfile) {
		if name == "" || n == name {
			writeIPsecProfile(&b, p, pr)
		}
	})
	if b.Len() == 0 {
		return ""
	}
	b.WriteString("\n")
	return b.String()
}

func yn(v bool) string {
	if v {
		return "Y"
	}
	return "N"
}

// writeIPsecProfile writes one profile block. UNCONFIRMED: the "DH group"
// line and the lifetime text when volume rekey is disabled.
func writeIPsecProfile(b *strings.Builder, p *runningconfig.IPsec, pr *runningconfig.IPsecProfile) {
	fmt.Fprintf(b, "IPSEC profile %s\n", pr.Name)
	if pr.IKEv2Profile != "" {
		fmt.Fprintf(b, "IKEv2 Profile: %s\n", pr.IKEv2Profile)
	}
	sec, kb := p.EffectiveLifetime(pr)
	kbText := "disabled"
	if kb != 0 {
		kbText = fmt.Sprint(kb)
	}
	fmt.Fprintf(b, "Security association lifetime: %s kilobytes/%d seconds\n", kbText, sec)
	b.WriteString("Dualstack (Y/N): N\n")
	fmt.Fprintf(b, "Responder-Only (Y/N): %s\n", yn(pr.ResponderOnly))
	fmt.Fprintf(b, "PFS (Y/N): %s\n", yn(pr.PFS != "" || pr.PFSDefault))
	if pr.PFS != "" {
		fmt.Fprintf(b, "DH group:  %s\n", pr.PFS)
	}
	b.WriteString("Mixed-mode : Disabled\n")
	b.WriteString("Transform sets={ \n")
	for _, t := range p.ProfileTransformSets(pr) {
		fmt.Fprintf(b, "%s:  %s , \n", t.Name, transformList(t))
	}
	b.WriteString("}\n")
}
