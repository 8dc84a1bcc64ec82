package runningconfig

import (
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/flexvpnd/flexvpnd/engine/ikev2/wire"
	"github.com/flexvpnd/flexvpnd/engine/spec"
)

// equateAddrs compares netip values by ==.
var equateAddrs = cmpopts.EquateComparable(netip.Addr{}, netip.Prefix{})

// smartProposal is the IOS-XE 17 default proposal in IANA IDs.
var smartProposal = spec.IKEProposal{
	Name:   "default",
	Encr:   []spec.Cipher{{ID: wire.EncrAESCBC, KeyBits: 256}},
	Integ:  []wire.IntegID{wire.IntegHMACSHA2512256, wire.IntegHMACSHA2384192},
	PRF:    []wire.PRFID{wire.PRFHMACSHA2512, wire.PRFHMACSHA2384},
	Groups: []wire.DHGroup{wire.DHECP256, wire.DHModp2048, wire.DHECP521, wire.DHModp1536},
}

var smartPolicy = spec.Policy{Name: "default", MatchFVRF: spec.AnyVRF, Proposals: []spec.IKEProposal{smartProposal}}

// policyNames lists the names of the compiled policies and their
// proposals: "POL[P1 P2]".
func policyNames(s *spec.Spec) []string {
	var out []string
	for _, p := range s.Policies {
		var names []string
		for _, pr := range p.Proposals {
			names = append(names, pr.Name)
		}
		out = append(out, p.Name+"["+strings.Join(names, " ")+"]")
	}
	return out
}

func warningTexts(ws []Warning) []string {
	var out []string
	for _, w := range ws {
		out = append(out, w.String())
	}
	return out
}

func TestCompileSmartDefaults(t *testing.T) {
	tests := []struct {
		name     string
		edit     func(c *Config)
		policies []string
		warnings []string
	}{
		{"factory", func(c *Config) {}, []string{"default[default]"}, nil},
		{"no proposal default", func(c *Config) { c.IKEv2.DeleteProposal(DefaultName) },
			nil, []string{"crypto ikev2 policy default: proposal default does not exist",
				"crypto ikev2 policy default: no complete proposal: policy not used"}},
		{"no policy default", func(c *Config) { c.IKEv2.DeletePolicy(DefaultName) }, nil, nil},
		{"no both, restored", func(c *Config) {
			c.IKEv2.DeleteProposal(DefaultName)
			c.IKEv2.DeletePolicy(DefaultName)
			c.IKEv2.RestoreDefaultProposal()
			c.IKEv2.RestoreDefaultPolicy()
		}, []string{"default[default]"}, nil},
		{"unreferenced proposal is not offered", func(c *Config) {
			p, _ := c.IKEv2.Proposal("AES/CBC/256", true)
			p.Add(TransEncryption, "aes-cbc-256")
			p.Add(TransIntegrity, "sha256")
			p.Add(TransGroup, "14")
		}, []string{"default[default]"}, nil},
		{"named policy before default", func(c *Config) {
			p, _ := c.IKEv2.Proposal("P", true)
			p.Add(TransEncryption, "aes-gcm-256")
			p.Add(TransPRF, "sha384")
			p.Add(TransGroup, "20")
			pol, _ := c.IKEv2.Policy("POL", true)
			pol.AddProposal("P")
			pol.AddProposal("default")
		}, []string{"POL[P default]", "default[default]"}, nil},
		{"incomplete and missing proposals", func(c *Config) {
			p, _ := c.IKEv2.Proposal("NOGROUP", true)
			p.Add(TransEncryption, "aes-cbc-128")
			p.Add(TransIntegrity, "sha1")
			q, _ := c.IKEv2.Proposal("NOINTEG", true)
			q.Add(TransEncryption, "aes-cbc-128")
			q.Add(TransGroup, "14")
			r, _ := c.IKEv2.Proposal("GCMNOPRF", true)
			r.Add(TransEncryption, "aes-gcm-128")
			r.Add(TransGroup, "19")
			pol, _ := c.IKEv2.Policy("POL", true)
			for _, n := range []string{"NOGROUP", "NOINTEG", "GCMNOPRF", "GONE"} {
				pol.AddProposal(n)
			}
		}, []string{"default[default]"}, []string{
			"crypto ikev2 policy POL: proposal NOGROUP is incomplete (no DH group)",
			"crypto ikev2 policy POL: proposal NOINTEG is incomplete (no integrity algorithm)",
			"crypto ikev2 policy POL: proposal GCMNOPRF is incomplete (no prf algorithm)",
			"crypto ikev2 policy POL: proposal GONE does not exist",
			"crypto ikev2 policy POL: no complete proposal: policy not used"}},
		{"default policy edited stays last", func(c *Config) {
			d, _ := c.IKEv2.Policy(DefaultName, false)
			d.SetFVRF("")
			pol, _ := c.IKEv2.Policy("LATER", true)
			pol.AddProposal("default")
		}, []string{"LATER[default]", "default[default]"}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := New()
			tc.edit(c)
			s, ws := c.Compile()
			if diff := cmp.Diff(tc.policies, policyNames(s)); diff != "" {
				t.Errorf("policies (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.warnings, warningTexts(ws)); diff != "" {
				t.Errorf("warnings (-want +got):\n%s", diff)
			}
		})
	}
}

func TestCompileFactory(t *testing.T) {
	s, ws := New().Compile()
	want := &spec.Spec{Hostname: "Router", Policies: []spec.Policy{smartPolicy}}
	if diff := cmp.Diff(want, s, equateAddrs); diff != "" {
		t.Errorf("factory spec (-want +got):\n%s", diff)
	}
	if len(ws) != 0 {
		t.Errorf("warnings: %v", ws)
	}
}

func TestCompileProposalAlgorithms(t *testing.T) {
	c := New()
	p, _ := c.IKEv2.Proposal("ALL", true)
	p.Add(TransEncryption, "aes-gcm-256", "aes-gcm-128")
	p.Add(TransIntegrity, "sha256") // ignored with AES-GCM only
	p.Add(TransPRF, "sha256", "sha1")
	p.Add(TransGroup, "21", "2", "24")
	pol, _ := c.IKEv2.Policy("P", true)
	pol.AddProposal("ALL")
	pol.AddLocalAddress("192.0.2.1")
	pol.SetFVRF("any")
	s, ws := c.Compile()
	want := spec.Policy{
		Name: "P", MatchFVRF: "any", MatchLocal: []netip.Addr{netip.MustParseAddr("192.0.2.1")},
		Proposals: []spec.IKEProposal{{
			Name:   "ALL",
			Encr:   []spec.Cipher{{ID: wire.EncrAESGCM16, KeyBits: 256}, {ID: wire.EncrAESGCM16, KeyBits: 128}},
			PRF:    []wire.PRFID{wire.PRFHMACSHA2256, wire.PRFHMACSHA1},
			Groups: []wire.DHGroup{wire.DHECP521, wire.DHModp1024, wire.DHModp2048256},
		}},
	}
	if diff := cmp.Diff(want, s.Policies[0], equateAddrs); diff != "" || len(ws) != 0 {
		t.Errorf("policy (-want +got):\n%s\nwarnings: %v", diff, ws)
	}
}

func TestCompileTransformSets(t *testing.T) {
	tests := []struct {
		transforms []string
		mode       string
		want       spec.ESPProposal
		err        string
	}{
		{[]string{"esp-aes", "esp-sha-hmac"}, "transport",
			spec.ESPProposal{Encr: spec.Cipher{ID: wire.EncrAESCBC, KeyBits: 128}, Integ: wire.IntegHMACSHA196, Transport: true}, ""},
		{[]string{"esp-aes 256", "esp-sha256-hmac"}, "tunnel",
			spec.ESPProposal{Encr: spec.Cipher{ID: wire.EncrAESCBC, KeyBits: 256}, Integ: wire.IntegHMACSHA2256128}, ""},
		{[]string{"esp-gcm 256"}, "tunnel", spec.ESPProposal{Encr: spec.Cipher{ID: wire.EncrAESGCM16, KeyBits: 256}}, ""},
		{[]string{"esp-gcm"}, "tunnel", spec.ESPProposal{Encr: spec.Cipher{ID: wire.EncrAESGCM16, KeyBits: 128}}, ""},
		{[]string{"esp-3des", "esp-md5-hmac", "comp-lzs"}, "tunnel",
			spec.ESPProposal{Encr: spec.Cipher{ID: wire.Encr3DES}, Integ: wire.IntegHMACMD596}, ""},
		{[]string{"esp-aes 192", "esp-sha512-hmac"}, "tunnel",
			spec.ESPProposal{Encr: spec.Cipher{ID: wire.EncrAESCBC, KeyBits: 192}, Integ: wire.IntegHMACSHA2512256}, ""},
		{[]string{"ah-sha-hmac", "esp-aes"}, "tunnel", spec.ESPProposal{}, "AH is not supported"},
		{[]string{"esp-seal", "esp-sha-hmac"}, "tunnel", spec.ESPProposal{}, "esp-seal is not supported"},
		{[]string{"esp-sha-hmac"}, "tunnel", spec.ESPProposal{}, "no ESP cipher"},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.transforms, "+"), func(t *testing.T) {
			got, err := transformSet(&TransformSet{Name: "T", Transforms: tc.transforms, Mode: tc.mode})
			if tc.err != "" {
				if err == nil || err.Error() != tc.err {
					t.Errorf("error %v, want %q", err, tc.err)
				}
				return
			}
			tc.want.Name = "T"
			if diff := cmp.Diff(tc.want, got); diff != "" || err != nil {
				t.Errorf("transformSet (-want +got):\n%s\nerror %v", diff, err)
			}
		})
	}
}

// s2s builds the site-to-site example through the model's API: a keyring,
// a profile, the default IPsec profile pointing at it, a tunnel and a
// route.
func s2s() *Config {
	c := New()
	c.Hostname = "LEFT"
	kr := c.IKEv2.Keyring("S2S-KEYS", true)
	peer := kr.Peer("RIGHT", true)
	peer.Address = "203.0.113.2"
	peer.PSK = &Key{Text: "secret"}
	pr, _ := c.IKEv2.Profile("S2S", true)
	pr.MatchIdentities = []Identity{{Type: "address", Value: "203.0.113.2", Mask: "255.255.255.255"}}
	pr.AuthRemote = []AuthMethod{{Method: "pre-share"}}
	pr.AuthLocal = &AuthMethod{Method: "pre-share"}
	pr.Keyring = &KeyringRef{Name: "S2S-KEYS"}
	pr.DPD = &DPD{Interval: 10, Retry: 3, Mode: "periodic"}
	c.IPsec.Profile(DefaultName, false).IKEv2Profile = "S2S"
	tun := c.Ifaces.Ensure("Tunnel0")
	tun.Address = &IfAddr{Addr: "172.31.0.1", Mask: "255.255.255.252"}
	tun.TunnelSource = "GigabitEthernet1"
	tun.TunnelMode = "ipsec ipv4"
	tun.TunnelDest = "203.0.113.2"
	tun.TunnelProtection = DefaultName
	c.Ifaces.Ensure("GigabitEthernet1").Address = &IfAddr{Addr: "203.0.113.1", Mask: "255.255.255.0"}
	c.SetRoute(&IPRoute{Prefix: netip.MustParsePrefix("10.20.0.0/24"), Iface: "Tunnel0"})
	c.SetRoute(&IPRoute{Prefix: netip.MustParsePrefix("0.0.0.0/0"), NextHop: netip.MustParseAddr("203.0.113.254"), Distance: 5})
	return c
}

func TestCompileSiteToSite(t *testing.T) {
	s, ws := s2s().Compile()
	if len(ws) != 0 {
		t.Errorf("warnings: %v", ws)
	}
	profile := &spec.Profile{
		Name:            "S2S",
		MatchIdentities: []spec.IdentityMatch{{Kind: spec.IDAddress, Prefix: netip.MustParsePrefix("203.0.113.2/32")}},
		AuthLocal:       spec.AuthMethod{Method: "pre-share"},
		AuthRemote:      []spec.AuthMethod{{Method: "pre-share"}},
		Keyring: &spec.Keyring{Name: "S2S-KEYS", Peers: []spec.KeyringPeer{{
			Name: "RIGHT", Prefix: netip.MustParsePrefix("203.0.113.2/32"), LocalKey: []byte("secret"), RemoteKey: []byte("secret"),
		}}},
		Lifetime:       86400 * time.Second,
		DPD:            &spec.DPD{Interval: 10 * time.Second, Retry: 3 * time.Second, Periodic: true},
		ConfigExchange: spec.ConfigExchange{Request: true, SetSend: true, SetAccept: true},
	}
	want := &spec.Spec{
		Hostname: "LEFT",
		Policies: []spec.Policy{smartPolicy},
		Profiles: []*spec.Profile{profile},
		Tunnels: []spec.Tunnel{{
			Interface: spec.Interface{
				Name: "Tunnel0", Number: 0,
				Addrs:  []netip.Prefix{netip.MustParsePrefix("172.31.0.1/30")},
				Source: netip.MustParseAddr("203.0.113.1"), SourceIface: "GigabitEthernet1",
				Mode: spec.ModeIPsecIPv4,
				Protection: &spec.IPsecProfile{
					Name: "default",
					Proposals: []spec.ESPProposal{{Name: "default", Encr: spec.Cipher{ID: wire.EncrAESCBC, KeyBits: 128},
						Integ: wire.IntegHMACSHA196, Transport: true}},
					Lifetime: 3600 * time.Second, LifetimeKB: 4608000, ReplayWindow: 64,
					IKEv2: profile,
				},
				DFBit: "copy",
			},
			Destination: netip.MustParseAddr("203.0.113.2"),
		}},
		Routes: []spec.Route{
			{Prefix: netip.MustParsePrefix("10.20.0.0/24"), Interface: "Tunnel0", Distance: 1, Tunnel: true},
			{Prefix: netip.MustParsePrefix("0.0.0.0/0"), NextHop: netip.MustParseAddr("203.0.113.254"), Distance: 5},
		},
	}
	if diff := cmp.Diff(want, s, equateAddrs); diff != "" {
		t.Errorf("spec (-want +got):\n%s", diff)
	}
	if s.Tunnels[0].Protection.IKEv2 != s.Profiles[0] {
		t.Error("the tunnel's IKEv2 profile is not the spec's profile value")
	}
}

// TestCompileSnapshot checks that the spec shares no memory with the
// configuration: editing the configuration in place afterwards leaves an
// earlier spec unchanged.
func TestCompileSnapshot(t *testing.T) {
	build := func() *Config {
		c := s2s()
		pol, _ := c.IKEv2.Policy("P", true)
		pol.AddProposal("default")
		pol.AddLocalAddress("203.0.113.1")
		a := c.IKEv2.AuthPolicy("AZ", true)
		a.RouteSetInterfaces = []string{""}
		a.DNS = []string{"10.0.0.53"}
		pr, _ := c.IKEv2.Profile("S2S", false)
		pr.AAAGroup = []AAAAuthorization{{Method: "psk", List: "L", Policy: "AZ"}}
		return c
	}
	c := build()
	before, _ := c.Compile()

	dp, _ := c.IKEv2.Proposals.Get(DefaultName)
	dp.Group[0], dp.Encryption[0], dp.Integrity[0] = 1, "des", "md5"
	pol, _ := c.IKEv2.Policy("P", false)
	pol.LocalAddresses[0] = "192.0.2.99"
	pol.Proposals[0] = "X"
	a := c.IKEv2.AuthPolicy("AZ", false)
	a.RouteSetInterfaces[0] = "Loopback9"
	a.DNS[0] = "1.1.1.1"
	kr := c.IKEv2.Keyring("S2S-KEYS", false)
	kr.Peer("RIGHT", false).PSK.Text = "changed"
	pr, _ := c.IKEv2.Profile("S2S", false)
	pr.MatchIdentities[0].Value = "198.51.100.1"
	c.Routes[0].Prefix = netip.MustParsePrefix("10.99.0.0/16")
	ts, _ := c.IPsec.TransformSets.Get(DefaultName)
	ts.Transforms[0] = "esp-3des"
	c.Ifaces.Ensure("Tunnel0").Address.Addr = "10.9.9.9"
	if changed, _ := c.Compile(); cmp.Equal(before, changed, equateAddrs) {
		t.Fatal("the edits changed nothing: the test edits the wrong objects")
	}

	want, _ := build().Compile()
	if diff := cmp.Diff(want, before, equateAddrs); diff != "" {
		t.Errorf("spec changed with the configuration (-want +got):\n%s", diff)
	}
	if before.Profiles[0].Authorization == nil || len(before.Policies) != 2 {
		t.Errorf("the spec lacks the objects the test edits: %+v", before)
	}
}

func TestCompileTunnelWarnings(t *testing.T) {
	tests := []struct {
		name    string
		edit    func(c *Config)
		tunnels int
		warning string
	}{
		{"ok", func(c *Config) {}, 1, ""},
		{"missing ipsec profile", func(c *Config) { c.Ifaces.Ensure("Tunnel0").TunnelProtection = "NOPE" }, 0,
			"interface Tunnel0: ipsec profile NOPE does not exist or is not usable: tunnel stays down"},
		{"no protection", func(c *Config) { c.Ifaces.Ensure("Tunnel0").TunnelProtection = "" }, 0,
			"interface Tunnel0: no tunnel protection ipsec profile: tunnel stays down"},
		{"gre", func(c *Config) { c.Ifaces.Ensure("Tunnel0").TunnelMode = "" }, 0,
			"interface Tunnel0: tunnel mode gre ip is not supported (only tunnel mode ipsec): interface not applied"},
		{"ikev1", func(c *Config) { c.IPsec.Profile(DefaultName, false).IKEv2Profile = "" }, 0,
			"interface Tunnel0: ipsec profile default has no set ikev2-profile (IOS would use IKEv1): tunnel stays down"},
		{"missing ikev2 profile", func(c *Config) { c.IPsec.Profile(DefaultName, false).IKEv2Profile = "GONE" }, 0,
			"crypto ipsec profile default: ikev2-profile GONE does not exist"},
		{"no destination", func(c *Config) { c.Ifaces.Ensure("Tunnel0").TunnelDest = "" }, 0,
			"interface Tunnel0: no tunnel destination: tunnel stays down"},
		{"no transform-set", func(c *Config) { c.IPsec.DeleteTransformSet(DefaultName) }, 0,
			"crypto ipsec profile default: transform-set default does not exist"},
		{"missing keyring", func(c *Config) { c.IKEv2.Keyrings.Delete("S2S-KEYS") }, 1,
			"crypto ikev2 profile S2S: keyring S2S-KEYS does not exist"},
		{"v6 destination in ipv4 mode", func(c *Config) { c.Ifaces.Ensure("Tunnel0").TunnelDest = "2001:DB8::2" }, 0,
			"interface Tunnel0: tunnel endpoint 2001:db8::2 does not match tunnel mode ipsec ipv4: tunnel stays down"},
		{"v6 mode", func(c *Config) {
			tun := c.Ifaces.Ensure("Tunnel0")
			tun.TunnelMode, tun.TunnelDest, tun.TunnelSource = "ipsec ipv6", "2001:DB8::2", "2001:DB8::1"
		}, 1, ""},
		{"no local authentication", func(c *Config) {
			pr, _ := c.IKEv2.Profile("S2S", false)
			pr.AuthLocal = nil
		}, 1, "crypto ikev2 profile S2S: incomplete: a local and a remote authentication method are needed"},
		{"no match identity", func(c *Config) {
			pr, _ := c.IKEv2.Profile("S2S", false)
			pr.MatchIdentities = nil
		}, 1, "crypto ikev2 profile S2S: incomplete: no match identity remote, the profile matches no peer"},
		{"no keyring", func(c *Config) {
			pr, _ := c.IKEv2.Profile("S2S", false)
			pr.Keyring = nil
		}, 1, "crypto ikev2 profile S2S: pre-share authentication without a key or a local keyring"},
		{"inline keys need no keyring", func(c *Config) {
			pr, _ := c.IKEv2.Profile("S2S", false)
			pr.Keyring = nil
			pr.AuthLocal.Key = &Key{Text: "l"}
			pr.AuthRemote[0].Key = &Key{Text: "r"}
		}, 1, ""},
		{"type 6 key", func(c *Config) { c.IKEv2.Keyring("S2S-KEYS", false).Peer("RIGHT", false).PSK.Type = 6 }, 1,
			"crypto ikev2 keyring S2S-KEYS peer RIGHT: type 6 key cannot be decrypted: key not used"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := s2s()
			tc.edit(c)
			s, ws := c.Compile()
			if len(s.Tunnels) != tc.tunnels {
				t.Errorf("%d tunnels, want %d", len(s.Tunnels), tc.tunnels)
			}
			got := warningTexts(ws)
			if tc.warning == "" && len(got) != 0 || tc.warning != "" && (len(got) == 0 || got[0] != tc.warning) {
				t.Errorf("warnings %q, want first %q", got, tc.warning)
			}
		})
	}
}

func TestCompileTunnelAddressing(t *testing.T) {
	tests := []struct {
		name     string
		edit     func(c *Config, tun *Interface)
		addrs    []string
		source   string
		srcIface string
		dest     string
		destHost string
	}{
		{"source address", func(c *Config, tun *Interface) { tun.TunnelSource = "198.51.100.7" },
			[]string{"172.31.0.1/30"}, "198.51.100.7", "", "203.0.113.2", ""},
		{"linux source interface", func(c *Config, tun *Interface) { tun.TunnelSource = "eth0" },
			[]string{"172.31.0.1/30"}, "", "eth0", "203.0.113.2", ""},
		{"dhcp source interface", func(c *Config, tun *Interface) {
			g := c.Ifaces.Ensure("GigabitEthernet1")
			g.ClearIPv4()
			g.DHCP = true
		}, []string{"172.31.0.1/30"}, "", "GigabitEthernet1", "203.0.113.2", ""},
		{"unnumbered loopback with ipv6", func(c *Config, tun *Interface) {
			tun.ClearIPv4()
			tun.Unnumbered = "Loopback0"
			tun.IPv6 = []string{"2001:DB8::1/64", "FE80::1 link-local", "2001:DB8:1::/64 eui-64"}
			lo := c.Ifaces.Ensure("Loopback0")
			lo.Address = &IfAddr{Addr: "10.0.0.1", Mask: "255.255.255.255"}
			lo.Secondary = []IfAddr{{Addr: "10.0.1.1", Mask: "255.255.255.0"}}
		}, []string{"10.0.0.1/32", "10.0.1.1/24", "2001:db8::1/64"}, "203.0.113.1", "GigabitEthernet1", "203.0.113.2", ""},
		{"ip host destination", func(c *Config, tun *Interface) {
			tun.TunnelDest = "RIGHT"
			c.Global.Hosts.Set("RIGHT", "203.0.113.9 203.0.113.10")
		}, []string{"172.31.0.1/30"}, "203.0.113.1", "GigabitEthernet1", "203.0.113.9", ""},
		{"dns destination", func(c *Config, tun *Interface) { tun.TunnelDest = "right.example" },
			[]string{"172.31.0.1/30"}, "203.0.113.1", "GigabitEthernet1", "", "right.example"},
		{"dynamic destination", func(c *Config, tun *Interface) { tun.TunnelDest = "dynamic" },
			[]string{"172.31.0.1/30"}, "203.0.113.1", "GigabitEthernet1", "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := s2s()
			tc.edit(c, c.Ifaces.Ensure("Tunnel0"))
			s, ws := c.Compile()
			if len(s.Tunnels) != 1 {
				t.Fatalf("no tunnel; warnings %v", ws)
			}
			tun := s.Tunnels[0]
			var addrs []string
			for _, a := range tun.Addrs {
				addrs = append(addrs, a.String())
			}
			got := []string{strings.Join(addrs, ","), addrText(tun.Source), tun.SourceIface, addrText(tun.Destination), tun.DestinationHost}
			want := []string{strings.Join(tc.addrs, ","), tc.source, tc.srcIface, tc.dest, tc.destHost}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("addrs, source, source iface, dest, dest host (-want +got):\n%s", diff)
			}
		})
	}
}

func addrText(a netip.Addr) string {
	if !a.IsValid() {
		return ""
	}
	return a.String()
}

// BenchmarkCompileHub compiles a hub of 10,000 keyring peers and 10,000
// profiles sharing one keyring and one virtual template.
func BenchmarkCompileHub(b *testing.B) {
	c := New()
	kr := c.IKEv2.Keyring("K", true)
	for i := range 10000 {
		name := "spoke" + strconv.Itoa(i)
		p := kr.Peer(name, true)
		p.Identity = &Identity{Type: "fqdn", Value: name + ".example"}
		p.PSK = &Key{Text: "key-" + name}
		pr, _ := c.IKEv2.Profile(name, true)
		pr.MatchIdentities = []Identity{{Type: "fqdn", Value: name + ".example"}}
		pr.AuthLocal = &AuthMethod{Method: "pre-share"}
		pr.AuthRemote = []AuthMethod{{Method: "pre-share"}}
		pr.Keyring = &KeyringRef{Name: "K"}
		pr.VirtualTemplate = 1
	}
	vt := c.Ifaces.Ensure("Virtual-Template1")
	vt.Type, vt.TunnelMode, vt.TunnelProtection = "tunnel", "ipsec ipv4", DefaultName
	b.ReportAllocs()
	for b.Loop() {
		s, ws := c.Compile()
		if len(s.Profiles) != 10000 || len(s.Templates) != 1 || len(ws) != 0 {
			b.Fatalf("%d profiles, %d templates, warnings %v", len(s.Profiles), len(s.Templates), ws)
		}
	}
}

func TestCompileProfile(t *testing.T) {
	c := New()
	c.IKEv2.DPD = &DPD{Interval: 20, Retry: 2, Mode: "on-demand"}
	c.IKEv2.NATKeepalive = 15
	c.IKEv2.Fragmentation = true
	lo := c.Ifaces.Ensure("Loopback1")
	lo.Address = &IfAddr{Addr: "192.0.2.1", Mask: "255.255.255.255"}
	lo.IPv6 = []string{"2001:DB8::1/128"}
	kr := c.IKEv2.Keyring("K", true)
	p6 := kr.Peer("V6", true)
	p6.Address, p6.PSKLocal, p6.PSKRemote = "2001:DB8::/32", &Key{Text: "l6"}, &Key{Text: "r6"}
	pk := kr.Peer("KID", true)
	pk.Identity, pk.Hostname, pk.PSK = &Identity{Type: "key-id", Value: "grp1"}, "peer.example", &Key{Text: "k"}
	pm := kr.Peer("NET", true)
	pm.Address, pm.Mask, pm.PSK = "10.0.0.0", "255.0.0.0", &Key{Text: "n"}
	pr, _ := c.IKEv2.Profile("P", true)
	pr.MatchFVRF = "any"
	pr.MatchLocal = []string{"interface Loopback1", "interface eth0", "198.51.100.1"}
	pr.MatchIdentities = []Identity{
		{Type: "address", Value: "10.0.0.0", Mask: "255.0.0.0"},
		{Type: "address", Value: "0.0.0.0"},
		{Type: "address", Value: "2001:DB8::/32"},
		{Type: "fqdn", Value: "example.com", Domain: true},
		{Type: "email", Value: "a@example.com"},
		{Type: "key-id", Value: "grp1"},
		{Type: "any"},
	}
	pr.LocalIdentity = &Identity{Type: "address", Value: "192.0.2.1"}
	pr.AuthLocal = &AuthMethod{Method: "pre-share", Key: &Key{Text: "inline"}}
	pr.AuthRemote = []AuthMethod{{Method: "pre-share"}, {Method: "rsa-sig"}}
	pr.Keyring = &KeyringRef{Name: "K"}
	pr.Lifetime = 3600
	pr.IVRF = "INSIDE"
	pr.NoConfigSetSend = true
	pr.VirtualTemplate = 9
	ap := c.IKEv2.AuthPolicy("AZ", true)
	ap.Pool, ap.IPv6Pool, ap.Netmask = "POOL", "POOL6", "255.255.255.0"
	ap.WINS, ap.IPv6DNS, ap.DefDomain = []string{"10.0.0.2"}, []string{"2001:DB8::53"}, "example.com"
	ap.RouteSetACL, ap.RouteSetACLv6 = "R4", "R6"
	ap.RouteSetRemote = []string{"ipv4 172.16.0.0 255.240.0.0", "ipv6 2001:DB8:9::/48"}
	ap.NoRouteAccept = true
	ap.RouteAcceptDistance = 7
	ap.Banner, ap.SplitDNS = "^C Welcome ^C", []string{"corp.example"}
	c.Pools.Set("POOL", &LocalPool{Name: "POOL", Ranges: []PoolRange{{Low: netip.MustParseAddr("10.9.0.1"), High: netip.MustParseAddr("10.9.0.9")}}})
	c.V6Pools.Set("POOL6", &LocalPool{Name: "POOL6", Prefix: netip.MustParsePrefix("2001:db8:100::/40"), PrefixLen: 64})
	c.ACLs.Set("R4", &AccessList{Name: "R4", Kind: ACLStandard, Entries: []*ACE{
		{Seq: 10, Action: "permit", Src: ACLAddr{Addr: netip.MustParseAddr("10.1.0.0"), Wildcard: netip.MustParseAddr("0.0.255.255")}},
		{Seq: 20, Action: "deny", Src: ACLAddr{Any: true}},
		{Seq: 30, Action: "permit", Src: ACLAddr{Addr: netip.MustParseAddr("10.2.3.4")}},
		{Seq: 40, Action: "permit", Src: ACLAddr{Addr: netip.MustParseAddr("10.3.0.0"), Wildcard: netip.MustParseAddr("0.255.0.255")}},
	}})
	c.ACLs.Set(ACLKey(ACLIPv6, "R6"), &AccessList{Name: "R6", Kind: ACLIPv6, Entries: []*ACE{
		{Seq: 10, Action: "permit", Src: ACLAddr{Prefix: netip.MustParsePrefix("2001:db8:1::/48")}},
		{Seq: 20, Action: "permit", Src: ACLAddr{Any: true}},
	}})
	pr.AAAGroup = []AAAAuthorization{{Method: "cert", List: "L", Policy: "OTHER"}, {Method: "psk", List: "L", Policy: "AZ"}}

	s, ws := c.Compile()
	a, p := netip.MustParseAddr, netip.MustParsePrefix
	want := &spec.Profile{
		Name: "P", MatchFVRF: "any",
		MatchLocal:       []netip.Addr{a("192.0.2.1"), a("2001:db8::1"), a("198.51.100.1")},
		MatchLocalIfaces: []string{"eth0"},
		MatchIdentities: []spec.IdentityMatch{
			{Kind: spec.IDAddress, Prefix: p("10.0.0.0/8")},
			{Kind: spec.IDAddress, Prefix: p("0.0.0.0/0")},
			{Kind: spec.IDAddress, Prefix: p("2001:db8::/32")},
			{Kind: spec.IDFQDN, Name: "example.com", Domain: true},
			{Kind: spec.IDEmail, Name: "a@example.com"},
			{Kind: spec.IDKeyID, Name: "grp1"},
			{Kind: spec.IDAny},
		},
		LocalID:    spec.Identity{Kind: spec.IDAddress, Addr: a("192.0.2.1")},
		AuthLocal:  spec.AuthMethod{Method: "pre-share", Key: []byte("inline")},
		AuthRemote: []spec.AuthMethod{{Method: "pre-share"}, {Method: "rsa-sig"}},
		Keyring: &spec.Keyring{Name: "K", Peers: []spec.KeyringPeer{
			{Name: "V6", Prefix: p("2001:db8::/32"), LocalKey: []byte("l6"), RemoteKey: []byte("r6")},
			{Name: "KID", Hostname: "peer.example", Identity: spec.Identity{Kind: spec.IDKeyID, Name: "grp1"},
				LocalKey: []byte("k"), RemoteKey: []byte("k")},
			{Name: "NET", Prefix: p("10.0.0.0/8"), LocalKey: []byte("n"), RemoteKey: []byte("n")},
		}},
		Lifetime:        time.Hour,
		DPD:             &spec.DPD{Interval: 20 * time.Second, Retry: 2 * time.Second},
		NATKeepalive:    15 * time.Second,
		VirtualTemplate: 9,
		IVRF:            "INSIDE",
		ConfigExchange:  spec.ConfigExchange{Request: true, SetAccept: true},
		Authorization: &spec.Authorization{
			Name:         "AZ",
			Pool:         []spec.AddrRange{{First: a("10.9.0.1"), Last: a("10.9.0.9")}},
			PoolName:     "POOL",
			Banner:       "Welcome",
			SplitDNS:     []string{"corp.example"},
			IPv6Pool:     p("2001:db8:100::/40"),
			IPv6PoolLen:  64,
			IPv6PoolName: "POOL6",
			IPv6DNS:      []netip.Addr{a("2001:db8::53")},
			WINS:         []netip.Addr{a("10.0.0.2")},
			Netmask:      a("255.255.255.0"),
			DefDomain:    "example.com",
			Routes: []netip.Prefix{p("10.1.0.0/16"), p("10.2.3.4/32"), p("2001:db8:1::/48"), p("::/0"),
				p("172.16.0.0/12"), p("2001:db8:9::/48")},
			RouteDistance: 7,
		},
		AAA: spec.AAA{Group: &spec.AAASource{Policy: "AZ"}},
	}
	if diff := cmp.Diff([]*spec.Profile{want}, s.Profiles, equateAddrs); diff != "" {
		t.Errorf("profile (-want +got):\n%s", diff)
	}
	wantPools := []spec.Pool{{Name: "POOL", Ranges: want.Authorization.Pool}}
	if diff := cmp.Diff(wantPools, s.Pools, equateAddrs); diff != "" {
		t.Errorf("pools (-want +got):\n%s", diff)
	}
	wantGlobal := spec.Global{DPD: &spec.DPD{Interval: 20 * time.Second, Retry: 2 * time.Second}, NATKeepalive: 15 * time.Second, FragmentMTU: 576}
	if diff := cmp.Diff(wantGlobal, s.Global); diff != "" {
		t.Errorf("global (-want +got):\n%s", diff)
	}
	wantWarnings := []string{
		"crypto ikev2 authorization policy AZ: access-list R4 entry 40 is not a prefix: not pushed",
		"crypto ikev2 profile P: virtual-template 9: interface Virtual-Template9 type tunnel is not configured",
	}
	if diff := cmp.Diff(wantWarnings, warningTexts(ws)); diff != "" {
		t.Errorf("warnings (-want +got):\n%s", diff)
	}
	if s.Profiles[0].DPD == s.Global.DPD {
		t.Error("the profile shares the global DPD value")
	}
}

func TestCompileIPsecProfile(t *testing.T) {
	tests := []struct {
		name   string
		edit   func(ip *IPsec, pr *IPsecProfile)
		pfs    wire.DHGroup
		life   time.Duration
		kb     uint64
		replay int
	}{
		{"defaults", func(ip *IPsec, pr *IPsecProfile) {}, 0, time.Hour, 4608000, 64},
		{"pfs group", func(ip *IPsec, pr *IPsecProfile) { pr.PFS = "group19" }, wire.DHECP256, time.Hour, 4608000, 64},
		{"bare pfs", func(ip *IPsec, pr *IPsecProfile) { pr.PFSDefault = true }, wire.DHModp768, time.Hour, 4608000, 64},
		{"global lifetimes and replay", func(ip *IPsec, pr *IPsecProfile) {
			ip.LifetimeSeconds, ip.LifetimeKB, ip.ReplayWindow = 1800, 1000, 1024
		}, 0, 30 * time.Minute, 1000, 1024},
		{"profile overrides", func(ip *IPsec, pr *IPsecProfile) {
			ip.LifetimeSeconds, ip.ReplayWindow = 1800, 1024
			pr.LifetimeSeconds, pr.LifetimeKBDisable, pr.ReplayWindow = 600, true, 128
		}, 0, 10 * time.Minute, 0, 128},
		{"days", func(ip *IPsec, pr *IPsecProfile) { pr.LifetimeDays = 2 }, 0, 48 * time.Hour, 4608000, 64},
		{"replay disabled globally", func(ip *IPsec, pr *IPsecProfile) { ip.ReplayDisable = true }, 0, time.Hour, 4608000, 0},
		{"replay disabled in profile", func(ip *IPsec, pr *IPsecProfile) { pr.ReplayDisable = true }, 0, time.Hour, 4608000, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := s2s()
			tc.edit(&c.IPsec, c.IPsec.Profile(DefaultName, false))
			s, ws := c.Compile()
			if len(s.Tunnels) != 1 {
				t.Fatalf("no tunnel: %v", ws)
			}
			pr := s.Tunnels[0].Protection
			got := []any{pr.PFS, pr.Lifetime, pr.LifetimeKB, pr.ReplayWindow}
			if diff := cmp.Diff([]any{tc.pfs, tc.life, tc.kb, tc.replay}, got); diff != "" {
				t.Errorf("pfs, lifetime, kilobytes, replay (-want +got):\n%s", diff)
			}
		})
	}
}

func TestCompileTemplates(t *testing.T) {
	c := s2s()
	vt := c.Ifaces.Ensure("Virtual-Template2")
	vt.Type, vt.TunnelMode, vt.TunnelProtection, vt.Unnumbered = "tunnel", "ipsec ipv4", "V", "Loopback7"
	c.IPsec.Profile("V", true) // no ikev2-profile: sessions use the matched profile
	for _, n := range []string{"A", "B"} {
		pr, _ := c.IKEv2.Profile(n, true)
		pr.VirtualTemplate = 2
	}
	c.Ifaces.Ensure("Loopback7") // no address
	noType := c.Ifaces.Ensure("Virtual-Template3")
	noType.TunnelMode = "ipsec ipv4"
	s, ws := c.Compile()
	if len(s.Templates) != 1 {
		t.Fatalf("templates %+v, warnings %v", s.Templates, ws)
	}
	tpl := s.Templates[0]
	if tpl.Name != "Virtual-Template2" || tpl.Number != 2 || !cmp.Equal(tpl.Profiles, []string{"A", "B"}) ||
		tpl.Protection.IKEv2 != nil || tpl.Unnumbered != "Loopback7" || len(tpl.Addrs) != 0 {
		t.Errorf("template %+v", tpl)
	}
	if got, ok := s.Template(2); !ok || got.Name != "Virtual-Template2" {
		t.Errorf("Spec.Template(2) = %v, %v", got, ok)
	}
	if got, ok := s.Profile("B"); !ok || got.VirtualTemplate != 2 {
		t.Errorf("Spec.Profile(B) = %v, %v", got, ok)
	}
	want := "interface Virtual-Template2: unnumbered interface Loopback7 has no address"
	if !slices.Contains(warningTexts(ws), want) {
		t.Errorf("warnings %q lack %q", warningTexts(ws), want)
	}
}

func TestCompileMixedProposal(t *testing.T) {
	c := New()
	p, _ := c.IKEv2.Proposal("MIX", true)
	p.Add(TransEncryption, "aes-cbc-256", "aes-gcm-256")
	p.Add(TransIntegrity, "sha256")
	p.Add(TransGroup, "19")
	pol, _ := c.IKEv2.Policy("P", true)
	pol.AddProposal("MIX")
	s, ws := c.Compile()
	prf, groups := []wire.PRFID{wire.PRFHMACSHA2256}, []wire.DHGroup{wire.DHECP256}
	want := []spec.IKEProposal{
		{Name: "MIX", Encr: []spec.Cipher{{ID: wire.EncrAESGCM16, KeyBits: 256}}, PRF: prf, Groups: groups},
		{Name: "MIX", Encr: []spec.Cipher{{ID: wire.EncrAESCBC, KeyBits: 256}}, Integ: []wire.IntegID{wire.IntegHMACSHA2256128}, PRF: prf, Groups: groups},
	}
	if diff := cmp.Diff(want, s.Policies[0].Proposals); diff != "" || len(ws) != 0 {
		t.Errorf("proposals (-want +got):\n%s\nwarnings %v", diff, ws)
	}
}
