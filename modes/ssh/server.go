// Package ssh serves the appliance CLI over SSH (golang.org/x/crypto/ssh):
// password and public-key logins against the running-config's `username`
// entries, one CLI session per SSH session at the user's privilege level,
// an interactive shell with the console's line editing, and exec requests
// that run one command. Failed logins are throttled per address; logins,
// logouts and failures are logged with log/slog.
package ssh

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"slices"
	"strconv"
	"sync"
	"time"

	gossh "golang.org/x/crypto/ssh"

	"github.com/flexvpnd/flexvpnd/modes"
	runningconfig "github.com/flexvpnd/flexvpnd/running-config"
)

// serverVersion is the identification string IOS sends.
const serverVersion = "SSH-2.0-Cisco-1.25"

// Authentication limits when the running-config sets none (the IOS
// defaults of `ip ssh authentication-retries 3` and `ip ssh time-out
// 120`).
const (
	maxAuthTries = 3
	loginTimeout = 120 * time.Second
)

// privExtension carries the logged-in user's privilege level from the
// login to the sessions of the connection.
const privExtension = "flexvpnd-privilege"

// Server serves the CLI of one appliance over SSH. Its sessions share Sys
// with the console and with each other.
type Server struct {
	Sys     *modes.System
	HostKey gossh.Signer
	// Log receives the login, logout and failure records (slog.Default
	// when nil).
	Log *slog.Logger
	// Throttle limits failed logins per address (NewThrottle's defaults
	// when nil).
	Throttle *Throttle
	// quiet is IOS quiet mode (`login block-for`): one throttle for all
	// addresses, its limits taken from the running-config at each login.
	quiet Throttle

	once sync.Once
	mu   sync.Mutex
	// open holds the listeners and connections Close ends.
	open map[io.Closer]bool
	// lines are the vty line numbers in use.
	lines  map[int]bool
	closed bool
	wg     sync.WaitGroup
}

func (s *Server) init() {
	s.once.Do(func() {
		if s.Log == nil {
			s.Log = slog.Default()
		}
		if s.Throttle == nil {
			s.Throttle = NewThrottle()
		}
		s.open = map[io.Closer]bool{}
		s.lines = map[int]bool{}
	})
}

// ErrServerClosed is returned by Serve after Close.
var ErrServerClosed = errors.New("ssh: server closed")

// Serve accepts connections on l until Close; it returns ErrServerClosed
// then, or the listener's error.
func (s *Server) Serve(l net.Listener) error {
	s.init()
	if !s.track(l) {
		return ErrServerClosed
	}
	defer s.untrack(l)
	for {
		c, err := l.Accept()
		if err != nil {
			if s.isClosed() {
				return ErrServerClosed
			}
			return fmt.Errorf("ssh: accept: %w", err)
		}
		if !s.track(c) {
			c.Close()
			return ErrServerClosed
		}
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			defer s.untrack(c)
			s.handleConn(c)
		}()
	}
}

// Close stops the listeners, ends every connection and waits for their
// sessions to finish.
func (s *Server) Close() error {
	s.init()
	s.mu.Lock()
	s.closed = true
	for x := range s.open {
		x.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
	return nil
}

func (s *Server) isClosed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed
}

// track remembers a listener or connection for Close, unless the server
// is closed.
func (s *Server) track(x io.Closer) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.open[x] = true
	return true
}

func (s *Server) untrack(x io.Closer) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.open, x)
}

// iosCiphers are the encryption algorithms the server offers: those of
// IOS-XE's SSH server (`ip ssh server algorithm encryption`: AES in CTR
// and GCM modes; IOS has no ChaCha20-Poly1305). An OpenSSH client, which
// prefers ChaCha20, then picks aes128-ctr, as it does with a router.
var iosCiphers = []string{
	gossh.CipherAES128CTR, gossh.CipherAES192CTR, gossh.CipherAES256CTR,
	gossh.CipherAES128GCM, gossh.CipherAES256GCM,
}

// config is the x/crypto/ssh server configuration of a new connection
// and its login time limit, from `ip ssh authentication-retries` and `ip
// ssh time-out` as they are now.
func (s *Server) config() (*gossh.ServerConfig, time.Duration) {
	tries, timeout := maxAuthTries, loginTimeout
	s.Sys.Config(func(c *runningconfig.Config) {
		if r := c.Global.SSH.AuthRetries; r != nil {
			// IOS counts retries after the first attempt.
			tries = *r + 1
		}
		if t := c.Global.SSH.Timeout; t != 0 {
			timeout = time.Duration(t) * time.Second
		}
	})
	cfg := &gossh.ServerConfig{
		Config:            gossh.Config{Ciphers: iosCiphers},
		MaxAuthTries:      tries,
		ServerVersion:     serverVersion,
		PasswordCallback:  s.checkPassword,
		PublicKeyCallback: s.checkKey,
	}
	cfg.AddHostKey(s.HostKey)
	return cfg, timeout
}

// handleConn runs one connection: the login, then its channels.
func (s *Server) handleConn(c net.Conn) {
	defer c.Close()
	addr := hostOf(c.RemoteAddr())
	if until, ok := s.Throttle.Blocked(addr); ok {
		s.Log.Warn("ssh connection refused: address blocked after failed logins", "remote", addr, "until", until.Format(time.RFC3339))
		return
	}
	vty, ok := s.takeLine(c.RemoteAddr())
	if !ok {
		return
	}
	defer s.freeLine(vty.number)
	cfg, timeout := s.config()
	c.SetDeadline(time.Now().Add(timeout))
	conn, chans, reqs, err := gossh.NewServerConn(c, cfg)
	if err != nil {
		s.Log.Info("ssh connection closed before login", "remote", addr, "err", err)
		return
	}
	c.SetDeadline(time.Time{})
	defer conn.Close()
	start := time.Now()
	s.Log.Info("ssh login", "user", conn.User(), "remote", addr, "privilege", conn.Permissions.Extensions[privExtension])
	s.syslogLogin(conn, true)
	defer func() {
		s.Log.Info("ssh logout", "user", conn.User(), "remote", addr, "duration", time.Since(start).Round(time.Second))
		s.syslogLogout(conn, vty.number)
	}()
	go gossh.DiscardRequests(reqs)
	priv, _ := strconv.Atoi(conn.Permissions.Extensions[privExtension])
	var wg sync.WaitGroup
	defer wg.Wait()
	for nc := range chans {
		if nc.ChannelType() != "session" {
			nc.Reject(gossh.UnknownChannelType, "only session channels are supported")
			continue
		}
		ch, chReqs, err := nc.Accept()
		if err != nil {
			s.Log.Warn("ssh channel", "user", conn.User(), "remote", addr, "err", err)
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.serveSession(ch, chReqs, sessionInfo{user: conn.User(), priv: priv, vty: vty, conn: conn})
		}()
	}
}

// hostOf is the IP address of a remote address (the throttling key).
func hostOf(a net.Addr) string {
	host, _, err := net.SplitHostPort(a.String())
	if err != nil {
		return a.String()
	}
	return host
}

// account is what a login needs of a configured user.
type account struct {
	privilege int
	secret    *runningconfig.Secret
}

// lookup finds a user in the running-config; users is how many are
// configured.
func (s *Server) lookup(name string) (acct account, ok bool, users int) {
	s.Sys.Config(func(c *runningconfig.Config) {
		users = c.Global.Users.Len()
		u, found := c.Global.Users.Get(name)
		if !found {
			return
		}
		ok = true
		acct.privilege = 1
		if u.Privilege != nil {
			acct.privilege = *u.Privilege
		}
		switch {
		case u.Secret != nil:
			sec := *u.Secret
			acct.secret = &sec
		case u.Password != nil:
			sec := *u.Password
			acct.secret = &sec
		}
	})
	return acct, ok, users
}

// keyAuthorized reports whether `ip ssh pubkey-chain` lists the key for
// the user (by the MD5 hash IOS keeps of it).
func (s *Server) keyAuthorized(user string, key gossh.PublicKey) bool {
	ok := false
	s.Sys.Config(func(c *runningconfig.Config) {
		if u := c.Global.SSH.PubkeyUser(user, false); u != nil {
			ok = slices.ContainsFunc(u.Keys, func(k runningconfig.KeyHash) bool { return k.Matches(key.Type(), key.Marshal()) })
		}
	})
	return ok
}

// errLogin is the error every refused login gets (the reason is logged,
// never told to the client).
var errLogin = errors.New("login refused")

// admit does the checks common to both login methods: the address is not
// blocked, users are configured and this one exists.
func (s *Server) admit(meta gossh.ConnMetadata, method string) (account, error) {
	addr := hostOf(meta.RemoteAddr())
	if _, ok := s.Throttle.Blocked(addr); ok {
		s.Log.Warn("ssh login refused: address blocked after failed logins", "user", meta.User(), "remote", addr, "method", method)
		return account{}, errLogin
	}
	if until, ok := s.quietMode(); ok {
		s.Log.Warn("ssh login refused: quiet mode (login block-for)", "user", meta.User(), "remote", addr, "method", method, "until", until.Format(time.RFC3339))
		return account{}, errLogin
	}
	acct, ok, users := s.lookup(meta.User())
	if users == 0 {
		s.Log.Warn("ssh login refused: no users configured (configure `username NAME privilege N secret ...`)", "user", meta.User(), "remote", addr, "method", method)
		return account{}, errLogin
	}
	if !ok {
		s.fail(meta, method, "unknown user")
		return account{}, errLogin
	}
	return acct, nil
}

// fail logs a failed login and counts it against the address.
func (s *Server) fail(meta gossh.ConnMetadata, method, reason string) {
	addr := hostOf(meta.RemoteAddr())
	s.Log.Warn("ssh login failed: "+reason, "user", meta.User(), "remote", addr, "method", method)
	s.syslogLogin(meta, false)
	if s.Throttle.Fail(addr) {
		s.Log.Warn("ssh logins blocked after repeated failures", "remote", addr, "for", s.Throttle.BlockFor)
	}
	if s.loginBlockFor() && s.quiet.Fail(quietKey) {
		s.Log.Warn("ssh quiet mode: every login refused after repeated failures (login block-for)")
	}
}

// quietKey is the one key of the quiet-mode throttle: IOS counts failures
// from every address together.
const quietKey = ""

// loginBlockFor loads `login block-for` into the quiet-mode throttle and
// reports whether it is configured.
func (s *Server) loginBlockFor() bool {
	var lb runningconfig.LoginBlockFor
	var ok bool
	s.Sys.Config(func(c *runningconfig.Config) { lb, ok = c.LoginBlockFor() })
	if ok {
		s.quiet.Configure(lb.Attempts, lb.Within, lb.BlockFor)
	}
	return ok
}

// quietMode reports whether quiet mode refuses logins now, and until when.
func (s *Server) quietMode() (time.Time, bool) {
	if !s.loginBlockFor() {
		return time.Time{}, false
	}
	return s.quiet.Blocked(quietKey)
}

// granted returns the permissions of a successful login.
func (s *Server) granted(meta gossh.ConnMetadata, acct account) *gossh.Permissions {
	s.Throttle.Succeed(hostOf(meta.RemoteAddr()))
	return &gossh.Permissions{Extensions: map[string]string{privExtension: strconv.Itoa(acct.privilege)}}
}

func (s *Server) checkPassword(meta gossh.ConnMetadata, password []byte) (*gossh.Permissions, error) {
	acct, err := s.admit(meta, "password")
	if err != nil {
		return nil, err
	}
	if acct.secret == nil {
		s.fail(meta, "password", "user has no password or secret")
		return nil, errLogin
	}
	if !acct.secret.Verify(string(password)) {
		s.fail(meta, "password", "wrong password")
		return nil, errLogin
	}
	return s.granted(meta, acct), nil
}

func (s *Server) checkKey(meta gossh.ConnMetadata, key gossh.PublicKey) (*gossh.Permissions, error) {
	acct, err := s.admit(meta, "publickey")
	if err != nil {
		return nil, err
	}
	if s.keyAuthorized(meta.User(), key) {
		return s.granted(meta, acct), nil
	}
	// Not counted as a failure: clients offer each of their keys in turn.
	s.Log.Info("ssh public key not authorized", "user", meta.User(), "remote", hostOf(meta.RemoteAddr()), "key", gossh.FingerprintSHA256(key))
	return nil, errLogin
}
