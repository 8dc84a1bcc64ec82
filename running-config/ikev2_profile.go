package runningconfig

import (
	"fmt"
	"strconv"
	"strings"
)

// DefaultProfileLifetime is the IKE SA lifetime when `lifetime` is not set.
const DefaultProfileLifetime = 86400

// Profile is a `crypto ikev2 profile`.
type Profile struct {
	Name        string
	Description string
	// MatchFVRF is `match fvrf`: "" (global), "any" or a VRF name.
	MatchFVRF string
	// MatchLocal are the `match address local` values: canonical
	// addresses or "interface IFNAME".
	MatchLocal []string
	// MatchIdentities are the `match identity remote` lines in order.
	MatchIdentities []Identity
	// MatchCertificates are `match certificate MAP` names.
	MatchCertificates []string
	// LocalIdentity is `identity local` (nil: the IOS default, address).
	LocalIdentity *Identity
	// AuthRemote are the `authentication remote` methods in order;
	// AuthLocal is the single `authentication local` method.
	AuthRemote []AuthMethod
	AuthLocal  *AuthMethod
	// Keyring is `keyring local|aaa` (nil if none).
	Keyring *KeyringRef
	// Trustpoints are `pki trustpoint NAME [sign|verify]`.
	Trustpoints []ProfileTrustpoint
	// Lifetime is the IKE SA lifetime in seconds (0: 86400).
	Lifetime int
	// DPD is `dpd INTERVAL RETRY MODE` (nil: disabled).
	DPD *DPD
	// NATKeepalive is `nat keepalive N` in seconds (0: disabled).
	NATKeepalive int
	// AAAAuthentication are `aaa authentication {eap|anyconnect-eap} LIST`.
	AAAAuthentication []AAAList
	// AAAGroup and AAAUser are `aaa authorization group|user ...`, one per
	// method.
	AAAGroup []AAAAuthorization
	AAAUser  []AAAAuthorization
	// AAAAccounting are `aaa accounting METHOD LIST`.
	AAAAccounting []AAAList
	// VirtualTemplate is `virtual-template N` (0: none); ModeAuto is
	// its `mode auto`.
	VirtualTemplate int
	ModeAuto        bool
	// AnyConnectProfile is `anyconnect profile NAME`.
	AnyConnectProfile string
	// NoConfigRequest, NoConfigSetSend and NoConfigSetAccept record the
	// `no config-exchange ...` lines (each is enabled by default).
	NoConfigRequest, NoConfigSetSend, NoConfigSetAccept bool
	// RedirectAuth and RedirectInit are `redirect gateway auth|init`.
	RedirectAuth, RedirectInit bool
	// IVRF is `ivrf NAME`.
	IVRF     string
	Shutdown bool
}

// NewProfile returns an empty profile.
func NewProfile(name string) *Profile { return &Profile{Name: name} }

// AuthMethod is one `authentication local|remote` method.
type AuthMethod struct {
	// Method is "pre-share", "rsa-sig", "ecdsa-sig", "eap" or
	// "anyconnect-eap".
	Method string
	// Key is the inline `pre-share key KEY` (nil: use the keyring).
	Key *Key
	// EAPType is the local EAP method: "gtc", "md5", "mschapv2" or "".
	EAPType string
	// Username and Password are the local EAP credentials.
	Username string
	Password *Key
	// QueryIdentity and Timeout are the remote EAP options (one per line).
	QueryIdentity bool
	Timeout       int
	// Aggregate is `anyconnect-eap aggregate`.
	Aggregate bool
}

// String renders the method as after "authentication local|remote ".
func (m AuthMethod) String() string {
	parts := []string{m.Method}
	if m.Key != nil {
		parts = append(parts, "key", m.Key.String())
	}
	if m.EAPType != "" {
		parts = append(parts, m.EAPType)
	}
	if m.Username != "" {
		parts = append(parts, "username", m.Username)
	}
	if m.Password != nil {
		parts = append(parts, "password", m.Password.String())
	}
	if m.QueryIdentity {
		parts = append(parts, "query-identity")
	}
	if m.Timeout != 0 {
		parts = append(parts, "timeout", strconv.Itoa(m.Timeout))
	}
	if m.Aggregate {
		parts = append(parts, "aggregate")
	}
	return strings.Join(parts, " ")
}

// slot identifies which earlier remote method a new one replaces: the same
// method, except that each remote EAP option has its own line.
func (m AuthMethod) slot() string {
	switch {
	case m.QueryIdentity:
		return m.Method + " query-identity"
	case m.Timeout != 0:
		return m.Method + " timeout"
	}
	return m.Method
}

// AddAuthRemote adds a remote method, replacing one of the same kind.
func (p *Profile) AddAuthRemote(m AuthMethod) {
	p.AuthRemote = upsert(p.AuthRemote, m, func(a, b AuthMethod) bool { return a.slot() == b.slot() })
}

// RemoveAuthRemote is `no authentication remote [METHOD]` (all when
// method is "").
func (p *Profile) RemoveAuthRemote(method string) {
	if method == "" {
		p.AuthRemote = nil
		return
	}
	var out []AuthMethod
	for _, m := range p.AuthRemote {
		if m.Method != method {
			out = append(out, m)
		}
	}
	p.AuthRemote = out
}

// upsert replaces the element of list that is same as v, or appends v.
func upsert[T any](list []T, v T, same func(a, b T) bool) []T {
	for i, x := range list {
		if same(x, v) {
			list[i] = v
			return list
		}
	}
	return append(list, v)
}

// removeWhere returns list without the elements for which drop is true.
func removeWhere[T any](list []T, drop func(T) bool) []T {
	var out []T
	for _, x := range list {
		if !drop(x) {
			out = append(out, x)
		}
	}
	return out
}

// KeyringRef is the profile's `keyring local NAME` or `keyring aaa LIST
// [name-mangler NAME]`.
type KeyringRef struct {
	AAA         bool
	Name        string
	NameMangler string
}

// String renders the reference as after `keyring `.
func (k KeyringRef) String() string {
	if !k.AAA {
		return "local " + k.Name
	}
	s := "aaa " + k.Name
	if k.NameMangler != "" {
		s += " name-mangler " + k.NameMangler
	}
	return s
}

// ProfileTrustpoint is a `pki trustpoint NAME [sign|verify]`.
type ProfileTrustpoint struct {
	Name string
	// Use is "", "sign" or "verify".
	Use string
}

// String renders the trustpoint as after `pki trustpoint `.
func (t ProfileTrustpoint) String() string {
	if t.Use == "" {
		return t.Name
	}
	return t.Name + " " + t.Use
}

// AddTrustpoint adds or replaces a trustpoint.
func (p *Profile) AddTrustpoint(t ProfileTrustpoint) {
	p.Trustpoints = upsert(p.Trustpoints, t, func(a, b ProfileTrustpoint) bool { return a.Name == b.Name })
}

// AAAList is an `aaa authentication|accounting METHOD LIST` line.
type AAAList struct {
	// Method is "psk", "cert", "eap" or "anyconnect-eap".
	Method string
	List   string
}

// SetAAAList adds or replaces the entry for l.Method.
func SetAAAList(list []AAAList, l AAAList) []AAAList {
	return upsert(list, l, func(a, b AAAList) bool { return a.Method == b.Method })
}

// RemoveAAAList removes the entry for method (all when method is "").
func RemoveAAAList(list []AAAList, method string) []AAAList {
	return removeWhere(list, func(a AAAList) bool { return method == "" || a.Method == method })
}

// AAAAuthorization is an `aaa authorization group|user` line.
type AAAAuthorization struct {
	// Override is `group override` (group only).
	Override bool
	// Method is "psk", "cert", "eap" or "anyconnect-eap".
	Method string
	// Cached is `user METHOD cached` (user only).
	Cached bool
	// List is the AAA method list; Policy the authorization policy name
	// after it; NameMangler the `name-mangler NAME` after it.
	List, Policy, NameMangler string
}

// String renders the line as after `aaa authorization group|user `.
func (a AAAAuthorization) String() string {
	parts := []string{}
	if a.Override {
		parts = append(parts, "override")
	}
	parts = append(parts, a.Method)
	if a.Cached {
		parts = append(parts, "cached")
	} else {
		parts = append(parts, "list", a.List)
	}
	if a.Policy != "" {
		parts = append(parts, a.Policy)
	}
	if a.NameMangler != "" {
		parts = append(parts, "name-mangler", a.NameMangler)
	}
	return strings.Join(parts, " ")
}

// SetAAAAuthorization adds or replaces the entry for a.Method.
func SetAAAAuthorization(list []AAAAuthorization, a AAAAuthorization) []AAAAuthorization {
	return upsert(list, a, func(x, y AAAAuthorization) bool { return x.Method == y.Method })
}

// RemoveAAAAuthorization removes the entry for method (all when "").
func RemoveAAAAuthorization(list []AAAAuthorization, method string) []AAAAuthorization {
	return removeWhere(list, func(a AAAAuthorization) bool { return method == "" || a.Method == method })
}

// render writes the profile in the IOS line order (captures for the
// common lines; the place of nat keepalive, aaa authentication, anyconnect
// profile, redirect and shutdown is UNCONFIRMED).
func (p *Profile) render(w *writer) {
	w.line("crypto ikev2 profile %s", p.Name)
	if p.Description != "" {
		w.line(" description %s", p.Description)
	}
	if p.MatchFVRF != "" {
		w.line(" match fvrf %s", p.MatchFVRF)
	}
	for _, a := range p.MatchLocal {
		w.line(" match address local %s", a)
	}
	for _, id := range p.MatchIdentities {
		// IOS prints a trailing space after an address identity.
		if id.Type == "address" {
			w.line(" match identity remote %s ", id)
		} else {
			w.line(" match identity remote %s", id)
		}
	}
	for _, c := range p.MatchCertificates {
		w.line(" match certificate %s", c)
	}
	if p.LocalIdentity != nil {
		w.line(" identity local %s", p.LocalIdentity)
	}
	for _, m := range p.AuthRemote {
		w.line(" authentication remote %s", m)
	}
	if p.AuthLocal != nil {
		w.line(" authentication local %s", p.AuthLocal)
	}
	if p.Keyring != nil {
		w.line(" keyring %s", p.Keyring)
	}
	for _, t := range p.Trustpoints {
		w.line(" pki trustpoint %s", t)
	}
	p.renderTimers(w)
	p.renderAAA(w)
	p.renderTail(w)
	w.bang()
}

func (p *Profile) renderTimers(w *writer) {
	if p.Lifetime != 0 && p.Lifetime != DefaultProfileLifetime {
		w.line(" lifetime %d", p.Lifetime)
	}
	if p.DPD != nil {
		w.line(" dpd %s", p.DPD)
	}
	if p.NATKeepalive != 0 {
		w.line(" nat keepalive %d", p.NATKeepalive)
	}
}

func (p *Profile) renderAAA(w *writer) {
	for _, a := range p.AAAAuthentication {
		w.line(" aaa authentication %s %s", a.Method, a.List)
	}
	for _, a := range p.AAAGroup {
		w.line(" aaa authorization group %s", a)
	}
	for _, a := range p.AAAUser {
		w.line(" aaa authorization user %s", a)
	}
	for _, a := range p.AAAAccounting {
		w.line(" aaa accounting %s %s", a.Method, a.List)
	}
}

func (p *Profile) renderTail(w *writer) {
	if p.VirtualTemplate != 0 {
		if p.ModeAuto {
			w.line(" virtual-template %d mode auto", p.VirtualTemplate)
		} else {
			w.line(" virtual-template %d", p.VirtualTemplate)
		}
	}
	if p.AnyConnectProfile != "" {
		w.line(" anyconnect profile %s", p.AnyConnectProfile)
	}
	if p.NoConfigRequest {
		w.line(" no config-exchange request")
	}
	if p.NoConfigSetSend {
		w.line(" no config-exchange set send")
	}
	if p.NoConfigSetAccept {
		w.line(" no config-exchange set accept")
	}
	if p.RedirectAuth {
		w.line(" redirect gateway auth")
	}
	if p.RedirectInit {
		w.line(" redirect gateway init")
	}
	if p.IVRF != "" {
		w.line(" ivrf %s", p.IVRF)
	}
	if p.Shutdown {
		w.line(" shutdown")
	}
}

// orNone returns s, or "none" when s is empty.
func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// Show renders the profile as `show crypto ikev2 profile` does (IOS-XE 17
// capture). refCount is the number of references to it (IPsec profiles,
// sessions), which only the caller knows. The layout of values the capture
// does not show (DPD, NAT keepalive, AAA lists, EAP options) is
// UNCONFIRMED.
func (p *Profile) Show(refCount int) string {
	var b strings.Builder
	f := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	f("IKEv2 profile: %s", p.Name)
	f(" Shutdown : %s", yesNo(p.Shutdown))
	f(" Ref Count: %d", refCount)
	f(" Match criteria: ")
	f("  Fvrf: %s", orNone(showFVRF(p.MatchFVRF)))
	f("  Local address/interface: %s", orNone(strings.Join(p.MatchLocal, " ")))
	if len(p.MatchIdentities) == 0 {
		f("  Identities: none")
	} else {
		f("  Identities: ")
		for _, id := range p.MatchIdentities {
			f("   %s", id)
		}
	}
	f("  Certificate maps: %s", orNone(strings.Join(p.MatchCertificates, " ")))
	local := ""
	if p.LocalIdentity != nil {
		local = p.LocalIdentity.String()
	}
	f(" Local identity: %s", orNone(local))
	f(" Remote identity: none")
	f(" Local authentication method: %s", orNone(authMethodName(p.AuthLocal)))
	f(" Remote authentication method(s): %s", orNone(p.remoteMethods()))
	f(" EAP options: %s", orNone(p.eapOptions()))
	f(" Keyring: %s", orNone(p.keyringName()))
	f(" Trustpoint(s): %s", orNone(p.trustpointNames()))
	f(" Lifetime: %d seconds", p.EffectiveLifetime())
	p.showTail(f)
	return b.String()
}

func (p *Profile) showTail(f func(string, ...any)) {
	if p.DPD != nil {
		f(" DPD: %d,%d %s", p.DPD.Interval, p.DPD.Retry, p.DPD.Mode)
	} else {
		f(" DPD: disabled")
	}
	if p.NATKeepalive != 0 {
		f(" NAT-keepalive: %d seconds", p.NATKeepalive)
	} else {
		f(" NAT-keepalive: disabled")
	}
	f(" Ivrf: %s", orNone(p.IVRF))
	vt := ""
	if p.VirtualTemplate != 0 {
		vt = strconv.Itoa(p.VirtualTemplate)
	}
	f(" Virtual-template: %s", orNone(vt))
	modeAuto := ""
	if p.ModeAuto {
		modeAuto = "enabled"
	}
	f(" mode auto: %s", orNone(modeAuto))
	f(" AAA AnyConnect EAP authentication mlist: %s", orNone(aaaListFor(p.AAAAuthentication, "anyconnect-eap")))
	f(" AAA EAP authentication mlist: %s", orNone(aaaListFor(p.AAAAuthentication, "eap")))
	f(" AAA authentication mlist: none")
	f(" AAA Accounting: %s", orNone(joinStrings(p.AAAAccounting, func(a AAAList) string { return a.Method + " " + a.List })))
	f(" AAA group authorization: %s", orNone(joinStrings(p.AAAGroup, AAAAuthorization.String)))
	f(" AAA user authorization: %s", orNone(joinStrings(p.AAAUser, AAAAuthorization.String)))
}

// EffectiveLifetime is the IKE SA lifetime in seconds.
func (p *Profile) EffectiveLifetime() int {
	if p.Lifetime == 0 {
		return DefaultProfileLifetime
	}
	return p.Lifetime
}

func showFVRF(v string) string {
	if v == "" {
		return "global"
	}
	return v
}

func yesNo(b bool) string {
	if b {
		return "Yes"
	}
	return "No"
}

func authMethodName(m *AuthMethod) string {
	if m == nil {
		return ""
	}
	return m.Method
}

func (p *Profile) remoteMethods() string {
	var names []string
	for _, m := range p.AuthRemote {
		names = AddUnique(names, m.Method)
	}
	return strings.Join(names, " ")
}

func (p *Profile) eapOptions() string {
	var opts []string
	for _, m := range p.AuthRemote {
		if m.Method != "eap" {
			continue
		}
		if m.QueryIdentity {
			opts = append(opts, "query-identity")
		}
		if m.Timeout != 0 {
			opts = append(opts, "timeout "+strconv.Itoa(m.Timeout))
		}
	}
	return strings.Join(opts, ", ")
}

func (p *Profile) keyringName() string {
	switch {
	case p.Keyring == nil:
		return ""
	case p.Keyring.AAA:
		return "aaa " + p.Keyring.Name
	}
	return p.Keyring.Name
}

func (p *Profile) trustpointNames() string {
	return joinStrings(p.Trustpoints, func(t ProfileTrustpoint) string { return t.Name })
}

func aaaListFor(list []AAAList, method string) string {
	for _, a := range list {
		if a.Method == method {
			return a.List
		}
	}
	return ""
}

// joinStrings joins the string forms of list with ", ".
func joinStrings[T any](list []T, str func(T) string) string {
	parts := make([]string, len(list))
	for i, x := range list {
		parts[i] = str(x)
	}
	return strings.Join(parts, ", ")
}

// ShowProfiles renders `show crypto ikev2 profile [NAME]`, each profile
// followed by a blank line; refs gives each profile's reference count.
func (k *IKEv2) ShowProfiles(name string, refs func(name string) int) string {
	var b strings.Builder
	k.Profiles.Each(func(n string, p *Profile) {
		if name != "" && n != name {
			return
		}
		b.WriteString(p.Show(refs(n)))
		b.WriteString("\n")
	})
	return b.String()
}

// IKEv2ProfileRefs counts the IPsec profiles that reference the IKEv2
// profile name (the configuration part of IOS's "Ref Count").
func (c *Config) IKEv2ProfileRefs(name string) int {
	n := 0
	c.IPsec.Profiles.Each(func(_ string, p *IPsecProfile) {
		if p.IKEv2Profile == name {
			n++
		}
	})
	return n
}
