package syslog

import (
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
)

// facilityLocal7 is the facility of the messages sent to collectors, the
// IOS default (`logging facility local7`; RFC 5424 section 6.2.1 code 23).
const facilityLocal7 = 23

// appName is the APP-NAME of the messages sent to collectors.
const appName = "flexvpnd"

// hostConn is the socket to one collector, opened at the first message
// (a configuration that is only checked opens none).
type hostConn struct {
	host Host
	sent atomic.Int64

	mu     sync.Mutex
	conn   *net.UDPConn // nil before the first message or when it cannot open
	failed bool         // the socket could not be opened
	closed bool
}

func (h *hostConn) addrPort() netip.AddrPort {
	port := h.host.Port
	if port == 0 {
		port = DefaultPort
	}
	return netip.AddrPortFrom(h.host.Addr, port)
}

// send sends one datagram; a collector that cannot be reached loses it
// (RFC 5426 section 3.1: UDP is unreliable).
func (h *hostConn) send(pkt []byte) {
	h.mu.Lock()
	if h.conn == nil && !h.failed && !h.closed {
		c, err := net.DialUDP("udp", nil, net.UDPAddrFromAddrPort(h.addrPort()))
		h.conn, h.failed = c, err != nil
	}
	c := h.conn
	h.mu.Unlock()
	if c == nil {
		return
	}
	if _, err := c.Write(pkt); err == nil {
		h.sent.Add(1)
	}
}

// up reports whether the socket opened (or was not needed yet).
func (h *hostConn) up() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return !h.failed
}

func (h *hostConn) close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.closed = true
	if h.conn != nil {
		h.conn.Close()
	}
}

// reconcileHosts returns the sockets of the collectors want: those of
// have kept, new ones added, the others closed.
func reconcileHosts(have []*hostConn, want []Host) []*hostConn {
	var out []*hostConn
	for _, w := range want {
		i := indexOfFunc(have, func(h *hostConn) bool { return h != nil && h.host == w })
		if i >= 0 {
			out = append(out, have[i])
			have[i] = nil
			continue
		}
		out = append(out, &hostConn{host: w})
	}
	for _, h := range have {
		if h != nil {
			h.close()
		}
	}
	return out
}

func indexOfFunc[T any](s []T, f func(T) bool) int {
	for i, x := range s {
		if f(x) {
			return i
		}
	}
	return -1
}

// FormatRFC5424 returns m as an RFC 5424 syslog message (section 6):
//
//	<PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID - MSG
//
// with the facility local7, the time in UTC with milliseconds (section
// 6.2.3), the IOS message code as MSGID ("LINK-3-UPDOWN", "DEBUG" for
// debug output) and the IOS text as MSG; no structured data.
func FormatRFC5424(m *Message, hostname string, pid int) []byte {
	procID, msgID := "-", "DEBUG"
	if pid > 0 {
		procID = strconv.Itoa(pid)
	}
	if !m.Debug {
		msgID = header(m.Code(), 32)
	}
	pri := facilityLocal7*8 + int(m.Severity)
	ts := m.Time.UTC().Format("2006-01-02T15:04:05.000Z")
	return fmt.Appendf(nil, "<%d>1 %s %s %s %s %s - %s", pri, ts, header(hostname, 255), appName, procID, msgID, m.Body())
}

// header returns s as an RFC 5424 header field: printable US-ASCII
// without spaces (section 6), at most n characters, "-" when empty.
func header(s string, n int) string {
	s = strings.Map(func(r rune) rune {
		if r < 33 || r > 126 {
			return -1
		}
		return r
	}, s)
	if s == "" {
		return "-"
	}
	return s[:min(len(s), n)]
}
