// Command flexvpnd-demo is `make demo`: a FlexVPN hub and two branch
// routers, each a flexvpnd in its own network namespace with a LAN host
// behind it, configured only by the IOS files in examples/demo/. It waits
// for the tunnels, shows the hub's `show crypto ikev2 sa`, pings from a
// branch LAN to the hub LAN and to the other branch through the tunnels,
// shows `show crypto ipsec sa` with the packets counted, and removes
// everything it created, also on failure and on Ctrl-C.
//
// Usage (as root):
//
//	flexvpnd-demo [--flexvpnd bin/flexvpnd] [--configs examples/demo]
//
// All traffic stays inside the demo's namespaces: they are joined to each
// other by veth links and never to the host.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"syscall"
	"time"
)

// timeLimit bounds the whole demo.
const timeLimit = 60 * time.Second

func main() {
	fs := flag.NewFlagSet("flexvpnd-demo", flag.ExitOnError)
	bin := fs.String("flexvpnd", "bin/flexvpnd", "the flexvpnd `binary` to run")
	configs := fs.String("configs", "examples/demo", "`directory` of hub.cfg, spoke1.cfg and spoke2.cfg")
	fs.Parse(os.Args[1:])
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := Run(ctx, Options{Binary: *bin, Configs: *configs, Out: os.Stdout})
	switch {
	case err == nil:
		return
	case ctx.Err() != nil:
		fmt.Fprintln(os.Stderr, "flexvpnd-demo: interrupted; everything it created is removed")
		os.Exit(130)
	default:
		fmt.Fprintf(os.Stderr, "flexvpnd-demo: %v\n", err)
		os.Exit(1)
	}
}

// Options are what Run needs.
type Options struct {
	// Binary is the flexvpnd binary; Configs the directory of the
	// routers' startup-configs.
	Binary, Configs string
	// Out receives the transcript.
	Out io.Writer
	// Prefix names the namespaces ("fxdemo-PID" when empty).
	Prefix string
}

// Run runs the demo until it is done, fails, or ctx ends, and removes
// what it created before it returns.
func Run(ctx context.Context, o Options) (err error) {
	if why := unavailable(); why != "" {
		return errors.New(why)
	}
	if o.Prefix == "" {
		o.Prefix = fmt.Sprintf("fxdemo-%d", os.Getpid())
	}
	ctx, cancel := context.WithTimeout(ctx, timeLimit)
	defer cancel()
	d := &demo{opts: o, out: o.Out}
	defer func() {
		d.heading("Cleaning up")
		if cerr := d.undo.run(); cerr != nil {
			err = errors.Join(err, cerr)
		} else {
			d.say("removed the namespaces, links and processes the demo created")
		}
	}()
	return d.run(ctx)
}

// unavailable says why the demo cannot run here, "" when it can.
func unavailable() string {
	if os.Geteuid() != 0 {
		return "needs root (it creates network namespaces): run `sudo make demo`"
	}
	if _, err := exec.LookPath("ip"); err != nil {
		return "needs iproute2 (the ip command)"
	}
	if _, err := os.Stat("/dev/net/tun"); err != nil {
		return "needs /dev/net/tun for the userspace data plane"
	}
	return ""
}
