package modes

import (
	"github.com/flexvpnd/flexvpnd/parser"
	runningconfig "github.com/flexvpnd/flexvpnd/running-config"
)

// The informational banners IOS prints when a new proposal, policy or
// profile is created (verbatim, "atleast" included).
const (
	BannerNewProposal = "IKEv2 proposal MUST either have a set of an encryption algorithm other than aes-gcm, an integrity algorithm and a DH group configured or\n" +
		" encryption algorithm aes-gcm, a prf algorithm and a DH group configured\n"
	BannerNewPolicy  = "IKEv2 policy MUST have atleast one complete proposal attached\n"
	BannerNewProfile = "IKEv2 profile MUST have:\n" +
		"   1. A local and a remote authentication method.\n" +
		"   2. A match identity or a match certificate or match any statement.\n"
)

// Help of the `crypto ikev2` object keywords.
const (
	helpV2Proposal  = "Define IKEv2 proposals"
	helpV2Policy    = "Define IKEV2 policies"
	helpV2Keyring   = "Define IKEv2 keyrings"
	helpV2Profile   = "Define IKEv2 profiles"
	helpV2Authz     = "Configure IKEv2 authorization policy"
	helpV2AuthzPol  = "Authorization policy"
	helpV2Mangler   = "Define name mangler"
	helpV2Client    = "Configure IKEv2 client"
	helpV2FlexVPN   = "Configure FlexVPN client"
	helpV2DPD       = "Enable IKEv2 Dead Peer Detection"
	helpV2DPDIntv   = "DPD R-U-THERE interval"
	helpV2DPDRetry  = "DPD Retry Interval"
	helpV2OnDemand  = "Send DPD on demand"
	helpV2Periodic  = "Send DPD periodically"
	helpV2NAT       = "Configure NAT traversal"
	helpV2Keepalive = "Set NAT keepalive interval"
	helpV2KeepSecs  = "NAT keepalive interval in seconds"
)

func init() {
	ConfigMode.Add(
		objectCommand("crypto ikev2 proposal WORD", []string{HelpCrypto, HelpIKEv2, helpV2Proposal, "IKEv2 proposal name"},
			func(k *runningconfig.IKEv2, name string) (any, bool) { return k.Proposal(name, true) },
			func(k *runningconfig.IKEv2, name string) { k.DeleteProposal(name) },
			IKEv2ProposalMode, BannerNewProposal),
		objectCommand("crypto ikev2 policy WORD", []string{HelpCrypto, HelpIKEv2, helpV2Policy, "IKEv2 policy name"},
			func(k *runningconfig.IKEv2, name string) (any, bool) { return k.Policy(name, true) },
			func(k *runningconfig.IKEv2, name string) { k.DeletePolicy(name) },
			IKEv2PolicyMode, BannerNewPolicy),
		objectCommand("crypto ikev2 profile WORD", []string{HelpCrypto, HelpIKEv2, helpV2Profile, "Name of IKEv2 profile"},
			func(k *runningconfig.IKEv2, name string) (any, bool) { return k.Profile(name, true) },
			func(k *runningconfig.IKEv2, name string) { k.Profiles.Delete(name) },
			IKEv2ProfileMode, BannerNewProfile),
		objectCommand("crypto ikev2 keyring WORD", []string{HelpCrypto, HelpIKEv2, helpV2Keyring, "Name of IKEv2 keyring"},
			func(k *runningconfig.IKEv2, name string) (any, bool) { return k.Keyring(name, true), false },
			func(k *runningconfig.IKEv2, name string) { k.Keyrings.Delete(name) },
			IKEv2KeyringMode, ""),
		objectCommand("crypto ikev2 authorization policy WORD", []string{HelpCrypto, HelpIKEv2, helpV2Authz, helpV2AuthzPol, "Name of the authorization policy"},
			func(k *runningconfig.IKEv2, name string) (any, bool) { return k.AuthPolicy(name, true), false },
			func(k *runningconfig.IKEv2, name string) { k.AuthPolicies.Delete(name) },
			IKEv2AuthzMode, ""),
		objectCommand("crypto ikev2 name-mangler WORD", []string{HelpCrypto, HelpIKEv2, helpV2Mangler, "Name of the name mangler"},
			func(k *runningconfig.IKEv2, name string) (any, bool) { return k.NameMangler(name, true), false },
			func(k *runningconfig.IKEv2, name string) { k.NameManglers.Delete(name) },
			IKEv2NameManglerMode, ""),
		objectCommand("crypto ikev2 client flexvpn WORD", []string{HelpCrypto, HelpIKEv2, helpV2Client, helpV2FlexVPN, "Name of the FlexVPN client"},
			func(k *runningconfig.IKEv2, name string) (any, bool) { return k.Client(name, true), false },
			func(k *runningconfig.IKEv2, name string) { k.Clients.Delete(name) },
			IKEv2FlexVPNMode, ""),
		&Command{
			Spec: "default crypto ikev2 {proposal|policy}",
			Help: []string{HelpDefault, HelpCrypto, HelpIKEv2, helpV2Proposal, helpV2Policy},
			No:   "-",
			Run: func(c *Ctx, a parser.Args) error {
				if a.Has("proposal") {
					c.Cfg.IKEv2.RestoreDefaultProposal()
				} else {
					c.Cfg.IKEv2.RestoreDefaultPolicy()
				}
				return nil
			},
		},
		&Command{
			Spec:  "crypto ikev2 dpd <10-3600> <2-60> {on-demand|periodic}",
			Help:  []string{HelpCrypto, HelpIKEv2, helpV2DPD, helpV2DPDIntv, helpV2DPDRetry, helpV2OnDemand, helpV2Periodic},
			No:    "crypto ikev2 dpd [<10-3600> <2-60> {on-demand|periodic}]",
			Run:   func(c *Ctx, a parser.Args) error { c.Cfg.IKEv2.DPD = dpdArgs(a); return nil },
			Unset: func(c *Ctx, a parser.Args) error { c.Cfg.IKEv2.DPD = nil; return nil },
		},
		&Command{
			Spec:  "crypto ikev2 nat keepalive <5-3600>",
			Help:  []string{HelpCrypto, HelpIKEv2, helpV2NAT, helpV2Keepalive, helpV2KeepSecs},
			No:    "crypto ikev2 nat keepalive [<5-3600>]",
			Run:   func(c *Ctx, a parser.Args) error { c.Cfg.IKEv2.NATKeepalive = a.Int("<5-3600>"); return nil },
			Unset: func(c *Ctx, a parser.Args) error { c.Cfg.IKEv2.NATKeepalive = 0; return nil },
		},
		&Command{
			Spec: "crypto ikev2 fragmentation [mtu <68-1500>]",
			Help: []string{HelpCrypto, HelpIKEv2, "Enable fragmentation of IKEv2 packets", "MTU", "MTU in bytes"},
			Run: func(c *Ctx, a parser.Args) error {
				c.Cfg.IKEv2.Fragmentation, c.Cfg.IKEv2.FragmentMTU = true, a.Int("<68-1500>")
				return nil
			},
			Unset: func(c *Ctx, a parser.Args) error {
				c.Cfg.IKEv2.Fragmentation, c.Cfg.IKEv2.FragmentMTU = false, 0
				return nil
			},
		},
		&Command{
			Spec:  "crypto ikev2 cookie-challenge <1-1000>",
			Help:  []string{HelpCrypto, HelpIKEv2, "Enable cookie challenge", "Threshold of half-open SAs"},
			No:    "crypto ikev2 cookie-challenge [<1-1000>]",
			Run:   func(c *Ctx, a parser.Args) error { c.Cfg.IKEv2.CookieChallenge = a.Int("<1-1000>"); return nil },
			Unset: func(c *Ctx, a parser.Args) error { c.Cfg.IKEv2.CookieChallenge = 0; return nil },
		},
		&Command{
			Spec: "crypto ikev2 limit {max-in-negotiation-sa|max-sa} <1-99999>",
			Help: []string{HelpCrypto, HelpIKEv2, "Limit the number of SAs", "Maximum number of SAs in negotiation",
				"Maximum number of SAs", "Number of SAs"},
			No: "crypto ikev2 limit {max-in-negotiation-sa|max-sa} [<1-99999>]",
			Run: func(c *Ctx, a parser.Args) error {
				*limitField(c, a) = a.Int("<1-99999>")
				return nil
			},
			Unset: func(c *Ctx, a parser.Args) error {
				*limitField(c, a) = 0
				return nil
			},
		},
		&Command{
			Spec:  "crypto ikev2 diagnose error <1-1000>",
			Help:  []string{HelpCrypto, HelpIKEv2, "Diagnose IKEv2 errors", "Enable error path tracing", "Number of error path entries"},
			No:    "crypto ikev2 diagnose error [<1-1000>]",
			Run:   func(c *Ctx, a parser.Args) error { c.Cfg.IKEv2.DiagnoseError = a.Int("<1-1000>"); return nil },
			Unset: func(c *Ctx, a parser.Args) error { c.Cfg.IKEv2.DiagnoseError = 0; return nil },
		},
	)
}

// objectCommand declares a `crypto ikev2 ... WORD` command that creates
// (or finds) an object and enters its mode, printing banner when the object
// is new.
func objectCommand(spec string, help []string, get func(*runningconfig.IKEv2, string) (any, bool),
	del func(*runningconfig.IKEv2, string), mode *Mode, banner string) *Command {
	return &Command{
		Spec: spec, Help: help,
		Run: func(c *Ctx, a parser.Args) error {
			obj, created := get(&c.Cfg.IKEv2, a.Get("WORD"))
			if created {
				c.Printf("%s", banner)
			}
			c.Enter(mode, obj)
			return nil
		},
		Unset: func(c *Ctx, a parser.Args) error {
			del(&c.Cfg.IKEv2, a.Get("WORD"))
			return nil
		},
	}
}

// limitField returns the global limit a `crypto ikev2 limit` line sets.
func limitField(c *Ctx, a parser.Args) *int {
	if a.Has("max-sa") {
		return &c.Cfg.IKEv2.MaxSA
	}
	return &c.Cfg.IKEv2.MaxInNegotiationSA
}

// dpdArgs reads `dpd INTERVAL RETRY {on-demand|periodic}`.
func dpdArgs(a parser.Args) *runningconfig.DPD {
	mode := "periodic"
	if a.Has("on-demand") {
		mode = "on-demand"
	}
	return &runningconfig.DPD{Interval: a.Int("<10-3600>"), Retry: a.Int("<2-60>"), Mode: mode}
}
