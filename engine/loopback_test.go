package engine

import (
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/flexvpnd/flexvpnd/engine/dataplane"
	"github.com/flexvpnd/flexvpnd/engine/netns"
	"github.com/flexvpnd/flexvpnd/engine/spec"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// TestApplyLoopbacks checks that Apply ensures the spec's loopbacks in the
// data plane, updates the changed ones, deletes the removed ones, and that
// Close deletes the rest.
func TestApplyLoopbacks(t *testing.T) {
	ike, nat := freePorts(t)
	e, dp := startEngine(t, "127.0.0.1", ike, nat)
	lo := func(name string, prefixes ...string) spec.Loopback {
		l := spec.Loopback{Name: name}
		for _, p := range prefixes {
			l.Addrs = append(l.Addrs, netip.MustParsePrefix(p))
		}
		return l
	}
	steps := []struct {
		name string
		lbs  []spec.Loopback
	}{
		{"add", []spec.Loopback{lo("Loopback0", "10.0.0.1/32", "2001:db8::1/128"), lo("Loopback1", "10.0.0.2/32")}},
		{"same", []spec.Loopback{lo("Loopback0", "10.0.0.1/32", "2001:db8::1/128"), lo("Loopback1", "10.0.0.2/32")}},
		{"change and remove", []spec.Loopback{lo("Loopback0", "10.0.0.9/24")}},
		{"none", nil},
		{"again", []spec.Loopback{lo("Loopback5", "10.0.0.5/32")}},
	}
	for _, st := range steps {
		e.Apply(&spec.Spec{Loopbacks: st.lbs})
		want := make([]dataplane.Loopback, 0, len(st.lbs))
		for _, l := range st.lbs {
			want = append(want, dataplane.Loopback{Name: l.Name, Addrs: l.Addrs})
		}
		if diff := cmp.Diff(want, dp.Loopbacks(), cmpopts.EquateComparable(netip.Prefix{})); diff != "" {
			t.Errorf("%s: loopbacks (-want +got):\n%s", st.name, diff)
		}
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	if got := dp.Loopbacks(); len(got) != 0 {
		t.Errorf("after Close: loopbacks %v, want none", got)
	}
}

// TestLinuxIface checks the mapping of IOS interface names to Linux ones.
func TestLinuxIface(t *testing.T) {
	e := &Engine{cfg: Config{InterfaceMap: map[string]string{"GigabitEthernet1": "eth0", "Ethernet0/0": "ens3"}}}
	for in, want := range map[string]string{
		"GigabitEthernet1": "eth0",
		"Ethernet0/0":      "ens3",
		"GigabitEthernet2": "GigabitEthernet2",
		"eth1":             "eth1",
	} {
		if got := e.linuxIface(in); got != want {
			t.Errorf("linuxIface(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestSourceAddrInterfaceMap checks, in a test namespace with a veth pair,
// that `tunnel source GigabitEthernet1` resolves to the address of the
// Linux link GigabitEthernet1 is mapped to, that a Linux name works
// directly, and that an unmapped IOS name has no address.
func TestSourceAddrInterfaceMap(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to create network namespaces")
	}
	name := fmt.Sprintf("enm%d", os.Getpid())
	if out, err := exec.Command("ip", "netns", "add", name).CombinedOutput(); err != nil {
		t.Skipf("cannot create a network namespace: %v: %s", err, out)
	}
	t.Cleanup(func() {
		if out, err := exec.Command("ip", "netns", "del", name).CombinedOutput(); err != nil {
			t.Errorf("delete netns %s: %v: %s", name, err, out)
		}
	})
	for _, args := range [][]string{
		{"link", "add", "veth-a", "type", "veth", "peer", "name", "veth-b"},
		{"addr", "add", "192.0.2.1/24", "dev", "veth-a"},
		{"addr", "add", "2001:db8::1/64", "dev", "veth-a", "nodad"},
		{"link", "set", "veth-a", "up"},
	} {
		if out, err := exec.Command("ip", append([]string{"-n", name}, args...)...).CombinedOutput(); err != nil {
			t.Fatalf("ip %v: %v: %s", args, err, out)
		}
	}
	e := &Engine{cfg: Config{InterfaceMap: map[string]string{"GigabitEthernet1": "veth-a"}}}
	tests := []struct {
		iface, dst, want string
	}{
		{"GigabitEthernet1", "198.51.100.1", "192.0.2.1"},
		{"GigabitEthernet1", "2001:db8:1::1", "2001:db8::1"},
		{"veth-a", "198.51.100.1", "192.0.2.1"},
		{"GigabitEthernet2", "198.51.100.1", ""},
	}
	for _, tt := range tests {
		var got netip.Addr
		err := netns.Do(name, func() error {
			var err error
			got, err = e.sourceAddr(&spec.Interface{SourceIface: tt.iface}, netip.MustParseAddr(tt.dst))
			return err
		})
		switch {
		case tt.want == "" && (err == nil || !strings.Contains(err.Error(), "has no address")):
			t.Errorf("sourceAddr(%s, %s) = %v, %v; want a no-address error", tt.iface, tt.dst, got, err)
		case tt.want != "" && (err != nil || got != netip.MustParseAddr(tt.want)):
			t.Errorf("sourceAddr(%s, %s) = %v, %v; want %s", tt.iface, tt.dst, got, err, tt.want)
		}
	}
}
