package userspace

import (
	"context"
	"fmt"
	"log/slog"
	"net/netip"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/flexvpnd/flexvpnd/engine/dataplane"
)

// TestResyncTUN changes a TUN device's addresses, routes and state behind
// the backend's back, in a namespace of the host, and checks that Resync
// restores them and then finds nothing to repair.
func TestResyncTUN(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root for a network namespace and a TUN device")
	}
	name := fmt.Sprintf("usresync%d", os.Getpid())
	ip := func(args ...string) string {
		t.Helper()
		out, err := exec.Command("ip", append([]string{"-n", name}, args...)...).CombinedOutput()
		if err != nil {
			t.Fatalf("ip %v: %v: %s", args, err, out)
		}
		return string(out)
	}
	if out, err := exec.Command("ip", "netns", "add", name).CombinedOutput(); err != nil {
		t.Skipf("cannot create a network namespace: %v: %s", err, out)
	}
	t.Cleanup(func() {
		if out, err := exec.Command("ip", "netns", "del", name).CombinedOutput(); err != nil {
			t.Errorf("delete netns %s: %v: %s", name, err, out)
		}
	})
	b, err := New(Config{NetNS: "/run/netns/" + name, NoRawESP: true, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := b.Close(); err != nil {
			t.Error(err)
		}
	})
	pfx := netip.MustParsePrefix
	tun := dataplane.Tunnel{ID: 1, Name: "Tunnel0", IfName: "Tunnel0", MTU: 1400, Up: true,
		Addrs:  []netip.Prefix{pfx("172.31.0.1/30")},
		Routes: []dataplane.Route{{Prefix: pfx("10.9.0.0/16"), Distance: 1}, {Prefix: pfx("10.10.0.0/16"), Distance: 5}}}
	if err := b.EnsureTunnel(tun); err != nil {
		t.Fatal(err)
	}
	state := func() string {
		t.Helper()
		link := ip("-o", "link", "show", "Tunnel0")
		up := strings.Contains(link, "<") && strings.Contains(link[:strings.Index(link, ">")], "UP")
		return fmt.Sprintf("up=%v mtu1400=%v\n%s%s", up, strings.Contains(link, "mtu 1400"),
			ip("-4", "-o", "address", "show", "dev", "Tunnel0"), ip("route", "show", "dev", "Tunnel0", "proto", "70"))
	}
	want := state()
	tests := []struct {
		name    string
		behind  [][]string
		repairs int
	}{
		{"nothing changed", nil, 0},
		{"route deleted", [][]string{{"route", "del", "10.9.0.0/16", "dev", "Tunnel0", "proto", "70"}}, 1},
		{"mtu changed", [][]string{{"link", "set", "Tunnel0", "mtu", "1300"}}, 1},
		// The address takes the routes with it.
		{"address deleted", [][]string{{"address", "del", "172.31.0.1/30", "dev", "Tunnel0"}}, 3},
		// Down flushes the routes.
		{"set down", [][]string{{"link", "set", "Tunnel0", "down"}}, 3},
	}
	for _, tt := range tests {
		for _, args := range tt.behind {
			ip(args...)
		}
		n, err := b.Resync(context.Background())
		if err != nil {
			t.Fatalf("%s: Resync: %v", tt.name, err)
		}
		if n != tt.repairs {
			t.Errorf("%s: %d repairs, want %d", tt.name, n, tt.repairs)
		}
		if got := state(); got != want {
			t.Errorf("%s: after Resync:\n%s\nwant:\n%s", tt.name, got, want)
		}
	}
}
