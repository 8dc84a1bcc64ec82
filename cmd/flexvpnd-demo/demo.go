package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// demo is one run: what it created, its routers and its transcript.
type demo struct {
	opts    Options
	out     io.Writer
	undo    undoStack
	routers map[string]*router
}

// The pings: from a branch LAN host to the hub's LAN host, and to the
// other branch's LAN host through the hub.
var pings = []struct {
	from, to, what string
}{
	{"lan1", "10.1.0.10", "branch 1 LAN to the hub LAN"},
	{"lan1", "192.168.2.10", "branch 1 LAN to branch 2 LAN, spoke to spoke through the hub"},
}

// Bounds of the steps.
const (
	tunnelWait  = 30 * time.Second
	pingCount   = 4
	pingTimeout = time.Second
)

func (d *demo) run(ctx context.Context) error {
	fmt.Fprintln(d.out, "flexvpnd demo: a FlexVPN hub and two branch routers, each a flexvpnd in its own")
	fmt.Fprintln(d.out, "network namespace, configured by the IOS files in "+d.opts.Configs+"/.")
	d.heading("Building the network")
	if err := d.build(ctx); err != nil {
		return err
	}
	fmt.Fprint(d.out, diagram)
	d.say("namespaces %s-{%s}; nothing is connected to the host", d.opts.Prefix, nodeNames())
	if err := d.start(ctx); err != nil {
		return err
	}
	d.heading("Waiting for the tunnels")
	if err := d.waitTunnels(ctx); err != nil {
		return err
	}
	if err := d.show(ctx, "HUB", "show crypto ikev2 sa"); err != nil {
		return err
	}
	for _, p := range pings {
		if err := d.ping(ctx, p.from, p.to, p.what); err != nil {
			return err
		}
	}
	if err := d.show(ctx, "HUB", "show crypto ipsec sa interface Tunnel1"); err != nil {
		return err
	}
	d.heading("Done")
	d.say("the tunnels came up from IOS configuration alone and carried traffic between the LANs")
	return nil
}

// start runs flexvpnd on the hub and the branch routers.
func (d *demo) start(ctx context.Context) error {
	d.heading("Starting three flexvpnd")
	dir, err := os.MkdirTemp("", "flexvpnd-demo-")
	if err != nil {
		return fmt.Errorf("state directory: %w", err)
	}
	d.undo.push("state directory "+dir, func() error { return os.RemoveAll(dir) })
	d.routers = map[string]*router{}
	for _, r := range []struct{ name, node, file string }{
		{"HUB", "hub", "hub.cfg"}, {"SPOKE1", "spoke1", "spoke1.cfg"}, {"SPOKE2", "spoke2", "spoke2.cfg"},
	} {
		cfg := filepath.Join(d.opts.Configs, r.file)
		rt, err := d.startRouter(r.name, d.ns(r.node), cfg, dir)
		if err != nil {
			return err
		}
		d.routers[r.name] = rt
		// The branches initiate at once: the hub answers first.
		if r.name == "HUB" {
			if _, err := rt.exec(ctx, "!"); err != nil {
				return err
			}
		}
		d.say("%-6s ip netns exec %s flexvpnd --startup-config %s --dataplane userspace   (pid %d)",
			r.name, d.ns(r.node), cfg, rt.cmd.Process.Pid)
	}
	return ctx.Err()
}

// waitTunnels waits until the hub has two READY IKE SAs and each branch
// one.
func (d *demo) waitTunnels(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, tunnelWait)
	defer cancel()
	begin := time.Now()
	want := map[string]int{"HUB": 2, "SPOKE1": 1, "SPOKE2": 1}
	for name, n := range want {
		for {
			out, err := d.routers[name].exec(ctx, "show crypto ikev2 sa")
			if err != nil {
				return fmt.Errorf("waiting for the tunnels: %w", err)
			}
			if strings.Count(out, "READY") >= n {
				break
			}
			select {
			case <-ctx.Done():
				return fmt.Errorf("%s: %d READY IKE SA(s) after %v, want %d:\n%s\n%s's log:\n%s",
					name, strings.Count(out, "READY"), tunnelWait, n, out, name, d.routers[name].log.String())
			case <-time.After(200 * time.Millisecond):
			}
		}
	}
	d.say("both branches are up (IKEv2 SAs READY on all three routers) after %.1f s", time.Since(begin).Seconds())
	return nil
}

// show prints what router's console shows for line: the prompt with
// the line, then its output.
func (d *demo) show(ctx context.Context, router, line string) error {
	fmt.Fprintln(d.out)
	out, err := d.routers[router].exec(ctx, line)
	if err != nil {
		return err
	}
	fmt.Fprint(d.out, out)
	return nil
}

// ping pings to from node from and fails when no reply came.
func (d *demo) ping(ctx context.Context, from, to, what string) error {
	d.heading(fmt.Sprintf("ping %s from %s (%s)", to, from, what))
	got, err := ping(ctx, d.ns(from), net.ParseIP(to), pingCount, pingTimeout, func(r pingResult) {
		if r.Reply {
			d.say("reply from %s: icmp_seq=%d time=%.2f ms", to, r.Seq, float64(r.RTT.Microseconds())/1000)
		} else {
			d.say("no reply: icmp_seq=%d (timeout)", r.Seq)
		}
	})
	if err != nil {
		return err
	}
	d.say("%d packets transmitted, %d received, %d%% packet loss", pingCount, got, 100*(pingCount-got)/pingCount)
	if got == 0 {
		return fmt.Errorf("no ping reply from %s to %s", from, to)
	}
	return nil
}

// heading prints a section title.
func (d *demo) heading(title string) {
	line := "── " + title + " "
	fmt.Fprintf(d.out, "\n%s%s\n", line, strings.Repeat("─", max(3, 78-len([]rune(line)))))
}

// say prints an indented line.
func (d *demo) say(format string, args ...any) {
	fmt.Fprintf(d.out, "   %s\n", fmt.Sprintf(format, args...))
}

// nodeNames lists the nodes' short names, comma-separated.
func nodeNames() string {
	var names []string
	for _, n := range nodes {
		names = append(names, n.Name)
	}
	return strings.Join(names, ",")
}
