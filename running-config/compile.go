package runningconfig

import (
	"cmp"
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/flexvpnd/flexvpnd/engine/ikev2/wire"
	"github.com/flexvpnd/flexvpnd/engine/spec"
)

// Warning is a problem Compile found: IOS accepts the configuration, but
// the named object is left out of the spec (a tunnel that stays down, a
// policy without a usable proposal) or part of it is ignored.
type Warning struct {
	// Object names the configuration block: "interface Tunnel0",
	// "crypto ikev2 profile P".
	Object string
	// Message says what is wrong and what the engine does about it.
	Message string
}

// String renders the warning as "interface Tunnel0: message".
func (w Warning) String() string { return w.Object + ": " + w.Message }

// Compile turns the configuration into the engine's desired state: every
// name resolved (policy → proposals, profile → keyring, tunnel → IPsec
// profile → transform-sets and IKEv2 profile), the smart defaults applied,
// and nothing shared with c (the spec is an immutable snapshot). What
// cannot work is left out and reported as a Warning, as IOS keeps such an
// object configured but inactive.
func (c *Config) Compile() (*spec.Spec, []Warning) {
	k := &compiler{c: c, keyrings: map[string]*spec.Keyring{}, ipsec: map[string]*spec.IPsecProfile{}}
	s := &spec.Spec{Hostname: c.Hostname, Global: k.global()}
	s.Policies = k.policies()
	s.Authorizations = k.authorizations()
	s.Profiles = k.profiles(s.Global)
	s.Tunnels, s.Templates = k.interfaces(s.Profiles)
	s.Loopbacks = k.loopbacks()
	s.Routes = k.routes(s)
	s.Pools, s.Pools6 = k.pools(), k.pools6()
	s.Tracks, s.NameServers = k.tracks(), k.nameServers()
	return s, k.warnings
}

// compiler holds the state of one Compile: the warnings and the objects
// already compiled, so that shared references stay shared.
type compiler struct {
	c        *Config
	warnings []Warning
	keyrings map[string]*spec.Keyring
	// profileByName maps IKEv2 profile names to their compiled values.
	profileByName map[string]*spec.Profile
	// ipsec maps IPsec profile names to their compiled values (nil: not
	// usable).
	ipsec map[string]*spec.IPsecProfile
	// authz maps authorization policy names to their compiled values
	// (compile_ipsec.go).
	authz map[string]*spec.Authorization
}

func (k *compiler) warn(object, format string, args ...any) {
	k.warnings = append(k.warnings, Warning{Object: object, Message: fmt.Sprintf(format, args...)})
}

// global compiles the global `crypto ikev2` lines.
func (k *compiler) global() spec.Global {
	v2 := &k.c.IKEv2
	g := spec.Global{
		CookieChallenge:    v2.CookieChallenge,
		MaxInNegotiationSA: v2.MaxInNegotiationSA,
		MaxSA:              v2.MaxSA,
		DPD:                compileDPD(v2.DPD),
		NATKeepalive:       seconds(v2.NATKeepalive),
	}
	if v2.Fragmentation {
		g.FragmentMTU = cmp.Or(v2.FragmentMTU, defaultFragmentMTU)
	}
	return g
}

// defaultFragmentMTU is the IKE fragment size of `crypto ikev2
// fragmentation` without `mtu`.
const defaultFragmentMTU = 576

func compileDPD(d *DPD) *spec.DPD {
	if d == nil {
		return nil
	}
	return &spec.DPD{Interval: seconds(d.Interval), Retry: seconds(d.Retry), Periodic: d.Mode == "periodic"}
}

func seconds(n int) time.Duration { return time.Duration(n) * time.Second }

// Algorithm tables: IOS keyword → IANA transform (RFC 7296 section 3.3.2,
// RFC 4868 for SHA-2, RFC 5282 for AES-GCM in IKEv2).
var (
	ikeCiphers = map[string]spec.Cipher{
		"des":         {ID: encrDES},
		"3des":        {ID: wire.Encr3DES},
		"aes-cbc-128": {ID: wire.EncrAESCBC, KeyBits: 128},
		"aes-cbc-192": {ID: wire.EncrAESCBC, KeyBits: 192},
		"aes-cbc-256": {ID: wire.EncrAESCBC, KeyBits: 256},
		"aes-gcm-128": {ID: wire.EncrAESGCM16, KeyBits: 128},
		"aes-gcm-256": {ID: wire.EncrAESGCM16, KeyBits: 256},
	}
	ikeInteg = map[string]wire.IntegID{
		"md5": wire.IntegHMACMD596, "sha1": wire.IntegHMACSHA196, "sha256": wire.IntegHMACSHA2256128,
		"sha384": wire.IntegHMACSHA2384192, "sha512": wire.IntegHMACSHA2512256,
	}
	ikePRF = map[string]wire.PRFID{
		"md5": wire.PRFHMACMD5, "sha1": wire.PRFHMACSHA1, "sha256": wire.PRFHMACSHA2256,
		"sha384": wire.PRFHMACSHA2384, "sha512": wire.PRFHMACSHA2512,
	}
)

// IANA encryption IDs the wire package does not name: ENCR_DES (RFC 2405)
// and ENCR_NULL_AUTH_AES_GMAC (RFC 4543).
const (
	encrDES             wire.EncrID = 2
	encrNullAuthAESGMAC wire.EncrID = 21
)

func isAEAD(id wire.EncrID) bool {
	return id == wire.EncrAESGCM8 || id == wire.EncrAESGCM12 || id == wire.EncrAESGCM16 ||
		id == wire.EncrChaCha20Poly1305 || id == encrNullAuthAESGMAC
}

// proposal compiles an IKEv2 proposal; it returns an error when the
// proposal is incomplete (IOS: "IKEv2 proposal MUST either have a set of
// an encryption algorithm other than aes-gcm, an integrity algorithm and a
// DH group configured or encryption algorithm aes-gcm, a prf algorithm and
// a DH group configured"). A proposal that mixes AES-GCM with other
// ciphers becomes two proposals, the combined-mode one without integrity
// algorithms (RFC 5282 section 8), then the other.
func proposal(p *Proposal) ([]spec.IKEProposal, error) {
	var aead, other []spec.Cipher
	for _, e := range p.Encryption {
		if c := ikeCiphers[e]; isAEAD(c.ID) {
			aead = append(aead, c)
		} else {
			other = append(other, c)
		}
	}
	base := spec.IKEProposal{Name: p.Name}
	prfs := p.PRF
	if len(prfs) == 0 {
		prfs = p.Integrity // IOS: the PRF of each integrity algorithm
	}
	for _, f := range prfs {
		base.PRF = append(base.PRF, ikePRF[f])
	}
	for _, g := range p.Group {
		base.Groups = append(base.Groups, wire.DHGroup(g))
	}
	switch {
	case len(aead)+len(other) == 0:
		return nil, errors.New("no encryption algorithm")
	case len(base.Groups) == 0:
		return nil, errors.New("no DH group")
	case len(other) > 0 && len(p.Integrity) == 0:
		return nil, errors.New("no integrity algorithm")
	case len(base.PRF) == 0:
		return nil, errors.New("no prf algorithm")
	}
	var out []spec.IKEProposal
	if len(aead) > 0 {
		pr := base
		pr.Encr = aead
		out = append(out, pr)
	}
	if len(other) > 0 {
		pr := base
		pr.Encr = other
		for _, i := range p.Integrity {
			pr.Integ = append(pr.Integ, ikeInteg[i])
		}
		out = append(out, pr)
	}
	return out, nil
}

// policies compiles the IKEv2 policies: the configured ones in order,
// then `default` as the fallback. A proposal no policy names is never
// offered (an IOS capture negotiates the default proposal although
// another one is configured).
func (k *compiler) policies() []spec.Policy {
	var out []spec.Policy
	add := func(p *Policy) {
		if sp, ok := k.policy(p); ok {
			out = append(out, sp)
		}
	}
	k.c.IKEv2.Policies.Each(func(name string, p *Policy) {
		if name != DefaultName {
			add(p)
		}
	})
	if p, ok := k.c.IKEv2.Policies.Get(DefaultName); ok {
		add(p)
	}
	return out
}

func (k *compiler) policy(p *Policy) (spec.Policy, bool) {
	obj := "crypto ikev2 policy " + p.Name
	sp := spec.Policy{Name: p.Name, MatchFVRF: p.FVRF}
	for _, a := range p.LocalAddresses {
		if addr, err := netip.ParseAddr(a); err == nil {
			sp.MatchLocal = append(sp.MatchLocal, addr.Unmap())
		}
	}
	for _, name := range p.Proposals {
		pr, ok := k.c.IKEv2.Proposals.Get(name)
		if !ok {
			k.warn(obj, "proposal %s does not exist", name)
			continue
		}
		cp, err := proposal(pr)
		if err != nil {
			k.warn(obj, "proposal %s is incomplete (%v)", name, err)
			continue
		}
		sp.Proposals = append(sp.Proposals, cp...)
	}
	if len(sp.Proposals) == 0 {
		k.warn(obj, "no complete proposal: policy not used")
		return sp, false
	}
	return sp, true
}

// key returns the bytes of a configured key; a type 6 key cannot be
// decrypted (flexvpnd has no `key config-key password-encrypt` master
// key), so it yields nil with a warning.
func (k *compiler) key(obj string, key *Key) []byte {
	switch {
	case key == nil:
		return nil
	case key.Type == 6:
		k.warn(obj, "type 6 key cannot be decrypted: key not used")
		return nil
	}
	return []byte(key.Text)
}

// keyring compiles a keyring once; profiles naming it share the value.
func (k *compiler) keyring(r *Keyring) *spec.Keyring {
	if sk, ok := k.keyrings[r.Name]; ok {
		return sk
	}
	sk := &spec.Keyring{Name: r.Name}
	if r.Peers.Len() > 0 {
		sk.Peers = make([]spec.KeyringPeer, 0, r.Peers.Len())
	}
	r.Peers.Each(func(_ string, p *KeyringPeer) {
		obj := "crypto ikev2 keyring " + r.Name + " peer " + p.Name
		sp := spec.KeyringPeer{Name: p.Name, Hostname: p.Hostname}
		if p.Address != "" {
			pfx, err := addrMask(p.Address, p.Mask)
			if err != nil {
				k.warn(obj, "address %s: %v", p.Address, err)
			}
			sp.Prefix = pfx
		}
		if p.Identity != nil {
			sp.Identity = identity(*p.Identity)
		}
		both := k.key(obj, p.PSK)
		sp.LocalKey = orBytes(k.key(obj, p.PSKLocal), both)
		sp.RemoteKey = orBytes(k.key(obj, p.PSKRemote), both)
		sk.Peers = append(sk.Peers, sp)
	})
	k.keyrings[r.Name] = sk
	return sk
}

func orBytes(a, b []byte) []byte {
	if a != nil {
		return a
	}
	return b
}

// addrMask returns the prefix of an IPv4 address with an optional dotted
// mask, or of an IPv6 prefix or address. Without a mask an address is a
// host prefix, except the unspecified address, which matches every
// address: real configurations use `match identity remote address
// 0.0.0.0` as the wildcard of the keyring's `address 0.0.0.0 0.0.0.0`.
func addrMask(addr, mask string) (netip.Prefix, error) {
	if strings.Contains(addr, "/") {
		p, err := netip.ParsePrefix(addr)
		return p.Masked(), err
	}
	a, err := netip.ParseAddr(addr)
	if err != nil {
		return netip.Prefix{}, err
	}
	bits := a.BitLen()
	if a.IsUnspecified() {
		bits = 0
	}
	if mask != "" {
		m, err := netip.ParseAddr(mask)
		if err != nil {
			return netip.Prefix{}, err
		}
		n, ok := MaskBits(m)
		if !ok {
			return netip.Prefix{}, fmt.Errorf("mask %s is not contiguous", mask)
		}
		bits = n
	}
	return netip.PrefixFrom(a, bits).Masked(), nil
}

var idKinds = map[string]spec.IDKind{
	"address": spec.IDAddress, "fqdn": spec.IDFQDN, "email": spec.IDEmail,
	"key-id": spec.IDKeyID, "dn": spec.IDDN, "any": spec.IDAny,
}

// identity compiles a keyring peer's `identity` or a profile's `identity
// local` (an address, or a name).
func identity(id Identity) spec.Identity {
	out := spec.Identity{Kind: idKinds[id.Type], Domain: id.Domain}
	if out.Kind == spec.IDAddress {
		if a, err := netip.ParseAddr(id.Value); err == nil {
			out.Addr = a.Unmap()
		}
		return out
	}
	out.Name = id.Value
	return out
}

// identityMatch compiles a `match identity remote` line.
func identityMatch(id Identity) (spec.IdentityMatch, error) {
	m := spec.IdentityMatch{Kind: idKinds[id.Type], Domain: id.Domain}
	if m.Kind != spec.IDAddress {
		m.Name = id.Value
		return m, nil
	}
	p, err := addrMask(id.Value, id.Mask)
	m.Prefix = p
	return m, err
}

// profiles compiles every IKEv2 profile; g supplies the global DPD and NAT
// keepalive defaults.
func (k *compiler) profiles(g spec.Global) []*spec.Profile {
	k.profileByName = make(map[string]*spec.Profile, k.c.IKEv2.Profiles.Len())
	var out []*spec.Profile
	k.c.IKEv2.Profiles.Each(func(name string, p *Profile) {
		sp := k.profile(p, g)
		k.profileByName[name] = sp
		out = append(out, sp)
	})
	return out
}

func (k *compiler) profile(p *Profile, g spec.Global) *spec.Profile {
	obj := "crypto ikev2 profile " + p.Name
	sp := &spec.Profile{
		Name:            p.Name,
		Description:     p.Description,
		MatchFVRF:       p.MatchFVRF,
		Lifetime:        seconds(p.EffectiveLifetime()),
		DPD:             compileDPD(p.DPD),
		NATKeepalive:    seconds(p.NATKeepalive),
		VirtualTemplate: p.VirtualTemplate,
		IVRF:            p.IVRF,
		Shutdown:        p.Shutdown,
		ConfigExchange: spec.ConfigExchange{
			Request: !p.NoConfigRequest, SetSend: !p.NoConfigSetSend, SetAccept: !p.NoConfigSetAccept,
		},
	}
	if sp.DPD == nil {
		sp.DPD = cloneDPD(g.DPD)
	}
	if sp.NATKeepalive == 0 {
		sp.NATKeepalive = g.NATKeepalive
	}
	k.profileMatch(obj, p, sp)
	if p.LocalIdentity != nil {
		sp.LocalID = identity(*p.LocalIdentity)
	}
	if p.AuthLocal != nil {
		sp.AuthLocal = spec.AuthMethod{Method: p.AuthLocal.Method, Key: k.key(obj, p.AuthLocal.Key)}
	}
	for _, m := range p.AuthRemote {
		sp.AuthRemote = append(sp.AuthRemote, spec.AuthMethod{Method: m.Method, Key: k.key(obj, m.Key)})
	}
	k.profileKeyring(obj, p, sp)
	k.profileVirtualTemplate(obj, p)
	k.authorization(obj, p, sp)
	k.checkProfile(obj, p, sp)
	return sp
}

// checkProfile reports what IOS's banner says a profile must have ("a
// local and a remote authentication method; a match identity or a match
// certificate or match any statement") and pre-shared-key authentication
// without any key. The profile stays in the spec: sessions with it fail as
// they would on IOS.
func (k *compiler) checkProfile(obj string, p *Profile, sp *spec.Profile) {
	if sp.AuthLocal.Method == "" || len(sp.AuthRemote) == 0 {
		k.warn(obj, "incomplete: a local and a remote authentication method are needed")
	}
	if len(p.MatchIdentities) == 0 && len(p.MatchCertificates) == 0 {
		k.warn(obj, "incomplete: no match identity remote, the profile matches no peer")
	}
	usesPSK := sp.AuthLocal.Method == spec.MethodPreShare && sp.AuthLocal.Key == nil
	for _, m := range sp.AuthRemote {
		usesPSK = usesPSK || m.Method == spec.MethodPreShare && m.Key == nil
	}
	if usesPSK && sp.Keyring == nil {
		k.warn(obj, "pre-share authentication without a key or a local keyring")
	}
}

func cloneDPD(d *spec.DPD) *spec.DPD {
	if d == nil {
		return nil
	}
	c := *d
	return &c
}

// profileMatch compiles the profile's match lines.
func (k *compiler) profileMatch(obj string, p *Profile, sp *spec.Profile) {
	for _, l := range p.MatchLocal {
		if name, ok := strings.CutPrefix(l, "interface "); ok {
			addrs := k.ifaceAddrs(name, nil)
			if len(addrs) == 0 {
				sp.MatchLocalIfaces = append(sp.MatchLocalIfaces, name)
			}
			for _, a := range addrs {
				sp.MatchLocal = append(sp.MatchLocal, a.Addr())
			}
			continue
		}
		if a, err := netip.ParseAddr(l); err == nil {
			sp.MatchLocal = append(sp.MatchLocal, a.Unmap())
		}
	}
	for _, id := range p.MatchIdentities {
		m, err := identityMatch(id)
		if err != nil {
			k.warn(obj, "match identity remote %s: %v", id, err)
			continue
		}
		sp.MatchIdentities = append(sp.MatchIdentities, m)
	}
	if len(p.MatchCertificates) > 0 {
		k.warn(obj, "match certificate is not supported: certificate maps are ignored")
	}
}

func (k *compiler) profileKeyring(obj string, p *Profile, sp *spec.Profile) {
	switch {
	case p.Keyring == nil:
	case p.Keyring.AAA:
		k.warn(obj, "keyring aaa is not supported: no keyring")
	default:
		r, ok := k.c.IKEv2.Keyrings.Get(p.Keyring.Name)
		if !ok {
			k.warn(obj, "keyring %s does not exist", p.Keyring.Name)
			return
		}
		sp.Keyring = k.keyring(r)
	}
}

func (k *compiler) profileVirtualTemplate(obj string, p *Profile) {
	if p.VirtualTemplate == 0 {
		return
	}
	name := "Virtual-Template" + strconv.Itoa(p.VirtualTemplate)
	if x, ok := k.c.Ifaces.Get(name); !ok || !x.IsTunnel() {
		k.warn(obj, "virtual-template %d: interface %s type tunnel is not configured", p.VirtualTemplate, name)
	}
}
