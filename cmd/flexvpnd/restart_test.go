package main

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// daemon is flexvpnd started as its systemd unit starts it (--ssh, so it
// runs until SIGTERM), in a namespace, with its console on a pipe.
type daemon struct {
	t       *testing.T
	cmd     *exec.Cmd
	console io.WriteCloser
	out     *lockedBuffer // the console
	log     *lockedBuffer // standard error
	exited  chan struct{}
	markers int
}

// startDaemon starts bin in namespace ns with the startup-config and the
// state directory of dir, stopped with SIGTERM at the end of the test if
// it still runs.
func startDaemon(t *testing.T, bin, ns, dir string, flags ...string) *daemon {
	t.Helper()
	args := append([]string{"netns", "exec", ns, bin, "--startup-config", filepath.Join(dir, "startup-config"),
		"--state-dir", dir, "--ssh", "127.0.0.1:0"}, flags...)
	d := &daemon{t: t, cmd: exec.Command("ip", args...), out: &lockedBuffer{}, log: &lockedBuffer{}, exited: make(chan struct{})}
	d.cmd.Stdout, d.cmd.Stderr = d.out, d.log
	var err error
	if d.console, err = d.cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	if err := d.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		d.cmd.Wait()
		close(d.exited)
	}()
	t.Cleanup(func() {
		select {
		case <-d.exited:
		default:
			d.terminate()
		}
		t.Logf("flexvpnd in %s, console:\n%s\nlog:\n%s", ns, d.out.String(), d.log.String())
	})
	return d
}

// terminate ends the console input, as systemd's StandardInput=null
// does, so that flexvpnd serves SSH until a signal; then sends SIGTERM
// (ip netns exec became flexvpnd: the PID is its) and waits for a clean
// exit, killing it after ten seconds.
func (d *daemon) terminate() {
	d.t.Helper()
	d.console.Close()
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(d.log.String(), "serving ssh until SIGINT or SIGTERM") && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	d.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-d.exited:
		if !d.cmd.ProcessState.Success() {
			d.t.Errorf("flexvpnd exited with %v after SIGTERM", d.cmd.ProcessState)
		}
	case <-time.After(10 * time.Second):
		d.cmd.Process.Kill()
		<-d.exited
		d.t.Errorf("flexvpnd did not exit within 10 s of SIGTERM")
	}
}

// exec types lines at the console and returns what the console showed
// for them; a comment line typed after them marks the end.
func (d *daemon) exec(lines ...string) string {
	d.t.Helper()
	d.markers++
	marker := fmt.Sprintf("! end of step %d\n", d.markers)
	start := len(d.out.String())
	io.WriteString(d.console, strings.Join(lines, "\n")+"\n"+marker)
	deadline := time.Now().Add(10 * time.Second)
	for {
		out := d.out.String()[start:]
		if i := strings.Index(out, marker); i >= 0 {
			return out[:i]
		}
		if time.Now().After(deadline) {
			d.t.Fatalf("no answer to %q:\n%s", lines, out)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// waitReady waits until show crypto ikev2 sa has a READY row.
func (d *daemon) waitReady(what string) {
	d.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		out := d.exec("show crypto ikev2 sa")
		if strings.Contains(out, "READY") {
			return
		}
		if time.Now().After(deadline) {
			d.t.Fatalf("%s: no READY IKE SA:\n%s", what, out)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// runningConfig returns show running-config without its prompt lines
// and the log messages the console may show meanwhile.
func (d *daemon) runningConfig() string {
	d.t.Helper()
	out := d.exec("show running-config")
	return consoleNoise.ReplaceAllString(out, "")
}

// consoleNoise matches prompt lines and IOS log messages
// ("%LINK-3-UPDOWN: ...").
var consoleNoise = regexp.MustCompile(`(?m)^(\S+#.*|.*%[A-Z][A-Z0-9_]*-[0-7]-[A-Z0-9_]+: .*)\n`)

// TestWriteMemoryRestart configures a site-to-site tunnel between two
// flexvpnd at their consoles (no startup-config at first), saves it with
// `write memory`, stops both with SIGTERM and starts them again from
// their state directories: the running-configs are the same and the
// tunnel comes back and carries traffic.
func TestWriteMemoryRestart(t *testing.T) {
	if why := nsAvailable(); why != "" {
		t.Skip(why)
	}
	bin := buildBinary(t)
	a, b := netnsPair(t)
	routers := []struct {
		ns, local, remote, addr string
		dir                     string
	}{
		{a, nsOuterA, nsOuterB, "172.31.0.1", t.TempDir()},
		{b, nsOuterB, nsOuterA, "172.31.0.2", t.TempDir()},
	}
	flags := func(local string) []string {
		return []string{"--listen", local, "--dataplane", "userspace", "--log-level", "info"}
	}
	before := map[string]string{}
	var first []*daemon
	for i, r := range routers {
		d := startDaemon(t, bin, r.ns, r.dir, flags(r.local)...)
		config := siteConfig(fmt.Sprintf("R%d", i+1), r.local, r.remote, r.addr, "Restart!Key")
		d.exec(append([]string{"configure terminal"}, strings.Split(strings.TrimSpace(config), "\n")...)...)
		if out := d.exec("write memory"); !strings.Contains(out, "[OK]") {
			t.Fatalf("write memory:\n%s", out)
		}
		before[r.ns] = d.runningConfig()
		first = append(first, d)
	}
	first[0].waitReady("before the restart")
	for i, r := range routers {
		saved, err := os.ReadFile(filepath.Join(r.dir, "startup-config"))
		if err != nil || !strings.Contains(string(saved), "interface Tunnel0") {
			t.Fatalf("startup-config after write memory: %v\n%s", err, saved)
		}
		first[i].terminate()
	}

	var again []*daemon
	for _, r := range routers {
		again = append(again, startDaemon(t, bin, r.ns, r.dir, flags(r.local)...))
	}
	for i, r := range routers {
		if got := again[i].runningConfig(); got != before[r.ns] {
			t.Errorf("%s: show running-config after the restart differs:\n--- before\n%s\n--- after\n%s", r.ns, before[r.ns], got)
		}
	}
	again[0].waitReady("after the restart")
	again[1].waitReady("after the restart")
	if !pingThrough(a, "172.31.0.2", 15) {
		t.Errorf("no ping reply through the tunnel after the restart")
	}
}
