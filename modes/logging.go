package modes

import (
	"cmp"
	"net/netip"
	"strings"

	"github.com/flexvpnd/flexvpnd/modes/syslog"
	"github.com/flexvpnd/flexvpnd/parser"
	runningconfig "github.com/flexvpnd/flexvpnd/running-config"
)

// The logging commands of global configuration mode that flexvpnd
// applies (`logging buffered|console|monitor|trap|host`, `service
// timestamps`); the other `logging` lines are kept verbatim
// (kept_families.go). Every committed line brings System.Log to the
// running-config (syncLogging).

const helpLogging = "Modify message logging facilities"

// levelSpec is the grammar of an IOS logging level; levelHelp its help
// (the IOS `logging console ?` listing).
const levelSpec = "<0-7>$level|emergencies$level|alerts$level|critical$level|errors$level|warnings$level|notifications$level|informational$level|debugging$level"

var levelHelp = []string{
	"Logging severity level",
	"System is unusable                (severity=0)",
	"Immediate action needed           (severity=1)",
	"Critical conditions               (severity=2)",
	"Error conditions                  (severity=3)",
	"Warning conditions                (severity=4)",
	"Normal but significant conditions (severity=5)",
	"Informational messages            (severity=6)",
	"Debugging messages                (severity=7)",
}

// levelName returns the IOS name of the level matched in a ("" if none).
func levelName(a parser.Args) string {
	s, ok := syslog.ParseSeverity(a.Get("level"))
	if !ok {
		return ""
	}
	return s.String()
}

// loggingDest declares `[no] logging KIND [LEVEL]` for one destination
// of the running-config.
func loggingDest(kind, help string, field func(*runningconfig.Logging) *runningconfig.LogDest) *Command {
	return &Command{
		Spec: "logging " + kind + " [" + levelSpec + "]",
		Help: append([]string{helpLogging, help}, levelHelp...),
		No:   "logging " + kind + " [" + levelSpec + "]",
		Run: func(c *Ctx, a parser.Args) error {
			*field(&c.Cfg.Logging) = runningconfig.LogDest{Level: defaultless(levelName(a), kind)}
			return nil
		},
		Unset: func(c *Ctx, a parser.Args) error {
			*field(&c.Cfg.Logging) = runningconfig.LogDest{Off: true}
			return nil
		},
	}
}

// defaultless drops the level of a destination when it is its default,
// which IOS does not print.
func defaultless(level, kind string) string {
	def := syslog.DefaultConfig().Console.Level
	if kind == "trap" {
		def = syslog.DefaultConfig().Trap.Level
	}
	if level == def.String() {
		return ""
	}
	return level
}

func init() {
	ConfigMode.Add(
		&Command{
			Spec: "logging buffered [<4096-2147483647>] [" + levelSpec + "]",
			Help: append([]string{helpLogging, "Set buffered logging parameters", "Logging buffer size"}, levelHelp...),
			No:   "logging buffered [<4096-2147483647>] [" + levelSpec + "]",
			Run: func(c *Ctx, a parser.Args) error {
				size := a.Int("<4096-2147483647>")
				if size == syslog.DefaultBufferSize {
					size = 0
				}
				c.Cfg.Logging.Buffered = runningconfig.LogBuffered{Size: size, LogDest: runningconfig.LogDest{Level: defaultless(levelName(a), "buffered")}}
				return nil
			},
			Unset: func(c *Ctx, a parser.Args) error {
				c.Cfg.Logging.Buffered = runningconfig.LogBuffered{LogDest: runningconfig.LogDest{Off: true}}
				return nil
			},
		},
		loggingDest("console", "Set console logging parameters", func(l *runningconfig.Logging) *runningconfig.LogDest { return &l.Console }),
		loggingDest("monitor", "Set terminal line (monitor) logging parameters", func(l *runningconfig.Logging) *runningconfig.LogDest { return &l.Monitor }),
		loggingDest("trap", "Set syslog server logging level", func(l *runningconfig.Logging) *runningconfig.LogDest { return &l.Trap }),
		&Command{
			Spec: "logging host A.B.C.D [transport udp port <1-65535>]",
			Help: []string{helpLogging, "Set syslog server IP address and parameters", "IP address of the syslog server",
				"Specify the transport protocol (default=UDP)", "UDP", "Specify the UDP port number (default=514)", "Port number"},
			No: "logging host A.B.C.D [transport udp port <1-65535>]",
			Run: func(c *Ctx, a parser.Args) error {
				port := a.Int("<1-65535>")
				if port == syslog.DefaultPort {
					port = 0
				}
				c.Cfg.Logging.SetHost(runningconfig.LogHost{Addr: netip.MustParseAddr(a.Get("A.B.C.D")), Port: port})
				return nil
			},
			Unset: func(c *Ctx, a parser.Args) error {
				c.Cfg.Logging.DeleteHost(netip.MustParseAddr(a.Get("A.B.C.D")))
				return nil
			},
		},
		&Command{
			Spec: "logging A.B.C.D",
			Help: []string{helpLogging, "IP address of the logging host"},
			Run: func(c *Ctx, a parser.Args) error {
				c.Cfg.Logging.SetHost(runningconfig.LogHost{Addr: netip.MustParseAddr(a.Get("A.B.C.D"))})
				return nil
			},
			Unset: func(c *Ctx, a parser.Args) error {
				c.Cfg.Logging.DeleteHost(netip.MustParseAddr(a.Get("A.B.C.D")))
				return nil
			},
		},
		timestampsCommand("service timestamps", nil),
		timestampsCommand("service timestamps {debug|log} [uptime]", []string{"Timestamp debug/trace messages", "Timestamp log messages", "Timestamp with system uptime"}),
		timestampsCommand("service timestamps {debug|log} datetime [{msec|localtime|show-timezone|year}...]", []string{"Timestamp debug/trace messages", "Timestamp log messages",
			"Timestamp with date and time", "Include milliseconds in timestamp", "Use local time zone for timestamps", "Add time zone information to timestamp", "Include year in timestamp"}),
	)
}

// timestampsCommand declares one form of `[no] service timestamps`.
// Without `debug` or `log` it sets the debug timestamps (as IOS does);
// `no service timestamps` turns both off.
func timestampsCommand(spec string, help []string) *Command {
	cmd := &Command{
		Spec: spec,
		Help: append([]string{helpService, "Timestamp debug/log messages"}, help...),
		Run: func(c *Ctx, a parser.Args) error {
			ts := runningconfig.Timestamps{Set: true, Datetime: a.Has("datetime"),
				Msec: a.Has("msec"), Localtime: a.Has("localtime"), ShowTimezone: a.Has("show-timezone"), Year: a.Has("year")}
			for _, p := range timestampsOf(&c.Cfg.Logging, a, false) {
				*p = ts
			}
			return nil
		},
		Unset: func(c *Ctx, a parser.Args) error {
			for _, p := range timestampsOf(&c.Cfg.Logging, a, true) {
				*p = runningconfig.Timestamps{Set: true, Off: true}
			}
			return nil
		},
	}
	if help == nil {
		cmd.No = "service timestamps [debug|log]"
		cmd.NoHelp = []string{helpService, "Timestamp debug/log messages", "Timestamp debug/trace messages", "Timestamp log messages"}
	} else {
		cmd.No = "-"
	}
	return cmd
}

// timestampsOf returns the settings a `service timestamps` line names.
func timestampsOf(l *runningconfig.Logging, a parser.Args, negated bool) []*runningconfig.Timestamps {
	switch {
	case a.Has("log"):
		return []*runningconfig.Timestamps{&l.TimestampsLog}
	case a.Has("debug") || !negated:
		return []*runningconfig.Timestamps{&l.TimestampsDebug}
	}
	return []*runningconfig.Timestamps{&l.TimestampsDebug, &l.TimestampsLog}
}

// LoggingConfig returns the logger configuration of a running-config.
func LoggingConfig(cfg *runningconfig.Config) syslog.Config {
	l := &cfg.Logging
	out := syslog.DefaultConfig()
	out.Hostname = cfg.Hostname
	out.Buffer = dest(l.Buffered.LogDest, out.Buffer)
	if l.Buffered.Size != 0 {
		out.BufferSize = l.Buffered.Size
	}
	out.Console = dest(l.Console, out.Console)
	out.Monitor = dest(l.Monitor, out.Monitor)
	out.Trap = dest(l.Trap, out.Trap)
	for _, h := range l.Hosts {
		out.Hosts = append(out.Hosts, syslog.Host{Addr: h.Addr, Port: uint16(h.Port)})
	}
	out.Log, out.Debug = stamps(l.TimestampsLog), stamps(l.TimestampsDebug)
	return out
}

func dest(d runningconfig.LogDest, def syslog.Dest) syslog.Dest {
	if d.Off {
		return syslog.Dest{Off: true, Level: def.Level}
	}
	if s, ok := syslog.ParseSeverity(d.Level); ok {
		return syslog.Dest{Level: s}
	}
	return def
}

func stamps(t runningconfig.Timestamps) syslog.Timestamps {
	switch {
	case t.Off:
		return syslog.Timestamps{Mode: syslog.StampNone}
	case !t.Datetime:
		return syslog.Timestamps{Mode: syslog.StampUptime}
	}
	return syslog.Timestamps{Mode: syslog.StampDatetime, Msec: t.Msec, Localtime: t.Localtime, ShowTimezone: t.ShowTimezone, Year: t.Year}
}

// syncLogging brings the logger to the running-config after a committed
// line; called with the System lock held.
func (sys *System) syncLogging() {
	if sys.Log != nil {
		sys.Log.Configure(LoggingConfig(sys.config))
	}
}

// loggedIn describes the line of session s as IOS's SYS-5-CONFIG_I does:
// "console" or "admin on vty0 (127.0.0.1)".
func (sys *System) loggedIn(s *Session) string {
	t := &sys.lines
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, l := range t.lines {
		if l.s != s || l.number == 0 {
			continue
		}
		user := cmp.Or(l.user, "unknown")
		return user + " on " + strings.ReplaceAll(l.name, " ", "") + " (" + l.location + ")"
	}
	return "console"
}

// ConfigEnded logs that session s left configuration mode
// (%SYS-5-CONFIG_I), as IOS does at `end`, Ctrl-Z or `exit`.
func ConfigEnded(s *Session) {
	s.Sys.Log.Configured(s.Sys.loggedIn(s))
}
