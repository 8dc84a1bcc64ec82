package modes

import (
	"strings"

	"github.com/flexvpnd/flexvpnd/parser"
	runningconfig "github.com/flexvpnd/flexvpnd/running-config"
)

// IPsecTransformMode is `crypto ipsec transform-set NAME ...`:
// "Router(cfg-crypto-trans)#".
var IPsecTransformMode = NewConfigMode("cfg-crypto-trans", "Crypto transform", ConfigMode)

// transformGroup is a set of interchangeable transforms: one may be chosen
// from a group, and choosing it uses up the categories in uses.
type transformGroup struct {
	spec string
	help []string
	uses uint
}

const (
	useCipher = 1 << iota
	useESPAuth
	useAH
	useComp
)

var keySizeHelp = []string{"128 bit keys.", "192 bit keys.", "256 bit keys."}

// transformGroups are the IOS transforms. An AEAD cipher (esp-gcm,
// esp-gmac) takes no ESP authentication, so it uses both categories.
var transformGroups = []transformGroup{
	{
		spec: "{esp-aes [128|192|256]|esp-3des|esp-des|esp-null|esp-seal}",
		help: concat([]string{"ESP transform using AES cipher"}, keySizeHelp, []string{
			"ESP transform using 3DES(EDE) cipher (168 bits)", "ESP transform using DES cipher (56 bits)",
			"ESP transform w/o cipher", "ESP transform using SEAL cipher (160 bits)"}),
		uses: useCipher,
	},
	{
		spec: "{esp-gcm [128|192|256]|esp-gmac [128|192|256]}",
		help: concat([]string{"ESP transform using GCM cipher"}, keySizeHelp, []string{"ESP transform using GMAC cipher"}, keySizeHelp),
		uses: useCipher | useESPAuth,
	},
	{
		spec: "{esp-md5-hmac|esp-sha-hmac|esp-sha256-hmac|esp-sha384-hmac|esp-sha512-hmac}",
		help: []string{"ESP transform using HMAC-MD5 auth", "ESP transform using HMAC-SHA auth",
			"ESP transform using HMAC-SHA256 auth", "ESP transform using HMAC-SHA384 auth", "ESP transform using HMAC-SHA512 auth"},
		uses: useESPAuth,
	},
	{
		spec: "{ah-md5-hmac|ah-sha-hmac|ah-sha256-hmac|ah-sha384-hmac|ah-sha512-hmac}",
		help: []string{"AH-HMAC-MD5 transform", "AH-HMAC-SHA transform", "AH-HMAC-SHA256 transform",
			"AH-HMAC-SHA384 transform", "AH-HMAC-SHA512 transform"},
		uses: useAH,
	},
	{
		spec: "comp-lzs",
		help: []string{"IP Compression using the LZS compression algorithm"},
		uses: useComp,
	},
}

func concat(parts ...[]string) []string {
	var out []string
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// transformSpec returns the grammar of the transforms that may follow when
// the categories in used are taken: each transform may be followed by one
// of another category, as the IOS parser offers them.
func transformSpec(used uint) (string, []string) {
	var alts []string
	var help []string
	for _, g := range transformGroups {
		if used&g.uses != 0 {
			continue
		}
		alt := g.spec
		h := append([]string(nil), g.help...)
		if rest, restHelp := transformSpec(used | g.uses); rest != "" {
			alt += " [" + rest + "]"
			h = append(h, restHelp...)
		}
		alts = append(alts, alt)
		help = append(help, h...)
	}
	if len(alts) == 0 {
		return "", nil
	}
	return "{" + strings.Join(alts, "|") + "}", help
}

// transformsOf collects the transforms of a matched line: each transform
// keyword with its optional key size.
func transformsOf(a parser.Args) []string {
	var out []string
	for _, x := range a.After("WORD") {
		if x.Name == "128" || x.Name == "192" || x.Name == "256" {
			out[len(out)-1] += " " + x.Value
			continue
		}
		out = append(out, x.Value)
	}
	return out
}

// transformSetCommands declares `crypto ipsec transform-set NAME T...`,
// one command per category of the first transform (a single spec would
// expand to more paths than the parser allows).
func transformSetCommands() []*Command {
	var cmds []*Command
	for i, g := range transformGroups {
		spec, help := g.spec, g.help
		if rest, restHelp := transformSpec(g.uses); rest != "" {
			spec += " [" + rest + "]"
			help = concat(help, restHelp)
		}
		cmd := &Command{
			Spec: "crypto ipsec transform-set WORD " + spec,
			Help: concat([]string{HelpCrypto, HelpIPsec, "Define transform and settings", "Transform set tag"}, help),
			No:   "-",
			Run: func(c *Ctx, a parser.Args) error {
				t := c.Cfg.IPsec.TransformSet(a.Get("WORD"), true)
				t.Transforms = runningconfig.NormalizeTransforms(transformsOf(a))
				c.Enter(IPsecTransformMode, t)
				return nil
			},
		}
		if i == 0 {
			cmd.No = "crypto ipsec transform-set WORD"
			cmd.Unset = func(c *Ctx, a parser.Args) error {
				c.Cfg.IPsec.DeleteTransformSet(a.Get("WORD"))
				return nil
			}
		}
		cmds = append(cmds, cmd)
	}
	return cmds
}

func init() {
	ConfigMode.Add(transformSetCommands()...)
	IPsecTransformMode.Add(&Command{
		Spec: "mode {tunnel|transport}",
		Help: []string{"encapsulation mode (transport/tunnel)", "tunnel (datagram encapsulation) mode", "transport (payload encapsulation) mode"},
		No:   "mode [tunnel|transport]",
		Run: func(c *Ctx, a parser.Args) error {
			mode := "tunnel"
			if a.Has("transport") {
				mode = "transport"
			}
			c.Frame.Obj.(*runningconfig.TransformSet).Mode = mode
			return nil
		},
		Unset: func(c *Ctx, a parser.Args) error {
			c.Frame.Obj.(*runningconfig.TransformSet).Mode = "tunnel"
			return nil
		},
	})
}
