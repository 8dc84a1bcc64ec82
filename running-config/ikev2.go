package runningconfig

import (
	"strconv"
	"strings"
)

// IKEv2 holds the `crypto ikev2 ...` configuration.
type IKEv2 struct {
	AuthPolicies Ordered[*AuthorizationPolicy]
	Proposals    Ordered[*Proposal]
	Policies     Ordered[*Policy]
	Keyrings     Ordered[*Keyring]
	Profiles     Ordered[*Profile]
	NameManglers Ordered[*NameMangler]
	Clients      Ordered[*FlexVPNClient]

	// NoDefaultProposal and NoDefaultPolicy record `no crypto ikev2
	// proposal|policy default` (the smart default was removed and no
	// proposal or policy named default was configured since).
	NoDefaultProposal bool
	NoDefaultPolicy   bool

	// DPD is `crypto ikev2 dpd INTERVAL RETRY MODE` (nil: not configured).
	DPD *DPD
	// NATKeepalive is `crypto ikev2 nat keepalive N` in seconds (0: off).
	NATKeepalive int
	// Fragmentation is `crypto ikev2 fragmentation [mtu N]`.
	Fragmentation bool
	// FragmentMTU is the mtu of `crypto ikev2 fragmentation mtu N` (0:
	// the IOS default, 576).
	FragmentMTU int
	// CookieChallenge is `crypto ikev2 cookie-challenge N` (0: off).
	CookieChallenge int
	// MaxInNegotiationSA and MaxSA are `crypto ikev2 limit ...` (0: none).
	MaxInNegotiationSA int
	MaxSA              int
	// DiagnoseError is `crypto ikev2 diagnose error N` (0: off).
	DiagnoseError int
}

// DPD is a dead peer detection setting.
type DPD struct {
	// Interval and Retry are in seconds.
	Interval, Retry int
	// Mode is "on-demand" or "periodic".
	Mode string
}

// String renders the DPD as configured: "10 5 on-demand".
func (d *DPD) String() string {
	return strconv.Itoa(d.Interval) + " " + strconv.Itoa(d.Retry) + " " + d.Mode
}

// Key is a secret as configured: type 0 (clear text) or 6 (encrypted).
type Key struct {
	// Type is 0 or 6.
	Type int
	// Text is the key as typed.
	Text string
}

// String renders the key as IOS shows it: the type only when it is 6.
func (k Key) String() string {
	if k.Type == 6 {
		return "6 " + k.Text
	}
	return k.Text
}

// Identity is an IKEv2 identity: a keyring peer's `identity`, a profile's
// `identity local` or `match identity remote`.
type Identity struct {
	// Type is "address", "fqdn", "email", "key-id", "dn" or "any".
	Type string
	// Value is the canonical address (IPv4, or IPv6 prefix for a match),
	// the name, or "" for dn and any.
	Value string
	// Mask is the IPv4 mask of a `match identity remote address` ("" if
	// none was given).
	Mask string
	// Domain marks `fqdn domain NAME` / `email domain NAME`.
	Domain bool
}

// String renders the identity as in the configuration ("fqdn domain x").
func (id Identity) String() string {
	parts := []string{id.Type}
	if id.Domain {
		parts = append(parts, "domain")
	}
	if id.Value != "" {
		parts = append(parts, id.Value)
	}
	if id.Mask != "" {
		parts = append(parts, id.Mask)
	}
	return strings.Join(parts, " ")
}

// DefaultName is the name of the smart-default objects (proposal, policy,
// and the IPsec transform-set and profile).
const DefaultName = "default"

func (k *IKEv2) initDefaults() {
	k.Proposals.Set(DefaultName, NewDefaultProposal())
	k.Policies.Set(DefaultName, NewDefaultPolicy())
}

// Proposal returns the proposal named name; with create it is made if
// missing (created reports that).
func (k *IKEv2) Proposal(name string, create bool) (p *Proposal, created bool) {
	if p, ok := k.Proposals.Get(name); ok || !create {
		return p, false
	}
	p = &Proposal{Name: name}
	k.Proposals.Set(name, p)
	if name == DefaultName {
		k.NoDefaultProposal = false
	}
	return p, true
}

// DeleteProposal removes a proposal; removing default records
// `no crypto ikev2 proposal default`.
func (k *IKEv2) DeleteProposal(name string) bool {
	if name == DefaultName {
		k.NoDefaultProposal = true
	}
	return k.Proposals.Delete(name)
}

// Policy returns the policy named name; with create it is made if missing.
func (k *IKEv2) Policy(name string, create bool) (p *Policy, created bool) {
	if p, ok := k.Policies.Get(name); ok || !create {
		return p, false
	}
	p = &Policy{Name: name}
	k.Policies.Set(name, p)
	if name == DefaultName {
		k.NoDefaultPolicy = false
	}
	return p, true
}

// DeletePolicy removes a policy; removing default records
// `no crypto ikev2 policy default`.
func (k *IKEv2) DeletePolicy(name string) bool {
	if name == DefaultName {
		k.NoDefaultPolicy = true
	}
	return k.Policies.Delete(name)
}

// RestoreDefaultProposal is `default crypto ikev2 proposal`: the smart
// default proposal comes back untouched.
func (k *IKEv2) RestoreDefaultProposal() {
	k.Proposals.Set(DefaultName, NewDefaultProposal())
	k.NoDefaultProposal = false
}

// RestoreDefaultPolicy is `default crypto ikev2 policy`.
func (k *IKEv2) RestoreDefaultPolicy() {
	k.Policies.Set(DefaultName, NewDefaultPolicy())
	k.NoDefaultPolicy = false
}

// Keyring returns the keyring named name; with create it is made if missing.
func (k *IKEv2) Keyring(name string, create bool) *Keyring {
	return getOrCreate(&k.Keyrings, name, create, func() *Keyring { return &Keyring{Name: name} })
}

// Profile returns the profile named name; with create it is made if
// missing (created reports that).
func (k *IKEv2) Profile(name string, create bool) (p *Profile, created bool) {
	if p, ok := k.Profiles.Get(name); ok || !create {
		return p, false
	}
	p = NewProfile(name)
	k.Profiles.Set(name, p)
	return p, true
}

// AuthPolicy returns the authorization policy named name; with create it is
// made if missing.
func (k *IKEv2) AuthPolicy(name string, create bool) *AuthorizationPolicy {
	return getOrCreate(&k.AuthPolicies, name, create, func() *AuthorizationPolicy { return NewAuthorizationPolicy(name) })
}

// NameMangler returns the name mangler named name; with create it is made
// if missing.
func (k *IKEv2) NameMangler(name string, create bool) *NameMangler {
	return getOrCreate(&k.NameManglers, name, create, func() *NameMangler { return &NameMangler{Name: name} })
}

// Client returns the FlexVPN client named name; with create it is made if
// missing.
func (k *IKEv2) Client(name string, create bool) *FlexVPNClient {
	return getOrCreate(&k.Clients, name, create, func() *FlexVPNClient { return &FlexVPNClient{Name: name} })
}

// getOrCreate looks name up in o, creating it with mk when asked.
func getOrCreate[T any](o *Ordered[T], name string, create bool, mk func() T) T {
	v, ok := o.Get(name)
	if !ok && create {
		v = mk()
		o.Set(name, v)
	}
	return v
}

// render writes the crypto ikev2 blocks in IOS order: authorization
// policies, proposals, policies, keyrings, profiles, global lines, FlexVPN
// clients. Name manglers are not placed by any capture; they render
// (UNCONFIRMED) before the profiles that reference them.
func (k *IKEv2) render(w *writer) {
	k.AuthPolicies.Each(func(_ string, a *AuthorizationPolicy) { a.render(w) })
	k.renderProposals(w)
	k.renderPolicies(w)
	k.Keyrings.Each(func(_ string, r *Keyring) { r.render(w) })
	if k.Keyrings.Len() > 0 {
		// IOS prints one more `!` after the keyrings (15.5 and 17.x captures).
		w.bang()
	}
	k.NameManglers.Each(func(_ string, m *NameMangler) { m.render(w) })
	k.Profiles.Each(func(_ string, p *Profile) { p.render(w) })
	k.renderGlobals(w)
	k.Clients.Each(func(_ string, c *FlexVPNClient) { c.render(w) })
}

// renderGlobals writes the global `crypto ikev2` lines and a closing `!`.
func (k *IKEv2) renderGlobals(w *writer) {
	var lines []string
	if k.DPD != nil {
		lines = append(lines, "crypto ikev2 dpd "+k.DPD.String())
	}
	if k.Fragmentation {
		l := "crypto ikev2 fragmentation"
		if k.FragmentMTU != 0 {
			l += " mtu " + strconv.Itoa(k.FragmentMTU)
		}
		lines = append(lines, l)
	}
	lines = appendIntLine(lines, "crypto ikev2 nat keepalive", k.NATKeepalive)
	lines = appendIntLine(lines, "crypto ikev2 cookie-challenge", k.CookieChallenge)
	lines = appendIntLine(lines, "crypto ikev2 limit max-in-negotiation-sa", k.MaxInNegotiationSA)
	lines = appendIntLine(lines, "crypto ikev2 limit max-sa", k.MaxSA)
	lines = appendIntLine(lines, "crypto ikev2 diagnose error", k.DiagnoseError)
	if len(lines) == 0 {
		return
	}
	for _, l := range lines {
		w.line("%s", l)
	}
	w.bang()
}

// appendIntLine appends "prefix N" when n is set.
func appendIntLine(lines []string, prefix string, n int) []string {
	if n == 0 {
		return lines
	}
	return append(lines, prefix+" "+strconv.Itoa(n))
}

// AddUnique appends the values of add that list does not hold yet.
func AddUnique[T comparable](list []T, add ...T) []T {
	for _, v := range add {
		if indexOf(list, v) < 0 {
			list = append(list, v)
		}
	}
	return list
}

// RemoveValues returns list without the values of del.
func RemoveValues[T comparable](list []T, del ...T) []T {
	var out []T
	for _, v := range list {
		if indexOf(del, v) < 0 {
			out = append(out, v)
		}
	}
	return out
}

func indexOf[T comparable](list []T, v T) int {
	for i, x := range list {
		if x == v {
			return i
		}
	}
	return -1
}
