package runningconfig

import (
	"net/netip"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/flexvpnd/flexvpnd/engine/spec"
)

// TestCompileAuthorization covers the profile's `aaa authorization group
// | user` lines: a named policy, a name mangler, `cached`, `override`,
// the psk line chosen among methods, and missing names (warned; the
// engine then refuses the peer).
func TestCompileAuthorization(t *testing.T) {
	host := &spec.NameMangler{Name: "HOST", FQDN: "hostname"}
	tests := []struct {
		name      string
		group     []AAAAuthorization
		user      []AAAAuthorization
		wantAAA   spec.AAA
		wantAuthz string // the name of the static Authorization, "" for nil
		warnings  []string
	}{
		{"named group", []AAAAuthorization{{Method: "psk", List: "L", Policy: "G"}}, nil,
			spec.AAA{Group: &spec.AAASource{Policy: "G"}}, "G", nil},
		{"psk line first", []AAAAuthorization{{Method: "cert", List: "L", Policy: "U"}, {Method: "psk", List: "L", Policy: "G"}}, nil,
			spec.AAA{Group: &spec.AAASource{Policy: "G"}}, "G", nil},
		{"name mangler", []AAAAuthorization{{Method: "psk", List: "L", NameMangler: "HOST"}}, nil,
			spec.AAA{Group: &spec.AAASource{Mangler: host}}, "", nil},
		{"user over group", []AAAAuthorization{{Method: "psk", List: "L", Policy: "G"}}, []AAAAuthorization{{Method: "psk", List: "L", Policy: "U"}},
			spec.AAA{Group: &spec.AAASource{Policy: "G"}, User: &spec.AAASource{Policy: "U"}}, "U", nil},
		{"group override", []AAAAuthorization{{Override: true, Method: "psk", List: "L", Policy: "G"}}, []AAAAuthorization{{Method: "psk", List: "L", Policy: "U"}},
			spec.AAA{Group: &spec.AAASource{Policy: "G"}, User: &spec.AAASource{Policy: "U"}, Override: true}, "G", nil},
		{"user cached", []AAAAuthorization{{Method: "psk", List: "L", Policy: "G"}}, []AAAAuthorization{{Method: "eap", Cached: true}},
			spec.AAA{Group: &spec.AAASource{Policy: "G"}, User: &spec.AAASource{Cached: true}}, "G", nil},
		{"smart default policy", []AAAAuthorization{{Method: "psk", List: "default", Policy: "default"}}, nil,
			spec.AAA{Group: &spec.AAASource{Policy: "default"}}, "default", nil},
		{"list without a name", []AAAAuthorization{{Method: "psk", List: "L"}}, nil, spec.AAA{}, "", nil},
		{"missing policy", []AAAAuthorization{{Method: "psk", List: "L", Policy: "NOPE"}}, nil,
			spec.AAA{Group: &spec.AAASource{Policy: "NOPE"}}, "",
			[]string{"crypto ikev2 profile P: authorization policy NOPE does not exist: authorization fails"}},
		{"missing mangler", []AAAAuthorization{{Method: "psk", List: "L", NameMangler: "GONE"}}, nil,
			spec.AAA{Group: &spec.AAASource{Mangler: &spec.NameMangler{Name: "GONE"}}}, "",
			[]string{"crypto ikev2 profile P: name-mangler GONE does not exist: authorization fails"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := New()
			c.IKEv2.AuthPolicy("G", true).DNS = []string{"10.0.0.53"}
			u := c.IKEv2.AuthPolicy("U", true)
			u.DNS, u.PFS = []string{"10.1.1.1"}, true
			c.IKEv2.NameMangler("HOST", true).FQDN = "hostname"
			pr, _ := c.IKEv2.Profile("P", true)
			pr.AAAGroup, pr.AAAUser = tc.group, tc.user
			pr.MatchIdentities = []Identity{{Type: "fqdn", Value: "example.com", Domain: true}}
			pr.AuthLocal, pr.AuthRemote = &AuthMethod{Method: "pre-share", Key: &Key{Text: "k"}}, []AuthMethod{{Method: "pre-share", Key: &Key{Text: "k"}}}
			s, ws := c.Compile()
			if diff := cmp.Diff(tc.wantAAA, s.Profiles[0].AAA); diff != "" {
				t.Errorf("AAA (-want +got):\n%s", diff)
			}
			var got string
			if a := s.Profiles[0].Authorization; a != nil {
				got = a.Name
			}
			if got != tc.wantAuthz {
				t.Errorf("static authorization %q, want %q", got, tc.wantAuthz)
			}
			if diff := cmp.Diff(tc.warnings, warningTexts(ws)); diff != "" {
				t.Errorf("warnings (-want +got):\n%s", diff)
			}
		})
	}
}

// TestCompileAuthorizationPolicy covers the policy attributes added for
// the client (pfs, backup-gateway, flags), the route tag, `subnet-acl`
// and the IPv6 pool.
func TestCompileAuthorizationPolicy(t *testing.T) {
	c := New()
	a := c.IKEv2.AuthPolicy("A", true)
	a.PFS, a.SavePassword, a.IncludeLocalLAN, a.SmartcardRemovalDisconnect = true, true, true, true
	a.BackupGateways = []string{"hub2.example.com", "192.0.2.2"}
	a.RouteAcceptTag, a.RouteAcceptDistance = 9, 4
	a.SubnetACL, a.IPv6Pool = "S4", "V6"
	c.ACLs.Set("S4", &AccessList{Name: "S4", Kind: ACLStandard, Entries: []*ACE{
		{Seq: 10, Action: "permit", Src: ACLAddr{Addr: netip.MustParseAddr("10.5.0.0"), Wildcard: netip.MustParseAddr("0.0.255.255")}},
	}})
	c.V6Pools.Set("V6", &LocalPool{Name: "V6", Prefix: netip.MustParsePrefix("2001:db8:77::/48"), PrefixLen: 64})
	s, ws := c.Compile()
	if len(ws) != 0 {
		t.Errorf("warnings %v", warningTexts(ws))
	}
	want := &spec.Authorization{
		Name: "A", PFS: true, SavePassword: true, IncludeLocalLAN: true, SmartcardRemovalDisconnect: true,
		BackupGateways: []string{"hub2.example.com", "192.0.2.2"},
		AcceptRoutes:   true, RouteTag: 9, RouteDistance: 4,
		Routes:       []netip.Prefix{netip.MustParsePrefix("10.5.0.0/16")},
		IPv6PoolName: "V6", IPv6Pool: netip.MustParsePrefix("2001:db8:77::/48"), IPv6PoolLen: 64,
	}
	if diff := cmp.Diff(map[string]*spec.Authorization{"A": want}, s.Authorizations, equateAddrs); diff != "" {
		t.Errorf("authorizations (-want +got):\n%s", diff)
	}
	wantPools6 := []spec.Pool6{{Name: "V6", Prefix: netip.MustParsePrefix("2001:db8:77::/48"), AssignLen: 64}}
	if diff := cmp.Diff(wantPools6, s.Pools6, equateAddrs); diff != "" {
		t.Errorf("pools6 (-want +got):\n%s", diff)
	}
}
