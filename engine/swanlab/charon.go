package swanlab

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// plugins is charon's explicit, ordered plugin list. kernel-libipsec must
// come before kernel-netlink (the first kernel_ipsec backend registered
// wins) because the kernel has no ESP; kernel-netlink remains the
// kernel_net backend. resolve and updown are left out so that the host's
// /etc/resolv.conf is never touched and no scripts run.
const plugins = "random nonce openssl aes sha1 sha2 hmac gcm pem pkcs1 pkcs8 x509 pubkey " +
	"constraints revocation curve25519 gmp kdf kernel-libipsec kernel-netlink socket-default vici"

// Bounds of the charon life cycle.
const (
	startTimeout = 10 * time.Second
	stopTimeout  = 5 * time.Second
	pollInterval = 50 * time.Millisecond
)

// maxSocketPath keeps the VICI socket path within sun_path (108 bytes).
const maxSocketPath = 100

// CharonOptions tunes one charon instance. The zero value is usable.
type CharonOptions struct {
	// LogLevel is the default file log level (-1..4); 0 means 2, which is
	// what an interop failure needs to be diagnosed.
	LogLevel int
	// Extra is appended verbatim inside the charon { } section of
	// strongswan.conf, e.g. "plugins { kernel-libipsec { allow_peer_ts = yes } }".
	Extra string
	// Plugins are loaded after the lab's own list, e.g. "load-tester"
	// (its options then go in Extra).
	Plugins []string
	// NoWait returns from StartCharon once the process runs, without
	// waiting for VICI: for a load-tester instance, busy initiating from
	// the start, whose caller waits for Done instead.
	NoWait bool
}

// Charon is one charon daemon running inside a lab namespace, with its
// own strongswan.conf, /run (pid file), VICI socket and log file.
type Charon struct {
	t TB
	// NS is the namespace charon runs in.
	NS string
	// Dir holds the instance's configuration, log and socket.
	Dir  string
	cmd  *exec.Cmd
	done chan struct{}
}

// StartCharon starts charon inside namespace ns (one of l.NSA, l.NSB) and
// waits, bounded, until its VICI socket answers. The daemon is stopped by
// t.Cleanup (SIGTERM, then SIGKILL, by PID), and its log is dumped into
// the test output if the test failed.
func (l *Lab) StartCharon(ns string, opts CharonOptions) *Charon {
	t := l.t
	t.Helper()
	dir := stateDir(t)
	c := &Charon{t: t, NS: ns, Dir: dir, done: make(chan struct{})}
	runDir := filepath.Join(dir, "run")
	// swanctl --load-all warns about the credential directories next to
	// --file unless they exist.
	for _, d := range []string{"run", "x509", "x509ca", "private", "rsa", "ecdsa", "pkcs8"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o700); err != nil {
			t.Fatalf("swanlab: %v", err)
		}
	}
	if err := os.WriteFile(c.confPath(), []byte(strongswanConf(dir, opts)), 0o600); err != nil {
		t.Fatalf("swanlab: %v", err)
	}
	// ip netns exec gives the command a private mount namespace; the bind
	// mount gives this charon its own /run for its compiled-in pid file.
	// ip and sh exec in turn, so the PID recorded is charon's.
	cmd := exec.Command("ip", "netns", "exec", ns, "sh", "-c",
		`mount --bind "$1" /run && exec "$2"`, "sh", runDir, charonPath)
	cmd.Env = append(os.Environ(), "STRONGSWAN_CONF="+c.confPath())
	// A process group of its own: the load-tester plugin ends a load test
	// with kill(0, SIGTERM), which must not reach the test binary.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL, Setpgid: true}
	out, err := os.Create(filepath.Join(dir, "charon.stdout"))
	if err != nil {
		t.Fatalf("swanlab: %v", err)
	}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		out.Close()
		t.Fatalf("swanlab: starting charon in %s: %v", ns, err)
	}
	c.cmd = cmd
	go func() {
		_ = cmd.Wait()
		out.Close()
		close(c.done)
	}()
	t.Cleanup(c.cleanup)
	if opts.NoWait {
		return c
	}
	if err := c.waitReady(); err != nil {
		t.Fatalf("swanlab: charon in %s: %v", ns, err)
	}
	return c
}

// stateDir returns a per-instance directory short enough for the VICI
// socket path: t.TempDir(), or a shorter temporary one when the test's
// name makes t.TempDir() too long.
func stateDir(t TB) string {
	dir := t.TempDir()
	if len(dir)+len("/charon.vici") <= maxSocketPath {
		return dir
	}
	dir, err := os.MkdirTemp("", "fxv")
	if err != nil {
		t.Fatalf("swanlab: %v", err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

func (c *Charon) confPath() string { return filepath.Join(c.Dir, "strongswan.conf") }

// LogPath is the path of charon's file log.
func (c *Charon) LogPath() string { return filepath.Join(c.Dir, "charon.log") }

// URI is the VICI socket URI to pass to swanctl --uri.
func (c *Charon) URI() string { return "unix://" + filepath.Join(c.Dir, "charon.vici") }

// PID is the process id of the charon daemon.
func (c *Charon) PID() int { return c.cmd.Process.Pid }

// Done is closed when the charon process has exited (stopped, crashed, or
// finished by itself, like the load-tester's shutdown_when_complete).
func (c *Charon) Done() <-chan struct{} { return c.done }

// waitReady polls swanctl --stats until charon answers, charon exits, or
// startTimeout elapses.
func (c *Charon) waitReady() error {
	deadline := time.Now().Add(startTimeout)
	var last error
	for time.Now().Before(deadline) {
		select {
		case <-c.done:
			return fmt.Errorf("exited during start-up (%v); output: %s", c.cmd.ProcessState, c.readFile("charon.stdout"))
		default:
		}
		if _, last = c.Swanctl("--stats"); last == nil {
			return nil
		}
		time.Sleep(pollInterval)
	}
	return fmt.Errorf("VICI not ready after %v: %w", startTimeout, last)
}

// Swanctl runs swanctl with the command and arguments given (the command
// first, e.g. "--list-sas"), against this charon's VICI socket, bounded in
// time. swanctl runs in the caller's namespace: the socket is a file.
func (c *Charon) Swanctl(args ...string) (string, error) {
	return run("swanctl", append(args, "--uri", c.URI())...)
}

// Stop terminates charon: SIGTERM, then SIGKILL after stopTimeout. It is
// idempotent and also runs from t.Cleanup.
func (c *Charon) Stop() error {
	select {
	case <-c.done:
		return nil
	default:
	}
	if err := c.cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("signalling charon %d: %w", c.PID(), err)
	}
	select {
	case <-c.done:
		return nil
	case <-time.After(stopTimeout):
	}
	if err := c.cmd.Process.Kill(); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("killing charon %d: %w", c.PID(), err)
	}
	select {
	case <-c.done:
		return fmt.Errorf("charon %d ignored SIGTERM for %v", c.PID(), stopTimeout)
	case <-time.After(stopTimeout):
		return fmt.Errorf("charon %d survived SIGKILL for %v", c.PID(), stopTimeout)
	}
}

func (c *Charon) cleanup() {
	if err := c.Stop(); err != nil {
		c.t.Errorf("swanlab cleanup: %v", err)
	}
	if c.t.Failed() {
		c.t.Logf("swanlab: charon log of %s (%s):\n%s", c.NS, c.LogPath(), c.readFile("charon.log"))
	}
}

// readFile returns a file of the state directory, or why it could not.
func (c *Charon) readFile(name string) string {
	b, err := os.ReadFile(filepath.Join(c.Dir, name))
	if err != nil {
		return err.Error()
	}
	return string(b)
}

// strongswanConf renders the instance's strongswan.conf. It includes
// nothing from /etc: the plugin list, socket, log and knobs are all here.
func strongswanConf(dir string, opts CharonOptions) string {
	level := opts.LogLevel
	if level == 0 {
		level = 2
	}
	return fmt.Sprintf(`charon {
    load = %s
    plugins {
        vici {
            socket = unix://%s
        }
    }
    install_routes = yes
    install_virtual_ip = yes
    # one test peer per lab: never throttle it with cookies
    cookie_threshold = 100000
    cookie_threshold_ip = 100000
    block_threshold = 100001
    # fail fast instead of retransmitting for minutes
    retransmit_tries = 3
    retransmit_timeout = 1.0
    filelog {
        lab {
            path = %s
            time_format = %%H:%%M:%%S
            ike_name = yes
            append = no
            default = %d
            flush_line = yes
        }
    }
    syslog {
        daemon {
            default = -1
        }
        auth {
            default = -1
        }
    }
%s
}
`, strings.Join(append([]string{plugins}, opts.Plugins...), " "), filepath.Join(dir, "charon.vici"), filepath.Join(dir, "charon.log"), level, opts.Extra)
}
