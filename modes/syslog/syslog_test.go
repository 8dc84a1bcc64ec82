package syslog

import (
	"context"
	"flag"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// fakeClock is a settable clock.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

var boot = time.Date(2026, 11, 27, 10, 12, 34, 567e6, time.UTC)

func newTestLogger(t *testing.T) (*Logger, *fakeClock) {
	t.Helper()
	clk := &fakeClock{t: boot}
	l := New(Options{Now: clk.now, PID: 4242})
	t.Cleanup(l.Close)
	return l, clk
}

func TestStamp(t *testing.T) {
	at := boot.Add(90*time.Minute + 5*time.Second)
	tests := []struct {
		ts     Timestamps
		t      time.Time
		synced bool
		want   string
	}{
		{Timestamps{}, at, false, "01:30:05: "},
		{Timestamps{}, boot.Add(26*time.Hour + 3*time.Minute), false, "1d02h: "},
		{Timestamps{}, boot.Add(17 * 24 * time.Hour), false, "2w3d: "},
		{Timestamps{Mode: StampNone}, at, false, ""},
		{Timestamps{Mode: StampDatetime}, at, true, "Nov 27 11:42:39: "},
		{Timestamps{Mode: StampDatetime, Msec: true}, at, false, "*Nov 27 11:42:39.567: "},
		{Timestamps{Mode: StampDatetime, Msec: true, Year: true, ShowTimezone: true}, at, true, "Nov 27 2026 11:42:39.567 UTC: "},
		{Timestamps{Mode: StampDatetime}, time.Date(2026, 3, 2, 1, 2, 3, 0, time.UTC), true, "Mar  2 01:02:03: "},
	}
	for _, tt := range tests {
		if got := tt.ts.Stamp(tt.t, boot, tt.synced); got != tt.want {
			t.Errorf("%+v at %v: got %q, want %q", tt.ts, tt.t, got, tt.want)
		}
	}
}

func TestParseSeverity(t *testing.T) {
	for i, name := range severityNames {
		for _, text := range []string{name, string(rune('0' + i))} {
			if s, ok := ParseSeverity(text); !ok || int(s) != i || s.String() != name {
				t.Errorf("ParseSeverity(%q) = %v, %v", text, s, ok)
			}
		}
	}
	if _, ok := ParseSeverity("8"); ok {
		t.Error("level 8 accepted")
	}
}

// TestBufferAndTerminals checks the levels of each destination, the
// buffer's size limit, and that a vty sees messages only with terminal
// monitor.
func TestBufferAndTerminals(t *testing.T) {
	l, clk := newTestLogger(t)
	cfg := DefaultConfig()
	cfg.Console.Level = Warnings
	cfg.BufferSize = 220
	cfg.Log = Timestamps{Mode: StampDatetime, Msec: true}
	l.Configure(cfg)
	console, vty := make(chan string, 10), make(chan string, 10)
	l.Attach(true, func(s string) { console <- s })
	term := l.Attach(false, func(s string) { vty <- s })

	l.Link("Virtual-Access1", true)         // errors: console and vty (once monitoring)
	l.LineProtocol("Virtual-Access1", true) // notifications: not on the console
	term.SetMonitor(true)
	clk.add(time.Second)
	l.Link("Virtual-Access2", false)
	l.CryptoSession(true, netip.MustParseAddrPort("10.0.12.2:500"), "10.0.12.2")

	wantConsole := []string{
		"*Nov 27 10:12:34.567: %LINK-3-UPDOWN: Interface Virtual-Access1, changed state to up\n",
		"*Nov 27 10:12:35.567: %LINK-3-UPDOWN: Interface Virtual-Access2, changed state to down\n",
	}
	wantVTY := []string{
		"*Nov 27 10:12:35.567: %LINK-3-UPDOWN: Interface Virtual-Access2, changed state to down\n",
		"*Nov 27 10:12:35.567: %CRYPTO-5-IKEV2_SESSION_STATUS: Crypto tunnel v2 is UP.  Peer 10.0.12.2:500       Id: 10.0.12.2\n",
	}
	if diff := cmp.Diff(wantConsole, receive(t, console, len(wantConsole))); diff != "" {
		t.Errorf("console (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(wantVTY, receive(t, vty, len(wantVTY))); diff != "" {
		t.Errorf("vty (-want +got):\n%s", diff)
	}
	// 4 lines of about 90 bytes: the buffer of 220 keeps the last two.
	got := l.Buffered()
	want := []string{strings.TrimSuffix(wantVTY[0], "\n"), strings.TrimSuffix(wantVTY[1], "\n")}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("buffer (-want +got):\n%s", diff)
	}
	l.Clear()
	if got := l.Buffered(); len(got) != 0 {
		t.Errorf("after clear: %q", got)
	}
}

func receive(t *testing.T, ch chan string, n int) []string {
	t.Helper()
	var out []string
	for range n {
		select {
		case s := <-ch:
			out = append(out, s)
		case <-time.After(5 * time.Second):
			t.Fatalf("got %d of %d messages: %q", len(out), n, out)
		}
	}
	select {
	case s := <-ch:
		t.Errorf("unexpected message %q", s)
	case <-time.After(50 * time.Millisecond):
	}
	return out
}

// rfc5424 matches an RFC 5424 message (section 6) without structured
// data: PRI, VERSION, TIMESTAMP, HOSTNAME, APP-NAME, PROCID, MSGID, "-",
// MSG.
var rfc5424 = regexp.MustCompile(`^<(\d{1,3})>1 (\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z) ([!-~]{1,255}) ([!-~]{1,48}) ([!-~]{1,128}) ([!-~]{1,32}) - (.*)$`)

// TestLoggingHost sends messages to a collector on 127.0.0.1 and parses
// them as RFC 5424.
func TestLoggingHost(t *testing.T) {
	pc, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	port := pc.LocalAddr().(*net.UDPAddr).Port
	l, _ := newTestLogger(t)
	cfg := DefaultConfig()
	cfg.Hostname = "HUB"
	cfg.Hosts = []Host{{Addr: netip.MustParseAddr("127.0.0.1"), Port: uint16(port)}}
	l.Configure(cfg)
	l.LineProtocol("Tunnel0", true)
	l.Logf("SYS", Debugging, "TEST", "not sent: below the trap level")
	l.Configured("console")

	want := [][]string{
		{"189", "2026-11-27T10:12:34.567Z", "HUB", "flexvpnd", "4242", "LINEPROTO-5-UPDOWN", "%LINEPROTO-5-UPDOWN: Line protocol on Interface Tunnel0, changed state to up"},
		{"189", "2026-11-27T10:12:34.567Z", "HUB", "flexvpnd", "4242", "SYS-5-CONFIG_I", "%SYS-5-CONFIG_I: Configured from console by console"},
	}
	pc.SetReadDeadline(time.Now().Add(5 * time.Second))
	for _, w := range want {
		buf := make([]byte, 2048)
		n, err := pc.Read(buf)
		if err != nil {
			t.Fatal(err)
		}
		m := rfc5424.FindStringSubmatch(string(buf[:n]))
		if m == nil {
			t.Fatalf("not RFC 5424: %q", buf[:n])
		}
		if diff := cmp.Diff(w, m[1:]); diff != "" {
			t.Errorf("fields (-want +got):\n%s", diff)
		}
	}
	if out := l.ShowLogging(); !strings.Contains(out, "        Logging to 127.0.0.1  (udp port "+strconv.Itoa(port)+", audit disabled,\n              link up),\n              2 message lines logged, \n") {
		t.Errorf("show logging lacks the collector:\n%s", out)
	}
	cfg.Hosts = nil
	l.Configure(cfg)
	l.Configured("console")
	pc.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
	if n, err := pc.Read(make([]byte, 2048)); err == nil {
		t.Errorf("sent to a removed collector: %d bytes", n)
	}
}

// TestShowLoggingGolden pins the show logging layout.
func TestShowLoggingGolden(t *testing.T) {
	l, clk := newTestLogger(t)
	cfg := DefaultConfig()
	cfg.Monitor.Off = true
	cfg.BufferSize = 8192
	cfg.Log = Timestamps{Mode: StampDatetime, Msec: true}
	l.Configure(cfg)
	clk.add(3 * time.Second)
	l.Link("Virtual-Access1", true)
	l.CryptoSession(true, netip.MustParseAddrPort("192.0.2.7:500"), "spoke1.flex.lab")
	l.LineProtocol("Virtual-Access1", true)
	l.Configured("admin on vty0 (192.0.2.50)")
	golden(t, "show-logging.txt", l.ShowLogging())
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s (-want +got):\n%s", path, diff)
	}
}

// TestDebug checks the debug categories and the slog bridge: records
// show only while a debug is on, under their category, and attributes
// that may hold secrets never show.
func TestDebug(t *testing.T) {
	l, _ := newTestLogger(t)
	cfg := DefaultConfig()
	cfg.Debug = Timestamps{Mode: StampNone}
	l.Configure(cfg)
	log := slog.New(l.DebugHandler()).With("part", "ike")
	ctx := context.Background()
	log.Info("before debug")
	if got := l.Buffered(); len(got) != 0 {
		t.Fatalf("logged without debug: %q", got)
	}
	if l.ShowDebugging() != "" {
		t.Error("show debugging not empty")
	}
	l.SetDebug(DebugIKEv2, true)
	log.Info("tunnel up", "interface", "Tunnel0", "id", uint64(3), "psk", "S3cr3t", "PresharedKey", []byte("S3cr3t"))
	log.Debug("internal step") // not shown: internal is off
	log.Warn("send failed", "err", "network unreachable")
	log.WithGroup("g").Log(ctx, slog.LevelInfo, "grouped", "k", 1)
	l.SetDebug(DebugInternal, true)
	log.Debug("internal step")
	want := []string{
		"IKEv2:(SESSION ID = 3,SA ID = 3):tunnel up interface=Tunnel0",
		"IKEv2-ERROR:send failed err=network unreachable",
		"IKEv2:grouped g.k=1",
		"IKEv2:internal step",
	}
	if diff := cmp.Diff(want, l.Buffered()); diff != "" {
		t.Errorf("debug lines (-want +got):\n%s", diff)
	}
	if got, want := l.ShowDebugging(), "Cryptographic Subsystem:\n  IKEv2 default debugging is on\n  IKEv2 internal debugging is on\n"; got != want {
		t.Errorf("show debugging: got %q, want %q", got, want)
	}
	l.SetDebug(^DebugFlags(0), false)
	log.Warn("after undebug")
	if n := len(l.Buffered()); n != len(want) {
		t.Errorf("logged after undebug all: %q", l.Buffered())
	}
}

func TestUptime(t *testing.T) {
	for d, want := range map[time.Duration]string{
		0:                            "00:00:00",
		59*time.Minute + time.Second: "00:59:01",
		25 * time.Hour:               "1d01h",
		15 * 24 * time.Hour:          "2w1d",
	} {
		if got := Uptime(d); got != want {
			t.Errorf("Uptime(%v) = %q, want %q", d, got, want)
		}
	}
}

// TestPacketDebug checks the IOS layout of the IKE runtime's packet
// records under debug crypto ikev2 packet.
func TestPacketDebug(t *testing.T) {
	l, _ := newTestLogger(t)
	cfg := DefaultConfig()
	cfg.Debug = Timestamps{Mode: StampNone}
	l.Configure(cfg)
	log := slog.New(l.DebugHandler())
	record := func() {
		log.Debug("Sending Packet", "id", uint64(31), "local", "[fc00::2]:500", "remote", "[fc00::1]:500", "spii", "1D418169B24BF95A",
			"spir", "0000000000000000", "msgid", uint32(0), "exchange", "IKE_SA_INIT", "response", false, "payloads", "SA KE N VID NOTIFY(NAT_DETECTION_SOURCE_IP)")
	}
	l.SetDebug(DebugIKEv2, true)
	record()
	if got := l.Buffered(); len(got) != 0 {
		t.Fatalf("packet shown without debug crypto ikev2 packet: %q", got)
	}
	l.SetDebug(DebugPacket, true)
	record()
	want := "IKEv2:(SESSION ID = 31,SA ID = 31):Sending Packet [To [fc00::1]:500/From [fc00::2]:500/VRF i0:f0] \n" +
		"Initiator SPI : 1D418169B24BF95A - Responder SPI : 0000000000000000 Message id: 0\n" +
		"IKEv2 IKE_SA_INIT Exchange REQUEST \nPayload contents: \n SA KE N VID NOTIFY(NAT_DETECTION_SOURCE_IP) "
	if diff := cmp.Diff([]string{want}, l.Buffered()); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}
