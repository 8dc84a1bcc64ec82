package modes

import "testing"

func TestInterfaceMode(t *testing.T) {
	const ifp = "Router(config-if)#"
	runCLICases(t, []cliCase{
		{
			name: "sVTI in IOS-XE order",
			lines: []string{"vrf definition CUST", "interface Tunnel1", "tunnel protection ipsec profile P",
				"crypto ipsec df-bit clear", "tunnel path-mtu-discovery", "tunnel destination 198.51.100.10",
				"tunnel mode ipsec ipv4", "tunnel source GigabitEthernet1", "ip tcp adjust-mss 1360", "ip mtu 1400",
				"ip address 169.254.10.30 255.255.255.252", "vrf forwarding CUST", "ip address 169.254.10.30 255.255.255.252",
				"description to hub-01"},
			section: "^interface",
			out:     "% Interface Tunnel1 IPv4 disabled and address(es) removed due to enabling VRF CUST\n",
			want: "interface Tunnel1\n description to hub-01\n vrf forwarding CUST\n ip address 169.254.10.30 255.255.255.252\n" +
				" ip mtu 1400\n ip tcp adjust-mss 1360\n tunnel source GigabitEthernet1\n tunnel mode ipsec ipv4\n" +
				" tunnel destination 198.51.100.10\n tunnel path-mtu-discovery\n tunnel protection ipsec profile P\n" +
				" crypto ipsec df-bit clear\n",
		},
		{
			name: "DMVPN hub tunnel with kept lines",
			lines: []string{"int tun 0", "ip address 100.64.1.100 255.255.255.0", "no ip redirects", "ip mtu 1400",
				"ip nhrp map multicast dynamic", "ip nhrp network-id 101", "ip nhrp redirect", "ip tcp adjust-mss 1360",
				"tunnel source GigabitEthernet1.15", "tunnel mode gre multipoint", "tunnel key 101", "tunnel vrf IWAN",
				"tunnel protection ipsec profile default shared", "ip nhrp network-id 102"},
			section: "^interface",
			want: "interface Tunnel0\n ip address 100.64.1.100 255.255.255.0\n no ip redirects\n ip mtu 1400\n" +
				" ip nhrp map multicast dynamic\n ip nhrp network-id 102\n ip nhrp redirect\n ip tcp adjust-mss 1360\n" +
				" tunnel source GigabitEthernet1.15\n tunnel mode gre multipoint\n tunnel key 101\n tunnel vrf IWAN\n" +
				" tunnel protection ipsec profile default shared\n",
		},
		{
			name: "interface order and physical lines",
			lines: []string{"interface Virtual-Template1 type tunnel", "ip unnumbered Loopback0", "interface gi2", "shutdown",
				"negotiation auto", "no mop enabled", "interface GigabitEthernet1.15", "encapsulation dot1Q 15",
				"description INET", "interface Loopback0", "ip address 1.1.1.1 255.255.255.255", "interface Tunnel10",
				"ipv6 address 2001:db8:93::1/64", "ipv6 enable", "tunnel mode ipsec ipv4 v6-overlay", "interface eth0",
				"ip address dhcp", "interface GigabitEthernet1", "ip address negotiated"},
			section: "^interface",
			want: "interface Loopback0\n ip address 1.1.1.1 255.255.255.255\ninterface Tunnel10\n no ip address\n" +
				" ipv6 address 2001:DB8:93::1/64\n ipv6 enable\n tunnel mode ipsec ipv4 v6-overlay\n" +
				"interface GigabitEthernet1\n ip address negotiated\n" +
				"interface GigabitEthernet1.15\n description INET\n encapsulation dot1Q 15\n no ip address\n" +
				"interface GigabitEthernet2\n no ip address\n shutdown\n negotiation auto\n no mop enabled\n" +
				"interface eth0\n ip address dhcp\n" +
				"interface Virtual-Template1 type tunnel\n ip unnumbered Loopback0\n",
		},
		{
			name:    "gre ip is the default and not rendered; no forms",
			lines:   []string{"interface Tunnel5", "tunnel mode gre ip", "description x", "no description", "ip mtu 1400", "no ip mtu", "tunnel source 10.0.0.4", "no tunnel source", "shutdown", "no shutdown", "no ip redirects", "ip redirects"},
			section: "^interface",
			want:    "interface Tunnel5\n no ip address\n",
		},
		{
			name:    "secondary addresses render first",
			lines:   []string{"interface Loopback1", "ip address 10.0.0.1 255.255.255.0", "ip address 10.0.1.1 255.255.255.0 secondary", "no ip address 10.0.0.1 255.255.255.0"},
			section: "^interface",
			out:     msgAt(ifp, "no ip address 10.0.0.1 255.255.255.0", "Must delete secondary before deleting primary"),
			want:    "interface Loopback1\n ip address 10.0.1.1 255.255.255.0 secondary\n ip address 10.0.0.1 255.255.255.0\n",
		},
		{
			name:    "secondary before primary, as IOS renders it",
			lines:   []string{"interface Loopback1", "ip address 10.0.1.1 255.255.255.0 secondary", "ip address 10.0.0.1 255.255.255.0"},
			section: "^interface",
			want:    "interface Loopback1\n ip address 10.0.1.1 255.255.255.0 secondary\n ip address 10.0.0.1 255.255.255.0\n",
		},
		{
			name:    "no interface deletes",
			lines:   []string{"interface Tunnel1", "ip address 10.0.0.1 255.255.255.0", "exit", "no interface Tunnel1", "interface Gi3", "description x", "exit", "no interface GigabitEthernet3"},
			section: "^interface",
		},
		{
			name:    "bad masks",
			lines:   []string{"interface Loopback1", "ip address 10.1.1.0 255.255.255.0", "ip address 10.1.1.1 255.0.255.0"},
			section: "^interface",
			out: msgAt(ifp, "ip address 10.1.1.0 255.255.255.0", "Bad mask /24 for address 10.1.1.0") +
				msgAt(ifp, "ip address 10.1.1.1 255.0.255.0", "Bad mask 0xFF00FF00 for address 10.1.1.1"),
			want: "interface Loopback1\n no ip address\n",
		},
		{
			name:    "tunnel commands only on tunnels",
			lines:   []string{"interface Loopback1", "tunnel source Loopback0"},
			section: "^interface",
			out:     invalidAt(ifp, "tunnel source Loopback0", "tunnel"),
			want:    "interface Loopback1\n no ip address\n",
		},
		{
			name:    "Virtual-Template types",
			lines:   []string{"interface Virtual-Template2 type serial", "interface Virtual-Template3 type ethernet", "interface Virtual-Template3", "interface Virtual-Template3 type tunnel", "interface Virtual-Template3", "tunnel mode ipsec ipv4"},
			section: "^interface",
			out: msgAt("Router(config-if)#", "interface Virtual-Template3 type tunnel", "% Virtual-Template3 already exists with a different type") +
				invalidAt("Router(config-if)#", "tunnel mode ipsec ipv4", "tunnel"),
			want: "interface Virtual-Template2\n no ip address\ninterface Virtual-Template3 type ethernet\n no ip address\n",
		},
		{
			name:    "type only on Virtual-Template",
			lines:   []string{"interface Tunnel1 type tunnel"},
			section: "^interface",
			out:     invalidAt("Router(config)#", "interface Tunnel1 type tunnel", "type"),
		},
		{
			name: "unresolvable destination rejected, ip host name kept",
			lines: []string{"ip host hub1.example 192.0.2.1", "interface Tunnel1", "tunnel destination <VWAN-0-PIP>",
				"tunnel dest CSR3PublicIP", "tunnel destination hub1.example"},
			section: "^interface",
			out: invalidAt(ifp, "tunnel destination <VWAN-0-PIP>", "<") +
				invalidAt(ifp, "tunnel dest CSR3PublicIP", "CSR3"),
			want: "interface Tunnel1\n no ip address\n tunnel destination hub1.example\n",
		},
		{
			name:    "undefined VRF",
			lines:   []string{"interface Tunnel30", "ip vrf forwarding 30"},
			section: "^interface",
			out:     msgAt(ifp, "ip vrf forwarding 30", "% VRF 30 not configured."),
			want:    "interface Tunnel30\n no ip address\n",
		},
		{
			name:    "legacy ip vrf forwarding",
			lines:   []string{"ip vrf 30", "interface Tunnel30", "ip vrf forwarding 30", "ip address 10.2.30.125 255.255.255.255"},
			section: "^interface",
			want:    "interface Tunnel30\n ip vrf forwarding 30\n ip address 10.2.30.125 255.255.255.255\n",
		},
		{
			name:    "legacy form needs a legacy VRF",
			lines:   []string{"vrf definition V", "interface Tunnel1", "ip vrf forwarding V"},
			section: "^interface",
			out:     msgAt(ifp, "ip vrf forwarding V", "% Use 'vrf forwarding' command for VRF 'V'"),
			want:    "interface Tunnel1\n no ip address\n",
		},
		{
			name:    "ip mtu range",
			lines:   []string{"interface Tunnel1", "ip mtu 20"},
			section: "^interface",
			out:     invalidAt(ifp, "ip mtu 20", "20"),
			want:    "interface Tunnel1\n no ip address\n",
		},
		{
			name:    "garbage",
			lines:   []string{"interface Tunnel1", "ip nhrp bogus"},
			section: "^interface",
			out:     invalidAt(ifp, "ip nhrp bogus", "bogus"),
			want:    "interface Tunnel1\n no ip address\n",
		},
	})
}

// TestInterfaceNotApplied checks that kept lines are reported and typed
// ones are not.
func TestInterfaceNotApplied(t *testing.T) {
	text := "interface Tunnel0\n ip address 10.0.0.1 255.255.255.0\n ip nhrp redirect\n tunnel mode gre multipoint\n" +
		" tunnel protection ipsec profile default\n load-interval 30\n"
	got := notAppliedLines(t, text)
	if want := []int{3, 4, 6}; len(got) != len(want) || got[0] != 3 || got[1] != 4 || got[2] != 6 {
		t.Errorf("not-applied lines = %v, want %v", got, want)
	}
}
