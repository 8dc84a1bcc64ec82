package modes

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/flexvpnd/flexvpnd/modes/syslog"
	runningconfig "github.com/flexvpnd/flexvpnd/running-config"
)

// TestLoggingCommands checks the logging lines: their rendering at their
// IOS places, their `no` forms, and the logger configuration they give.
func TestLoggingCommands(t *testing.T) {
	tests := []struct {
		name  string
		lines []string
		want  string // the rendered logging and service lines
		check func(t *testing.T, c syslog.Config)
	}{
		{
			name:  "defaults render nothing",
			lines: []string{"logging buffered 4096 debugging", "logging console debugging", "logging trap informational", "logging monitor 7"},
			want:  "",
			check: func(t *testing.T, c syslog.Config) {
				if diff := cmp.Diff(withHostname(syslog.DefaultConfig()), c); diff != "" {
					t.Error(diff)
				}
			},
		},
		{
			name:  "levels by number show by name",
			lines: []string{"logging buffered 51200 4", "logging console 3", "logging monitor informational", "logging trap 5"},
			want:  "logging buffered 51200 warnings\nlogging console errors\nlogging monitor informational\nlogging trap notifications\n",
			check: func(t *testing.T, c syslog.Config) {
				if c.BufferSize != 51200 || c.Buffer.Level != syslog.Warnings || c.Console.Level != syslog.Errors || c.Trap.Level != syslog.Notifications {
					t.Errorf("%+v", c)
				}
			},
		},
		{
			name:  "no forms",
			lines: []string{"no logging console", "no logging monitor", "no logging buffered", "logging trap 3", "no logging trap"},
			want:  "no logging buffered\nno logging console\nno logging monitor\nno logging trap\n",
			check: func(t *testing.T, c syslog.Config) {
				if !c.Console.Off || !c.Monitor.Off || !c.Buffer.Off || !c.Trap.Off {
					t.Errorf("%+v", c)
				}
			},
		},
		{
			name: "hosts in order, port changes in place, removal",
			lines: []string{"logging host 192.0.2.10", "logging host 192.0.2.11 transport udp port 5514", "logging host 192.0.2.12",
				"logging host 192.0.2.10 transport udp port 1514", "no logging host 192.0.2.12", "logging host 192.0.2.11 transport udp port 514",
				"logging 192.0.2.13", "no logging 192.0.2.13"},
			want: "logging host 192.0.2.10 transport udp port 1514\nlogging host 192.0.2.11\n",
			check: func(t *testing.T, c syslog.Config) {
				want := []syslog.Host{{Addr: netip.MustParseAddr("192.0.2.10"), Port: 1514}, {Addr: netip.MustParseAddr("192.0.2.11")}}
				if diff := cmp.Diff(want, c.Hosts, cmp.Comparer(func(a, b netip.Addr) bool { return a == b })); diff != "" {
					t.Error(diff)
				}
			},
		},
		{
			name:  "timestamps",
			lines: []string{"service timestamps log datetime msec localtime show-timezone", "service timestamps debug datetime msec", "service timestamps debug uptime"},
			want:  "service timestamps debug uptime\nservice timestamps log datetime msec localtime show-timezone\n",
			check: func(t *testing.T, c syslog.Config) {
				want := syslog.Timestamps{Mode: syslog.StampDatetime, Msec: true, Localtime: true, ShowTimezone: true}
				if c.Log != want || c.Debug != (syslog.Timestamps{}) {
					t.Errorf("log %+v debug %+v", c.Log, c.Debug)
				}
			},
		},
		{
			name:  "no service timestamps turns both off",
			lines: []string{"service timestamps log datetime msec", "no service timestamps"},
			want:  "no service timestamps debug\nno service timestamps log\n",
			check: func(t *testing.T, c syslog.Config) {
				if c.Log.Mode != syslog.StampNone || c.Debug.Mode != syslog.StampNone {
					t.Errorf("log %+v debug %+v", c.Log, c.Debug)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sys, out := typeLines(tt.lines)
			if out != "" {
				t.Fatalf("output:\n%s", out)
			}
			var got string
			for l := range strings.Lines(runningBody(sys)) {
				if strings.HasPrefix(l, "logging ") || strings.HasPrefix(l, "no logging ") || strings.Contains(l, "service timestamps") {
					got += l
				}
			}
			if got != tt.want {
				t.Errorf("rendered:\n%s\nwant:\n%s", got, tt.want)
			}
			tt.check(t, sys.Log.Config())
		})
	}
}

func withHostname(c syslog.Config) syslog.Config {
	c.Hostname = "Router"
	return c
}

// TestLoggingPlaces checks where the logging lines render among the
// others: timestamps after version and before the kept header lines,
// logging after the VRFs and before aaa, kept logging lines after the
// applied ones.
func TestLoggingPlaces(t *testing.T) {
	sys, _ := typeLines([]string{
		"version 17.3", "platform console serial", "service timestamps log datetime msec",
		"aaa new-model", "logging source-interface Loopback0", "logging buffered 51200 warnings",
		"vrf definition RED", "rd 1:1",
	})
	want := `!
version 17.3
service timestamps log datetime msec
platform console serial
!
hostname Router
!
vrf definition RED
 rd 1:1
!
logging buffered 51200 warnings
!
logging source-interface Loopback0
!
aaa new-model
`
	if got := runningBody(sys); !strings.HasPrefix(got, want) {
		t.Errorf("got:\n%s\nwant a start of:\n%s", got, want)
	}
}

// TestShowClockVersionGolden pins the show clock and show version layouts
// (with an injected clock and fixed host facts).
func TestShowClockVersionGolden(t *testing.T) {
	now := time.Date(2026, 11, 27, 10, 12, 34, 567e6, time.UTC)
	for _, tt := range []struct {
		synced bool
		want   string
	}{{false, "*10:12:34.567 UTC Fri Nov 27 2026"}, {true, "10:12:34.567 UTC Fri Nov 27 2026"}} {
		if got := ShowClock(now, tt.synced); got != tt.want {
			t.Errorf("show clock: got %q, want %q", got, tt.want)
		}
	}
	v := VersionInfo{
		Hostname: "HUB", Version: "v0.4.0", Dataplane: "xfrm (Linux kernel IPsec)",
		Boot: now.Add(-(9*24*time.Hour + 3*time.Hour + time.Minute)), Now: now,
		Image: "/usr/local/sbin/flexvpnd", Kernel: "6.1.0-28-amd64", Go: "go1.26.0", OS: "linux", Arch: "amd64",
		Interfaces: map[string]int{"Tunnel": 2, "Virtual-Template": 1, "Loopback": 1},
	}
	checkGolden(t, "../testdata/golden/show/version.txt", ShowVersion(v))

	sys := NewSystem()
	sys.Log = syslog.New(syslog.Options{Now: func() time.Time { return now }, Synced: func() bool { return true }})
	if got := NewSession(sys, "test").Exec("show clock").Output; got != "10:12:34.567 UTC Fri Nov 27 2026\n" {
		t.Errorf("show clock through a session: %q", got)
	}
	for d, want := range map[time.Duration]string{0: "0 minutes", 61 * time.Minute: "1 hour, 1 minute", 8*24*time.Hour + 2*time.Minute: "1 week, 1 day, 2 minutes"} {
		if got := uptimeWords(d); got != want {
			t.Errorf("uptimeWords(%v) = %q, want %q", d, got, want)
		}
	}
}

// TestDebugCommands checks debug on and off, show debugging, and that
// debug output reaches a monitoring vty only.
func TestDebugCommands(t *testing.T) {
	sys := NewSystem()
	s := NewSession(sys, "console")
	vty := NewSession(sys, "vty 0")
	vty.Remote = true
	defer sys.Attach(vty, 0, "admin", "192.0.2.50")()
	screen := make(chan string, 10)
	defer AttachScreen(vty, func(text string) { screen <- text })()
	steps := []struct{ line, want string }{
		{"show debugging", ""},
		{"debug crypto ikev2", "IKEv2 default debugging is on\n"},
		{"debug crypto ikev2 packet", "IKEv2 packet debugging is on\n"},
		{"show debugging", "Cryptographic Subsystem:\n  IKEv2 default debugging is on\n  IKEv2 packet debugging is on\n"},
		{"undebug crypto ikev2 packet", "IKEv2 packet debugging is off\n"},
		{"no debug crypto ikev2", "IKEv2 default debugging is off\n"},
		{"debug crypto ikev2 error", "IKEv2 error debugging is on\n"},
		{"undebug all", "All possible debugging has been turned off\n"},
		{"debug crypto ikev2 internal", "IKEv2 internal debugging is on\n"},
		{"no debug all", "All possible debugging has been turned off\n"},
		{"show debugging", ""},
	}
	for _, st := range steps {
		if r := s.Exec(st.line); r.Err != nil || r.Output != st.want {
			t.Errorf("%s: got %q, %v; want %q", st.line, r.Output, r.Err, st.want)
		}
	}
	sys.Log.SetDebug(syslog.DebugIKEv2, true)
	sys.Log.IKEv2Debug(syslog.DebugIKEv2, 7, "not monitored yet")
	if r := vty.Exec("terminal monitor"); r.Err != nil {
		t.Fatal(r.Err)
	}
	sys.Log.IKEv2Debug(syslog.DebugIKEv2, 7, "Deleting SA")
	vty.Exec("terminal no monitor")
	sys.Log.IKEv2Debug(syslog.DebugIKEv2, 7, "not monitored any more")
	select {
	case got := <-screen:
		if !strings.HasSuffix(got, ": IKEv2:(SESSION ID = 7,SA ID = 7):Deleting SA\n") {
			t.Errorf("monitored debug line: %q", got)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the monitoring vty got nothing")
	}
	select {
	case got := <-screen:
		t.Errorf("unexpected line on the vty: %q", got)
	case <-time.After(100 * time.Millisecond):
	}
	ConfigEnded(vty)
	ConfigEnded(s)
	buf := sys.Log.Buffered()
	for i, want := range []string{"%SYS-5-CONFIG_I: Configured from console by admin on vty0 (192.0.2.50)", "%SYS-5-CONFIG_I: Configured from console by console"} {
		if got := buf[len(buf)-2+i]; !strings.HasSuffix(got, want) {
			t.Errorf("got %q, want it to end with %q", got, want)
		}
	}
}

// TestLoggingConfigHostname checks that the collectors get the hostname
// of the running-config.
func TestLoggingConfigHostname(t *testing.T) {
	cfg := runningconfig.New()
	cfg.Hostname = "EDGE"
	if got := LoggingConfig(cfg).Hostname; got != "EDGE" {
		t.Errorf("hostname %q", got)
	}
}
