package spec

import (
	"net/netip"
	"slices"
)

// Matches reports whether the policy applies to an IKE SA on the local
// address local in the front-door VRF fvrf ("" for the global table).
// Lines of one kind are alternatives, the kinds must all match (Cisco's
// rule for `crypto ikev2 policy`): `match fvrf` (absent: the global table
// only; `any`: every VRF) and `match address local` (absent: every
// address).
func (p *Policy) Matches(local netip.Addr, fvrf string) bool {
	if p.MatchFVRF != AnyVRF && p.MatchFVRF != fvrf {
		return false
	}
	return len(p.MatchLocal) == 0 || slices.Contains(p.MatchLocal, local.Unmap())
}

// PolicyFor returns the policy whose proposals an IKE SA on local in fvrf
// offers (initiator) and accepts (responder): the first matching policy in
// Spec.Policies, where the `default` policy comes last and so serves as
// the fallback (Cisco: "in the case of multiple possible policy matches,
// the first policy is selected"; UNCONFIRMED whether IOS also falls back
// to the default policy when user policies exist but none matches). ok is
// false when no policy matches: the negotiation cannot start.
func (s *Spec) PolicyFor(local netip.Addr, fvrf string) (*Policy, bool) {
	for i := range s.Policies {
		if s.Policies[i].Matches(local, fvrf) {
			return &s.Policies[i], true
		}
	}
	return nil, false
}

// Query describes an IKE SA for which a responder chooses a profile.
type Query struct {
	// Local is the local IKE address the request arrived on; FVRF its
	// front-door VRF ("" for the global table).
	Local netip.Addr
	FVRF  string
	// RemoteID is the peer's identity (IDi).
	RemoteID ID
	// IfaceAddrs returns the current addresses of a host interface, for
	// Profile.MatchLocalIfaces; nil when none are known.
	IfaceAddrs func(iface string) []netip.Addr
}

// MatchesIdentity reports whether one of the profile's `match identity
// remote` lines accepts id (an initiator checks the responder's IDr with
// it too).
func (p *Profile) MatchesIdentity(id ID) bool {
	for _, m := range p.MatchIdentities {
		if m.Matches(id) {
			return true
		}
	}
	return false
}

// Matches reports whether the profile accepts the session as responder:
// not shut down, and every kind of match line satisfied (`match fvrf`,
// `match address local`, `match identity remote`; lines of one kind are
// alternatives).
func (p *Profile) Matches(q Query) bool {
	if p.Shutdown || (p.MatchFVRF != AnyVRF && p.MatchFVRF != q.FVRF) {
		return false
	}
	return p.matchesLocal(q) && p.MatchesIdentity(q.RemoteID)
}

func (p *Profile) matchesLocal(q Query) bool {
	if len(p.MatchLocal) == 0 && len(p.MatchLocalIfaces) == 0 {
		return true
	}
	local := q.Local.Unmap()
	if slices.Contains(p.MatchLocal, local) {
		return true
	}
	if q.IfaceAddrs == nil {
		return false
	}
	for _, name := range p.MatchLocalIfaces {
		if slices.Contains(q.IfaceAddrs(name), local) {
			return true
		}
	}
	return false
}

// ProfileFor returns the profile a responder uses for the session: the
// first matching profile in configuration order. Cisco calls overlapping
// profiles a misconfiguration; taking the first keeps the choice
// deterministic.
func (s *Spec) ProfileFor(q Query) (*Profile, bool) {
	for _, p := range s.Profiles {
		if p.Matches(q) {
			return p, true
		}
	}
	return nil, false
}

// PSKs returns the pre-shared keys of a session with the peer at addr
// with identity id (zero as initiator): the profile's inline
// `authentication local|remote pre-share key` keys, else the keys of the
// keyring peer Keyring.Find selects. ok is false when either key is
// missing.
func (p *Profile) PSKs(addr netip.Addr, id ID) (local, remote []byte, ok bool) {
	local = p.AuthLocal.Key
	for _, m := range p.AuthRemote {
		if m.Method == MethodPreShare && m.Key != nil {
			remote = m.Key
		}
	}
	if local == nil || remote == nil {
		if peer, found := p.Keyring.Find(addr, id); found {
			local = orBytes(local, peer.LocalKey)
			remote = orBytes(remote, peer.RemoteKey)
		}
	}
	return local, remote, len(local) > 0 && len(remote) > 0
}

// orBytes returns a unless it is nil, else b.
func orBytes(a, b []byte) []byte {
	if a != nil {
		return a
	}
	return b
}

// Profile returns the profile named name.
func (s *Spec) Profile(name string) (*Profile, bool) {
	for _, p := range s.Profiles {
		if p.Name == name {
			return p, true
		}
	}
	return nil, false
}

// Template returns the virtual template numbered n.
func (s *Spec) Template(n int) (*Template, bool) {
	for i := range s.Templates {
		if s.Templates[i].Number == n {
			return &s.Templates[i], true
		}
	}
	return nil, false
}
