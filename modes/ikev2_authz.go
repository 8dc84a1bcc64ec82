package modes

import (
	"github.com/flexvpnd/flexvpnd/parser"
	runningconfig "github.com/flexvpnd/flexvpnd/running-config"
)

// IKEv2AuthzMode is `crypto ikev2 authorization policy NAME`:
// "Router(config-ikev2-author-policy)#".
var IKEv2AuthzMode = NewConfigMode("config-ikev2-author-policy", "IKEv2 authorization policy", ConfigMode)

// Help of the authorization policy's shared keywords.
const (
	helpV2Route    = "Routes to be pushed to or accepted from the peer"
	helpV2RouteSet = "Set routes to be pushed to the peer"
	helpV2AuthzV6  = "IPv6 attributes"
	helpV2DNSSrv   = "DNS server address"
	helpV2Second   = "Second server address"
)

// authzOf returns the authorization policy a line edits.
func authzOf(c *Ctx) *runningconfig.AuthorizationPolicy {
	return c.Frame.Obj.(*runningconfig.AuthorizationPolicy)
}

// authzString declares a single-valued command storing its argument arg
// in field; `no` takes the argument optionally.
func authzString(spec string, help []string, field func(*runningconfig.AuthorizationPolicy) *string, arg string) *Command {
	return &Command{
		Spec: spec, Help: help,
		No:    spec[:len(spec)-len(arg)] + "[" + arg + "]",
		Run:   func(c *Ctx, a parser.Args) error { *field(authzOf(c)) = a.Get(arg); return nil },
		Unset: func(c *Ctx, a parser.Args) error { *field(authzOf(c)) = ""; return nil },
	}
}

// authzServers declares `KW ADDR [ADDR]` (one or two servers).
func authzServers(spec string, help []string, field func(*runningconfig.AuthorizationPolicy) *[]string, arg string) *Command {
	return &Command{
		Spec: spec + " " + arg + " [" + arg + "$second]", Help: help,
		No: spec + " [" + arg + " [" + arg + "$second]]",
		Run: func(c *Ctx, a parser.Args) error {
			*field(authzOf(c)) = a.All(arg)
			if s := a.Get("second"); s != "" {
				*field(authzOf(c)) = append(*field(authzOf(c)), s)
			}
			return nil
		},
		Unset: func(c *Ctx, a parser.Args) error { *field(authzOf(c)) = nil; return nil },
	}
}

// authzFlag declares a flag command.
func authzFlag(kw, help string, field func(*runningconfig.AuthorizationPolicy) *bool) *Command {
	return &Command{
		Spec: kw, Help: []string{help},
		Run:   func(c *Ctx, a parser.Args) error { *field(authzOf(c)) = true; return nil },
		Unset: func(c *Ctx, a parser.Args) error { *field(authzOf(c)) = false; return nil },
	}
}

// authzList declares a command adding its WORD to a list; `no` removes it
// (all without an argument).
func authzList(spec string, help []string, field func(*runningconfig.AuthorizationPolicy) *[]string) *Command {
	return &Command{
		Spec: spec, Help: help,
		No: spec[:len(spec)-len("WORD")] + "[WORD]",
		Run: func(c *Ctx, a parser.Args) error {
			*field(authzOf(c)) = runningconfig.AddUnique(*field(authzOf(c)), a.Get("WORD"))
			return nil
		},
		Unset: func(c *Ctx, a parser.Args) error {
			if w := a.Get("WORD"); w != "" {
				*field(authzOf(c)) = runningconfig.RemoveValues(*field(authzOf(c)), w)
			} else {
				*field(authzOf(c)) = nil
			}
			return nil
		},
	}
}

func init() {
	IKEv2AuthzMode.Add(
		authzString("pool WORD", []string{"Specify the local address pool", "Name of the pool"},
			func(p *runningconfig.AuthorizationPolicy) *string { return &p.Pool }, "WORD"),
		authzString("ipv6 pool WORD", []string{helpV2AuthzV6, "Specify the local IPv6 address pool", "Name of the pool"},
			func(p *runningconfig.AuthorizationPolicy) *string { return &p.IPv6Pool }, "WORD"),
		authzServers("dns", []string{"Specify DNS server addresses", helpV2DNSSrv, helpV2Second},
			func(p *runningconfig.AuthorizationPolicy) *[]string { return &p.DNS }, "A.B.C.D"),
		authzServers("ipv6 dns", []string{helpV2AuthzV6, "Specify IPv6 DNS server addresses", helpV2DNSSrv, helpV2Second},
			func(p *runningconfig.AuthorizationPolicy) *[]string { return &p.IPv6DNS }, "X:X::X:X"),
		authzServers("wins", []string{"Specify WINS server addresses", "WINS server address", helpV2Second},
			func(p *runningconfig.AuthorizationPolicy) *[]string { return &p.WINS }, "A.B.C.D"),
		authzString("netmask A.B.C.D", []string{"Specify the netmask of the assigned address", "Netmask"},
			func(p *runningconfig.AuthorizationPolicy) *string { return &p.Netmask }, "A.B.C.D"),
		authzString("banner LINE", []string{"Specify the banner (one-line form: c text c)", "c banner-text c, where 'c' is a delimiting character"},
			func(p *runningconfig.AuthorizationPolicy) *string { return &p.Banner }, "LINE"),
		authzString("def-domain WORD", []string{"Specify the default domain", "Domain name"},
			func(p *runningconfig.AuthorizationPolicy) *string { return &p.DefDomain }, "WORD"),
		authzString("aaa attribute list WORD", []string{"AAA configuration", "AAA attributes", "AAA attribute list", "Name of the attribute list"},
			func(p *runningconfig.AuthorizationPolicy) *string { return &p.AAAAttrList }, "WORD"),
		authzList("split-dns WORD", []string{"Specify a split DNS domain name", helpV2Domain},
			func(p *runningconfig.AuthorizationPolicy) *[]string { return &p.SplitDNS }),
		authzFlag("pfs", "Enable Perfect Forward Secrecy", func(p *runningconfig.AuthorizationPolicy) *bool { return &p.PFS }),
		&Command{
			Spec: "ipsec flow-limit <0-50000>",
			Help: []string{"IPsec options", "Limit the number of IPsec flows", "Maximum number of flows"},
			No:   "ipsec flow-limit [<0-50000>]",
			Run: func(c *Ctx, a parser.Args) error {
				n := a.Int("<0-50000>")
				authzOf(c).FlowLimit = &n
				return nil
			},
			Unset: func(c *Ctx, a parser.Args) error { authzOf(c).FlowLimit = nil; return nil },
		},
	)
	IKEv2AuthzMode.Add(routeCommands()...)
	IKEv2AuthzMode.Add(clientOptionCommands()...)
}

// clientOptionCommands are the remote-access client options.
func clientOptionCommands() []*Command {
	return []*Command{
		authzList("backup-gateway WORD", []string{"Specify a backup gateway pushed to the client", "Backup gateway name or address"},
			func(p *runningconfig.AuthorizationPolicy) *[]string { return &p.BackupGateways }),
		authzFlag("include-local-lan", "Allow the client access to its local LAN",
			func(p *runningconfig.AuthorizationPolicy) *bool { return &p.IncludeLocalLAN }),
		authzFlag("save-password", "Allow the client to save its password",
			func(p *runningconfig.AuthorizationPolicy) *bool { return &p.SavePassword }),
		authzFlag("smartcard-removal-disconnect", "Disconnect the client when its smartcard is removed",
			func(p *runningconfig.AuthorizationPolicy) *bool { return &p.SmartcardRemovalDisconnect }),
		authzString("subnet-acl WORD", []string{"Specify the protected subnets by an access list", "Access list name"},
			func(p *runningconfig.AuthorizationPolicy) *string { return &p.SubnetACL }, "WORD"),
		authzString("ipv6 subnet-acl WORD", []string{helpV2AuthzV6, "Specify the protected IPv6 subnets by an access list", "Access list name"},
			func(p *runningconfig.AuthorizationPolicy) *string { return &p.IPv6SubnetACL }, "WORD"),
		{
			Spec:  "ipv6 prefix <1-128>",
			Help:  []string{helpV2AuthzV6, "Specify the prefix length of the assigned IPv6 address", "Prefix length"},
			No:    "ipv6 prefix [<1-128>]",
			Run:   func(c *Ctx, a parser.Args) error { authzOf(c).IPv6Prefix = a.Int("<1-128>"); return nil },
			Unset: func(c *Ctx, a parser.Args) error { authzOf(c).IPv6Prefix = 0; return nil },
		},
	}
}

// routeCommands are the `route set|accept` commands.
func routeCommands() []*Command {
	return []*Command{
		{
			Spec: "route set interface [IFNAME]",
			Help: []string{helpV2Route, helpV2RouteSet, "Push the address of an interface", "Interface (default: the tunnel interface)"},
			Run: func(c *Ctx, a parser.Args) error {
				authzOf(c).RouteSetInterfaces = runningconfig.AddUnique(authzOf(c).RouteSetInterfaces, a.Get("IFNAME"))
				return nil
			},
			Unset: func(c *Ctx, a parser.Args) error {
				p := authzOf(c)
				if a.Has("IFNAME") {
					p.RouteSetInterfaces = runningconfig.RemoveValues(p.RouteSetInterfaces, a.Get("IFNAME"))
				} else {
					p.RouteSetInterfaces = nil
				}
				return nil
			},
		},
		{
			Spec: "route set access-list [ipv6] WORD",
			Help: []string{helpV2Route, helpV2RouteSet, "Push the routes of an access list", "IPv6 access list", "Access list name"},
			No:   "route set access-list [ipv6] [WORD]",
			Run: func(c *Ctx, a parser.Args) error {
				*aclField(authzOf(c), a) = a.Get("WORD")
				return nil
			},
			Unset: func(c *Ctx, a parser.Args) error {
				*aclField(authzOf(c), a) = ""
				return nil
			},
		},
		{
			Spec: "route set remote {ipv4 A.B.C.D A.B.C.D$mask|ipv6 X:X::X:X/M}",
			Help: []string{helpV2Route, helpV2RouteSet, "Push a remote subnet", "IPv4 subnet", "Network", "Mask", "IPv6 subnet", helpV2Prefix},
			Run: func(c *Ctx, a parser.Args) error {
				authzOf(c).RouteSetRemote = runningconfig.AddUnique(authzOf(c).RouteSetRemote, remoteRouteArg(a))
				return nil
			},
			Unset: func(c *Ctx, a parser.Args) error {
				authzOf(c).RouteSetRemote = runningconfig.RemoveValues(authzOf(c).RouteSetRemote, remoteRouteArg(a))
				return nil
			},
		},
		{
			Spec: "route accept any [tag <1-4294967295>] [distance <1-255>]",
			Help: []string{helpV2Route, "Accept routes from the peer", "Accept any route", "Tag of the installed routes", "Tag value",
				"Distance of the installed routes", "Distance value"},
			No:     "route accept [any]",
			NoHelp: []string{helpV2Route, "Accept routes from the peer", "Accept any route"},
			Run: func(c *Ctx, a parser.Args) error {
				p := authzOf(c)
				p.NoRouteAccept, p.RouteAcceptTag, p.RouteAcceptDistance = false, a.Int("<1-4294967295>"), a.Int("<1-255>")
				return nil
			},
			Unset: func(c *Ctx, a parser.Args) error {
				p := authzOf(c)
				p.NoRouteAccept, p.RouteAcceptTag, p.RouteAcceptDistance = true, 0, 0
				return nil
			},
		},
	}
}

// aclField returns the IPv4 or IPv6 route set access-list field.
func aclField(p *runningconfig.AuthorizationPolicy, a parser.Args) *string {
	if a.Has("ipv6") {
		return &p.RouteSetACLv6
	}
	return &p.RouteSetACL
}

// remoteRouteArg reads `route set remote` as rendered.
func remoteRouteArg(a parser.Args) string {
	if a.Has("ipv4") {
		return "ipv4 " + a.Get("A.B.C.D") + " " + a.Get("mask")
	}
	return "ipv6 " + a.Get("X:X::X:X/M")
}
