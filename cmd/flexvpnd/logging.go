package main

import (
	"io"
	"log/slog"

	"github.com/flexvpnd/flexvpnd/engine"
	"github.com/flexvpnd/flexvpnd/engine/dataplane"
	"github.com/flexvpnd/flexvpnd/engine/dataplane/userspace"
	"github.com/flexvpnd/flexvpnd/engine/dataplane/xfrm"
	"github.com/flexvpnd/flexvpnd/modes/syslog"
)

// applianceLogger returns the engine's logger: structured records on w
// (stderr, for the operator's journal) from level on, and every record as
// `debug crypto ikev2` output of the IOS logger while a debug is on.
func applianceLogger(log *syslog.Logger, w io.Writer, level slog.Level) *slog.Logger {
	return slog.New(slog.NewMultiHandler(slog.NewTextHandler(w, &slog.HandlerOptions{Level: level}), log.DebugHandler()))
}

// engineEvents returns the engine's OnEvent: sessions and tunnel
// interfaces going up or down become the IOS messages of a router
// (%LINK-3-UPDOWN, %CRYPTO-5-IKEV2_SESSION_STATUS, %LINEPROTO-5-UPDOWN)
// and `debug crypto ikev2` lines.
func engineEvents(log *syslog.Logger) func(engine.Event) {
	return func(ev engine.Event) {
		switch ev.Kind {
		case engine.EventLinkUp, engine.EventLinkDown:
			log.Link(ev.Interface, ev.Kind == engine.EventLinkUp)
		case engine.EventLineUp, engine.EventLineDown:
			log.LineProtocol(ev.Interface, ev.Kind == engine.EventLineUp)
		case engine.EventSessionUp:
			log.IKEv2Debug(syslog.DebugIKEv2, ev.SA, "Session with IKE ID %s, peer %s is UP", ev.PeerID, ev.Remote)
			log.CryptoSession(true, ev.Remote, ev.PeerID)
		case engine.EventSessionDown:
			log.IKEv2Debug(syslog.DebugIKEv2, ev.SA, "Deleting SA")
			log.CryptoSession(false, ev.Remote, ev.PeerID)
		case engine.EventSessionFailed:
			log.IKEv2Debug(syslog.DebugError, ev.SA, "Negotiation with peer %s failed: %v", ev.Remote, ev.Err)
		}
	}
}

// dataplaneName names the data plane in use, for show version.
func dataplaneName(dp dataplane.Dataplane) string {
	switch dp.(type) {
	case *xfrm.Backend:
		return "xfrm (Linux kernel IPsec)"
	case *userspace.Backend:
		return "userspace (TUN interfaces, ESP in flexvpnd)"
	}
	return "none (IKE only, no ESP)"
}
