package ssh

import (
	"net"

	gossh "golang.org/x/crypto/ssh"
)

// The IOS syslog messages of SSH logins (%SEC_LOGIN-5-LOGIN_SUCCESS,
// %SEC_LOGIN-4-LOGIN_FAILED, %SYS-6-LOGOUT), beside the slog records.

// localPort returns the port of a TCP address (0 for another kind).
func localPort(a net.Addr) int {
	if t, ok := a.(*net.TCPAddr); ok {
		return t.Port
	}
	return 0
}

// syslogLogin logs a successful or failed login.
func (s *Server) syslogLogin(meta gossh.ConnMetadata, ok bool) {
	if s.Sys == nil || s.Sys.Log == nil {
		return
	}
	user, src, port := meta.User(), hostOf(meta.RemoteAddr()), localPort(meta.LocalAddr())
	if ok {
		s.Sys.Log.LoginSuccess(user, src, port)
	} else {
		s.Sys.Log.LoginFailed(user, src, port)
	}
}

// syslogLogout logs the end of the connection of a user on vty line vty.
func (s *Server) syslogLogout(meta gossh.ConnMetadata, vty int) {
	if s.Sys != nil && s.Sys.Log != nil {
		// The absolute line number, as show users numbers it.
		s.Sys.Log.Logout(meta.User(), vty+2, hostOf(meta.RemoteAddr()))
	}
}
