package main

import (
	"net/netip"
	"slices"
	"strings"
	"testing"

	runningconfig "github.com/flexvpnd/flexvpnd/running-config"
)

// TestCompileFlexVPNClient checks that a `tunnel destination dynamic`
// tunnel connected by `crypto ikev2 client flexvpn` gets the client's
// peers in `peer N` order (an FQDN through `ip host`, an unresolvable one
// skipped with a warning) and `peer reactivate`.
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
	want := []netip.Addr{netip.MustParseAddr("198.51.100.1"), netip.MustParseAddr("198.51.100.2")}
	if !slices.Equal(tun.Peers, want) || !tun.Reactivate || tun.Destination.IsValid() {
		t.Errorf("tunnel peers %v reactivate %v destination %v, want %v true invalid", tun.Peers, tun.Reactivate, tun.Destination, want)
	}
	if !slices.ContainsFunc(ws, func(w runningconfig.Warning) bool { return strings.Contains(w.Message, "nowhere.example") }) {
		t.Errorf("no warning for the unresolved peer: %v", ws)
	}
}
