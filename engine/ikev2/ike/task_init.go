package ike

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"slices"

	ikecrypto "github.com/flexvpnd/flexvpnd/engine/ikev2/crypto"
	"github.com/flexvpnd/flexvpnd/engine/ikev2/wire"
)

// ikeInit is the IKE_SA_INIT task (RFC 7296 section 1.2): it owns the SA,
// KE and Nonce payloads, picks the IKE SA's transforms and derives its keys
// (section 2.14).
type ikeInit struct {
	sa     *SA
	chosen wire.Proposal // responder: the proposal to return
	natd   bool          // responder: the request had NAT detection notifies
	// cookie is, for an initiator, the responder's cookie to send back
	// first (RFC 7296 section 2.6); cookies counts the cookies received.
	cookie  []byte
	cookies int
}

func (t *ikeInit) build(m *message) error {
	if t.sa.initiator {
		return t.buildRequest(m)
	}
	return t.buildResponse(m)
}

func (t *ikeInit) process(m *message) error {
	if t.sa.initiator {
		return t.processResponse(m)
	}
	return t.processRequest(m)
}

// buildRequest adds SAi1, KEi and Ni, with a fresh key of the group to
// guess (the first configured, or the one an INVALID_KE_PAYLOAD asked for)
// and a fresh nonce. A retry with a cookie starts with N(COOKIE) and keeps
// the other payloads unchanged (RFC 7296 section 2.6).
func (t *ikeInit) buildRequest(m *message) error {
	hs := t.sa.hs
	if t.cookie != nil {
		m.add(&wire.Notify{NotifyType: wire.Cookie, Data: t.cookie})
	} else if err := t.newKeyAndNonce(hs.group, &hs.ni); err != nil {
		return err
	}
	m.add(&wire.SA{Proposals: toWire(t.sa.cfg.Proposals, wire.ProtocolIKE, nil)},
		&wire.KE{Group: hs.group, Data: hs.dh.Public()},
		&wire.Nonce{Data: hs.ni})
	addVendorIDs(m)
	t.sa.addNATDetection(m)
	t.sa.offerFragmentation(m)
	return nil
}

// newKeyAndNonce draws our private key of group g and our nonce.
func (t *ikeInit) newKeyAndNonce(g wire.DHGroup, nonce *[]byte) error {
	group, err := ikecrypto.LookupGroup(ikecrypto.GroupID(g))
	if err != nil {
		return fmt.Errorf("group %v: %w", g, err)
	}
	if t.sa.hs.dh, err = group.GenerateKey(t.sa.env.Rand); err != nil {
		return fmt.Errorf("group %v: %w", g, err)
	}
	*nonce, err = randomNonce(t.sa.env.Rand)
	return err
}

// processRequest selects a proposal, checks the KE group against it (RFC
// 7296 section 1.2: INVALID_KE_PAYLOAD names the selected group), and
// derives the keys.
func (t *ikeInit) processRequest(m *message) error {
	sa, hs := t.sa, t.sa.hs
	offer, ok1 := m.first(wire.PayloadSA).(*wire.SA)
	ke, ok2 := m.first(wire.PayloadKE).(*wire.KE)
	ni, ok3 := m.first(wire.PayloadNonce).(*wire.Nonce)
	if !ok1 || !ok2 || !ok3 {
		return notifyErr(wire.InvalidSyntax, "SA, KE or Nonce payload missing")
	}
	chosen, ok := choose(offer.Proposals, sa.cfg.Proposals, wire.ProtocolIKE, ke.Group, false)
	if !ok {
		return notifyErr(wire.NoProposalChosen, "no acceptable proposal in %d offered", len(offer.Proposals))
	}
	n := suiteOf(chosen.Transforms)
	if ke.Group != n.dh {
		return invalidKE(n.dh, ke.Group)
	}
	if err := checkNonce(ni.Data); err != nil {
		return err
	}
	hs.ni = ni.Data
	if err := t.newKeyAndNonce(n.dh, &hs.nr); err != nil {
		return err
	}
	hs.group = n.dh
	gir, err := hs.dh.SharedSecret(ke.Data)
	if err != nil {
		return &NotifyError{Type: wire.InvalidSyntax, Err: err}
	}
	if sa.spiR, err = randomSPI(sa.env.Rand); err != nil {
		return err
	}
	t.chosen = chosen
	t.natd = sa.processNATDetection(m)
	if err := sa.deriveKeys(n, gir); err != nil {
		return err
	}
	sa.processExtensions(m)
	return nil
}

// processExtensions records the vendor IDs and the fragmentation offer of
// the peer's IKE_SA_INIT message (vendor.go, frag.go).
func (sa *SA) processExtensions(m *message) {
	sa.noteVendorIDs(m.payloads)
	sa.processFragmentation(m)
}

// buildResponse adds SAr1, KEr and Nr.
func (t *ikeInit) buildResponse(m *message) error {
	hs := t.sa.hs
	m.add(&wire.SA{Proposals: []wire.Proposal{t.chosen}},
		&wire.KE{Group: hs.group, Data: hs.dh.Public()},
		&wire.Nonce{Data: hs.nr})
	addVendorIDs(m)
	if t.natd {
		t.sa.addNATDetection(m) // RFC 7296 section 2.23: only to a peer that supports NAT-T
	}
	t.sa.offerFragmentation(m)
	return nil
}

// processResponse handles COOKIE by retrying with the cookie (RFC 7296
// section 2.6) and INVALID_KE_PAYLOAD by retrying with the group asked for,
// if we offered it (section 1.2), checks the chosen proposal and derives
// the keys.
func (t *ikeInit) processResponse(m *message) error {
	sa, hs := t.sa, t.sa.hs
	if n := cookieNotify(m); n != nil {
		return t.retryCookie(n.Data)
	}
	if n := m.errorNotify(); n != nil {
		if n.NotifyType == wire.InvalidKEPayload {
			return t.retryGroup(n.Data)
		}
		return &NotifyError{Type: n.NotifyType, Data: n.Data, Err: fmt.Errorf("refused by the peer")}
	}
	if m.hdr.SPIr == 0 {
		return notifyErr(wire.InvalidSyntax, "responder SPI is zero")
	}
	resp, ok1 := m.first(wire.PayloadSA).(*wire.SA)
	ke, ok2 := m.first(wire.PayloadKE).(*wire.KE)
	nr, ok3 := m.first(wire.PayloadNonce).(*wire.Nonce)
	if !ok1 || !ok2 || !ok3 {
		return notifyErr(wire.InvalidSyntax, "SA, KE or Nonce payload missing")
	}
	p, ok := accepted(resp.Proposals, sa.cfg.Proposals, wire.ProtocolIKE, false)
	if !ok {
		return notifyErr(wire.NoProposalChosen, "the responder chose a proposal we did not offer")
	}
	n := suiteOf(p.Transforms)
	if ke.Group != n.dh || n.dh != hs.group {
		return notifyErr(wire.InvalidSyntax, "KE group %v, chosen %v, ours %v", ke.Group, n.dh, hs.group)
	}
	if err := checkNonce(nr.Data); err != nil {
		return err
	}
	gir, err := hs.dh.SharedSecret(ke.Data)
	if err != nil {
		return &NotifyError{Type: wire.InvalidSyntax, Err: err}
	}
	hs.nr, sa.spiR = nr.Data, m.hdr.SPIr
	if err := sa.deriveKeys(n, gir); err != nil {
		return err
	}
	if sa.processNATDetection(m) && sa.natDetected() {
		sa.floatToNATT()
	}
	sa.processExtensions(m)
	return nil
}

// retryGroup takes the group of an INVALID_KE_PAYLOAD notification and asks
// for the exchange to be repeated with it, unless we never offered it or
// already used it.
func (t *ikeInit) retryGroup(data []byte) error {
	if len(data) != 2 {
		return notifyErr(wire.InvalidSyntax, "INVALID_KE_PAYLOAD with %d octets of data", len(data))
	}
	g := wire.DHGroup(binary.BigEndian.Uint16(data))
	offered := slices.ContainsFunc(t.sa.cfg.Proposals, func(p Proposal) bool {
		return slices.Contains(p, Transform{Type: wire.TransformDH, ID: uint16(g)})
	})
	if !offered || g == t.sa.hs.group {
		return &NotifyError{Type: wire.InvalidKEPayload, Data: data, Err: fmt.Errorf("peer asks for group %v, which we cannot use", g)}
	}
	t.sa.hs.group = g
	t.cookie = nil // the cookie covered the old nonce (RFC 7296 section 2.6.1)
	return errRetry
}

// maxCookies bounds the COOKIE answers an initiator accepts in one
// IKE_SA_INIT exchange before it gives up (RFC 7296 section 2.6: "limit the
// number of cookie exchanges").
const maxCookies = 3

// retryCookie takes the cookie of a COOKIE notification and asks for the
// request to be sent again with it, at most maxCookies times.
func (t *ikeInit) retryCookie(cookie []byte) error {
	if len(cookie) < 1 || len(cookie) > 64 {
		return notifyErr(wire.InvalidSyntax, "COOKIE of %d octets (RFC 7296 section 3.10.1: 1 to 64)", len(cookie))
	}
	if t.cookies++; t.cookies > maxCookies {
		return fmt.Errorf("responder still asks for a cookie after %d retries", maxCookies)
	}
	t.cookie = bytes.Clone(cookie)
	return errRetry
}

// checkNonce applies the nonce length limits of RFC 7296 section 3.9.
func checkNonce(n []byte) error {
	if len(n) < wire.MinNonceLen || len(n) > wire.MaxNonceLen {
		return notifyErr(wire.InvalidSyntax, "nonce of %d octets", len(n))
	}
	return nil
}

// deriveKeys computes SKEYSEED and the SK_* keys (RFC 7296 section 2.14)
// and sets up the protection of the following messages.
func (sa *SA) deriveKeys(n negotiated, gir []byte) error {
	s := n.suite()
	if err := s.Check(); err != nil {
		return &NotifyError{Type: wire.NoProposalChosen, Err: err}
	}
	prf, _ := ikecrypto.NewPRF(s.PRF) // checked above
	hs := sa.hs
	var spiI, spiR ikecrypto.SPI
	binary.BigEndian.PutUint64(spiI[:], sa.spiI)
	binary.BigEndian.PutUint64(spiR[:], sa.spiR)
	keys, err := ikecrypto.DeriveIKEKeys(s, ikecrypto.SKEYSEED(prf, hs.ni, hs.nr, gir), hs.ni, hs.nr, spiI, spiR)
	if err != nil {
		return fmt.Errorf("derive keys: %w", err)
	}
	kept := keys.Retained() // SK_pi and SK_pr stay with the handshake
	if sa.out, sa.in, err = ikecrypto.NewSKCiphers(s, kept, sa.initiator, sa.env.Rand); err != nil {
		return fmt.Errorf("derive keys: %w", err)
	}
	sa.skd, hs.skpi, hs.skpr = kept.SKd, keys.SKpi, keys.SKpr
	sa.suite = n
	return nil
}
