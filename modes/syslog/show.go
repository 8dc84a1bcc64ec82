package syslog

import (
	"fmt"
	"strings"
)

// ShowLogging renders `show logging` in the IOS 15 layout: the state of
// each destination, the collectors, then the buffered messages. The
// message discriminator, exception, persistent and rate-limit lines of
// IOS are printed with their defaults (flexvpnd has none of them).
// UNCONFIRMED: the exact blank lines between blocks.
func (l *Logger) ShowLogging() string {
	l.mu.Lock()
	cfg, c := l.cfg, l.counts
	ring := append([]string(nil), l.ring...)
	hosts := append([]*hostConn(nil), l.hosts...)
	var dropped int64
	for _, t := range l.terms {
		dropped += t.dropped.Load()
	}
	l.mu.Unlock()

	var b strings.Builder
	fmt.Fprintf(&b, "Syslog logging: enabled (%d messages dropped, 0 messages rate-limited, %d flushes, 0 overruns, xml disabled, filtering disabled)\n\n", dropped, c.flushes)
	b.WriteString("No Active Message Discriminator.\n\n\n\nNo Inactive Message Discriminator.\n\n\n")
	dest(&b, "Console logging:", cfg.Console, c.console, "                     ")
	dest(&b, "Monitor logging:", cfg.Monitor, c.monitor, "                     ")
	dest(&b, "Buffer logging: ", cfg.Buffer, c.buffer, "                    ")
	b.WriteString("    Exception Logging: size (4096 bytes)\n")
	b.WriteString("    Count and timestamp logging messages: disabled\n")
	b.WriteString("    Persistent logging: disabled\n\n")
	b.WriteString("No active filter modules.\n\n")
	if cfg.Trap.Off {
		b.WriteString("    Trap logging: disabled\n")
	} else {
		fmt.Fprintf(&b, "    Trap logging: level %s, %d message lines logged\n", cfg.Trap.Level, c.trap)
	}
	for _, h := range hosts {
		fmt.Fprintf(&b, "        Logging to %s  (udp port %d, audit disabled,\n", h.host.Addr, h.addrPort().Port())
		fmt.Fprintf(&b, "              link %s),\n", map[bool]string{true: "up", false: "down"}[h.up()])
		fmt.Fprintf(&b, "              %d message lines logged, \n", h.sent.Load())
		b.WriteString("              0 message lines rate-limited, \n")
		b.WriteString("              0 message lines dropped-by-MD, \n")
		b.WriteString("              xml disabled, sequence number disabled\n")
		b.WriteString("              filtering disabled\n")
	}
	b.WriteString("        Logging Source-Interface:       VRF Name:\n\n")
	if cfg.Buffer.Off {
		return b.String()
	}
	fmt.Fprintf(&b, "Log Buffer (%d bytes):\n\n", cfg.BufferSize)
	for _, line := range ring {
		b.WriteString(line + "\n")
	}
	return b.String()
}

// dest writes the line of one destination: disabled, or its level and
// count.
func dest(b *strings.Builder, title string, d Dest, count int, pad string) {
	if d.Off {
		fmt.Fprintf(b, "    %s disabled\n", strings.TrimRight(title, " "))
		return
	}
	fmt.Fprintf(b, "    %s level %s, %d messages logged, xml disabled,\n%sfiltering disabled\n", title, d.Level, count, pad)
}
