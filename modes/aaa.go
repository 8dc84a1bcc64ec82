package modes

import (
	"strings"

	"github.com/flexvpnd/flexvpnd/parser"
	runningconfig "github.com/flexvpnd/flexvpnd/running-config"
)

// AttrListMode is `aaa attribute list NAME`: "Router(config-attr-list)#".
var AttrListMode = NewConfigMode("config-attr-list", "AAA attribute list", ConfigMode)

// ServerGroupMode is `aaa group server radius NAME`: "Router(config-sg-radius)#".
var ServerGroupMode = NewConfigMode("config-sg-radius", "Server group", ConfigMode)

// RadiusServerMode is `radius server NAME`: "Router(config-radius-server)#".
var RadiusServerMode = NewConfigMode("config-radius-server", "Radius Server", ConfigMode)

// notAppliedRADIUS is the reason given for the RADIUS blocks.
const notAppliedRADIUS = "RADIUS is not supported: the block is kept but not used"

const (
	helpAAAGroup  = "Use Server-group"
	helpGroupName = "Server-group name"
	helpLocal     = "Use local database."
	helpNone      = "NO authentication."
)

// methodSpec returns up to four methods, each one of kws or `group WORD`,
// with their help strings.
func methodSpec(kws []string, kwHelp []string) (string, []string) {
	one := "{" + strings.Join(kws, "|") + "|group WORD}"
	oneHelp := append(append([]string(nil), kwHelp...), helpAAAGroup, helpGroupName)
	spec := one + " [" + one + " [" + one + " [" + one + "]]]"
	return spec, concat(oneHelp, oneHelp, oneHelp, oneHelp)
}

// methods collects the methods of a method-list line: the args from index
// from on, with `group NAME` joined.
func methods(a parser.Args, from int) []string {
	var out []string
	for i := from; i < len(a); i++ {
		if a[i].Name == "group" && i+1 < len(a) {
			out = append(out, "group "+a[i+1].Value)
			i++
			continue
		}
		out = append(out, a[i].Value)
	}
	return out
}

// needNewModel rejects an aaa command while `aaa new-model` is off: IOS
// hides those commands, so the caret goes under the word after "aaa".
func needNewModel(c *Ctx) error {
	if c.Cfg.Global.AAA.NewModel {
		return nil
	}
	n := 1
	if f := strings.Fields(c.Line); len(f) > 0 && strings.EqualFold(f[0], "no") {
		n = 2
	}
	return invalidWord(c.Line, n)
}

func init() {
	authnSpec, authnHelp := methodSpec(
		[]string{"local", "local-case", "none", "enable", "line"},
		[]string{helpLocal, "Use case-sensitive local authentication.", helpNone, "Use enable password for authentication.", "Use line password for authentication."})
	authzSpec, authzHelp := methodSpec(
		[]string{"local", "none", "if-authenticated"},
		[]string{helpLocal, "No authorization (always succeeds).", "Succeed if user has authenticated."})
	authn := func(a *runningconfig.AAA) *[]*runningconfig.MethodList { return &a.Authentication }
	authz := func(a *runningconfig.AAA) *[]*runningconfig.MethodList { return &a.Authorization }
	const helpAuthn, helpAuthz = "Authentication configurations parameters.", "Authorization configurations parameters."
	for _, t := range [][2]string{{"login", "Set authentication lists for logins."}, {"ppp", "Set authentication lists for ppp."},
		{"dot1x", "Set authentication lists for IEEE 802.1x."}} {
		ConfigMode.Add(listCommand("authentication", helpAuthn, t[0], 1, []string{t[1]}, authnSpec, authnHelp, authn))
	}
	ConfigMode.Add(
		listCommand("authorization", helpAuthz, "{network|exec|credential-download|configuration|auth-proxy}", 1,
			[]string{"For network services.", "For starting an exec (shell).", "For downloading EAP credential from Local/RADIUS/LDAP",
				"For downloading configuration from AAA server", "For Authentication Proxy Services"}, authzSpec, authzHelp, authz),
		listCommand("authorization", helpAuthz, "commands <0-15>", 2,
			[]string{"For exec (shell) commands.", "Enable level"}, authzSpec, authzHelp, authz))
	ConfigMode.Add(
		&Command{
			Spec: "aaa new-model",
			Help: []string{HelpAAA, "Enable NEW access control commands and functions.(Disables OLD commands.)"},
			Run:  func(c *Ctx, a parser.Args) error { c.Cfg.Global.AAA.NewModel = true; return nil },
			Unset: func(c *Ctx, a parser.Args) error {
				c.Cfg.Global.AAA.NewModel = false
				return nil
			},
		},
		&Command{
			Spec: "aaa accounting LINE",
			Help: []string{HelpAAA, "Accounting configurations parameters.", "Accounting type, list name and methods"},
			Run: func(c *Ctx, a parser.Args) error {
				if err := needNewModel(c); err != nil {
					return err
				}
				acc := &c.Cfg.Global.AAA.Accounting
				text := strings.Join(strings.Fields(a.Get("LINE")), " ")
				for _, l := range *acc {
					if l == text {
						return nil
					}
				}
				*acc = append(*acc, text)
				c.NotApplied("AAA accounting is not supported")
				return nil
			},
			Unset: func(c *Ctx, a parser.Args) error {
				if err := needNewModel(c); err != nil {
					return err
				}
				acc := &c.Cfg.Global.AAA.Accounting
				text := strings.Join(strings.Fields(a.Get("LINE")), " ")
				out := (*acc)[:0]
				for _, l := range *acc {
					if l != text && !strings.HasPrefix(l, text+" ") {
						out = append(out, l)
					}
				}
				*acc = out
				return nil
			},
		},
		&Command{
			Spec: "aaa session-id {common|unique}",
			Help: []string{HelpAAA, "AAA Session ID", "Common Session ID", "Unique Session ID"},
			No:   "aaa session-id [common|unique]",
			Run: func(c *Ctx, a parser.Args) error {
				if err := needNewModel(c); err != nil {
					return err
				}
				c.Cfg.Global.AAA.SessionID = a[2].Value
				if c.Cfg.Global.AAA.SessionID == "common" {
					c.Cfg.Global.AAA.SessionID = ""
				}
				return nil
			},
			Unset: func(c *Ctx, a parser.Args) error {
				c.Cfg.Global.AAA.SessionID = ""
				return nil
			},
		},
		&Command{
			Spec: "aaa attribute list WORD",
			Help: []string{HelpAAA, "AAA attribute definitions", "AAA attribute list definitions", "name of the attribute list"},
			Run: func(c *Ctx, a parser.Args) error {
				if err := needNewModel(c); err != nil {
					return err
				}
				name := a.Get("WORD")
				l, ok := c.Cfg.Global.AAA.AttrLists.Get(name)
				if !ok {
					l = &runningconfig.AttrList{Name: name}
					c.Cfg.Global.AAA.AttrLists.Set(name, l)
				}
				c.Enter(AttrListMode, l)
				return nil
			},
			Unset: func(c *Ctx, a parser.Args) error {
				c.Cfg.Global.AAA.AttrLists.Delete(a.Get("WORD"))
				return nil
			},
		},
		&Command{
			Spec: "aaa group server radius WORD",
			Help: []string{HelpAAA, "AAA group definitions", "AAA Server group definitions", "Radius server-group definition", "Server group name"},
			Run: func(c *Ctx, a parser.Args) error {
				if err := needNewModel(c); err != nil {
					return err
				}
				name := a.Get("WORD")
				g, ok := c.Cfg.Global.AAA.Groups.Get(name)
				if !ok {
					g = &runningconfig.ServerGroup{Protocol: "radius", Name: name}
					c.Cfg.Global.AAA.Groups.Set(name, g)
				}
				c.NotApplied(notAppliedRADIUS)
				c.Enter(ServerGroupMode, g)
				return nil
			},
			Unset: func(c *Ctx, a parser.Args) error {
				c.Cfg.Global.AAA.Groups.Delete(a.Get("WORD"))
				return nil
			},
		},
		&Command{
			Spec: "radius server WORD",
			Help: []string{"RADIUS server configuration command", "Server configuration", "Name for the radius server configuration"},
			Run: func(c *Ctx, a parser.Args) error {
				name := a.Get("WORD")
				r, ok := c.Cfg.Global.AAA.RadiusServers.Get(name)
				if !ok {
					r = &runningconfig.RadiusServer{Name: name}
					c.Cfg.Global.AAA.RadiusServers.Set(name, r)
				}
				c.NotApplied(notAppliedRADIUS)
				c.Enter(RadiusServerMode, r)
				return nil
			},
			Unset: func(c *Ctx, a parser.Args) error {
				c.Cfg.Global.AAA.RadiusServers.Delete(a.Get("WORD"))
				return nil
			},
		},
	)
	AttrListMode.Add(&Command{
		Spec: "attribute type WORD LINE",
		Help: []string{"attribute to be added to the list", "type of attribute", "name of the attribute", "value of the attribute and its options"},
		No:   "attribute type WORD [LINE]",
		Run: func(c *Ctx, a parser.Args) error {
			l := c.Frame.Obj.(*runningconfig.AttrList)
			text := a.Get("WORD") + " " + a.Get("LINE")
			for _, t := range l.Attrs {
				if t == text {
					return nil
				}
			}
			l.Attrs = append(l.Attrs, text)
			return nil
		},
		Unset: func(c *Ctx, a parser.Args) error {
			l := c.Frame.Obj.(*runningconfig.AttrList)
			text := a.Get("WORD")
			if a.Has("LINE") {
				text += " " + a.Get("LINE")
			}
			out := l.Attrs[:0]
			for _, t := range l.Attrs {
				if t != text && !strings.HasPrefix(t, text+" ") {
					out = append(out, t)
				}
			}
			l.Attrs = out
			return nil
		},
	})
	ServerGroupMode.Add(
		keptSub("server name WORD", []string{"Specify a RADIUS server", "Name of the RADIUS server", "Name of the RADIUS server"}, "", groupLines),
		keptSub("server A.B.C.D [auth-port <0-65535>] [acct-port <0-65535>]", []string{"Specify a RADIUS server", "IP address of RADIUS server",
			"UDP port for RADIUS authentication server (default is 1645)", "Port number", "UDP port for RADIUS accounting server (default is 1646)", "Port number"}, "", groupLines),
		keptSub("ip radius source-interface IFNAME", []string{HelpIP, "RADIUS server configuration commands", "Specify interface for source address in RADIUS packets", "Interface name"}, "ip radius source-interface", groupLines),
		keptSub("ip vrf forwarding WORD", []string{HelpIP, "VPN Routing/Forwarding parameters", "Configure forwarding table", "VPN Routing/Forwarding instance name"}, "ip vrf forwarding", groupLines),
		keptSub("deadtime <1-1440>", []string{"Specify time in minutes to ignore an unresponsive server", "time in minutes"}, "deadtime", groupLines),
	)
	RadiusServerMode.Add(
		keptSub("address {ipv4 A.B.C.D|ipv6 X:X::X:X} [auth-port <0-65535>] [acct-port <0-65535>]", []string{"Specify the radius server address",
			"IPv4 address", "IPv4 address of RADIUS server", "IPv6 address", "IPv6 address of RADIUS server",
			"UDP port for RADIUS authentication server (default is 1812)", "Port number", "UDP port for RADIUS accounting server (default is 1813)", "Port number"}, "address", radiusLines),
		keptSub("key [0|6|7] LINE", []string{"Per-server encryption key", "Specifies an UNENCRYPTED key will follow", "Specifies ENCRYPTED key will follow",
			"Specifies HIDDEN key will follow", "The UNENCRYPTED (cleartext) server key"}, "key", radiusLines),
		keptSub("timeout <1-1000>", []string{"Time to wait for a RADIUS server to reply", "Wait time (default 5 seconds)"}, "timeout", radiusLines),
		keptSub("retransmit <0-100>", []string{"Number of retries to active server (overrides default)", "Number of retries for a transaction (default is 3)"}, "retransmit", radiusLines),
	)
}

// listCommand is `aaa authentication|authorization TYPE LIST METHODS` for
// one type grammar of typeWords words (one command per type keeps each
// grammar small); the `no` form drops the methods.
func listCommand(service, serviceHelp, typeSpec string, typeWords int, typeHelp []string, methodSpec string, methodHelp []string,
	lists func(*runningconfig.AAA) *[]*runningconfig.MethodList) *Command {
	head := "aaa " + service + " " + typeSpec + " {default|WORD}"
	headHelp := concat([]string{HelpAAA, serviceHelp}, typeHelp, []string{"The default " + service + " list.", "Named " + service + " list."})
	typeOf := func(a parser.Args) (string, string) {
		return canonicalText(a[2 : 2+typeWords]), a[2+typeWords].Value
	}
	return &Command{
		Spec: head + " " + methodSpec, Help: concat(headHelp, methodHelp),
		No: head, NoHelp: headHelp,
		Run: func(c *Ctx, a parser.Args) error {
			if err := needNewModel(c); err != nil {
				return err
			}
			typ, name := typeOf(a)
			runningconfig.SetList(lists(&c.Cfg.Global.AAA), &runningconfig.MethodList{Type: typ, Name: name, Methods: methods(a, 3+typeWords)})
			return nil
		},
		Unset: func(c *Ctx, a parser.Args) error {
			if err := needNewModel(c); err != nil {
				return err
			}
			typ, name := typeOf(stripNo(a))
			runningconfig.DeleteList(lists(&c.Cfg.Global.AAA), typ, name)
			return nil
		},
	}
}

func groupLines(c *Ctx) *runningconfig.KeptLines {
	return &c.Frame.Obj.(*runningconfig.ServerGroup).Lines
}

func radiusLines(c *Ctx) *runningconfig.KeptLines {
	return &c.Frame.Obj.(*runningconfig.RadiusServer).Lines
}

// keptSub declares a sub-mode command stored verbatim in the KeptLines that
// lines returns: a new line replaces the one with the same key (key "" means
// the line is multi-valued, keyed by its whole text); the `no` form removes
// the lines starting with the key (or the whole text).
func keptSub(spec string, help []string, key string, lines func(*Ctx) *runningconfig.KeptLines) *Command {
	return &Command{
		Spec: spec, Help: help,
		Run: func(c *Ctx, a parser.Args) error {
			text := canonicalText(a)
			k := key
			if k == "" {
				k = text
			}
			lines(c).Set(0, k, text)
			return nil
		},
		Unset: func(c *Ctx, a parser.Args) error {
			k := key
			if k == "" {
				k = canonicalText(stripNo(a))
			}
			lines(c).Delete(k)
			return nil
		},
	}
}

// stripNo removes the leading `no` keyword from the args of a `no` form.
func stripNo(a parser.Args) parser.Args {
	if len(a) > 0 && a[0].Name == "no" {
		return a[1:]
	}
	return a
}

// canonicalText renders matched args with keywords in full and values as
// normalized by the parser.
func canonicalText(a parser.Args) string {
	parts := make([]string, len(a))
	for i, x := range a {
		parts[i] = x.Value
	}
	return strings.Join(parts, " ")
}
