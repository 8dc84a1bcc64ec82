package ssh

import (
	"strings"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"
)

// TestShowUsers lists the SSH sessions on their vty lines: each sees
// itself marked, with its user and address, and the other one.
func TestShowUsers(t *testing.T) {
	ts := startServer(t, "username admin privilege 15 password 0 pw", "username op privilege 15 password 0 pw2")
	a, err := dial(t, ts, "admin", gossh.Password("pw"))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	got := run(t, a, "show users", "")
	if !strings.Contains(got, "*  2 vty 0     admin      idle                 00:00:00 127.0.0.1\n") {
		t.Fatalf("show users over ssh:\n%s", got)
	}
	// While the first connection runs a shell on vty 0, a second one on
	// vty 1 sees both lines.
	shell, err := a.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	stdin, err := shell.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := shell.Shell(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		stdin.Close()
		shell.Wait()
	}()
	b, err := dial(t, ts, "op", gossh.Password("pw2"))
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	for range 100 {
		if got = run(t, b, "show users", ""); strings.Contains(got, "   2 vty 0     admin") {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if !strings.Contains(got, "   2 vty 0     admin      idle ") || !strings.Contains(got, "*  3 vty 1     op         idle                 00:00:00 127.0.0.1\n") {
		t.Fatalf("show users from the second connection:\n%s", got)
	}
}
