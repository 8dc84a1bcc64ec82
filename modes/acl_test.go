package modes

import "testing"

func TestAccessLists(t *testing.T) {
	const (
		stdp = "Router(config-std-nacl)#"
		extp = "Router(config-ext-nacl)#"
		v6p  = "Router(config-ipv6-acl)#"
	)
	const aclSection = "access-list"
	runCLICases(t, []cliCase{
		{
			name: "standard list: masking, host form, deny padding, sequence numbers",
			lines: []string{"ip access-list standard FLEXVPN_ROUTES", "permit 192.0.2.5 0.0.0.255", "deny host 10.1.1.1 log",
				"5 remark first", "15 permit 10.2.0.0 0.0.255.255", "permit 10.3.0.1", "deny 10.0.0.0 255.255.255.255",
				"permit 192.0.2.5 0.0.0.255"},
			section: aclSection,
			want: "ip access-list standard FLEXVPN_ROUTES\n remark first\n permit 192.0.2.0 0.0.0.255\n permit 10.2.0.0 0.0.255.255\n" +
				" deny   10.1.1.1 log\n permit 10.3.0.1\n deny   any\n",
		},
		{
			name:    "typed-style block with exit",
			lines:   []string{"ip access-list standard FLEXVPN_ROUTES", "permit any", "exit", "ip access-list standard B", "permit 209.123.3.0 0.0.0.255"},
			section: aclSection,
			want:    "ip access-list standard FLEXVPN_ROUTES\n permit any\nip access-list standard B\n permit 209.123.3.0 0.0.0.255\n",
		},
		{
			name:    "no SEQ, no RULE, no remark; duplicate sequence",
			lines:   []string{"ip access-list standard S", "permit any", "deny host 1.1.1.1", "remark r", "no 10", "no deny host 1.1.1.1", "permit host 2.2.2.2", "30 permit 3.3.3.3", "no remark r"},
			section: aclSection,
			out:     msgAt(stdp, "30 permit 3.3.3.3", "% Duplicate sequence number"),
			want:    "ip access-list standard S\n permit 2.2.2.2\n",
		},
		{
			name: "extended list: protocols, ports by name, flags",
			lines: []string{"ip access-list extended VPN", "permit udp any host 192.0.2.1 eq 500", "permit udp any host 192.0.2.1 eq non500-isakmp",
				"permit esp any any", "permit 50 any any", "permit tcp 10.0.0.0 0.0.0.255 gt 1023 any eq 443 established",
				"permit tcp any range 1000 2000 object-group SRV eq www log", "deny icmp any any echo", "permit icmp any any 3 4",
				"deny ip any any log-input"},
			section: aclSection,
			want: "ip access-list extended VPN\n permit udp any host 192.0.2.1 eq isakmp\n permit udp any host 192.0.2.1 eq non500-isakmp\n" +
				" permit esp any any\n permit tcp 10.0.0.0 0.0.0.255 gt 1023 any eq 443 established\n" +
				" permit tcp any range 1000 2000 object-group SRV eq www log\n deny   icmp any any echo\n permit icmp any any 3 4\n" +
				" deny   ip any any log-input\n",
		},
		{
			name:    "extended list rejections",
			lines:   []string{"ip access-list extended E", "permit tcp any any eq bogus", "permit udp any eq 70000 any", "permit ip any", "permit ip any any eq 22"},
			section: aclSection,
			out: invalidAt(extp, "permit tcp any any eq bogus", "bogus") + invalidAt(extp, "permit udp any eq 70000 any", "70000") +
				extp + "permit ip any\n% Incomplete command.\n\n" + invalidAt(extp, "permit ip any any eq 22", "eq"),
			want: "ip access-list extended E\n",
		},
		{
			name:    "kind and name checks",
			lines:   []string{"ip access-list standard A", "ip access-list extended A", "ip access-list extended 10", "ip access-list standard 10", "permit any"},
			section: aclSection,
			out: msgAt(stdp, "ip access-list extended A", "% A named standard IP access list with this name already exists") +
				msgAt(cfgp, "ip access-list extended 10", "% Invalid access list name."),
			want: "ip access-list standard A\naccess-list 10 permit any\n",
		},
		{
			name: "numbered lists are access-list lines after the named ones",
			lines: []string{"access-list 101 permit tcp any any eq 22", "access-list 10 permit host 1.2.3.4", "access-list 10 remark mgmt",
				"access-list 10 deny any", "ip access-list standard N", "permit any", "access-list 1300 permit 10.0.0.0 0.255.255.255"},
			section: aclSection,
			want: "ip access-list standard N\n permit any\naccess-list 10 permit 1.2.3.4\naccess-list 10 remark mgmt\n" +
				"access-list 10 deny   any\naccess-list 101 permit tcp any any eq 22\naccess-list 1300 permit 10.0.0.0 0.255.255.255\n",
		},
		{
			name:    "numbered list rejections and no",
			lines:   []string{"access-list 150 permit any", "access-list 10 permit ip any any", "access-list 250 permit any", "access-list 20 permit any", "no access-list 20"},
			section: aclSection,
			out: invalidAt(cfgp, "access-list 150 permit any", "any") + invalidAt(cfgp, "access-list 10 permit ip any any", "ip") +
				invalidAt(cfgp, "access-list 250 permit any", "250"),
		},
		{
			name: "ipv6 access list",
			lines: []string{"ipv6 access-list V6", "permit ipv6 any any", "sequence 5 deny tcp host 2001:db8::1 2001:db8:1::/48 eq 22",
				"remark x", "no sequence 5", "permit udp any any eq 500", "deny ipv6 any any log", "no ipv6 access-list GONE"},
			section: aclSection,
			want:    "ipv6 access-list V6\n permit ipv6 any any\n remark x\n permit udp any any eq isakmp\n deny   ipv6 any any log\n",
		},
		{
			name:    "ipv6 access list rejects IPv4",
			lines:   []string{"ipv6 access-list V6", "permit ipv6 10.0.0.0 any"},
			section: aclSection,
			out:     invalidAt(v6p, "permit ipv6 10.0.0.0 any", "10.0.0.0"),
			want:    "ipv6 access-list V6\n",
		},
		{
			name:    "IPv4 and IPv6 lists have separate names",
			lines:   []string{"ip access-list standard A", "permit any", "ipv6 access-list A", "permit ipv6 any any"},
			section: aclSection,
			want:    "ip access-list standard A\n permit any\nipv6 access-list A\n permit ipv6 any any\n",
		},
		{
			name:    "no ip access-list",
			lines:   []string{"ip access-list standard A", "permit any", "ip access-list extended B", "no ip access-list standard A", "no ip access-list standard B"},
			section: aclSection,
			want:    "ip access-list extended B\n",
		},
	})
}
