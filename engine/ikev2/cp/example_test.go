package cp_test

import (
	"fmt"
	"net/netip"

	"github.com/flexvpnd/flexvpnd/engine/ikev2/cp"
	"github.com/flexvpnd/flexvpnd/engine/ikev2/wire"
)

// A FlexVPN server answers a client's CFG_REQUEST: it looks at what was
// asked and replies with an address, DNS and the routes of `route set`.
func Example() {
	req, _ := cp.Decode([]wire.CfgAttribute{
		{Type: wire.InternalIP4Address},
		{Type: wire.InternalIP4DNS},
		{Type: wire.ApplicationVersion, Value: []byte("Cisco IOS Software")},
	})
	reply := &cp.Attributes{}
	if req.Asks(wire.InternalIP4Address) {
		reply.Addrs4 = []netip.Addr{netip.MustParseAddr("172.16.0.5")}
		reply.Netmask4 = netip.MustParseAddr("255.255.255.255")
	}
	if req.Asks(wire.InternalIP4DNS) {
		reply.DNS4 = []netip.Addr{netip.MustParseAddr("192.0.2.53")}
	}
	reply.Subnets4 = []netip.Prefix{netip.MustParsePrefix("10.1.0.0/16"), netip.MustParsePrefix("172.16.0.1/32")}
	p, _ := reply.Payload(wire.CFGReply)
	for _, a := range p.Attributes {
		fmt.Println(a.Type, len(a.Value))
	}
	fmt.Println("client version:", req.AppVersion)
	// Output:
	// INTERNAL_IP4_ADDRESS 4
	// INTERNAL_IP4_NETMASK 4
	// INTERNAL_IP4_DNS 4
	// INTERNAL_IP4_SUBNET 8
	// INTERNAL_IP4_SUBNET 8
	// client version: Cisco IOS Software
}
