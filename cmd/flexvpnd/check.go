package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/flexvpnd/flexvpnd/modes"
	"github.com/flexvpnd/flexvpnd/parser"
	runningconfig "github.com/flexvpnd/flexvpnd/running-config"
)

// runCheck implements `flexvpnd check [--show-running] FILE...`: each file is
// loaded as a startup-config into its own fresh system, without touching the
// network. Exit status: 0 nothing rejected, 1 some line rejected, 2
// unreadable input.
func runCheck(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("flexvpnd check", flag.ContinueOnError)
	fs.SetOutput(stderr)
	showRunning := fs.Bool("show-running", false, "print the resulting show running-config after the diagnostics")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() == 0 {
		fmt.Fprintln(stderr, "usage: flexvpnd check [--show-running] FILE...")
		return 2
	}
	status := 0
	for _, name := range fs.Args() {
		f, err := os.Open(name)
		if err != nil {
			fmt.Fprintf(stderr, "flexvpnd check: %v\n", err)
			return 2
		}
		sys := modes.NewSystem()
		diags, err := modes.Load(sys, f)
		f.Close()
		if err != nil {
			fmt.Fprintf(stderr, "flexvpnd check: %s: %v\n", name, err)
			return 2
		}
		for _, d := range diags {
			if d.Err != nil {
				status = 1
				writeRejected(stdout, name, d)
				continue
			}
			fmt.Fprintf(stdout, "%s:%d: %% Not applied: %s\n", name, d.Line, d.NotApplied)
		}
		if *showRunning {
			sys.Config(func(c *runningconfig.Config) { io.WriteString(stdout, c.ShowRunning()) })
		}
	}
	return status
}

// writeRejected prints a rejected line: "FILE:LINE: TEXT", then the IOS
// error with the caret under the failing token of the text.
func writeRejected(w io.Writer, name string, d modes.Diagnostic) {
	prefix := fmt.Sprintf("%s:%d: ", name, d.Line)
	fmt.Fprintf(w, "%s%s\n", prefix, d.Text)
	var pe *parser.Error
	if errors.As(d.Err, &pe) {
		io.WriteString(w, pe.Format(len(prefix)))
		return
	}
	io.WriteString(w, modes.FormatError(d.Err, prefix))
}
