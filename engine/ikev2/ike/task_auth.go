package ike

import (
	"bytes"
	"errors"
	"fmt"
	"net/netip"

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
		return sa.buildCP(m)
	}
	m.add(&wire.ID{Responder: true, IDType: id.Type, Data: id.Data}, t.auth(hs.initResp, hs.ni, hs.skpr, id.body()))
	return sa.buildCP(m)
}

// auth returns our AUTH payload over our IKE_SA_INIT message, the peer's
// nonce and our ID (section 2.15).
func (t *ikeAuth) auth(ourInit, peerNonce, skp, idBody []byte) *wire.Auth {
	p := t.sa.prf()
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
	if !sa.initiator && sa.cfg.Resolve != nil {
		if err := sa.resolve(Identity{Type: peer.Type, Data: bytes.Clone(peer.Data)}); err != nil {
			return err
		}
	}
	if want := sa.cfg.RemoteID; want.Type != 0 && (want.Type != peer.Type || !bytes.Equal(want.Data, peer.Data)) {
		return &NotifyError{Type: wire.AuthenticationFailed, Err: fmt.Errorf("%w: peer identity %v, want %v", errAuth, peer, want)}
	}
	if check := sa.cfg.CheckPeerID; check != nil {
		if err := check(peer); err != nil {
			return &NotifyError{Type: wire.AuthenticationFailed, Err: fmt.Errorf("%w: peer identity %v: %w", errAuth, peer, err)}
		}
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
	octets := ikecrypto.SignedOctets(sa.prf(), peerInit, ourNonce, skp, idBody)
	if !ikecrypto.VerifyPSKAuth(sa.prf(), sa.cfg.RemotePSK, octets, auth.Data) {
		return &NotifyError{Type: wire.AuthenticationFailed, Err: fmt.Errorf("%w: AUTH of %v does not verify with the pre-shared key", errAuth, peer)}
	}
	sa.peerID = Identity{Type: peer.Type, Data: bytes.Clone(peer.Data)}
	sa.initialContact = !sa.initiator && hasNotify(m, wire.InitialContact)
	return sa.processCP(m)
}

// hasNotify reports whether m carries a Notify payload of type t.
func hasNotify(m *message, t wire.NotifyType) bool {
	for _, p := range m.payloads {
		if n, ok := p.(*wire.Notify); ok && n.NotifyType == t {
			return true
		}
	}
	return false
}

// Resolver returns the configuration under which a responder goes on
// once the initiator's identity is known: local and remote are the IKE
// endpoints of the SA and peerID the IDi payload (RFC 7296 section 3.5).
// IOS picks the IKEv2 profile there (`match identity remote`, `match
// address local`) and the pre-shared keys from the profile's keyring. An
// error refuses the peer with AUTHENTICATION_FAILED (section 2.21.2). It is
// called from the goroutine that runs the SA.
type Resolver func(local, remote netip.AddrPort, peerID Identity) (*Config, error)

// resolve replaces the responder's configuration by the one its Resolver
// returns for the peer's identity. The endpoints, the NAT-T port and the
// IKE proposals, already negotiated in IKE_SA_INIT, are kept, and so is
// the retransmission schedule unless the new configuration sets one.
func (sa *SA) resolve(peer Identity) error {
	c, err := sa.cfg.Resolve(sa.local, sa.remote, peer)
	if err == nil && c == nil {
		err = errors.New("no configuration")
	}
	if err != nil {
		return &NotifyError{Type: wire.AuthenticationFailed, Err: fmt.Errorf("%w: peer %v: %w", errAuth, peer, err)}
	}
	r := *c
	r.Local, r.Remote, r.NATPort, r.Proposals, r.Resolve = sa.cfg.Local, sa.cfg.Remote, sa.cfg.NATPort, sa.cfg.Proposals, nil
	if r.Retransmit == (Retransmit{}) {
		r.Retransmit = sa.cfg.Retransmit
	}
	if err := r.check(); err != nil {
		return &NotifyError{Type: wire.AuthenticationFailed, Err: fmt.Errorf("%w: peer %v: config: %w", errAuth, peer, err)}
	}
	sa.cfg = &r
	return nil
}
