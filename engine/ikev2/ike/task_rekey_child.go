package ike

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"time"

	"github.com/flexvpnd/flexvpnd/engine/ikev2/wire"
)

// childRekey rekeys a CHILD SA with a CREATE_CHILD_SA exchange (RFC 7296
// sections 1.3.3 and 2.8): the request names the old SA in a REKEY_SA
// notification, by the SPI we expect in inbound packets, and proposes its
// traffic selectors again; with PFS (a D-H transform in the ESP proposals)
// it carries a KE payload.
//
// Make-before-break without loss in either direction, as strongSwan does
// it: the data plane sends on the CHILD SA activated last, and a side may
// send on the new SA only once its peer can decrypt it.
//
//  1. The responder installs the new SA when it answers, inbound only
//     (dataplane.ChildSA.OutboundPending): it decrypts the new SA at once
//     and keeps sending on the old one.
//  2. We, the initiator, install both directions when the response
//     arrives and send on the new SA from then on, which the responder
//     decrypts; then we delete the old SA with an INFORMATIONAL exchange.
//  3. The responder, receiving that Delete, activates the new SA's
//     outbound direction before it removes the old SA (removeChild), and
//     answers; we remove the old SA when the answer comes. What the
//     responder sent on the old SA before its answer arrives before it.
//
// If the Delete does not come, the responder activates the new SA
// activateFallback after installing it, or when it deletes the old one
// itself (its hard lifetime).
//
// When both sides rekey the same CHILD SA at once (section 2.8.1), each
// installs the SA of the other's rekey pending, and its own pending too,
// since only the response's nonces tell which of the two stays: the
// winner's creator activates its SA at once, the loser's creator never
// does and deletes it, and the peer's Delete of the old SA activates the
// winner on the other side. A redundant SA thus never sends.
type childRekey struct {
	sa     *SA
	old    *child
	create *childCreate
	// peerNew is the CHILD SA that the peer created rekeying old at the
	// same time (section 2.8.1), and peerNonces the nonces of its
	// exchange.
	peerNew    *child
	peerNonces [2][]byte
}

// queueChildRekey queues the rekey of c, with PFS in group (0 for none).
func (sa *SA) queueChildRekey(c *child, group wire.DHGroup) {
	t := &childRekey{sa: sa, old: c, create: newChildCreate(sa, group, c.local, c.remote)}
	c.rekeying = t
	sa.mgr.queue = append(sa.mgr.queue, &exchange{typ: wire.CreateChildSA, tasks: []task{t}})
}

func (t *childRekey) build(m *message) error {
	m.add(&wire.Notify{Protocol: wire.ProtocolESP, SPI: binary.BigEndian.AppendUint32(nil, t.old.id.InSPI), NotifyType: wire.RekeySA})
	return t.create.build(m)
}

func (t *childRekey) process(m *message) error {
	sa, old, c := t.sa, t.old, t.create
	// After a collision (section 2.8.1) only the nonces of the response
	// tell whether our new SA stays: it must not send before that, as
	// the peer removes a redundant SA of ours as soon as we delete it.
	c.outboundPending = t.peerNew != nil
	if err := c.process(m); err != nil {
		return err
	}
	old.rekeying = nil
	if c.installed == nil {
		switch {
		case t.peerNew != nil:
			// The peer's rekey went through; it deletes old.
		case c.err.Type == wire.ChildSANotFound && sa.childByIn(old.id.InSPI) == old:
			// Section 2.25: the peer has no such CHILD SA; neither do we.
			return sa.removeChild(old.id.InSPI)
		case c.retryGroup != 0 && c.retryGroup != c.group && hasGroup(sa.cfg.Child.Proposals, c.retryGroup):
			sa.queueChildRekey(old, c.retryGroup) // INVALID_KE_PAYLOAD (section 1.3)
		default:
			old.rekeyAt = sa.retryAt(old.expireAt)
		}
		return nil
	}
	if t.peerNew != nil && lowestNonceOurs([2][]byte{c.ni, c.nr}, t.peerNonces) {
		// Section 2.8.1: the SA created with the lowest of the four
		// nonces is redundant and deleted by its creator, us, without
		// ever sending on it; the peer's rekey replaces old, and the
		// peer deletes old, which activates the peer's new SA
		// (old.successor) here.
		sa.queueChildDelete(c.installed)
		return nil
	}
	// Ours replaces old; the peer's, if the rekeys collided, is redundant
	// and deleted by the peer: it must not send when old goes.
	old.successor = nil
	if err := sa.activateOutbound(c.installed); err != nil {
		return err
	}
	old.replaced = true
	if !sa.isDeleting(old) {
		sa.queueChildDelete(old)
	}
	return nil
}

// lowestNonceOurs reports whether the lowest of the four nonces of two
// simultaneous rekeys is one of our exchange's (RFC 7296 section 2.8.1).
func lowestNonceOurs(ours, theirs [2][]byte) bool {
	low := func(n [2][]byte) []byte {
		if bytes.Compare(n[0], n[1]) <= 0 {
			return n[0]
		}
		return n[1]
	}
	return bytes.Compare(low(ours), low(theirs)) < 0
}

// createChildResponder answers a CREATE_CHILD_SA request (RFC 7296 section
// 1.3): a rekey of the IKE SA (an SA payload for protocol IKE, section
// 1.3.2), a rekey of a CHILD SA (N(REKEY_SA), section 1.3.3) or a new CHILD
// SA (section 1.3.1). It refuses them with TEMPORARY_FAILURE while the IKE
// SA is being deleted or has been replaced (section 2.25).
type createChildResponder struct {
	sa     *SA
	ike    *ikeRekey
	create *childCreate
	old    *child // the CHILD SA rekeyed, if any
	err    *NotifyError
}

func (t *createChildResponder) process(m *message) error {
	sa := t.sa
	if sa.parent() != nil || sa.state != StateEstablished {
		t.err = notifyErr(wire.TemporaryFailure, "the IKE SA is being deleted")
		return nil
	}
	if offer, ok := m.first(wire.PayloadSA).(*wire.SA); ok && len(offer.Proposals) > 0 && offer.Proposals[0].Protocol == wire.ProtocolIKE {
		t.ike = &ikeRekey{sa: sa}
		t.ike.processRequest(m)
		return nil
	}
	if n := rekeyNotify(m); n != nil {
		if t.old, t.err = sa.rekeyed(n); t.err != nil {
			return nil
		}
	}
	// A rekey's new SA sends only once the initiator deletes old (see
	// childRekey); a new CHILD SA sends at once.
	t.create = &childCreate{sa: sa, exch: wire.CreateChildSA, outboundPending: t.old != nil}
	return t.create.process(m)
}

func (t *createChildResponder) build(m *message) error {
	switch {
	case t.err != nil:
		m.add(t.err.notify())
		return nil
	case t.ike != nil:
		return t.ike.buildResponse(m)
	}
	if err := t.create.build(m); err != nil {
		return err
	}
	if t.old != nil && t.create.installed != nil {
		t.sa.rekeyedByPeer(t.old, t.create)
	}
	return nil
}

// rekeyNotify returns the REKEY_SA notification of a message, or nil.
func rekeyNotify(m *message) *wire.Notify {
	for _, p := range m.payloads {
		if n, ok := p.(*wire.Notify); ok && n.NotifyType == wire.RekeySA {
			return n
		}
	}
	return nil
}

// rekeyed returns the CHILD SA that a REKEY_SA notification names, by the
// SPI the peer expects in inbound packets, our outbound SPI (RFC 7296
// section 1.3.3). It is CHILD_SA_NOT_FOUND if we have none (section 2.25),
// TEMPORARY_FAILURE if we are deleting it or it was rekeyed already
// (section 2.25.1).
func (sa *SA) rekeyed(n *wire.Notify) (*child, *NotifyError) {
	if n.Protocol != wire.ProtocolESP || len(n.SPI) != 4 {
		return nil, notifyErr(wire.ChildSANotFound, "REKEY_SA for protocol %v with a %d-octet SPI", n.Protocol, len(n.SPI))
	}
	spi := binary.BigEndian.Uint32(n.SPI)
	c := sa.childByOut(spi)
	switch {
	case c == nil:
		return nil, notifyErr(wire.ChildSANotFound, "no CHILD SA with outbound SPI %08x", spi)
	case sa.isDeleting(c) || c.replaced:
		return nil, notifyErr(wire.TemporaryFailure, "CHILD SA %08x is being deleted", spi)
	}
	return c, nil
}

// rekeyedByPeer records that the peer rekeyed old, creating the CHILD SA
// of create: old is replaced and waits for the peer's Delete, and the new
// SA, installed with its outbound direction pending, is old's successor.
// Our own rekey of old is dropped if still queued; if it is outstanding,
// the two rekeys collided and our response decides which new SA stays
// (RFC 7296 section 2.8.1).
func (sa *SA) rekeyedByPeer(old *child, create *childCreate) {
	old.replaced = true
	old.successor = create.installed
	r := old.rekeying
	if r == nil || sa.dropQueuedRekey(old) {
		return
	}
	r.peerNew, r.peerNonces = create.installed, [2][]byte{create.ni, create.nr}
}

// activateFallback is how long the responder of a CHILD SA rekey waits for
// the initiator's Delete of the old SA before it sends on the new one all
// the same: long enough for the initiator to get our response after
// losing it once (it retransmits its request after 4 s with
// DefaultRetransmit, and we answer again). With a shorter lifetime the
// hard expiry of the old SA comes first, and its deletion activates the
// new one.
const activateFallback = 10 * time.Second

// awaitActivation starts the fallback timer of c, just installed with its
// outbound direction pending.
func (sa *SA) awaitActivation(c *child) {
	c.pendingOut = true
	c.activateAt = sa.env.Now().Add(activateFallback)
}

// activateSuccessor activates the outbound direction of the pending CHILD
// SA that replaces old, when old is about to leave the data plane. A
// successor already active, or gone (a redundant SA of a collision,
// deleted), is left alone.
func (sa *SA) activateSuccessor(old *child) error {
	next := old.successor
	old.successor = nil
	if next == nil || sa.childByIn(next.id.InSPI) != next {
		return nil
	}
	return sa.activateOutbound(next)
}

// activateOutbound has the data plane send on c, installed with its
// outbound direction pending.
func (sa *SA) activateOutbound(c *child) error {
	if !c.pendingOut {
		return nil
	}
	if err := sa.env.Dataplane.ActivateOutbound(c.id); err != nil {
		return fmt.Errorf("activate CHILD SA %v: %w", c.id, err)
	}
	c.pendingOut, c.activateAt = false, time.Time{}
	return nil
}
