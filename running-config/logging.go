package runningconfig

import (
	"net/netip"
	"slices"
	"strconv"
)

// Logging holds the logging commands flexvpnd applies: `logging buffered`,
// `logging console|monitor|trap`, `logging host` and `service timestamps`.
// Levels are IOS level names ("warnings"); "" is the default level. Other
// `logging` lines are kept verbatim (Kept, family "logging").
type Logging struct {
	// Buffered is `logging buffered [SIZE] [LEVEL]` / `no logging
	// buffered`.
	Buffered LogBuffered
	// Console, Monitor and Trap are `[no] logging console|monitor|trap
	// [LEVEL]`.
	Console, Monitor, Trap LogDest
	// Hosts are the `logging host` collectors in the order configured.
	Hosts []LogHost
	// TimestampsDebug and TimestampsLog are `service timestamps
	// debug|log ...`.
	TimestampsDebug, TimestampsLog Timestamps
}

// LogDest is the setting of one logging destination; the zero value is
// the default (not rendered).
type LogDest struct {
	// Off is the `no` form.
	Off bool
	// Level is the level name given, "" for the default.
	Level string
}

// LogBuffered is `logging buffered`.
type LogBuffered struct {
	LogDest
	// Size is the buffer size in bytes (0: default).
	Size int
}

// LogHost is one `logging host A.B.C.D [transport udp port N]`.
type LogHost struct {
	Addr netip.Addr
	// Port is the UDP port (0: 514, not rendered).
	Port int
}

// Timestamps is one `service timestamps debug|log` setting; the zero
// value is not configured (uptime, the IOS default).
type Timestamps struct {
	// Set is a configured `service timestamps` line; Off is its `no`
	// form.
	Set, Off bool
	// Datetime is `datetime` (else `uptime`), with its options.
	Datetime                            bool
	Msec, Localtime, ShowTimezone, Year bool
}

// SetHost adds a collector or changes its port.
func (l *Logging) SetHost(h LogHost) {
	if i := slices.IndexFunc(l.Hosts, func(x LogHost) bool { return x.Addr == h.Addr }); i >= 0 {
		l.Hosts[i] = h
		return
	}
	l.Hosts = append(l.Hosts, h)
}

// DeleteHost removes a collector and reports whether it was configured.
func (l *Logging) DeleteHost(a netip.Addr) bool {
	n := len(l.Hosts)
	l.Hosts = slices.DeleteFunc(l.Hosts, func(x LogHost) bool { return x.Addr == a })
	return len(l.Hosts) < n
}

// timestampLines returns the `service timestamps` lines, debug first as
// IOS prints them.
func (l *Logging) timestampLines() []string {
	var out []string
	for _, t := range []struct {
		kind string
		ts   Timestamps
	}{{"debug", l.TimestampsDebug}, {"log", l.TimestampsLog}} {
		if s := t.ts.line(t.kind); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// line renders one timestamps setting ("" when not configured).
func (t Timestamps) line(kind string) string {
	switch {
	case !t.Set:
		return ""
	case t.Off:
		return "no service timestamps " + kind
	case !t.Datetime:
		return "service timestamps " + kind + " uptime"
	}
	s := "service timestamps " + kind + " datetime"
	for _, o := range []struct {
		on   bool
		word string
	}{{t.Msec, "msec"}, {t.Localtime, "localtime"}, {t.ShowTimezone, "show-timezone"}, {t.Year, "year"}} {
		if o.on {
			s += " " + o.word
		}
	}
	return s
}

// render writes the logging lines at their IOS place (after the VRF
// definitions, before aaa): buffered, console, monitor, trap, hosts. The
// order between trap and hosts is UNCONFIRMED (IOS prints the collectors
// later in the configuration on some releases).
func (l *Logging) render(w *writer) {
	n := w.b.Len()
	b := l.Buffered
	switch {
	case b.Off:
		w.line("no logging buffered")
	case b.Size != 0 || b.Level != "":
		s := "logging buffered"
		if b.Size != 0 {
			s += " " + strconv.Itoa(b.Size)
		}
		if b.Level != "" {
			s += " " + b.Level
		}
		w.line("%s", s)
	}
	l.Console.render(w, "console")
	l.Monitor.render(w, "monitor")
	l.Trap.render(w, "trap")
	for _, h := range l.Hosts {
		if h.Port != 0 {
			w.line("logging host %s transport udp port %d", h.Addr, h.Port)
		} else {
			w.line("logging host %s", h.Addr)
		}
	}
	if w.b.Len() > n {
		w.bang()
	}
}

func (d LogDest) render(w *writer, kind string) {
	switch {
	case d.Off:
		w.line("no logging %s", kind)
	case d.Level != "":
		w.line("logging %s %s", kind, d.Level)
	}
}

// renderHeader writes the header group of show running-config: the kept
// `version` line, the `service timestamps` lines, then the other kept
// header lines (service, platform), then "!". Every kept header block
// is of one group, rendered without "!" between its blocks.
func (c *Config) renderHeader(w *writer) {
	ts := c.Logging.timestampLines()
	if len(ts) == 0 {
		w.kept(c, SlotHeader)
		return
	}
	var head, rest []string
	for _, k := range c.Kept {
		switch {
		case k.Slot != SlotHeader:
		case k.Family == "version":
			head = append(head, k.Lines...)
		default:
			rest = append(rest, k.Lines...)
		}
	}
	for _, l := range slices.Concat(head, ts, rest) {
		w.line("%s", l)
	}
	w.bang()
}
