package syslog

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
)

// DebugHandler returns a slog.Handler that shows log records (the
// engine's) as `debug crypto ikev2` output while a debug is on: errors
// and warnings as IKEv2-ERROR lines (every IKEv2 debug shows them),
// informational records under `debug crypto ikev2`, debug records under
// `debug crypto ikev2 internal`. An "id" attribute names the session
// ("IKEv2:(SESSION ID = 3,SA ID = 3):..."). Attributes whose name speaks
// of a key, secret or password are never shown.
func (l *Logger) DebugHandler() slog.Handler { return &debugHandler{l: l} }

type debugHandler struct {
	l      *Logger
	attrs  []slog.Attr
	prefix string // the group prefix of later attributes ("g.")
}

// Enabled reports whether any debug is on.
func (h *debugHandler) Enabled(context.Context, slog.Level) bool { return h.l.Debugging() != 0 }

// Handle logs the record as a debug line.
func (h *debugHandler) Handle(_ context.Context, r slog.Record) error {
	cat := DebugInternal
	switch {
	case r.Level >= slog.LevelWarn:
		cat = DebugError
	case r.Level >= slog.LevelInfo:
		cat = DebugIKEv2
	}
	var sa uint64
	var b strings.Builder
	b.WriteString(r.Message)
	fields := map[string]string{}
	add := func(prefix string, a slog.Attr) {
		a.Value = a.Value.Resolve()
		text := a.Value.String()
		n, err := strconv.ParseUint(text, 10, 64)
		switch {
		case a.Key == "id" && err == nil:
			sa = n
		case a.Key == "part" || text == "" || text == "<nil>" || secretKey(a.Key):
		default:
			fields[prefix+a.Key] = text
			fmt.Fprintf(&b, " %s%s=%s", prefix, a.Key, text)
		}
	}
	for _, a := range h.attrs {
		add("", a)
	}
	r.Attrs(func(a slog.Attr) bool {
		add(h.prefix, a)
		return true
	})
	if text, ok := packetDebug(r.Message, fields); ok {
		h.l.IKEv2Debug(DebugPacket, sa, "%s", text)
		return nil
	}
	h.l.IKEv2Debug(cat, sa, "%s", b.String())
	return nil
}

// packetDebug formats the record of an IKE message sent or received (the
// IKE runtime's "Sending Packet" and "Received Packet" debug records) as
// IOS's packet debug does, trailing spaces included:
//
//	Received Packet [From 192.0.2.1:500/To 192.0.2.2:500/VRF i0:f0]
//	Initiator SPI : 1D418169B24BF95A - Responder SPI : 0000000000000000 Message id: 0
//	IKEv2 IKE_SA_INIT Exchange REQUEST
//	Payload contents:
//	 SA KE N VID NOTIFY(NAT_DETECTION_SOURCE_IP)
func packetDebug(msg string, f map[string]string) (string, bool) {
	var where string
	switch msg {
	case "Sending Packet":
		where = "To " + f["remote"] + "/From " + f["local"]
	case "Received Packet":
		where = "From " + f["remote"] + "/To " + f["local"]
	default:
		return "", false
	}
	kind := "REQUEST"
	if f["response"] == "true" {
		kind = "RESPONSE"
	}
	return fmt.Sprintf("%s [%s/VRF i0:f0] \nInitiator SPI : %s - Responder SPI : %s Message id: %s\nIKEv2 %s Exchange %s \nPayload contents: \n %s ",
		msg, where, f["spii"], f["spir"], f["msgid"], f["exchange"], kind, f["payloads"]), true
}

// WithAttrs returns a handler with more attributes.
func (h *debugHandler) WithAttrs(as []slog.Attr) slog.Handler {
	out := *h
	out.attrs = append([]slog.Attr(nil), h.attrs...)
	for _, a := range as {
		a.Key = h.prefix + a.Key
		out.attrs = append(out.attrs, a)
	}
	return &out
}

// WithGroup returns a handler whose later attributes are in a group.
func (h *debugHandler) WithGroup(name string) slog.Handler {
	out := *h
	out.prefix += name + "."
	return &out
}

// secretKey reports an attribute name that may hold secret material.
func secretKey(key string) bool {
	k := strings.ToLower(key)
	for _, w := range []string{"key", "secret", "password", "psk"} {
		if strings.Contains(k, w) {
			return true
		}
	}
	return false
}
