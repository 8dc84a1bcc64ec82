package ike

import "github.com/flexvpnd/flexvpnd/engine/ikev2/wire"

// Transforms are the transforms negotiated for an IKE SA in IKE_SA_INIT
// (RFC 7296 section 3.3.2): zero values until the keys are derived. Integ
// is IntegNone with a combined-mode cipher.
type Transforms struct {
	Encr    wire.EncrID
	KeyBits int
	Integ   wire.IntegID
	PRF     wire.PRFID
	DH      wire.DHGroup
}

// Transforms returns the IKE SA's negotiated transforms.
func (sa *SA) Transforms() Transforms {
	n := sa.suite
	return Transforms{
		Encr: wire.EncrID(n.encr.ID), KeyBits: n.encr.KeyBits,
		Integ: wire.IntegID(n.integ), PRF: wire.PRFID(n.prf), DH: n.dh,
	}
}

// MessageIDs returns the Message ID of the next request this side will send
// and the one it expects next from the peer (RFC 7296 section 2.2).
func (sa *SA) MessageIDs() (local, remote uint32) {
	return sa.mgr.nextID, sa.mgr.peerNextID
}

// Initiator reports whether this side is the original initiator of the
// IKE SA (RFC 7296 section 2.2).
func (sa *SA) Initiator() bool { return sa.initiator }

// Config returns the configuration the SA runs under: for a responder
// with a Resolver, the resolved one once IDi has arrived. It must not be
// changed.
func (sa *SA) Config() *Config { return sa.cfg }

// InitialContact reports whether the initiator's IKE_AUTH request carried
// INITIAL_CONTACT: it holds no other IKE SA with us, so those we keep with
// its identity are stale (RFC 7296 section 2.4). Always false for an
// initiator.
func (sa *SA) InitialContact() bool { return sa.initialContact }
