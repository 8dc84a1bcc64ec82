package runningconfig

import (
	"slices"
	"strconv"
	"strings"
)

// Global holds global-mode settings that are not crypto and not interfaces:
// passwords, users, AAA, VRFs and the small system lines (domain, DNS, SSH,
// HTTP). Pools, routes, access lists and lines live in Config itself.
type Global struct {
	// PasswordEncryption is `service password-encryption` (kept, no effect
	// yet).
	PasswordEncryption bool
	// Enable holds the `enable secret|password [level N]` entries, sorted
	// as IOS prints them (secrets first, then by level).
	Enable []*EnablePW

	Users Ordered[*User]
	AAA   AAA
	VRFs  Ordered[*VRF]

	// DomainLookupOff is `no ip domain lookup` (lookup is on by default).
	DomainLookupOff bool
	// DomainName is `ip domain name`.
	DomainName string
	// DomainList holds the `ip domain list` names in order.
	DomainList []string
	// Hosts holds `ip host NAME A...` lines: name -> addresses text.
	Hosts Ordered[string]
	// NameServers are the `ip name-server` addresses in order.
	NameServers []string
	// IPRoutingOff is `no ip routing`.
	IPRoutingOff bool
	// IPv6Routing is `ipv6 unicast-routing`.
	IPv6Routing bool
	// ForwardProtocolNDOff is `no ip forward-protocol nd` (on by default
	// and shown, as IOS does).
	ForwardProtocolNDOff bool
	// HTTPServer and HTTPSecureServer are tri-state: nil = not configured,
	// else `ip http server` / `no ip http server`.
	HTTPServer, HTTPSecureServer *bool
	// HTTPAuth is `ip http authentication local|enable|aaa`.
	HTTPAuth string
	// HTTPOther are the other `ip http ...` lines, kept verbatim.
	HTTPOther KeptLines
	// SSH is the `ip ssh ...` settings (for the SSH server).
	SSH SSHConfig
	// RadiusSource is `ip radius source-interface IF [vrf V]` (text after
	// the keyword).
	RadiusSource string
}

// SSHConfig is the `ip ssh ...` settings; zero values are IOS defaults
// (not rendered).
type SSHConfig struct {
	// Version is 1 or 2 (0: default, both).
	Version int
	// Port is the listen port (`ip ssh port N`; 0: 22).
	Port int
	// Rotary is the rotary group given with the port (nil: none).
	Rotary *int
	// Timeout is `ip ssh time-out` in seconds (0: 120).
	Timeout int
	// AuthRetries is `ip ssh authentication-retries` (nil: default 3).
	AuthRetries *int
	// SourceInterface is `ip ssh source-interface`.
	SourceInterface string
	// Other are the other `ip ssh ...` lines (bulk-mode, rsa keypair-name,
	// server algorithm, ...), kept verbatim.
	Other KeptLines
	// PubkeyChain is set once `ip ssh pubkey-chain` was entered; Pubkeys
	// are its users and their keys.
	PubkeyChain bool
	Pubkeys     Ordered[*PubkeyUser]
}

// EnablePW is one `enable secret|password [level N]` entry.
type EnablePW struct {
	// Password is set for `enable password` (else `enable secret`).
	Password bool
	// Level is the privilege level (15 when not given).
	Level int
	Secret
}

// EnableFor returns the enable secret (password false) or password of a
// level, or nil.
func (g *Global) EnableFor(password bool, level int) *EnablePW {
	for _, e := range g.Enable {
		if e.Password == password && e.Level == level {
			return e
		}
	}
	return nil
}

// SetEnable adds or replaces an enable entry.
func (g *Global) SetEnable(e *EnablePW) {
	g.DeleteEnable(e.Password, e.Level)
	g.Enable = append(g.Enable, e)
	slices.SortFunc(g.Enable, func(a, b *EnablePW) int {
		if a.Password != b.Password {
			if a.Password {
				return 1
			}
			return -1
		}
		return a.Level - b.Level
	})
}

// DeleteEnable removes the enable secret or password of a level.
func (g *Global) DeleteEnable(password bool, level int) {
	g.Enable = slices.DeleteFunc(g.Enable, func(e *EnablePW) bool { return e.Password == password && e.Level == level })
}

// String renders the entry as IOS prints it (UNCONFIRMED for levels
// other than 15).
func (e *EnablePW) String() string {
	s := "enable secret "
	if e.Password {
		s = "enable password "
	}
	if e.Level != 15 {
		s += "level " + strconv.Itoa(e.Level) + " "
	}
	return s + e.Secret.String()
}

// Secret is a password or secret as typed: an optional encryption type
// ("0", "5", "7", "8", "9") and the text.
type Secret struct {
	Type string
	Text string
}

// String renders the secret as IOS shows it after the keyword.
func (s Secret) String() string {
	if s.Type == "" {
		return s.Text
	}
	return s.Type + " " + s.Text
}

// renderService writes the `service` lines IOS prints before hostname.
func (g *Global) renderService(w *writer) {
	if g.PasswordEncryption {
		w.line("service password-encryption")
		w.bang()
	}
}

// renderHead writes the VRF definitions and the enable passwords, which
// IOS prints after the boot markers.
func (g *Global) renderHead(w *writer) {
	g.VRFs.Each(func(_ string, v *VRF) { v.render(w) })
	for _, e := range g.Enable {
		w.line("%s", e)
	}
	if len(g.Enable) > 0 {
		w.bang()
	}
}

// renderSystem writes the domain/DNS lines, ipv6 unicast-routing and the
// usernames, in the IOS-XE order (UNCONFIRMED between ip domain, ip host
// and ip name-server).
func (g *Global) renderSystem(w *writer) {
	n := w.b.Len()
	if g.IPRoutingOff {
		w.line("no ip routing")
	}
	if g.DomainLookupOff {
		w.line("no ip domain lookup")
	}
	if g.DomainName != "" {
		w.line("ip domain name %s", g.DomainName)
	}
	for _, d := range g.DomainList {
		w.line("ip domain list %s", d)
	}
	g.Hosts.Each(func(name, addrs string) { w.line("ip host %s %s", name, addrs) })
	if len(g.NameServers) > 0 {
		w.line("ip name-server %s", strings.Join(g.NameServers, " "))
	}
	if w.b.Len() > n {
		w.bang()
	}
	if g.IPv6Routing {
		w.line("ipv6 unicast-routing")
		w.bang()
	}
	if g.Users.Len() > 0 {
		g.Users.Each(func(_ string, u *User) { u.render(w) })
		w.bang()
	}
}

// renderIPServices writes `ip forward-protocol nd` and the `ip http`
// lines, which IOS-XE prints just before the static routes.
func (g *Global) renderIPServices(w *writer) {
	if g.ForwardProtocolNDOff {
		w.line("no ip forward-protocol nd")
	} else {
		w.line("ip forward-protocol nd")
	}
	onOff(w, g.HTTPServer, "ip http server")
	if g.HTTPAuth != "" {
		w.line("ip http authentication %s", g.HTTPAuth)
	}
	onOff(w, g.HTTPSecureServer, "ip http secure-server")
	g.HTTPOther.renderRange(w, "", 0, maxRank)
}

// renderIPTail writes the `ip ssh` and `ip radius` lines, which IOS-XE
// prints just after the static routes.
func (g *Global) renderIPTail(w *writer) {
	s := g.SSH
	if s.Timeout != 0 {
		w.line("ip ssh time-out %d", s.Timeout)
	}
	if s.AuthRetries != nil {
		w.line("ip ssh authentication-retries %d", *s.AuthRetries)
	}
	if s.Port != 0 && s.Rotary != nil {
		w.line("ip ssh port %d rotary %d", s.Port, *s.Rotary)
	} else if s.Port != 0 {
		w.line("ip ssh port %d", s.Port)
	}
	if s.SourceInterface != "" {
		w.line("ip ssh source-interface %s", s.SourceInterface)
	}
	s.Other.renderRange(w, "", 0, maxRank)
	if s.Version != 0 {
		w.line("ip ssh version %s", strconv.Itoa(s.Version))
	}
	s.renderPubkeyChain(w)
	if g.RadiusSource != "" {
		w.line("ip radius source-interface %s", g.RadiusSource)
	}
}

func onOff(w *writer, v *bool, text string) {
	switch {
	case v == nil:
	case *v:
		w.line("%s", text)
	default:
		w.line("no %s", text)
	}
}
