package modes

import (
	"net/netip"
	"strconv"

	"github.com/flexvpnd/flexvpnd/parser"
	runningconfig "github.com/flexvpnd/flexvpnd/running-config"
)

// Route option grammar shared by the set and `no` forms, in the order IOS
// prints the options (tag before name: seen in real running-configs).
const routeOpts = "[<1-255>] [tag <1-4294967295>] [name WORD$nhname] [permanent|track <1-1000>]"

var routeOptsHelp = []string{"Distance metric for this route", "Set tag for this route", "Tag value",
	"Specify name of the next hop", "Name of the next hop", "permanent route",
	"Install route depending on tracked item", "tracked object number"}

const route6Opts = "[<1-254>] [tag <1-4294967295>] [name WORD$nhname]"

var route6OptsHelp = []string{"Distance metric for this route", "Set tag for this route", "Tag value",
	"Specify name of the next hop", "Name of the next hop"}

const (
	helpRoute    = "Establish static routes"
	helpRouteVRF = "Configure static route for a VPN Routing/Forwarding instance"
	helpVRFName  = "VPN Routing/Forwarding instance name"
	helpNHIf     = "Forwarding interface"
)

func init() {
	v4Head := "ip route [vrf WORD] A.B.C.D$dst A.B.C.D$mask "
	v4HeadHelp := []string{HelpIP, helpRoute, helpRouteVRF, helpVRFName, "Destination prefix", "Destination prefix mask"}
	v4Gw := "{IFNAME [A.B.C.D$nh]|A.B.C.D$nh}"
	v4GwHelp := []string{helpNHIf, "Forwarding router's address", "Forwarding router's address"}
	v6Head := "ipv6 route [vrf WORD] X:X::X:X/M "
	v6HeadHelp := []string{HelpIPv6, helpRoute, helpRouteVRF, helpVRFName, "IPv6 prefix"}
	v6Gw := "{IFNAME [X:X::X:X$nh]|X:X::X:X$nh}"
	v6GwHelp := []string{helpNHIf, "IPv6 address of next-hop", "IPv6 address of next-hop"}
	ConfigMode.Add(
		&Command{
			Spec:  v4Head + v4Gw + " " + routeOpts,
			Help:  concat(v4HeadHelp, v4GwHelp, routeOptsHelp),
			No:    v4Head + "[" + v4Gw + " " + routeOpts + "]",
			Run:   func(c *Ctx, a parser.Args) error { return setRoute(c, a, false) },
			Unset: func(c *Ctx, a parser.Args) error { return unsetRoute(c, a, false) },
		},
		&Command{
			Spec:  v6Head + v6Gw + " " + route6Opts,
			Help:  concat(v6HeadHelp, v6GwHelp, route6OptsHelp),
			No:    v6Head + "[" + v6Gw + " " + route6Opts + "]",
			Run:   func(c *Ctx, a parser.Args) error { return setRoute(c, a, true) },
			Unset: func(c *Ctx, a parser.Args) error { return unsetRoute(c, a, true) },
		},
	)
}

// parseRoute builds the route a line describes and checks it: the VRF must
// exist with the address family, and an IPv4 destination must agree with
// its mask.
func parseRoute(c *Ctx, a parser.Args, v6 bool) (*runningconfig.IPRoute, error) {
	r := &runningconfig.IPRoute{VRF: a.Get("WORD"), Iface: a.Get("IFNAME"), Name: a.Get("nhname"),
		Permanent: a.Has("permanent"), Track: a.Int("<1-1000>")}
	if r.VRF != "" {
		af := "ipv4"
		if v6 {
			af = "ipv6"
		}
		if v, ok := c.Cfg.Global.VRFs.Get(r.VRF); !ok || !v.HasAF(af) {
			return nil, Errorf("%% IP routing table %s does not exist. Create first", r.VRF)
		}
	}
	if v6 {
		p := netip.MustParsePrefix(a.Get("X:X::X:X/M"))
		r.Prefix = p.Masked()
		r.Distance = a.Int("<1-254>")
	} else {
		dst := netip.MustParseAddr(a.Get("dst"))
		bits, ok := runningconfig.MaskBits(netip.MustParseAddr(a.Get("mask")))
		if !ok || netip.PrefixFrom(dst, bits).Masked().Addr() != dst {
			return nil, Msg("%Inconsistent address and mask")
		}
		r.Prefix = netip.PrefixFrom(dst, bits)
		r.Distance = a.Int("<1-255>")
	}
	if nh := a.Get("nh"); nh != "" {
		r.NextHop = netip.MustParseAddr(nh)
	}
	if t := a.Get("<1-4294967295>"); t != "" {
		r.Tag, _ = strconv.ParseUint(t, 10, 64)
	}
	return r, nil
}

func setRoute(c *Ctx, a parser.Args, v6 bool) error {
	r, err := parseRoute(c, a, v6)
	if err != nil {
		return err
	}
	c.Cfg.SetRoute(r)
	return nil
}

// unsetRoute removes the exact route, or every route to the prefix when
// no gateway is given.
func unsetRoute(c *Ctx, a parser.Args, v6 bool) error {
	r, err := parseRoute(c, a, v6)
	if err != nil {
		return err
	}
	if r.Iface != "" || r.NextHop.IsValid() {
		if !c.Cfg.DeleteRoute(r) {
			return Msg("%No matching route to delete")
		}
		return nil
	}
	found := false
	for _, o := range append([]*runningconfig.IPRoute(nil), c.Cfg.Routes...) {
		if o.VRF == r.VRF && o.Prefix == r.Prefix {
			c.Cfg.DeleteRoute(o)
			found = true
		}
	}
	if !found {
		return Msg("%No matching route to delete")
	}
	return nil
}
