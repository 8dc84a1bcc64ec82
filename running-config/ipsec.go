package runningconfig

import (
	"slices"
	"sort"
	"strings"
)

// IPsec holds the `crypto ipsec ...` configuration.
type IPsec struct {
	// TransformSets are the `crypto ipsec transform-set` blocks; the smart
	// default `default` is first unless removed.
	TransformSets Ordered[*TransformSet]
	// Profiles are the `crypto ipsec profile` blocks; the smart default
	// `default` is first unless removed.
	Profiles Ordered[*IPsecProfile]
	// Global SA lifetime (`crypto ipsec security-association lifetime`);
	// 0 means the IOS default (3600 seconds, 4608000 kilobytes).
	LifetimeSeconds int
	LifetimeKB      int
	// ReplayWindow is `crypto ipsec security-association replay
	// window-size N` (0: the default, 64); ReplayDisable is `... replay
	// disable`.
	ReplayWindow  int
	ReplayDisable bool
	// DFBit is the global `crypto ipsec df-bit clear|set` ("" = copy, the
	// default).
	DFBit string
	// Kept are other global `crypto ipsec` lines stored verbatim (such as
	// `crypto ipsec nat-transparency spi-matching`); they render after the
	// transform-sets.
	Kept KeptLines
	// Removed smart defaults: `no crypto ipsec transform-set default`,
	// `no crypto ipsec profile default`.
	DefaultTransformSetRemoved bool
	DefaultProfileRemoved      bool
}

// IOS defaults of an IPsec SA.
const (
	DefaultSALifetimeSeconds = 3600
	DefaultSALifetimeKB      = 4608000
)

// TransformSet is a `crypto ipsec transform-set`.
type TransformSet struct {
	Name string
	// Transforms in IOS canonical order (AH, ESP cipher, ESP auth,
	// compression), each as rendered: "esp-aes 256", "esp-sha-hmac".
	Transforms []string
	// Mode is "tunnel" or "transport".
	Mode string
}

// IPsecProfile is a `crypto ipsec profile`.
type IPsecProfile struct {
	Name string
	// TransformSets are the `set transform-set` names (empty: the default
	// transform-set).
	TransformSets []string
	IKEv2Profile  string
	ISAKMPProfile string
	// PFS is the `set pfs` group ("group14"); PFSDefault is a bare
	// `set pfs`.
	PFS        string
	PFSDefault bool
	// SA lifetime overrides; 0 = inherit the global value.
	LifetimeSeconds   int
	LifetimeKB        int
	LifetimeKBDisable bool
	LifetimeDays      int
	// IdleTime is `set security-association idle-time N [default]`.
	IdleTime        int
	IdleTimeDefault bool
	// ReplayWindow / ReplayDisable: `set security-association replay ...`.
	ReplayWindow  int
	ReplayDisable bool
	// PolicyLimit is `set security-policy limit N` (0: none).
	PolicyLimit int
	// ResponderOnly is `responder-only`.
	ResponderOnly bool
	// Kept are other lines stored verbatim (`set reverse-route ...`).
	Kept KeptLines
}

// Transform categories, in IOS rendering order.
const (
	TransformAH = iota
	TransformCipher
	TransformESPAuth
	TransformComp
)

// TransformCategory returns the category of a transform keyword
// ("esp-aes", "ah-sha-hmac", ...).
func TransformCategory(keyword string) int {
	switch {
	case strings.HasPrefix(keyword, "ah-"):
		return TransformAH
	case strings.HasPrefix(keyword, "comp-"):
		return TransformComp
	case strings.HasSuffix(keyword, "-hmac"):
		return TransformESPAuth
	}
	return TransformCipher
}

// NormalizeTransforms returns transforms in IOS order with default key
// sizes dropped ("esp-aes 128" is shown as "esp-aes").
// UNCONFIRMED: the order IOS prints transforms typed in another order.
func NormalizeTransforms(ts []string) []string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = strings.TrimSuffix(t, " 128")
	}
	sort.SliceStable(out, func(a, b int) bool {
		return TransformCategory(strings.Fields(out[a])[0]) < TransformCategory(strings.Fields(out[b])[0])
	})
	return out
}

// ShowName is how `show crypto ipsec transform-set` names a transform:
// "esp-aes 256" is "esp-256-aes". UNCONFIRMED for ciphers other than AES.
func ShowName(t string) string {
	kw, size, ok := strings.Cut(t, " ")
	if ok && kw == "esp-aes" {
		return "esp-" + size + "-aes"
	}
	return t
}

func defaultTransformSet() *TransformSet {
	return &TransformSet{Name: DefaultName, Transforms: []string{"esp-aes", "esp-sha-hmac"}, Mode: "transport"}
}

func (p *IPsec) initDefaults() {
	p.TransformSets.Set(DefaultName, defaultTransformSet())
	p.Profiles.Set(DefaultName, &IPsecProfile{Name: DefaultName})
}

// TransformSet returns the transform-set named name, creating an empty one
// (mode tunnel) when create is set and it does not exist.
func (p *IPsec) TransformSet(name string, create bool) *TransformSet {
	if t, ok := p.TransformSets.Get(name); ok || !create {
		return t
	}
	t := &TransformSet{Name: name, Mode: "tunnel"}
	if name == DefaultName {
		p.DefaultTransformSetRemoved = false
	}
	p.TransformSets.Set(name, t)
	return t
}

// DeleteTransformSet removes a transform-set and the profiles' references
// to it (UNCONFIRMED: IOS may refuse to delete a set in use); removing
// `default` is remembered and rendered as `no crypto ipsec transform-set
// default`.
func (p *IPsec) DeleteTransformSet(name string) bool {
	if name == DefaultName {
		p.DefaultTransformSetRemoved = true
	}
	p.Profiles.Each(func(_ string, pr *IPsecProfile) {
		pr.TransformSets = slices.DeleteFunc(pr.TransformSets, func(n string) bool { return n == name })
	})
	return p.TransformSets.Delete(name)
}

// Profile returns the IPsec profile named name, creating it when create is
// set and it does not exist.
func (p *IPsec) Profile(name string, create bool) *IPsecProfile {
	if pr, ok := p.Profiles.Get(name); ok || !create {
		return pr
	}
	pr := &IPsecProfile{Name: name}
	if name == DefaultName {
		p.DefaultProfileRemoved = false
	}
	p.Profiles.Set(name, pr)
	return pr
}

// DeleteProfile removes an IPsec profile; removing `default` is remembered.
func (p *IPsec) DeleteProfile(name string) bool {
	if name == DefaultName {
		p.DefaultProfileRemoved = true
	}
	return p.Profiles.Delete(name)
}

// ProfileTransformSets returns the transform-sets a profile offers: its own,
// or the default transform-set when it names none (and it exists).
func (p *IPsec) ProfileTransformSets(pr *IPsecProfile) []*TransformSet {
	names := pr.TransformSets
	if len(names) == 0 {
		names = []string{DefaultName}
	}
	var out []*TransformSet
	for _, n := range names {
		if t, ok := p.TransformSets.Get(n); ok {
			out = append(out, t)
		}
	}
	return out
}

// EffectiveLifetime returns the profile's SA lifetime in seconds and
// kilobytes (0 kilobytes: volume lifetime disabled), falling back to the
// global and then the IOS defaults.
func (p *IPsec) EffectiveLifetime(pr *IPsecProfile) (seconds, kilobytes int) {
	seconds = firstNonZero(pr.LifetimeSeconds, pr.LifetimeDays*86400, p.LifetimeSeconds, DefaultSALifetimeSeconds)
	if pr.LifetimeKBDisable {
		return seconds, 0
	}
	return seconds, firstNonZero(pr.LifetimeKB, p.LifetimeKB, DefaultSALifetimeKB)
}

func firstNonZero(v ...int) int {
	for _, x := range v {
		if x != 0 {
			return x
		}
	}
	return 0
}

// isFactory reports whether a smart-default object still has its factory
// value (and so is not rendered).
func (t *TransformSet) isFactory() bool {
	d := defaultTransformSet()
	return t.Name == DefaultName && slices.Equal(t.Transforms, d.Transforms) && t.Mode == d.Mode
}

func (pr *IPsecProfile) isFactory() bool {
	return pr.Name == DefaultName && pr.IKEv2Profile == "" && pr.ISAKMPProfile == "" &&
		len(pr.TransformSets) == 0 && pr.PFS == "" && !pr.PFSDefault && pr.LifetimeSeconds == 0 &&
		pr.LifetimeKB == 0 && !pr.LifetimeKBDisable && pr.LifetimeDays == 0 && pr.IdleTime == 0 &&
		pr.ReplayWindow == 0 && !pr.ReplayDisable && pr.PolicyLimit == 0 && !pr.ResponderOnly && len(pr.Kept) == 0
}

func (p *IPsec) render(w *writer) {
	if p.renderGlobals(w) {
		w.bang()
	}
	if p.DefaultTransformSetRemoved {
		w.line("no crypto ipsec transform-set default")
		w.bang()
	}
	p.TransformSets.Each(func(_ string, t *TransformSet) {
		if t.isFactory() {
			return
		}
		w.line("crypto ipsec transform-set %s %s ", t.Name, strings.Join(t.Transforms, " "))
		w.line(" mode %s", t.Mode)
		w.bang()
	})
	if len(p.Kept) > 0 {
		p.Kept.renderRange(w, "", 0, 1<<30)
		w.bang()
	}
	if p.DefaultProfileRemoved {
		w.line("no crypto ipsec profile default")
		w.bang()
	}
	p.Profiles.Each(func(_ string, pr *IPsecProfile) {
		if pr.isFactory() {
			return
		}
		pr.render(w)
		w.bang()
	})
}

// renderGlobals writes the global SA lines and reports whether it wrote any.
// UNCONFIRMED: the relative order of lifetime and df-bit lines.
func (p *IPsec) renderGlobals(w *writer) bool {
	n := w.b.Len()
	if p.LifetimeKB != 0 {
		w.line("crypto ipsec security-association lifetime kilobytes %d", p.LifetimeKB)
	}
	if p.LifetimeSeconds != 0 {
		w.line("crypto ipsec security-association lifetime seconds %d", p.LifetimeSeconds)
	}
	if p.ReplayDisable {
		w.line("crypto ipsec security-association replay disable")
	} else if p.ReplayWindow != 0 {
		w.line("crypto ipsec security-association replay window-size %d", p.ReplayWindow)
	}
	if p.DFBit != "" {
		w.line("crypto ipsec df-bit %s", p.DFBit)
	}
	return w.b.Len() != n
}

// render writes the profile block. Order from real configs: lifetimes,
// security-policy limit, transform-set, pfs, ikev2-profile; the place of
// idle-time, replay, isakmp-profile, reverse-route and responder-only is
// UNCONFIRMED.
func (pr *IPsecProfile) render(w *writer) {
	w.line("crypto ipsec profile %s", pr.Name)
	switch {
	case pr.LifetimeKBDisable:
		w.line(" set security-association lifetime kilobytes disable")
	case pr.LifetimeKB != 0:
		w.line(" set security-association lifetime kilobytes %d", pr.LifetimeKB)
	}
	if pr.LifetimeSeconds != 0 {
		w.line(" set security-association lifetime seconds %d", pr.LifetimeSeconds)
	}
	if pr.LifetimeDays != 0 {
		w.line(" set security-association lifetime days %d", pr.LifetimeDays)
	}
	if pr.IdleTime != 0 {
		suffix := ""
		if pr.IdleTimeDefault {
			suffix = " default"
		}
		w.line(" set security-association idle-time %d%s", pr.IdleTime, suffix)
	}
	if pr.ReplayDisable {
		w.line(" set security-association replay disable")
	} else if pr.ReplayWindow != 0 {
		w.line(" set security-association replay window-size %d", pr.ReplayWindow)
	}
	if pr.PolicyLimit != 0 {
		w.line(" set security-policy limit %d", pr.PolicyLimit)
	}
	if len(pr.TransformSets) > 0 {
		w.line(" set transform-set %s ", strings.Join(pr.TransformSets, " "))
	}
	if pr.PFS != "" {
		w.line(" set pfs %s", pr.PFS)
	} else if pr.PFSDefault {
		w.line(" set pfs")
	}
	if pr.ISAKMPProfile != "" {
		w.line(" set isakmp-profile %s", pr.ISAKMPProfile)
	}
	if pr.IKEv2Profile != "" {
		w.line(" set ikev2-profile %s", pr.IKEv2Profile)
	}
	pr.Kept.renderRange(w, " ", 0, 1<<30)
	if pr.ResponderOnly {
		w.line(" responder-only")
	}
}
