package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// ptyTimeout bounds every wait of the pseudo-terminal test.
const ptyTimeout = 10 * time.Second

// buildBinary builds flexvpnd into a temporary directory.
func buildBinary(t testing.TB) string {
	t.Helper()
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go tool not found:", err)
	}
	bin := filepath.Join(t.TempDir(), "flexvpnd")
	out, err := exec.Command(gobin, "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// openPTY opens a pseudo-terminal pair of 24x80 characters: the master
// (ptmx) and the slave terminal.
func openPTY() (master, slave *os.File, err error) {
	master, err = os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		return nil, nil, fmt.Errorf("open /dev/ptmx: %w", err)
	}
	fd := int(master.Fd())
	n, err := unix.IoctlGetInt(fd, unix.TIOCGPTN)
	if err == nil {
		err = unix.IoctlSetPointerInt(fd, unix.TIOCSPTLCK, 0)
	}
	if err == nil {
		err = unix.IoctlSetWinsize(fd, unix.TIOCSWINSZ, &unix.Winsize{Row: 24, Col: 80})
	}
	if err == nil {
		slave, err = os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	}
	if err != nil {
		master.Close()
		return nil, nil, fmt.Errorf("pseudo-terminal: %w", err)
	}
	return master, slave, nil
}

// screen collects what the program writes to its terminal.
type screen struct {
	mu   sync.Mutex
	buf  bytes.Buffer
	seen int // bytes already matched by expect
	more chan struct{}
}

func (s *screen) read(master *os.File) {
	b := make([]byte, 4096)
	for {
		n, err := master.Read(b)
		s.mu.Lock()
		s.buf.Write(b[:n])
		s.mu.Unlock()
		select {
		case s.more <- struct{}{}:
		default:
		}
		if err != nil {
			return
		}
	}
}

// ansi matches the terminal control sequences readline draws with.
var ansi = regexp.MustCompile("\x1b\\[[0-9;]*[A-Za-z]|\r")

// expect waits until the screen shows want (control sequences removed)
// after what earlier calls matched.
func (s *screen) expect(t *testing.T, want string) {
	t.Helper()
	deadline := time.After(ptyTimeout)
	for {
		s.mu.Lock()
		text := ansi.ReplaceAllString(s.buf.String()[s.seen:], "")
		if i := strings.Index(text, want); i >= 0 {
			// Consume the raw bytes up to the end of the match.
			raw := s.buf.String()[s.seen:]
			for k := 0; k <= len(raw); k++ {
				if strings.Contains(ansi.ReplaceAllString(raw[:k], ""), want) {
					s.seen += k
					break
				}
			}
			s.mu.Unlock()
			return
		}
		s.mu.Unlock()
		select {
		case <-s.more:
		case <-time.After(50 * time.Millisecond):
		case <-deadline:
			t.Fatalf("timed out waiting for %q; screen after the last match:\n%q", want, text)
		}
	}
}

// TestConsoleOnPTY drives the real binary through a pseudo-terminal: `?`
// is answered without Enter, TAB completes, the prompt follows
// `configure terminal`, Ctrl-C abandons a line, the history recalls one,
// Ctrl-Z returns to exec, bare `configure` asks, and `exit` ends the
// console.
func TestConsoleOnPTY(t *testing.T) {
	bin := buildBinary(t)
	master, slave, err := openPTY()
	if err != nil {
		t.Skip(err)
	}
	defer master.Close()
	cmd := exec.Command(bin, "--startup-config", filepath.Join(t.TempDir(), "startup-config"))
	cmd.Stdin, cmd.Stdout, cmd.Stderr = slave, slave, slave
	cmd.Env = append(os.Environ(), "TERM=vt100")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	slave.Close()
	var waitErr error
	exited := make(chan struct{})
	go func() {
		waitErr = cmd.Wait()
		close(exited)
	}()
	t.Cleanup(func() {
		select {
		case <-exited:
		default:
			cmd.Process.Kill()
			<-exited
		}
	})
	scr := &screen{more: make(chan struct{}, 1)}
	go scr.read(master)
	send := func(keys string) {
		t.Helper()
		if _, err := master.WriteString(keys); err != nil {
			t.Fatal(err)
		}
	}

	scr.expect(t, "Router#")
	send("conf t\r")
	scr.expect(t, "Enter configuration commands, one per line.  End with CNTL/Z.\n")
	scr.expect(t, "Router(config)#")
	// `?` without Enter: the line with its '?', the help, a blank line and
	// the prompt again with the partial line.
	send("hostname ?")
	scr.expect(t, "Router(config)#hostname ?\n  WORD  This system's network name\n\nRouter(config)#hostname ")
	send("\x15") // Ctrl-U: abandon the line
	send("ho?")
	scr.expect(t, "Router(config)#ho?\nhostname  \n\nRouter(config)#ho")
	// TAB completes "ho" to "hostname ".
	send("\t")
	scr.expect(t, "Router(config)#hostname ")
	send("PTY\r")
	scr.expect(t, "PTY(config)#")
	// Ctrl-C abandons the line.
	send("hostname ZZ\x03")
	scr.expect(t, "^C\nPTY(config)#")
	// Up recalls the last line, which is edited and entered.
	send("\x1b[A")
	scr.expect(t, "PTY(config)#hostname PTY")
	send("\x7f\x7f\x7fHIS\r")
	scr.expect(t, "HIS(config)#")
	send("\x1a") // Ctrl-Z
	scr.expect(t, "\nHIS#")
	// Bare `configure` asks; Enter takes the default.
	send("configure\r")
	scr.expect(t, "Configuring from terminal, memory, or network [terminal]? ")
	send("\r")
	scr.expect(t, "Enter configuration commands, one per line.  End with CNTL/Z.\nHIS(config)#")
	send("end\r")
	scr.expect(t, "HIS#")
	send("exit\r")
	select {
	case <-exited:
		if waitErr != nil {
			t.Fatalf("flexvpnd: %v", waitErr)
		}
	case <-time.After(ptyTimeout):
		t.Fatal("flexvpnd did not exit after `exit`")
	}
}
