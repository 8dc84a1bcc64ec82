package modes

import (
	"slices"
	"strconv"

	"github.com/flexvpnd/flexvpnd/parser"
	runningconfig "github.com/flexvpnd/flexvpnd/running-config"
)

// IPsecProfileMode is `crypto ipsec profile NAME`: "Router(ipsec-profile)#".
// IOS parses ipsec profiles with the crypto map chain, hence the title.
var IPsecProfileMode = NewConfigMode("ipsec-profile", "Crypto Map", ConfigMode)

// Help strings of the ipsec-profile (and global crypto ipsec) keywords.
const (
	helpIPsecSet     = "Set values for encryption/decryption"
	helpIPsecSA      = "Security association parameters"
	helpIPsecLife    = "security association lifetime"
	helpIPsecSeconds = "Time-based key duration in seconds"
	helpIPsecKB      = "Volume-based key duration"
	helpIPsecReplay  = "Set replay checking."
	helpIPsecWindow  = "Set replay window size."
	helpIPsecNoRepl  = "Disable replay checking."
)

// pfsGroups are the `set pfs` groups with their IOS help.
var pfsGroups = [][2]string{
	{"group1", "D-H Group1 (768-bit modp) key exchange"},
	{"group2", "D-H Group2 (1024-bit modp) key exchange"},
	{"group5", "D-H Group5 (1536-bit modp) key exchange"},
	{"group14", "D-H Group14 (2048-bit modp) key exchange"},
	{"group15", "D-H Group15 (3072-bit modp) key exchange"},
	{"group16", "D-H Group16 (4096-bit modp) key exchange"},
	{"group19", "D-H Group19 (256-bit ecp) key exchange"},
	{"group20", "D-H Group20 (384-bit ecp) key exchange"},
	{"group21", "D-H Group21 (521-bit ecp) key exchange"},
	{"group24", "D-H Group24 (2048-bit modp, 256 bit subgroup) key exchange"},
}

// replaySpec is the grammar of `replay window-size|disable`, shared by the
// global and the profile commands.
const replaySpec = "replay {window-size {64|128|256|512|1024}|disable}"

var replayHelp = []string{helpIPsecReplay, helpIPsecWindow, "Window size of 64", "Window size of 128",
	"Window size of 256", "Window size of 512", "Window size of 1024", helpIPsecNoRepl}

// ipsecReplay applies a matched replay line to a window size and flag.
func ipsecReplay(a parser.Args, window *int, disable *bool) {
	*disable = a.Has("disable")
	*window = 0
	for _, w := range []string{"64", "128", "256", "512", "1024"} {
		if a.Has(w) {
			*window, _ = strconv.Atoi(w)
		}
	}
}

func ipsecProfile(c *Ctx) *runningconfig.IPsecProfile {
	return c.Frame.Obj.(*runningconfig.IPsecProfile)
}

func init() {
	ConfigMode.Add(&Command{
		Spec: "crypto ipsec profile WORD",
		Help: []string{HelpCrypto, HelpIPsec, "Configure an ipsec policy profile", "Profile name"},
		Run: func(c *Ctx, a parser.Args) error {
			c.Enter(IPsecProfileMode, c.Cfg.IPsec.Profile(a.Get("WORD"), true))
			return nil
		},
		Unset: func(c *Ctx, a parser.Args) error {
			c.Cfg.IPsec.DeleteProfile(a.Get("WORD"))
			return nil
		},
	})
	pfsSpec, pfsHelp := "set pfs [", []string{helpIPsecSet, "Specify pfs settings"}
	for i, g := range pfsGroups {
		if i > 0 {
			pfsSpec += "|"
		}
		pfsSpec += g[0]
		pfsHelp = append(pfsHelp, g[1])
	}
	pfsSpec += "]"
	IPsecProfileMode.Add(
		&Command{
			Spec: "set transform-set WORD [WORD [WORD [WORD [WORD [WORD]]]]]",
			Help: []string{helpIPsecSet, "Specify list of transform sets in priority order", "Transform set name",
				"Transform set name", "Transform set name", "Transform set name", "Transform set name", "Transform set name"},
			No:    "set transform-set [WORD [WORD [WORD [WORD [WORD [WORD]]]]]]",
			Run:   setProfileTransformSets,
			Unset: unsetProfileTransformSets,
		},
		&Command{
			Spec: "set ikev2-profile WORD", Help: []string{helpIPsecSet, "Specify ikev2 Profile", "ikev2 Profile name"},
			No: "set ikev2-profile [WORD]",
			Run: func(c *Ctx, a parser.Args) error {
				ipsecProfile(c).IKEv2Profile = a.Get("WORD")
				return nil
			},
			Unset: func(c *Ctx, a parser.Args) error {
				ipsecProfile(c).IKEv2Profile = ""
				return nil
			},
		},
		&Command{
			Spec: "set isakmp-profile WORD", Help: []string{helpIPsecSet, "Specify isakmp Profile", "isakmp Profile name"},
			No: "set isakmp-profile [WORD]",
			Run: func(c *Ctx, a parser.Args) error {
				ipsecProfile(c).ISAKMPProfile = a.Get("WORD")
				c.NotApplied("IKEv1 (isakmp) profiles are not supported")
				return nil
			},
			Unset: func(c *Ctx, a parser.Args) error {
				ipsecProfile(c).ISAKMPProfile = ""
				return nil
			},
		},
		&Command{
			Spec: pfsSpec, Help: pfsHelp, No: "set pfs",
			Run: func(c *Ctx, a parser.Args) error {
				p := ipsecProfile(c)
				p.PFS, p.PFSDefault = "", true
				for _, g := range pfsGroups {
					if a.Has(g[0]) {
						p.PFS, p.PFSDefault = g[0], false
					}
				}
				return nil
			},
			Unset: func(c *Ctx, a parser.Args) error {
				p := ipsecProfile(c)
				p.PFS, p.PFSDefault = "", false
				return nil
			},
		},
		&Command{
			Spec: "set security-association lifetime {seconds <120-2592000>|kilobytes {<2560-4294967295>|disable}|days <1-30>}",
			Help: []string{helpIPsecSet, helpIPsecSA, helpIPsecLife, helpIPsecSeconds, "Security association duration in seconds",
				helpIPsecKB, "Security association duration in kilobytes", "Disable Volume-based Rekey",
				"Time-based key duration in days", "Security association duration in days"},
			No: "set security-association lifetime {seconds [<120-2592000>]|kilobytes [<2560-4294967295>|disable]|days [<1-30>]}",
			Run: func(c *Ctx, a parser.Args) error {
				p := ipsecProfile(c)
				switch {
				case a.Has("seconds"):
					p.LifetimeSeconds = a.Int("<120-2592000>")
				case a.Has("disable"):
					p.LifetimeKB, p.LifetimeKBDisable = 0, true
				case a.Has("kilobytes"):
					p.LifetimeKB, p.LifetimeKBDisable = a.Int("<2560-4294967295>"), false
				default:
					p.LifetimeDays = a.Int("<1-30>")
				}
				return nil
			},
			Unset: func(c *Ctx, a parser.Args) error {
				p := ipsecProfile(c)
				switch {
				case a.Has("seconds"):
					p.LifetimeSeconds = 0
				case a.Has("kilobytes"):
					p.LifetimeKB, p.LifetimeKBDisable = 0, false
				default:
					p.LifetimeDays = 0
				}
				return nil
			},
		},
		&Command{
			Spec: "set security-association idle-time <60-86400> [default]",
			Help: []string{helpIPsecSet, helpIPsecSA, "Automatically delete IPSec SAs after a given idle period.",
				"IPSec SA Idle time", "Start idle timer even when SA has not been used"},
			No: "set security-association idle-time [<60-86400> [default]]",
			Run: func(c *Ctx, a parser.Args) error {
				p := ipsecProfile(c)
				p.IdleTime, p.IdleTimeDefault = a.Int("<60-86400>"), a.Has("default")
				return nil
			},
			Unset: func(c *Ctx, a parser.Args) error {
				p := ipsecProfile(c)
				p.IdleTime, p.IdleTimeDefault = 0, false
				return nil
			},
		},
		&Command{
			Spec: "set security-association " + replaySpec,
			Help: concat([]string{helpIPsecSet, helpIPsecSA}, replayHelp),
			No:   "set security-association replay [window-size [64|128|256|512|1024]|disable]",
			Run: func(c *Ctx, a parser.Args) error {
				p := ipsecProfile(c)
				ipsecReplay(a, &p.ReplayWindow, &p.ReplayDisable)
				return nil
			},
			Unset: func(c *Ctx, a parser.Args) error {
				p := ipsecProfile(c)
				p.ReplayWindow, p.ReplayDisable = 0, false
				return nil
			},
		},
		&Command{
			Spec: "set security-policy limit <0-50000>",
			Help: []string{helpIPsecSet, "Security Policy", "Limit the number of Security Policy", "Maximum number of Security Policy"},
			No:   "set security-policy limit [<0-50000>]",
			Run: func(c *Ctx, a parser.Args) error {
				ipsecProfile(c).PolicyLimit = a.Int("<0-50000>")
				return nil
			},
			Unset: func(c *Ctx, a parser.Args) error {
				ipsecProfile(c).PolicyLimit = 0
				return nil
			},
		},
		keptCommand(keptSpec{
			Spec: "set reverse-route {distance <1-255>|tag <1-4294967295>|gateway A.B.C.D}",
			Help: []string{helpIPsecSet, "Reverse Route Injection.", "Distance of the RRI route", "Distance value",
				"Tag for the RRI route", "Tag value", "Next hop of the RRI route", "Next hop address"},
			KeyWords: 3, Reason: "reverse route injection is not supported",
		}, func(c *Ctx) *runningconfig.KeptLines { return &ipsecProfile(c).Kept }),
		&Command{
			Spec: "responder-only", Help: []string{"Do not initiate SAs from this device"},
			Run: func(c *Ctx, a parser.Args) error {
				ipsecProfile(c).ResponderOnly = true
				return nil
			},
			Unset: func(c *Ctx, a parser.Args) error {
				ipsecProfile(c).ResponderOnly = false
				return nil
			},
		},
	)
}

// setProfileTransformSets checks that every named transform-set exists
// (the IOS crypto map check) and replaces the profile's list.
func setProfileTransformSets(c *Ctx, a parser.Args) error {
	names := a.All("WORD")
	for _, n := range names {
		if _, ok := c.Cfg.IPsec.TransformSets.Get(n); !ok {
			return Errorf("ERROR: transform set with tag \"%s\" does not exist.", n)
		}
	}
	ipsecProfile(c).TransformSets = names
	return nil
}

// unsetProfileTransformSets removes the named transform-sets, or all.
func unsetProfileTransformSets(c *Ctx, a parser.Args) error {
	p := ipsecProfile(c)
	names := a.All("WORD")
	if len(names) == 0 {
		p.TransformSets = nil
		return nil
	}
	p.TransformSets = slices.DeleteFunc(p.TransformSets, func(n string) bool { return slices.Contains(names, n) })
	return nil
}
