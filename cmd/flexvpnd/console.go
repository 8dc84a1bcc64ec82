package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/flexvpnd/flexvpnd/modes"
)

// runAppliance loads the startup-config and serves the console on
// stdin/stdout until the console session exits or input ends.
func runAppliance(startup string, stdin io.Reader, stdout, stderr io.Writer) int {
	sys := modes.NewSystem()
	sys.StartupPath = startup
	if f, err := os.Open(startup); err == nil {
		diags, err := modes.Load(sys, f)
		f.Close()
		if err != nil {
			fmt.Fprintf(stderr, "flexvpnd: startup-config %s: %v\n", startup, err)
		}
		for _, d := range diags {
			if d.Err != nil {
				fmt.Fprintf(stderr, "flexvpnd: %s:%d: %s: %s\n", startup, d.Line, strings.TrimSpace(d.Text), d.Err)
			}
		}
	} else if !os.IsNotExist(err) {
		fmt.Fprintf(stderr, "flexvpnd: startup-config: %v\n", err)
	}
	sess := modes.NewSession(sys, "console")
	return serveTranscript(sess, stdin, stdout)
}

// serveTranscript runs a non-terminal console: each input line is echoed
// after the prompt like a serial console transcript, then its output.
func serveTranscript(sess *modes.Session, stdin io.Reader, stdout io.Writer) int {
	sc := bufio.NewScanner(stdin)
	sc.Buffer(make([]byte, 0, 64*1024), 1024*1024)
	for sc.Scan() {
		if err := sess.WriteTranscript(stdout, strings.TrimSuffix(sc.Text(), "\r")); err == modes.ErrExit {
			return 0
		}
	}
	return 0
}
