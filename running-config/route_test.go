package runningconfig

import (
	"net/netip"
	"testing"
)

func TestMaskBits(t *testing.T) {
	tests := []struct {
		mask string
		bits int
		ok   bool
	}{
		{"0.0.0.0", 0, true},
		{"255.0.0.0", 8, true},
		{"255.255.255.252", 30, true},
		{"255.255.255.255", 32, true},
		{"255.0.255.0", 0, false},
		{"0.255.255.255", 0, false},
	}
	for _, tc := range tests {
		bits, ok := MaskBits(netip.MustParseAddr(tc.mask))
		if bits != tc.bits || ok != tc.ok {
			t.Errorf("MaskBits(%s) = %d, %v; want %d, %v", tc.mask, bits, ok, tc.bits, tc.ok)
		}
		if ok && MaskString(bits) != tc.mask {
			t.Errorf("MaskString(%d) = %s, want %s", bits, MaskString(bits), tc.mask)
		}
	}
}

func TestRouteString(t *testing.T) {
	tests := []struct {
		r    IPRoute
		want string
	}{
		{IPRoute{Prefix: netip.MustParsePrefix("0.0.0.0/0"), NextHop: netip.MustParseAddr("10.0.0.1")}, "ip route 0.0.0.0 0.0.0.0 10.0.0.1"},
		{IPRoute{VRF: "V", Prefix: netip.MustParsePrefix("10.0.0.0/8"), Iface: "Null0", Distance: 250, Tag: 7, Name: "BH", Permanent: true},
			"ip route vrf V 10.0.0.0 255.0.0.0 Null0 250 tag 7 name BH permanent"},
		{IPRoute{Prefix: netip.MustParsePrefix("10.0.0.0/8"), Iface: "Tunnel0", NextHop: netip.MustParseAddr("10.9.9.9"), Track: 4},
			"ip route 10.0.0.0 255.0.0.0 Tunnel0 10.9.9.9 track 4"},
		{IPRoute{Prefix: netip.MustParsePrefix("2001:db8::/32"), NextHop: netip.MustParseAddr("fe80::1"), Iface: "Tunnel1"},
			"ipv6 route 2001:DB8::/32 Tunnel1 FE80::1"},
	}
	for _, tc := range tests {
		if got := tc.r.String(); got != tc.want {
			t.Errorf("got %q, want %q", got, tc.want)
		}
	}
}

func TestSortedRoutes(t *testing.T) {
	c := New()
	for _, s := range []struct{ vrf, pfx, nh string }{
		{"B", "0.0.0.0/0", "1.1.1.1"}, {"", "192.168.1.13/32", "1.1.1.2"}, {"", "10.0.0.0/16", "1.1.1.3"},
		{"", "10.0.0.0/8", "1.1.1.4"}, {"A", "10.0.0.0/8", "1.1.1.5"}, {"", "10.0.0.0/8", "1.1.1.6"},
		{"", "2001:db8::/32", "2001:db8::1"},
	} {
		c.SetRoute(&IPRoute{VRF: s.vrf, Prefix: netip.MustParsePrefix(s.pfx), NextHop: netip.MustParseAddr(s.nh)})
	}
	var got []string
	for _, r := range c.sortedRoutes(false) {
		got = append(got, r.NextHop.String())
	}
	want := []string{"1.1.1.4", "1.1.1.6", "1.1.1.3", "1.1.1.2", "1.1.1.5", "1.1.1.1"}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("got %v, want %v", got, want)
		}
	}
	if v6 := c.sortedRoutes(true); len(v6) != 1 {
		t.Errorf("v6 routes = %d, want 1", len(v6))
	}
}
