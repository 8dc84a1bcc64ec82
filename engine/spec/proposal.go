package spec

import "github.com/flexvpnd/flexvpnd/engine/ikev2/wire"

// Transform is one transform of a proposal (RFC 7296 section 3.3.2): its
// type, IANA transform ID and, for a variable-length cipher, the Key
// Length attribute in bits (section 3.3.5). It has the layout of
// ike.Transform, so each converts to the other (ike.Transform(t)).
type Transform struct {
	Type    wire.TransformType
	ID      uint16
	KeyBits uint16
}

// Transforms returns the proposal's transforms in order of preference
// within each type: ciphers, PRFs, integrity algorithms, DH groups (RFC
// 7296 section 3.3). Convert each with ike.Transform(t) to build an
// ike.Proposal.
func (p IKEProposal) Transforms() []Transform {
	out := make([]Transform, 0, len(p.Encr)+len(p.PRF)+len(p.Integ)+len(p.Groups))
	for _, c := range p.Encr {
		out = append(out, c.transform())
	}
	for _, id := range p.PRF {
		out = append(out, Transform{Type: wire.TransformPRF, ID: uint16(id)})
	}
	for _, id := range p.Integ {
		out = append(out, Transform{Type: wire.TransformINTEG, ID: uint16(id)})
	}
	for _, g := range p.Groups {
		out = append(out, Transform{Type: wire.TransformDH, ID: uint16(g)})
	}
	return out
}

func (c Cipher) transform() Transform {
	return Transform{Type: wire.TransformENCR, ID: uint16(c.ID), KeyBits: c.KeyBits}
}

// Transforms returns the transform-set as an ESP proposal: the cipher, the
// integrity algorithm unless the cipher is combined-mode, the DH group
// when pfs is not zero (a CHILD SA created or rekeyed by CREATE_CHILD_SA
// with PFS, RFC 7296 section 1.3.1), and no extended sequence numbers
// (IOS proposes none).
func (p ESPProposal) Transforms(pfs wire.DHGroup) []Transform {
	out := []Transform{p.Encr.transform()}
	if p.Integ != wire.IntegNone {
		out = append(out, Transform{Type: wire.TransformINTEG, ID: uint16(p.Integ)})
	}
	if pfs != wire.DHNone {
		out = append(out, Transform{Type: wire.TransformDH, ID: uint16(pfs)})
	}
	return append(out, Transform{Type: wire.TransformESN, ID: uint16(wire.ESNNo)})
}

// ESPProposals returns the transforms of each of the profile's ESP
// proposals. withPFS adds the PFS group, for a CHILD SA created or rekeyed
// with CREATE_CHILD_SA; the CHILD SA created in IKE_AUTH carries no KE
// payload and so proposes no group (RFC 7296 section 1.2).
func (p *IPsecProfile) ESPProposals(withPFS bool) [][]Transform {
	pfs := wire.DHNone
	if withPFS {
		pfs = p.PFS
	}
	out := make([][]Transform, len(p.Proposals))
	for i, pr := range p.Proposals {
		out[i] = pr.Transforms(pfs)
	}
	return out
}

// Transforms returns the transforms of each of the policy's proposals, in
// the policy's order.
func (p *Policy) Transforms() [][]Transform {
	out := make([][]Transform, len(p.Proposals))
	for i, pr := range p.Proposals {
		out[i] = pr.Transforms()
	}
	return out
}
