package ssh

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"

	"github.com/flexvpnd/flexvpnd/modes"
)

// testTimeout bounds every client run and every wait.
const testTimeout = 20 * time.Second

// logBuffer collects the server's log records.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// testServer is a server on 127.0.0.1 with an ephemeral port.
type testServer struct {
	*Server
	port string
	log  *logBuffer
}

// startServer configures the system with the given configuration lines
// through a console session, then serves SSH on 127.0.0.1.
func startServer(t *testing.T, config ...string) *testServer {
	t.Helper()
	sys := modes.NewSystem()
	con := modes.NewSession(sys, "console")
	for _, line := range append(append([]string{"configure terminal"}, config...), "end") {
		if r := con.Exec(line); r.Err != nil {
			t.Fatalf("%s: %v", line, r.Err)
		}
	}
	key, err := LoadHostKey(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	ts := &testServer{log: &logBuffer{}}
	ts.Server = &Server{Sys: sys, HostKey: key, Log: slog.New(slog.NewTextHandler(ts.log, nil))}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	_, ts.port, _ = net.SplitHostPort(l.Addr().String())
	served := make(chan error, 1)
	go func() { served <- ts.Serve(l) }()
	t.Cleanup(func() {
		ts.Close()
		if err := <-served; !errors.Is(err, ErrServerClosed) {
			t.Errorf("Serve: %v", err)
		}
	})
	return ts
}

// waitLog waits until the server logged text (it logs a logout when it
// sees the connection end, after the client exited).
func waitLog(t *testing.T, ts *testServer, text string) {
	t.Helper()
	for deadline := time.Now().Add(testTimeout); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if strings.Contains(ts.log.String(), text) {
			return
		}
	}
	t.Errorf("log does not say %q:\n%s", text, ts.log)
}

// consoleOutput is what the console prints for a command line.
func consoleOutput(t *testing.T, sys *modes.System, line string) string {
	t.Helper()
	var b strings.Builder
	if err := modes.NewSession(sys, "console").Execute(&b, line); err != nil {
		t.Fatalf("%s: %v", line, err)
	}
	return b.String()
}

// sshArgs are the OpenSSH client options of every test: no user or system
// configuration, no host key check.
func (ts *testServer) sshArgs(extra ...string) []string {
	return append([]string{"-F", "/dev/null", "-p", ts.port, "-o", "StrictHostKeyChecking=no",
		"-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR", "-o", "ConnectTimeout=10"}, extra...)
}

// openSSH runs the real OpenSSH client (through sshpass when password is
// not empty) and returns its output and exit status.
func openSSH(t *testing.T, password string, stdin io.Reader, args ...string) (string, int) {
	t.Helper()
	ssh, err := exec.LookPath("ssh")
	if err != nil {
		skipOrFail(t, "ssh client not installed (apt-get install openssh-client)")
	}
	name := ssh
	if password != "" {
		sp, err := exec.LookPath("sshpass")
		if err != nil {
			skipOrFail(t, "sshpass not installed (apt-get install sshpass)")
		}
		name, args = sp, append([]string{"-p", password, ssh}, args...)
	}
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Stdin = stdin
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		return string(out), ee.ExitCode()
	case err != nil:
		t.Fatalf("%s: %v", name, err)
	}
	return string(out), 0
}

// skipOrFail skips a test that needs a missing tool, except in CI.
func skipOrFail(t *testing.T, why string) {
	t.Helper()
	if os.Getenv("CI") != "" {
		t.Fatal(why)
	}
	t.Skip(why)
}

func passwordArgs(ts *testServer, user, command string) []string {
	return ts.sshArgs("-o", "PubkeyAuthentication=no", "-o", "PreferredAuthentications=password",
		"-o", "NumberOfPasswordPrompts=1", user+"@127.0.0.1", command)
}

func TestOpenSSHExecMatchesConsole(t *testing.T) {
	ts := startServer(t, "hostname HUB", "username admin privilege 15 secret s3cret")
	out, code := openSSH(t, "s3cret", nil, passwordArgs(ts, "admin", "show running-config")...)
	if code != 0 {
		t.Fatalf("exit status %d:\n%s\nlog:\n%s", code, out, ts.log)
	}
	if want := consoleOutput(t, ts.Sys, "show running-config"); out != want {
		t.Errorf("ssh output differs from the console's:\n%s\nwant:\n%s", out, want)
	}
	waitLog(t, ts, "ssh login")
	waitLog(t, ts, "ssh logout")
}

func TestOpenSSHRefused(t *testing.T) {
	tests := []struct {
		name, password, logged string
		config                 []string
	}{
		{"wrong password", "wrong", "wrong password", []string{"username admin privilege 15 secret s3cret"}},
		{"unknown user", "s3cret", "unknown user", []string{"username other privilege 15 secret s3cret"}},
		{"no users", "s3cret", "no users configured", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := startServer(t, tt.config...)
			out, code := openSSH(t, tt.password, nil, passwordArgs(ts, "admin", "show running-config")...)
			if code == 0 || strings.Contains(out, "hostname") {
				t.Errorf("login accepted (status %d):\n%s", code, out)
			}
			waitLog(t, ts, tt.logged)
		})
	}
}

// newKey returns a fresh ed25519 key as a signer and as an OpenSSH private
// key file.
func newKey(t *testing.T) (gossh.Signer, string) {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := gossh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	block, err := gossh.MarshalPrivateKey(priv, "test")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "id_ed25519")
	if err := os.WriteFile(path, pem.EncodeToMemory(block), 0o600); err != nil {
		t.Fatal(err)
	}
	return signer, path
}

// keyStringLines are the configuration lines that enter key for user in
// `ip ssh pubkey-chain` as an engineer pastes it: the base64 body folded
// at 72 columns under `key-string`.
func keyStringLines(user string, key gossh.PublicKey) []string {
	lines := []string{"ip ssh pubkey-chain", "username " + user, "key-string"}
	b64 := base64.StdEncoding.EncodeToString(key.Marshal())
	for len(b64) > 72 {
		lines, b64 = append(lines, b64[:72]), b64[72:]
	}
	return append(lines, b64, "exit", "exit", "exit")
}

func TestOpenSSHPublicKey(t *testing.T) {
	signer, keyFile := newKey(t)
	other, _ := newKey(t)
	// admin's key by key-string; guest has another key by its hash (in
	// OpenSSH's colon form); "nobody" is in the chain but not a user.
	config := append([]string{"username admin privilege 15 secret s3cret", "username guest secret g"},
		keyStringLines("admin", signer.PublicKey())...)
	config = append(config, "ip ssh pubkey-chain", "username guest",
		"key-hash "+other.PublicKey().Type()+" "+strings.TrimPrefix(gossh.FingerprintLegacyMD5(other.PublicKey()), "MD5:"), "exit",
		"username nobody", "key-hash "+signer.PublicKey().Type()+" "+gossh.FingerprintLegacyMD5(signer.PublicKey()))
	ts := startServer(t, config...)
	keyArgs := func(user string) []string {
		return ts.sshArgs("-i", keyFile, "-o", "IdentitiesOnly=yes", "-o", "PasswordAuthentication=no",
			"-o", "KbdInteractiveAuthentication=no", user+"@127.0.0.1", "show running-config")
	}
	out, code := openSSH(t, "", nil, keyArgs("admin")...)
	want := consoleOutput(t, ts.Sys, "show running-config")
	if code != 0 || out != want {
		t.Errorf("public-key login: status %d, output:\n%s\nwant:\n%s\nlog:\n%s", code, out, want, ts.log)
	}
	// The chain is shown as IOS does, with the MD5 hash OpenSSH prints.
	hash := strings.ToUpper(strings.ReplaceAll(gossh.FingerprintLegacyMD5(signer.PublicKey()), ":", ""))
	if line := "  username admin\n   key-hash " + signer.PublicKey().Type() + " " + hash + "\n"; !strings.Contains(want, "ip ssh pubkey-chain\n"+line) {
		t.Errorf("show running-config lacks\n%s\ngot:\n%s", line, want)
	}
	// A key listed for a name that is not a configured user, or a user
	// with another key, is refused.
	for _, user := range []string{"nobody", "guest"} {
		if out, code := openSSH(t, "", nil, keyArgs(user)...); code == 0 {
			t.Errorf("%s logged in with a key:\n%s", user, out)
		}
	}
}

// dial logs in with the Go client.
func dial(t *testing.T, ts *testServer, user string, auth gossh.AuthMethod) (*gossh.Client, error) {
	t.Helper()
	return gossh.Dial("tcp", "127.0.0.1:"+ts.port, &gossh.ClientConfig{
		User: user, Auth: []gossh.AuthMethod{auth},
		HostKeyCallback: gossh.InsecureIgnoreHostKey(), Timeout: testTimeout,
	})
}

// run runs a command (exec) or, when command is "", a shell without a
// pseudo-terminal fed with stdin.
func run(t *testing.T, c *gossh.Client, command, stdin string) string {
	t.Helper()
	s, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	s.Stdin = strings.NewReader(stdin)
	var out bytes.Buffer
	s.Stdout = &out
	if command == "" {
		err = s.Shell()
		if err == nil {
			err = s.Wait()
		}
	} else {
		err = s.Run(command)
	}
	if err != nil {
		t.Fatalf("%q: %v\n%s", command, err, out.String())
	}
	return out.String()
}

func TestSharedSystem(t *testing.T) {
	ts := startServer(t, "username admin privilege 15 password 0 pw", "username op password 7 02050D480809")
	a, err := dial(t, ts, "admin", gossh.Password("pw"))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := dial(t, ts, "admin", gossh.Password("pw"))
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	got := run(t, a, "", "configure terminal\nhostname SPOKE\nend\n")
	if !strings.Contains(got, "SPOKE(config)#end") {
		t.Errorf("shell transcript lacks the new prompt:\n%s", got)
	}
	if got := run(t, b, "show running-config | include hostname", ""); got != "hostname SPOKE\n" {
		t.Errorf("other session sees %q", got)
	}
	if got := consoleOutput(t, ts.Sys, "show running-config | include hostname"); got != "hostname SPOKE\n" {
		t.Errorf("console sees %q", got)
	}
	// A level-1 user (type 7 password "cisco") lands in user exec.
	op, err := dial(t, ts, "op", gossh.Password("cisco"))
	if err != nil {
		t.Fatal(err)
	}
	defer op.Close()
	if got := run(t, op, "", "\n"); !strings.Contains(got, "SPOKE>") {
		t.Errorf("level-1 user prompt:\n%s", got)
	}
	// Without an enable secret, a vty cannot enable (IOS).
	if got := run(t, op, "", "enable\nshow running-config\n"); !strings.Contains(got, "SPOKE>enable\n% No password set\n") || strings.Contains(got, "hostname") {
		t.Errorf("enable without an enable secret:\n%s", got)
	}
}

func TestLockout(t *testing.T) {
	ts := startServer(t, "username admin privilege 15 secret s3cret")
	for i := range DefaultAttempts {
		if c, err := dial(t, ts, "admin", gossh.Password("wrong"+strconv.Itoa(i))); err == nil {
			c.Close()
			t.Fatal("wrong password accepted")
		}
	}
	if c, err := dial(t, ts, "admin", gossh.Password("s3cret")); err == nil {
		c.Close()
		t.Fatal("login accepted while blocked")
	}
	waitLog(t, ts, "blocked")
}

func TestThrottle(t *testing.T) {
	now := time.Unix(1000, 0)
	th := NewThrottle()
	th.Now = func() time.Time { return now }
	steps := []struct {
		advance     time.Duration
		fail        bool
		wantBlocked bool
	}{
		{0, true, false}, {time.Second, true, false}, {time.Second, true, false}, {time.Second, true, false},
		// The first four failures fall out of the window.
		{DefaultWithin, true, false},
		{time.Second, true, false}, {time.Second, true, false}, {time.Second, true, false},
		{time.Second, true, true},
		{DefaultBlockFor - time.Second, false, true},
		{time.Second, false, false},
	}
	for i, st := range steps {
		now = now.Add(st.advance)
		if st.fail {
			th.Fail("192.0.2.1")
		}
		if _, got := th.Blocked("192.0.2.1"); got != st.wantBlocked {
			t.Errorf("step %d: blocked = %v, want %v", i, got, st.wantBlocked)
		}
		if _, other := th.Blocked("192.0.2.2"); other {
			t.Errorf("step %d: another address is blocked", i)
		}
	}
}

func TestHostKeyPersistent(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "state")
	k1, err := LoadHostKey(dir)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(filepath.Join(dir, HostKeyFile))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("host key mode %v", fi.Mode().Perm())
	}
	k2, err := LoadHostKey(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(k1.PublicKey().Marshal(), k2.PublicKey().Marshal()) {
		t.Error("host key changed between starts")
	}
	if k1.PublicKey().Type() != gossh.KeyAlgoED25519 {
		t.Errorf("host key type %s", k1.PublicKey().Type())
	}
}

// TestLoginBlockFor checks IOS quiet mode: `login block-for 30 attempts 2
// within 60` refuses every login, the right password included, after two
// failures (fewer than the per-address throttle's), until it is removed.
func TestLoginBlockFor(t *testing.T) {
	ts := startServer(t, "username admin privilege 15 secret s3cret", "login block-for 30 attempts 2 within 60")
	for i := range 2 {
		if c, err := dial(t, ts, "admin", gossh.Password("wrong"+strconv.Itoa(i))); err == nil {
			c.Close()
			t.Fatal("wrong password accepted")
		}
	}
	if c, err := dial(t, ts, "admin", gossh.Password("s3cret")); err == nil {
		c.Close()
		t.Fatal("login accepted in quiet mode")
	}
	waitLog(t, ts, "quiet mode")
	if got := consoleOutput(t, ts.Sys, "show running-config | include ^login"); got != "login block-for 30 attempts 2 within 60\n" {
		t.Errorf("show running-config | include ^login = %q", got)
	}
	con := modes.NewSession(ts.Sys, "console")
	for _, line := range []string{"configure terminal", "no login block-for", "end"} {
		if r := con.Exec(line); r.Err != nil {
			t.Fatalf("%s: %v", line, r.Err)
		}
	}
	c, err := dial(t, ts, "admin", gossh.Password("s3cret"))
	if err != nil {
		t.Fatalf("login refused after no login block-for: %v", err)
	}
	c.Close()
}

// TestVTYLines checks that a connection needs a free vty line that lets
// it in, as on IOS: transport input, access-class, the number of lines.
func TestVTYLines(t *testing.T) {
	user := "username admin privilege 15 secret s3cret"
	tests := []struct {
		name   string
		config []string
		want   string // "" when the login succeeds, else the logged reason
	}{
		{"factory vty 0 4", nil, ""},
		{"transport input ssh", []string{"line vty 0 4", "transport input ssh"}, ""},
		{"transport input telnet", []string{"line vty 0 4", "transport input telnet"}, "transport input of the free vty lines excludes ssh"},
		{"access-class permits", []string{"access-list 10 permit 127.0.0.1", "line vty 0 4", "access-class 10 in"}, ""},
		{"access-class denies", []string{"ip access-list standard MGMT", "permit 10.0.0.0 0.255.255.255", "line vty 0 4", "access-class MGMT in"},
			"access-class of the free vty lines denies the address"},
		{"access-class names no list", []string{"line vty 0 4", "access-class NOPE in"}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ts := startServer(t, append([]string{user}, tc.config...)...)
			c, err := dial(t, ts, "admin", gossh.Password("s3cret"))
			if err == nil {
				c.Close()
			}
			if got := err == nil; got != (tc.want == "") {
				t.Fatalf("login succeeded = %v (err %v), want %v\nlog:\n%s", got, err, tc.want == "", ts.log)
			}
			if tc.want != "" {
				waitLog(t, ts, tc.want)
			}
		})
	}
}

// TestVTYInUse checks that with one vty line a second connection is
// refused while the first holds it, and admitted once it is gone.
func TestVTYInUse(t *testing.T) {
	ts := startServer(t, "username admin privilege 15 secret s3cret", "line vty 0", "transport input ssh", "line vty 1 15", "transport input none")
	first, err := dial(t, ts, "admin", gossh.Password("s3cret"))
	if err != nil {
		t.Fatal(err)
	}
	if c, err := dial(t, ts, "admin", gossh.Password("s3cret")); err == nil {
		c.Close()
		t.Fatal("second connection admitted on a single ssh vty line")
	}
	waitLog(t, ts, "transport input of the free vty lines excludes ssh")
	first.Close()
	for deadline := time.Now().Add(testTimeout); ; time.Sleep(50 * time.Millisecond) {
		c, err := dial(t, ts, "admin", gossh.Password("s3cret"))
		if err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("line not freed after the first connection closed: %v", err)
		}
	}
}

// TestExecTimeout checks that an idle interactive session is closed after
// the line's exec-timeout, and that input keeps it open meanwhile.
func TestExecTimeout(t *testing.T) {
	ts := startServer(t, "username admin privilege 15 secret s3cret", "line vty 0 4", "exec-timeout 0 1")
	c, err := dial(t, ts, "admin", gossh.Password("s3cret"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	s, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	stdin, _ := s.StdinPipe()
	if err := s.Shell(); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	// Typing every 400 ms for 2 s keeps the session open past its 1 s.
	for range 5 {
		time.Sleep(400 * time.Millisecond)
		io.WriteString(stdin, "\n")
	}
	done := make(chan error, 1)
	go func() { done <- s.Wait() }()
	select {
	case <-done:
		if d := time.Since(start); d < 2*time.Second+900*time.Millisecond {
			t.Errorf("session closed after %v, before 1 s of idleness followed the last input", d)
		}
	case <-time.After(testTimeout):
		t.Fatal("idle session not closed")
	}
	waitLog(t, ts, "idle for exec-timeout")
}

// TestSSHLimitsFromConfig checks `ip ssh authentication-retries` (0: one
// attempt only) and `ip ssh time-out` (a connection that does not log in
// is closed after it).
func TestSSHLimitsFromConfig(t *testing.T) {
	ts := startServer(t, "username admin privilege 15 secret s3cret", "ip ssh authentication-retries 0", "ip ssh time-out 1")
	asked := 0
	auth := gossh.RetryableAuthMethod(gossh.PasswordCallback(func() (string, error) {
		asked++
		return "wrong" + strconv.Itoa(asked), nil
	}), 5)
	if c, err := dial(t, ts, "admin", auth); err == nil {
		c.Close()
		t.Fatal("wrong password accepted")
	}
	if asked != 1 {
		t.Errorf("password asked %d times with authentication-retries 0, want 1", asked)
	}
	conn, err := net.Dial("tcp", "127.0.0.1:"+ts.port)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	start := time.Now()
	conn.SetReadDeadline(time.Now().Add(testTimeout))
	io.Copy(io.Discard, conn) // the server's banner, then EOF at the time-out
	if d := time.Since(start); d < 900*time.Millisecond || d > 5*time.Second {
		t.Errorf("silent connection closed after %v, want about 1 s (ip ssh time-out 1)", d)
	}
}
