package ike

import (
	"encoding/binary"
	"fmt"

	"github.com/flexvpnd/flexvpnd/engine/ikev2/wire"
)

// NotifyError is an error that the peer learns about as a Notify payload
// (RFC 7296 section 3.10.1): a responder sends it in its response, and an
// initiator reports it when it receives one.
type NotifyError struct {
	Type wire.NotifyType
	// Data is the Notification Data (the group of INVALID_KE_PAYLOAD).
	Data []byte
	// Err says why, for the logs; it is not sent.
	Err error
}

// Error returns the notification type and its cause.
func (e *NotifyError) Error() string {
	if e.Err == nil {
		return e.Type.String()
	}
	return fmt.Sprintf("%v: %v", e.Type, e.Err)
}

// Unwrap returns the cause.
func (e *NotifyError) Unwrap() error { return e.Err }

// notify returns the Notify payload that carries e.
func (e *NotifyError) notify() *wire.Notify {
	return &wire.Notify{NotifyType: e.Type, Data: e.Data}
}

// notifyErr returns a *NotifyError of type t explained by format.
func notifyErr(t wire.NotifyType, format string, args ...any) *NotifyError {
	return &NotifyError{Type: t, Err: fmt.Errorf(format, args...)}
}

// invalidKE is INVALID_KE_PAYLOAD carrying the group the responder
// selected (RFC 7296 sections 1.2 and 3.10.1).
func invalidKE(want, got wire.DHGroup) *NotifyError {
	return &NotifyError{Type: wire.InvalidKEPayload, Data: binary.BigEndian.AppendUint16(nil, uint16(want)),
		Err: fmt.Errorf("KE payload of group %v, selected %v", got, want)}
}
