package ike

import (
	"encoding/binary"
	"errors"
	"fmt"
	"slices"

	"github.com/flexvpnd/flexvpnd/engine/ikev2/wire"
)

// informational is the INFORMATIONAL exchange (RFC 7296 section 1.4) apart
// from the Delete requests we send (ikeDelete, childDelete). As a requester
// it carries one error notification: AUTHENTICATION_FAILED from an
// initiator that rejected the responder's AUTH (section 2.21.2), so that
// the responder drops the IKE SA and its CHILD SA. As a responder it
// answers any request (an empty one is a liveness check, section 2.4); on
// AUTHENTICATION_FAILED it tears the SA down, and it acts on Delete
// payloads (sections 1.4.1 and 3.11).
type informational struct {
	sa         *SA
	notify     wire.NotifyType // requester: the notification to send
	authFailed bool            // responder: the peer rejected our AUTH
	deleteIKE  bool            // responder: the peer deletes the IKE SA
	// answer holds, for the responder, the inbound SPIs of the CHILD SAs
	// the peer deleted, to name in the Delete payload of the response.
	answer []uint32
	// ack is the responder's CFG_ACK to a CFG_SET (task_cp.go).
	ack *wire.CP
}

func (t *informational) build(m *message) error {
	sa := t.sa
	if t.ack != nil {
		m.add(t.ack)
	}
	switch {
	case t.notify != 0:
		m.add(&wire.Notify{NotifyType: t.notify})
	case t.authFailed:
		sa.fail(sa.deleteChildren(&NotifyError{Type: wire.AuthenticationFailed, Err: errors.New("refused by the peer")}))
	case t.deleteIKE:
		// Section 1.4.1: the response to an IKE SA Delete is empty, and
		// the IKE SA goes with all its CHILD SAs.
		sa.deleted()
	case len(t.answer) > 0:
		// Section 1.4.1: the response deletes the paired SAs, named by
		// the SPIs we expect in inbound packets.
		m.add(espDelete(t.answer))
	}
	return nil
}

func (t *informational) process(m *message) error {
	if t.notify != 0 {
		return nil
	}
	var errs []error
	for _, p := range m.payloads {
		switch p := p.(type) {
		case *wire.Notify:
			if p.NotifyType == wire.AuthenticationFailed {
				t.authFailed = true
			}
		case *wire.CP:
			ack, err := t.sa.acceptSet(p)
			t.ack = ack
			errs = append(errs, err)
		case *wire.Delete:
			switch p.Protocol {
			case wire.ProtocolIKE:
				t.deleteIKE = true
			case wire.ProtocolESP:
				errs = append(errs, t.deleteESP(p))
			}
		}
	}
	if t.deleteIKE {
		return nil // the IKE SA Delete covers the CHILD SAs
	}
	return errors.Join(errs...)
}

// deleteESP removes the CHILD SAs that a Delete payload names by the SPIs
// the peer expects in inbound packets: our outbound SPIs (section 3.11).
// SPIs of SAs we do not have are ignored (section 1.4.1). A CHILD SA whose
// Delete we requested ourselves is left for our request's response and not
// named in this response (simultaneous delete, section 1.4.1).
func (t *informational) deleteESP(d *wire.Delete) error {
	if d.SPISize != 4 {
		return nil
	}
	sa := t.sa.owner() // a replaced IKE SA acts on the CHILD SAs it handed over
	var errs []error
	for _, b := range d.SPIs {
		c := sa.childByOut(binary.BigEndian.Uint32(b))
		if c == nil || sa.isDeleting(c) {
			continue
		}
		t.answer = append(t.answer, c.id.InSPI)
		sa.dropQueuedRekey(c)
		errs = append(errs, sa.removeChild(c.id.InSPI))
	}
	return errors.Join(errs...)
}

// ikeDelete deletes the IKE SA, and with it its CHILD SAs (RFC 7296
// section 1.4.1): the request carries a Delete payload for protocol IKE
// without SPIs (section 3.11); the response, empty, completes it.
type ikeDelete struct{ sa *SA }

func (t *ikeDelete) build(m *message) error {
	m.add(&wire.Delete{Protocol: wire.ProtocolIKE})
	return nil
}

func (t *ikeDelete) process(*message) error {
	t.sa.deleted()
	return nil
}

// childDelete deletes CHILD SAs (RFC 7296 section 1.4.1): the request
// names them by our inbound SPIs (section 3.11). The response names the
// paired SAs, or nothing when the peer deleted them at the same time; in
// both cases both directions go, as the data plane removes a CHILD SA
// whole.
type childDelete struct {
	sa   *SA
	spis []uint32 // our inbound SPIs
}

func (t *childDelete) build(m *message) error {
	m.add(espDelete(t.spis))
	return nil
}

func (t *childDelete) process(*message) error {
	sa := t.sa
	var errs []error
	for _, spi := range t.spis {
		if sa.ext != nil {
			sa.ext.deleting = slices.DeleteFunc(sa.ext.deleting, func(s uint32) bool { return s == spi })
		}
		if sa.childByIn(spi) != nil {
			errs = append(errs, sa.removeChild(spi))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("delete CHILD SA: %w", err)
	}
	return nil
}

// espDelete returns a Delete payload for the ESP SAs with the given SPIs.
func espDelete(spis []uint32) *wire.Delete {
	d := &wire.Delete{Protocol: wire.ProtocolESP, SPISize: 4}
	for _, spi := range spis {
		d.SPIs = append(d.SPIs, binary.BigEndian.AppendUint32(nil, spi))
	}
	return d
}

// Delete starts deleting the IKE SA and its CHILD SAs with an
// INFORMATIONAL exchange (RFC 7296 section 1.4.1). The SA is DELETING
// until the response arrives, then DELETED; without a response it fails
// once the retransmissions are exhausted (section 2.4), also removing the
// CHILD SAs.
func (sa *SA) Delete() ([]Datagram, error) {
	if sa.state != StateEstablished {
		return nil, fmt.Errorf("ike: delete in state %v", sa.state)
	}
	sa.state = StateDeleting
	sa.mgr.queue = append(sa.mgr.queue, &exchange{typ: wire.Informational, tasks: []task{&ikeDelete{sa: sa}}})
	return sa.startNext(), nil
}

// DeleteChild starts deleting the CHILD SA whose inbound SPI is spi with an
// INFORMATIONAL exchange (RFC 7296 section 1.4.1); the CHILD SA leaves the
// data plane when the response arrives.
func (sa *SA) DeleteChild(spi uint32) ([]Datagram, error) {
	if sa.state != StateEstablished {
		return nil, fmt.Errorf("ike: delete CHILD SA in state %v", sa.state)
	}
	c := sa.childByIn(spi)
	if c == nil {
		return nil, fmt.Errorf("ike: no CHILD SA with inbound SPI %08x", spi)
	}
	if sa.isDeleting(c) {
		return nil, fmt.Errorf("ike: CHILD SA with inbound SPI %08x is already being deleted", spi)
	}
	sa.queueChildDelete(c)
	return sa.startNext(), nil
}

// deleted ends the IKE SA after a Delete from either side: its CHILD SAs
// leave the data plane and its exchanges stop. A failure to remove a CHILD
// SA is kept as the SA's error.
func (sa *SA) deleted() {
	if err := sa.deleteChildren(nil); err != nil || sa.ext != nil {
		sa.extra().err = err
	}
	sa.state = StateDeleted
	sa.mgr.active, sa.mgr.queue, sa.hs, sa.rekeying = nil, nil, nil, nil
	if sa.ext != nil {
		sa.ext.deleting, sa.ext.after = nil, nil
	}
	sa.dropOthers()
}

// removeChild removes the CHILD SA whose inbound SPI is spi from the data
// plane and from the SA, first activating the outbound direction of its
// pending successor, if any.
func (sa *SA) removeChild(spi uint32) error {
	i := slices.IndexFunc(sa.children, func(c *child) bool { return c.id.InSPI == spi })
	id := sa.children[i].id
	activated := sa.activateSuccessor(sa.children[i]) // before: no gap in outbound traffic
	sa.children = slices.Delete(sa.children, i, i+1)
	if err := sa.env.Dataplane.DeleteChildSA(id); err != nil {
		return errors.Join(activated, fmt.Errorf("delete CHILD SA %v: %w", id, err))
	}
	return activated
}

// deleteChildren removes the SA's CHILD SAs from the data plane and returns
// cause, joined with any failure to delete.
func (sa *SA) deleteChildren(cause error) error {
	errs := []error{cause}
	for _, c := range sa.children {
		if err := sa.env.Dataplane.DeleteChildSA(c.id); err != nil {
			errs = append(errs, fmt.Errorf("delete CHILD SA: %w", err))
		}
	}
	sa.children = nil
	return errors.Join(errs...)
}
