package netdev

import (
	"errors"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/flexvpnd/flexvpnd/engine/dataplane"
	"github.com/google/go-cmp/cmp"
	"github.com/vishvananda/netlink"
)

// newNetns creates a network namespace for the test and returns its path;
// it is deleted when the test ends, also on failure. The test is skipped
// when it cannot be created (not root, no ip(8)).
func newNetns(t *testing.T) string {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root to create network namespaces")
	}
	if _, err := exec.LookPath("ip"); err != nil {
		t.Skip("needs iproute2's ip: ", err)
	}
	name := fmt.Sprintf("ndt%d-%s", os.Getpid(), strings.NewReplacer("/", "-").Replace(t.Name()))
	name = name[:min(len(name), 30)]
	if out, err := exec.Command("ip", "netns", "add", name).CombinedOutput(); err != nil {
		t.Skipf("cannot create a network namespace: %v: %s", err, out)
	}
	t.Cleanup(func() {
		if out, err := exec.Command("ip", "netns", "del", name).CombinedOutput(); err != nil {
			t.Errorf("delete netns %s: %v: %s", name, err, out)
		}
	})
	return "/run/netns/" + name
}

// ipIn runs ip(8) in the namespace at ns and returns its output.
func ipIn(t *testing.T, ns string, args ...string) string {
	t.Helper()
	name := strings.TrimPrefix(ns, "/run/netns/")
	out, err := exec.Command("ip", append([]string{"-n", name}, args...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("ip %v: %v: %s", args, err, out)
	}
	return string(out)
}

// state is what the test reads back from the kernel.
type state struct {
	Addrs  []string
	MTU    int
	Up     bool
	Master string
	Routes []string
}

// readState reads name's state through h.
func readState(t *testing.T, h *Handle, name string) state {
	t.Helper()
	link, err := h.nl.LinkByName(name)
	if err != nil {
		t.Fatal(err)
	}
	var s state
	s.MTU = link.Attrs().MTU
	s.Up = link.Attrs().RawFlags&1 != 0
	if m := link.Attrs().MasterIndex; m != 0 {
		ml, err := h.nl.LinkByIndex(m)
		if err != nil {
			t.Fatal(err)
		}
		s.Master = ml.Attrs().Name
	}
	addrs, err := h.nl.AddrList(link, netlink.FAMILY_ALL)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range addrs {
		if p := prefixOf(a.IPNet); !p.Addr().IsLinkLocalUnicast() {
			s.Addrs = append(s.Addrs, p.String())
		}
	}
	routes, err := h.nl.RouteListFiltered(netlink.FAMILY_ALL, &netlink.Route{LinkIndex: link.Attrs().Index, Protocol: RouteProtocol},
		netlink.RT_FILTER_OIF|netlink.RT_FILTER_PROTOCOL|netlink.RT_FILTER_TABLE)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range routes {
		k := keyOf(&r)
		s.Routes = append(s.Routes, fmt.Sprintf("%v table %d metric %d", k.dst, k.table, k.metric))
	}
	slices.Sort(s.Addrs)
	slices.Sort(s.Routes)
	return s
}

// TestEnsure drives a dummy link through a sequence of desired states and
// checks that the kernel reaches each one, that applying a state twice
// changes nothing, and that Remove deletes the link.
func TestEnsure(t *testing.T) {
	ns := newNetns(t)
	// The kernels here lack the dummy driver: a veth pair stands in.
	ipIn(t, ns, "link", "add", "dum0", "type", "veth", "peer", "name", "dum0p")
	ipIn(t, ns, "link", "set", "dum0p", "up")
	vrf := exec.Command("ip", "-n", strings.TrimPrefix(ns, "/run/netns/"), "link", "add", "blue", "type", "vrf", "table", "100").Run() == nil
	if vrf {
		ipIn(t, ns, "link", "set", "blue", "up")
	} else {
		t.Log("the kernel has no VRF support: VRF steps skipped")
	}
	// An address and a route this package does not own, added behind its
	// back: the address is removed, the kernel-protocol route survives.
	ipIn(t, ns, "address", "add", "192.0.2.9/32", "dev", "dum0")
	h, err := Open(ns)
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()

	pfx := netip.MustParsePrefix
	tests := []struct {
		name string
		vrf  bool // needs VRF support
		link Link
		want state
	}{
		{
			name: "up with addresses and routes",
			link: Link{Name: "dum0", Addrs: []netip.Prefix{pfx("10.255.0.1/30"), pfx("2001:db8::1/64")}, MTU: 1400, Up: true,
				Routes: []dataplane.Route{{Prefix: pfx("10.1.0.0/16"), Distance: 1}, {Prefix: pfx("10.2.0.0/16"), Distance: 5}, {Prefix: pfx("2001:db8:1::/48"), Distance: 1}}},
			want: state{Addrs: []string{"10.255.0.1/30", "2001:db8::1/64"}, MTU: 1400, Up: true,
				Routes: []string{"10.1.0.0/16 table 254 metric 1", "10.2.0.0/16 table 254 metric 5", "2001:db8:1::/48 table 254 metric 1"}},
		},
		{
			name: "address, mtu and route changed",
			link: Link{Name: "dum0", Addrs: []netip.Prefix{pfx("10.255.0.5/30")}, MTU: 1380, Up: true,
				Routes: []dataplane.Route{{Prefix: pfx("10.1.0.0/16"), Distance: 2}, {Prefix: pfx("0.0.0.0/0"), Distance: 250}}},
			want: state{Addrs: []string{"10.255.0.5/30"}, MTU: 1380, Up: true,
				Routes: []string{"0.0.0.0/0 table 254 metric 250", "10.1.0.0/16 table 254 metric 2"}},
		},
		{
			name: "moved into a vrf", vrf: true,
			link: Link{Name: "dum0", Addrs: []netip.Prefix{pfx("10.255.0.5/30")}, Up: true, VRF: "blue",
				Routes: []dataplane.Route{{Prefix: pfx("10.1.0.0/16"), Distance: 1}}},
			want: state{Addrs: []string{"10.255.0.5/30"}, MTU: 1380, Up: true, Master: "blue",
				Routes: []string{"10.1.0.0/16 table 100 metric 1"}},
		},
		{
			name: "shut down in a vrf", vrf: true,
			link: Link{Name: "dum0", Addrs: []netip.Prefix{pfx("10.255.0.5/30")}, MTU: 1380, VRF: "blue",
				Routes: []dataplane.Route{{Prefix: pfx("10.1.0.0/16"), Distance: 1}}},
			want: state{Addrs: []string{"10.255.0.5/30"}, MTU: 1380, Master: "blue"},
		},
		{
			name: "shut down",
			link: Link{Name: "dum0", Addrs: []netip.Prefix{pfx("10.255.0.6/30")}, MTU: 1380,
				Routes: []dataplane.Route{{Prefix: pfx("10.1.0.0/16"), Distance: 1}}},
			want: state{Addrs: []string{"10.255.0.6/30"}, MTU: 1380},
		},
		{
			name: "back to the global table",
			link: Link{Name: "dum0", Up: true, Routes: []dataplane.Route{{Prefix: pfx("10.3.0.0/16"), Distance: 1}}},
			want: state{MTU: 1380, Up: true, Routes: []string{"10.3.0.0/16 table 254 metric 1"}},
		},
	}
	for _, tt := range tests {
		if tt.vrf && !vrf {
			continue
		}
		for pass := range 2 { // the second pass proves idempotence
			if err := h.Ensure(tt.link); err != nil {
				t.Fatalf("%s (pass %d): %v", tt.name, pass, err)
			}
			if diff := cmp.Diff(tt.want, readState(t, h, "dum0")); diff != "" {
				t.Fatalf("%s (pass %d): state (-want +got):\n%s", tt.name, pass, diff)
			}
		}
	}

	for _, l := range []Link{{Name: "nosuch0"}, {Name: "dum0", VRF: "nosuchvrf"}} {

		if err := h.Ensure(l); !errors.Is(err, ErrNotFound) {
			t.Errorf("Ensure(%+v) = %v, want ErrNotFound", l, err)
		}
	}
	if err := h.Ensure(Link{Name: "dum0", VRF: "dum0"}); err == nil || errors.Is(err, ErrNotFound) {
		t.Errorf("Ensure with a non-VRF master = %v, want an error", err)
	}

	for range 2 {
		if err := h.Remove("dum0"); err != nil {
			t.Fatal(err)
		}
	}
	if ok, err := h.Exists("dum0"); ok || err != nil {
		t.Fatalf("Exists after Remove = %v, %v", ok, err)
	}
}

// TestResync changes a link behind the handle's back the way an
// administrator would and checks that Resync restores the state last
// ensured, reports each repair, and then finds nothing to repair.
func TestResync(t *testing.T) {
	ns := newNetns(t)
	ipIn(t, ns, "link", "add", "tun7", "type", "veth", "peer", "name", "tun7p")
	ipIn(t, ns, "link", "set", "tun7p", "up")
	h, err := Open(ns)
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	pfx := netip.MustParsePrefix
	l := Link{Name: "tun7", Addrs: []netip.Prefix{pfx("10.255.0.1/30"), pfx("2001:db8::1/64")}, MTU: 1400, Up: true, Own: true,
		Routes: []dataplane.Route{{Prefix: pfx("10.1.0.0/16"), Distance: 1}, {Prefix: pfx("2001:db8:1::/48"), Distance: 1}}}
	if err := h.Ensure(l); err != nil {
		t.Fatal(err)
	}
	want := readState(t, h, "tun7")
	tests := []struct {
		name    string
		behind  [][]string // ip(8) commands run behind the handle's back
		repairs int
	}{
		{"nothing changed", nil, 0},
		// The last IPv4 address takes the IPv4 routes with it.
		{"address deleted", [][]string{{"address", "del", "10.255.0.1/30", "dev", "tun7"}}, 2},
		{"route deleted", [][]string{{"route", "del", "10.1.0.0/16", "dev", "tun7", "proto", "70"}}, 1},
		{"foreign address added", [][]string{{"address", "add", "192.0.2.7/32", "dev", "tun7"}}, 1},
		{"mtu changed", [][]string{{"link", "set", "tun7", "mtu", "1500"}}, 1},
		// Down flushes the routes and the IPv6 address.
		{"set down", [][]string{{"link", "set", "tun7", "down"}}, 4},
		{"alias changed", [][]string{{"link", "set", "tun7", "alias", "other"}}, 1},
		{"everything", [][]string{
			{"address", "flush", "dev", "tun7"}, {"link", "set", "tun7", "down"}, {"link", "set", "tun7", "mtu", "1300"},
		}, 6},
	}
	for _, tt := range tests {
		for _, args := range tt.behind {
			ipIn(t, ns, args...)
		}
		repairs, err := h.Resync("tun7")
		if err != nil {
			t.Fatalf("%s: Resync: %v", tt.name, err)
		}
		if len(repairs) != tt.repairs {
			t.Errorf("%s: repairs %q, want %d", tt.name, repairs, tt.repairs)
		}
		if diff := cmp.Diff(want, readState(t, h, "tun7")); diff != "" {
			t.Errorf("%s: state after Resync (-want +got):\n%s", tt.name, diff)
		}
	}
	if repairs, err := h.Resync("nosuch0"); repairs != nil || err != nil {
		t.Errorf("Resync of a link never ensured = %q, %v; want nothing", repairs, err)
	}
	ipIn(t, ns, "link", "del", "tun7")
	if _, err := h.Resync("tun7"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Resync of a deleted link = %v, want ErrNotFound", err)
	}
	h.Forget("tun7")
	if repairs, err := h.Resync("tun7"); repairs != nil || err != nil {
		t.Errorf("Resync after Forget = %q, %v; want nothing", repairs, err)
	}
}

// TestRemoveStale leaves what a crashed daemon would (a link tagged Owner
// with a route, a route of RouteProtocol through another link) next to
// state that is not flexvpnd's, and checks that RemoveStale removes the
// former only.
func TestRemoveStale(t *testing.T) {
	ns := newNetns(t)
	for _, l := range []string{"old0", "adm0"} {
		ipIn(t, ns, "link", "add", l, "type", "veth", "peer", "name", l+"p")
		ipIn(t, ns, "link", "set", l, "up")
	}
	ipIn(t, ns, "link", "set", "old0", "alias", Owner)
	ipIn(t, ns, "link", "set", "adm0", "alias", "uplink")
	ipIn(t, ns, "route", "add", "10.1.0.0/16", "dev", "old0", "proto", "70")
	ipIn(t, ns, "route", "add", "10.2.0.0/16", "dev", "adm0", "proto", "70")
	ipIn(t, ns, "route", "add", "10.3.0.0/16", "dev", "adm0", "proto", "static")
	ipIn(t, ns, "route", "add", "10.4.0.0/16", "dev", "adm0")
	h, err := Open(ns)
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	removed, err := h.RemoveStale()
	if err != nil {
		t.Fatal(err)
	}
	wantRemoved := []string{"link old0 (veth) deleted", "route 10.2.0.0/16 table 254 metric 0 deleted"}
	if diff := cmp.Diff(wantRemoved, removed); diff != "" {
		t.Errorf("removed (-want +got):\n%s", diff)
	}
	for _, l := range []struct {
		name   string
		exists bool
	}{{"old0", false}, {"old0p", false}, {"adm0", true}, {"adm0p", true}} {
		if ok, err := h.Exists(l.name); ok != l.exists || err != nil {
			t.Errorf("Exists(%s) = %v, %v; want %v", l.name, ok, err, l.exists)
		}
	}
	routes := ipIn(t, ns, "route", "show", "dev", "adm0")
	for _, r := range []string{"10.3.0.0/16", "10.4.0.0/16"} {
		if !strings.Contains(routes, r) {
			t.Errorf("route %s not flexvpnd's removed:\n%s", r, routes)
		}
	}
	if again, err := h.RemoveStale(); len(again) != 0 || err != nil {
		t.Errorf("second RemoveStale = %q, %v; want nothing", again, err)
	}
}
