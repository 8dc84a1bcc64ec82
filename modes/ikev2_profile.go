package modes

import (
	"github.com/flexvpnd/flexvpnd/parser"
	runningconfig "github.com/flexvpnd/flexvpnd/running-config"
)

// IKEv2ProfileMode is `crypto ikev2 profile NAME`:
// "Router(config-ikev2-profile)#".
var IKEv2ProfileMode = NewConfigMode("config-ikev2-profile", "IKEv2 profile", ConfigMode)

// Help of the profile's shared keywords.
const (
	helpV2Auth        = "Set authentication method"
	helpV2AAA         = "AAA configuration"
	helpV2Authorize   = "AAA authorization"
	helpV2AAAMethod   = "AAA method list"
	helpV2AAAList     = "AAA list name"
	helpV2AAAPolicy   = "Authorization policy name"
	helpV2NameMangler = "Name mangler"
	helpV2ManglerName = "Name of the name mangler"
	helpV2PSKAAA      = "AAA for pre-shared key authentication"
	helpV2CertAAA     = "AAA for certificate based authentication"
	helpV2EAPAAA      = "AAA for EAP authentication"
	helpV2ACAAA       = "AAA for AnyConnect EAP authentication"
	helpV2Config      = "Specify config-exchange options"
)

// aaaMethods is the method choice of the profile's aaa lines.
const aaaMethods = "{psk|cert|eap|anyconnect-eap}"

var aaaMethodHelp = []string{helpV2PSKAAA, helpV2CertAAA, helpV2EAPAAA, helpV2ACAAA}

// aaaListTail is what follows `list` in aaa authorization lines.
const aaaListTail = "list WORD$mlist [WORD$policy|name-mangler WORD$nm]"

var aaaListTailHelp = []string{helpV2AAAMethod, helpV2AAAList, helpV2AAAPolicy, helpV2NameMangler, helpV2ManglerName}

func init() {
	prof := func(c *Ctx) *runningconfig.Profile { return c.Frame.Obj.(*runningconfig.Profile) }
	IKEv2ProfileMode.Add(
		&Command{
			Spec:  "description LINE",
			Help:  []string{helpV2Description, "Up to 80 characters describing this profile"},
			No:    "description [LINE]",
			Run:   func(c *Ctx, a parser.Args) error { prof(c).Description = rawRest(c.Line, 1); return nil },
			Unset: func(c *Ctx, a parser.Args) error { prof(c).Description = ""; return nil },
		},
		&Command{
			Spec:  "match fvrf {any|WORD}",
			Help:  []string{helpV2Match, helpV2MatchFVRF, helpV2AnyVRF, helpV2VRFName},
			No:    "match fvrf [any|WORD]",
			Run:   func(c *Ctx, a parser.Args) error { prof(c).MatchFVRF = fvrfArg(a); return nil },
			Unset: func(c *Ctx, a parser.Args) error { prof(c).MatchFVRF = ""; return nil },
		},
		&Command{
			Spec: "match address local {A.B.C.D|X:X::X:X|interface IFNAME}",
			Help: []string{helpV2Match, helpV2MatchAddr, helpV2MatchLocal, helpV2IPv4, helpV2IPv6, "Local interface", "Interface name"},
			No:   "match address local [A.B.C.D|X:X::X:X|interface IFNAME]",
			Run: func(c *Ctx, a parser.Args) error {
				prof(c).MatchLocal = runningconfig.AddUnique(prof(c).MatchLocal, localMatchArg(a))
				return nil
			},
			Unset: func(c *Ctx, a parser.Args) error {
				p := prof(c)
				if v := localMatchArg(a); v != "" {
					p.MatchLocal = runningconfig.RemoveValues(p.MatchLocal, v)
				} else {
					p.MatchLocal = nil
				}
				return nil
			},
		},
		&Command{
			Spec: "match identity remote {address {A.B.C.D [A.B.C.D$mask]|X:X::X:X/M}|fqdn [domain] WORD|email [domain] WORD|key-id WORD|any}",
			Help: []string{helpV2Match, "Match remote identity", "Remote identity", "IP Address(es)", helpV2IPv4, helpV2Mask, helpV2Prefix,
				helpV2FQDN, "Use fqdn domain to match", helpV2Domain, helpV2Email, "Use email domain to match", helpV2Email,
				helpV2KeyID, helpV2KeyIDValue, "match any peer identity"},
			Run: func(c *Ctx, a parser.Args) error {
				p := prof(c)
				p.MatchIdentities = runningconfig.AddUnique(p.MatchIdentities, identityArgs(a))
				return nil
			},
			Unset: func(c *Ctx, a parser.Args) error {
				p := prof(c)
				p.MatchIdentities = runningconfig.RemoveValues(p.MatchIdentities, identityArgs(a))
				return nil
			},
		},
		&Command{
			Spec: "match certificate WORD",
			Help: []string{helpV2Match, "Match certificate attributes", "Certificate map name"},
			Run: func(c *Ctx, a parser.Args) error {
				prof(c).MatchCertificates = runningconfig.AddUnique(prof(c).MatchCertificates, a.Get("WORD"))
				return nil
			},
			Unset: func(c *Ctx, a parser.Args) error {
				prof(c).MatchCertificates = runningconfig.RemoveValues(prof(c).MatchCertificates, a.Get("WORD"))
				return nil
			},
		},
		&Command{
			Spec: "identity local {address {A.B.C.D|X:X::X:X}|dn|fqdn WORD|email WORD|key-id WORD}",
			Help: []string{"Specify the local IKE identity to use for the negotiation", "Local identity", "IP address",
				helpV2IPv4, helpV2IPv6, "Distinguished Name", helpV2FQDN, helpV2FQDN, helpV2Email, helpV2Email, helpV2KeyID, helpV2KeyIDValue},
			No:     "identity local [LINE]",
			NoHelp: []string{"Specify the local IKE identity to use for the negotiation", "Local identity", helpV2Rest},
			Run: func(c *Ctx, a parser.Args) error {
				id := identityArgs(a)
				prof(c).LocalIdentity = &id
				return nil
			},
			Unset: func(c *Ctx, a parser.Args) error { prof(c).LocalIdentity = nil; return nil },
		},
		authLocalCommand(prof),
		authRemoteCommand(prof),
	)
	IKEv2ProfileMode.Add(profileSettings(prof)...)
	IKEv2ProfileMode.Add(profileAAA(prof)...)
	IKEv2ProfileMode.Add(profileTail(prof)...)
}

// localMatchArg reads `match address local` arguments ("" when absent).
func localMatchArg(a parser.Args) string {
	if a.Has("interface") {
		return "interface " + a.Get("IFNAME")
	}
	return addrArg(a)
}

// preShareSpec is `pre-share [key [0|6] WORD]` for both directions.
const preShareSpec = "pre-share [key [0|6] WORD$psk]"

var preShareHelp = []string{helpV2PSKMethod, helpV2Key, helpV2Unencrypted, helpV2Encrypted, helpV2KeyValue}

// preShareMethod reads the pre-share method and its inline key.
func preShareMethod(a parser.Args) runningconfig.AuthMethod {
	m := runningconfig.AuthMethod{Method: "pre-share"}
	if a.Has("key") {
		m.Key = keyArg(a, "psk")
	}
	return m
}

// firstMethod returns the first of names matched in a.
func firstMethod(a parser.Args, names ...string) string {
	for _, n := range names {
		if a.Has(n) {
			return n
		}
	}
	return ""
}

func authLocalCommand(prof func(*Ctx) *runningconfig.Profile) *Command {
	return &Command{
		Spec: "authentication local {" + preShareSpec + "|rsa-sig|ecdsa-sig|eap [gtc|md5|mschapv2] [username WORD$user password [0|6] WORD$pass]}",
		Help: concat([]string{helpV2Auth, "Local authentication method"}, preShareHelp, []string{helpV2RSASig, helpV2ECDSASig, helpV2EAP,
			"EAP-GTC method", "EAP-MD5 method", "EAP-MSCHAPv2 method", "EAP username", "Username",
			"EAP password", helpV2Unencrypted, helpV2Encrypted, "Password"}),
		No:     "authentication local [LINE]",
		NoHelp: []string{helpV2Auth, "Local authentication method", helpV2Rest},
		Run: func(c *Ctx, a parser.Args) error {
			m := runningconfig.AuthMethod{Method: firstMethod(a, "pre-share", "rsa-sig", "ecdsa-sig", "eap")}
			switch m.Method {
			case "pre-share":
				m = preShareMethod(a)
			case "eap":
				m.EAPType = firstMethod(a, "gtc", "md5", "mschapv2")
				if a.Has("username") {
					m.Username, m.Password = a.Get("user"), keyArg(a, "pass")
				}
			}
			prof(c).AuthLocal = &m
			return nil
		},
		Unset: func(c *Ctx, a parser.Args) error { prof(c).AuthLocal = nil; return nil },
	}
}

func authRemoteCommand(prof func(*Ctx) *runningconfig.Profile) *Command {
	methods := "[pre-share|rsa-sig|ecdsa-sig|eap|anyconnect-eap]"
	return &Command{
		Spec: "authentication remote {" + preShareSpec + "|rsa-sig|ecdsa-sig|eap [query-identity|timeout <45-180>]|anyconnect-eap aggregate}",
		Help: concat([]string{helpV2Auth, "Remote authentication method"}, preShareHelp, []string{helpV2RSASig, helpV2ECDSASig, helpV2EAP,
			"Query EAP identity from the peer", "Timeout for EAP authentication", "Timeout in seconds",
			helpV2AnyConnect, "Aggregate authentication"}),
		No:     "authentication remote " + methods + " [LINE]",
		NoHelp: []string{helpV2Auth, "Remote authentication method", helpV2PSKMethod, helpV2RSASig, helpV2ECDSASig, helpV2EAP, helpV2AnyConnect, helpV2Rest},
		Run: func(c *Ctx, a parser.Args) error {
			m := runningconfig.AuthMethod{Method: firstMethod(a, "pre-share", "rsa-sig", "ecdsa-sig", "eap", "anyconnect-eap")}
			switch m.Method {
			case "pre-share":
				m = preShareMethod(a)
			case "eap":
				m.QueryIdentity, m.Timeout = a.Has("query-identity"), a.Int("<45-180>")
			case "anyconnect-eap":
				m.Aggregate = true
			}
			prof(c).AddAuthRemote(m)
			return nil
		},
		Unset: func(c *Ctx, a parser.Args) error {
			prof(c).RemoveAuthRemote(firstMethod(a, "pre-share", "rsa-sig", "ecdsa-sig", "eap", "anyconnect-eap"))
			return nil
		},
	}
}

// profileSettings are the keyring, trustpoint and timer commands.
func profileSettings(prof func(*Ctx) *runningconfig.Profile) []*Command {
	return []*Command{
		{
			Spec: "keyring {local WORD|aaa WORD [name-mangler WORD$nm]}",
			Help: []string{"Specify keyring to use", "Local keyring", "Keyring name", "AAA based keyring", helpV2AAAList,
				helpV2NameMangler, helpV2ManglerName},
			No:     "keyring [LINE]",
			NoHelp: []string{"Specify keyring to use", helpV2Rest},
			Run: func(c *Ctx, a parser.Args) error {
				prof(c).Keyring = &runningconfig.KeyringRef{AAA: a.Has("aaa"), Name: a.Get("WORD"), NameMangler: a.Get("nm")}
				return nil
			},
			Unset: func(c *Ctx, a parser.Args) error { prof(c).Keyring = nil; return nil },
		},
		{
			Spec: "pki trustpoint WORD [sign|verify]",
			Help: []string{"Specify PKI parameters", "Specify trustpoint", "Trustpoint name",
				"Use trustpoint for signing only", "Use trustpoint for verification only"},
			No: "pki trustpoint [WORD [sign|verify]]",
			Run: func(c *Ctx, a parser.Args) error {
				prof(c).AddTrustpoint(runningconfig.ProfileTrustpoint{Name: a.Get("WORD"), Use: firstMethod(a, "sign", "verify")})
				return nil
			},
			Unset: func(c *Ctx, a parser.Args) error {
				p := prof(c)
				name := a.Get("WORD")
				var keep []runningconfig.ProfileTrustpoint
				for _, t := range p.Trustpoints {
					if name != "" && t.Name != name {
						keep = append(keep, t)
					}
				}
				p.Trustpoints = keep
				return nil
			},
		},
		{
			Spec:  "lifetime <120-86400>",
			Help:  []string{"Specify lifetime for IKE SA", "Lifetime in seconds"},
			No:    "lifetime [<120-86400>]",
			Run:   func(c *Ctx, a parser.Args) error { prof(c).Lifetime = a.Int("<120-86400>"); return nil },
			Unset: func(c *Ctx, a parser.Args) error { prof(c).Lifetime = 0; return nil },
		},
		{
			Spec:  "dpd <10-3600> <2-60> {on-demand|periodic}",
			Help:  []string{"Enable IKE liveness check for peers", helpV2DPDIntv, helpV2DPDRetry, helpV2OnDemand, helpV2Periodic},
			No:    "dpd [<10-3600> <2-60> {on-demand|periodic}]",
			Run:   func(c *Ctx, a parser.Args) error { prof(c).DPD = dpdArgs(a); return nil },
			Unset: func(c *Ctx, a parser.Args) error { prof(c).DPD = nil; return nil },
		},
		{
			Spec:  "nat keepalive <5-3600>",
			Help:  []string{"Set NAT options", helpV2Keepalive, helpV2KeepSecs},
			No:    "nat keepalive [<5-3600>]",
			Run:   func(c *Ctx, a parser.Args) error { prof(c).NATKeepalive = a.Int("<5-3600>"); return nil },
			Unset: func(c *Ctx, a parser.Args) error { prof(c).NATKeepalive = 0; return nil },
		},
	}
}

// profileAAA are the `aaa ...` commands of a profile.
func profileAAA(prof func(*Ctx) *runningconfig.Profile) []*Command {
	method := func(a parser.Args) string { return firstMethod(a, "psk", "cert", "eap", "anyconnect-eap") }
	authz := func(a parser.Args) runningconfig.AAAAuthorization {
		return runningconfig.AAAAuthorization{Override: a.Has("override"), Method: method(a), Cached: a.Has("cached"),
			List: a.Get("mlist"), Policy: a.Get("policy"), NameMangler: a.Get("nm")}
	}
	return []*Command{
		{
			Spec: "aaa authentication {eap|anyconnect-eap} WORD",
			Help: []string{helpV2AAA, "AAA authentication", helpV2EAPAAA, helpV2ACAAA, helpV2AAAList},
			No:   "aaa authentication {eap|anyconnect-eap} [WORD]",
			Run: func(c *Ctx, a parser.Args) error {
				prof(c).AAAAuthentication = runningconfig.SetAAAList(prof(c).AAAAuthentication, runningconfig.AAAList{Method: method(a), List: a.Get("WORD")})
				return nil
			},
			Unset: func(c *Ctx, a parser.Args) error {
				prof(c).AAAAuthentication = runningconfig.RemoveAAAList(prof(c).AAAAuthentication, method(a))
				return nil
			},
		},
		{
			Spec: "aaa authorization group [override] " + aaaMethods + " " + aaaListTail,
			Help: concat([]string{helpV2AAA, helpV2Authorize, "AAA group authorization", "Override user authorization attributes"},
				aaaMethodHelp, aaaListTailHelp),
			No:     "aaa authorization group [override] " + aaaMethods + " [LINE]",
			NoHelp: concat([]string{helpV2AAA, helpV2Authorize, "AAA group authorization", "Override user authorization attributes"}, aaaMethodHelp, []string{helpV2Rest}),
			Run: func(c *Ctx, a parser.Args) error {
				prof(c).AAAGroup = runningconfig.SetAAAAuthorization(prof(c).AAAGroup, authz(a))
				return nil
			},
			Unset: func(c *Ctx, a parser.Args) error {
				prof(c).AAAGroup = runningconfig.RemoveAAAAuthorization(prof(c).AAAGroup, method(a))
				return nil
			},
		},
		{
			Spec: "aaa authorization user " + aaaMethods + " {cached|" + aaaListTail + "}",
			Help: concat([]string{helpV2AAA, helpV2Authorize, "AAA user authorization"}, aaaMethodHelp,
				[]string{"Use cached attributes from EAP or AnyConnect authentication"}, aaaListTailHelp),
			No:     "aaa authorization user " + aaaMethods + " [LINE]",
			NoHelp: concat([]string{helpV2AAA, helpV2Authorize, "AAA user authorization"}, aaaMethodHelp, []string{helpV2Rest}),
			Run: func(c *Ctx, a parser.Args) error {
				prof(c).AAAUser = runningconfig.SetAAAAuthorization(prof(c).AAAUser, authz(a))
				return nil
			},
			Unset: func(c *Ctx, a parser.Args) error {
				prof(c).AAAUser = runningconfig.RemoveAAAAuthorization(prof(c).AAAUser, method(a))
				return nil
			},
		},
		{
			Spec: "aaa accounting " + aaaMethods + " WORD",
			Help: concat([]string{helpV2AAA, "AAA accounting"}, aaaMethodHelp, []string{helpV2AAAList}),
			No:   "aaa accounting " + aaaMethods + " [WORD]",
			Run: func(c *Ctx, a parser.Args) error {
				prof(c).AAAAccounting = runningconfig.SetAAAList(prof(c).AAAAccounting, runningconfig.AAAList{Method: method(a), List: a.Get("WORD")})
				return nil
			},
			Unset: func(c *Ctx, a parser.Args) error {
				prof(c).AAAAccounting = runningconfig.RemoveAAAList(prof(c).AAAAccounting, method(a))
				return nil
			},
		},
	}
}

// profileTail are the virtual-template, config-exchange and other
// commands of a profile.
func profileTail(prof func(*Ctx) *runningconfig.Profile) []*Command {
	return []*Command{
		{
			Spec: "virtual-template <1-65535> [mode auto]",
			Help: []string{"Specify the virtual-template for dynamic interface creation", "Virtual-template number",
				"Virtual-template mode", "Automatically select the tunnel mode"},
			No: "virtual-template [<1-65535> [mode auto]]",
			Run: func(c *Ctx, a parser.Args) error {
				p := prof(c)
				p.VirtualTemplate, p.ModeAuto = a.Int("<1-65535>"), a.Has("auto")
				return nil
			},
			Unset: func(c *Ctx, a parser.Args) error {
				p := prof(c)
				p.VirtualTemplate, p.ModeAuto = 0, false
				return nil
			},
		},
		{
			Spec:  "ivrf WORD",
			Help:  []string{"I-VRF of the profile", helpV2VRFName},
			No:    "ivrf [WORD]",
			Run:   func(c *Ctx, a parser.Args) error { prof(c).IVRF = a.Get("WORD"); return nil },
			Unset: func(c *Ctx, a parser.Args) error { prof(c).IVRF = ""; return nil },
		},
		{
			Spec: "config-exchange {request|set {send|accept}}",
			Help: []string{helpV2Config, "Enable config-exchange request", "Enable config-exchange set",
				"Enable config-exchange set send", "Enable config-exchange set accept"},
			Run: func(c *Ctx, a parser.Args) error {
				*configExchangeField(prof(c), a) = false
				return nil
			},
			Unset: func(c *Ctx, a parser.Args) error {
				*configExchangeField(prof(c), a) = true
				return nil
			},
		},
		{
			Spec:  "anyconnect profile WORD",
			Help:  []string{"AnyConnect settings", "AnyConnect client profile", "Name of the AnyConnect client profile"},
			No:    "anyconnect profile [WORD]",
			Run:   func(c *Ctx, a parser.Args) error { prof(c).AnyConnectProfile = a.Get("WORD"); return nil },
			Unset: func(c *Ctx, a parser.Args) error { prof(c).AnyConnectProfile = ""; return nil },
		},
		{
			Spec: "redirect gateway {auth|init}",
			Help: []string{"Redirect", "Redirect gateway", "Redirect during IKE_AUTH", "Redirect during IKE_SA_INIT"},
			Run: func(c *Ctx, a parser.Args) error {
				*redirectField(prof(c), a) = true
				return nil
			},
			Unset: func(c *Ctx, a parser.Args) error {
				*redirectField(prof(c), a) = false
				return nil
			},
		},
		{
			Spec:  "shutdown",
			Help:  []string{"Shutdown the IKEv2 profile"},
			Run:   func(c *Ctx, a parser.Args) error { prof(c).Shutdown = true; return nil },
			Unset: func(c *Ctx, a parser.Args) error { prof(c).Shutdown = false; return nil },
		},
	}
}

// configExchangeField returns the "disabled" flag a config-exchange line
// addresses.
func configExchangeField(p *runningconfig.Profile, a parser.Args) *bool {
	switch {
	case a.Has("request"):
		return &p.NoConfigRequest
	case a.Has("send"):
		return &p.NoConfigSetSend
	}
	return &p.NoConfigSetAccept
}

// redirectField returns the flag a redirect line addresses.
func redirectField(p *runningconfig.Profile, a parser.Args) *bool {
	if a.Has("auth") {
		return &p.RedirectAuth
	}
	return &p.RedirectInit
}
