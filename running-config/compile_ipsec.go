package runningconfig

import (
	"cmp"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/flexvpnd/flexvpnd/engine/ikev2/wire"
	"github.com/flexvpnd/flexvpnd/engine/spec"
)

// ESP transforms: IOS keyword → IANA transform (RFC 7296 section 3.3.2;
// ESP shares the IKEv2 IDs). A cipher's key size follows the keyword
// ("esp-aes 256"); 128 bits when absent.
var (
	espCiphers = map[string]wire.EncrID{
		"esp-aes": wire.EncrAESCBC, "esp-gcm": wire.EncrAESGCM16, "esp-gmac": encrNullAuthAESGMAC,
		"esp-3des": wire.Encr3DES, "esp-des": encrDES, "esp-null": wire.EncrNULL,
	}
	espVariableKey = map[string]bool{"esp-aes": true, "esp-gcm": true, "esp-gmac": true}
	espInteg       = map[string]wire.IntegID{
		"esp-md5-hmac": wire.IntegHMACMD596, "esp-sha-hmac": wire.IntegHMACSHA196,
		"esp-sha256-hmac": wire.IntegHMACSHA2256128, "esp-sha384-hmac": wire.IntegHMACSHA2384192,
		"esp-sha512-hmac": wire.IntegHMACSHA2512256,
	}
)

// transformSet compiles a transform-set into one ESP proposal. AH and
// SEAL have no place in an ESP proposal, so a set using them fails;
// compression (comp-lzs) is ignored.
func transformSet(t *TransformSet) (spec.ESPProposal, error) {
	p := spec.ESPProposal{Name: t.Name, Transport: t.Mode == "transport"}
	haveCipher := false
	for _, tr := range t.Transforms {
		kw, size, _ := strings.Cut(tr, " ")
		if id, ok := espCiphers[kw]; ok {
			p.Encr = spec.Cipher{ID: id}
			if espVariableKey[kw] {
				bits, err := strconv.Atoi(cmp.Or(size, "128"))
				if err != nil {
					return p, fmt.Errorf("%s: bad key size %q", kw, size)
				}
				p.Encr.KeyBits = uint16(bits)
			}
			haveCipher = true
			continue
		}
		if id, ok := espInteg[kw]; ok {
			p.Integ = id
			continue
		}
		switch {
		case kw == "comp-lzs":
		case strings.HasPrefix(kw, "ah-"):
			return p, errors.New("AH is not supported")
		default:
			return p, fmt.Errorf("%s is not supported", kw)
		}
	}
	if !haveCipher {
		return p, errors.New("no ESP cipher")
	}
	if isAEAD(p.Encr.ID) {
		p.Integ = wire.IntegNone
	}
	return p, nil
}

// defaultReplayWindow is the IOS anti-replay window in packets.
const defaultReplayWindow = 64

// ipsecProfile compiles the IPsec profile named name once (nil: it does
// not exist or cannot work; the reasons were reported the first time).
func (k *compiler) ipsecProfile(name string) *spec.IPsecProfile {
	if sp, ok := k.ipsec[name]; ok {
		return sp
	}
	var sp *spec.IPsecProfile
	if pr, ok := k.c.IPsec.Profiles.Get(name); ok {
		sp = k.compileIPsecProfile(pr)
	}
	k.ipsec[name] = sp
	return sp
}

func (k *compiler) compileIPsecProfile(pr *IPsecProfile) *spec.IPsecProfile {
	obj := "crypto ipsec profile " + pr.Name
	ip := &k.c.IPsec
	secs, kb := ip.EffectiveLifetime(pr)
	sp := &spec.IPsecProfile{
		Name:          pr.Name,
		Lifetime:      seconds(secs),
		LifetimeKB:    uint64(kb),
		ReplayWindow:  replayWindow(pr, ip),
		ResponderOnly: pr.ResponderOnly,
	}
	switch {
	case pr.PFS != "":
		n, _ := strconv.Atoi(strings.TrimPrefix(pr.PFS, "group"))
		sp.PFS = wire.DHGroup(n)
	case pr.PFSDefault:
		// Cisco's `set pfs` reference: group1 when no group is given.
		sp.PFS = wire.DHModp768
	}
	names := pr.TransformSets
	if len(names) == 0 {
		names = []string{DefaultName}
	}
	for _, n := range names {
		t, ok := ip.TransformSets.Get(n)
		if !ok {
			k.warn(obj, "transform-set %s does not exist", n)
			continue
		}
		esp, err := transformSet(t)
		if err != nil {
			k.warn(obj, "transform-set %s not used: %v", n, err)
			continue
		}
		sp.Proposals = append(sp.Proposals, esp)
	}
	if len(sp.Proposals) == 0 {
		k.warn(obj, "no usable transform-set")
		return nil
	}
	if pr.IKEv2Profile != "" {
		p, ok := k.profileByName[pr.IKEv2Profile]
		if !ok {
			k.warn(obj, "ikev2-profile %s does not exist", pr.IKEv2Profile)
			return nil
		}
		sp.IKEv2 = p
	}
	return sp
}

// replayWindow is the anti-replay window of a profile: its own setting,
// else the global one, else 64; 0 when disabled.
func replayWindow(pr *IPsecProfile, ip *IPsec) int {
	switch {
	case pr.ReplayDisable:
		return 0
	case pr.ReplayWindow != 0:
		return pr.ReplayWindow
	case ip.ReplayDisable:
		return 0
	}
	return cmp.Or(ip.ReplayWindow, defaultReplayWindow)
}

// authorizations compiles every `crypto ikev2 authorization policy` by
// name (nil when there are none) and keeps them for the profiles.
func (k *compiler) authorizations() map[string]*spec.Authorization {
	var out map[string]*spec.Authorization
	k.c.IKEv2.AuthPolicies.Each(func(name string, a *AuthorizationPolicy) {
		if out == nil {
			out = map[string]*spec.Authorization{}
		}
		out[name] = k.authzPolicy(a)
	})
	k.authz = out
	return out
}

// authorization resolves the profile's `aaa authorization group` and
// `aaa authorization user` lines (the psk ones first, as the engine
// authenticates with pre-shared keys) into sp.AAA, and sp.Authorization
// when the policies do not depend on the peer (no name mangler).
func (k *compiler) authorization(obj string, p *Profile, sp *spec.Profile) {
	group, override := k.aaaSource(obj, p.AAAGroup)
	user, _ := k.aaaSource(obj, p.AAAUser)
	sp.AAA = spec.AAA{Group: group, User: user, Override: override}
	if (group != nil && group.Mangler != nil) || (user != nil && user.Mangler != nil) {
		return
	}
	// A missing policy leaves no Authorization (warned by aaaSource); the
	// engine refuses the peers.
	sp.Authorization, _ = (&spec.Spec{Authorizations: k.authz}).AuthorizationFor(sp, spec.ID{})
}

// aaaSource returns the source of the psk line of an `aaa authorization
// group|user` list, else of its first line, with its `override`; nil when
// the line names neither a policy nor a name mangler nor `cached`.
func (k *compiler) aaaSource(obj string, lines []AAAAuthorization) (*spec.AAASource, bool) {
	i := slices.IndexFunc(lines, func(a AAAAuthorization) bool { return a.Method == "psk" })
	if i < 0 && len(lines) > 0 {
		i = 0
	}
	if i < 0 {
		return nil, false
	}
	a := lines[i]
	src := &spec.AAASource{Policy: a.Policy, Cached: a.Cached}
	if a.NameMangler != "" {
		m, ok := k.c.IKEv2.NameManglers.Get(a.NameMangler)
		if !ok {
			k.warn(obj, "name-mangler %s does not exist: authorization fails", a.NameMangler)
			m = &NameMangler{Name: a.NameMangler}
		}
		src.Mangler = &spec.NameMangler{Name: m.Name, FQDN: m.FQDN, Email: m.Email}
	}
	if src.Policy != "" && src.Policy != spec.DefaultAuthorization && k.authz[src.Policy] == nil {
		k.warn(obj, "authorization policy %s does not exist: authorization fails", src.Policy)
	}
	if src.Policy == "" && src.Mangler == nil && !src.Cached {
		return nil, a.Override
	}
	return src, a.Override
}

// authzPolicy compiles one authorization policy.
func (k *compiler) authzPolicy(a *AuthorizationPolicy) *spec.Authorization {
	obj := "crypto ikev2 authorization policy " + a.Name
	sa := &spec.Authorization{
		Name:                       a.Name,
		DNS:                        parseAddrs(a.DNS),
		IPv6DNS:                    parseAddrs(a.IPv6DNS),
		WINS:                       parseAddrs(a.WINS),
		DefDomain:                  a.DefDomain,
		Banner:                     bannerText(a.Banner),
		SplitDNS:                   append([]string(nil), a.SplitDNS...),
		RouteSetInterfaces:         append([]string(nil), a.RouteSetInterfaces...),
		AcceptRoutes:               !a.NoRouteAccept,
		RouteDistance:              a.RouteAcceptDistance,
		RouteTag:                   a.RouteAcceptTag,
		PFS:                        a.PFS,
		BackupGateways:             append([]string(nil), a.BackupGateways...),
		IncludeLocalLAN:            a.IncludeLocalLAN,
		SavePassword:               a.SavePassword,
		SmartcardRemovalDisconnect: a.SmartcardRemovalDisconnect,
	}
	sa.Netmask, _ = netip.ParseAddr(a.Netmask)
	k.authzPools(obj, a, sa)
	// `subnet-acl` is the older form of `route set access-list`: both
	// push the list's networks as INTERNAL_IP4/6_SUBNET.
	for _, acl := range []struct {
		name string
		v6   bool
	}{{a.RouteSetACL, false}, {a.RouteSetACLv6, true}, {a.SubnetACL, false}, {a.IPv6SubnetACL, true}} {
		sa.Routes = append(sa.Routes, k.aclPrefixes(obj, acl.name, acl.v6)...)
	}
	for _, r := range a.RouteSetRemote {
		f := strings.Fields(r)
		if len(f) < 2 {
			continue
		}
		if p, err := addrMask(f[1], strings.Join(f[2:], "")); err == nil {
			sa.Routes = append(sa.Routes, p)
		}
	}
	return sa
}

func (k *compiler) authzPools(obj string, a *AuthorizationPolicy, sa *spec.Authorization) {
	if a.Pool != "" {
		if pool, ok := k.c.Pools.Get(a.Pool); ok {
			sa.PoolName = a.Pool
			for _, r := range pool.Ranges {
				sa.Pool = append(sa.Pool, spec.AddrRange{First: r.Low, Last: r.High})
			}
		} else {
			k.warn(obj, "ip local pool %s does not exist", a.Pool)
		}
	}
	if a.IPv6Pool != "" {
		if pool, ok := k.c.V6Pools.Get(a.IPv6Pool); ok {
			sa.IPv6PoolName, sa.IPv6Pool, sa.IPv6PoolLen = a.IPv6Pool, pool.Prefix, pool.PrefixLen
		} else {
			k.warn(obj, "ipv6 local pool %s does not exist", a.IPv6Pool)
		}
	}
}

// pools6 returns the IPv6 local pools.
func (k *compiler) pools6() []spec.Pool6 {
	var out []spec.Pool6
	k.c.V6Pools.Each(func(name string, p *LocalPool) {
		out = append(out, spec.Pool6{Name: name, Prefix: p.Prefix, AssignLen: p.PrefixLen})
	})
	return out
}

// pools returns the IPv4 local pools.
func (k *compiler) pools() []spec.Pool {
	var out []spec.Pool
	k.c.Pools.Each(func(name string, p *LocalPool) {
		sp := spec.Pool{Name: name}
		for _, r := range p.Ranges {
			sp.Ranges = append(sp.Ranges, spec.AddrRange{First: r.Low, Last: r.High})
		}
		out = append(out, sp)
	})
	return out
}

// bannerText returns the text of a `banner` as typed without the
// delimiter that opens and closes it: a character that is not a letter
// or digit (`banner #text#`), or a caret sequence (`banner ^Ctext^C`).
func bannerText(typed string) string {
	s := strings.TrimSpace(typed)
	r, n := utf8.DecodeRuneInString(s)
	if r == '^' && len(s) > 1 {
		n = 2
	} else if unicode.IsLetter(r) || unicode.IsDigit(r) {
		return s
	}
	delim := s[:n]
	if len(s) >= 2*n && strings.HasSuffix(s, delim) {
		return strings.TrimSpace(s[n : len(s)-n])
	}
	return s
}

// aclPrefixes returns the prefixes a `route set access-list` pushes: the
// permit entries' source (standard and IPv6 lists) or destination
// (extended lists; best knowledge, IOS documents standard lists only).
func (k *compiler) aclPrefixes(obj, name string, v6 bool) []netip.Prefix {
	if name == "" {
		return nil
	}
	kind := ACLStandard
	if v6 {
		kind = ACLIPv6
	}
	l, ok := k.c.ACLs.Get(ACLKey(kind, name))
	if !ok {
		k.warn(obj, "access-list %s does not exist", name)
		return nil
	}
	var out []netip.Prefix
	for _, e := range l.Entries {
		if e.Action != "permit" {
			continue
		}
		a := e.Src
		if l.Kind == ACLExtended {
			a = e.Dst
		}
		if p, ok := aclPrefix(a, v6); ok {
			out = append(out, p)
		} else {
			k.warn(obj, "access-list %s entry %d is not a prefix: not pushed", name, e.Seq)
		}
	}
	return out
}

// aclPrefix converts an access-list address to a prefix.
func aclPrefix(a ACLAddr, v6 bool) (netip.Prefix, bool) {
	switch {
	case a.Any && v6:
		return netip.PrefixFrom(netip.IPv6Unspecified(), 0), true
	case a.Any:
		return netip.PrefixFrom(netip.IPv4Unspecified(), 0), true
	case a.Prefix.IsValid():
		return a.Prefix.Masked(), true
	case !a.Addr.IsValid():
		return netip.Prefix{}, false
	case !a.Wildcard.IsValid() || !a.Addr.Is4():
		return netip.PrefixFrom(a.Addr, a.Addr.BitLen()), true
	}
	w := a.Wildcard.As4()
	mask := netip.AddrFrom4([4]byte{^w[0], ^w[1], ^w[2], ^w[3]})
	bits, ok := MaskBits(mask)
	if !ok {
		return netip.Prefix{}, false
	}
	return netip.PrefixFrom(a.Addr, bits).Masked(), true
}

// parseAddrs parses address texts, skipping any that do not parse.
func parseAddrs(texts []string) []netip.Addr {
	var out []netip.Addr
	for _, t := range texts {
		if a, err := netip.ParseAddr(t); err == nil {
			out = append(out, a)
		}
	}
	return out
}
