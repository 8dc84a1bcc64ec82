package ssh

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	gossh "golang.org/x/crypto/ssh"

	"github.com/flexvpnd/flexvpnd/modes"
	"github.com/flexvpnd/flexvpnd/modes/console"
	runningconfig "github.com/flexvpnd/flexvpnd/running-config"
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
func (s *Server) serveSession(ch gossh.Channel, reqs <-chan *gossh.Request, info sessionInfo) {
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
						s.runCLI(ch, term, info, req.Type == "exec", e.Command)
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
func (s *Server) runCLI(ch gossh.Channel, term *terminal, info sessionInfo, exec bool, command string) {
	user := info.user
	sess := modes.NewSession(s.Sys, fmt.Sprintf("vty %d", info.vty.number))
	sess.Priv, sess.Remote = info.priv, true
	defer s.Sys.Attach(sess, info.vty.number, user, hostOf(info.conn.RemoteAddr()))()
	in := io.Reader(ch)
	if d := info.vty.idle; d > 0 && !exec {
		idle := newIdleReader(ch, d, func() {
			s.Log.Info("ssh session closed: idle for exec-timeout", "user", user, "line", sess.Name, "timeout", d)
			info.conn.Close()
		})
		defer idle.stop()
		in = idle
	}
	out := &screenWriter{w: ch, crlf: term.pty.Load()}
	var err error
	switch {
	case exec:
		s.Log.Info("ssh exec", "user", user, "line", sess.Name, "command", command)
		sess.Execute(out, command)
	case term.pty.Load():
		// The channel stays open for the exit status: the console must
		// not close it.
		err = console.Serve(sess, console.Term{In: io.NopCloser(in), Out: out, Width: term.getWidth, Remote: true, OnWidthChanged: term.onWidthChanged})
	default:
		err = console.NewTranscript(sess, out).Run(in)
	}
	if err != nil {
		s.Log.Warn("ssh session", "user", user, "line", sess.Name, "err", err)
	}
	// readline may still be drawing from its own goroutine.
	out.close()
	ch.SendRequest("exit-status", false, gossh.Marshal(exitStatus{0}))
	ch.CloseWrite()
}

// sessionInfo is what the sessions of one connection share: the user,
// the privilege level and the vty line of the connection.
type sessionInfo struct {
	user string
	priv int
	vty  vtyLine
	conn gossh.Conn
}

// vtyLine is the vty line a connection holds: its number and its
// `exec-timeout` (0: none).
type vtyLine struct {
	number int
	idle   time.Duration
}

// takeLine gives a new connection from remote the lowest free vty line
// that lets it in (`transport input` with ssh, `access-class ... in`
// permitting the address), as IOS does; false (logged) when no line does.
func (s *Server) takeLine(remote net.Addr) (vtyLine, bool) {
	src, _ := netip.ParseAddr(hostOf(remote))
	s.mu.Lock()
	defer s.mu.Unlock()
	reason := "all vty lines are in use"
	var got vtyLine
	found := false
	s.Sys.Config(func(c *runningconfig.Config) {
		for _, l := range c.VTYLines() {
			switch {
			case s.lines[l.Number]:
			case !l.AllowsSSH():
				reason = "transport input of the free vty lines excludes ssh"
			case !c.AccessClassPermits(l.AccessClassIn(), src):
				reason = "access-class of the free vty lines denies the address"
			default:
				got, found = vtyLine{number: l.Number, idle: l.IdleTimeout()}, true
				return
			}
		}
	})
	if !found {
		s.Log.Warn("ssh connection refused: "+reason, "remote", remote.String())
		return vtyLine{}, false
	}
	s.lines[got.number] = true
	return got, true
}

func (s *Server) freeLine(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.lines, n)
}

// idleReader closes the session (through expire) when no input arrived
// for its timeout: the line's `exec-timeout`.
type idleReader struct {
	r     io.Reader
	d     time.Duration
	timer *time.Timer
}

func newIdleReader(r io.Reader, d time.Duration, expire func()) *idleReader {
	return &idleReader{r: r, d: d, timer: time.AfterFunc(d, expire)}
}

// Read reads input and restarts the idle timer.
func (i *idleReader) Read(p []byte) (int, error) {
	n, err := i.r.Read(p)
	if n > 0 {
		i.timer.Reset(i.d)
	}
	return n, err
}

func (i *idleReader) stop() { i.timer.Stop() }

// screenWriter writes to the client's screen until closed (later writes
// are dropped). With crlf it writes "\r\n" for each "\n" not already after
// a '\r': the client's terminal is raw, and nothing on this side translates
// newlines as a local terminal does. The translated text goes out in
// pieces of at most crlfChunk bytes through one reused buffer, so a show
// command's megabytes are neither copied whole nor sent line by line.
type screenWriter struct {
	mu     sync.Mutex
	w      io.Writer
	crlf   bool
	cr     bool
	closed bool
	buf    []byte
}

// crlfChunk is the size of the pieces a crlf screenWriter writes: a few
// SSH packets (RFC 4254 section 5.2; OpenSSH takes 32 KiB).
const crlfChunk = 64 << 10

func (c *screenWriter) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return len(p), nil
	}
	if !c.crlf {
		if _, err := c.w.Write(p); err != nil {
			return 0, fmt.Errorf("ssh write: %w", err)
		}
		return len(p), nil
	}
	for rest := p; len(rest) > 0; {
		b := c.buf[:0]
		for len(rest) > 0 && len(b) < crlfChunk {
			line := rest[:min(len(rest), crlfChunk)]
			if i := bytes.IndexByte(line, '\n'); i >= 0 {
				line = line[:i]
			}
			if b = append(b, line...); len(line) > 0 {
				c.cr = line[len(line)-1] == '\r'
			}
			rest = rest[len(line):]
			if len(rest) > 0 && rest[0] == '\n' {
				if !c.cr {
					b = append(b, '\r')
				}
				b = append(b, '\n')
				c.cr, rest = false, rest[1:]
			}
		}
		c.buf = b
		if _, err := c.w.Write(b); err != nil {
			return 0, fmt.Errorf("ssh write: %w", err)
		}
	}
	return len(p), nil
}

// close drops the writes that come after it.
func (c *screenWriter) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closed = true
}
