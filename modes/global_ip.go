package modes

import (
	"slices"
	"strings"

	"github.com/flexvpnd/flexvpnd/parser"
	runningconfig "github.com/flexvpnd/flexvpnd/running-config"
)

const (
	helpDomain    = "IP DNS Resolver"
	helpSSH       = "Configure ssh options"
	helpHTTP      = "HTTP server configuration"
	helpIPRouting = "Enable IP routing"
)

// Reasons given for the global lines that are stored but not acted on.
const (
	notAppliedDNS  = "DNS resolver settings are kept but not used by flexvpnd"
	notAppliedHTTP = "the HTTP server is not supported"
	notAppliedFwd  = "IP broadcast forwarding is not configured by flexvpnd"
)

// notApplied reports reason (if any) for a line that was stored.
func notApplied(c *Ctx, reason string) {
	if reason != "" {
		c.NotApplied(reason)
	}
}

// flag declares a command that sets a boolean (the `no` form clears it);
// reason, if not empty, is reported as not applied.
func flag(spec string, help []string, field func(*runningconfig.Config) *bool, on bool, reason string) *Command {
	return &Command{
		Spec: spec, Help: help,
		Run:   func(c *Ctx, a parser.Args) error { *field(c.Cfg) = on; notApplied(c, reason); return nil },
		Unset: func(c *Ctx, a parser.Args) error { *field(c.Cfg) = !on; notApplied(c, reason); return nil },
	}
}

// triState declares `X` / `no X` for a setting rendered either way.
func triState(spec string, help []string, field func(*runningconfig.Config) **bool, reason string) *Command {
	set := func(v bool) func(c *Ctx, a parser.Args) error {
		return func(c *Ctx, a parser.Args) error { *field(c.Cfg) = &v; notApplied(c, reason); return nil }
	}
	return &Command{Spec: spec, Help: help, Run: set(true), Unset: set(false)}
}

func init() {
	g := func(c *runningconfig.Config) *runningconfig.Global { return &c.Global }
	ConfigMode.Add(
		&Command{
			Spec: "ip domain {name|list} WORD",
			Help: []string{HelpIP, helpDomain, "Define the default domain name", "Domain name to complete unqualified host names", "Domain name"},
			No:   "ip domain {name|list} [WORD]",
			Run: func(c *Ctx, a parser.Args) error {
				setDomain(c.Cfg, a[2].Value, a.Get("WORD"))
				c.NotApplied(notAppliedDNS)
				return nil
			},
			Unset: func(c *Ctx, a parser.Args) error {
				a = stripNo(a)
				unsetDomain(c.Cfg, a[2].Value, a.Get("WORD"))
				return nil
			},
		},
		&Command{
			Spec: "ip domain-name WORD",
			Help: []string{HelpIP, "Define the default domain name", "Default domain name"},
			No:   "ip domain-name [WORD]",
			Run: func(c *Ctx, a parser.Args) error {
				c.Cfg.Global.DomainName = a.Get("WORD")
				c.NotApplied(notAppliedDNS)
				return nil
			},
			Unset: func(c *Ctx, a parser.Args) error {
				c.Cfg.Global.DomainName = ""
				return nil
			},
		},
		flag("ip domain lookup", []string{HelpIP, helpDomain, "Enable IP Domain Name System hostname translation"},
			func(c *runningconfig.Config) *bool { return &g(c).DomainLookupOff }, false, notAppliedDNS),
		&Command{
			Spec: "ip name-server A.B.C.D [A.B.C.D [A.B.C.D [A.B.C.D [A.B.C.D [A.B.C.D]]]]]",
			Help: []string{HelpIP, "Specify address of name server to use", "Domain server IP address (maximum of 6)",
				"Domain server IP address (maximum of 6)", "Domain server IP address (maximum of 6)", "Domain server IP address (maximum of 6)",
				"Domain server IP address (maximum of 6)", "Domain server IP address (maximum of 6)"},
			Run: func(c *Ctx, a parser.Args) error {
				ns := &c.Cfg.Global.NameServers
				for _, s := range a.All("A.B.C.D") {
					if !slices.Contains(*ns, s) {
						*ns = append(*ns, s)
					}
				}
				return nil // resolves FlexVPN peers and tunnel destinations
			},
			Unset: func(c *Ctx, a parser.Args) error {
				ns := &c.Cfg.Global.NameServers
				*ns = slices.DeleteFunc(*ns, func(s string) bool { return slices.Contains(a.All("A.B.C.D"), s) })
				return nil
			},
		},
		&Command{
			Spec: "ip host WORD A.B.C.D [A.B.C.D [A.B.C.D [A.B.C.D [A.B.C.D [A.B.C.D [A.B.C.D [A.B.C.D]]]]]]]",
			Help: concat([]string{HelpIP, "Add an entry to the ip hostname table", "Name of host"}, repeat("Host IP address", 8)),
			No:   "ip host WORD [A.B.C.D [A.B.C.D [A.B.C.D [A.B.C.D [A.B.C.D [A.B.C.D [A.B.C.D [A.B.C.D]]]]]]]]",
			Run: func(c *Ctx, a parser.Args) error {
				c.Cfg.Global.Hosts.Set(a.Get("WORD"), strings.Join(a.All("A.B.C.D"), " "))
				return nil // resolves FlexVPN peers and tunnel destinations
			},
			Unset: func(c *Ctx, a parser.Args) error {
				c.Cfg.Global.Hosts.Delete(a.Get("WORD"))
				return nil
			},
		},
		flag("ip routing", []string{HelpIP, helpIPRouting}, func(c *runningconfig.Config) *bool { return &g(c).IPRoutingOff }, false, ""),
		flag("ipv6 unicast-routing", []string{HelpIPv6, "Enable unicast routing"}, func(c *runningconfig.Config) *bool { return &g(c).IPv6Routing }, true, ""),
		flag("ip forward-protocol nd", []string{HelpIP, "Controls forwarding of physical and directed IP broadcasts", "Sun's Network Disk protocol"},
			func(c *runningconfig.Config) *bool { return &g(c).ForwardProtocolNDOff }, false, notAppliedFwd),
		triState("ip http server", []string{HelpIP, helpHTTP, "Enable HTTP server"}, func(c *runningconfig.Config) **bool { return &g(c).HTTPServer }, notAppliedHTTP),
		triState("ip http secure-server", []string{HelpIP, helpHTTP, "Enable HTTP secure server"}, func(c *runningconfig.Config) **bool { return &g(c).HTTPSecureServer }, notAppliedHTTP),
		&Command{
			Spec: "ip http authentication {local|enable|aaa}",
			Help: []string{HelpIP, helpHTTP, "Set http server authentication method", "Use local username and passwords", "Use enable passwords", "Use AAA access control methods"},
			No:   "ip http authentication [local|enable|aaa]",
			Run: func(c *Ctx, a parser.Args) error {
				c.Cfg.Global.HTTPAuth = a[3].Value
				c.NotApplied(notAppliedHTTP)
				return nil
			},
			Unset: func(c *Ctx, a parser.Args) error {
				c.Cfg.Global.HTTPAuth = ""
				return nil
			},
		},
		&Command{
			Spec: "ip radius source-interface IFNAME [vrf WORD]",
			Help: []string{HelpIP, "RADIUS configuration commands", "Specify interface for source address in RADIUS packets", "Interface name", "VPN Routing/Forwarding parameters", helpVRFName},
			No:   "ip radius source-interface [IFNAME [vrf WORD]]",
			Run: func(c *Ctx, a parser.Args) error {
				c.Cfg.Global.RadiusSource = strings.Join(strings.Fields(canonicalText(a[3:])), " ")
				c.NotApplied(notAppliedRADIUS)
				return nil
			},
			Unset: func(c *Ctx, a parser.Args) error {
				c.Cfg.Global.RadiusSource = ""
				return nil
			},
		},
		keptSSHOrHTTP("ssh", "{bulk-mode|rsa|server|client|logging|dh|maxstartups|dscp|precedence|break-string|stricthostkeycheck} LINE",
			[]string{helpSSH, "Optimize window size for large file transfers", "Configure RSA keypair name for SSH", "Configure server settings",
				"Configure client settings", "Configure logging for SSH", "Diffie-Hellman settings", "Maximum concurrent sessions allowed",
				"IP DSCP value for SSH traffic", "IP Precedence value for SSH traffic", "break-string", "Enable SSH Server Authentication",
				"Setting and its value"},
			func(c *runningconfig.Config) *runningconfig.KeptLines { return &c.Global.SSH.Other },
			"kept; the SSH server does not use this setting yet"),
		keptSSHOrHTTP("http", "{client|secure-trustpoint|timeout-policy|max-connections|access-class|port|secure-port|secure-ciphersuite|active-session-modules|secure-active-session-modules|session-module-list} LINE",
			[]string{helpHTTP, "HTTP client configuration", "Set the domain name of the CA", "Set HTTP server time-out policy parameters",
				"Set maximum number of concurrent http connections", "Restrict http server access by access-class", "HTTP port",
				"Set http secure server port number for listening", "Set http secure server ciphersuite", "Set active session modules",
				"Set active session modules for HTTPS", "Set HTTP session module list", "Setting and its value"},
			func(c *runningconfig.Config) *runningconfig.KeptLines { return &c.Global.HTTPOther },
			notAppliedHTTP),
		&Command{
			Spec: "ip ssh version <1-2>",
			Help: []string{HelpIP, helpSSH, "Specify protocol version supported", "Protocol version"},
			No:   "ip ssh version [<1-2>]",
			Run:  func(c *Ctx, a parser.Args) error { c.Cfg.Global.SSH.Version = a.Int("<1-2>"); return nil },
			Unset: func(c *Ctx, a parser.Args) error {
				c.Cfg.Global.SSH.Version = 0
				return nil
			},
		},
		&Command{
			// IOS only has `ip ssh port N rotary N` (reverse SSH); the
			// appliance also takes the port alone as its listen port.
			Spec: "ip ssh port <1-65535> [rotary <0-127>]",
			Help: []string{HelpIP, helpSSH, "Starting port number to listen on", "Port number", "Specify the rotary group to use", "Rotary group number"},
			No:   "ip ssh port [<1-65535> [rotary <0-127>]]",
			Run: func(c *Ctx, a parser.Args) error {
				s := &c.Cfg.Global.SSH
				s.Port, s.Rotary = a.Int("<1-65535>"), nil
				if a.Has("rotary") {
					r := a.Int("<0-127>")
					s.Rotary = &r
				}
				return nil
			},
			Unset: func(c *Ctx, a parser.Args) error {
				c.Cfg.Global.SSH.Port, c.Cfg.Global.SSH.Rotary = 0, nil
				return nil
			},
		},
		&Command{
			Spec: "ip ssh time-out <1-120>",
			Help: []string{HelpIP, helpSSH, "Specify SSH time-out interval", "SSH time-out interval (secs)"},
			No:   "ip ssh time-out [<1-120>]",
			Run:  func(c *Ctx, a parser.Args) error { c.Cfg.Global.SSH.Timeout = a.Int("<1-120>"); return nil },
			Unset: func(c *Ctx, a parser.Args) error {
				c.Cfg.Global.SSH.Timeout = 0
				return nil
			},
		},
		&Command{
			Spec: "ip ssh authentication-retries <0-5>",
			Help: []string{HelpIP, helpSSH, "Specify number of authentication retries", "Number of authentication retries"},
			No:   "ip ssh authentication-retries [<0-5>]",
			Run: func(c *Ctx, a parser.Args) error {
				n := a.Int("<0-5>")
				c.Cfg.Global.SSH.AuthRetries = &n
				return nil
			},
			Unset: func(c *Ctx, a parser.Args) error {
				c.Cfg.Global.SSH.AuthRetries = nil
				return nil
			},
		},
		&Command{
			Spec: "ip ssh source-interface IFNAME",
			Help: []string{HelpIP, helpSSH, "Specify interface for source address in SSH connections", "Interface name"},
			No:   "ip ssh source-interface [IFNAME]",
			Run:  func(c *Ctx, a parser.Args) error { c.Cfg.Global.SSH.SourceInterface = a.Get("IFNAME"); return nil },
			Unset: func(c *Ctx, a parser.Args) error {
				c.Cfg.Global.SSH.SourceInterface = ""
				return nil
			},
		},
	)
}

// keptSSHOrHTTP declares `ip ssh|http SETTING LINE` lines kept verbatim: a
// line replaces the one with the same setting (the keyword and up to two
// more words before the value: `server algorithm mac`), `no ip ssh|http
// SETTING [...]` removes the lines of that setting.
func keptSSHOrHTTP(kw, spec string, help []string, lines func(*runningconfig.Config) *runningconfig.KeptLines, reason string) *Command {
	prefix := "ip " + kw + " "
	return &Command{
		Spec: prefix + spec, Help: append([]string{HelpIP}, help...),
		No: prefix + strings.TrimSuffix(spec, " LINE") + " [LINE]", NoHelp: append([]string{HelpIP}, help...),
		Run: func(c *Ctx, a parser.Args) error {
			words := strings.Fields(a.Get("LINE"))
			key := strings.Join(append([]string{prefix + a[2].Value}, words[:min(2, len(words)-1)]...), " ")
			lines(c.Cfg).Set(0, key, prefix+a[2].Value+" "+strings.Join(words, " "))
			c.NotApplied(reason)
			return nil
		},
		Unset: func(c *Ctx, a parser.Args) error {
			a = stripNo(a)
			lines(c.Cfg).Delete(strings.TrimSpace(prefix + a[2].Value + " " + a.Get("LINE")))
			return nil
		},
	}
}

func setDomain(c *runningconfig.Config, kind, name string) {
	if kind == "name" {
		c.Global.DomainName = name
		return
	}
	if !slices.Contains(c.Global.DomainList, name) {
		c.Global.DomainList = append(c.Global.DomainList, name)
	}
}

func unsetDomain(c *runningconfig.Config, kind, name string) {
	if kind == "name" {
		c.Global.DomainName = ""
		return
	}
	c.Global.DomainList = slices.DeleteFunc(c.Global.DomainList, func(s string) bool { return name == "" || s == name })
}

// repeat returns n copies of s.
func repeat(s string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = s
	}
	return out
}
