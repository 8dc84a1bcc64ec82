package netdev

import (
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/flexvpnd/flexvpnd/engine/dataplane"
	"github.com/google/go-cmp/cmp"
)

// TestLoopback puts the addresses of two loopbacks on the host of a test
// namespace, changes and deletes them, and checks that the kernel carries
// exactly what was asked for: on the dummy link named after the loopback
// where the kernel has dummy links, else as host prefixes on lo, where the
// addresses flexvpnd did not add (127.0.0.1, an administrator's) stay.
func TestLoopback(t *testing.T) {
	ns := newNetns(t)
	h, err := Open(ns)
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	ipIn(t, ns, "link", "set", "lo", "up")
	ipIn(t, ns, "addr", "add", "10.9.9.3/32", "dev", "lo") // the administrator's

	steps := []struct {
		name string
		op   func() error
		// onLo and onDummy are the addresses expected (besides 127.0.0.1/8
		// and ::1/128 on lo) when the loopbacks are on lo, and on
		// Loopback0's dummy link.
		onLo, onDummy []string
	}{
		{"ensure", ensureLo(h, "Loopback0", "10.9.9.1/24", "2001:db8::9/64", "10.9.9.3/32"),
			[]string{"10.9.9.1/32", "10.9.9.3/32", "2001:db8::9/128"},
			[]string{"10.9.9.1/24", "10.9.9.3/32", "2001:db8::9/64"}},
		{"ensure again", ensureLo(h, "Loopback0", "10.9.9.1/24", "2001:db8::9/64", "10.9.9.3/32"),
			[]string{"10.9.9.1/32", "10.9.9.3/32", "2001:db8::9/128"},
			[]string{"10.9.9.1/24", "10.9.9.3/32", "2001:db8::9/64"}},
		{"second loopback", ensureLo(h, "Loopback1", "10.9.8.1/32"),
			[]string{"10.9.8.1/32", "10.9.9.1/32", "10.9.9.3/32", "2001:db8::9/128"},
			[]string{"10.9.9.1/24", "10.9.9.3/32", "2001:db8::9/64"}},
		{"change", ensureLo(h, "Loopback0", "10.9.9.2/32", "10.9.9.3/32"),
			[]string{"10.9.8.1/32", "10.9.9.2/32", "10.9.9.3/32"},
			[]string{"10.9.9.2/32", "10.9.9.3/32"}},
		{"delete", func() error { return h.DeleteLoopback("Loopback0") },
			[]string{"10.9.8.1/32", "10.9.9.3/32"}, nil},
		{"delete other", func() error { return h.DeleteLoopback("Loopback1") },
			[]string{"10.9.9.3/32"}, nil},
		{"delete unknown", func() error { return h.DeleteLoopback("Loopback7") },
			[]string{"10.9.9.3/32"}, nil},
	}
	for _, st := range steps {
		if err := st.op(); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		onLo := !slices.ContainsFunc(strings.Fields(ipIn(t, ns, "-o", "link", "show")), func(f string) bool { return f == "Loopback0:" })
		got, want := addrsOf(t, ns, "lo"), append([]string{"127.0.0.1/8", "::1/128"}, st.onLo...)
		if !onLo {
			got, want = addrsOf(t, ns, "Loopback0"), st.onDummy
			if !strings.Contains(ipIn(t, ns, "link", "show", "Loopback0"), "alias "+Owner) {
				t.Errorf("%s: Loopback0 is not tagged %s", st.name, Owner)
			}
		}
		slices.Sort(want)
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s (lo: %v): addresses (-want +got):\n%s", st.name, onLo, diff)
		}
	}
}

// ensureLo returns a step ensuring the loopback name with the prefixes.
func ensureLo(h *Handle, name string, prefixes ...string) func() error {
	l := dataplane.Loopback{Name: name}
	for _, p := range prefixes {
		l.Addrs = append(l.Addrs, netip.MustParsePrefix(p))
	}
	return func() error { return h.EnsureLoopback(l) }
}

// addrsOf returns the sorted global addresses of link in ns, none when
// the link does not exist.
func addrsOf(t *testing.T, ns, link string) []string {
	t.Helper()
	if !strings.Contains(ipIn(t, ns, "-o", "link", "show"), " "+link+":") {
		return nil
	}
	var out []string
	for line := range strings.Lines(ipIn(t, ns, "-o", "addr", "show", "dev", link)) {
		f := strings.Fields(line)
		if i := slices.Index(f, "inet6"); i >= 0 && !strings.HasPrefix(f[i+1], "fe80:") {
			out = append(out, f[i+1])
		} else if i := slices.Index(f, "inet"); i >= 0 {
			out = append(out, f[i+1])
		}
	}
	slices.Sort(out)
	return out
}
