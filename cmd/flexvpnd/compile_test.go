package main

import (
	"fmt"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/flexvpnd/flexvpnd/engine/ikev2/wire"
	"github.com/flexvpnd/flexvpnd/engine/spec"
	"github.com/flexvpnd/flexvpnd/modes"
	runningconfig "github.com/flexvpnd/flexvpnd/running-config"
)

// The compile from running-config to the engine spec, end to end: each
// configuration file is loaded through the CLI loader (modes.Load) and
// compiled, and the resolved spec is compared with what IOS would run.

// compileFile loads a configuration file through the CLI loader and
// compiles it (the corpus lines a real IOS rejects are rejected here too,
// see corpus_test.go).
func compileFile(t *testing.T, path string) (*spec.Spec, []runningconfig.Warning) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	s, ws, _ := compileConfig(t, f)
	return s, ws
}

// compileConfig loads configuration lines and compiles the result; it
// also returns the lines the CLI rejected.
func compileConfig(t *testing.T, r io.Reader) (*spec.Spec, []runningconfig.Warning, []string) {
	t.Helper()
	sys := modes.NewSystem()
	diags, err := modes.Load(sys, r)
	if err != nil {
		t.Fatal(err)
	}
	var rejected []string
	for _, d := range diags {
		if d.Err != nil {
			rejected = append(rejected, fmt.Sprintf("line %d %q: %v", d.Line, d.Text, d.Err))
		}
	}
	var s *spec.Spec
	var ws []runningconfig.Warning
	sys.Config(func(c *runningconfig.Config) { s, ws = c.Compile() })
	return s, ws, rejected
}

var (
	equateNetip = cmpopts.EquateComparable(netip.Addr{}, netip.Prefix{})
	specPrefix  = netip.MustParsePrefix
	specAddr    = netip.MustParseAddr
	allConfigEx = spec.ConfigExchange{Request: true, SetSend: true, SetAccept: true}
	preShare    = spec.AuthMethod{Method: spec.MethodPreShare}
	// smartDefault is the IOS-XE 17 default policy with its proposal.
	smartDefault = spec.Policy{Name: "default", MatchFVRF: spec.AnyVRF, Proposals: []spec.IKEProposal{{
		Name:   "default",
		Encr:   []spec.Cipher{{ID: wire.EncrAESCBC, KeyBits: 256}},
		Integ:  []wire.IntegID{wire.IntegHMACSHA2512256, wire.IntegHMACSHA2384192},
		PRF:    []wire.PRFID{wire.PRFHMACSHA2512, wire.PRFHMACSHA2384},
		Groups: []wire.DHGroup{wire.DHECP256, wire.DHModp2048, wire.DHECP521, wire.DHModp1536},
	}}}
	// defaultTransformSet is `esp-aes esp-sha-hmac`, mode transport.
	defaultTransformSet = spec.ESPProposal{Name: "default", Encr: spec.Cipher{ID: wire.EncrAESCBC, KeyBits: 128},
		Integ: wire.IntegHMACSHA196, Transport: true}
	dpd30 = &spec.DPD{Interval: 30 * time.Second, Retry: 5 * time.Second}
)

// ipsecProfile returns an IPsec profile with the IOS default lifetimes
// and replay window.
func ipsecProfile(name string, ike *spec.Profile, proposals ...spec.ESPProposal) *spec.IPsecProfile {
	return &spec.IPsecProfile{Name: name, Proposals: proposals, Lifetime: time.Hour, LifetimeKB: 4608000,
		ReplayWindow: 64, IKEv2: ike}
}

func siteToSite() *spec.Spec {
	key := []byte("S2S-Secret!2024")
	profile := &spec.Profile{
		Name:            "S2S",
		MatchIdentities: []spec.IdentityMatch{{Kind: spec.IDAddress, Prefix: specPrefix("203.0.113.2/32")}},
		AuthLocal:       preShare,
		AuthRemote:      []spec.AuthMethod{preShare},
		Keyring: &spec.Keyring{Name: "S2S-KEYS", Peers: []spec.KeyringPeer{
			{Name: "RIGHT", Prefix: specPrefix("203.0.113.2/32"), LocalKey: key, RemoteKey: key},
		}},
		Lifetime:       86400 * time.Second,
		DPD:            &spec.DPD{Interval: 10 * time.Second, Retry: 3 * time.Second, Periodic: true},
		ConfigExchange: allConfigEx,
	}
	return &spec.Spec{
		Hostname: "LEFT",
		Policies: []spec.Policy{smartDefault},
		Profiles: []*spec.Profile{profile},
		Tunnels: []spec.Tunnel{{
			Interface: spec.Interface{
				Name: "Tunnel0", Description: "to RIGHT",
				Addrs:  []netip.Prefix{specPrefix("172.31.0.1/30")},
				Source: specAddr("203.0.113.1"), SourceIface: "GigabitEthernet1",
				Mode:       spec.ModeIPsecIPv4,
				Protection: ipsecProfile("default", profile, defaultTransformSet),
				DFBit:      "copy",
			},
			Destination: specAddr("203.0.113.2"),
		}},
		Routes: []spec.Route{{Prefix: specPrefix("10.20.0.0/24"), Interface: "Tunnel0", Distance: 1, Tunnel: true}},
	}
}

func spoke() *spec.Spec {
	profile := &spec.Profile{
		Name:            "FLEX-SPOKE",
		MatchIdentities: []spec.IdentityMatch{{Kind: spec.IDFQDN, Name: "hub.flexvpn.example"}},
		LocalID:         spec.Identity{Kind: spec.IDFQDN, Name: "spoke1.flexvpn.example"},
		AuthLocal:       preShare,
		AuthRemote:      []spec.AuthMethod{preShare},
		Keyring: &spec.Keyring{Name: "FLEX-KEYS", Peers: []spec.KeyringPeer{{
			Name: "HUB", Prefix: specPrefix("198.51.100.1/32"),
			Identity: spec.Identity{Kind: spec.IDFQDN, Name: "hub.flexvpn.example"},
			LocalKey: []byte("Spoke1-To-Hub$"), RemoteKey: []byte("Hub-To-Spoke1!"),
		}}},
		Lifetime:       86400 * time.Second,
		DPD:            dpd30,
		ConfigExchange: allConfigEx,
		Authorization:  &spec.Authorization{Name: "FLEX-AUTHZ", RouteSetInterfaces: []string{""}, AcceptRoutes: true},
		AAA:            spec.AAA{Group: &spec.AAASource{Policy: "FLEX-AUTHZ"}},
	}
	return &spec.Spec{
		Hostname:       "SPOKE1",
		Authorizations: map[string]*spec.Authorization{"FLEX-AUTHZ": profile.Authorization},
		Policies:       []spec.Policy{smartDefault},
		Profiles:       []*spec.Profile{profile},
		Tunnels: []spec.Tunnel{{
			Interface: spec.Interface{
				Name: "Tunnel0", Description: "FlexVPN tunnel to the hub", Negotiated: true,
				Source: specAddr("203.0.113.11"), SourceIface: "GigabitEthernet1",
				Mode:       spec.ModeIPsecIPv4,
				Protection: ipsecProfile("FLEX-IPSEC", profile, defaultTransformSet),
				MTU:        1400, AdjustMSS: 1360, DFBit: "copy",
			},
			Destination: specAddr("198.51.100.1"),
		}},
		Routes: []spec.Route{
			{Prefix: specPrefix("0.0.0.0/0"), NextHop: specAddr("203.0.113.254"), Distance: 1},
			{Prefix: specPrefix("10.0.0.0/16"), Interface: "Tunnel0", Distance: 1, Tunnel: true},
		},
	}
}

func hub() *spec.Spec {
	profile := &spec.Profile{
		Name:            "FLEX-HUB",
		Description:     "FlexVPN spokes",
		MatchIdentities: []spec.IdentityMatch{{Kind: spec.IDFQDN, Name: "flexvpn.example", Domain: true}},
		LocalID:         spec.Identity{Kind: spec.IDFQDN, Name: "hub.flexvpn.example"},
		AuthLocal:       preShare,
		AuthRemote:      []spec.AuthMethod{preShare},
		Keyring: &spec.Keyring{Name: "FLEX-KEYS", Peers: []spec.KeyringPeer{
			{Name: "SPOKE1", Identity: spec.Identity{Kind: spec.IDFQDN, Name: "spoke1.flexvpn.example"},
				LocalKey: []byte("Hub-To-Spoke1!"), RemoteKey: []byte("Spoke1-To-Hub$")},
			{Name: "SPOKE2", Identity: spec.Identity{Kind: spec.IDFQDN, Name: "spoke2.flexvpn.example"},
				LocalKey: []byte("Spoke2*Shared"), RemoteKey: []byte("Spoke2*Shared")},
		}},
		Lifetime:        86400 * time.Second,
		DPD:             dpd30,
		VirtualTemplate: 1,
		ConfigExchange:  allConfigEx,
		Authorization: &spec.Authorization{
			Name:               "FLEX-AUTHZ",
			Pool:               []spec.AddrRange{{First: specAddr("10.0.0.10"), Last: specAddr("10.0.0.250")}},
			PoolName:           "FLEX-POOL",
			DNS:                []netip.Addr{specAddr("10.0.0.53")},
			Netmask:            specAddr("255.255.255.0"),
			RouteSetInterfaces: []string{""},
			Routes:             []netip.Prefix{specPrefix("10.0.0.0/16"), specPrefix("192.168.0.0/16")},
			AcceptRoutes:       true,
		},
		AAA: spec.AAA{Group: &spec.AAASource{Policy: "FLEX-AUTHZ"}},
	}
	flexTS := spec.ESPProposal{Name: "FLEX-TS", Encr: spec.Cipher{ID: wire.EncrAESCBC, KeyBits: 256}, Integ: wire.IntegHMACSHA2256128}
	return &spec.Spec{
		Hostname:       "HUB",
		Authorizations: map[string]*spec.Authorization{"FLEX-AUTHZ": profile.Authorization},
		Policies: []spec.Policy{{Name: "FLEX-POL", Proposals: []spec.IKEProposal{{
			Name:   "FLEX-PROP",
			Encr:   []spec.Cipher{{ID: wire.EncrAESCBC, KeyBits: 256}},
			Integ:  []wire.IntegID{wire.IntegHMACSHA2256128},
			PRF:    []wire.PRFID{wire.PRFHMACSHA2256},
			Groups: []wire.DHGroup{wire.DHECP256, wire.DHModp2048},
		}}}, smartDefault},
		Profiles: []*spec.Profile{profile},
		Templates: []spec.Template{{
			Interface: spec.Interface{
				Name: "Virtual-Template1", Number: 1,
				Addrs: []netip.Prefix{specPrefix("10.0.0.1/32")}, Unnumbered: "Loopback0",
				Source: specAddr("198.51.100.1"), SourceIface: "GigabitEthernet1",
				Mode:       spec.ModeIPsecIPv4,
				Protection: ipsecProfile("FLEX-IPSEC", profile, flexTS),
				MTU:        1400, AdjustMSS: 1360, DFBit: "copy",
			},
			Profiles: []string{"FLEX-HUB"},
		}},
		Loopbacks: []spec.Loopback{{Name: "Loopback0", Addrs: []netip.Prefix{specPrefix("10.0.0.1/32")}}},
		Routes:    []spec.Route{{Prefix: specPrefix("0.0.0.0/0"), NextHop: specAddr("198.51.100.254"), Distance: 1}},
		Pools:     []spec.Pool{{Name: "FLEX-POOL", Ranges: profile.Authorization.Pool}},
		Global:    spec.Global{DPD: dpd30},
	}
}

func TestCompileExamples(t *testing.T) {
	tests := []struct {
		file string
		want *spec.Spec
	}{
		{"site-to-site.cfg", siteToSite()},
		{"spoke.cfg", spoke()},
		{"hub.cfg", hub()},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			s, ws := compileFile(t, filepath.Join("../../examples", tc.file))
			if len(ws) != 0 {
				t.Errorf("warnings: %v", ws)
			}
			if diff := cmp.Diff(tc.want, s, equateNetip); diff != "" {
				t.Errorf("spec (-want +got):\n%s", diff)
			}
		})
	}
}

// specDigest is a one-line-per-object summary of a spec, for the corpus table.
type specDigest struct {
	Policies, Profiles, Tunnels, Templates, Warnings []string
}

func specDigestOf(s *spec.Spec, ws []runningconfig.Warning) specDigest {
	var d specDigest
	for _, p := range s.Policies {
		var names []string
		for _, pr := range p.Proposals {
			names = append(names, pr.Name)
		}
		d.Policies = append(d.Policies, fmt.Sprintf("%s fvrf=%q local=%v [%s]", p.Name, p.MatchFVRF, p.MatchLocal, strings.Join(names, " ")))
	}
	for _, p := range s.Profiles {
		d.Profiles = append(d.Profiles, specProfileDigest(p))
	}
	for _, t := range s.Tunnels {
		d.Tunnels = append(d.Tunnels, fmt.Sprintf("%s dst=%v%s %s", t.Name, specAddrText(t.Destination), t.DestinationHost, specIfaceDigest(t.Interface)))
	}
	for _, t := range s.Templates {
		d.Templates = append(d.Templates, fmt.Sprintf("%s profiles=%v %s", t.Name, t.Profiles, specIfaceDigest(t.Interface)))
	}
	for _, w := range ws {
		d.Warnings = append(d.Warnings, w.String())
	}
	return d
}

func specAddrText(a netip.Addr) string {
	if !a.IsValid() {
		return ""
	}
	return a.String()
}

func specProfileDigest(p *spec.Profile) string {
	var ids []string
	for _, m := range p.MatchIdentities {
		v := m.Name
		if m.Kind == spec.IDAddress {
			v = m.Prefix.String()
		}
		if m.Domain {
			v = "domain " + v
		}
		ids = append(ids, strings.TrimSpace(m.Kind.String()+" "+v))
	}
	var peers []string
	if p.Keyring != nil {
		for _, k := range p.Keyring.Peers {
			peers = append(peers, fmt.Sprintf("%s(%v %s %s %q/%q)", k.Name, k.Prefix, k.Hostname, k.Identity.Kind, k.LocalKey, k.RemoteKey))
		}
	}
	return fmt.Sprintf("%s match=[%s] local=%v/%s auth=%s+%q keyring=%v life=%v dpd=%v vt=%d ivrf=%q",
		p.Name, strings.Join(ids, "; "), p.LocalID.Kind, p.LocalID.Name, p.AuthLocal.Method, p.AuthLocal.Key,
		peers, p.Lifetime, p.DPD, p.VirtualTemplate, p.IVRF)
}

func specIfaceDigest(x spec.Interface) string {
	pr := x.Protection
	var esp []string
	for _, e := range pr.Proposals {
		esp = append(esp, fmt.Sprintf("%s:%d/%d/%d", e.Name, e.Encr.ID, e.Encr.KeyBits, e.Integ))
	}
	ike := "-"
	if pr.IKEv2 != nil {
		ike = pr.IKEv2.Name
	}
	return fmt.Sprintf("addrs=%v src=%v/%s %s vrf=%q/%q ipsec=%s[%s pfs=%d %v] ike=%s",
		x.Addrs, specAddrText(x.Source), x.SourceIface, x.Mode, x.VRF, x.TunnelVRF, pr.Name, strings.Join(esp, " "), pr.PFS, pr.Lifetime, ike)
}

// TestCompileCorpus compiles real IOS configurations and checks each
// resolved object in specDigest form: policies with their proposals, profiles
// with their match lines, keyrings and timers, tunnels with addresses,
// endpoints and protection, and the warnings for what cannot work.
func TestCompileCorpus(t *testing.T) {
	tests := []struct {
		file string
		want specDigest
	}{
		{"01-rakenit-spoke-dual-hub-svti-fqdn.cfg", specDigest{
			Policies: []string{
				"IKEv2-POLICY1 fvrf=\"\" local=[] [IKEv2-PROP1]",
			},
			Profiles: []string{
				"RM-HUB-IKEV2-PROFILE match=[fqdn hub-01.lab.example.net; fqdn hub-02.lab.example.net] local=fqdn/crtspk1.lab.example.net auth=pre-share+\"\" keyring=[RM-HUB1(198.51.100.10/32  fqdn \"<REPLACE_WITH_SPOKE1_LOCAL_PSK>\"/\"<REPLACE_WITH_HUB_REMOTE_PSK>\") RM-HUB2(198.51.100.14/32  fqdn \"<REPLACE_WITH_SPOKE1_LOCAL_PSK>\"/\"<REPLACE_WITH_HUB_REMOTE_PSK>\")] life=24h0m0s dpd=&{30s 6s false} vt=0 ivrf=\"\"",
			},
			Tunnels: []string{
				"Tunnel1 dst=198.51.100.10 addrs=[169.254.10.30/30] src=10.0.2.103/GigabitEthernet1 ipsec ipv4 vrf=\"CUST-L3VPN\"/\"\" ipsec=RM-HUB-IPSEC-PROFILE[IPSEC-TSET1:12/256/2 pfs=0 1h0m1s] ike=RM-HUB-IKEV2-PROFILE",
				"Tunnel2 dst=198.51.100.14 addrs=[169.254.11.30/30] src=10.0.2.103/GigabitEthernet1 ipsec ipv4 vrf=\"CUST-L3VPN\"/\"\" ipsec=RM-HUB-IPSEC-PROFILE[IPSEC-TSET1:12/256/2 pfs=0 1h0m1s] ike=RM-HUB-IKEV2-PROFILE",
			},
		}},
		{"09-yinghli-win10-eap-rsa-sig-csr1000v.cfg", specDigest{
			Policies: []string{
				"IKEv2-pol fvrf=\"\" local=[] [IKEv2-prop1]",
				"default fvrf=\"any\" local=[] [default]",
			},
			Profiles: []string{
				"Win10 match=[address 0.0.0.0/0] local=none/ auth=rsa-sig+\"\" keyring=[] life=24h0m0s dpd=<nil> vt=200 ivrf=\"\"",
			},
			Templates: []string{
				"Virtual-Template200 profiles=[Win10] addrs=[] src=/ ipsec ipv4 vrf=\"\"/\"\" ipsec=win10[TS:12/256/12 pfs=0 1h0m0s] ike=Win10",
			},
		}},
		{"11-jwright-azure-csr1-ikev1-vti-plus-ikev2-vti-bgp-paste.cfg", specDigest{
			Policies: []string{
				"to-csr3-policy fvrf=\"\" local=[10.0.0.4] [to-csr3-proposal]",
				"default fvrf=\"any\" local=[] [default]",
			},
			Profiles: []string{
				"to-csr3-profile match=[address 10.100.0.4/32] local=none/ auth=pre-share+\"\" keyring=[CSR3PublicIP(invalid Prefix  none \"Msft123Msft123\"/\"Msft123Msft123\")] life=1h0m0s dpd=&{10s 5s false} vt=0 ivrf=\"\"",
			},
			Warnings: []string{
				"interface Tunnel1: ipsec profile vti-1 has no set ikev2-profile (IOS would use IKEv1): tunnel stays down",
				"interface Tunnel11: no tunnel destination: tunnel stays down",
			},
		}},
		{"12-radiuspilot-isr-anyconnect-eap-ikev2-duo.cfg", specDigest{
			Policies: []string{
				"default fvrf=\"any\" local=[] [default]",
			},
			Profiles: []string{
				"ANYCONNECT-EAP match=[key-id *$AnyConnectClient$*] local=none/ auth=rsa-sig+\"\" keyring=[] life=24h0m0s dpd=<nil> vt=100 ivrf=\"\"",
			},
			Templates: []string{
				"Virtual-Template100 profiles=[ANYCONNECT-EAP] addrs=[] src=/ ipsec ipv4 vrf=\"\"/\"\" ipsec=ANYCONNECT-IPSEC[DUO-IPSEC-TS:12/256/12 pfs=0 1h0m0s] ike=ANYCONNECT-EAP",
			},
		}},
		{"14-msdocs-expressroute-ce-svti-vrf30-bgp.cfg", specDigest{
			Policies: []string{
				"Cust30-azure-policy fvrf=\"\" local=[66.198.12.106] [Cust30-azure-proposal]",
				"default fvrf=\"any\" local=[] [default]",
			},
			Profiles: []string{
				"Cust30-azure-profile match=[address 52.168.162.84/32] local=address/ auth=pre-share+\"\" keyring=[azure(52.168.162.84/32  none \"IamSecure123\"/\"IamSecure123\")] life=24h0m0s dpd=<nil> vt=0 ivrf=\"\"",
			},
			Tunnels: []string{
				"Tunnel30 dst=52.168.162.84 addrs=[10.2.30.125/32] src=66.198.12.106/Loopback30 ipsec ipv4 vrf=\"\"/\"\" ipsec=Cust30-azure-ipsec-profile[Cust30-azure-ipsec-proposal-set:12/256/2 pfs=0 1h0m0s] ike=Cust30-azure-profile",
			},
		}},
		{"15-notes-ikev2-vti-keyring-hostname-inline-keyring-as-key.cfg", specDigest{
			Policies: []string{
				"default fvrf=\"any\" local=[] [default]",
			},
			Profiles: []string{
				"IV2P_TUNNELS match=[any] local=none/ auth=pre-share+\"IKR_MY_KEYS\" keyring=[] life=24h0m0s dpd=<nil> vt=0 ivrf=\"\"",
			},
			Tunnels: []string{
				"Tunnel15 dst=10.0.45.5 addrs=[10.0.15.1/24] src=10.0.12.1/GigabitEthernet1 ipsec ipv4 vrf=\"\"/\"\" ipsec=IPSEC_PROFILE_TUNNELS[default:12/128/2 pfs=0 1h0m0s] ike=IV2P_TUNNELS",
			},
		}},
		{"16-freertr-interop-csr-svti-md5-group1-exit-style.cfg", specDigest{
			Policies: []string{
				"pl1 fvrf=\"\" local=[] [pr1]",
				"default fvrf=\"any\" local=[] [default]",
			},
			Profiles: []string{
				"pr1 match=[address 1.1.1.1/32] local=none/ auth=pre-share+\"\" keyring=[p1(1.1.1.1/32  none \"tester\"/\"tester\")] life=1h0m0s dpd=<nil> vt=0 ivrf=\"\"",
			},
			Tunnels: []string{
				"Tunnel1 dst=1.1.1.1 addrs=[2.2.2.2/24] src=1.1.1.2/GigabitEthernet1 ipsec ipv4 vrf=\"\"/\"\" ipsec=pr1[ts1:12/256/1 pfs=0 1h0m0s] ike=pr1",
			},
		}},
		{"17-c8000v-lisp-vedge02-svti-pre-share-local-remote.cfg", specDigest{
			Policies: []string{
				"ikev2_policy fvrf=\"\" local=[] [ikev2_proposal]",
				"default fvrf=\"any\" local=[] [default]",
			},
			Profiles: []string{
				"ikve2_profile match=[address 10.16.201.0/30] local=address/ auth=pre-share+\"\" keyring=[vEDGE01(10.16.201.2/32  none \"cisco\"/\"cisco\")] life=24h0m0s dpd=<nil> vt=0 ivrf=\"\"",
			},
			Tunnels: []string{
				"Tunnel2 dst=10.16.201.1 addrs=[1.1.247.2/30] src=10.16.201.1/GigabitEthernet1 ipsec ipv4 vrf=\"\"/\"\" ipsec=p2p_pf1[ipsec_transform1:12/256/14 pfs=0 1h0m0s] ike=ikve2_profile",
			},
		}},
		{"18-paloalto-interop-r1-ipv6-v6-overlay-mixed-ikev1.cfg", specDigest{
			Policies: []string{
				"pol1 fvrf=\"\" local=[] [prop1]",
				"default fvrf=\"any\" local=[] [default]",
			},
			Profiles: []string{
				"prof1 match=[address 0.0.0.0/0; address ::/0] local=none/ auth=pre-share+\"\" keyring=[all(0.0.0.0/0  none \"PaloAltoCSCO4$\"/\"PaloAltoCSCO4$\")] life=24h0m0s dpd=<nil> vt=0 ivrf=\"\"",
			},
			Tunnels: []string{
				"Tunnel10 dst=192.168.1.2 addrs=[169.254.1.2/30] src=192.168.4.2/Ethernet0/0 ipsec ipv4 vrf=\"\"/\"\" ipsec=VTI[TSET:12/256/12 pfs=0 1h0m0s] ike=prof1",
				"Tunnel11 dst=192.168.2.2 addrs=[2001:1234:93::1/64] src=192.168.4.2/Ethernet0/0 ipsec ipv4 v6-overlay vrf=\"\"/\"\" ipsec=VTI-2[TSET:12/256/12 pfs=0 1h0m0s] ike=prof1",
			},
		}},
		{"19-whatthehack-vwan-branch1-csr-paste-with-exec-and-arrows.cfg", specDigest{
			Policies: []string{
				"azure-policy fvrf=\"\" local=[] [azure-proposal]",
				"default fvrf=\"any\" local=[] [default]",
			},
			Profiles: []string{
				"azure-profile match=[address 20.115.177.8/32; address 20.115.177.15/32] local=none/ auth=pre-share+\"\" keyring=[20.115.177.8(20.115.177.8/32  none \"Msft123Msft123\"/\"Msft123Msft123\") 20.115.177.15(20.115.177.15/32  none \"Msft123Msft123\"/\"Msft123Msft123\")] life=24h0m0s dpd=<nil> vt=0 ivrf=\"\"",
			},
			Tunnels: []string{
				"Tunnel0 dst=20.115.177.8 addrs=[] src=/GigabitEthernet1 ipsec ipv4 vrf=\"\"/\"\" ipsec=azure-vti[azure-ipsec-proposal-set:12/256/2 pfs=0 1h0m0s] ike=azure-profile",
				"Tunnel1 dst=20.115.177.15 addrs=[] src=/GigabitEthernet1 ipsec ipv4 vrf=\"\"/\"\" ipsec=azure-vti[azure-ipsec-proposal-set:12/256/2 pfs=0 1h0m0s] ike=azure-profile",
			},
		}},
		{"22-tvuylsteke-vwan-branch-csr-angle-bracket-placeholders.cfg", specDigest{
			Policies: []string{
				"azure-policy fvrf=\"\" local=[] [azure-proposal]",
				"default fvrf=\"any\" local=[] [default]",
			},
			Profiles: []string{
				"azure-profile match=[] local=none/ auth=pre-share+\"\" keyring=[<VWAN-0-PIP>(invalid Prefix  none \"Microsoft123!\"/\"Microsoft123!\") <VWAN-1-PIP>(invalid Prefix  none \"Microsoft123!\"/\"Microsoft123!\")] life=24h0m0s dpd=<nil> vt=0 ivrf=\"\"",
			},
			Warnings: []string{
				"crypto ikev2 profile azure-profile: incomplete: no match identity remote, the profile matches no peer",
				"interface Tunnel0: no tunnel destination: tunnel stays down",
				"interface Tunnel1: no tunnel destination: tunnel stays down",
			},
		}},
		{"25-notes-ikev2-crypto-map-fvrf-green-inline-psk.cfg", specDigest{
			Policies: []string{
				"IKEv2POLICY1 fvrf=\"GREEN\" local=[] [IKEv2PROPOSAL1]",
				"default fvrf=\"any\" local=[] [default]",
			},
			Profiles: []string{
				"IKEv2PROFILE1 match=[address 10.1.13.2/32] local=address/ auth=pre-share+\"MARIUS12345\" keyring=[] life=24h0m0s dpd=<nil> vt=0 ivrf=\"\"",
			},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			s, ws := compileFile(t, filepath.Join(corpusDir, tc.file))
			if diff := cmp.Diff(tc.want, specDigestOf(s, ws)); diff != "" {
				t.Errorf("compiled spec (-want +got):\n%s", diff)
			}
		})
	}
}

// TestCompileSmartDefaultLines checks the smart defaults as typed at the
// CLI: removed, restored, and a named proposal that no policy references.
func TestCompileSmartDefaultLines(t *testing.T) {
	tests := []struct {
		name     string
		lines    string
		policies []string
	}{
		{"factory", "", []string{`default fvrf="any" local=[] [default]`}},
		{"no proposal default", "no crypto ikev2 proposal default", nil},
		{"no policy default", "no crypto ikev2 policy default", nil},
		{"default policy with own proposal", "no crypto ikev2 proposal default\ncrypto ikev2 proposal P\n" +
			"encryption aes-gcm-256\nprf sha384\ngroup 20\ncrypto ikev2 policy default\nproposal P",
			[]string{`default fvrf="any" local=[] [P]`}},
		{"unreferenced proposal", "crypto ikev2 proposal AES/CBC/256\nencryption aes-cbc-256\nintegrity sha256\ngroup 14",
			[]string{`default fvrf="any" local=[] [default]`}},
		{"policy with local address", "crypto ikev2 proposal P\nencryption aes-cbc-128\nintegrity sha1\ngroup 14\n" +
			"crypto ikev2 policy L\nmatch address local 192.0.2.1\nproposal P",
			[]string{`L fvrf="" local=[192.0.2.1] [P]`, `default fvrf="any" local=[] [default]`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, _, rejected := compileConfig(t, strings.NewReader(tc.lines))
			if len(rejected) != 0 {
				t.Fatalf("rejected: %v", rejected)
			}
			if diff := cmp.Diff(tc.policies, specDigestOf(s, nil).Policies); diff != "" {
				t.Errorf("policies (-want +got):\n%s", diff)
			}
		})
	}
}

// TestCompileDeterministic checks that compiling the same configuration
// twice gives reflect.DeepEqual specs (empty lists are always nil), which
// the engine relies on to see that nothing changed.
func TestCompileDeterministic(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(corpusDir, "*.cfg"))
	if err != nil {
		t.Fatal(err)
	}
	examples, err := filepath.Glob("../../examples/*.cfg")
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range append(examples, files...) {
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		sys := modes.NewSystem()
		_, err = modes.Load(sys, f)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		sys.Config(func(c *runningconfig.Config) {
			a, _ := c.Compile()
			b, _ := c.Compile()
			if !reflect.DeepEqual(a, b) {
				t.Errorf("%s: two compiles differ", filepath.Base(path))
			}
		})
	}
}
