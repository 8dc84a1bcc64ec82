// Command flexvpnd is the FlexVPN appliance: an IOS-style CLI whose
// running-config becomes IKEv2 sessions, IPsec SAs and tunnel interfaces.
//
// Usage:
//
//	flexvpnd [--startup-config PATH]      run the appliance with its console on stdin/stdout
//	flexvpnd --ike-port N --nat-port N --listen ADDR,... --dataplane none|userspace|xfrm|auto
//	flexvpnd --ssh ADDR [--state-dir DIR] ...   also serve the CLI over SSH
//	flexvpnd check [--show-running] FILE...   check configuration files offline
//
// On a terminal the console edits lines like IOS: `?` lists what may
// follow at once, TAB completes, Ctrl-Z leaves configuration mode, Ctrl-C
// abandons the line. Otherwise (a pipe or a file) it reads commands line by
// line, echoes each after the prompt like a serial console transcript, and
// exits at the end of the input. The startup-config (default
// /etc/flexvpnd/startup-config) is loaded at boot and written by
// `write memory`.
//
// Every committed configuration change (a line at the console or over SSH,
// a paste, the startup-config) is compiled and applied to the IKEv2 engine
// in the background, a burst of changes at once: tunnels initiate, peers
// are answered, and `show crypto ikev2 sa` shows the sessions.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/flexvpnd/flexvpnd/engine"
	"github.com/flexvpnd/flexvpnd/engine/dataplane"
)

func main() {
	startGCTuner()
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// run is main without the process: it returns the exit status.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == "check" {
		return runCheck(args[1:], stdout, stderr)
	}
	fs := flag.NewFlagSet("flexvpnd", flag.ContinueOnError)
	fs.SetOutput(stderr)
	startup := fs.String("startup-config", "/etc/flexvpnd/startup-config", "startup-config file, loaded at boot and written by `write memory`")
	var ssh sshOptions
	fs.StringVar(&ssh.Addr, "ssh", "", "serve the CLI over SSH on `ADDR` (host:port, e.g. :22); the appliance then runs until SIGINT or SIGTERM")
	fs.StringVar(&ssh.StateDir, "state-dir", "/var/lib/flexvpnd", "state directory (SSH host key)")
	ikePort := fs.Uint("ike-port", 500, "UDP `port` of IKE")
	natPort := fs.Uint("nat-port", 4500, "UDP `port` of IKE and ESP behind a NAT (NAT-T)")
	listen := fs.String("listen", "0.0.0.0,::", "comma-separated local `addresses` of the IKE sockets")
	dp := fs.String("dataplane", "none", "data plane: none (negotiate only), userspace, xfrm (kernel) or auto")
	logLevel := fs.String("log-level", "warn", "engine log `level` on stderr: debug, info, warn or error")
	reactivate := fs.Duration("reactivate", engine.DefaultReactivate, "how often a FlexVPN client on a backup peer probes its preferred peer (`peer reactivate`)")
	resync := fs.Duration("resync", dataplane.DefaultResyncInterval, "how often the data plane repairs kernel state changed behind its back (links, addresses, routes, SAs, policies); 0 never")
	ifMap := fs.String("interface-map", "", "comma-separated `IOS=LINUX` interface names (GigabitEthernet1=eth0,Gi2=ens4) for the host interfaces the config names; unmapped names are taken as Linux names")
	showVersion := fs.Bool("version", false, "print the version and exit")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *showVersion {
		fmt.Fprintf(stdout, "flexvpnd %s\n", Version())
		return 0
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "flexvpnd: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	eng, err := engineFlags(*listen, *ikePort, *natPort, *dp, *logLevel)
	if err != nil {
		fmt.Fprintf(stderr, "flexvpnd: %v\n", err)
		return 2
	}
	eng.Reactivate = *reactivate
	eng.Resync = *resync
	if eng.InterfaceMap, err = parseInterfaceMap(*ifMap); err != nil {
		fmt.Fprintf(stderr, "flexvpnd: %v\n", err)
		return 2
	}
	return runAppliance(*startup, ssh, eng, stdin, stdout, stderr)
}

// engineFlags checks the engine flags.
func engineFlags(listen string, ikePort, natPort uint, dp, logLevel string) (engineOptions, error) {
	opts := engineOptions{IKEPort: uint16(ikePort), NATPort: uint16(natPort), Dataplane: dp}
	if ikePort > 65535 || natPort > 65535 {
		return opts, fmt.Errorf("port out of range: --ike-port %d --nat-port %d", ikePort, natPort)
	}
	if !slices.Contains(dataplanes, dp) {
		return opts, fmt.Errorf("--dataplane %q: want one of %s", dp, strings.Join(dataplanes, ", "))
	}
	if err := opts.LogLevel.UnmarshalText([]byte(logLevel)); err != nil {
		return opts, fmt.Errorf("--log-level: %w", err)
	}
	var err error
	opts.Listen, err = parseListen(listen)
	return opts, err
}
