package syslog

import (
	"fmt"
	"net/netip"
)

// The IOS messages flexvpnd logs (ios-reference.md section 6 and
// device captures). UNCONFIRMED: the spacing of IKEV2_SESSION_STATUS
// (known from simulators and log-parser rules only) and of the
// SEC_LOGIN messages (from Cisco documentation examples).

// upDown returns IOS's word for a state.
func upDown(up bool) string {
	if up {
		return "up"
	}
	return "down"
}

// CryptoSession logs %CRYPTO-5-IKEV2_SESSION_STATUS: a session with the
// peer at remote, authenticated as id, is up or down.
func (l *Logger) CryptoSession(up bool, remote netip.AddrPort, id string) {
	state := "DOWN"
	if up {
		state = "UP"
	}
	l.Logf("CRYPTO", Notifications, "IKEV2_SESSION_STATUS", "Crypto tunnel v2 is %s.  Peer %s       Id: %s", state, remote, id)
}

// Link logs %LINK-3-UPDOWN: an interface (a Virtual-Access) came or went.
func (l *Logger) Link(iface string, up bool) {
	l.Logf("LINK", Errors, "UPDOWN", "Interface %s, changed state to %s", iface, upDown(up))
}

// LineProtocol logs %LINEPROTO-5-UPDOWN: an interface's line protocol
// (its IPsec session) changed state.
func (l *Logger) LineProtocol(iface string, up bool) {
	l.Logf("LINEPROTO", Notifications, "UPDOWN", "Line protocol on Interface %s, changed state to %s", iface, upDown(up))
}

// Configured logs %SYS-5-CONFIG_I: configuration mode was left by who
// ("console", "admin on vty0 (192.0.2.1)").
func (l *Logger) Configured(who string) {
	l.Logf("SYS", Notifications, "CONFIG_I", "Configured from console by %s", who)
}

// LoginSuccess logs %SEC_LOGIN-5-LOGIN_SUCCESS for a user logged in from
// source to the local port.
func (l *Logger) LoginSuccess(user, source string, port int) {
	l.Logf("SEC_LOGIN", Notifications, "LOGIN_SUCCESS", "Login Success [user: %s] [Source: %s] [localport: %d] at %s", user, source, port, l.at())
}

// LoginFailed logs %SEC_LOGIN-4-LOGIN_FAILED with IOS's reason.
func (l *Logger) LoginFailed(user, source string, port int) {
	l.Logf("SEC_LOGIN", Warnings, "LOGIN_FAILED", "Login failed [user: %s] [Source: %s] [localport: %d] [Reason: Login Authentication Failed] at %s", user, source, port, l.at())
}

// Logout logs %SYS-6-LOGOUT: a user left the vty session of a line.
func (l *Logger) Logout(user string, line int, source string) {
	l.Logf("SYS", Informational, "LOGOUT", "User %s has exited tty session %d(%s)", user, line, source)
}

// at is the time in the text of login messages.
func (l *Logger) at() string {
	return l.now().UTC().Format("15:04:05 MST Mon Jan 2 2006")
}

// IKEv2Debug logs the `debug crypto ikev2` line of a session event:
// "IKEv2:(SESSION ID = 3,SA ID = 3):text".
func (l *Logger) IKEv2Debug(cat DebugFlags, sa uint64, format string, args ...any) {
	prefix := "IKEv2:"
	if cat == DebugError {
		prefix = "IKEv2-ERROR:"
	}
	if sa != 0 {
		prefix += fmt.Sprintf("(SESSION ID = %d,SA ID = %d):", sa, sa)
	}
	l.Debugf(cat, "%s%s", prefix, sprintf(format, args...))
}
