package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/flexvpnd/flexvpnd/engine/dataplane/xfrm"
)

// Addresses of the namespace test: the two routers' outer addresses on a
// veth link, from the benchmarking range of RFC 2544 (198.18.0.0/15).
const (
	nsOuterA = "198.18.10.1"
	nsOuterB = "198.18.10.2"
)

// nsAvailable says why the namespace test cannot run here, "" when it can.
func nsAvailable() string {
	if os.Geteuid() != 0 {
		return "needs root for network namespaces"
	}
	if _, err := exec.LookPath("ip"); err != nil {
		return "iproute2 (ip) not installed"
	}
	if len(pingCmd()) == 0 {
		return "neither ping nor busybox installed"
	}
	return ""
}

// pingCmd returns the ping command: ping, else busybox's.
func pingCmd() []string {
	if _, err := exec.LookPath("ping"); err == nil {
		return []string{"ping"}
	}
	if _, err := exec.LookPath("busybox"); err == nil {
		return []string{"busybox", "ping"}
	}
	return nil
}

// ipCmd runs ip with args, bounded in time.
func ipCmd(t testing.TB, args ...string) {
	t.Helper()
	cmd := exec.Command("ip", args...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("ip %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// netnsPair creates two namespaces joined by a veth link with the outer
// addresses, removed by t.Cleanup (the link goes with them).
func netnsPair(t *testing.T) (a, b string) {
	t.Helper()
	a, b = fmt.Sprintf("fxe-%d-a", os.Getpid()), fmt.Sprintf("fxe-%d-b", os.Getpid())
	for _, ns := range []string{a, b} {
		exec.Command("ip", "netns", "delete", ns).Run() // a leftover of a killed run
		ipCmd(t, "netns", "add", ns)
		t.Cleanup(func() {
			if out, err := exec.Command("ip", "netns", "delete", ns).CombinedOutput(); err != nil {
				t.Errorf("ip netns delete %s: %v\n%s", ns, err, out)
			}
		})
	}
	ipCmd(t, "-n", a, "link", "add", "wan0", "type", "veth", "peer", "name", "wan0", "netns", b)
	ipCmd(t, "-n", a, "addr", "add", nsOuterA+"/24", "dev", "wan0")
	ipCmd(t, "-n", b, "addr", "add", nsOuterB+"/24", "dev", "wan0")
	for _, ns := range []string{a, b} {
		ipCmd(t, "-n", ns, "link", "set", "lo", "up")
		ipCmd(t, "-n", ns, "link", "set", "wan0", "up")
	}
	return a, b
}

// nsProcess is flexvpnd running in a namespace: its console input and
// what it printed.
type nsProcess struct {
	console io.Writer
	out     *lockedBuffer
}

// runInNetns runs the flexvpnd binary in namespace ns with the
// startup-config config and the given flags; its console reads a pipe
// that stays open until the test ends, when the process is stopped.
func runInNetns(t testing.TB, bin, ns, config string, flags ...string) nsProcess {
	t.Helper()
	dir := t.TempDir()
	startup := filepath.Join(dir, "startup-config")
	if err := os.WriteFile(startup, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	args := append([]string{"netns", "exec", ns, bin, "--startup-config", startup, "--state-dir", dir}, flags...)
	cmd := exec.Command("ip", args...)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out := &lockedBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stdin.Close() // the console ends at the end of its input
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			cmd.Process.Kill()
			<-done
			t.Errorf("flexvpnd in %s did not exit at the end of its input", ns)
		}
		t.Logf("flexvpnd in %s:\n%s", ns, out.String())
	})
	return nsProcess{console: stdin, out: out}
}

// lockedBuffer is a bytes.Buffer safe for a writer and a reader.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// pingThrough pings addr from namespace ns, once a second at most tries
// times, and reports whether a reply came.
func pingThrough(ns, addr string, tries int) bool {
	args := append(append([]string{"netns", "exec", ns}, pingCmd()...), "-c", "1", "-W", "1", addr)
	for range tries {
		if exec.Command("ip", args...).Run() == nil {
			return true
		}
		time.Sleep(200 * time.Millisecond)
	}
	return false
}

// TestEngineNamespaces runs two flexvpnd processes in two network
// namespaces, configured only by their IOS startup-configs as a
// site-to-site static VTI, with a real data plane: the tunnel comes up and
// carries pings between the tunnel addresses.
func TestEngineNamespaces(t *testing.T) {
	if why := nsAvailable(); why != "" {
		t.Skip(why)
	}
	bin := buildBinary(t)
	for _, dp := range []string{"userspace", "xfrm"} {
		t.Run(dp, func(t *testing.T) {
			a, b := netnsPair(t)
			if dp == "xfrm" {
				if err := xfrm.Probe("/run/netns/" + a); err != nil {
					t.Skipf("kernel data plane unavailable here (engine/dataplane/xfrm runs its tests in a VM): %v", err)
				}
			}
			left := runInNetns(t, bin, a, siteConfig("LEFT", nsOuterA, nsOuterB, "172.31.0.1", "S2S-Secret!2024"), "--listen", nsOuterA, "--dataplane", dp, "--log-level", "info")
			runInNetns(t, bin, b, siteConfig("RIGHT", nsOuterB, nsOuterA, "172.31.0.2", "S2S-Secret!2024"), "--listen", nsOuterB, "--dataplane", dp, "--log-level", "info")
			if !pingThrough(a, "172.31.0.2", 15) {
				t.Fatalf("no ping reply through the tunnel:\n%s", left.out.String())
			}
			if !pingThrough(b, "172.31.0.1", 3) {
				t.Errorf("no ping reply from RIGHT to LEFT")
			}
			io.WriteString(left.console, "show crypto ikev2 sa\n")
			deadline := time.Now().Add(5 * time.Second)
			for !strings.Contains(left.out.String(), "READY") {
				if time.Now().After(deadline) {
					t.Fatalf("show crypto ikev2 sa shows no READY SA:\n%s", left.out.String())
				}
				time.Sleep(50 * time.Millisecond)
			}
		})
	}
}
