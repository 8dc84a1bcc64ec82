// Package syslog is flexvpnd's IOS-style logger: messages in the IOS
// layout (`%FACILITY-SEVERITY-MNEMONIC: text`), timestamped as `service
// timestamps` says, kept in a ring buffer for `show logging`, written to
// the console and to the vty sessions that run `terminal monitor`, and
// sent to `logging host` collectors as RFC 5424 syslog over UDP. Debug
// output (`debug crypto ikev2`) goes the same way at severity debugging.
//
// It knows nothing of the CLI or the engine: the appliance feeds it
// messages (engine events, logins, configuration changes) and configures
// it from the running-config.
package syslog

import (
	"fmt"
	"strconv"
	"time"
)

// Severity is a syslog severity (RFC 5424 section 6.2.1), the IOS
// logging level: 0 is the most severe.
type Severity uint8

// The severities under their IOS names.
const (
	Emergencies Severity = iota
	Alerts
	Critical
	Errors
	Warnings
	Notifications
	Informational
	Debugging
)

var severityNames = [...]string{"emergencies", "alerts", "critical", "errors", "warnings", "notifications", "informational", "debugging"}

// String returns the IOS name of the level ("warnings").
func (s Severity) String() string {
	if int(s) < len(severityNames) {
		return severityNames[s]
	}
	return strconv.Itoa(int(s))
}

// ParseSeverity parses an IOS level: a name or its number (0-7).
func ParseSeverity(text string) (Severity, bool) {
	for i, n := range severityNames {
		if text == n || text == strconv.Itoa(i) {
			return Severity(i), true
		}
	}
	return 0, false
}

// Message is one log message.
type Message struct {
	// Time is when it happened (zero: when it is logged).
	Time time.Time
	// Facility, Severity and Mnemonic make the IOS message code
	// (`%LINK-3-UPDOWN`).
	Facility string
	Severity Severity
	Mnemonic string
	// Text is the message after the code, or the whole debug line.
	Text string
	// Debug marks debug output: Text is shown as is, without a code, and
	// the debug timestamps apply. Its severity is Debugging.
	Debug bool
}

// Code returns the IOS message code without the '%': "LINK-3-UPDOWN".
func (m *Message) Code() string {
	return fmt.Sprintf("%s-%d-%s", m.Facility, m.Severity, m.Mnemonic)
}

// Body returns the message as IOS prints it after the timestamp:
// "%LINK-3-UPDOWN: Interface Tunnel0, changed state to up", or the debug
// line.
func (m *Message) Body() string {
	if m.Debug {
		return m.Text
	}
	return "%" + m.Code() + ": " + m.Text
}

// StampMode is the form of the timestamps of `service timestamps`.
type StampMode uint8

// Timestamp forms.
const (
	// StampUptime is the time since boot (`service timestamps log
	// uptime`), the IOS default.
	StampUptime StampMode = iota
	// StampDatetime is the date and time (`... datetime`).
	StampDatetime
	// StampNone prints no timestamp (`no service timestamps log`).
	StampNone
)

// Timestamps is one `service timestamps debug|log ...` setting.
type Timestamps struct {
	Mode StampMode
	// Msec, Localtime, ShowTimezone and Year are the datetime options.
	Msec, Localtime, ShowTimezone, Year bool
}

// Stamp returns the timestamp of a message logged at t, with its ": "
// separator ("" with StampNone). boot is when the appliance started;
// synced reports a clock that NTP keeps (IOS prefixes '*' to a time it
// does not trust). Datetime is UTC unless Localtime.
//
//	*Nov 27 10:12:34.567: (datetime msec)
//	1d02h: / 00:12:34: (uptime)
func (ts Timestamps) Stamp(t, boot time.Time, synced bool) string {
	switch ts.Mode {
	case StampNone:
		return ""
	case StampUptime:
		return Uptime(t.Sub(boot)) + ": "
	}
	if !ts.Localtime {
		t = t.UTC()
	}
	s := t.Format("Jan _2")
	if ts.Year {
		s += t.Format(" 2006")
	}
	s += t.Format(" 15:04:05")
	if ts.Msec {
		s += t.Format(".000")
	}
	if ts.ShowTimezone {
		s += " " + t.Format("MST")
	}
	if !synced {
		s = "*" + s
	}
	return s + ": "
}

// Uptime formats a duration as IOS uptime timestamps do: hh:mm:ss for
// less than a day, then 1d02h, then 3w2d (UNCONFIRMED beyond a day).
func Uptime(d time.Duration) string {
	d = max(d, 0)
	days := int(d / (24 * time.Hour))
	switch {
	case days >= 7:
		return fmt.Sprintf("%dw%dd", days/7, days%7)
	case days >= 1:
		return fmt.Sprintf("%dd%02dh", days, int(d/time.Hour)%24)
	}
	s := int(d / time.Second)
	return fmt.Sprintf("%02d:%02d:%02d", s/3600, s/60%60, s%60)
}
