package main

import (
	"net/netip"
	"reflect"
	"strings"
	"testing"

	"github.com/flexvpnd/flexvpnd/engine/spec"
)

// TestCompileFlexVPNClient checks that a `tunnel destination dynamic`
// tunnel connected by `crypto ikev2 client flexvpn` gets the client's
// peers in `peer N` order (an FQDN through `ip host`, another left to the
// engine's resolver) and `peer reactivate`.
func TestCompileFlexVPNClient(t *testing.T) {
	config := `ip host hub2.example 198.51.100.2
crypto ikev2 keyring KR
 peer HUBS
  address 198.51.100.0 255.255.255.0
  pre-shared-key flex-key
crypto ikev2 profile SPOKE
 match identity remote address 198.51.100.0 255.255.255.0
 authentication remote pre-share
 authentication local pre-share
 keyring local KR
crypto ipsec profile IPSEC
 set ikev2-profile SPOKE
crypto ikev2 client flexvpn CLIENT
  peer 2 fqdn hub2.example
  peer 1 198.51.100.1
  peer 3 fqdn nowhere.example dynamic
  peer reactivate
  client connect Tunnel0
interface Tunnel0
 ip address negotiated
 tunnel source 203.0.113.11
 tunnel mode ipsec ipv4
 tunnel destination dynamic
 tunnel protection ipsec profile IPSEC
`
	s, ws, rejected := compileConfig(t, strings.NewReader(config))
	if len(rejected) > 0 {
		t.Fatalf("rejected: %v", rejected)
	}
	if len(s.Tunnels) != 1 {
		t.Fatalf("tunnels %+v, warnings %v", s.Tunnels, ws)
	}
	tun := s.Tunnels[0]
	want := &spec.Client{Name: "CLIENT", Reactivate: true, Peers: []spec.ClientPeer{
		{Addr: netip.MustParseAddr("198.51.100.1")},
		{Addr: netip.MustParseAddr("198.51.100.2")},
		{Host: "nowhere.example"},
	}}
	if !reflect.DeepEqual(tun.Client, want) || tun.Destination.IsValid() {
		t.Errorf("tunnel client %+v destination %v, want %+v and none", tun.Client, tun.Destination, want)
	}
}
