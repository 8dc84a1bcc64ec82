package ike

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/flexvpnd/flexvpnd/engine/dataplane"
	ikecrypto "github.com/flexvpnd/flexvpnd/engine/ikev2/crypto"
	"github.com/flexvpnd/flexvpnd/engine/ikev2/wire"
)

// childCreate creates the CHILD SA of IKE_AUTH (RFC 7296 sections 1.2 and
// 2.17): it owns SAi2/SAr2 and TSi/TSr. A failure to create the CHILD SA
// leaves the IKE SA up (section 1.2); it is reported by SA.ChildErr.
type childCreate struct {
	sa       *SA
	spi      uint32 // our inbound SPI
	chosen   wire.Proposal
	tsi, tsr []wire.Selector
	err      *NotifyError // responder: why no CHILD SA was created
}

func (t *childCreate) build(m *message) error {
	sa := t.sa
	var err error
	if t.spi, err = randomESPSPI(sa.env.Rand); err != nil {
		return err
	}
	spi := binary.BigEndian.AppendUint32(nil, t.spi)
	if sa.initiator {
		m.add(&wire.SA{Proposals: toWire(sa.cfg.Child.Proposals, wire.ProtocolESP, spi)},
			&wire.TS{Selectors: selectors(sa.cfg.Child.LocalTS)},
			&wire.TS{Responder: true, Selectors: selectors(sa.cfg.Child.RemoteTS)})
		return nil
	}
	if t.err != nil {
		m.add(t.err.notify())
		return nil
	}
	peerSPI := binary.BigEndian.Uint32(t.chosen.SPI)
	t.chosen.SPI = spi
	m.add(&wire.SA{Proposals: []wire.Proposal{t.chosen}}, &wire.TS{Selectors: t.tsi}, &wire.TS{Responder: true, Selectors: t.tsr})
	return t.install(peerSPI)
}

// process selects the proposal and narrows the traffic selectors as a
// responder (section 2.9), or checks the responder's choice as an
// initiator, then installs the CHILD SA.
func (t *childCreate) process(m *message) error {
	if t.sa.initiator {
		return t.processResponse(m)
	}
	t.err = t.processRequest(m)
	if t.err != nil {
		t.sa.childErr = t.err
	}
	return nil
}

func (t *childCreate) processRequest(m *message) *NotifyError {
	sa := t.sa
	offer, ok := m.first(wire.PayloadSA).(*wire.SA)
	if !ok {
		return &NotifyError{Type: wire.NoProposalChosen, Err: errors.New("no CHILD SA requested")}
	}
	if t.chosen, ok = choose(offer.Proposals, sa.cfg.Child.Proposals, wire.ProtocolESP, 0, true); !ok {
		return notifyErr(wire.NoProposalChosen, "no acceptable ESP proposal in %d offered", len(offer.Proposals))
	}
	t.tsi = narrow(selectorsOf(m, wire.PayloadTSi), sa.cfg.Child.RemoteTS)
	t.tsr = narrow(selectorsOf(m, wire.PayloadTSr), sa.cfg.Child.LocalTS)
	if len(t.tsi) == 0 || len(t.tsr) == 0 {
		return notifyErr(wire.TSUnacceptable, "traffic selectors outside %v <-> %v", sa.cfg.Child.RemoteTS, sa.cfg.Child.LocalTS)
	}
	return nil
}

func (t *childCreate) processResponse(m *message) error {
	sa := t.sa
	resp, ok := m.first(wire.PayloadSA).(*wire.SA)
	if !ok {
		sa.childErr = errors.New("no CHILD SA in the IKE_AUTH response")
		if n := m.errorNotify(); n != nil {
			sa.childErr = &NotifyError{Type: n.NotifyType, Data: n.Data, Err: errors.New("refused by the peer")}
		}
		return nil
	}
	p, ok := accepted(resp.Proposals, sa.cfg.Child.Proposals, wire.ProtocolESP, true)
	if !ok {
		return notifyErr(wire.NoProposalChosen, "the responder chose an ESP proposal we did not offer")
	}
	t.chosen = *p
	t.tsi, t.tsr = selectorsOf(m, wire.PayloadTSi), selectorsOf(m, wire.PayloadTSr)
	if len(t.tsi) == 0 || len(t.tsr) == 0 || !within(t.tsi, sa.cfg.Child.LocalTS) || !within(t.tsr, sa.cfg.Child.RemoteTS) {
		return notifyErr(wire.TSUnacceptable, "the responder widened the traffic selectors")
	}
	return t.install(binary.BigEndian.Uint32(p.SPI))
}

// install derives the CHILD SA keys (section 2.17: KEYMAT = prf+(SK_d, Ni |
// Nr), first the initiator-to-responder keys) and hands the SA to the data
// plane.
func (t *childCreate) install(peerSPI uint32) error {
	sa, hs := t.sa, t.sa.hs
	n := suiteOf(t.chosen.Transforms)
	keys, err := ikecrypto.DeriveChildKeys(sa.prf, sa.skd, n.encr, n.integ, nil, hs.ni, hs.nr)
	if err != nil {
		return fmt.Errorf("child keys: %w", err)
	}
	out, in := keys.InitiatorToResponder, keys.ResponderToInitiator
	local, remote := t.tsi, t.tsr
	if !sa.initiator {
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
	}
	if sa.natDetected() {
		// RFC 7296 section 2.23, RFC 3948: ESP in UDP on the IKE ports.
		c.Encap = dataplane.UDPEncap{LocalPort: sa.local.Port(), RemotePort: sa.remote.Port()}
	}
	if err := sa.env.Dataplane.InstallChildSA(c); err != nil {
		return fmt.Errorf("install CHILD SA: %w", err)
	}
	sa.children = append(sa.children, c.ID())
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
