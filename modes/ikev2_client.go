package modes

import (
	"strings"

	"github.com/flexvpnd/flexvpnd/parser"
	runningconfig "github.com/flexvpnd/flexvpnd/running-config"
)

// IKEv2NameManglerMode is `crypto ikev2 name-mangler NAME`:
// "Router(config-ikev2-name-mangler)#" (prompt UNCONFIRMED).
var IKEv2NameManglerMode = NewConfigMode("config-ikev2-name-mangler", "IKEv2 name mangler", ConfigMode)

// IKEv2FlexVPNMode is `crypto ikev2 client flexvpn NAME`:
// "Router(config-ikev2-flexvpn)#" (prompt UNCONFIRMED).
var IKEv2FlexVPNMode = NewConfigMode("config-ikev2-flexvpn", "IKEv2 FlexVPN client", ConfigMode)

// dnFields is the choice of certificate DN fields.
const dnFields = "{common-name|country|domain|locality|organization|organization-unit|state}"

var dnFieldHelp = []string{"Common name", "Country", "Domain component", "Locality", "Organization", "Organization unit", "State"}

// delimiters is the choice of EAP identity delimiters.
const delimiters = "{.|@|\\|/|%|#}"

var delimiterHelp = []string{"The delimiter is .", "The delimiter is @", "The delimiter is \\", "The delimiter is /",
	"The delimiter is %", "The delimiter is #"}

func init() {
	nm := func(c *Ctx) *runningconfig.NameMangler { return c.Frame.Obj.(*runningconfig.NameMangler) }
	// mangle declares a name-mangler line whose arguments are stored as
	// their canonical text after the keyword.
	mangle := func(kw, spec string, help []string, field func(*runningconfig.NameMangler) *string) *Command {
		return &Command{
			Spec: kw + " " + spec, Help: help,
			No: kw + " [LINE]", NoHelp: []string{help[0], helpV2Rest},
			Run: func(c *Ctx, a parser.Args) error {
				*field(nm(c)) = argText(a[1:])
				return nil
			},
			Unset: func(c *Ctx, a parser.Args) error { *field(nm(c)) = ""; return nil },
		}
	}
	IKEv2NameManglerMode.Add(
		mangle("fqdn", "{all|hostname|domain}", []string{"Derive the name from an FQDN identity", "The whole FQDN", "The host name part", "The domain part"},
			func(m *runningconfig.NameMangler) *string { return &m.FQDN }),
		mangle("email", "{all|username|domain}", []string{"Derive the name from an email identity", "The whole email", "The user name part", "The domain part"},
			func(m *runningconfig.NameMangler) *string { return &m.Email }),
		mangle("dn", dnFields, append([]string{"Derive the name from a DN identity"}, dnFieldHelp...),
			func(m *runningconfig.NameMangler) *string { return &m.DN }),
		mangle("eap", "{all|dn "+dnFields+"|prefix delimiter "+delimiters+"|suffix delimiter "+delimiters+"}",
			concat([]string{"Derive the name from an EAP identity", "The whole EAP identity", "The DN of the EAP identity"}, dnFieldHelp,
				[]string{"The prefix of the identity", "Delimiter"}, delimiterHelp,
				[]string{"The suffix of the identity", "Delimiter"}, delimiterHelp),
			func(m *runningconfig.NameMangler) *string { return &m.EAP }),
	)
	IKEv2FlexVPNMode.Add(clientCommands()...)
}

// clientCommands are the FlexVPN client commands.
func clientCommands() []*Command {
	cl := func(c *Ctx) *runningconfig.FlexVPNClient { return c.Frame.Obj.(*runningconfig.FlexVPNClient) }
	return []*Command{
		{
			Spec: "peer <1-10> {A.B.C.D|X:X::X:X|fqdn WORD [dynamic [ipv6]]} [track <1-1000> [up|down]]",
			Help: []string{"Specify a peer", "Peer sequence number", "Peer IPv4 address", "Peer IPv6 address", "Peer FQDN", "FQDN",
				"Resolve the FQDN when connecting", "Resolve to an IPv6 address", helpV2Track, helpV2TrackNum, "Peer usable when up", "Peer usable when down"},
			No:     "peer <1-10> [LINE]",
			NoHelp: []string{"Specify a peer", "Peer sequence number", helpV2Rest},
			Run: func(c *Ctx, a parser.Args) error {
				cl(c).SetPeer(runningconfig.ClientPeer{Seq: a.Int("<1-10>"), Address: clientPeerAddress(a),
					Track: a.Int("<1-1000>"), TrackState: firstMethod(a, "up", "down")})
				return nil
			},
			Unset: func(c *Ctx, a parser.Args) error { cl(c).RemovePeer(a.Int("<1-10>")); return nil },
		},
		{
			Spec:  "peer reactivate",
			Help:  []string{"Specify a peer", "Reactivate the primary peer when it comes back"},
			Run:   func(c *Ctx, a parser.Args) error { cl(c).PeerReactivate = true; return nil },
			Unset: func(c *Ctx, a parser.Args) error { cl(c).PeerReactivate = false; return nil },
		},
		{
			Spec:   "source <1-4> IFNAME [track <1-1000>]",
			Help:   []string{"Specify a source interface", "Source sequence number", "Source interface", helpV2Track, helpV2TrackNum},
			No:     "source <1-4> [LINE]",
			NoHelp: []string{"Specify a source interface", "Source sequence number", helpV2Rest},
			Run: func(c *Ctx, a parser.Args) error {
				cl(c).SetSource(runningconfig.ClientSource{Seq: a.Int("<1-4>"), Interface: a.Get("IFNAME"), Track: a.Int("<1-1000>")})
				return nil
			},
			Unset: func(c *Ctx, a parser.Args) error { cl(c).RemoveSource(a.Int("<1-4>")); return nil },
		},
		{
			Spec: "connect {auto|manual|track <1-1000> [up|down]}",
			Help: []string{"Specify when to connect", "Connect automatically", "Connect on demand",
				"Connect when an object tracks", helpV2TrackNum, "Connect when up", "Connect when down"},
			No:     "connect [LINE]",
			NoHelp: []string{"Specify when to connect", helpV2Rest},
			Run: func(c *Ctx, a parser.Args) error {
				cl(c).Connect = argText(a[1:])
				return nil
			},
			Unset: func(c *Ctx, a parser.Args) error { cl(c).Connect = ""; return nil },
		},
		{
			Spec: "client connect IFNAME",
			Help: []string{"Client options", "Tunnel interface of the client", "Tunnel interface"},
			No:   "client connect [IFNAME]",
			Run:  func(c *Ctx, a parser.Args) error { cl(c).ClientConnect = a.Get("IFNAME"); return nil },
			Unset: func(c *Ctx, a parser.Args) error {
				cl(c).ClientConnect = ""
				return nil
			},
		},
		{
			Spec: "client inside IFNAME",
			Help: []string{"Client options", "Inside interface of the client", "Inside interface"},
			Run: func(c *Ctx, a parser.Args) error {
				cl(c).ClientInside = runningconfig.AddUnique(cl(c).ClientInside, a.Get("IFNAME"))
				return nil
			},
			Unset: func(c *Ctx, a parser.Args) error {
				cl(c).ClientInside = runningconfig.RemoveValues(cl(c).ClientInside, a.Get("IFNAME"))
				return nil
			},
		},
	}
}

// argText joins the canonical values of matched tokens (full keywords,
// not the abbreviations typed).
func argText(a parser.Args) string {
	vals := make([]string, len(a))
	for i, x := range a {
		vals[i] = x.Value
	}
	return strings.Join(vals, " ")
}

// clientPeerAddress reads a FlexVPN client peer's address as rendered.
func clientPeerAddress(a parser.Args) string {
	if !a.Has("fqdn") {
		return addrArg(a)
	}
	s := "fqdn " + a.Get("WORD")
	if a.Has("dynamic") {
		s += " dynamic"
	}
	if a.Has("ipv6") {
		s += " ipv6"
	}
	return s
}
