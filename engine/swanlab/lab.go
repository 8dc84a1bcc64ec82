package swanlab

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
)

// Paths of the Debian strongSwan 5.9.8 binaries and of the one plugin that
// makes a data plane possible on a kernel without ESP (see strongswan-lab.md).
const (
	charonPath   = "/usr/lib/ipsec/charon"
	libipsecPath = "/usr/lib/ipsec/plugins/libstrongswan-kernel-libipsec.so"
	tunPath      = "/dev/net/tun"
)

// Addresses of the two ends of the veth link. They come from the RFC 2544
// benchmarking range and exist only inside the lab's namespaces, so several
// labs (or other tests) can use them at the same time.
const (
	// AddrA is the address of namespace A on the link (the responder slot).
	AddrA = "198.18.0.1"
	// AddrB is the address of namespace B on the link (the initiator slot).
	AddrB = "198.18.0.2"
	// LinkName is the name of the veth end in each namespace.
	LinkName   = "wan0"
	linkPrefix = 24
)

// cmdTimeout bounds every ip(8) and swanctl(8) invocation.
const cmdTimeout = 10 * time.Second

// requireEnv names the variable that turns the harness's skips into
// failures, for CI jobs that must exercise the real peer.
const requireEnv = "SWANLAB_REQUIRE"

var labSeq atomic.Uint64

// Lab is a pair of network namespaces joined by a veth link, created for
// one test and removed by its cleanup, with zero or more charon instances
// running inside them.
type Lab struct {
	t TB
	// NSA and NSB are the names of the two namespaces (ip netns).
	NSA, NSB string
}

// Available reports why the harness cannot run on this machine, or "" if
// it can: it needs root, the ip(8) netns support, a TUN device and the
// strongSwan charon, swanctl and kernel-libipsec plugin.
func Available() string {
	if os.Geteuid() != 0 {
		return "not root: network namespaces need CAP_SYS_ADMIN"
	}
	if _, err := exec.LookPath("ip"); err != nil {
		return "ip(8) not found (package iproute2)"
	}
	if _, err := exec.LookPath("swanctl"); err != nil {
		return "swanctl not found (package strongswan-swanctl)"
	}
	for _, f := range []struct{ path, why string }{
		{charonPath, "package strongswan-charon"},
		{libipsecPath, "package libcharon-extra-plugins"},
		{tunPath, "no TUN device for kernel-libipsec"},
	} {
		if _, err := os.Stat(f.path); err != nil {
			return fmt.Sprintf("%s missing (%s)", f.path, f.why)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), cmdTimeout)
	defer cancel()
	if out, err := exec.CommandContext(ctx, "ip", "netns", "list").CombinedOutput(); err != nil {
		return fmt.Sprintf("ip netns unusable: %v: %s", err, bytes.TrimSpace(out))
	}
	return ""
}

// skip skips the test with reason, or fails it when SWANLAB_REQUIRE=1.
func skip(t TB, reason string) {
	t.Helper()
	if os.Getenv(requireEnv) == "1" {
		t.Fatalf("swanlab: %s (and %s=1)", reason, requireEnv)
	}
	t.Skip("swanlab: " + reason)
}

// New creates the two namespaces and the veth link between them, with
// lo and the link up and AddrA/AddrB assigned. Nothing is created in the
// caller's namespace: the veth pair is created inside A and its peer end
// is moved to B. Everything is removed by t.Cleanup, also when the test
// fails. New skips the test (see Available) when the machine cannot host
// the lab.
func New(t TB) *Lab {
	t.Helper()
	if why := Available(); why != "" {
		skip(t, why)
	}
	reapStale(t)
	n := labSeq.Add(1)
	l := &Lab{
		t:   t,
		NSA: fmt.Sprintf("fxv-%d-%d-a", os.Getpid(), n),
		NSB: fmt.Sprintf("fxv-%d-%d-b", os.Getpid(), n),
	}
	for _, ns := range []string{l.NSA, l.NSB} {
		if _, err := run("ip", "netns", "add", ns); err != nil {
			skip(t, fmt.Sprintf("ip netns add unusable: %v", err))
		}
		t.Cleanup(func() {
			if _, err := run("ip", "netns", "delete", ns); err != nil {
				t.Errorf("swanlab cleanup: %v", err)
			}
		})
	}
	steps := [][]string{
		{"ip", "-n", l.NSA, "link", "add", LinkName, "type", "veth", "peer", "name", LinkName, "netns", l.NSB},
		{"ip", "-n", l.NSA, "addr", "add", fmt.Sprintf("%s/%d", AddrA, linkPrefix), "dev", LinkName},
		{"ip", "-n", l.NSB, "addr", "add", fmt.Sprintf("%s/%d", AddrB, linkPrefix), "dev", LinkName},
	}
	for _, ns := range []string{l.NSA, l.NSB} {
		steps = append(steps,
			[]string{"ip", "-n", ns, "link", "set", "lo", "up"},
			[]string{"ip", "-n", ns, "link", "set", LinkName, "up"})
	}
	for _, s := range steps {
		if _, err := run(s[0], s[1:]...); err != nil {
			t.Fatalf("swanlab: %v", err)
		}
	}
	return l
}

// Exec runs a command inside namespace ns with a bounded run time and
// returns its combined output.
func (l *Lab) Exec(ns string, name string, args ...string) (string, error) {
	return run("ip", append([]string{"netns", "exec", ns, name}, args...)...)
}

// run executes name with args, bounded by cmdTimeout, and returns the
// combined output; the error names the command and carries its output.
func run(name string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), cmdTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.WaitDelay = time.Second
	out, err := cmd.CombinedOutput()
	if err != nil {
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			err = fmt.Errorf("timed out after %v", cmdTimeout)
		}
		return string(out), fmt.Errorf("%s %s: %w: %s", name, strings.Join(args, " "), err, bytes.TrimSpace(out))
	}
	return string(out), nil
}

// reapStale deletes the empty namespaces that an earlier test binary of
// this harness left behind when it was killed before its cleanups ran
// (e.g. by go test -timeout): only names of the form fxv-<pid>-<n>-<a|b>
// whose <pid> no longer exists and that hold no process.
func reapStale(t TB) {
	t.Helper()
	out, err := run("ip", "netns", "list")
	if err != nil {
		return
	}
	for _, line := range strings.Split(out, "\n") {
		name, _, _ := strings.Cut(strings.TrimSpace(line), " ")
		parts := strings.Split(name, "-")
		if len(parts) != 4 || parts[0] != "fxv" {
			continue
		}
		pid, err := strconv.Atoi(parts[1])
		if err != nil || pid <= 0 || !errors.Is(syscall.Kill(pid, 0), syscall.ESRCH) {
			continue
		}
		if pids, err := run("ip", "netns", "pids", name); err != nil || strings.TrimSpace(pids) != "" {
			continue
		}
		if _, err := run("ip", "netns", "delete", name); err != nil {
			t.Logf("swanlab: removing stale namespace %s: %v", name, err)
		}
	}
}
