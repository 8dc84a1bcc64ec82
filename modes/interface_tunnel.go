package modes

import (
	"strings"

	"github.com/flexvpnd/flexvpnd/parser"
	runningconfig "github.com/flexvpnd/flexvpnd/running-config"
)

// tunnelSetter is ifSetter for `tunnel` commands, which exist only on
// Tunnel and Virtual-Template type tunnel interfaces: elsewhere IOS rejects
// the first word.
func tunnelSetter(f func(c *Ctx, x *runningconfig.Interface, a parser.Args) error) func(*Ctx, parser.Args) error {
	return func(c *Ctx, a parser.Args) error {
		x := iface(c)
		if !x.IsTunnel() {
			first := 0
			if len(a) > 0 && a[0].Name == "no" {
				first = 1
			}
			return invalidWord(c.Line, first)
		}
		return f(c, x, a)
	}
}

// resolvable reports whether a tunnel destination host name resolves.
// flexvpnd has no DNS at configuration time: only `ip host` names resolve,
// and IOS rejects a name it cannot resolve (docs/corpus-rejections.md,
// 11:28; the exact IOS message is UNCONFIRMED, the caret error is used).
func resolvable(c *Ctx, name string) bool {
	_, ok := c.Cfg.Global.Hosts.Get(name)
	return ok
}

// lastValue is the value of the last matched token.
func lastValue(a parser.Args) string { return a[len(a)-1].Value }

func init() {
	InterfaceMode.Add(
		&Command{
			Spec: "tunnel source {IFNAME|A.B.C.D|X:X::X:X|dynamic}",
			Help: []string{HelpTunnel, "source of tunnel packets", helpIfName, "ip address", "IPv6 address", "Dynamic source"},
			No:   "tunnel source [IFNAME|A.B.C.D|X:X::X:X|dynamic]",
			Run: tunnelSetter(func(c *Ctx, x *runningconfig.Interface, a parser.Args) error {
				v := lastValue(a)
				if a.Has("X:X::X:X") {
					v = strings.ToUpper(v)
				}
				x.TunnelSource = v
				return nil
			}),
			Unset: tunnelSetter(func(c *Ctx, x *runningconfig.Interface, a parser.Args) error { x.TunnelSource = ""; return nil }),
		},
		&Command{
			Spec: "tunnel destination {A.B.C.D|X:X::X:X|dynamic|WORD}",
			Help: []string{HelpTunnel, "destination of tunnel", "ip address", "IPv6 address", "Dynamic destination", "ip address or host name"},
			No:   "tunnel destination [A.B.C.D|X:X::X:X|dynamic|WORD]",
			Run: tunnelSetter(func(c *Ctx, x *runningconfig.Interface, a parser.Args) error {
				v := lastValue(a)
				switch {
				case a.Has("WORD") && !resolvable(c, v):
					return invalidWord(c.Line, lastWord(c.Line))
				case a.Has("X:X::X:X"):
					v = strings.ToUpper(v)
				}
				x.TunnelDest = v
				return nil
			}),
			Unset: tunnelSetter(func(c *Ctx, x *runningconfig.Interface, a parser.Args) error { x.TunnelDest = ""; return nil }),
		},
		&Command{
			Spec: "tunnel mode {ipsec {ipv4 [v6-overlay]|ipv6 [v4-overlay]|dual-overlay}|gre {ip|ipv6|multipoint [ipv6]}}",
			Help: []string{HelpTunnel, "tunnel encapsulation method", "IPSec tunnel encapsulation", "over IPv4", "IPv6 over IPv4 tunnel",
				"over IPv6", "IPv4 over IPv6 tunnel", "IPv4 and IPv6 over IPv4/IPv6 tunnel", "generic route encapsulation protocol",
				"over IP", "over IPv6", "over IPv4 (multipoint)", "over IPv6 (multipoint)"},
			No: "tunnel mode [ipsec|gre]",
			Run: tunnelSetter(func(c *Ctx, x *runningconfig.Interface, a parser.Args) error {
				mode := canonLine(a.After("mode"))
				if mode == "gre ip" {
					mode = "" // the IOS default, not rendered
				}
				if strings.HasPrefix(mode, "gre") {
					c.NotApplied("GRE tunnel mode is not supported; only tunnel mode ipsec is applied")
				}
				x.TunnelMode = mode
				return nil
			}),
			Unset: tunnelSetter(func(c *Ctx, x *runningconfig.Interface, a parser.Args) error { x.TunnelMode = ""; return nil }),
		},
		&Command{
			Spec: "tunnel protection ipsec profile WORD [shared]",
			Help: []string{HelpTunnel, "Enable tunnel protection", "IPSec tunnel protection", "Determine the ipsec policy profile to use.",
				"ipsec profile name", "Share the IPSec SADB among tunnels using the same tunnel source"},
			No: "tunnel protection ipsec profile [WORD [shared]]",
			Run: tunnelSetter(func(c *Ctx, x *runningconfig.Interface, a parser.Args) error {
				x.TunnelProtection, x.TunnelProtectionShared = a.Get("WORD"), a.Has("shared")
				return nil
			}),
			Unset: tunnelSetter(func(c *Ctx, x *runningconfig.Interface, a parser.Args) error {
				x.TunnelProtection, x.TunnelProtectionShared = "", false
				return nil
			}),
		},
		&Command{
			Spec: "tunnel path-mtu-discovery", Help: []string{HelpTunnel, "Enable Path MTU Discovery on tunnel"},
			Run:   tunnelSetter(func(c *Ctx, x *runningconfig.Interface, a parser.Args) error { x.TunnelPMTUD = true; return nil }),
			Unset: tunnelSetter(func(c *Ctx, x *runningconfig.Interface, a parser.Args) error { x.TunnelPMTUD = false; return nil }),
		},
		&Command{
			Spec: "tunnel vrf WORD", Help: []string{HelpTunnel, "set tunnel vrf membership", "vrf name"},
			No:    "tunnel vrf [WORD]",
			Run:   tunnelSetter(func(c *Ctx, x *runningconfig.Interface, a parser.Args) error { x.TunnelVRF = a.Get("WORD"); return nil }),
			Unset: tunnelSetter(func(c *Ctx, x *runningconfig.Interface, a parser.Args) error { x.TunnelVRF = ""; return nil }),
		},
		&Command{
			Spec: "tunnel key <0-4294967295>", Help: []string{HelpTunnel, "security or selector key", "key"},
			No: "tunnel key [<0-4294967295>]",
			Run: tunnelSetter(func(c *Ctx, x *runningconfig.Interface, a parser.Args) error {
				x.TunnelKey = a.Get("<0-4294967295>")
				c.NotApplied("GRE tunnel keys are not supported")
				return nil
			}),
			Unset: tunnelSetter(func(c *Ctx, x *runningconfig.Interface, a parser.Args) error { x.TunnelKey = ""; return nil }),
		},
	)
}
