package console

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/flexvpnd/flexvpnd/modes"
)

// screen is a terminal screen the console writes to from its goroutines.
type screen struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *screen) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *screen) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// settle waits until the screen has not changed for a moment.
func (s *screen) settle(t *testing.T) string {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	last := s.String()
	for time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
		now := s.String()
		if now == last && now != "" {
			return now
		}
		last = now
	}
	t.Fatalf("the screen never settled:\n%s", last)
	return ""
}

// TestPaging pages a long show command on an interactive terminal: the
// first screen, Space for the next, Enter for one line, q to stop; then
// `terminal length 0` shows everything at once.
func TestPaging(t *testing.T) {
	s := modes.NewSession(modes.NewSystem(), "console")
	s.EnterConfig()
	for i := range 60 {
		if r := s.Exec(fmt.Sprintf("interface Loopback%d", i)); r.Err != nil {
			t.Fatal(r.Err)
		}
	}
	s.ExitConfig()
	full := s.Exec("show running-config").Output
	lines := strings.SplitAfter(full, "\n")

	in, keys := io.Pipe()
	scr := &screen{}
	done := make(chan error, 1)
	go func() {
		done <- Serve(s, Term{In: in, Out: scr, Width: func() int { return 80 }, Remote: true})
	}()
	defer func() {
		keys.Close()
		<-done
	}()
	typ := func(k string) {
		t.Helper()
		if _, err := io.WriteString(keys, k); err != nil {
			t.Fatal(err)
		}
	}
	// shows checks that the screen shows the output up to line k and no
	// further (the unique interface lines tell).
	shows := func(k int, after string) {
		t.Helper()
		got := scr.settle(t)
		for i, l := range lines {
			if strings.HasPrefix(l, "interface Loopback") && strings.Contains(got, l) != (i < k) {
				t.Fatalf("after %s the screen should show lines 0-%d, line %d %q is wrong:\n%s", after, k-1, i, l, got)
			}
		}
		if k < len(lines)-1 && !strings.HasSuffix(strings.TrimRight(got, " \b\r\x1b[JK2"), strings.TrimSpace(modes.MorePrompt)) {
			t.Fatalf("after %s: no --More-- prompt at the end:\n%q", after, got)
		}
	}
	scr.settle(t)
	typ("show running-config\r")
	shows(23, "the command")
	typ(" ")
	shows(46, "Space")
	typ("\r")
	shows(47, "Enter")
	typ("q")
	scr.settle(t)
	typ("terminal length 0\r")
	scr.settle(t)
	typ("show running-config\r")
	shows(len(lines)-1, "terminal length 0")
	got := scr.String()
	if tail := got[strings.LastIndex(got, "Building configuration"):]; strings.Contains(tail, "--More--") || !strings.Contains(tail, "\nend\n") {
		t.Fatalf("terminal length 0 did not show the whole output at once:\n%q", tail)
	}
}
