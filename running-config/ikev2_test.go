package runningconfig

import (
	"slices"
	"strings"
	"testing"
)

func TestIKEv2SmartDefaultsModel(t *testing.T) {
	c := New()
	p, ok := c.IKEv2.Proposals.Get(DefaultName)
	if !ok || !p.IsSmartDefault() {
		t.Fatal("no untouched default proposal in a new config")
	}
	pol, ok := c.IKEv2.Policies.Get(DefaultName)
	if !ok || !pol.IsSmartDefault() || !slices.Equal(pol.Proposals, []string{DefaultName}) || pol.FVRF != "any" {
		t.Fatalf("default policy = %+v", pol)
	}
	if strings.Contains(c.Body(), "ikev2") {
		t.Errorf("untouched defaults rendered:\n%s", c.Body())
	}
	// The IOS-XE 17 capture (c8000v) of the default proposal.
	want := " IKEv2 proposal: default \n" +
		"     Encryption : AES-CBC-256\n" +
		"     Integrity  : SHA512 SHA384\n" +
		"     PRF        : SHA512 SHA384\n" +
		"     DH Group   : DH_GROUP_256_ECP/Group 19 DH_GROUP_2048_MODP/Group 14 DH_GROUP_521_ECP/Group 21 DH_GROUP_1536_MODP/Group 5\n"
	if got := p.Show(); got != want {
		t.Errorf("show default proposal:\n%s\nwant:\n%s", got, want)
	}
	c.IKEv2.DeleteProposal(DefaultName)
	c.IKEv2.DeletePolicy(DefaultName)
	if !strings.Contains(c.Body(), "no crypto ikev2 proposal default\n!\nno crypto ikev2 policy default\n!\n") {
		t.Errorf("removed defaults not rendered:\n%s", c.Body())
	}
	if _, created := c.IKEv2.Proposal(DefaultName, true); !created || c.IKEv2.NoDefaultProposal {
		t.Error("recreating the default proposal")
	}
}

func TestProposalAddRemove(t *testing.T) {
	type step struct {
		remove bool
		t      Transform
		vals   []string
	}
	tests := []struct {
		name  string
		start *Proposal
		steps []step
		want  [4][]string
	}{
		{"lines add and keep order", &Proposal{Name: "P"},
			[]step{{false, TransEncryption, []string{"aes-cbc-256"}}, {false, TransEncryption, []string{"3des", "aes-cbc-256"}},
				{false, TransGroup, []string{"14", "2"}}},
			[4][]string{{"aes-cbc-256", "3des"}, nil, nil, {"14", "2"}}},
		{"no with values removes them, without all", &Proposal{Name: "P", Integrity: []string{"sha1", "sha256"}, Group: []int{14, 5}},
			[]step{{true, TransIntegrity, []string{"sha1"}}, {true, TransGroup, nil}},
			[4][]string{nil, {"sha256"}, nil, nil}},
		{"the smart default is replaced per attribute", NewDefaultProposal(),
			[]step{{false, TransGroup, []string{"20"}}, {false, TransGroup, []string{"19"}}},
			[4][]string{{"aes-cbc-256"}, {"sha512", "sha384"}, nil, {"20", "19"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := tt.start
			for _, s := range tt.steps {
				if s.remove {
					p.Remove(s.t, s.vals...)
				} else {
					p.Add(s.t, s.vals...)
				}
			}
			for tr := TransEncryption; tr <= TransGroup; tr++ {
				if got := p.Values(tr); !slices.Equal(got, tt.want[tr]) {
					t.Errorf("%s = %q, want %q", tr.Keyword(), got, tt.want[tr])
				}
			}
			if p.IsSmartDefault() {
				t.Error("edited proposal still counts as the untouched default")
			}
		})
	}
}

func TestPolicyProposals(t *testing.T) {
	p := NewDefaultPolicy()
	if !p.AddProposal("A") || !slices.Equal(p.Proposals, []string{"A"}) {
		t.Fatalf("first proposal on the default policy: %q", p.Proposals)
	}
	if p.AddProposal("A") {
		t.Error("a repeated proposal was accepted")
	}
	p.AddProposal("B")
	p.RemoveProposal("A")
	if !slices.Equal(p.Proposals, []string{"B"}) {
		t.Errorf("proposals %q", p.Proposals)
	}
	if got := p.Show(); got != " IKEv2 policy : default\n      Match fvrf : any\n      Match address local : any \n      Proposal    : B \n" {
		t.Errorf("show:\n%s", got)
	}
}

func TestShowPRF(t *testing.T) {
	tests := []struct {
		p    Proposal
		want string
	}{
		{Proposal{Integrity: []string{"sha1"}}, "SHA1"},
		{Proposal{Integrity: []string{"md5", "sha512"}}, "MD5 SHA512"},
		{Proposal{Integrity: []string{"sha1"}, PRF: []string{"sha256"}}, "SHA256"},
		{Proposal{Encryption: []string{"aes-gcm-256"}}, "none"},
	}
	for _, tt := range tests {
		if got := tt.p.ShowPRF(); got != tt.want {
			t.Errorf("%+v: PRF %q, want %q", tt.p, got, tt.want)
		}
	}
}

func TestIdentityAndKeyStrings(t *testing.T) {
	tests := []struct {
		got, want string
	}{
		{Identity{Type: "address", Value: "10.0.0.1", Mask: "255.255.255.0"}.String(), "address 10.0.0.1 255.255.255.0"},
		{Identity{Type: "fqdn", Domain: true, Value: "example.com"}.String(), "fqdn domain example.com"},
		{Identity{Type: "any"}.String(), "any"},
		{Identity{Type: "dn"}.String(), "dn"},
		{Key{Text: "Cisco!123"}.String(), "Cisco!123"},
		{Key{Type: 6, Text: "ABC"}.String(), "6 ABC"},
		{AuthMethod{Method: "pre-share", Key: &Key{Text: "k"}}.String(), "pre-share key k"},
		{AAAAuthorization{Method: "eap", Cached: true}.String(), "eap cached"},
		{AAAAuthorization{Override: true, Method: "psk", List: "default", Policy: "default"}.String(), "override psk list default default"},
		{KeyringRef{AAA: true, Name: "L", NameMangler: "N"}.String(), "aaa L name-mangler N"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
}

func TestProfileRemoteMethods(t *testing.T) {
	p := NewProfile("PR")
	p.AddAuthRemote(AuthMethod{Method: "pre-share"})
	p.AddAuthRemote(AuthMethod{Method: "eap", QueryIdentity: true})
	p.AddAuthRemote(AuthMethod{Method: "eap", Timeout: 90})
	p.AddAuthRemote(AuthMethod{Method: "pre-share", Key: &Key{Text: "k"}})
	got := joinStrings(p.AuthRemote, AuthMethod.String)
	if want := "pre-share key k, eap query-identity, eap timeout 90"; got != want {
		t.Errorf("remote methods %q, want %q", got, want)
	}
	p.RemoveAuthRemote("eap")
	if len(p.AuthRemote) != 1 {
		t.Errorf("after no eap: %v", p.AuthRemote)
	}
}
