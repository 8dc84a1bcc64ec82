// Command flexvpnd is the FlexVPN appliance: an IOS-style CLI whose
// running-config becomes IKEv2 sessions, IPsec SAs and tunnel interfaces.
//
// Usage:
//
//	flexvpnd [--startup-config PATH]      run the appliance with its console on stdin/stdout
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
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
)

func main() {
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
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "flexvpnd: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	return runAppliance(*startup, ssh, stdin, stdout, stderr)
}
