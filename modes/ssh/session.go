package ssh

import (
	"fmt"
	"io"
	"sync"
	"sync/atomic"

	gossh "golang.org/x/crypto/ssh"

	"github.com/flexvpnd/flexvpnd/modes"
	"github.com/flexvpnd/flexvpnd/modes/console"
)

// defaultWidth is the screen width before the client tells its own.
const defaultWidth = 80

// terminal is the pseudo-terminal a client asked for, if any.
type terminal struct {
	pty   atomic.Bool
	width atomic.Int32

	mu sync.Mutex
	// changed is the line editor's callback for a new width.
	changed func()
}

func (t *terminal) setWidth(cols uint32) {
	if cols == 0 || cols >= 1<<15 {
		return
	}
	t.width.Store(int32(cols))
	t.mu.Lock()
	f := t.changed
	t.mu.Unlock()
	if f != nil {
		f()
	}
}

// onWidthChanged registers the line editor's callback.
func (t *terminal) onWidthChanged(f func()) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.changed = f
}

func (t *terminal) getWidth() int {
	if w := t.width.Load(); w > 0 {
		return int(w)
	}
	return defaultWidth
}

// Request payloads (RFC 4254 section 6).
type (
	ptyRequest struct {
		Term             string
		Cols, Rows, W, H uint32
		Modes            string
	}
	windowChange struct{ Cols, Rows, W, H uint32 }
	execRequest  struct{ Command string }
	exitStatus   struct{ Status uint32 }
)

// serveSession answers the requests of one session channel: pty-req and
// window-change, then one shell or exec request, which runs a CLI session
// until it ends.
func (s *Server) serveSession(ch gossh.Channel, reqs <-chan *gossh.Request, user string, priv int) {
	defer ch.Close()
	term := &terminal{}
	done := make(chan struct{})
	started := false
	for {
		select {
		case <-done:
			return
		case req, ok := <-reqs:
			if !ok {
				return
			}
			switch req.Type {
			case "pty-req":
				var p ptyRequest
				ok = !started && gossh.Unmarshal(req.Payload, &p) == nil
				if ok {
					term.pty.Store(true)
					term.setWidth(p.Cols)
				}
			case "window-change":
				var w windowChange
				if ok = gossh.Unmarshal(req.Payload, &w) == nil; ok {
					term.setWidth(w.Cols)
				}
			case "shell", "exec":
				var e execRequest
				ok = !started && (req.Type == "shell" || gossh.Unmarshal(req.Payload, &e) == nil)
				if ok {
					started = true
					go func() {
						defer close(done)
						s.runCLI(ch, term, user, priv, req.Type == "exec", e.Command)
					}()
				}
			default:
				ok = false
			}
			if req.WantReply {
				req.Reply(ok, nil)
			}
		}
	}
}

// runCLI runs a CLI session on the channel: one command (exec), the
// interactive console (a shell with a pseudo-terminal) or the transcript
// console (a shell without one); then it sends exit status 0.
func (s *Server) runCLI(ch gossh.Channel, term *terminal, user string, priv int, exec bool, command string) {
	line := s.allocLine()
	defer s.freeLine(line)
	sess := modes.NewSession(s.Sys, fmt.Sprintf("vty %d", line))
	sess.Priv, sess.Remote = priv, true
	out := &screenWriter{w: ch, crlf: term.pty.Load()}
	var err error
	switch {
	case exec:
		s.Log.Info("ssh exec", "user", user, "line", sess.Name, "command", command)
		sess.Execute(out, command)
	case term.pty.Load():
		// The channel stays open for the exit status: the console must
		// not close it.
		err = console.Serve(sess, console.Term{In: io.NopCloser(ch), Out: out, Width: term.getWidth, Remote: true, OnWidthChanged: term.onWidthChanged})
	default:
		err = console.NewTranscript(sess, out).Run(ch)
	}
	if err != nil {
		s.Log.Warn("ssh session", "user", user, "line", sess.Name, "err", err)
	}
	// readline may still be drawing from its own goroutine.
	out.close()
	ch.SendRequest("exit-status", false, gossh.Marshal(exitStatus{0}))
	ch.CloseWrite()
}

// allocLine returns the lowest free vty line number.
func (s *Server) allocLine() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for s.lines[n] {
		n++
	}
	s.lines[n] = true
	return n
}

func (s *Server) freeLine(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.lines, n)
}

// screenWriter writes to the client's screen until closed (later writes
// are dropped). With crlf it writes "\r\n" for each "\n" not already after
// a '\r': the client's terminal is raw, and nothing on this side translates
// newlines as a local terminal does.
type screenWriter struct {
	mu     sync.Mutex
	w      io.Writer
	crlf   bool
	cr     bool
	closed bool
}

func (c *screenWriter) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return len(p), nil
	}
	b := p
	if c.crlf {
		b = make([]byte, 0, len(p)+8)
		for _, x := range p {
			if x == '\n' && !c.cr {
				b = append(b, '\r')
			}
			b = append(b, x)
			c.cr = x == '\r'
		}
	}
	if _, err := c.w.Write(b); err != nil {
		return 0, fmt.Errorf("ssh write: %w", err)
	}
	return len(p), nil
}

// close drops the writes that come after it.
func (c *screenWriter) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closed = true
}
