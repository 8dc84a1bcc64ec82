package ike

import (
	"bytes"
	"encoding/binary"

	"github.com/flexvpnd/flexvpnd/engine/ikev2/wire"
)

// childRekey rekeys a CHILD SA with a CREATE_CHILD_SA exchange (RFC 7296
// sections 1.3.3 and 2.8): the request names the old SA in a REKEY_SA
// notification, by the SPI we expect in inbound packets, and proposes its
// traffic selectors again; with PFS (a D-H transform in the ESP proposals)
// it carries a KE payload. Make-before-break: the new CHILD SA goes into
// the data plane first, then we, the rekey's initiator, delete the old one
// with an INFORMATIONAL exchange.
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
			old.rekeyAt = sa.env.Now().Add(rekeyRetry)
		}
		return nil
	}
	if t.peerNew != nil && lowestNonceOurs([2][]byte{c.ni, c.nr}, t.peerNonces) {
		// Section 2.8.1: the SA created with the lowest of the four
		// nonces is redundant and deleted by its creator, us; the peer's
		// rekey replaces old, and the peer deletes old.
		sa.queueChildDelete(c.installed)
		return nil
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
	if sa.parent != nil || sa.state != StateEstablished {
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
	t.create = &childCreate{sa: sa, exch: wire.CreateChildSA}
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
// of create: old is replaced and waits for the peer's Delete. Our own rekey
// of old is dropped if still queued; if it is outstanding, the two rekeys
// collided and our response decides which new SA stays (RFC 7296 section
// 2.8.1).
func (sa *SA) rekeyedByPeer(old *child, create *childCreate) {
	old.replaced = true
	r := old.rekeying
	if r == nil || sa.dropQueuedRekey(old) {
		return
	}
	r.peerNew, r.peerNonces = create.installed, [2][]byte{create.ni, create.nr}
}
