package ike

import (
	"bytes"
	"errors"
	"fmt"

	ikecrypto "github.com/flexvpnd/flexvpnd/engine/ikev2/crypto"
	"github.com/flexvpnd/flexvpnd/engine/ikev2/wire"
)

// ikeAuth is the IKE_AUTH task for pre-shared keys (RFC 7296 sections 1.2
// and 2.15): it owns the IDi/IDr and AUTH payloads and INITIAL_CONTACT.
type ikeAuth struct {
	sa *SA
}

func (t *ikeAuth) build(m *message) error {
	sa, hs := t.sa, t.sa.hs
	id := sa.cfg.LocalID
	if sa.initiator {
		m.add(&wire.ID{IDType: id.Type, Data: id.Data})
		// Section 2.4: we keep no other IKE SA with this peer, so tell it
		// to drop any state it holds from before (a restart).
		m.add(&wire.Notify{NotifyType: wire.InitialContact})
		if r := sa.cfg.RemoteID; r.Type != 0 {
			m.add(&wire.ID{Responder: true, IDType: r.Type, Data: r.Data})
		}
		m.add(t.auth(hs.initReq, hs.nr, hs.skpi, id.body()))
		return nil
	}
	m.add(&wire.ID{Responder: true, IDType: id.Type, Data: id.Data}, t.auth(hs.initResp, hs.ni, hs.skpr, id.body()))
	return nil
}

// auth returns our AUTH payload over our IKE_SA_INIT message, the peer's
// nonce and our ID (section 2.15).
func (t *ikeAuth) auth(ourInit, peerNonce, skp, idBody []byte) *wire.Auth {
	p := t.sa.prf
	octets := ikecrypto.SignedOctets(p, ourInit, peerNonce, skp, idBody)
	return &wire.Auth{Method: wire.AuthSharedKeyMIC, Data: ikecrypto.PSKAuth(p, t.sa.cfg.LocalPSK, octets)}
}

// errAuth is the cause of AUTHENTICATION_FAILED (RFC 7296 section 2.21.2).
var errAuth = errors.New("authentication failed")

// process checks the peer's identity and verifies its AUTH payload.
func (t *ikeAuth) process(m *message) error {
	sa, hs := t.sa, t.sa.hs
	if m.first(wire.PayloadAUTH) == nil { // an error response (sections 1.2, 2.21.2)
		err := &NotifyError{Type: wire.AuthenticationFailed, Err: errors.New("response without AUTH")}
		if n := m.errorNotify(); n != nil {
			err = &NotifyError{Type: n.NotifyType, Data: n.Data, Err: errors.New("refused by the peer")}
		}
		return err
	}
	idType, peerInit, ourNonce, skp := wire.PayloadIDi, hs.initReq, hs.nr, hs.skpi
	if sa.initiator {
		idType, peerInit, ourNonce, skp = wire.PayloadIDr, hs.initResp, hs.ni, hs.skpr
	}
	id, ok := m.first(idType).(*wire.ID)
	if !ok {
		return notifyErr(wire.InvalidSyntax, "no %v payload", idType)
	}
	peer := Identity{Type: id.IDType, Data: id.Data}
	if want := sa.cfg.RemoteID; want.Type != 0 && (want.Type != peer.Type || !bytes.Equal(want.Data, peer.Data)) {
		return &NotifyError{Type: wire.AuthenticationFailed, Err: fmt.Errorf("%w: peer identity %v, want %v", errAuth, peer, want)}
	}
	auth, ok := m.first(wire.PayloadAUTH).(*wire.Auth)
	if !ok {
		return &NotifyError{Type: wire.AuthenticationFailed, Err: fmt.Errorf("%w: no AUTH payload (EAP is not supported)", errAuth)}
	}
	if auth.Method != wire.AuthSharedKeyMIC {
		return &NotifyError{Type: wire.AuthenticationFailed, Err: fmt.Errorf("%w: method %v, want %v", errAuth, auth.Method, wire.AuthSharedKeyMIC)}
	}
	// RestOfInitIDPayload / RestOfRespIDPayload: the ID payload as received,
	// from the ID Type octet on, reserved octets included (section 2.15).
	idBody := append([]byte{byte(id.IDType), id.Reserved[0], id.Reserved[1], id.Reserved[2]}, id.Data...)
	octets := ikecrypto.SignedOctets(sa.prf, peerInit, ourNonce, skp, idBody)
	if !ikecrypto.VerifyPSKAuth(sa.prf, sa.cfg.RemotePSK, octets, auth.Data) {
		return &NotifyError{Type: wire.AuthenticationFailed, Err: fmt.Errorf("%w: AUTH of %v does not verify with the pre-shared key", errAuth, peer)}
	}
	sa.peerID = Identity{Type: peer.Type, Data: bytes.Clone(peer.Data)}
	return nil
}
