package modes

import (
	"cmp"
	"fmt"
	"os"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/flexvpnd/flexvpnd/modes/syslog"
	"github.com/flexvpnd/flexvpnd/parser"
	runningconfig "github.com/flexvpnd/flexvpnd/running-config"
)

// The exec commands of logging and debugging (`show logging`, `clear
// logging`, `terminal monitor`, `debug crypto ikev2`, `undebug all`,
// `show debugging`) and the small system show commands (`show clock`,
// `show version`).

// Help strings of the debug commands.
const (
	helpUndebug      = "Disable debugging functions (see also 'debug')"
	helpDebugCrypto  = "Cryptographic subsystem"
	helpDebugIKEv2   = "Crypto IKEv2 debug"
	helpDebugAll     = "Enable all debugging"
	msgDebugAllOff   = "All possible debugging has been turned off\n"
	msgDebugAllOn    = "All possible debugging has been turned on\n"
	helpDebugPacket  = "IKEv2 packet debug"
	helpDebugIntern  = "IKEv2 internal debug"
	helpDebugError   = "IKEv2 error debug"
	debugIKEv2Spec   = "crypto ikev2 [packet|internal|error]"
	helpTermMonitor  = "Copy debug output to the current terminal line"
	helpShowLogging  = "Show the contents of logging buffers"
	helpShowClock    = "Display the system clock"
	helpShowVersion  = "System hardware and software status"
	helpShowDebuging = "State of each debugging option"
)

var debugIKEv2Help = []string{helpDebugCrypto, helpDebugIKEv2, helpDebugPacket, helpDebugIntern, helpDebugError}

// debugCategory returns the category a `debug crypto ikev2 ...` line
// names.
func debugCategory(a parser.Args) syslog.DebugFlags {
	switch {
	case a.Has("packet"):
		return syslog.DebugPacket
	case a.Has("internal"):
		return syslog.DebugInternal
	case a.Has("error"):
		return syslog.DebugError
	}
	return syslog.DebugIKEv2
}

// setDebug turns one IKEv2 debug on or off and says so, as IOS does.
func setDebug(c *Ctx, a parser.Args, on bool) error {
	cat := debugCategory(a)
	c.S.Sys.Log.SetDebug(cat, on)
	c.Printf("IKEv2 %s debugging is %s\n", cat.Name(), map[bool]string{true: "on", false: "off"}[on])
	return nil
}

// debugAllOff turns every debug off.
func debugAllOff(c *Ctx, _ parser.Args) error {
	c.S.Sys.Log.SetDebug(^syslog.DebugFlags(0), false)
	c.Printf(msgDebugAllOff)
	return nil
}

func init() {
	ExecMode.Add(
		&Command{
			Spec: "show logging", Help: []string{HelpShow, helpShowLogging}, No: "-", Priv: 1, Pipe: true,
			Run: func(c *Ctx, a parser.Args) error {
				c.Printf("%s", c.S.Sys.Log.ShowLogging())
				return nil
			},
		},
		&Command{
			Spec: "clear logging", Help: []string{HelpClear, "Clear logging buffer"}, No: "-", Priv: 15,
			Run: func(c *Ctx, a parser.Args) error {
				c.S.Sys.Log.Clear()
				return nil
			},
		},
		&Command{
			Spec: "show debugging", Help: []string{HelpShow, helpShowDebuging}, No: "-", Priv: 1, Pipe: true,
			Run: func(c *Ctx, a parser.Args) error {
				c.Printf("%s", c.S.Sys.Log.ShowDebugging())
				return nil
			},
		},
		&Command{
			Spec: "debug " + debugIKEv2Spec, Help: append([]string{HelpDebug}, debugIKEv2Help...), Priv: 15,
			Run:   func(c *Ctx, a parser.Args) error { return setDebug(c, a, true) },
			Unset: func(c *Ctx, a parser.Args) error { return setDebug(c, a, false) },
		},
		&Command{
			Spec: "undebug " + debugIKEv2Spec, Help: append([]string{helpUndebug}, debugIKEv2Help...), No: "-", Priv: 15,
			Run: func(c *Ctx, a parser.Args) error { return setDebug(c, a, false) },
		},
		&Command{
			Spec: "debug all", Help: []string{HelpDebug, helpDebugAll}, Priv: 15,
			Run: func(c *Ctx, a parser.Args) error {
				c.S.Sys.Log.SetDebug(syslog.DebugIKEv2|syslog.DebugPacket|syslog.DebugInternal|syslog.DebugError, true)
				c.Printf(msgDebugAllOn)
				return nil
			},
			Unset: debugAllOff,
		},
		&Command{
			Spec: "undebug all", Help: []string{helpUndebug, helpDebugAll}, No: "-", Priv: 15,
			Run: debugAllOff,
		},
		&Command{
			Spec: "terminal monitor", Help: []string{HelpTerminal, helpTermMonitor}, No: "-", Priv: 1,
			Run: func(c *Ctx, a parser.Args) error { return setMonitor(c, true) },
		},
		&Command{
			Spec: "terminal no monitor", Help: []string{HelpTerminal, noHelp, helpTermMonitor}, No: "-", Priv: 1,
			Run: func(c *Ctx, a parser.Args) error { return setMonitor(c, false) },
		},
		&Command{
			Spec: "show clock", Help: []string{HelpShow, helpShowClock}, No: "-", Priv: 1, Pipe: true,
			Run: func(c *Ctx, a parser.Args) error {
				c.Printf("%s\n", ShowClock(c.S.Sys.Log.Now(), c.S.Sys.Log.Synced()))
				return nil
			},
		},
		&Command{
			Spec: "show version", Help: []string{HelpShow, helpShowVersion}, No: "-", Priv: 1, Pipe: true,
			Run: func(c *Ctx, a parser.Args) error {
				c.Printf("%s", ShowVersion(versionInfo(c.S.Sys, c.Cfg)))
				return nil
			},
		},
	)
}

// setMonitor turns `terminal monitor` on or off for the session's
// screen; a session without one (an exec request) ignores it.
func setMonitor(c *Ctx, on bool) error {
	if c.S.screen != nil {
		c.S.screen.SetMonitor(on)
	}
	return nil
}

// AttachScreen makes the interactive terminal of session s receive log
// messages asynchronously: the console those of `logging console`, a vty
// (Session.Remote) those of `logging monitor` while `terminal monitor` is
// on. write prints above the line being edited; it is called from
// another goroutine. The returned function detaches the screen.
func AttachScreen(s *Session, write func(text string)) (detach func()) {
	t := s.Sys.Log.Attach(!s.Remote, write)
	s.screen = t
	return func() { s.Sys.Log.Detach(t) }
}

// ShowClock renders `show clock`: "*10:12:34.567 UTC Fri Nov 27 2026",
// with '*' when the clock is not synchronized.
func ShowClock(now time.Time, synced bool) string {
	s := now.UTC().Format("15:04:05.000 MST Mon Jan 2 2006")
	if !synced {
		s = "*" + s
	}
	return s
}

// VersionInfo is what show version reports.
type VersionInfo struct {
	Hostname, Version, Dataplane string
	// Boot and Now give the uptime.
	Boot, Now time.Time
	// Image is the executable; Kernel the host's kernel release; Go the
	// toolchain; OS/Arch the platform.
	Image, Kernel, Go, OS, Arch string
	// Interfaces counts the configured interfaces by IOS type.
	Interfaces map[string]int
}

// versionInfo gathers the show version facts of the running process.
func versionInfo(sys *System, cfg *runningconfig.Config) VersionInfo {
	image, _ := os.Executable()
	kernel, _ := os.ReadFile("/proc/sys/kernel/osrelease")
	v := VersionInfo{
		Hostname: cfg.Hostname, Version: cmp.Or(sys.Version, "unknown"), Dataplane: cmp.Or(sys.Dataplane, "none"),
		Boot: sys.Log.Boot(), Now: sys.Log.Now(), Image: image, Kernel: strings.TrimSpace(string(kernel)),
		Go: runtime.Version(), OS: runtime.GOOS, Arch: runtime.GOARCH, Interfaces: map[string]int{},
	}
	for _, i := range cfg.Ifaces.Sorted() {
		v.Interfaces[strings.TrimRight(i.Name, "0123456789/.:")]++
	}
	return v
}

// ShowVersion renders `show version` in the IOS layout where its fields
// make sense for flexvpnd, flexvpnd's own lines where they do not (no
// ROM, no configuration register: marked "flexvpnd").
func ShowVersion(v VersionInfo) string {
	var b strings.Builder
	fmt.Fprintf(&b, "flexvpnd Software (%s/%s), Version %s\n", v.OS, v.Arch, v.Version)
	b.WriteString("IOS-style FlexVPN appliance for Linux: not Cisco IOS\n")
	fmt.Fprintf(&b, "Compiled with %s\n\n", v.Go)
	b.WriteString("ROM: none (flexvpnd runs as a process on the host)\n\n")
	fmt.Fprintf(&b, "%s uptime is %s\n", v.Hostname, uptimeWords(v.Now.Sub(v.Boot)))
	fmt.Fprintf(&b, "System restarted at %s\n", v.Boot.UTC().Format("15:04:05 MST Mon Jan 2 2006"))
	fmt.Fprintf(&b, "System image file is \"%s\"\n", v.Image)
	b.WriteString("Last reload reason: process start\n\n")
	fmt.Fprintf(&b, "Linux kernel %s\n", cmp.Or(v.Kernel, "unknown"))
	fmt.Fprintf(&b, "Data plane (flexvpnd): %s\n", v.Dataplane)
	types := make([]string, 0, len(v.Interfaces))
	for t := range v.Interfaces {
		types = append(types, t)
	}
	slices.Sort(types)
	for _, t := range types {
		fmt.Fprintf(&b, "%d %s interface%s\n", v.Interfaces[t], t, plural(v.Interfaces[t]))
	}
	b.WriteString("\nConfiguration register: none (flexvpnd)\n")
	return b.String()
}

// uptimeWords formats an uptime as IOS show version does: "5 weeks, 3
// days, 22 hours, 4 minutes"; zero parts are left out except the
// minutes.
func uptimeWords(d time.Duration) string {
	m := int(max(d, 0) / time.Minute)
	parts := []struct {
		n    int
		unit string
	}{{m / (7 * 24 * 60), "week"}, {m / (24 * 60) % 7, "day"}, {m / 60 % 24, "hour"}}
	var out []string
	for _, p := range parts {
		if p.n > 0 {
			out = append(out, fmt.Sprintf("%d %s%s", p.n, p.unit, plural(p.n)))
		}
	}
	out = append(out, fmt.Sprintf("%d minute%s", m%60, plural(m%60)))
	return strings.Join(out, ", ")
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
