package main

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/flexvpnd/flexvpnd/modes"
	"github.com/flexvpnd/flexvpnd/modes/console"
)

// runAppliance starts the engine, loads the startup-config and serves the
// console until the console session exits or input ends: the interactive
// console when stdin and stdout are the process's terminal, the
// transcript console otherwise. With SSH, it then serves SSH until SIGINT or SIGTERM.
func runAppliance(startup string, ssh sshOptions, eng engineOptions, stdin io.Reader, stdout, stderr io.Writer) int {
	sys := modes.NewSystem()
	sys.StartupPath = startup
	sys.Version = Version()
	defer sys.Log.Close()
	ae, err := startEngine(sys, eng, applianceLogger(sys.Log, stderr, eng.LogLevel))
	if err != nil {
		// The CLI still serves, as a router's does without its crypto.
		fmt.Fprintf(stderr, "flexvpnd: engine not started: %v\n", err)
	} else {
		defer ae.stop()
	}
	loadStartup(sys, startup, stderr)
	if ae != nil {
		ae.rec.changed() // an empty or missing startup-config too
	}
	var sshd *sshService
	if ssh.Addr != "" {
		var err error
		if sshd, err = startSSH(sys, ssh, stderr); err != nil {
			fmt.Fprintf(stderr, "flexvpnd: %v\n", err)
			return 1
		}
	}
	sess := modes.NewSession(sys, "console")
	if stdin == io.Reader(os.Stdin) && stdout == io.Writer(os.Stdout) && console.IsTerminal() {
		err = console.Interactive(sess)
	} else {
		err = console.NewTranscript(sess, stdout).Run(stdin)
	}
	if err != nil {
		fmt.Fprintf(stderr, "flexvpnd: %v\n", err)
		if sshd != nil {
			sshd.close()
		}
		return 1
	}
	if sshd != nil {
		return sshd.serveUntilSignal()
	}
	return 0
}

// loadStartup loads the startup-config file, if there is one, reporting
// the lines it rejects.
func loadStartup(sys *modes.System, path string, stderr io.Writer) {
	f, err := os.Open(path)
	if err != nil {
		if !os.IsNotExist(err) {
			fmt.Fprintf(stderr, "flexvpnd: startup-config: %v\n", err)
		}
		return
	}
	defer f.Close()
	diags, err := modes.Load(sys, f)
	if err != nil {
		fmt.Fprintf(stderr, "flexvpnd: startup-config %s: %v\n", path, err)
	}
	for _, d := range diags {
		if d.Err != nil {
			fmt.Fprintf(stderr, "flexvpnd: %s:%d: %s: %s\n", path, d.Line, strings.TrimSpace(d.Text), d.Err)
		}
	}
}
