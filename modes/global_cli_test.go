package modes

import (
	"testing"

	runningconfig "github.com/flexvpnd/flexvpnd/running-config"
)

const (
	cfgp  = "Router(config)#"
	vrfp  = "Router(config-vrf)#"
	hash9 = "$9$nhEmQVczB7dqsO$X.HsgL6x1il0RxkOSSvyQYwucySCt7qFm4v7pqCxkKM"
	hash5 = "$1$mERr$hx5rVt7rPNoS4wqbXKX7m0"
)

const badSecret9 = "ERROR: The secret you entered is not a valid encrypted secret.\n" +
	"To enter an UNENCRYPTED secret, do not specify type 9 encryption.\n" +
	"When you properly enter an UNENCRYPTED secret, it will be encrypted."

func TestGlobalPasswordsAndUsers(t *testing.T) {
	runCLICases(t, []cliCase{
		{
			name:    "enable secret and password keep their type",
			lines:   []string{"enable password 7 0822455D0A16", "enable secret 9 " + hash9},
			section: "^enable",
			want:    "enable secret 9 " + hash9 + "\nenable password 7 0822455D0A16\n",
		},
		{
			name:    "a hashed secret must have the form of its type",
			lines:   []string{"enable secret 9 <REPLACE_WITH_ENABLE_SECRET_HASH>", "enable secret 5 " + hash5, "username u secret 9 nothash"},
			section: "^enable|^username",
			out: msgAt(cfgp, "enable secret 9 <REPLACE_WITH_ENABLE_SECRET_HASH>", badSecret9) +
				msgAt(cfgp, "username u secret 9 nothash", badSecret9),
			want: "enable secret 5 " + hash5 + "\n",
		},
		{
			name:    "plain-text secrets are stored as type 9; enable passwords stay plain",
			lines:   []string{"enable secret cisco", "enable secret level 5 five", "enable password level 3 0 three", "no enable secret", "enable secret 0 again", "no enable password level 3", "enable password pw"},
			section: "^enable",
			want: "enable secret level 5 9 $9$9kJuT2dCnMxW5g$dr0W1s5Bq/3Gtj.dFq9zL9mCgE4opW.v.gbWXd/SzHQ\n" +
				"enable secret 9 $9$9kJuT2dCnMxW5g$VPDj83mn1Wg23L6mJtUCpTKxOJJecwnDkYqCI901FRU\nenable password pw\n",
		},
		{
			name: "username lines merge in IOS order",
			lines: []string{"username bob secret 0 s3cret", "username bob privilege 15", "username alice password 7 0822455D0A16",
				"username carol privilege 0 algorithm-type sha256 secret !Password!", "username dave privilege 1 nopassword", "username gone secret x", "no username gone",
				"username erin password three", "username fred algorithm-type md5 secret cisco", "username gina algorithm-type scrypt secret cisco"},
			section: "^username",
			want: "username bob privilege 15 secret 9 $9$9kJuT2dCnMxW5g$eISRiK7S8lj81aDyOU0lhpHcpZTmX7IDmxTUeeQfXRw\n" +
				"username alice password 7 0822455D0A16\n" +
				"username carol privilege 0 secret 8 $8$9kJuT2dCnMxW5g$1DXm/lk7AuRGpJRZb.gqxqZr4IpQLPRndcf5TU8UAqI\n" +
				"username dave nopassword\nusername erin password 0 three\n" +
				"username fred secret 5 $1$9kJu$wy3aNVaY30vIwzJEQT0fJ1\n" +
				"username gina secret 9 $9$9kJuT2dCnMxW5g$738OUHyr1B8QhgfIkfh0DY3oPoCGb15mlSKJlc2.4vw\n",
		},
		{
			name:    "privilege out of range",
			lines:   []string{"username bob privilege 16 secret x"},
			out:     invalidAt(cfgp, "username bob privilege 16 secret x", "16"),
			section: "^username",
		},
		{
			name:    "service password-encryption is printed before hostname",
			lines:   []string{"hostname HUB", "service password-encryption"},
			section: "^service|^hostname",
			want:    "service password-encryption\nhostname HUB\n",
		},
		{
			name: "service password-encryption hides plain passwords as type 7, then and later",
			lines: []string{"username erin password three", "enable password pw", "username alice password 7 0822455D0A16",
				"enable secret 5 " + hash5, "service password-encryption", "username bob password s3cret", "enable password level 3 0 three",
				"no service password-encryption", "username pat password pw"},
			section: "^service|^enable|^username",
			want: "enable secret 5 " + hash5 + "\nenable password level 3 7 111D11171217\nenable password 7 11190E\n" +
				"username erin password 7 111D11171217\nusername alice password 7 0822455D0A16\n" +
				"username bob password 7 111A4A0605171F\nusername pat password 0 pw\n",
		},
	})
}

func TestGlobalVRF(t *testing.T) {
	runCLICases(t, []cliCase{
		{
			name: "vrf definition with address families and route targets",
			lines: []string{"vrf definition CUST", "address-family ipv4", "route-target export 65000:1", "exit-address-family",
				"rd 65000:1", "description customer", "route-target both 65000:9", "address-family ipv6", "exit-address-family"},
			section: "^vrf",
			want: "vrf definition CUST\n description customer\n rd 65000:1\n route-target export 65000:9\n route-target import 65000:9\n" +
				" !\n address-family ipv4\n  route-target export 65000:1\n exit-address-family\n !\n address-family ipv6\n exit-address-family\n",
		},
		{
			name:    "legacy ip vrf",
			lines:   []string{"ip vrf 30", "rd 10.0.0.1:30", "route-target import 1:30", "address-family ipv4"},
			section: "^ip vrf",
			out:     invalidAt(vrfp, "address-family ipv4", "address-family"),
			want:    "ip vrf 30\n rd 10.0.0.1:30\n route-target import 1:30\n",
		},
		{
			name:    "bad rd and route-target values",
			lines:   []string{"vrf definition A", "rd 1-1", "route-target both x"},
			section: "^vrf",
			out:     invalidAt(vrfp, "rd 1-1", "1-1") + invalidAt(vrfp, "route-target both x", "x"),
			want:    "vrf definition A\n",
		},
		{
			name:    "no forms",
			lines:   []string{"vrf definition A", "rd 1:1", "route-target both 1:2", "no route-target import 1:2", "no rd", "vrf definition B", "ip vrf C", "no vrf definition B", "no ip vrf C", "no ip vrf D"},
			section: "vrf",
			out:     msgAt(cfgp, "no ip vrf D", "% VRF D does not exist"),
			want:    "vrf definition A\n route-target export 1:2\n",
		},
		{
			name:    "a vrf is either a definition or a legacy vrf",
			lines:   []string{"ip vrf A", "vrf definition A"},
			section: "vrf",
			out:     msgAt(vrfp, "vrf definition A", "% VRF A exists but is not a multi-protocol (vrf definition) VRF"),
			want:    "ip vrf A\n",
		},
	})
}

func TestGlobalPools(t *testing.T) {
	runCLICases(t, []cliCase{
		{
			name: "ranges accumulate per pool",
			lines: []string{"ip local pool P 10.0.0.1 10.0.0.10", "ip local pool Q 192.0.2.1", "ip local pool P 10.0.1.1 10.0.1.10",
				"ip local pool P 10.0.0.1 10.0.0.10", "ipv6 local pool V6 2001:db8:1::/48 64"},
			section: "local pool",
			want: "ip local pool P 10.0.0.1 10.0.0.10\nip local pool P 10.0.1.1 10.0.1.10\nip local pool Q 192.0.2.1\n" +
				"ipv6 local pool V6 2001:DB8:1::/48 64\n",
		},
		{
			name:    "rejected ranges",
			lines:   []string{"ip local pool P 10.0.0.10 10.0.0.1", "ip local pool P 10.0.0.1 10.0.0.10", "ip local pool P 10.0.0.5 10.0.0.20", "ipv6 local pool V6 2001:db8::/64 48"},
			section: "local pool",
			out: msgAt(cfgp, "ip local pool P 10.0.0.10 10.0.0.1", "%Invalid address range") +
				msgAt(cfgp, "ip local pool P 10.0.0.5 10.0.0.20", "%Overlapping address range") +
				msgAt(cfgp, "ipv6 local pool V6 2001:db8::/64 48", "% Invalid prefix length"),
			want: "ip local pool P 10.0.0.1 10.0.0.10\n",
		},
		{
			name: "no removes a range or the pool",
			lines: []string{"ip local pool P 10.0.0.1 10.0.0.10", "ip local pool P 10.0.1.1 10.0.1.10", "no ip local pool P 10.0.0.1 10.0.0.10",
				"ip local pool Q 10.9.0.1", "no ip local pool Q", "ipv6 local pool V6 2001:db8::/48 64", "no ipv6 local pool V6"},
			section: "local pool",
			want:    "ip local pool P 10.0.1.1 10.0.1.10\n",
		},
	})
}

func TestGlobalRoutes(t *testing.T) {
	runCLICases(t, []cliCase{
		{
			name: "routes sorted by table and destination with options in IOS order",
			lines: []string{"vrf definition V", "address-family ipv4", "ip route 192.168.1.13 255.255.255.255 Tunnel0",
				"ip route 192.168.1.12 255.255.255.255 Tunnel1", "ip route vrf V 0.0.0.0 0.0.0.0 202.100.15.5",
				"ip route 0.0.0.0 0.0.0.0 172.18.3.1 name route_to_internet", "ip route 10.0.0.0 255.0.0.0 Null0 250 tag 7 name BH permanent",
				"ip route 10.0.0.0 255.0.0.0 gi1 10.1.1.1 track 3", "ip route 10.0.0.0 255.255.0.0 10.0.1.1"},
			section: "^ip route",
			want: "ip route 0.0.0.0 0.0.0.0 172.18.3.1 name route_to_internet\nip route 10.0.0.0 255.0.0.0 Null0 250 tag 7 name BH permanent\n" +
				"ip route 10.0.0.0 255.0.0.0 GigabitEthernet1 10.1.1.1 track 3\nip route 10.0.0.0 255.255.0.0 10.0.1.1\n" +
				"ip route 192.168.1.12 255.255.255.255 Tunnel1\nip route 192.168.1.13 255.255.255.255 Tunnel0\n" +
				"ip route vrf V 0.0.0.0 0.0.0.0 202.100.15.5\n",
		},
		{
			name:    "the same route again replaces it; no removes the exact route",
			lines:   []string{"ip route 10.0.0.0 255.0.0.0 10.0.0.1", "ip route 10.0.0.0 255.0.0.0 10.0.0.1 200", "ip route 10.0.0.0 255.0.0.0 10.0.0.2", "no ip route 10.0.0.0 255.0.0.0 10.0.0.2 5"},
			section: "^ip route",
			want:    "ip route 10.0.0.0 255.0.0.0 10.0.0.1 200\n",
		},
		{
			name:    "no without a gateway removes every route to the prefix",
			lines:   []string{"ip route 10.0.0.0 255.0.0.0 10.0.0.1", "ip route 10.0.0.0 255.0.0.0 Null0", "no ip route 10.0.0.0 255.0.0.0", "no ip route 10.0.0.0 255.0.0.0"},
			section: "^ip route",
			out:     msgAt(cfgp, "no ip route 10.0.0.0 255.0.0.0", "%No matching route to delete"),
		},
		{
			name: "rejected routes",
			lines: []string{"ip route 10.0.0.1 255.0.0.0 10.0.0.1", "ip route 10.0.0.0 255.0.255.0 10.0.0.1", "ip route vrf 30 10.10.30.254 255.255.255.255 Tunnel30",
				"ip route <VWAN-1-PeerAddress> 255.255.255.255 Tunnel0", "ip route 10.0.0.0 255.0.0.0 10.0.0.1 256"},
			section: "^ip route",
			out: msgAt(cfgp, "ip route 10.0.0.1 255.0.0.0 10.0.0.1", "%Inconsistent address and mask") +
				msgAt(cfgp, "ip route 10.0.0.0 255.0.255.0 10.0.0.1", "%Inconsistent address and mask") +
				msgAt(cfgp, "ip route vrf 30 10.10.30.254 255.255.255.255 Tunnel30", "% IP routing table 30 does not exist. Create first") +
				invalidAt(cfgp, "ip route <VWAN-1-PeerAddress> 255.255.255.255 Tunnel0", "<VWAN") +
				invalidAt(cfgp, "ip route 10.0.0.0 255.0.0.0 10.0.0.1 256", "256"),
		},
		{
			name: "removing a VRF or its address family removes its routes",
			lines: []string{"vrf definition V", "address-family ipv4", "address-family ipv6", "ip vrf L", "ip route vrf V 0.0.0.0 0.0.0.0 10.0.0.1",
				"ipv6 route vrf V ::/0 2001:db8::1", "ip route vrf L 0.0.0.0 0.0.0.0 10.0.0.1", "ip route 0.0.0.0 0.0.0.0 10.0.0.1",
				"vrf definition V", "no address-family ipv6", "no ip vrf L"},
			section: "route",
			want:    "ip route 0.0.0.0 0.0.0.0 10.0.0.1\nip route vrf V 0.0.0.0 0.0.0.0 10.0.0.1\n",
		},
		{
			name:    "ipv6 routes after the access lists, upper case",
			lines:   []string{"ipv6 route 2001:db8::/32 Null0", "ipv6 route ::/0 2001:db8::1 tag 5", "ipv6 route 2001:db8:1::1/48 Tunnel0 fe80::1"},
			section: "^ipv6 route",
			want:    "ipv6 route ::/0 2001:DB8::1 tag 5\nipv6 route 2001:DB8::/32 Null0\nipv6 route 2001:DB8:1::/48 Tunnel0 FE80::1\n",
		},
	})
}

func TestGlobalSystemLines(t *testing.T) {
	runCLICases(t, []cliCase{
		{
			name: "domain, hosts, name servers and routing",
			lines: []string{"ip name-server 8.8.8.8 1.1.1.1", "ip host hub 192.0.2.1 192.0.2.2", "ip domain name lab.example.net",
				"no ip domain lookup", "ip domain list a.example", "ip domain list b.example", "no ip domain list a.example",
				"ipv6 unicast-routing", "ip routing", "ip name-server 8.8.8.8"},
			section: "^(no )?ip (domain|host|name-server|routing)|^ipv6 unicast",
			want: "no ip domain lookup\nip domain name lab.example.net\nip domain list b.example\nip host hub 192.0.2.1 192.0.2.2\n" +
				"ip name-server 8.8.8.8 1.1.1.1\nipv6 unicast-routing\n",
		},
		{
			name: "ip services around the static routes",
			lines: []string{"ip ssh version 2", "no ip http secure-server", "ip http authentication local", "no ip http server",
				"ip route 0.0.0.0 0.0.0.0 10.0.2.1", "ip ssh time-out 60", "ip ssh port 2222", "ip ssh source-interface lo0",
				"ip ssh authentication-retries 2", "ip domain-name x.example", "no ip domain-name"},
			section: "^(no )?ip (forward|http|route|ssh|domain)",
			want: "ip forward-protocol nd\nno ip http server\nip http authentication local\nno ip http secure-server\n" +
				"ip route 0.0.0.0 0.0.0.0 10.0.2.1\nip ssh time-out 60\nip ssh authentication-retries 2\nip ssh port 2222\n" +
				"ip ssh source-interface Loopback0\nip ssh version 2\n",
		},
		{
			name: "other ip ssh and ip http settings are kept",
			lines: []string{"ip ssh version 2", "ip ssh bulk-mode 131072", "ip ssh server algorithm encryption aes256-ctr aes192-ctr",
				"ip ssh server algorithm mac hmac-sha2-256", "ip ssh server algorithm encryption aes256-ctr", "ip ssh bulk-mode 65536",
				"ip ssh rsa keypair-name SSHKEY", "no ip ssh rsa", "ip http client source-interface gi1", "ip http secure-trustpoint TP",
				"no ip http secure-trustpoint"},
			section: "^ip (ssh|http)",
			want: "ip http client source-interface gi1\nip ssh bulk-mode 65536\nip ssh server algorithm encryption aes256-ctr\n" +
				"ip ssh server algorithm mac hmac-sha2-256\nip ssh version 2\n",
		},
		{
			// The ed25519 key's hash is what `ssh-keygen -l -E md5`
			// prints for it (a6:33:44:...:69).
			name: "ssh pubkey chain: key-string stored as its MD5 key-hash",
			lines: []string{"ip ssh version 2", "ip ssh pubkey-chain", "username bob", "key-hash ssh-rsa 00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee:ff bob@lap",
				"key-string", "AAAAC3NzaC1lZDI1NTE5AAAAIOj2XWcHSzuiAf6sXbqZ2qLHhsoQ+94uXu+gHx8tbsXa", "exit",
				"key-hash ssh-rsa 0011", "exit", "username alice", "key-string", "AAAAB3NzaC1", "exit", "exit",
				"username carol", "key-hash ssh-ed25519 ffffffffffffffffffffffffffffffff", "no key-hash ssh-ed25519 FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF"},
			section: "^ip ssh",
			want: "ip ssh version 2\nip ssh pubkey-chain\n  username bob\n   key-hash ssh-rsa 00112233445566778899AABBCCDDEEFF bob@lap\n" +
				"   key-hash ssh-ed25519 A63344286A50A7031FC3867BD3CA7369\n  username alice\n  username carol\n",
			out: "Router(conf-ssh-pubkey-user)#key-hash ssh-rsa 0011\n%SSH: \"0011\" is not an MD5 key hash (32 hex digits)\n" +
				"Router(conf-ssh-pubkey-data)#exit\n%SSH: Failed to decode the key value\n",
		},
		{
			name:    "no ip forward-protocol nd is shown; no ip ssh version",
			lines:   []string{"no ip forward-protocol nd", "ip http server", "ip ssh version 1", "no ip ssh version", "ip ssh port 2001 rotary 1"},
			section: "^(no )?ip (forward|http|ssh)",
			want:    "no ip forward-protocol nd\nip http server\nip ssh port 2001 rotary 1\n",
		},
	})
}

// TestGlobalHelp checks `?` after some of the global commands.
func TestGlobalHelp(t *testing.T) {
	s := NewSession(NewSystem(), "test")
	s.EnterConfig()
	tests := []struct{ line, want string }{
		{"ip route ", "  A.B.C.D  Destination prefix\n  vrf      Configure static route for a VPN Routing/Forwarding instance\n\n"},
		{"ip route 10.0.0.0 255.0.0.0 Tunnel0 ", "  A.B.C.D    Forwarding router's address\n  <1-255>    Distance metric for this route\n" +
			"  name       Specify name of the next hop\n  permanent  permanent route\n  tag        Set tag for this route\n" +
			"  track      Install route depending on tracked item\n  <cr>       <cr>\n\n"},
		{"line ", "  aux      Auxiliary line\n  console  Primary terminal line\n  vty      Virtual terminal\n\n"},
	}
	for _, tc := range tests {
		if got := s.Help(tc.line); got != tc.want {
			t.Errorf("%q ?:\n%s\nwant:\n%s", tc.line, quoteLines(got), quoteLines(tc.want))
		}
	}
}

// TestTypedSecretsVerify types plain-text secrets and passwords at the CLI
// and checks that what is stored verifies the typed text and only it.
func TestTypedSecretsVerify(t *testing.T) {
	sys, out := typeLines([]string{"service password-encryption", "enable secret cisco", "username op secret cisco", "username md algorithm-type md5 secret cisco",
		"username sha algorithm-type sha256 secret cisco", "username pw password cisco", "enable password level 3 cisco"})
	if out != "" {
		t.Fatalf("output:\n%s", out)
	}
	var secrets []runningconfig.Secret
	sys.Config(func(c *runningconfig.Config) {
		for _, name := range []string{"op", "md", "sha"} {
			u, _ := c.Global.Users.Get(name)
			secrets = append(secrets, *u.Secret)
		}
		u, _ := c.Global.Users.Get("pw")
		secrets = append(secrets, *u.Password, c.Global.EnableFor(true, 3).Secret, c.Global.EnableFor(false, 15).Secret)
	})
	for _, s := range secrets {
		if !s.Verify("cisco") || s.Verify("Cisco") || s.Text == "cisco" {
			t.Errorf("stored %+v: want a hidden form of \"cisco\" that verifies only it", s)
		}
	}
}
