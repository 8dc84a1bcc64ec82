package runningconfig

import (
	"net/netip"
	"testing"

	"github.com/flexvpnd/flexvpnd/engine/spec"
	"github.com/google/go-cmp/cmp"
)

// TestCompileLoopbacks checks that the loopbacks with static addresses
// and not shut down reach the spec with their addresses, by number.
func TestCompileLoopbacks(t *testing.T) {
	tests := []struct {
		name  string
		setup func(c *Config)
		want  []spec.Loopback
	}{
		{"none", func(*Config) {}, nil},
		{"ipv4 and ipv6", func(c *Config) {
			lo := c.Ifaces.Ensure("Loopback0")
			lo.Address = &IfAddr{Addr: "10.0.0.1", Mask: "255.255.255.255"}
			lo.Secondary = []IfAddr{{Addr: "10.0.1.1", Mask: "255.255.255.0"}}
			lo.IPv6 = []string{"2001:DB8::1/128", "FE80::1 link-local"}
		}, []spec.Loopback{{Name: "Loopback0", Addrs: prefixes("10.0.0.1/32", "10.0.1.1/24", "2001:db8::1/128")}}},
		{"by number, skipping shut down and address-less", func(c *Config) {
			c.Ifaces.Ensure("Loopback10").Address = &IfAddr{Addr: "10.0.0.10", Mask: "255.255.255.255"}
			c.Ifaces.Ensure("Loopback2").Address = &IfAddr{Addr: "10.0.0.2", Mask: "255.255.255.255"}
			c.Ifaces.Ensure("Loopback3")
			down := c.Ifaces.Ensure("Loopback4")
			down.Address = &IfAddr{Addr: "10.0.0.4", Mask: "255.255.255.255"}
			down.Shutdown = true
			c.Ifaces.Ensure("GigabitEthernet1").Address = &IfAddr{Addr: "192.0.2.1", Mask: "255.255.255.0"}
		}, []spec.Loopback{
			{Name: "Loopback2", Addrs: prefixes("10.0.0.2/32")},
			{Name: "Loopback10", Addrs: prefixes("10.0.0.10/32")},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := New()
			tt.setup(c)
			s, _ := c.Compile()
			if diff := cmp.Diff(tt.want, s.Loopbacks, equateAddrs); diff != "" {
				t.Errorf("Loopbacks (-want +got):\n%s", diff)
			}
		})
	}
}

// prefixes parses prefixes, panicking on a bad one.
func prefixes(ss ...string) []netip.Prefix {
	out := make([]netip.Prefix, len(ss))
	for i, s := range ss {
		out[i] = netip.MustParsePrefix(s)
	}
	return out
}
