package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/flexvpnd/flexvpnd/engine/netns"
)

// node is one namespace of the demo: a router or a LAN host.
type node struct {
	// Name is the short name ("hub", "lan1"); the namespace is
	// PREFIX-Name.
	Name string
	// Forward enables IPv4 forwarding (routers).
	Forward bool
	// Gateway is the default route's next hop, "" for none.
	Gateway string
}

// link is a veth pair between two namespaces, with an address on each end.
type link struct {
	A, AIf, AAddr string
	B, BIf, BAddr string
}

// The demo network. The routers' interfaces are named as flexvpnd shows
// GigabitEthernetN on Linux (Gi1: Internet, Gi2: LAN), so that the
// examples' `tunnel source GigabitEthernet1` and `show ip interface brief`
// read as on IOS. The addresses are those of examples/demo/*.cfg.
var (
	nodes = []node{
		{Name: "inet", Forward: true},
		{Name: "hub", Forward: true, Gateway: "198.51.100.254"},
		{Name: "spoke1", Forward: true, Gateway: "203.0.113.254"},
		{Name: "spoke2", Forward: true, Gateway: "192.0.2.254"},
		{Name: "lanhub", Gateway: "10.1.0.1"},
		{Name: "lan1", Gateway: "192.168.1.1"},
		{Name: "lan2", Gateway: "192.168.2.1"},
	}
	links = []link{
		{"hub", "Gi1", "198.51.100.1/24", "inet", "to-hub", "198.51.100.254/24"},
		{"spoke1", "Gi1", "203.0.113.11/24", "inet", "to-spoke1", "203.0.113.254/24"},
		{"spoke2", "Gi1", "192.0.2.12/24", "inet", "to-spoke2", "192.0.2.254/24"},
		{"hub", "Gi2", "10.1.0.1/24", "lanhub", "eth0", "10.1.0.10/24"},
		{"spoke1", "Gi2", "192.168.1.1/24", "lan1", "eth0", "192.168.1.10/24"},
		{"spoke2", "Gi2", "192.168.2.1/24", "lan2", "eth0", "192.168.2.10/24"},
	}
)

// diagram is the picture of the network printed by the demo.
const diagram = `
   lanhub ─────── HUB ─────────── internet ─┬── SPOKE1 ────── lan1
   10.1.0.10      198.51.100.1              │   203.0.113.11   192.168.1.10
                                            └── SPOKE2 ────── lan2
                                                192.0.2.12     192.168.2.10
   tunnels  HUB Tunnel1 172.16.1.1 ══ SPOKE1 Tunnel0 172.16.1.2
            HUB Tunnel2 172.16.2.1 ══ SPOKE2 Tunnel0 172.16.2.2

`

// ns returns the namespace of the node named name.
func (d *demo) ns(name string) string { return d.opts.Prefix + "-" + name }

// build creates the namespaces, links, addresses and routes, each
// recorded for removal.
func (d *demo) build(ctx context.Context) error {
	for _, n := range nodes {
		ns := d.ns(n.Name)
		// A leftover of a killed run with the same PID (no live process
		// has it).
		ip(ctx, "netns", "delete", ns)
		if err := ip(ctx, "netns", "add", ns); err != nil {
			return err
		}
		d.undo.push("namespace "+ns, func() error { return ip(context.Background(), "netns", "delete", ns) })
		if err := ip(ctx, "-n", ns, "link", "set", "lo", "up"); err != nil {
			return err
		}
		if n.Forward {
			if err := enableForwarding(ns); err != nil {
				return err
			}
		}
	}
	for _, l := range links {
		if err := d.addLink(ctx, l); err != nil {
			return err
		}
	}
	for _, n := range nodes {
		if n.Gateway == "" {
			continue
		}
		if err := ip(ctx, "-n", d.ns(n.Name), "route", "add", "default", "via", n.Gateway); err != nil {
			return err
		}
	}
	return nil
}

// addLink creates the veth pair of l with its addresses, both ends up.
// The link goes with its namespaces.
func (d *demo) addLink(ctx context.Context, l link) error {
	a, b := d.ns(l.A), d.ns(l.B)
	cmds := [][]string{
		{"-n", a, "link", "add", l.AIf, "type", "veth", "peer", "name", l.BIf, "netns", b},
		{"-n", a, "addr", "add", l.AAddr, "dev", l.AIf},
		{"-n", b, "addr", "add", l.BAddr, "dev", l.BIf},
		{"-n", a, "link", "set", l.AIf, "up"},
		{"-n", b, "link", "set", l.BIf, "up"},
	}
	for _, c := range cmds {
		if err := ip(ctx, c...); err != nil {
			return err
		}
	}
	return nil
}

// ip runs the ip command, bounded in time.
func ip(ctx context.Context, args ...string) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "ip", args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("ip %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return nil
}

// enableForwarding turns on IPv4 forwarding in namespace ns: the
// net.ipv4 sysctls belong to the namespace of the thread that opens them.
func enableForwarding(ns string) error {
	return netns.Do(ns, func() error {
		if err := os.WriteFile("/proc/sys/net/ipv4/ip_forward", []byte("1\n"), 0o644); err != nil {
			return fmt.Errorf("ip_forward in %s: %w", ns, err)
		}
		return nil
	})
}
