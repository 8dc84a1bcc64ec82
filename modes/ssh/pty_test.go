package ssh

import (
	"bytes"
	"context"
	"io"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"
)

// screen is what the ssh client prints, matched in order by expect.
type screen struct {
	mu   sync.Mutex
	buf  bytes.Buffer
	seen int
}

func (s *screen) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.Write(p)
}

// expect waits until want appears after what was matched before.
func (s *screen) expect(t *testing.T, want string) {
	t.Helper()
	deadline := time.Now().Add(testTimeout)
	for time.Now().Before(deadline) {
		s.mu.Lock()
		rest := s.buf.String()[s.seen:]
		if i := strings.Index(rest, want); i >= 0 {
			s.seen += i + len(want)
			s.mu.Unlock()
			return
		}
		s.mu.Unlock()
		time.Sleep(20 * time.Millisecond)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t.Fatalf("timed out waiting for %q; screen after last match:\n%q", want, s.buf.String()[s.seen:])
}

func (s *screen) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.String()
}

// TestOpenSSHInteractive drives an interactive session through the real
// client with a pseudo-terminal (-tt): `?` answered at once, TAB, enable
// with the enable secret (not echoed), and exit.
func TestOpenSSHInteractive(t *testing.T) {
	ts := startServer(t, "hostname HUB", "enable secret en4ble", "username op secret opw")
	ssh, err := exec.LookPath("ssh")
	if err != nil {
		skipOrFail(t, "ssh client not installed (apt-get install openssh-client)")
	}
	sshpass, err := exec.LookPath("sshpass")
	if err != nil {
		skipOrFail(t, "sshpass not installed (apt-get install sshpass)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*testTimeout)
	defer cancel()
	args := append([]string{"-p", "opw", ssh, "-tt"}, ts.sshArgs("-o", "PubkeyAuthentication=no",
		"-o", "PreferredAuthentications=password", "op@127.0.0.1")...)
	cmd := exec.CommandContext(ctx, sshpass, args...)
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	scr := &screen{}
	cmd.Stdout, cmd.Stderr = scr, scr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	send := func(keys string) {
		t.Helper()
		if _, err := io.WriteString(in, keys); err != nil {
			t.Fatal(err)
		}
	}
	scr.expect(t, "HUB>")
	send("?")
	scr.expect(t, "Exec commands:")
	scr.expect(t, "Turn on privileged commands")
	send("ena\t")
	scr.expect(t, "enable")
	send("\r")
	scr.expect(t, "Password: ")
	send("wrong\r")
	scr.expect(t, "Password: \r\n% Bad secrets")
	scr.expect(t, "HUB>")
	send("enable\r")
	scr.expect(t, "Password: ")
	send("en4ble\r")
	scr.expect(t, "HUB#")
	send("show ?")
	scr.expect(t, "running-config")
	scr.expect(t, "Current operating configuration")
	send("running-config | include hostname\r")
	scr.expect(t, "hostname HUB\r\n")
	scr.expect(t, "HUB#")
	send("exit\r")
	if err := cmd.Wait(); err != nil {
		t.Errorf("ssh: %v\n%s", err, scr)
	}
	if strings.Contains(scr.String(), "en4ble") || strings.Contains(scr.String(), "wrong") {
		t.Errorf("password echoed:\n%q", scr)
	}
}
