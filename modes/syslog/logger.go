package syslog

import (
	"fmt"
	"net/netip"
	"reflect"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// DefaultBufferSize is the size of the log buffer when `logging buffered`
// gives none (4096 bytes, the IOS default of most platforms).
const DefaultBufferSize = 4096

// DefaultPort is the UDP port of a `logging host` (RFC 5426 section 3.3).
const DefaultPort = 514

// Dest is the setting of one destination: off, or the least severe level
// it takes.
type Dest struct {
	Off   bool
	Level Severity
}

// takes reports whether the destination takes a message of severity s.
func (d Dest) takes(s Severity) bool { return !d.Off && s <= d.Level }

// Host is a `logging host` collector.
type Host struct {
	Addr netip.Addr
	Port uint16
}

// Config is the logger's configuration, from the running-config.
type Config struct {
	// Buffer and BufferSize are `logging buffered [SIZE] [LEVEL]`.
	Buffer     Dest
	BufferSize int
	// Console, Monitor and Trap are `logging console|monitor|trap LEVEL`:
	// the console, the vty sessions with `terminal monitor`, and the
	// collectors.
	Console, Monitor, Trap Dest
	Hosts                  []Host
	// Log and Debug are `service timestamps log|debug`.
	Log, Debug Timestamps
	// Hostname is the HOSTNAME of the messages sent to collectors.
	Hostname string
}

// DefaultConfig is the configuration with no logging command: every
// destination at debugging except the collectors (informational), a
// buffer of DefaultBufferSize, uptime timestamps.
func DefaultConfig() Config {
	return Config{
		Buffer: Dest{Level: Debugging}, BufferSize: DefaultBufferSize,
		Console: Dest{Level: Debugging}, Monitor: Dest{Level: Debugging}, Trap: Dest{Level: Informational},
		Hostname: "Router",
	}
}

// equal reports whether two configurations are the same.
func (c *Config) equal(o *Config) bool {
	return reflect.DeepEqual(c, o)
}

// Options are the logger's environment.
type Options struct {
	// Now is the clock (nil: time.Now).
	Now func() time.Time
	// Synced reports whether the clock is synchronized (nil: never, as a
	// router without NTP; its times are shown with '*').
	Synced func() bool
	// PID is the PROCID of the messages sent to collectors (0: "-").
	PID int
}

// Logger is the appliance's IOS logger. Its methods are safe for
// concurrent use.
type Logger struct {
	now    func() time.Time
	synced func() bool
	pid    int
	boot   time.Time

	mu  sync.Mutex
	cfg Config
	// ring holds the buffered lines, oldest first, size bytes in all.
	ring   []string
	size   int
	counts counts
	terms  []*Terminal
	hosts  []*hostConn
	// debug holds the DebugFlags that are on.
	debug atomic.Uint32
}

// counts are the messages each destination took (show logging).
type counts struct {
	console, monitor, buffer, trap int
	flushes                        int
}

// New returns a logger with the default configuration; boot time is now.
func New(o Options) *Logger {
	l := &Logger{now: o.Now, synced: o.Synced, pid: o.PID, cfg: DefaultConfig()}
	if l.now == nil {
		l.now = time.Now
	}
	if l.synced == nil {
		l.synced = func() bool { return false }
	}
	l.boot = l.now()
	return l
}

// Boot returns when the logger (the appliance) started.
func (l *Logger) Boot() time.Time { return l.boot }

// Now returns the logger's clock reading.
func (l *Logger) Now() time.Time { return l.now() }

// Synced reports whether the clock is synchronized.
func (l *Logger) Synced() bool { return l.synced() }

// Configure applies a configuration: the buffer is trimmed to its new
// size (and emptied when buffering is turned off), collectors are opened
// and closed.
func (l *Logger) Configure(cfg Config) {
	if cfg.BufferSize <= 0 {
		cfg.BufferSize = DefaultBufferSize
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.cfg.equal(&cfg) {
		return
	}
	cfg.Hosts = slices.Clone(cfg.Hosts)
	l.cfg = cfg
	if cfg.Buffer.Off {
		l.ring, l.size = nil, 0
	}
	l.trim()
	l.hosts = reconcileHosts(l.hosts, cfg.Hosts)
}

// Config returns the configuration in force.
func (l *Logger) Config() Config {
	l.mu.Lock()
	defer l.mu.Unlock()
	c := l.cfg
	c.Hosts = slices.Clone(c.Hosts)
	return c
}

// Log logs m: to the buffer, the console, the monitoring sessions and
// the collectors whose level takes it. Debug messages are logged only
// while a debug of their category is on (Debugf does that check).
func (l *Logger) Log(m Message) {
	if m.Time.IsZero() {
		m.Time = l.now()
	}
	if m.Debug {
		m.Severity = Debugging
	}
	synced := l.synced()
	l.mu.Lock()
	stamp := l.cfg.Log
	if m.Debug {
		stamp = l.cfg.Debug
	}
	line := stamp.Stamp(m.Time, l.boot, synced) + m.Body()
	if l.cfg.Buffer.takes(m.Severity) {
		l.counts.buffer++
		l.ring = append(l.ring, line)
		l.size += len(line) + 1
		l.trim()
	}
	var to []*Terminal
	for _, t := range l.terms {
		if t.takes(&l.cfg, m.Severity) {
			to = append(to, t)
		}
	}
	if l.cfg.Console.takes(m.Severity) {
		l.counts.console++
	}
	if l.cfg.Monitor.takes(m.Severity) {
		l.counts.monitor++
	}
	var hosts []*hostConn
	if l.cfg.Trap.takes(m.Severity) && len(l.hosts) > 0 {
		l.counts.trap++
		hosts = slices.Clone(l.hosts)
	}
	hostname := l.cfg.Hostname
	l.mu.Unlock()
	for _, t := range to {
		t.send(line + "\n")
	}
	if len(hosts) > 0 {
		pkt := FormatRFC5424(&m, hostname, l.pid)
		for _, h := range hosts {
			h.send(pkt)
		}
	}
}

// Logf logs a message with its code and formatted text.
func (l *Logger) Logf(facility string, sev Severity, mnemonic, format string, args ...any) {
	l.Log(Message{Facility: facility, Severity: sev, Mnemonic: mnemonic, Text: sprintf(format, args...)})
}

// trim drops the oldest buffered lines until the buffer fits its size.
func (l *Logger) trim() {
	for l.size > l.cfg.BufferSize && len(l.ring) > 0 {
		l.size -= len(l.ring[0]) + 1
		l.ring[0] = ""
		l.ring = l.ring[1:]
	}
}

// Clear empties the buffer (`clear logging`).
func (l *Logger) Clear() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.ring, l.size = nil, 0
	l.counts.flushes++
}

// Buffered returns the buffered lines, oldest first.
func (l *Logger) Buffered() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.ring)
}

// Close stops the terminals' writers and closes the collectors' sockets.
func (l *Logger) Close() {
	l.mu.Lock()
	terms, hosts := l.terms, l.hosts
	l.terms, l.hosts = nil, nil
	l.mu.Unlock()
	for _, t := range terms {
		t.stop()
	}
	for _, h := range hosts {
		h.close()
	}
}

// sprintf formats a message text; without arguments the format is the
// text (a '%' in it is kept).
func sprintf(format string, args ...any) string {
	if len(args) == 0 {
		return format
	}
	return strings.TrimRight(fmt.Sprintf(format, args...), "\n")
}
