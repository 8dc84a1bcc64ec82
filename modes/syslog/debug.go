package syslog

import "strings"

// DebugFlags are the `debug crypto ikev2 ...` categories that are on.
type DebugFlags uint8

// Debug categories of `debug crypto ikev2 [packet|internal|error]`.
const (
	// DebugIKEv2 is `debug crypto ikev2`: the events of the sessions.
	DebugIKEv2 DebugFlags = 1 << iota
	// DebugPacket is `... packet`: each IKE message sent and received.
	DebugPacket
	// DebugInternal is `... internal`: the runtime's own steps.
	DebugInternal
	// DebugError is `... error`: failures only.
	DebugError
)

// debugNames are the IOS names of the categories, in show debugging
// order.
var debugNames = []struct {
	flag DebugFlags
	name string
}{{DebugIKEv2, "default"}, {DebugPacket, "packet"}, {DebugInternal, "internal"}, {DebugError, "error"}}

// Name returns the IOS name of one category ("packet").
func (f DebugFlags) Name() string {
	for _, d := range debugNames {
		if d.flag == f {
			return d.name
		}
	}
	return ""
}

// SetDebug turns categories on or off.
func (l *Logger) SetDebug(f DebugFlags, on bool) {
	if on {
		l.debug.Or(uint32(f))
	} else {
		l.debug.And(^uint32(f))
	}
}

// Debugging returns the categories that are on.
func (l *Logger) Debugging() DebugFlags { return DebugFlags(l.debug.Load()) }

// Debugf logs a debug line of category cat while it is on. Errors
// (DebugError) are shown by every IKEv2 debug.
func (l *Logger) Debugf(cat DebugFlags, format string, args ...any) {
	on := l.Debugging()
	if on&cat == 0 && (cat != DebugError || on == 0) {
		return
	}
	l.Log(Message{Debug: true, Text: sprintf(format, args...)})
}

// ShowDebugging renders `show debugging`: the debugs that are on, under
// their subsystem (UNCONFIRMED layout, after IOS's "Cryptographic
// Subsystem:" block).
func (l *Logger) ShowDebugging() string {
	on := l.Debugging()
	if on == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString("Cryptographic Subsystem:\n")
	for _, d := range debugNames {
		if on&d.flag != 0 {
			b.WriteString("  IKEv2 " + d.name + " debugging is on\n")
		}
	}
	return b.String()
}
