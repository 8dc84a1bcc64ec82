package spec

import (
	"errors"
	"net/netip"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/flexvpnd/flexvpnd/engine/ikev2/wire"
)

func TestNameManglerApply(t *testing.T) {
	fqdn := func(s string) ID { return ID{Type: wire.IDFQDN, Data: []byte(s)} }
	email := func(s string) ID { return ID{Type: wire.IDRFC822Addr, Data: []byte(s)} }
	tests := []struct {
		name   string
		m      NameMangler
		id     ID
		want   string
		wantOK bool
	}{
		{"fqdn all", NameMangler{FQDN: "all"}, fqdn("spoke1.example.com"), "spoke1.example.com", true},
		{"fqdn hostname", NameMangler{FQDN: "hostname"}, fqdn("spoke1.example.com"), "spoke1", true},
		{"fqdn domain", NameMangler{FQDN: "domain"}, fqdn("spoke1.example.com"), "example.com", true},
		{"fqdn hostname without dot", NameMangler{FQDN: "hostname"}, fqdn("spoke1"), "spoke1", true},
		{"fqdn domain without dot", NameMangler{FQDN: "domain"}, fqdn("spoke1"), "", false},
		{"email all", NameMangler{Email: "all"}, email("alice@corp.example"), "alice@corp.example", true},
		{"email username", NameMangler{Email: "username"}, email("alice@corp.example"), "alice", true},
		{"email domain", NameMangler{Email: "domain"}, email("alice@corp.example"), "corp.example", true},
		{"email rule on an fqdn", NameMangler{Email: "username"}, fqdn("spoke1.example.com"), "", false},
		{"fqdn rule on an email", NameMangler{FQDN: "hostname"}, email("alice@corp.example"), "", false},
		{"address identity", NameMangler{FQDN: "all", Email: "all"}, AddrID(netip.MustParseAddr("192.0.2.1")), "", false},
		{"key-id identity", NameMangler{FQDN: "all"}, ID{Type: wire.IDKeyID, Data: []byte("grp")}, "", false},
		{"empty username", NameMangler{Email: "username"}, email("@corp.example"), "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := tc.m.Apply(tc.id)
			if got != tc.want || ok != tc.wantOK {
				t.Errorf("Apply = %q, %v; want %q, %v", got, ok, tc.want, tc.wantOK)
			}
		})
	}
}

func TestAuthorizationFor(t *testing.T) {
	a := netip.MustParseAddr
	spoke := &Authorization{Name: "spoke1", PoolName: "P1", DNS: []netip.Addr{a("10.0.0.53")}, AcceptRoutes: true}
	group := &Authorization{Name: "G", PoolName: "PG", DNS: []netip.Addr{a("10.9.9.9")}, DefDomain: "corp.example",
		Routes: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}, AcceptRoutes: true, RouteTag: 7}
	user := &Authorization{Name: "U", DNS: []netip.Addr{a("10.1.1.1")}, PFS: true, AcceptRoutes: false}
	s := &Spec{Authorizations: map[string]*Authorization{"spoke1": spoke, "G": group, "U": user, "example.com": group}}
	host := &NameMangler{Name: "HOST", FQDN: "hostname"}
	dom := &NameMangler{Name: "DOM", FQDN: "domain"}
	fqdn := ID{Type: wire.IDFQDN, Data: []byte("spoke1.example.com")}
	other := ID{Type: wire.IDFQDN, Data: []byte("spoke9.example.com")}
	addr := AddrID(a("192.0.2.1"))

	tests := []struct {
		name    string
		aaa     AAA
		peer    ID
		want    *Authorization
		wantErr bool
	}{
		{"none", AAA{}, fqdn, nil, false},
		{"named group", AAA{Group: &AAASource{Policy: "G"}}, addr, group, false},
		{"mangled hostname", AAA{Group: &AAASource{Mangler: host}}, fqdn, spoke, false},
		{"mangled domain", AAA{Group: &AAASource{Mangler: dom}}, fqdn, group, false},
		{"mangled name has no policy", AAA{Group: &AAASource{Mangler: host}}, other, nil, true},
		{"mangler on an address identity", AAA{Group: &AAASource{Mangler: host}}, addr, nil, true},
		{"named group missing", AAA{Group: &AAASource{Policy: "NOPE"}}, addr, nil, true},
		{"smart default", AAA{Group: &AAASource{Policy: "default"}}, addr, &Authorization{Name: "default", AcceptRoutes: true}, false},
		{"user cached only", AAA{User: &AAASource{Cached: true}}, fqdn, nil, false},
		{"group and cached user", AAA{Group: &AAASource{Policy: "G"}, User: &AAASource{Cached: true}}, fqdn, group, false},
		{"user over group", AAA{Group: &AAASource{Policy: "G"}, User: &AAASource{Policy: "U"}}, fqdn,
			&Authorization{Name: "U", PoolName: "PG", DNS: user.DNS, DefDomain: "corp.example", PFS: true,
				Routes: group.Routes, AcceptRoutes: false}, false},
		{"group override", AAA{Group: &AAASource{Policy: "G"}, User: &AAASource{Policy: "U"}, Override: true}, fqdn,
			&Authorization{Name: "G", PoolName: "PG", DNS: group.DNS, DefDomain: "corp.example", PFS: true,
				Routes: group.Routes, AcceptRoutes: true, RouteTag: 7}, false},
		{"user by mangler", AAA{Group: &AAASource{Policy: "G"}, User: &AAASource{Mangler: host}}, fqdn,
			&Authorization{Name: "spoke1", PoolName: "P1", DNS: spoke.DNS, DefDomain: "corp.example",
				Routes: group.Routes, AcceptRoutes: true, RouteTag: 7}, false},
		{"user policy missing", AAA{Group: &AAASource{Policy: "G"}, User: &AAASource{Mangler: host}}, other, nil, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.AuthorizationFor(&Profile{Name: "P", AAA: tc.aaa}, tc.peer)
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, want error %v", err, tc.wantErr)
			}
			if err != nil && !errors.Is(err, ErrAuthorization) {
				t.Errorf("err = %v, want ErrAuthorization", err)
			}
			if diff := cmp.Diff(tc.want, got, cmp.Comparer(func(a, b netip.Addr) bool { return a == b }),
				cmp.Comparer(func(a, b netip.Prefix) bool { return a == b })); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// TestAuthorizationForWithoutAAA: a profile built without AAA sources
// keeps its Authorization (specs built by hand in tests and tools).
func TestAuthorizationForWithoutAAA(t *testing.T) {
	a := &Authorization{Name: "X"}
	got, err := (&Spec{}).AuthorizationFor(&Profile{Authorization: a}, ID{})
	if err != nil || got != a {
		t.Errorf("AuthorizationFor = %v, %v; want the profile's policy", got, err)
	}
}

func TestMergeKeepsInputs(t *testing.T) {
	first := &Authorization{Name: "A", AcceptRoutes: true}
	second := &Authorization{Name: "B", SplitDNS: []string{"x"}, AcceptRoutes: true, RouteDistance: 5}
	got := Merge(first, second)
	if got == first || first.SplitDNS != nil || first.RouteDistance != 0 {
		t.Errorf("Merge modified its first input: %+v", first)
	}
	if got.RouteDistance != 5 || len(got.SplitDNS) != 1 {
		t.Errorf("Merge = %+v, want the distance and split-dns of the second", got)
	}
}
