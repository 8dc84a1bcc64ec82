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

// Exit statuses of `flexvpnd check`.
const (
	checkOK         = 0 // nothing rejected
	checkRejected   = 1 // some line rejected
	checkUnreadable = 2 // bad usage or unreadable input
)

// runCheck implements `flexvpnd check [--show-running] FILE...`: each file is
// loaded as a startup-config into its own fresh system, without touching the
// network, and its diagnostics are printed in line order: each rejected line
// as "FILE:LINE: TEXT" followed by the caret line and the IOS error, each
// kept-but-not-applied block once as "FILE:LINE: % Not applied: REASON".
// With --show-running the resulting show running-config follows the
// diagnostics of each file. Exit status: 0 nothing rejected, 1 some line
// rejected, 2 unreadable input (the other files are still checked).
func runCheck(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("flexvpnd check", flag.ContinueOnError)
	fs.SetOutput(stderr)
	showRunning := fs.Bool("show-running", false, "print the resulting show running-config after the diagnostics")
	if err := fs.Parse(args); err != nil {
		return checkUnreadable
	}
	if fs.NArg() == 0 {
		fmt.Fprintln(stderr, "usage: flexvpnd check [--show-running] FILE...")
		return checkUnreadable
	}
	status := checkOK
	for _, name := range fs.Args() {
		st, err := checkFile(name, *showRunning, stdout)
		if err != nil {
			fmt.Fprintf(stderr, "flexvpnd check: %v\n", err)
		}
		status = max(status, st)
	}
	return status
}

// checkFile checks one file and returns its exit status.
func checkFile(name string, showRunning bool, w io.Writer) (int, error) {
	f, err := os.Open(name)
	if err != nil {
		return checkUnreadable, err
	}
	defer f.Close()
	sys := modes.NewSystem()
	diags, err := modes.Load(sys, f)
	if err != nil {
		return checkUnreadable, fmt.Errorf("%s: %w", name, err)
	}
	status := checkOK
	for _, d := range diags {
		if d.Err != nil {
			status = checkRejected
			writeRejected(w, name, d)
			continue
		}
		fmt.Fprintf(w, "%s:%d: %% Not applied: %s\n", name, d.Line, d.NotApplied)
	}
	if showRunning {
		sys.Config(func(c *runningconfig.Config) { io.WriteString(w, c.ShowRunning()) })
	}
	return status, nil
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
