package recording

import (
	"net/netip"
	"testing"

	"github.com/flexvpnd/flexvpnd/engine/dataplane"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// TestLoopbacks checks that the fake keeps the last loopbacks ensured and
// forgets the deleted ones.
func TestLoopbacks(t *testing.T) {
	p := netip.MustParsePrefix
	var d Dataplane
	steps := []struct {
		name string
		op   func() error
		want []dataplane.Loopback
	}{
		{"ensure", func() error {
			return d.EnsureLoopback(dataplane.Loopback{Name: "Loopback1", Addrs: []netip.Prefix{p("10.0.0.1/32")}})
		},
			[]dataplane.Loopback{{Name: "Loopback1", Addrs: []netip.Prefix{p("10.0.0.1/32")}}}},
		{"second", func() error {
			return d.EnsureLoopback(dataplane.Loopback{Name: "Loopback0", Addrs: []netip.Prefix{p("10.0.0.2/32")}})
		},
			[]dataplane.Loopback{{Name: "Loopback0", Addrs: []netip.Prefix{p("10.0.0.2/32")}}, {Name: "Loopback1", Addrs: []netip.Prefix{p("10.0.0.1/32")}}}},
		{"replace", func() error {
			return d.EnsureLoopback(dataplane.Loopback{Name: "Loopback1", Addrs: []netip.Prefix{p("2001:db8::1/128")}})
		},
			[]dataplane.Loopback{{Name: "Loopback0", Addrs: []netip.Prefix{p("10.0.0.2/32")}}, {Name: "Loopback1", Addrs: []netip.Prefix{p("2001:db8::1/128")}}}},
		{"delete", func() error { return d.DeleteLoopback("Loopback0") },
			[]dataplane.Loopback{{Name: "Loopback1", Addrs: []netip.Prefix{p("2001:db8::1/128")}}}},
		{"delete unknown", func() error { return d.DeleteLoopback("Loopback9") },
			[]dataplane.Loopback{{Name: "Loopback1", Addrs: []netip.Prefix{p("2001:db8::1/128")}}}},
	}
	for _, st := range steps {
		if err := st.op(); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		if diff := cmp.Diff(st.want, d.Loopbacks(), cmpopts.EquateComparable(netip.Prefix{})); diff != "" {
			t.Errorf("%s: (-want +got):\n%s", st.name, diff)
		}
	}
}
