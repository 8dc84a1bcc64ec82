package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// router is one flexvpnd running in a namespace, driven through its
// console (standard input), as an engineer at the serial console would.
type router struct {
	name    string // HUB, SPOKE1...
	cmd     *exec.Cmd
	console io.WriteCloser
	screen  *syncBuffer // the console output
	log     *syncBuffer // standard error: the engine's log
	exited  chan struct{}
	markers int
}

// startRouter starts flexvpnd in namespace ns with a copy of the
// startup-config config in a fresh state directory under dir (so
// `write memory` never changes the example), with the userspace data
// plane.
func (d *demo) startRouter(name, ns, config, dir string) (*router, error) {
	state := filepath.Join(dir, strings.ToLower(name))
	if err := os.MkdirAll(state, 0o700); err != nil {
		return nil, fmt.Errorf("state directory: %w", err)
	}
	text, err := os.ReadFile(config)
	if err != nil {
		return nil, fmt.Errorf("startup-config: %w", err)
	}
	startup := filepath.Join(state, "startup-config")
	if err := os.WriteFile(startup, text, 0o600); err != nil {
		return nil, fmt.Errorf("startup-config: %w", err)
	}
	r := &router{name: name, screen: &syncBuffer{}, log: &syncBuffer{}, exited: make(chan struct{})}
	// ip netns exec replaces itself with flexvpnd: the PID is flexvpnd's.
	r.cmd = exec.Command("ip", "netns", "exec", ns, d.opts.Binary,
		"--startup-config", startup, "--state-dir", state, "--dataplane", "userspace", "--log-level", "info")
	r.cmd.Stdout, r.cmd.Stderr = r.screen, r.log
	if r.console, err = r.cmd.StdinPipe(); err != nil {
		return nil, fmt.Errorf("console of %s: %w", name, err)
	}
	if err := r.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start flexvpnd for %s: %w", name, err)
	}
	go func() {
		r.cmd.Wait()
		close(r.exited)
	}()
	d.undo.push("flexvpnd of "+name, r.stop)
	return r, nil
}

// stop ends the console input, which ends flexvpnd; it is killed (by its
// PID) if it has not exited within five seconds.
func (r *router) stop() error {
	r.console.Close()
	select {
	case <-r.exited:
		return nil
	case <-time.After(5 * time.Second):
	}
	r.cmd.Process.Kill()
	<-r.exited
	return fmt.Errorf("flexvpnd of %s (pid %d) did not exit at the end of its console input; killed", r.name, r.cmd.Process.Pid)
}

// exec types line at the console and returns what the console showed for
// it: the prompt with the line, then its output. A comment line typed
// after it marks the end of the output.
func (r *router) exec(ctx context.Context, line string) (string, error) {
	r.markers++
	marker := fmt.Sprintf("! demo %d", r.markers)
	start := r.screen.Len()
	if _, err := fmt.Fprintf(r.console, "%s\n%s\n", line, marker); err != nil {
		return "", fmt.Errorf("%s console: %w", r.name, err)
	}
	for {
		screen := r.screen.From(start)
		if i := strings.Index(screen, marker+"\n"); i >= 0 {
			// Cut the prompt echoed before the marker.
			return screen[:strings.LastIndexByte(screen[:i], '\n')+1], nil
		}
		select {
		case <-ctx.Done():
			return "", fmt.Errorf("%s: no answer to %q: %w", r.name, line, ctx.Err())
		case <-r.exited:
			return "", fmt.Errorf("%s: flexvpnd exited (%v); its log:\n%s", r.name, r.cmd.ProcessState, r.log.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// syncBuffer is a bytes.Buffer safe for one writer and readers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

// Len returns the length written so far.
func (s *syncBuffer) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Len()
}

// From returns what was written from offset on.
func (s *syncBuffer) From(offset int) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return string(s.b.Bytes()[offset:])
}

func (s *syncBuffer) String() string { return s.From(0) }
