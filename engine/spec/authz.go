package spec

import (
	"errors"
	"fmt"
	"strings"

	"github.com/flexvpnd/flexvpnd/engine/ikev2/wire"
)

// AAA is the local authorization of an IKEv2 profile: its `aaa
// authorization group [override] psk|eap|cert list LIST [NAME |
// name-mangler M]` and `aaa authorization user psk|eap|cert {cached | list
// LIST [NAME | name-mangler M]}` lines for the method the engine
// authenticates with (pre-shared keys; the psk line, else the first
// configured one). The method list is `aaa authorization network LIST
// local` (the `crypto ikev2 authorization policy` blocks): no RADIUS.
//
// IOS semantics (Cisco FlexVPN and IKEv2 configuration guide, "aaa
// authorization (IKEv2 profile)"): group and user authorization each
// yield the attributes of one authorization policy, found by the name
// given on the line or by the name the name mangler derives from the
// peer's identity after authentication; the user attributes take
// precedence when both set one, unless `group override`. A name that
// names no policy, or an identity the mangler cannot turn into a name,
// fails the authorization and so IKE_AUTH (a practitioner's account of IOS
// ("IKEv2 Name Mangler Tidbit", learnitwithcifelli.com): "should the
// authorization policy not be found then the tunnel will not come up";
// there is no silent fallback to the `default` policy, which is used only
// when named, as in Cisco's `aaa authorization group psk list L default`).
type AAA struct {
	// Group and User are the group and user authorization (nil: none).
	Group, User *AAASource
	// Override is `group override`: group attributes win the merge.
	Override bool
}

// AAASource is where one `aaa authorization` line takes its policy from.
type AAASource struct {
	// Policy is the authorization policy named on the line ("" when
	// Mangler or Cached gives it).
	Policy string
	// Mangler derives the policy name from the peer's identity.
	Mangler *NameMangler
	// Cached is `user ... cached`: the attributes obtained during EAP
	// authentication. Without EAP there are none, so it contributes
	// nothing.
	Cached bool
}

// NameMangler is a `crypto ikev2 name-mangler`: how a peer identity
// becomes an AAA user name. IOS derives names from FQDN, e-mail, DN and
// EAP identities, never from an address or key-id identity.
type NameMangler struct {
	Name string
	// FQDN is `fqdn all|hostname|domain` ("" when absent): the whole
	// name, the part before the first dot, or the part after it.
	FQDN string
	// Email is `email all|username|domain`: the whole address, the part
	// before the @, or the part after it.
	Email string
}

// Apply returns the name m derives from id, false when m has no rule for
// the identity's type or the rule leaves an empty name.
func (m *NameMangler) Apply(id ID) (string, bool) {
	var rule, sep string
	switch id.Type {
	case wire.IDFQDN:
		rule, sep = m.FQDN, "."
	case wire.IDRFC822Addr:
		rule, sep = m.Email, "@"
	default:
		return "", false
	}
	s := string(id.Data)
	before, after, found := strings.Cut(s, sep)
	var out string
	switch rule {
	case "all":
		out = s
	case "hostname", "username":
		out = before
	case "domain":
		if found {
			out = after
		}
	}
	return out, out != ""
}

// ErrAuthorization is wrapped by the errors of Spec.AuthorizationFor: the
// peer is refused (IKE_AUTH fails).
var ErrAuthorization = errors.New("authorization failed")

// AuthorizationFor returns the authorization policy that applies to a
// peer of profile p with the identity peer: the group policy merged with
// the user policy (see AAA), nil when the profile has no local
// authorization. Policies come from s.Authorizations. A profile without
// AAA sources (a spec built by hand) has p.Authorization.
func (s *Spec) AuthorizationFor(p *Profile, peer ID) (*Authorization, error) {
	if p.AAA.Group == nil && p.AAA.User == nil {
		return p.Authorization, nil
	}
	group, err := s.authzSource(p.AAA.Group, peer)
	if err != nil {
		return nil, fmt.Errorf("group %w", err)
	}
	user, err := s.authzSource(p.AAA.User, peer)
	if err != nil {
		return nil, fmt.Errorf("user %w", err)
	}
	if p.AAA.Override {
		return Merge(group, user), nil
	}
	return Merge(user, group), nil
}

// authzSource returns the policy of one `aaa authorization` line.
func (s *Spec) authzSource(src *AAASource, peer ID) (*Authorization, error) {
	if src == nil || src.Cached {
		return nil, nil
	}
	name := src.Policy
	if src.Mangler != nil {
		n, ok := src.Mangler.Apply(peer)
		if !ok {
			return nil, fmt.Errorf("%w: name-mangler %s derives no name from identity type %v", ErrAuthorization, src.Mangler.Name, peer.Type)
		}
		name = n
	}
	if name == "" {
		return nil, nil
	}
	a, ok := s.Authorizations[name]
	switch {
	case ok:
		return a, nil
	case name == DefaultAuthorization:
		return smartDefaultAuthz, nil
	}
	return nil, fmt.Errorf("%w: no authorization policy %q", ErrAuthorization, name)
}

// DefaultAuthorization is the name of IOS-XE's smart default
// authorization policy, which exists unless configured otherwise.
const DefaultAuthorization = "default"

// smartDefaultAuthz stands for the smart default authorization policy when
// the configuration does not define `default`: routes from the peer are
// accepted. What else IOS-XE's smart default holds (`route set
// interface`, a tag and distance on `route accept`) is UNCONFIRMED and not
// applied.
var smartDefaultAuthz = &Authorization{Name: DefaultAuthorization, AcceptRoutes: true}

// Merge returns the attributes of first with those it leaves unset taken
// from second, attribute by attribute (a list such as `dns` or the `route
// set` networks is one attribute); nil when both are nil. The result's
// Name is first's. The inputs are not modified.
func Merge(first, second *Authorization) *Authorization {
	switch {
	case first == nil:
		return second
	case second == nil:
		return first
	}
	out := *first
	if out.PoolName == "" {
		out.PoolName, out.Pool = second.PoolName, second.Pool
	}
	if out.IPv6PoolName == "" {
		out.IPv6PoolName, out.IPv6Pool, out.IPv6PoolLen = second.IPv6PoolName, second.IPv6Pool, second.IPv6PoolLen
	}
	if !out.Netmask.IsValid() {
		out.Netmask = second.Netmask
	}
	out.DNS = orList(out.DNS, second.DNS)
	out.IPv6DNS = orList(out.IPv6DNS, second.IPv6DNS)
	out.WINS = orList(out.WINS, second.WINS)
	out.DefDomain = orString(out.DefDomain, second.DefDomain)
	out.Banner = orString(out.Banner, second.Banner)
	out.SplitDNS = orList(out.SplitDNS, second.SplitDNS)
	out.BackupGateways = orList(out.BackupGateways, second.BackupGateways)
	out.PFS = out.PFS || second.PFS
	out.IncludeLocalLAN = out.IncludeLocalLAN || second.IncludeLocalLAN
	out.SavePassword = out.SavePassword || second.SavePassword
	out.SmartcardRemovalDisconnect = out.SmartcardRemovalDisconnect || second.SmartcardRemovalDisconnect
	if len(out.Routes) == 0 && len(out.RouteSetInterfaces) == 0 {
		out.Routes, out.RouteSetInterfaces = second.Routes, second.RouteSetInterfaces
	}
	if !out.routeAcceptSet() {
		out.AcceptRoutes, out.RouteDistance, out.RouteTag = second.AcceptRoutes, second.RouteDistance, second.RouteTag
	}
	return &out
}

// routeAcceptSet reports whether the policy configures `route accept`
// (`no route accept`, or `route accept any` with a tag or distance).
func (a *Authorization) routeAcceptSet() bool {
	return !a.AcceptRoutes || a.RouteDistance != 0 || a.RouteTag != 0
}

func orList[T any](a, b []T) []T {
	if len(a) > 0 {
		return a
	}
	return b
}

func orString(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
