package spec

import (
	"net/netip"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/flexvpnd/flexvpnd/engine/ikev2/wire"
)

func addrID(s string) ID  { return AddrID(netip.MustParseAddr(s)) }
func fqdnID(s string) ID  { return ID{Type: wire.IDFQDN, Data: []byte(s)} }
func emailID(s string) ID { return ID{Type: wire.IDRFC822Addr, Data: []byte(s)} }
func keyID(s string) ID   { return ID{Type: wire.IDKeyID, Data: []byte(s)} }

func TestIdentityMatch(t *testing.T) {
	pfx := netip.MustParsePrefix
	tests := []struct {
		name string
		m    IdentityMatch
		id   ID
		want bool
	}{
		{"address in mask", IdentityMatch{Kind: IDAddress, Prefix: pfx("10.0.0.0/8")}, addrID("10.1.2.3"), true},
		{"address outside mask", IdentityMatch{Kind: IDAddress, Prefix: pfx("10.0.0.0/8")}, addrID("11.0.0.1"), false},
		{"address host", IdentityMatch{Kind: IDAddress, Prefix: pfx("203.0.113.2/32")}, addrID("203.0.113.2"), true},
		{"address host other", IdentityMatch{Kind: IDAddress, Prefix: pfx("203.0.113.2/32")}, addrID("203.0.113.3"), false},
		{"address any mask", IdentityMatch{Kind: IDAddress, Prefix: pfx("0.0.0.0/0")}, addrID("198.51.100.7"), true},
		{"address v4 mask v6 id", IdentityMatch{Kind: IDAddress, Prefix: pfx("0.0.0.0/0")}, addrID("2001:db8::1"), false},
		{"address v6 prefix", IdentityMatch{Kind: IDAddress, Prefix: pfx("2001:db8::/32")}, addrID("2001:db8:1::1"), true},
		{"address vs fqdn id", IdentityMatch{Kind: IDAddress, Prefix: pfx("0.0.0.0/0")}, fqdnID("10.0.0.1"), false},
		{"fqdn exact", IdentityMatch{Kind: IDFQDN, Name: "hub.example"}, fqdnID("hub.example"), true},
		{"fqdn case", IdentityMatch{Kind: IDFQDN, Name: "Hub.Example"}, fqdnID("hub.EXAMPLE"), true},
		{"fqdn other", IdentityMatch{Kind: IDFQDN, Name: "hub.example"}, fqdnID("spoke.example"), false},
		{"fqdn not domain", IdentityMatch{Kind: IDFQDN, Name: "example"}, fqdnID("hub.example"), false},
		{"fqdn vs email", IdentityMatch{Kind: IDFQDN, Name: "a@hub.example"}, emailID("a@hub.example"), false},
		{"fqdn domain below", IdentityMatch{Kind: IDFQDN, Name: "flexvpn.example", Domain: true}, fqdnID("spoke1.flexvpn.example"), true},
		{"fqdn domain itself", IdentityMatch{Kind: IDFQDN, Name: "flexvpn.example", Domain: true}, fqdnID("flexvpn.example"), true},
		{"fqdn domain label aligned", IdentityMatch{Kind: IDFQDN, Name: "flexvpn.example", Domain: true}, fqdnID("evilflexvpn.example"), false},
		{"fqdn domain case", IdentityMatch{Kind: IDFQDN, Name: "FlexVPN.example", Domain: true}, fqdnID("S.flexvpn.EXAMPLE"), true},
		{"email exact", IdentityMatch{Kind: IDEmail, Name: "user@example.com"}, emailID("User@Example.com"), true},
		{"email other", IdentityMatch{Kind: IDEmail, Name: "user@example.com"}, emailID("other@example.com"), false},
		{"email domain", IdentityMatch{Kind: IDEmail, Name: "example.com", Domain: true}, emailID("user@example.com"), true},
		{"email subdomain", IdentityMatch{Kind: IDEmail, Name: "example.com", Domain: true}, emailID("user@eng.example.com"), true},
		{"email domain other", IdentityMatch{Kind: IDEmail, Name: "example.com", Domain: true}, emailID("user@example.org"), false},
		{"email domain vs fqdn", IdentityMatch{Kind: IDEmail, Name: "example.com", Domain: true}, fqdnID("user.example.com"), false},
		{"key-id exact", IdentityMatch{Kind: IDKeyID, Name: "*$AnyConnectClient$*"}, keyID("*$AnyConnectClient$*"), true},
		{"key-id is literal", IdentityMatch{Kind: IDKeyID, Name: "*$AnyConnectClient$*"}, keyID("x$AnyConnectClient$x"), false},
		{"key-id case sensitive", IdentityMatch{Kind: IDKeyID, Name: "abc"}, keyID("ABC"), false},
		{"any address", IdentityMatch{Kind: IDAny}, addrID("192.0.2.1"), true},
		{"any key-id", IdentityMatch{Kind: IDAny}, keyID("k"), true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.m.Matches(tc.id); got != tc.want {
				t.Errorf("%+v.Matches(%v) = %v, want %v", tc.m, tc.id, got, tc.want)
			}
		})
	}
}

func TestIdentityWire(t *testing.T) {
	local := netip.MustParseAddr("198.51.100.1")
	tests := []struct {
		name string
		id   Identity
		want ID
		ok   bool
	}{
		{"none is the local address", Identity{}, addrID("198.51.100.1"), true},
		{"address without value", Identity{Kind: IDAddress}, addrID("198.51.100.1"), true},
		{"fixed address", Identity{Kind: IDAddress, Addr: netip.MustParseAddr("10.9.9.9")}, addrID("10.9.9.9"), true},
		{"fqdn", Identity{Kind: IDFQDN, Name: "hub.example"}, fqdnID("hub.example"), true},
		{"email", Identity{Kind: IDEmail, Name: "a@b.c"}, emailID("a@b.c"), true},
		{"key-id", Identity{Kind: IDKeyID, Name: "k1"}, keyID("k1"), true},
		{"dn needs a certificate", Identity{Kind: IDDN}, ID{}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := tc.id.Wire(local)
			if ok != tc.ok || !cmp.Equal(got, tc.want) {
				t.Errorf("IKE() = %v, %v; want %v, %v", got, ok, tc.want, tc.ok)
			}
		})
	}
}

func testKeyring() *Keyring {
	pfx := netip.MustParsePrefix
	return &Keyring{Name: "K", Peers: []KeyringPeer{
		{Name: "ANY", Prefix: pfx("0.0.0.0/0"), LocalKey: []byte("any"), RemoteKey: []byte("any")},
		{Name: "NET", Prefix: pfx("10.0.0.0/8"), LocalKey: []byte("net"), RemoteKey: []byte("net")},
		{Name: "SUBNET", Prefix: pfx("10.1.0.0/16"), LocalKey: []byte("sub-l"), RemoteKey: []byte("sub-r")},
		{Name: "SUBNET2", Prefix: pfx("10.1.0.0/16"), LocalKey: []byte("second"), RemoteKey: []byte("second")},
		{Name: "HOST", Prefix: pfx("10.1.2.3/32"), LocalKey: []byte("host-only-local")},
		{Name: "V6", Prefix: pfx("2001:db8::/32"), LocalKey: []byte("v6"), RemoteKey: []byte("v6")},
		{Name: "DOMAIN", Identity: Identity{Kind: IDFQDN, Name: "example", Domain: true}, LocalKey: []byte("dom"), RemoteKey: []byte("dom")},
		{Name: "SPOKE1", Identity: Identity{Kind: IDFQDN, Name: "spoke1.example"}, LocalKey: []byte("s1-l"), RemoteKey: []byte("s1-r")},
		{Name: "KEYID", Identity: Identity{Kind: IDKeyID, Name: "grp"}, LocalKey: []byte("kid"), RemoteKey: []byte("kid")},
		{Name: "BYADDRID", Identity: Identity{Kind: IDAddress, Addr: netip.MustParseAddr("192.0.2.9")}, LocalKey: []byte("aid"), RemoteKey: []byte("aid")},
		{Name: "NAMED", Hostname: "hub.example", LocalKey: []byte("host"), RemoteKey: []byte("host")},
		{Name: "MAILDOM", Identity: Identity{Kind: IDEmail, Name: "corp.example", Domain: true}, LocalKey: []byte("md"), RemoteKey: []byte("md")},
	}}
}

func TestKeyringLookup(t *testing.T) {
	kr := testKeyring()
	none := ID{}
	tests := []struct {
		name         string
		addr         string
		id           ID
		peer         string
		local, remot string
		ok           bool
	}{
		{"wildcard", "192.0.2.1", none, "ANY", "any", "any", true},
		{"less specific", "10.200.0.1", none, "NET", "net", "net", true},
		{"most specific mask wins, asymmetric", "10.1.9.9", none, "SUBNET", "sub-l", "sub-r", true},
		{"host prefix without remote key", "10.1.2.3", none, "HOST", "host-only-local", "", false},
		{"v6 prefix", "2001:db8:5::1", none, "V6", "v6", "v6", true},
		{"v6 no match", "2001:db9::1", none, "", "", "", false},
		{"v4-mapped address", "::ffff:10.200.0.1", none, "NET", "net", "net", true},
		{"identity before address", "10.1.9.9", fqdnID("SPOKE1.example"), "SPOKE1", "s1-l", "s1-r", true},
		{"key-id identity", "192.0.2.1", keyID("grp"), "KEYID", "kid", "kid", true},
		{"address identity", "198.51.100.1", addrID("192.0.2.9"), "BYADDRID", "aid", "aid", true},
		{"exact identity before an earlier domain", "", fqdnID("spoke1.example"), "SPOKE1", "s1-l", "s1-r", true},
		{"fqdn domain identity", "10.200.0.1", fqdnID("other.example"), "DOMAIN", "dom", "dom", true},
		{"email domain identity", "", emailID("joe@corp.example"), "MAILDOM", "md", "md", true},
		{"unknown identity falls back to address", "10.200.0.1", fqdnID("other.test"), "NET", "net", "net", true},
		{"identity only", "", fqdnID("spoke1.example"), "SPOKE1", "s1-l", "s1-r", true},
		{"nothing", "", fqdnID("nobody"), "", "", "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var addr netip.Addr
			if tc.addr != "" {
				addr = netip.MustParseAddr(tc.addr)
			}
			p, found := kr.Find(addr, tc.id)
			gotPeer := ""
			if found {
				gotPeer = p.Name
			}
			if gotPeer != tc.peer {
				t.Errorf("Find = %q, want %q", gotPeer, tc.peer)
			}
			l, r, ok := kr.Lookup(addr, tc.id)
			if string(l) != tc.local || string(r) != tc.remot || ok != tc.ok {
				t.Errorf("Lookup = %q, %q, %v; want %q, %q, %v", l, r, ok, tc.local, tc.remot, tc.ok)
			}
		})
	}
}

func TestKeyringFindHost(t *testing.T) {
	kr := testKeyring()
	if p, ok := kr.FindHost("HUB.example"); !ok || p.Name != "NAMED" {
		t.Errorf("FindHost(HUB.example) = %v, %v", p, ok)
	}
	if _, ok := kr.FindHost("nohost.example"); ok {
		t.Error("FindHost(nohost.example) found a peer")
	}
	var nilKR *Keyring
	if _, ok := nilKR.Find(netip.MustParseAddr("10.0.0.1"), ID{}); ok {
		t.Error("nil keyring found a peer")
	}
}

func TestPolicyFor(t *testing.T) {
	a := netip.MustParseAddr
	s := &Spec{Policies: []Policy{
		{Name: "LOCAL", MatchLocal: []netip.Addr{a("198.51.100.1"), a("198.51.100.2")}},
		{Name: "RED", MatchFVRF: "RED"},
		{Name: "ANYVRF-LOCAL", MatchFVRF: AnyVRF, MatchLocal: []netip.Addr{a("192.0.2.1")}},
		{Name: "default", MatchFVRF: AnyVRF},
	}}
	tests := []struct {
		local, fvrf, want string
	}{
		{"198.51.100.1", "", "LOCAL"},
		{"198.51.100.2", "", "LOCAL"},
		{"198.51.100.1", "RED", "RED"},
		{"203.0.113.1", "RED", "RED"},
		{"192.0.2.1", "BLUE", "ANYVRF-LOCAL"},
		{"192.0.2.1", "", "ANYVRF-LOCAL"},
		{"203.0.113.1", "", "default"},
		{"203.0.113.1", "BLUE", "default"},
	}
	for _, tc := range tests {
		p, ok := s.PolicyFor(a(tc.local), tc.fvrf)
		if !ok || p.Name != tc.want {
			t.Errorf("PolicyFor(%s, %q) = %v, %v; want %s", tc.local, tc.fvrf, p, ok, tc.want)
		}
	}
	noDefault := &Spec{Policies: s.Policies[:1]}
	if p, ok := noDefault.PolicyFor(a("203.0.113.1"), ""); ok {
		t.Errorf("without default policy: got %s", p.Name)
	}
	global := &Spec{Policies: []Policy{{Name: "G"}}}
	if _, ok := global.PolicyFor(a("203.0.113.1"), "RED"); ok {
		t.Error("a policy without match fvrf matched a VRF")
	}
}

func TestProfileFor(t *testing.T) {
	a := netip.MustParseAddr
	pfx := netip.MustParsePrefix
	s := &Spec{Profiles: []*Profile{
		{Name: "DOWN", Shutdown: true, MatchIdentities: []IdentityMatch{{Kind: IDAny}}},
		{Name: "SPOKES", MatchIdentities: []IdentityMatch{{Kind: IDFQDN, Name: "flexvpn.example", Domain: true}}},
		{Name: "LOCAL", MatchLocal: []netip.Addr{a("198.51.100.1")}, MatchIdentities: []IdentityMatch{{Kind: IDAddress, Prefix: pfx("0.0.0.0/0")}}},
		{Name: "IFACE", MatchLocalIfaces: []string{"eth1"}, MatchIdentities: []IdentityMatch{{Kind: IDAddress, Prefix: pfx("0.0.0.0/0")}}},
		{Name: "RED", MatchFVRF: "RED", MatchIdentities: []IdentityMatch{{Kind: IDAny}}},
		{Name: "NOMATCH"},
	}}
	ifaces := func(name string) []netip.Addr {
		if name == "eth1" {
			return []netip.Addr{a("192.0.2.50")}
		}
		return nil
	}
	tests := []struct {
		name  string
		q     Query
		want  string
		found bool
	}{
		{"fqdn domain", Query{Local: a("203.0.113.1"), RemoteID: fqdnID("s1.flexvpn.example")}, "SPOKES", true},
		{"local address", Query{Local: a("198.51.100.1"), RemoteID: addrID("10.0.0.1")}, "LOCAL", true},
		{"local address wrong", Query{Local: a("198.51.100.9"), RemoteID: addrID("10.0.0.1")}, "", false},
		{"host interface", Query{Local: a("192.0.2.50"), RemoteID: addrID("10.0.0.1"), IfaceAddrs: ifaces}, "IFACE", true},
		{"host interface unknown", Query{Local: a("192.0.2.50"), RemoteID: addrID("10.0.0.1")}, "", false},
		{"fvrf", Query{Local: a("203.0.113.1"), FVRF: "RED", RemoteID: keyID("x")}, "RED", true},
		{"shutdown skipped", Query{Local: a("203.0.113.1"), RemoteID: keyID("x")}, "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, ok := s.ProfileFor(tc.q)
			got := ""
			if ok {
				got = p.Name
			}
			if got != tc.want || ok != tc.found {
				t.Errorf("ProfileFor = %q, %v; want %q, %v", got, ok, tc.want, tc.found)
			}
		})
	}
}

func TestProfilePSKs(t *testing.T) {
	kr := testKeyring()
	peer := netip.MustParseAddr("10.1.9.9")
	tests := []struct {
		name          string
		p             Profile
		local, remote string
		ok            bool
	}{
		{"keyring", Profile{Keyring: kr}, "sub-l", "sub-r", true},
		{"inline both", Profile{AuthLocal: AuthMethod{Method: MethodPreShare, Key: []byte("L")},
			AuthRemote: []AuthMethod{{Method: MethodPreShare, Key: []byte("R")}}, Keyring: kr}, "L", "R", true},
		{"inline local, keyring remote", Profile{AuthLocal: AuthMethod{Method: MethodPreShare, Key: []byte("L")},
			AuthRemote: []AuthMethod{{Method: MethodPreShare}}, Keyring: kr}, "L", "sub-r", true},
		{"no keyring", Profile{}, "", "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l, r, ok := tc.p.PSKs(peer, ID{})
			if string(l) != tc.local || string(r) != tc.remote || ok != tc.ok {
				t.Errorf("PSKs = %q, %q, %v; want %q, %q, %v", l, r, ok, tc.local, tc.remote, tc.ok)
			}
		})
	}
}

func TestProposalTransforms(t *testing.T) {
	p := IKEProposal{
		Encr:   []Cipher{{ID: wire.EncrAESCBC, KeyBits: 256}},
		Integ:  []wire.IntegID{wire.IntegHMACSHA2512256, wire.IntegHMACSHA2384192},
		PRF:    []wire.PRFID{wire.PRFHMACSHA2512, wire.PRFHMACSHA2384},
		Groups: []wire.DHGroup{wire.DHECP256, wire.DHModp2048},
	}
	want := []Transform{
		{Type: wire.TransformENCR, ID: 12, KeyBits: 256},
		{Type: wire.TransformPRF, ID: 7}, {Type: wire.TransformPRF, ID: 6},
		{Type: wire.TransformINTEG, ID: 14}, {Type: wire.TransformINTEG, ID: 13},
		{Type: wire.TransformDH, ID: 19}, {Type: wire.TransformDH, ID: 14},
	}
	if diff := cmp.Diff(want, p.Transforms()); diff != "" {
		t.Errorf("IKEProposal.Transforms() (-want +got):\n%s", diff)
	}
	ip := &IPsecProfile{PFS: wire.DHECP384, Proposals: []ESPProposal{
		{Encr: Cipher{ID: wire.EncrAESGCM16, KeyBits: 256}},
		{Encr: Cipher{ID: wire.EncrAESCBC, KeyBits: 128}, Integ: wire.IntegHMACSHA196},
	}}
	esn := Transform{Type: wire.TransformESN, ID: 0}
	gcm := Transform{Type: wire.TransformENCR, ID: 20, KeyBits: 256}
	cbc := Transform{Type: wire.TransformENCR, ID: 12, KeyBits: 128}
	sha1 := Transform{Type: wire.TransformINTEG, ID: 2}
	dh := Transform{Type: wire.TransformDH, ID: 20}
	if diff := cmp.Diff([][]Transform{{gcm, esn}, {cbc, sha1, esn}}, ip.ESPProposals(false)); diff != "" {
		t.Errorf("ESPProposals(false) (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([][]Transform{{gcm, dh, esn}, {cbc, sha1, dh, esn}}, ip.ESPProposals(true)); diff != "" {
		t.Errorf("ESPProposals(true) (-want +got):\n%s", diff)
	}
}

func TestTunnelMode(t *testing.T) {
	tests := []struct {
		m       TunnelMode
		text    string
		outerV6 bool
	}{
		{ModeIPsecIPv4, "ipsec ipv4", false},
		{ModeIPsecIPv4V6Overlay, "ipsec ipv4 v6-overlay", false},
		{ModeIPsecIPv6, "ipsec ipv6", true},
		{ModeIPsecIPv6V4Overlay, "ipsec ipv6 v4-overlay", true},
		{ModeIPsecDualOverlay, "ipsec dual-overlay", false},
		{0, "none", false},
	}
	for _, tc := range tests {
		if got := tc.m.String(); got != tc.text {
			t.Errorf("TunnelMode(%d).String() = %q, want %q", tc.m, got, tc.text)
		}
		if got := tc.m.OuterIPv6(); got != tc.outerV6 {
			t.Errorf("%v.OuterIPv6() = %v", tc.m, got)
		}
	}
}
