package modes

import (
	"regexp"

	"github.com/flexvpnd/flexvpnd/parser"
	runningconfig "github.com/flexvpnd/flexvpnd/running-config"
)

// VRFMode is `vrf definition NAME` and `ip vrf NAME`: "Router(config-vrf)#".
var VRFMode = NewConfigMode("config-vrf", "VRF", ConfigMode)

// VRFAFMode is `address-family ipv4|ipv6` in a `vrf definition`:
// "Router(config-vrf-af)#".
var VRFAFMode = NewConfigMode("config-vrf-af", "VRF Address Family", VRFMode)

// extCommunity is the form of a route distinguisher or route target:
// ASN:nn or A.B.C.D:nn.
var extCommunity = regexp.MustCompile(`^(\d{1,10}|\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}):\d{1,10}$`)

const (
	helpRouteTarget = "Specify Target VPN Extended Communities"
	helpRTValue     = "Target VPN Extended Community (ASN:nn or IP-address:nn)"
)

// rtCommand is `route-target import|export|both VALUE` for the object whose
// kept lines lines returns; `both` stores an export and an import line, as
// IOS shows it.
func rtCommand(lines func(*Ctx) *runningconfig.KeptLines) *Command {
	return &Command{
		Spec: "route-target {import|export|both} WORD",
		Help: []string{helpRouteTarget, "Import Target-VPN community", "Export Target-VPN community", "Both import and export Target-VPN community", helpRTValue},
		Run: func(c *Ctx, a parser.Args) error {
			return forRT(c, a, func(dir, v string) {
				rank := 1
				if dir == "import" {
					rank = 2
				}
				text := "route-target " + dir + " " + v
				lines(c).Set(rank, text, text)
			})
		},
		Unset: func(c *Ctx, a parser.Args) error {
			return forRT(c, stripNo(a), func(dir, v string) { lines(c).Delete("route-target " + dir + " " + v) })
		},
	}
}

// forRT checks the route-target value and calls f for each direction.
func forRT(c *Ctx, a parser.Args, f func(dir, v string)) error {
	v := a.Get("WORD")
	if !extCommunity.MatchString(v) {
		return invalidWord(c.Line, lastWord(c.Line))
	}
	dir := a[1].Value
	if dir == "both" {
		f("export", v)
		f("import", v)
		return nil
	}
	f(dir, v)
	return nil
}

func vrfOf(c *Ctx) *runningconfig.VRF { return c.Frame.Obj.(*runningconfig.VRF) }

// enterVRF creates (or finds) the VRF and enters VRF mode; a VRF cannot be
// both a `vrf definition` and an `ip vrf` (message UNCONFIRMED).
func enterVRF(c *Ctx, name string, legacy bool) error {
	v, ok := c.Cfg.Global.VRFs.Get(name)
	if ok && v.Legacy != legacy {
		return Errorf("%% VRF %s exists but is not a %s VRF", name, map[bool]string{true: "legacy (ip vrf)", false: "multi-protocol (vrf definition)"}[legacy])
	}
	if !ok {
		v = &runningconfig.VRF{Name: name, Legacy: legacy}
		c.Cfg.Global.VRFs.Set(name, v)
	}
	c.Enter(VRFMode, v)
	return nil
}

func init() {
	ConfigMode.Add(
		&Command{
			Spec: "vrf definition WORD",
			Help: []string{"Configure VRF", "VRF definition", "VRF name"},
			Run:  func(c *Ctx, a parser.Args) error { return enterVRF(c, a.Get("WORD"), false) },
			Unset: func(c *Ctx, a parser.Args) error {
				return deleteVRF(c, a.Get("WORD"), false)
			},
		},
		&Command{
			Spec: "ip vrf WORD",
			Help: []string{HelpIP, "Configure an IP VPN Routing/Forwarding instance", "VPN Routing/Forwarding instance name"},
			Run:  func(c *Ctx, a parser.Args) error { return enterVRF(c, a.Get("WORD"), true) },
			Unset: func(c *Ctx, a parser.Args) error {
				return deleteVRF(c, a.Get("WORD"), true)
			},
		},
	)
	VRFMode.Add(
		&Command{
			Spec: "rd WORD",
			Help: []string{"Specify Route Distinguisher", "VPN Route Distinguisher (ASN:nn or IP-address:nn)"},
			No:   "rd [WORD]",
			Run: func(c *Ctx, a parser.Args) error {
				if !extCommunity.MatchString(a.Get("WORD")) {
					return invalidWord(c.Line, 1)
				}
				vrfOf(c).RD = a.Get("WORD")
				return nil
			},
			Unset: func(c *Ctx, a parser.Args) error { vrfOf(c).RD = ""; return nil },
		},
		&Command{
			Spec: "description LINE",
			Help: []string{"VRF specific description", "Up to 244 characters describing this VRF"},
			No:   "description [LINE]",
			Run:  func(c *Ctx, a parser.Args) error { vrfOf(c).Description = a.Get("LINE"); return nil },
			Unset: func(c *Ctx, a parser.Args) error {
				vrfOf(c).Description = ""
				return nil
			},
		},
		rtCommand(func(c *Ctx) *runningconfig.KeptLines { return &vrfOf(c).Lines }),
		&Command{
			Spec: "address-family {ipv4|ipv6}",
			Help: []string{"Enter Address Family command mode", "Address family", "Address family"},
			Run: func(c *Ctx, a parser.Args) error {
				v := vrfOf(c)
				if v.Legacy {
					return invalidWord(c.Line, 0)
				}
				name := a[1].Value
				af, ok := v.AFs.Get(name)
				if !ok {
					af = &runningconfig.VRFAF{Name: name}
					v.AFs.Set(name, af)
				}
				c.Enter(VRFAFMode, af)
				return nil
			},
			Unset: func(c *Ctx, a parser.Args) error {
				v := vrfOf(c)
				if v.Legacy {
					return invalidWord(c.Line, 1)
				}
				v.AFs.Delete(a[2].Value)
				c.Cfg.DeleteRoutesIn(v.Name, a[2].Value)
				return nil
			},
		},
	)
	VRFAFMode.Add(
		&Command{
			Spec: "exit-address-family",
			Help: []string{"Exit from Address Family configuration mode"},
			No:   "-",
			Run: func(c *Ctx, a parser.Args) error {
				c.S.stack = c.S.stack[:c.level]
				return nil
			},
		},
		rtCommand(func(c *Ctx) *runningconfig.KeptLines {
			return &c.Frame.Obj.(*runningconfig.VRFAF).Lines
		}),
	)
}

// deleteVRF removes a VRF of the given kind and its static routes (IOS:
// "% VRF NAME does not exist" when there is none, UNCONFIRMED).
func deleteVRF(c *Ctx, name string, legacy bool) error {
	v, ok := c.Cfg.Global.VRFs.Get(name)
	if !ok || v.Legacy != legacy {
		return Errorf("%% VRF %s does not exist", name)
	}
	c.Cfg.Global.VRFs.Delete(name)
	c.Cfg.DeleteRoutesIn(name, "")
	return nil
}
