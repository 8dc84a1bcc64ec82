package modes

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/flexvpnd/flexvpnd/engine/status"
)

func TestShowInterfaces(t *testing.T) {
	addr := netip.MustParseAddr
	sa := psk(1, "198.51.100.1:500", "203.0.113.11:500", "AES-GCM", 256, "SHA256", "None", 19, 60)
	sa.Interface = "Virtual-Access1"
	sa.Children = []status.ChildSA{
		{InPackets: 10, InBytes: 840, OutPackets: 9, OutBytes: 756},
		{InPackets: 1, InBytes: 84, OutPackets: 2, OutBytes: 168, OutDrops: 1},
	}
	s, _ := engineSession(status.Snapshot{Time: now,
		IKESAs: []status.IKESA{sa},
		Tunnels: []status.Tunnel{
			{Name: "Tunnel0", AdminUp: true, Source: addr("198.51.100.1"), Destination: addr("203.0.113.2"), PathMTU: 1500},
			{Name: "Virtual-Access1", AdminUp: true, ProtocolUp: true, Template: "Virtual-Template1",
				Source: addr("198.51.100.1"), Destination: addr("203.0.113.11")},
		},
	})
	if diags, err := Load(s.Sys, strings.NewReader(derivedHub+"interface Tunnel5\n shutdown\n")); err != nil || len(diags) != 0 {
		t.Fatalf("load: %v %v", diags, err)
	}
	tests := []struct {
		cmd, want string
	}{
		{"show interfaces Tunnel0", `Tunnel0 is up, line protocol is down 
  Hardware is Tunnel
  Description: to RIGHT
  Internet address is 172.31.0.1/30
  MTU 9938 bytes, BW 100 Kbit/sec, DLY 50000 usec, 
     reliability 255/255, txload 1/255, rxload 1/255
  Encapsulation TUNNEL, loopback not set
  Keepalive not set
  Tunnel source 198.51.100.1 (GigabitEthernet1), destination 203.0.113.2
  Tunnel protocol/transport IPSEC/IP
  Tunnel transport MTU 1500 bytes
  Tunnel protection via IPSec (profile "IPS")
     0 packets input, 0 bytes, 0 no buffer
     0 packets output, 0 bytes, 0 underruns
     0 output errors, 0 collisions, 0 interface resets
`},
		{"sh int virtual-access 1", `Virtual-Access1 is up, line protocol is up 
  Hardware is Virtual Access interface
  Description: spokes
  Interface is unnumbered. Using address of Loopback0 (10.0.0.1)
  MTU 9938 bytes, BW 100 Kbit/sec, DLY 50000 usec, 
     reliability 255/255, txload 1/255, rxload 1/255
  Encapsulation TUNNEL, loopback not set
  Keepalive not set
  Tunnel vaccess, cloned from Virtual-Template1
  Tunnel source 198.51.100.1 (GigabitEthernet1), destination 203.0.113.11
  Tunnel protocol/transport IPSEC/IP
  Tunnel protection via IPSec (profile "IPS")
     11 packets input, 924 bytes, 0 no buffer
     11 packets output, 924 bytes, 0 underruns
     1 output errors, 0 collisions, 0 interface resets
`},
		{"show interfaces Tunnel5", `Tunnel5 is administratively down, line protocol is down 
  Hardware is Tunnel
  MTU 9938 bytes, BW 100 Kbit/sec, DLY 50000 usec, 
     reliability 255/255, txload 1/255, rxload 1/255
  Encapsulation TUNNEL, loopback not set
  Keepalive not set
  Tunnel protocol/transport GRE/IP
     0 packets input, 0 bytes, 0 no buffer
     0 packets output, 0 bytes, 0 underruns
     0 output errors, 0 collisions, 0 interface resets
`},
		{"show interfaces Tunnel9", ""},
		{"show interfaces Virtual-Access2", ""},
		{"show interfaces Loopback0", ""},
	}
	for _, tc := range tests {
		if diff := cmp.Diff(tc.want, runShow(t, s, tc.cmd)); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tc.cmd, diff)
		}
	}
}

func TestTunnelTransport(t *testing.T) {
	for mode, want := range map[string]string{
		"": "GRE/IP", "gre ip": "GRE/IP", "ipsec ipv4": "IPSEC/IP", "ipsec ipv6": "IPSEC/IPV6",
		"ipsec dual-overlay": "IPSEC/IP+IPV6", "gre multipoint": "GRE/MULTIPOINT",
	} {
		if got := transport(mode); got != want {
			t.Errorf("transport(%q) = %q, want %q", mode, got, want)
		}
	}
}
