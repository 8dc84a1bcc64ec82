package ike

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/flexvpnd/flexvpnd/engine/dataplane"
	ikecrypto "github.com/flexvpnd/flexvpnd/engine/ikev2/crypto"
	"github.com/flexvpnd/flexvpnd/engine/ikev2/wire"
)

// childCreate creates a CHILD SA: the one of IKE_AUTH (RFC 7296 sections
// 1.2 and 2.17), or one in a CREATE_CHILD_SA exchange (sections 1.3.1 and
// 1.3.3), new or rekeying another. It owns SAi2/SAr2 and TSi/TSr, and in
// CREATE_CHILD_SA the nonces and the optional KE payloads of PFS. A
// failure to create the CHILD SA leaves the IKE SA up (section 1.2); for
// IKE_AUTH it is reported by SA.ChildErr.
type childCreate struct {
	sa *SA
	// initiator is set when we sent the request of the exchange.
	initiator bool
	exch      wire.ExchangeType // IKE_AUTH or CREATE_CHILD_SA
	// ts, for an initiator, are the selectors to propose, ours then the
	// peer's: the configured ones, or those of the CHILD SA rekeyed.
	ts [2][]wire.Selector

	// CREATE_CHILD_SA only: the nonces of the exchange (ni from its
	// initiator), and the key exchange of PFS (section 1.3.1): the group,
	// 0 without PFS, our key and the shared secret.
	ni, nr []byte
	group  wire.DHGroup
	dh     *ikecrypto.PrivateKey
	gir    []byte

	spi      uint32 // our inbound SPI
	chosen   wire.Proposal
	tsi, tsr []wire.Selector
	// err is why no CHILD SA was created: sent by a responder, received
	// by an initiator.
	err *NotifyError
	// retryGroup is the group an INVALID_KE_PAYLOAD asked for.
	retryGroup wire.DHGroup
	installed  *child
	// outboundPending installs the CHILD SA with its outbound direction
	// pending: set for the responder of a rekey (see createChildResponder).
	outboundPending bool
}

// newChildCreate returns the task that creates a CHILD SA in a
// CREATE_CHILD_SA exchange we initiate, with PFS in group (0 for none)
// and the given selectors (ours, the peer's).
func newChildCreate(sa *SA, group wire.DHGroup, local, remote []wire.Selector) *childCreate {
	return &childCreate{sa: sa, initiator: true, exch: wire.CreateChildSA, group: group, ts: [2][]wire.Selector{local, remote}}
}

// authChildCreate returns the task that creates the CHILD SA of IKE_AUTH.
func authChildCreate(sa *SA) *childCreate {
	c := &sa.cfg.Child
	return &childCreate{sa: sa, initiator: sa.initiator, exch: wire.IKEAuth, ts: [2][]wire.Selector{selectors(c.LocalTS), selectors(c.RemoteTS)}}
}

func (t *childCreate) build(m *message) error {
	sa := t.sa
	var err error
	if t.spi, err = randomESPSPI(sa.env.Rand); err != nil {
		return err
	}
	spi := binary.BigEndian.AppendUint32(nil, t.spi)
	if t.initiator {
		ps := sa.cfg.Child.Proposals
		if t.exch == wire.IKEAuth {
			ps = withoutDH(ps)
		}
		m.add(&wire.SA{Proposals: toWire(ps, wire.ProtocolESP, spi)})
		if err := t.addNonceKE(m, &t.ni); err != nil {
			return err
		}
		m.add(&wire.TS{Selectors: t.ts[0]}, &wire.TS{Responder: true, Selectors: t.ts[1]})
		return nil
	}
	if t.err != nil {
		m.add(t.err.notify())
		return nil
	}
	peerSPI := binary.BigEndian.Uint32(t.chosen.SPI)
	t.chosen.SPI = spi
	m.add(&wire.SA{Proposals: []wire.Proposal{t.chosen}})
	if err := t.addNonceKE(m, &t.nr); err != nil {
		return err
	}
	m.add(&wire.TS{Selectors: t.tsi}, &wire.TS{Responder: true, Selectors: t.tsr})
	return t.install(peerSPI)
}

// addNonceKE adds, in CREATE_CHILD_SA, a fresh nonce (stored in nonce) and,
// with PFS, the KE payload of a fresh key (RFC 7296 section 1.3.1).
func (t *childCreate) addNonceKE(m *message, nonce *[]byte) error {
	if t.exch != wire.CreateChildSA {
		return nil
	}
	var err error
	if *nonce, err = randomNonce(t.sa.env.Rand); err != nil {
		return err
	}
	m.add(&wire.Nonce{Data: *nonce})
	if t.group == 0 {
		return nil
	}
	if t.dh == nil {
		if t.dh, err = generateKey(t.sa, t.group); err != nil {
			return err
		}
	}
	m.add(&wire.KE{Group: t.group, Data: t.dh.Public()})
	return nil
}

// generateKey draws a private key of group g.
func generateKey(sa *SA, g wire.DHGroup) (*ikecrypto.PrivateKey, error) {
	group, err := ikecrypto.LookupGroup(ikecrypto.GroupID(g))
	if err != nil {
		return nil, fmt.Errorf("group %v: %w", g, err)
	}
	k, err := group.GenerateKey(sa.env.Rand)
	if err != nil {
		return nil, fmt.Errorf("group %v: %w", g, err)
	}
	return k, nil
}

// process selects the proposal and narrows the traffic selectors as a
// responder (section 2.9), or checks the responder's choice as an
// initiator, then installs the CHILD SA.
func (t *childCreate) process(m *message) error {
	if t.initiator {
		return t.processResponse(m)
	}
	t.err = t.processRequest(m)
	if t.err != nil && t.exch == wire.IKEAuth {
		t.sa.extra().childErr = t.err
	}
	return nil
}

func (t *childCreate) processRequest(m *message) *NotifyError {
	sa := t.sa
	offer, ok := m.first(wire.PayloadSA).(*wire.SA)
	if !ok {
		return &NotifyError{Type: wire.NoProposalChosen, Err: errors.New("no CHILD SA requested")}
	}
	ke, _ := m.first(wire.PayloadKE).(*wire.KE)
	var preferKE wire.DHGroup
	if ke != nil {
		preferKE = ke.Group
	}
	// Section 1.2: the CHILD SA of IKE_AUTH has no key exchange of its own.
	noKE := t.exch == wire.IKEAuth
	if t.chosen, ok = choose(offer.Proposals, sa.cfg.Child.Proposals, wire.ProtocolESP, preferKE, noKE); !ok {
		return notifyErr(wire.NoProposalChosen, "no acceptable ESP proposal in %d offered", len(offer.Proposals))
	}
	t.tsi = narrow(selectorsOf(m, wire.PayloadTSi), sa.cfg.Child.RemoteTS)
	t.tsr = narrow(selectorsOf(m, wire.PayloadTSr), sa.cfg.Child.LocalTS)
	if len(t.tsi) == 0 || len(t.tsr) == 0 {
		return notifyErr(wire.TSUnacceptable, "traffic selectors outside %v <-> %v", sa.cfg.Child.RemoteTS, sa.cfg.Child.LocalTS)
	}
	if noKE {
		return nil
	}
	return t.processNonceKE(m, ke, &t.ni)
}

// processNonceKE takes the peer's nonce and, when the chosen proposal has
// a D-H group (PFS), its KE payload, which must be of that group (RFC 7296
// section 1.3.1: INVALID_KE_PAYLOAD otherwise), and computes g^ir.
func (t *childCreate) processNonceKE(m *message, ke *wire.KE, nonce *[]byte) *NotifyError {
	n, ok := m.first(wire.PayloadNonce).(*wire.Nonce)
	if !ok {
		return notifyErr(wire.InvalidSyntax, "no Nonce payload")
	}
	if err := checkNonce(n.Data); err != nil {
		return err.(*NotifyError)
	}
	*nonce = n.Data
	g := suiteOf(t.chosen.Transforms).dh
	if g == 0 {
		return nil
	}
	switch {
	case ke == nil:
		return invalidKE(g, 0)
	case ke.Group != g:
		return invalidKE(g, ke.Group)
	case t.initiator && g != t.group:
		return notifyErr(wire.NoProposalChosen, "the responder chose group %v, we sent %v", g, t.group)
	}
	if !t.initiator {
		t.group = g
		var err error
		if t.dh, err = generateKey(t.sa, g); err != nil {
			return &NotifyError{Type: wire.NoProposalChosen, Err: err}
		}
	}
	gir, err := t.dh.SharedSecret(ke.Data)
	if err != nil {
		return &NotifyError{Type: wire.InvalidSyntax, Err: err}
	}
	t.gir = gir
	return nil
}

func (t *childCreate) processResponse(m *message) error {
	sa := t.sa
	resp, ok := m.first(wire.PayloadSA).(*wire.SA)
	if !ok {
		t.refused(m)
		return nil
	}
	noKE := t.exch == wire.IKEAuth
	p, ok := accepted(resp.Proposals, sa.cfg.Child.Proposals, wire.ProtocolESP, noKE)
	if !ok {
		return t.failed(notifyErr(wire.NoProposalChosen, "the responder chose an ESP proposal we did not offer"))
	}
	t.chosen = *p
	if !noKE {
		if t.group != 0 && suiteOf(p.Transforms).dh != t.group {
			return t.failed(notifyErr(wire.NoProposalChosen, "the responder dropped PFS group %v", t.group))
		}
		ke, _ := m.first(wire.PayloadKE).(*wire.KE)
		if err := t.processNonceKE(m, ke, &t.nr); err != nil {
			return t.failed(err)
		}
	}
	t.tsi, t.tsr = selectorsOf(m, wire.PayloadTSi), selectorsOf(m, wire.PayloadTSr)
	if len(t.tsi) == 0 || len(t.tsr) == 0 || !within(t.tsi, fromWire(t.ts[0])) || !within(t.tsr, fromWire(t.ts[1])) {
		return t.failed(notifyErr(wire.TSUnacceptable, "the responder widened the traffic selectors"))
	}
	return t.install(binary.BigEndian.Uint32(p.SPI))
}

// refused records the error notification of a response without an SA
// payload (RFC 7296 section 1.3): the group an INVALID_KE_PAYLOAD asks for
// is kept for a new attempt.
func (t *childCreate) refused(m *message) {
	err := &NotifyError{Type: wire.NoProposalChosen, Err: errors.New("no CHILD SA in the response")}
	if n := m.errorNotify(); n != nil {
		err = &NotifyError{Type: n.NotifyType, Data: n.Data, Err: errors.New("refused by the peer")}
		if n.NotifyType == wire.InvalidKEPayload && len(n.Data) == 2 {
			t.retryGroup = wire.DHGroup(binary.BigEndian.Uint16(n.Data))
		}
	}
	t.err = err
	if t.exch == wire.IKEAuth {
		t.sa.extra().childErr = err
	}
}

// failed handles a response we reject: in IKE_AUTH the IKE SA fails with
// err; in CREATE_CHILD_SA only the CHILD SA is not created.
func (t *childCreate) failed(err *NotifyError) error {
	if t.exch == wire.IKEAuth {
		return err
	}
	t.err = err
	return nil
}

// install derives the CHILD SA keys (section 2.17: KEYMAT = prf+(SK_d,
// [g^ir (new) |] Ni | Nr), first the keys from the exchange's initiator to
// its responder) and hands the SA to the data plane.
func (t *childCreate) install(peerSPI uint32) error {
	sa := t.sa
	ni, nr := t.ni, t.nr
	if t.exch == wire.IKEAuth {
		ni, nr = sa.hs.ni, sa.hs.nr
	}
	n := suiteOf(t.chosen.Transforms)
	keys, err := ikecrypto.DeriveChildKeys(sa.prf(), sa.skd, n.encr, n.integ, t.gir, ni, nr)
	if err != nil {
		return fmt.Errorf("child keys: %w", err)
	}
	out, in := keys.InitiatorToResponder, keys.ResponderToInitiator
	local, remote := t.tsi, t.tsr
	if !t.initiator {
		out, in = in, out
		local, remote = remote, local
	}
	c := dataplane.ChildSA{
		TunnelID: sa.cfg.Child.TunnelID,
		Local:    sa.local.Addr(), Remote: sa.remote.Addr(),
		Algorithms: dataplane.Algorithms{Encr: uint16(n.encr.ID), EncrKeyBits: n.encr.KeyBits, Integ: uint16(n.integ), ESN: n.esn},
		In:         dataplane.Direction{SPI: t.spi, EncrKey: in.Encr, IntegKey: in.Integ},
		Out:        dataplane.Direction{SPI: peerSPI, EncrKey: out.Encr, IntegKey: out.Integ},
		LocalTS:    fromWire(local), RemoteTS: fromWire(remote),
		OutboundPending: t.outboundPending,
	}
	if sa.natDetected() {
		// RFC 7296 section 2.23, RFC 3948: ESP in UDP on the IKE ports.
		c.Encap = dataplane.UDPEncap{LocalPort: sa.local.Port(), RemotePort: sa.remote.Port()}
	}
	if err := sa.env.Dataplane.InstallChildSA(c); err != nil {
		return fmt.Errorf("install CHILD SA: %w", err)
	}
	var pfs wire.DHGroup
	if t.gir != nil {
		pfs = t.group
	}
	t.installed = sa.addChild(&c, pfs, local, remote)
	if t.outboundPending {
		sa.awaitActivation(t.installed)
	}
	return nil
}

// selectorsOf returns the selectors of the message's TSi or TSr payload, or
// nil without one.
func selectorsOf(m *message, t wire.PayloadType) []wire.Selector {
	if ts, ok := m.first(t).(*wire.TS); ok {
		return ts.Selectors
	}
	return nil
}
