package ike

import (
	"errors"
	"fmt"

	"github.com/flexvpnd/flexvpnd/engine/ikev2/wire"
)

// informational is the INFORMATIONAL exchange (RFC 7296 section 1.4) as far
// as this increment goes. As a requester it carries one error notification:
// AUTHENTICATION_FAILED from an initiator that rejected the responder's AUTH
// (section 2.21.2), so that the responder drops the IKE SA and its CHILD SA.
// As a responder it answers any request with an empty response (a liveness
// check, section 2.4) and, on AUTHENTICATION_FAILED, tears the SA down.
type informational struct {
	sa         *SA
	notify     wire.NotifyType // requester: the notification to send
	authFailed bool            // responder: the peer rejected our AUTH
}

func (t *informational) build(m *message) error {
	if t.notify != 0 {
		m.add(&wire.Notify{NotifyType: t.notify})
		return nil
	}
	if t.authFailed {
		t.sa.fail(t.sa.deleteChildren(&NotifyError{Type: wire.AuthenticationFailed, Err: errors.New("refused by the peer")}))
	}
	return nil
}

func (t *informational) process(m *message) error {
	if t.notify != 0 {
		return nil
	}
	for _, p := range m.payloads {
		if n, ok := p.(*wire.Notify); ok && n.NotifyType == wire.AuthenticationFailed {
			t.authFailed = true
		}
	}
	return nil
}

// deleteChildren removes the SA's CHILD SAs from the data plane and returns
// cause, joined with any failure to delete.
func (sa *SA) deleteChildren(cause error) error {
	errs := []error{cause}
	for _, id := range sa.children {
		if err := sa.env.Dataplane.DeleteChildSA(id); err != nil {
			errs = append(errs, fmt.Errorf("delete CHILD SA: %w", err))
		}
	}
	sa.children = nil
	return errors.Join(errs...)
}
