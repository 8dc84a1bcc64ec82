package modes

import (
	"github.com/flexvpnd/flexvpnd/parser"
	runningconfig "github.com/flexvpnd/flexvpnd/running-config"
)

// Help of the df-bit keywords (global and interface).
var dfBitHelp = []string{"Handling of encapsulated DF bit.", "Clear DF bit for encapsulated packets.",
	"Set DF bit for encapsulated packets.", "Copy DF bit from inner for encapsulated packets."}

// dfBitValue returns the stored df-bit setting ("" for copy, the default).
func dfBitValue(a parser.Args) string {
	switch {
	case a.Has("clear"):
		return "clear"
	case a.Has("set"):
		return "set"
	}
	return ""
}

func init() {
	globalHelp := []string{HelpCrypto, HelpIPsec}
	ConfigMode.Add(
		&Command{
			Spec: "crypto ipsec security-association lifetime {seconds <120-2592000>|kilobytes <2560-4294967295>}",
			Help: concat(globalHelp, []string{helpIPsecSA, helpIPsecLife, helpIPsecSeconds, "Security association duration in seconds",
				helpIPsecKB, "Security association duration in kilobytes"}),
			No: "crypto ipsec security-association lifetime {seconds [<120-2592000>]|kilobytes [<2560-4294967295>]}",
			Run: func(c *Ctx, a parser.Args) error {
				if a.Has("seconds") {
					c.Cfg.IPsec.LifetimeSeconds = a.Int("<120-2592000>")
				} else {
					c.Cfg.IPsec.LifetimeKB = a.Int("<2560-4294967295>")
				}
				return nil
			},
			Unset: func(c *Ctx, a parser.Args) error {
				if a.Has("seconds") {
					c.Cfg.IPsec.LifetimeSeconds = 0
				} else {
					c.Cfg.IPsec.LifetimeKB = 0
				}
				return nil
			},
		},
		&Command{
			Spec: "crypto ipsec security-association " + replaySpec,
			Help: concat(globalHelp, []string{helpIPsecSA}, replayHelp),
			No:   "crypto ipsec security-association replay [window-size [64|128|256|512|1024]|disable]",
			Run: func(c *Ctx, a parser.Args) error {
				ipsecReplay(a, &c.Cfg.IPsec.ReplayWindow, &c.Cfg.IPsec.ReplayDisable)
				return nil
			},
			Unset: func(c *Ctx, a parser.Args) error {
				c.Cfg.IPsec.ReplayWindow, c.Cfg.IPsec.ReplayDisable = 0, false
				return nil
			},
		},
		&Command{
			Spec: "crypto ipsec df-bit {clear|set|copy}",
			Help: concat(globalHelp, dfBitHelp),
			No:   "crypto ipsec df-bit [clear|set|copy]",
			Run: func(c *Ctx, a parser.Args) error {
				c.Cfg.IPsec.DFBit = dfBitValue(a)
				return nil
			},
			Unset: func(c *Ctx, a parser.Args) error {
				c.Cfg.IPsec.DFBit = ""
				return nil
			},
		},
		keptCommand(keptSpec{
			Spec: "crypto ipsec nat-transparency spi-matching",
			Help: concat(globalHelp, []string{"IPSec NAT transparency model", "Match inbound SPI to outbound SPI with IKE"}),
			Rank: 1, Reason: "SPI matching is not supported",
		}, ipsecKept),
		keptCommand(keptSpec{
			Spec: "crypto ipsec nat-transparency udp-encapsulation",
			Help: concat(globalHelp, []string{"IPSec NAT transparency model", "UDP encapsulation"}),
			Rank: 0, NegDefault: true, Reason: "disabling NAT-T UDP encapsulation is not supported",
		}, ipsecKept),
	)
}

func ipsecKept(c *Ctx) *runningconfig.KeptLines { return &c.Cfg.IPsec.Kept }
