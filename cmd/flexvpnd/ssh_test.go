package main

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// sshTimeout bounds every wait of the SSH test.
const sshTimeout = 20 * time.Second

var listeningRE = regexp.MustCompile(`msg="ssh server listening" addr=127\.0\.0\.1:(\d+)`)

// TestSSHAppliance runs flexvpnd with --ssh as a daemon (no console
// input), logs in with the real OpenSSH client and the user of the
// startup-config, runs `show running-config`, and stops it with SIGTERM.
func TestSSHAppliance(t *testing.T) {
	sshBin, err1 := exec.LookPath("ssh")
	sshpass, err2 := exec.LookPath("sshpass")
	if err1 != nil || err2 != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("ssh or sshpass missing:", err1, err2)
		}
		t.Skip("ssh or sshpass missing (apt-get install openssh-client sshpass)")
	}
	bin := buildBinary(t)
	dir := t.TempDir()
	startup := filepath.Join(dir, "startup-config")
	if err := os.WriteFile(startup, []byte("hostname EDGE\nusername admin privilege 15 secret s3cret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	state := filepath.Join(dir, "state")
	ctx, cancel := context.WithTimeout(context.Background(), 3*sshTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "--startup-config", startup, "--state-dir", state, "--ssh", "127.0.0.1:0")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	port := make(chan string, 1)
	logged := make(chan string, 1)
	go func() {
		var all strings.Builder
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			all.WriteString(sc.Text() + "\n")
			if m := listeningRE.FindStringSubmatch(sc.Text()); m != nil {
				port <- m[1]
			}
		}
		logged <- all.String()
	}()
	var p string
	select {
	case p = <-port:
	case <-time.After(sshTimeout):
		cmd.Process.Kill()
		t.Fatalf("flexvpnd did not report its ssh address; log:\n%s", <-logged)
	}
	sctx, scancel := context.WithTimeout(ctx, sshTimeout)
	defer scancel()
	out, err := exec.CommandContext(sctx, sshpass, "-p", "s3cret", sshBin, "-F", "/dev/null", "-p", p,
		"-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR",
		"-o", "PubkeyAuthentication=no", "admin@127.0.0.1", "show running-config").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "hostname EDGE\n") || !strings.Contains(string(out), "username admin privilege 15 secret 9 $9$") {
		t.Errorf("ssh show running-config: %v\n%s", err, out)
	}
	if fi, err := os.Stat(filepath.Join(state, "ssh_host_ed25519_key")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("host key: %v %v", fi, err)
	}
	cmd.Process.Signal(syscall.SIGTERM)
	// The log is read to its end before Wait closes the pipe.
	if log := <-logged; !strings.Contains(log, "ssh login") || !strings.Contains(log, "stopping") {
		t.Errorf("log lacks the login or the stop:\n%s", log)
	}
	if err := cmd.Wait(); err != nil {
		t.Errorf("flexvpnd after SIGTERM: %v", err)
	}
}
