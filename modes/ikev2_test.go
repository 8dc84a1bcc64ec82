package modes

import (
	"strings"
	"testing"

	runningconfig "github.com/flexvpnd/flexvpnd/running-config"
)

// configure runs lines in global configuration mode of a new system and
// fails the test on any rejected line. It returns the session, left in
// the mode of the last line.
func configure(t *testing.T, lines ...string) *Session {
	t.Helper()
	s := NewSession(NewSystem(), "test")
	s.EnterConfig()
	for _, l := range lines {
		if r := s.Exec(l); r.Err != nil {
			t.Fatalf("%q rejected:\n%s", l, FormatError(r.Err, s.Prompt()))
		}
	}
	return s
}

// showRun returns the session's `show running-config`.
func showRun(s *Session) string {
	var out string
	s.Sys.Config(func(c *runningconfig.Config) { out = c.ShowRunning() })
	return out
}

// ikev2Section extracts the `crypto ikev2` blocks of a running-config:
// from the first top-level (no) crypto ikev2 line through the indented and
// `!` lines after the last one.
func ikev2Section(run string) string {
	var b strings.Builder
	in := false
	for _, l := range strings.SplitAfter(run, "\n") {
		top := l != "" && l[0] != ' ' && l[0] != '!'
		if top {
			in = strings.HasPrefix(l, "crypto ikev2 ") || strings.HasPrefix(l, "no crypto ikev2 ")
		}
		if in {
			b.WriteString(l)
		}
	}
	return b.String()
}

// diffText reports two texts line by line.
func diffText(t *testing.T, what, got, want string) {
	t.Helper()
	if got == want {
		return
	}
	t.Errorf("%s differs\n--- got:\n%s--- want:\n%s", what, got, want)
}

func TestIKEv2Render(t *testing.T) {
	tests := []struct {
		name  string
		lines []string
		want  string
	}{
		{"nothing configured", nil, ""},
		{
			"proposal lists, abbreviations, repeated lines add",
			[]string{"crypto ikev2 proposal P1", "encr aes-cbc-256 aes-cbc-12 3d", "encryption aes-cbc-256 des",
				"integ sha1 sha256", "prf sha256", "group 19 14 21 5", "gr 2 19"},
			"crypto ikev2 proposal P1 \n encryption aes-cbc-256 aes-cbc-128 3des des\n integrity sha1 sha256\n prf sha256\n group 19 14 21 5 2\n!\n",
		},
		{
			"proposal no forms",
			[]string{"crypto ikev2 proposal P1", "encryption aes-cbc-256 aes-cbc-128", "integrity sha1", "group 14 2",
				"no encryption aes-cbc-256", "no integrity", "no group 2"},
			"crypto ikev2 proposal P1 \n encryption aes-cbc-128\n group 14\n!\n",
		},
		{
			"two proposals and policies, removed defaults",
			[]string{"crypto ikev2 proposal A", "encryption aes-gcm-256", "prf sha384", "group 20",
				"crypto ikev2 proposal B", "encryption aes-cbc-128", "integrity sha1", "group 14",
				"no crypto ikev2 proposal default",
				"crypto ikev2 policy POL", "proposal A", "proposal B", "match fvrf any", "match address local 10.0.0.1",
				"no crypto ikev2 policy default"},
			"crypto ikev2 proposal A \n encryption aes-gcm-256\n prf sha384\n group 20\n" +
				"crypto ikev2 proposal B \n encryption aes-cbc-128\n integrity sha1\n group 14\n" +
				"no crypto ikev2 proposal default\n!\n" +
				"crypto ikev2 policy POL \n match fvrf any\n match address local 10.0.0.1\n proposal A\n proposal B\n" +
				"no crypto ikev2 policy default\n!\n",
		},
		{
			"policy no forms",
			[]string{"crypto ikev2 policy POL", "proposal A", "proposal B", "match fvrf VRF1", "match address local 2001:DB8::1",
				"no proposal A", "no match fvrf", "no match address local"},
			"crypto ikev2 policy POL \n proposal B\n!\n",
		},
		{
			"keyring peers",
			[]string{"crypto ikev2 keyring K", "peer ANY", "address 0.0.0.0 0.0.0.0", "pre-shared-key c1sco123",
				"peer <VWAN-0-PIP>", "description hub 1 ", "address 2001:db8::/32", "hostname R5", "identity address 10.0.45.5",
				"pre-shared-key local 0 Cisco!123", "pre-shared-key remote 6 $x*y!",
				"peer 20.115.177.8", "address 20.115.177.8", "identity fqdn domain example.com", "pre-shared-key PaloAltoCSCO4$"},
			"crypto ikev2 keyring K\n" +
				" peer ANY\n  address 0.0.0.0 0.0.0.0\n  pre-shared-key c1sco123\n !\n" +
				" peer <VWAN-0-PIP>\n  description hub 1 \n  address 2001:db8::/32\n  hostname R5\n  identity address 10.0.45.5\n" +
				"  pre-shared-key local Cisco!123\n  pre-shared-key remote 6 $x*y!\n !\n" +
				" peer 20.115.177.8\n  address 20.115.177.8\n  identity fqdn domain example.com\n  pre-shared-key PaloAltoCSCO4$\n !\n" +
				"!\n!\n",
		},
		{
			"keyring peer no forms and key splitting",
			[]string{"crypto ikev2 keyring K", "peer P", "description d", "address 10.0.0.1", "hostname h", "identity key-id abc",
				"pre-shared-key both", "pre-shared-key local mine",
				"no description", "no address", "no hostname", "no identity", "exit", "peer Q", "exit", "no peer Q"},
			"crypto ikev2 keyring K\n peer P\n  pre-shared-key local mine\n  pre-shared-key remote both\n !\n!\n!\n",
		},
		{
			"profile in IOS line order",
			[]string{"crypto ikev2 profile PR", "virtual-template 1 mode auto", "ivrf inside", "no config-exchange request",
				"aaa authorization user eap cached", "aaa authorization group override psk list default default",
				"aaa authorization group eap list L name-mangler NM", "aaa authentication eap EAPLIST",
				"aaa accounting psk ACCT", "nat keepalive 20", "dpd 10 5 periodic", "lifetime 3600", "pki trustpoint CA sign",
				"keyring aaa LIST name-mangler NM", "authentication local eap mschapv2 username u password 0 p",
				"authentication remote eap query-identity", "authentication remote eap timeout 90", "authentication remote rsa-sig",
				"identity local dn", "match certificate MAP", "match identity remote any",
				"match identity remote address 10.16.201.2 255.255.255.252", "match identity remote address ::/0",
				"match identity remote email domain example.com", "match identity remote key-id *$AnyConnectClient$*",
				"match address local interface gi1", "match fvrf GREEN", "description to the hub", "anyconnect profile ACP",
				"redirect gateway init", "shutdown"},
			"crypto ikev2 profile PR\n description to the hub\n match fvrf GREEN\n match address local interface GigabitEthernet1\n" +
				" match identity remote any\n match identity remote address 10.16.201.2 255.255.255.252 \n" +
				" match identity remote address ::/0 \n match identity remote email domain example.com\n" +
				" match identity remote key-id *$AnyConnectClient$*\n match certificate MAP\n identity local dn\n" +
				" authentication remote eap query-identity\n authentication remote eap timeout 90\n authentication remote rsa-sig\n" +
				" authentication local eap mschapv2 username u password p\n keyring aaa LIST name-mangler NM\n pki trustpoint CA sign\n" +
				" lifetime 3600\n dpd 10 5 periodic\n nat keepalive 20\n aaa authentication eap EAPLIST\n" +
				" aaa authorization group override psk list default default\n aaa authorization group eap list L name-mangler NM\n" +
				" aaa authorization user eap cached\n aaa accounting psk ACCT\n virtual-template 1 mode auto\n anyconnect profile ACP\n" +
				" no config-exchange request\n redirect gateway init\n ivrf inside\n shutdown\n!\n",
		},
		{
			"profile inline keys, replacement and no forms",
			[]string{"crypto ikev2 profile PR", "authentication remote pre-share", "authentication remote pre-share key IKR_MY_KEYS",
				"authentication local pre-share key 6 ABC", "authentication local rsa-sig", "keyring local K", "lifetime 86400",
				"match identity remote fqdn hub.example.com", "match identity remote fqdn hub.example.com",
				"match address local 10.0.0.1", "match address local 10.0.0.2", "no match address local 10.0.0.1",
				"dpd 30 6 on-demand", "no dpd", "virtual-template 2", "no virtual-template", "no config-exchange set send",
				"config-exchange set send", "pki trustpoint A", "pki trustpoint B verify", "no pki trustpoint A"},
			"crypto ikev2 profile PR\n match address local 10.0.0.2\n match identity remote fqdn hub.example.com\n" +
				" authentication remote pre-share key IKR_MY_KEYS\n authentication local rsa-sig\n keyring local K\n" +
				" pki trustpoint B verify\n!\n",
		},
		{
			"authorization policy",
			[]string{"crypto ikev2 authorization policy AP", "aaa attribute list ATTR", "ipsec flow-limit 0", "no route accept",
				"route set remote ipv6 2001:db8::/64", "route set remote ipv4 10.1.0.0 255.255.0.0", "route set access-list ipv6 V6ACL",
				"route set access-list ACL", "route set interface Loopback0", "route set interface", "pfs", "split-dns a.com",
				"split-dns b.com", "def-domain cisco.com", "banner ^Chello^C", "netmask 255.255.255.0", "wins 10.0.0.9",
				"ipv6 dns 2001:db8::53", "dns 8.8.8.8 8.8.4.4", "ipv6 pool V6POOL", "pool flex-pool", "ipv6 prefix 64",
				"ipv6 subnet-acl V6NETS", "subnet-acl NETS", "smartcard-removal-disconnect", "save-password", "include-local-lan",
				"backup-gateway gw2.example.com", "backup-gateway gw1.example.com"},
			"crypto ikev2 authorization policy AP\n pool flex-pool\n ipv6 pool V6POOL\n dns 8.8.8.8 8.8.4.4\n ipv6 dns 2001:db8::53\n" +
				" wins 10.0.0.9\n netmask 255.255.255.0\n banner ^Chello^C\n def-domain cisco.com\n split-dns a.com\n split-dns b.com\n pfs\n" +
				" backup-gateway gw2.example.com\n backup-gateway gw1.example.com\n include-local-lan\n save-password\n" +
				" smartcard-removal-disconnect\n subnet-acl NETS\n ipv6 subnet-acl V6NETS\n ipv6 prefix 64\n" +
				" route set interface Loopback0\n route set interface\n route set access-list ACL\n route set access-list ipv6 V6ACL\n" +
				" route set remote ipv6 2001:db8::/64\n route set remote ipv4 10.1.0.0 255.255.0.0\n aaa attribute list ATTR\n" +
				" ipsec flow-limit 0\n no route accept\n!\n",
		},
		{
			"authorization policy route accept and no forms",
			[]string{"crypto ikev2 authorization policy AP", "pool P", "no pool", "dns 1.1.1.1", "no dns", "pfs", "no pfs",
				"split-dns a", "split-dns b", "no split-dns", "backup-gateway g", "no backup-gateway g", "route set interface Loopback0",
				"route set interface Tunnel1", "no route set interface Tunnel1", "no route accept", "route accept any tag 10 distance 5"},
			"crypto ikev2 authorization policy AP\n route set interface Loopback0\n route accept any tag 10 distance 5\n!\n",
		},
		{
			"name mangler",
			[]string{"crypto ikev2 name-mangler NM", "eap suf del @", "fqdn host", "email dom", "dn common-name", "no dn"},
			"crypto ikev2 name-mangler NM\n fqdn hostname\n email domain\n eap suffix delimiter @\n!\n",
		},
		{
			"flexvpn client",
			[]string{"crypto ikev2 client flexvpn C", "client connect tun 0", "peer 2 fqdn hub2.example.com dynamic", "peer 1 10.0.0.1 track 1 up",
				"source 1 gi1 track 3", "connect auto", "client inside Loopback1", "peer reactivate"},
			"crypto ikev2 client flexvpn C\n  peer 1 10.0.0.1 track 1 up\n  peer 2 fqdn hub2.example.com dynamic\n  peer reactivate\n" +
				"  source 1 GigabitEthernet1 track 3\n  connect auto\n  client inside Loopback1\n  client connect Tunnel0\n!\n",
		},
		{
			"globals",
			[]string{"crypto ikev2 diagnose error 500", "crypto ikev2 limit max-sa 100", "crypto ikev2 limit max-in-negotiation-sa 10",
				"crypto ikev2 cookie-challenge 10", "crypto ikev2 nat keepalive 30", "crypto ikev2 fragmentation", "crypto ikev2 dpd 10 2 on-demand"},
			"crypto ikev2 dpd 10 2 on-demand\ncrypto ikev2 fragmentation\ncrypto ikev2 nat keepalive 30\ncrypto ikev2 cookie-challenge 10\n" +
				"crypto ikev2 limit max-in-negotiation-sa 10\ncrypto ikev2 limit max-sa 100\ncrypto ikev2 diagnose error 500\n!\n",
		},
		{
			"globals no forms",
			[]string{"crypto ikev2 dpd 10 2 on-demand", "no crypto ikev2 dpd", "crypto ikev2 nat keepalive 30", "no crypto ikev2 nat keepalive",
				"crypto ikev2 fragmentation mtu 1200", "no crypto ikev2 fragmentation", "crypto ikev2 limit max-sa 100",
				"no crypto ikev2 limit max-sa", "crypto ikev2 cookie-challenge 10", "no crypto ikev2 cookie-challenge"},
			"",
		},
		{
			"objects removed",
			[]string{"crypto ikev2 keyring K", "crypto ikev2 profile PR", "crypto ikev2 authorization policy AP",
				"crypto ikev2 name-mangler NM", "crypto ikev2 client flexvpn C", "crypto ikev2 proposal P", "crypto ikev2 policy POL",
				"no crypto ikev2 keyring K", "no crypto ikev2 profile PR", "no crypto ikev2 authorization policy AP",
				"no crypto ikev2 name-mangler NM", "no crypto ikev2 client flexvpn C", "no crypto ikev2 proposal P", "no crypto ikev2 policy POL"},
			"",
		},
		{
			"block order",
			[]string{"crypto ikev2 client flexvpn C", "crypto ikev2 nat keepalive 30", "crypto ikev2 profile PR", "crypto ikev2 keyring K",
				"crypto ikev2 policy POL", "proposal P", "crypto ikev2 proposal P", "group 14", "crypto ikev2 authorization policy AP"},
			"crypto ikev2 authorization policy AP\n!\ncrypto ikev2 proposal P \n group 14\n!\ncrypto ikev2 policy POL \n proposal P\n!\n" +
				"crypto ikev2 keyring K\n!\n!\ncrypto ikev2 profile PR\n!\ncrypto ikev2 nat keepalive 30\n!\ncrypto ikev2 client flexvpn C\n!\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := configure(t, tt.lines...)
			diffText(t, "crypto ikev2 section", ikev2Section(showRun(s)), tt.want)
		})
	}
}

func TestIKEv2Rejections(t *testing.T) {
	const invalid = "% Invalid input detected at '^' marker.\n\n"
	tests := []struct {
		name  string
		setup []string
		line  string
		bad   string // the word the caret points at ("" for no caret)
		want  string // the message
	}{
		{"unknown algorithm first", []string{"crypto ikev2 proposal P"}, "encryption aes-cbc-512", "aes-cbc-512", invalid},
		{"unknown algorithm later", []string{"crypto ikev2 proposal P"}, "group 14 3", "3", invalid},
		{"ambiguous algorithm later", []string{"crypto ikev2 proposal P"}, "encryption des aes", "",
			"% Ambiguous command:  \"encryption des aes\"\n"},
		{"no encryption with a bad algorithm", []string{"crypto ikev2 proposal P", "encryption des"}, "no encryption des foo", "foo", invalid},
		{"proposal without algorithm", []string{"crypto ikev2 proposal P"}, "group", "", "% Incomplete command.\n\n"},
		{"same proposal twice", []string{"crypto ikev2 policy POL", "proposal A"}, "proposal A", "",
			"% Policy already has same proposal set \n"},
		{"placeholder as peer address", []string{"crypto ikev2 keyring K", "peer <VWAN-0-PIP>"}, "address <VWAN-0-PIP>", "<VWAN-0-PIP>", invalid},
		{"placeholder as identity", []string{"crypto ikev2 profile PR"}, "match identity remote address <VWAN-0-PIP> 255.255.255.255",
			"<VWAN-0-PIP>", invalid},
		{"lifetime out of range", []string{"crypto ikev2 profile PR"}, "lifetime 60", "60", invalid},
		{"dpd without mode", []string{"crypto ikev2 profile PR"}, "dpd 10 5", "", "% Incomplete command.\n\n"},
		{"authentication without direction", []string{"crypto ikev2 profile PR"}, "authentication pre-share", "pre-share", invalid},
		{"fragmentation mtu too small", nil, "crypto ikev2 fragmentation mtu 67", "67", invalid},
		{"pre-shared-key without key", []string{"crypto ikev2 keyring K", "peer P"}, "pre-shared-key local", "", "% Incomplete command.\n\n"},
		{"peer address with mask typo", []string{"crypto ikev2 keyring K", "peer P"}, "address 10.0.0.1 255.255.255.256", "255.255.255.256", invalid},
		{"eap timeout out of range", []string{"crypto ikev2 profile PR"}, "authentication remote eap timeout 30", "30", invalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := configure(t, tt.setup...)
			before := showRun(s)
			prompt := s.Prompt()
			r := s.Exec(tt.line)
			if r.Err == nil {
				t.Fatalf("%q accepted", tt.line)
			}
			want := tt.want
			if tt.bad != "" {
				want = strings.Repeat(" ", len(prompt)+strings.LastIndex(tt.line, tt.bad)) + "^\n" + want
			}
			diffText(t, "error", FormatError(r.Err, prompt), want)
			diffText(t, "running-config after the rejected line", showRun(s), before)
		})
	}
}

func TestIKEv2Prompts(t *testing.T) {
	tests := []struct {
		lines  []string
		prompt string
	}{
		{[]string{"crypto ikev2 proposal P"}, "Router(config-ikev2-proposal)#"},
		{[]string{"crypto ikev2 policy P"}, "Router(config-ikev2-policy)#"},
		{[]string{"crypto ikev2 keyring K"}, "Router(config-ikev2-keyring)#"},
		{[]string{"crypto ikev2 keyring K", "peer P"}, "Router(config-ikev2-keyring-peer)#"},
		{[]string{"crypto ikev2 keyring K", "peer P", "crypto ikev2 profile PR"}, "Router(config-ikev2-profile)#"},
		{[]string{"crypto ikev2 keyring K", "peer P", "peer Q"}, "Router(config-ikev2-keyring-peer)#"},
		{[]string{"crypto ikev2 keyring K", "peer P", "exit"}, "Router(config-ikev2-keyring)#"},
		{[]string{"crypto ikev2 authorization policy A"}, "Router(config-ikev2-author-policy)#"},
		{[]string{"crypto ikev2 name-mangler N"}, "Router(config-ikev2-name-mangler)#"},
		{[]string{"crypto ikev2 client flexvpn C"}, "Router(config-ikev2-flexvpn)#"},
		{[]string{"crypto ikev2 proposal P", "crypto ikev2 nat keepalive 30"}, "Router(config)#"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.lines, "/"), func(t *testing.T) {
			if got := configure(t, tt.lines...).Prompt(); got != tt.prompt {
				t.Errorf("prompt %q, want %q", got, tt.prompt)
			}
		})
	}
}

func TestIKEv2Banners(t *testing.T) {
	tests := []struct {
		setup []string
		line  string
		want  string
	}{
		{nil, "crypto ikev2 proposal OTUS", BannerNewProposal},
		{[]string{"crypto ikev2 proposal OTUS"}, "crypto ikev2 proposal OTUS", ""},
		{nil, "crypto ikev2 proposal default", ""},
		{[]string{"no crypto ikev2 proposal default"}, "crypto ikev2 proposal default", BannerNewProposal},
		{nil, "crypto ikev2 policy OTUS", BannerNewPolicy},
		{nil, "crypto ikev2 policy default", ""},
		{[]string{"crypto ikev2 policy OTUS"}, "crypto ikev2 policy OTUS", ""},
		{nil, "crypto ikev2 profile OTUS", BannerNewProfile},
		{[]string{"crypto ikev2 profile OTUS"}, "crypto ikev2 profile OTUS", ""},
		{nil, "crypto ikev2 keyring K", ""},
	}
	for _, tt := range tests {
		t.Run(tt.line, func(t *testing.T) {
			s := configure(t, tt.setup...)
			r := s.Exec(tt.line)
			if r.Err != nil {
				t.Fatal(r.Err)
			}
			diffText(t, "output", r.Output, tt.want)
		})
	}
	// The texts as captured on a real console.
	if !strings.Contains(BannerNewPolicy, "atleast") || !strings.HasPrefix(strings.SplitN(BannerNewProposal, "\n", 2)[1], " encryption") {
		t.Error("banner text differs from the IOS capture")
	}
}

func TestIKEv2SmartDefaults(t *testing.T) {
	tests := []struct {
		name  string
		lines []string
		want  string
	}{
		{"untouched defaults are not rendered", []string{"crypto ikev2 proposal default", "exit", "crypto ikev2 policy default"}, ""},
		{"removed defaults", []string{"no crypto ikev2 proposal default", "no crypto ikev2 policy default"},
			"no crypto ikev2 proposal default\n!\nno crypto ikev2 policy default\n!\n"},
		{"explicit default proposal as in a hub config",
			[]string{"crypto ikev2 proposal default", "encryption aes-cbc-256", "integrity sha512 sha384", "group 19 14 21 5"},
			"crypto ikev2 proposal default \n encryption aes-cbc-256\n integrity sha512 sha384\n group 19 14 21 5\n!\n"},
		{"first line on a default attribute replaces it",
			[]string{"crypto ikev2 proposal default", "encryption aes-gcm-256", "prf sha384"},
			"crypto ikev2 proposal default \n encryption aes-gcm-256\n integrity sha512 sha384\n prf sha384\n group 19 14 21 5\n!\n"},
		{"default policy edited",
			[]string{"crypto ikev2 policy default", "proposal P"},
			"crypto ikev2 policy default \n match fvrf any\n proposal P\n!\n"},
		{"default restored", []string{"no crypto ikev2 proposal default", "no crypto ikev2 policy default",
			"default crypto ikev2 proposal", "default crypto ikev2 policy"}, ""},
		{"recreated after removal", []string{"no crypto ikev2 proposal default", "crypto ikev2 proposal default", "group 14"},
			"crypto ikev2 proposal default \n group 14\n!\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			diffText(t, "crypto ikev2 section", ikev2Section(showRun(configure(t, tt.lines...))), tt.want)
		})
	}
}
