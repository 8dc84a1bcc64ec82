package node

import (
	"context"
	"fmt"
	"log/slog"
	"net/netip"
	"strings"

	"github.com/flexvpnd/flexvpnd/engine/ikev2/wire"
)

// Debug records of the IKE messages sent and received: the appliance
// shows them as `debug crypto ikev2 packet` output. They carry the
// header and the names of the outer payloads only (an SK payload is
// "ENCR"), never payload contents.
const (
	// DebugSent and DebugReceived are the messages of the records.
	DebugSent     = "Sending Packet"
	DebugReceived = "Received Packet"
)

// debugPacket logs one IKE message of SA e at debug level, when that
// level is enabled.
func (n *Node) debugPacket(e *entry, msg string, local, remote netip.AddrPort, data []byte) {
	if !n.log.Enabled(context.Background(), slog.LevelDebug) {
		return
	}
	m, err := wire.Decode(data)
	if err != nil {
		return
	}
	h := &m.Header
	names := make([]string, len(m.Payloads))
	for i, p := range m.Payloads {
		names[i] = payloadName(p)
	}
	n.log.Debug(msg, "id", e.id, "local", local, "remote", remote,
		"spii", fmt.Sprintf("%016X", h.SPIi), "spir", fmt.Sprintf("%016X", h.SPIr), "msgid", h.MessageID,
		"exchange", h.Exchange.String(), "response", h.IsResponse(), "payloads", strings.Join(names, " "))
}

// payloadName is the name IOS debugs give a payload ("NOTIFY(NAME)").
func payloadName(p wire.Payload) string {
	switch t := p.Type(); t {
	case wire.PayloadN:
		if nt, ok := p.(*wire.Notify); ok {
			return "NOTIFY(" + nt.NotifyType.String() + ")"
		}
		return "NOTIFY"
	case wire.PayloadNonce:
		return "N"
	case wire.PayloadV:
		return "VID"
	case wire.PayloadCP:
		return "CFG"
	case wire.PayloadD:
		return "DELETE"
	case wire.PayloadSK, wire.PayloadSKF:
		return "ENCR"
	default:
		return t.String()
	}
}
