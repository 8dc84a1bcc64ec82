package ike

import (
	"encoding/binary"
	"fmt"

	ikecrypto "github.com/flexvpnd/flexvpnd/engine/ikev2/crypto"
	"github.com/flexvpnd/flexvpnd/engine/ikev2/wire"
)

// ikeSPILen is the SPI size of an IKE proposal in a rekey (RFC 7296
// section 3.3.1).
const ikeSPILen = 8

// ikeRekey rekeys the IKE SA with a CREATE_CHILD_SA exchange (RFC 7296
// sections 1.3.2 and 2.18): SA (the new IKE SA's proposals, with our new
// SPI), Ni/Nr and a KE payload, which is mandatory. The new IKE SA's
// SKEYSEED is prf(SK_d (old), g^ir (new) | Ni | Nr), its keys come from
// the new SPIs, and its initiator is the rekey's initiator. It takes over
// the CHILD SAs; the rekey's initiator deletes the old IKE SA.
type ikeRekey struct {
	sa        *SA
	initiator bool
	group     wire.DHGroup
	dh        *ikecrypto.PrivateKey
	ni, nr    []byte
	spi       uint64 // our SPI of the new IKE SA
	chosen    wire.Proposal
	// next holds the new IKE SA until the actor switches to it.
	next *SA
	// err is why no IKE SA was created: sent by the responder, received
	// by the initiator; retryGroup is what an INVALID_KE_PAYLOAD asked.
	err        *NotifyError
	retryGroup wire.DHGroup
	// peer is the new IKE SA that the peer created rekeying the same IKE
	// SA at the same time (section 2.8.1), and peerNonces the nonces of
	// its exchange.
	peer       *SA
	peerNonces [2][]byte
}

// queueIKERekey queues the rekey of the IKE SA with D-H group g, or the
// first configured one if g is not configured.
func (sa *SA) queueIKERekey(g wire.DHGroup) {
	if !hasGroup(sa.cfg.Proposals, g) {
		g = firstGroup(sa.cfg.Proposals)
	}
	t := &ikeRekey{sa: sa, initiator: true, group: g}
	sa.rekeying = t
	sa.mgr.queue = append(sa.mgr.queue, &exchange{typ: wire.CreateChildSA, tasks: []task{t}})
}

// build adds the request: SA, Ni, KEi (section 1.3.2).
func (t *ikeRekey) build(m *message) error {
	sa := t.sa
	var err error
	if err = t.fresh(t.group, &t.ni); err != nil {
		return err
	}
	m.add(&wire.SA{Proposals: toWire(sa.cfg.Proposals, wire.ProtocolIKE, binary.BigEndian.AppendUint64(nil, t.spi))},
		&wire.Nonce{Data: t.ni}, &wire.KE{Group: t.group, Data: t.dh.Public()})
	return nil
}

// fresh draws our SPI of the new IKE SA, our key of group g and our nonce.
func (t *ikeRekey) fresh(g wire.DHGroup, nonce *[]byte) error {
	sa := t.sa
	var err error
	if t.spi, err = randomSPI(sa.env.Rand); err != nil {
		return err
	}
	if t.dh, err = generateKey(sa, g); err != nil {
		return err
	}
	*nonce, err = randomNonce(sa.env.Rand)
	return err
}

// process handles the response. A refusal leaves the IKE SA as it is, to
// be rekeyed again later; the switch to the new IKE SA happens once the
// exchange is complete.
func (t *ikeRekey) process(m *message) error {
	sa := t.sa
	if t.err = t.processResponse(m); t.err != nil {
		if t.err.Type == wire.InvalidKEPayload && len(t.err.Data) == 2 {
			t.retryGroup = wire.DHGroup(binary.BigEndian.Uint16(t.err.Data))
		}
	}
	x := sa.extra()
	x.after = append(x.after, t.done)
	return nil
}

func (t *ikeRekey) processResponse(m *message) *NotifyError {
	sa := t.sa
	if n := m.errorNotify(); n != nil {
		return &NotifyError{Type: n.NotifyType, Data: n.Data, Err: fmt.Errorf("IKE SA rekey refused by the peer")}
	}
	resp, _ := m.first(wire.PayloadSA).(*wire.SA)
	if resp == nil {
		return notifyErr(wire.InvalidSyntax, "no SA payload")
	}
	p, ok := acceptedSPI(resp.Proposals, sa.cfg.Proposals, wire.ProtocolIKE, ikeSPILen, false)
	if !ok {
		return notifyErr(wire.NoProposalChosen, "the responder chose an IKE proposal we did not offer")
	}
	t.chosen = *p
	if g := suiteOf(p.Transforms).dh; g != t.group {
		return notifyErr(wire.InvalidSyntax, "the responder chose group %v, we sent %v", g, t.group)
	}
	return t.keys(m, &t.nr, binary.BigEndian.Uint64(p.SPI))
}

// processRequest handles the request as the responder: it chooses a
// proposal, whose group the KE payload must have (INVALID_KE_PAYLOAD
// otherwise, section 1.2), and derives the new IKE SA. A rekey is refused
// with TEMPORARY_FAILURE while a CREATE_CHILD_SA exchange of ours runs,
// whose keys would come from the IKE SA being replaced (section 2.25).
func (t *ikeRekey) processRequest(m *message) {
	sa := t.sa
	if ex := sa.mgr.active; ex != nil && ex.typ == wire.CreateChildSA && (sa.rekeying == nil || !sa.isActive(sa.rekeying)) {
		t.err = notifyErr(wire.TemporaryFailure, "a CREATE_CHILD_SA exchange of ours is under way")
		return
	}
	offer, _ := m.first(wire.PayloadSA).(*wire.SA)
	ke, ok := m.first(wire.PayloadKE).(*wire.KE)
	if !ok {
		t.err = notifyErr(wire.InvalidSyntax, "IKE SA rekey without KE payload")
		return
	}
	chosen, ok := chooseSPI(offer.Proposals, sa.cfg.Proposals, wire.ProtocolIKE, ikeSPILen, ke.Group, false)
	if !ok {
		t.err = notifyErr(wire.NoProposalChosen, "no acceptable IKE proposal in %d offered", len(offer.Proposals))
		return
	}
	t.chosen, t.group = chosen, suiteOf(chosen.Transforms).dh
	if ke.Group != t.group {
		t.err = invalidKE(t.group, ke.Group)
		return
	}
	if err := t.fresh(t.group, &t.nr); err != nil {
		t.err = &NotifyError{Type: wire.NoProposalChosen, Err: err}
		return
	}
	t.err = t.keys(m, &t.ni, binary.BigEndian.Uint64(chosen.SPI))
}

// buildResponse adds SA (with our new SPI), Nr and KEr, or the error; the
// switch to the new IKE SA happens once the response is sent.
func (t *ikeRekey) buildResponse(m *message) error {
	if t.err != nil {
		m.add(t.err.notify())
		return nil
	}
	t.chosen.SPI = binary.BigEndian.AppendUint64(nil, t.spi)
	m.add(&wire.SA{Proposals: []wire.Proposal{t.chosen}}, &wire.Nonce{Data: t.nr}, &wire.KE{Group: t.group, Data: t.dh.Public()})
	x := t.sa.extra()
	x.after = append(x.after, t.responded)
	return nil
}

// keys takes the peer's nonce (into nonce) and KE payload and derives the
// new IKE SA (section 2.18), whose other SPI is peerSPI.
func (t *ikeRekey) keys(m *message, nonce *[]byte, peerSPI uint64) *NotifyError {
	sa := t.sa
	n, ok1 := m.first(wire.PayloadNonce).(*wire.Nonce)
	ke, ok2 := m.first(wire.PayloadKE).(*wire.KE)
	if !ok1 || !ok2 {
		return notifyErr(wire.InvalidSyntax, "Nonce or KE payload missing")
	}
	if err := checkNonce(n.Data); err != nil {
		return err.(*NotifyError)
	}
	if peerSPI == 0 {
		return notifyErr(wire.InvalidSyntax, "new IKE SPI is zero")
	}
	*nonce = n.Data
	gir, err := t.dh.SharedSecret(ke.Data)
	if err != nil {
		return &NotifyError{Type: wire.InvalidSyntax, Err: err}
	}
	k := keyset{initiator: t.initiator, spiI: peerSPI, spiR: t.spi}
	if t.initiator {
		k.spiI, k.spiR = t.spi, peerSPI
	}
	if err := sa.rekeyKeys(&k, suiteOf(t.chosen.Transforms), gir, t.ni, t.nr); err != nil {
		return err
	}
	t.next = sa.newOther(k)
	return nil
}

// rekeyKeys derives the keys of the new IKE SA k (RFC 7296 section 2.18):
// SKEYSEED = prf(SK_d (old), g^ir (new) | Ni | Nr) with the old PRF, then
// SK_* = prf+(SKEYSEED, Ni | Nr | SPIi | SPIr) with the new one.
func (sa *SA) rekeyKeys(k *keyset, n negotiated, gir, ni, nr []byte) *NotifyError {
	s := n.suite()
	if err := s.Check(); err != nil {
		return &NotifyError{Type: wire.NoProposalChosen, Err: err}
	}
	var spiI, spiR ikecrypto.SPI
	binary.BigEndian.PutUint64(spiI[:], k.spiI)
	binary.BigEndian.PutUint64(spiR[:], k.spiR)
	keys, err := ikecrypto.DeriveIKEKeys(s, ikecrypto.RekeySKEYSEED(sa.prf(), sa.skd, gir, ni, nr), ni, nr, spiI, spiR)
	if err != nil {
		return &NotifyError{Type: wire.NoProposalChosen, Err: err}
	}
	keys = keys.Retained() // a rekeyed IKE SA has no AUTH for SK_pi and SK_pr
	if k.out, k.in, err = ikecrypto.NewSKCiphers(s, keys, k.initiator, sa.env.Rand); err != nil {
		return &NotifyError{Type: wire.NoProposalChosen, Err: err}
	}
	k.skd, k.suite = keys.SKd, n
	return nil
}

// done ends our rekey once its exchange is complete: the actor switches
// to the new IKE SA and deletes the old one. After a simultaneous rekey
// (section 2.8.1) the new IKE SA created with the lowest of the four
// nonces is redundant: its creator deletes it, and the other rekey's
// initiator deletes the old IKE SA. A refused rekey is tried again later.
func (t *ikeRekey) done() {
	sa := t.sa
	sa.rekeying = nil
	switch {
	case t.next == nil && t.peer != nil:
		sa.switchTo(t.peer, false)
	case t.next == nil && t.retryGroup != 0 && t.retryGroup != t.group && hasGroup(sa.cfg.Proposals, t.retryGroup):
		sa.queueIKERekey(t.retryGroup)
	case t.next == nil:
		sa.rekeyAt = sa.env.Now().Add(rekeyRetry)
	case t.peer == nil:
		sa.switchTo(t.next, true)
	case lowestNonceOurs([2][]byte{t.ni, t.nr}, t.peerNonces):
		sa.addOther(t.next)
		sa.retire(t.next, true)
		sa.switchTo(t.peer, false)
	default:
		sa.retire(t.peer, false)
		sa.switchTo(t.next, true)
	}
}

// responded switches to the new IKE SA once our response is sent: the
// peer deletes the old one (section 2.18). If our own rekey is
// outstanding, the rekeys collided (section 2.8.1) and our response
// decides; one of ours still queued is dropped.
func (t *ikeRekey) responded() {
	sa := t.sa
	if r := sa.rekeying; r != nil {
		if sa.isActive(r) {
			r.peer, r.peerNonces = t.next, [2][]byte{t.ni, t.nr}
			sa.addOther(t.next)
			return
		}
		sa.dropQueued(r)
		sa.rekeying = nil
	}
	sa.switchTo(t.next, false)
}
