package modes

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/flexvpnd/flexvpnd/engine/status"
)

const routeConfig = `hostname LEFT
vrf definition RED
 address-family ipv4
interface Loopback0
 ip address 10.0.0.1 255.255.255.255
interface GigabitEthernet1
 ip address 198.51.100.1 255.255.255.0
interface GigabitEthernet2
 ip address 10.10.0.1 255.255.255.0
interface Tunnel0
 ip address 172.31.0.1 255.255.255.252
 tunnel mode ipsec ipv4
 tunnel destination 203.0.113.2
interface Tunnel1
 ip address 172.31.1.1 255.255.255.252
 tunnel mode ipsec ipv4
 tunnel destination 203.0.113.3
interface Tunnel2
 ip unnumbered Loopback0
 tunnel mode ipsec ipv4
 tunnel destination 203.0.113.4
ip route 0.0.0.0 0.0.0.0 198.51.100.254
ip route 10.20.0.0 255.255.255.0 Tunnel0
ip route 10.30.0.0 255.255.255.0 Tunnel1
ip route 10.40.0.0 255.255.0.0 Tunnel2 5
ip route 10.99.0.0 255.255.0.0 192.0.2.1
ip route 172.16.5.0 255.255.255.0 Tunnel0 172.31.0.2 10
ip route 192.168.0.0 255.255.0.0 Tunnel0
ip route vrf RED 10.50.0.0 255.255.255.0 Tunnel0
`

func TestShowIPRoute(t *testing.T) {
	// GigabitEthernet2 has no link (down), Tunnel1 no SA (down).
	s, _ := engineSession(status.Snapshot{Time: now,
		Links: []status.Link{{Name: "GigabitEthernet1", Addrs: pfx("198.51.100.1/24"), AdminUp: true, OperUp: true}},
		Tunnels: []status.Tunnel{
			{Name: "Tunnel0", AdminUp: true, ProtocolUp: true},
			{Name: "Tunnel1", AdminUp: true},
			{Name: "Tunnel2", AdminUp: true, ProtocolUp: true},
		},
	})
	if diags, err := Load(s.Sys, strings.NewReader(routeConfig)); err != nil || len(diags) != 0 {
		t.Fatalf("load: %v %v", diags, err)
	}
	want := routeCodes + `Gateway of last resort is 198.51.100.254 to network 0.0.0.0

S*    0.0.0.0/0 [1/0] via 198.51.100.254
      10.0.0.0/8 is variably subnetted, 3 subnets, 3 masks
C        10.0.0.1/32 is directly connected, Loopback0
S        10.20.0.0/24 is directly connected, Tunnel0
S        10.40.0.0/16 is directly connected, Tunnel2
      172.16.0.0/24 is subnetted, 1 subnets
S        172.16.5.0 [10/0] via 172.31.0.2, Tunnel0
      172.31.0.0/16 is variably subnetted, 2 subnets, 2 masks
C        172.31.0.0/30 is directly connected, Tunnel0
L        172.31.0.1/32 is directly connected, Tunnel0
S     192.168.0.0/16 is directly connected, Tunnel0
      198.51.100.0/24 is variably subnetted, 2 subnets, 2 masks
C        198.51.100.0/24 is directly connected, GigabitEthernet1
L        198.51.100.1/32 is directly connected, GigabitEthernet1
`
	if diff := cmp.Diff(want, runShow(t, s, "show ip route")); diff != "" {
		t.Errorf("show ip route (-want +got):\n%s", diff)
	}
	empty, _ := engineSession(status.Snapshot{Time: now})
	if got, want := runShow(t, empty, "show ip route"), routeCodes+"Gateway of last resort is not set\n\n"; got != want {
		t.Errorf("empty table:\n%s", got)
	}
}

func TestMaskBits(t *testing.T) {
	for mask, want := range map[string]int{
		"255.255.255.255": 32, "255.255.255.252": 30, "255.0.0.0": 8, "0.0.0.0": 0,
		"255.0.255.0": -1, "x": -1, "::": -1,
	} {
		if got := maskBits(mask); got != want {
			t.Errorf("maskBits(%q) = %d, want %d", mask, got, want)
		}
	}
}
