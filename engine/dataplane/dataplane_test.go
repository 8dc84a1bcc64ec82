package dataplane

import (
	"net/netip"
	"testing"
)

func TestTrafficSelectorString(t *testing.T) {
	tests := []struct {
		ts   TrafficSelector
		want string
	}{
		{AnyIPv4, "0.0.0.0/0"},
		{TrafficSelector{StartAddr: netip.MustParseAddr("10.1.0.0"), EndAddr: netip.MustParseAddr("10.1.255.255"), EndPort: 0xFFFF}, "10.1.0.0/16"},
		{TrafficSelector{StartAddr: netip.MustParseAddr("10.0.0.1"), EndAddr: netip.MustParseAddr("10.0.0.9"), Protocol: 6, StartPort: 80, EndPort: 80}, "10.0.0.1..10.0.0.9[6/80-80]"},
		{TrafficSelector{StartAddr: netip.MustParseAddr("2001:db8::"), EndAddr: netip.MustParseAddr("2001:db8::ffff"), EndPort: 0xFFFF}, "2001:db8::/112"},
	}
	for _, tt := range tests {
		if got := tt.ts.String(); got != tt.want {
			t.Errorf("String() = %q, want %q", got, tt.want)
		}
	}
}
