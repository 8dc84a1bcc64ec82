package modes

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/flexvpnd/flexvpnd/engine/status"
)

const derivedHub = `hostname HUB
crypto ikev2 profile P
 match identity remote fqdn domain flex.lab
 authentication remote pre-share
 authentication local pre-share
crypto ipsec profile IPS
 set ikev2-profile P
interface Loopback0
 ip address 10.0.0.1 255.255.255.255
interface Tunnel0
 description to RIGHT
 ip address 172.31.0.1 255.255.255.252
 tunnel source GigabitEthernet1
 tunnel mode ipsec ipv4
 tunnel destination 203.0.113.2
 tunnel protection ipsec profile IPS
interface Virtual-Template1 type tunnel
 description spokes
 ip unnumbered Loopback0
 ip mtu 1400
 ip tcp adjust-mss 1360
 tunnel source GigabitEthernet1
 tunnel mode ipsec ipv4
 tunnel protection ipsec profile IPS
`

func TestShowDerivedConfig(t *testing.T) {
	s, _ := engineSession(status.Snapshot{Time: now, Tunnels: []status.Tunnel{
		{Name: "Virtual-Access1", IfName: "Virtual-Access1", Template: "Virtual-Template1", Destination: netip.MustParseAddr("203.0.113.11"), AdminUp: true, ProtocolUp: true},
		{Name: "Virtual-Access2", Template: "Virtual-Template9"},
	}})
	if diags, err := Load(s.Sys, strings.NewReader(derivedHub)); err != nil || len(diags) != 0 {
		t.Fatalf("load: %v %v", diags, err)
	}
	tests := []struct {
		cmd, want string
	}{
		{"show derived-config interface Virtual-Access1", `Building configuration...

Derived configuration : 277 bytes
!
interface Virtual-Access1
 description spokes
 ip unnumbered Loopback0
 ip mtu 1400
 ip tcp adjust-mss 1360
 tunnel source GigabitEthernet1
 tunnel mode ipsec ipv4
 tunnel destination 203.0.113.11
 tunnel protection ipsec profile IPS
 no tunnel protection ipsec initiate
end
`},
		{"sh derived-config int tun0", `Building configuration...

Derived configuration : 210 bytes
!
interface Tunnel0
 description to RIGHT
 ip address 172.31.0.1 255.255.255.252
 tunnel source GigabitEthernet1
 tunnel mode ipsec ipv4
 tunnel destination 203.0.113.2
 tunnel protection ipsec profile IPS
end
`},
		{"show derived-config interface Virtual-Access2", ""}, // its template is gone
		{"show derived-config interface Virtual-Access7", ""},
		{"show derived-config interface Virtual-Access1 | include destination", " tunnel destination 203.0.113.11\n"},
	}
	for _, tc := range tests {
		if diff := cmp.Diff(tc.want, runShow(t, s, tc.cmd)); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tc.cmd, diff)
		}
	}
	// The count is the length of the body, from "!" to "end".
	got := runShow(t, s, "show derived-config interface Virtual-Access1")
	if body := got[strings.Index(got, "!\n"):]; len(body) != 277 {
		t.Errorf("the body is %d bytes, not the 277 announced", len(body))
	}
}
