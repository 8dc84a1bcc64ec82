package main

import (
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/flexvpnd/flexvpnd/engine"
	"github.com/flexvpnd/flexvpnd/engine/dataplane"
	"github.com/flexvpnd/flexvpnd/engine/dataplane/userspace"
	"github.com/flexvpnd/flexvpnd/engine/dataplane/xfrm"
	"github.com/flexvpnd/flexvpnd/engine/ikev2/transport"
	"github.com/flexvpnd/flexvpnd/engine/spec"
	"github.com/flexvpnd/flexvpnd/modes"
	"github.com/flexvpnd/flexvpnd/parser"
	runningconfig "github.com/flexvpnd/flexvpnd/running-config"
)

// engineOptions are the engine flags.
type engineOptions struct {
	// Listen are the local addresses of the IKE sockets.
	Listen []netip.Addr
	// IKEPort and NATPort are the UDP ports (--ike-port, --nat-port).
	IKEPort, NATPort uint16
	// Dataplane is "none", "userspace", "xfrm" or "auto".
	Dataplane string
	// LogLevel is the level of the engine's log on stderr.
	LogLevel slog.Level
	// Reactivate is the FlexVPN client's probe interval (--reactivate).
	Reactivate time.Duration
	// Resync is the data plane's resync interval (--resync); 0 disables
	// it.
	Resync time.Duration
	// InterfaceMap maps canonical IOS interface names to Linux ones
	// (--interface-map).
	InterfaceMap map[string]string
}

// parseListen parses the comma-separated --listen addresses.
func parseListen(s string) ([]netip.Addr, error) {
	var out []netip.Addr
	for f := range strings.SplitSeq(s, ",") {
		a, err := netip.ParseAddr(strings.TrimSpace(f))
		if err != nil {
			return nil, fmt.Errorf("--listen: %w", err)
		}
		out = append(out, a)
	}
	return out, nil
}

// parseInterfaceMap parses --interface-map: comma-separated IOS=LINUX
// pairs ("GigabitEthernet1=eth0,Gi2=ens4"). The IOS names are
// canonicalised as the CLI does ("Gi1", "gi 1" and "GigabitEthernet1" are
// one name); the Linux names must be valid interface names.
func parseInterfaceMap(s string) (map[string]string, error) {
	out := map[string]string{}
	if strings.TrimSpace(s) == "" {
		return out, nil
	}
	for pair := range strings.SplitSeq(s, ",") {
		ios, linux, ok := strings.Cut(pair, "=")
		if !ok {
			return nil, fmt.Errorf("--interface-map: %q: want IOS=LINUX", strings.TrimSpace(pair))
		}
		name, err := iosIfName(ios)
		if err != nil {
			return nil, fmt.Errorf("--interface-map: %w", err)
		}
		linux = strings.TrimSpace(linux)
		if !validLinuxName(linux) {
			return nil, fmt.Errorf("--interface-map: %s=%q: not a Linux interface name", name, linux)
		}
		if prev, dup := out[name]; dup {
			return nil, fmt.Errorf("--interface-map: %s mapped twice (%s, %s)", name, prev, linux)
		}
		out[name] = linux
	}
	return out, nil
}

// iosIfName returns the canonical name of an interface name given as one
// word or as a type and a number ("gi 1").
func iosIfName(s string) (string, error) {
	f := strings.Fields(s)
	if len(f) == 0 || len(f) > 2 {
		return "", fmt.Errorf("%q: not an interface name", strings.TrimSpace(s))
	}
	next := ""
	if len(f) == 2 {
		next = f[1]
	}
	name, n, ok := parser.ParseIfName(f[0], next)
	if !ok || n != len(f) {
		return "", fmt.Errorf("%q: not an interface name", strings.TrimSpace(s))
	}
	return name, nil
}

// validLinuxName reports whether s can name a Linux interface: 1 to 15
// bytes (IFNAMSIZ less the NUL), no '/', ':' or white space, not "." or
// "..".
func validLinuxName(s string) bool {
	return s != "" && len(s) <= 15 && s != "." && s != ".." && !strings.ContainsAny(s, "/: \t\n")
}

// dataplanes are the --dataplane choices.
var dataplanes = []string{"none", "userspace", "xfrm", "auto"}

// appEngine is the running engine with its data plane and the
// reconciler that feeds it the running-config.
type appEngine struct {
	eng   *engine.Engine
	rec   *reconciler
	close func() // the data plane's
}

// startEngine opens the data plane, starts the engine and hooks the
// reconciler to the system's configuration changes. With the IPv6
// wildcard among the listen addresses on a host without IPv6, it listens
// on the others.
func startEngine(sys *modes.System, opts engineOptions, log *slog.Logger) (*appEngine, error) {
	// The userspace data plane sends ESP in UDP from the engine's NAT-T
	// socket, which exists only once the engine does.
	var lis atomic.Pointer[transport.Listener]
	sendESP := func(local, remote netip.AddrPort, p []byte) error {
		l := lis.Load()
		if l == nil {
			return errors.New("ESP in UDP before the IKE sockets are open")
		}
		return l.SendESP(local, remote, p)
	}
	dp, closeDP, espInUDP, err := openDataplane(opts.Dataplane, log, sendESP)
	if err != nil {
		return nil, err
	}
	sys.Dataplane = dataplaneName(dp)
	cfg := engine.Config{
		Dataplane: dp, Listen: opts.Listen, IKEPort: opts.IKEPort, NATPort: opts.NATPort,
		Logger: log, ESPInUDP: espInUDP, OnEvent: engineEvents(sys.Log), Reactivate: opts.Reactivate,
		ResyncInterval: resyncInterval(opts.Resync), InterfaceMap: opts.InterfaceMap,
	}
	if h, ok := dp.(interface {
		HandleESP(local, remote netip.AddrPort, packet []byte)
	}); ok {
		cfg.ESP = h
	}
	eng, err := engine.New(cfg)
	if err != nil && slices.Contains(opts.Listen, netip.IPv6Unspecified()) && len(opts.Listen) > 1 {
		log.Warn("listening without IPv6", "err", err)
		cfg.Listen = slices.DeleteFunc(slices.Clone(opts.Listen), func(a netip.Addr) bool { return a == netip.IPv6Unspecified() })
		eng, err = engine.New(cfg)
	}
	if err != nil {
		closeDP()
		return nil, err
	}
	lis.Store(eng.Listener())
	ae := &appEngine{eng: eng, close: closeDP}
	ae.rec = newReconciler(sys, eng.Apply, log)
	sys.Engine = eng
	sys.OnChange = func(*runningconfig.Config) { ae.rec.changed() }
	return ae, nil
}

// resyncInterval maps --resync (0: never) to engine.Config.ResyncInterval
// (negative: never).
func resyncInterval(flag time.Duration) time.Duration {
	if flag == 0 {
		return -1
	}
	return flag
}

// stop ends the reconciler, the engine and the data plane.
func (ae *appEngine) stop() {
	ae.rec.stop()
	if err := ae.eng.Close(); err != nil {
		slog.Warn("engine", "err", err)
	}
	ae.close()
}

// discard is the data plane of --dataplane none: it accepts every CHILD
// SA and keeps nothing, so a hub holding many sessions spends neither
// memory nor a search per SA on a data plane it does not have.
type discard struct{}

func (discard) InstallChildSA(dataplane.ChildSA) error     { return nil }
func (discard) ActivateOutbound(dataplane.ChildSAID) error { return nil }
func (discard) DeleteChildSA(dataplane.ChildSAID) error    { return nil }

// openDataplane opens the data plane named by --dataplane: the no-op,
// the userspace backend, the kernel backend, or with "auto" the kernel
// one when Probe says it works, else userspace. espInUDP tells the
// engine to let the kernel decapsulate ESP in UDP; sendESP is the
// userspace backend's way out for ESP in UDP.
func openDataplane(name string, log *slog.Logger, sendESP func(local, remote netip.AddrPort, p []byte) error) (dp dataplane.Dataplane, closeDP func(), espInUDP bool, err error) {
	if name == "auto" {
		name = "userspace"
		if perr := xfrm.Probe(""); perr == nil {
			name = "xfrm"
		} else {
			log.Info("kernel data plane unavailable", "err", perr)
		}
		log.Info("data plane chosen", "dataplane", name)
	}
	switch name {
	case "none":
		return discard{}, func() {}, false, nil
	case "xfrm":
		b, err := xfrm.New(xfrm.Config{Logger: log.With("part", "dataplane")})
		if err != nil {
			return nil, nil, false, fmt.Errorf("dataplane xfrm: %w", err)
		}
		return b, b.Close, true, nil
	case "userspace":
		b, err := userspace.New(userspace.Config{SendUDP: sendESP, Logger: log.With("part", "dataplane")})
		if err != nil {
			return nil, nil, false, fmt.Errorf("dataplane userspace: %w", err)
		}
		return b, func() {
			if err := b.Close(); err != nil {
				log.Warn("dataplane", "err", err)
			}
		}, false, nil
	}
	return nil, nil, false, fmt.Errorf("unknown data plane %q (want %s)", name, strings.Join(dataplanes, ", "))
}

// Reconciliation timing: a change is applied once the configuration has
// been quiet for applyQuiet (a paste is one burst), and at the latest
// applyMax after the first change of the burst.
const (
	applyQuiet = 100 * time.Millisecond
	applyMax   = time.Second
)

// reconciler compiles the running-config and applies it to the engine in
// its own goroutine after each burst of committed changes, so that the
// CLI never waits for the engine.
type reconciler struct {
	sys     *modes.System
	apply   func(*spec.Spec)
	log     *slog.Logger
	kick    chan struct{}
	quit    chan struct{}
	done    chan struct{}
	once    sync.Once
	applies atomic.Int64 // how many times the spec was applied
	// lastWarn is the last set of compile warnings logged.
	lastWarn string
}

func newReconciler(sys *modes.System, apply func(*spec.Spec), log *slog.Logger) *reconciler {
	r := &reconciler{sys: sys, apply: apply, log: log, kick: make(chan struct{}, 1), quit: make(chan struct{}), done: make(chan struct{})}
	go r.run()
	return r
}

// changed notes a committed change; it never blocks (it is called with
// the system's lock held).
func (r *reconciler) changed() {
	select {
	case r.kick <- struct{}{}:
	default:
	}
}

// stop ends the goroutine.
func (r *reconciler) stop() {
	r.once.Do(func() { close(r.quit) })
	<-r.done
}

func (r *reconciler) run() {
	defer close(r.done)
	for {
		select {
		case <-r.quit:
			return
		case <-r.kick:
		}
		if !r.settle() {
			return
		}
		r.reconcile()
	}
}

// settle waits for the end of a burst of changes; false when stopped.
func (r *reconciler) settle() bool {
	quiet := time.NewTimer(applyQuiet)
	defer quiet.Stop()
	limit := time.NewTimer(applyMax)
	defer limit.Stop()
	for {
		select {
		case <-r.quit:
			return false
		case <-r.kick:
			quiet.Reset(applyQuiet)
		case <-quiet.C:
			return true
		case <-limit.C:
			return true
		}
	}
}

// reconcile compiles the running-config and applies it.
func (r *reconciler) reconcile() {
	var s *spec.Spec
	var warns []runningconfig.Warning
	r.sys.Config(func(c *runningconfig.Config) { s, warns = c.Compile() })
	var text strings.Builder
	for _, w := range warns {
		text.WriteString(w.String() + "\n")
	}
	if text.String() != r.lastWarn {
		r.lastWarn = text.String()
		for _, w := range warns {
			r.log.Info("configuration not applied", "object", w.Object, "why", w.Message)
		}
	}
	r.apply(s)
	r.applies.Add(1)
}
