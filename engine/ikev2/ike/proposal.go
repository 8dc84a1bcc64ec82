package ike

import (
	"slices"

	ikecrypto "github.com/flexvpnd/flexvpnd/engine/ikev2/crypto"
	"github.com/flexvpnd/flexvpnd/engine/ikev2/wire"
)

// toWire converts configured proposals into the proposals of an SA payload,
// numbered from 1 (RFC 7296 section 3.3.1), each with the given SPI (none
// for the IKE SA in IKE_SA_INIT, the 4-octet inbound SPI for ESP).
func toWire(ps []Proposal, proto wire.ProtocolID, spi []byte) []wire.Proposal {
	out := make([]wire.Proposal, len(ps))
	for i, p := range ps {
		ts := make([]wire.Transform, len(p))
		for j, t := range p {
			ts[j] = wire.Transform{Type: t.Type, ID: t.ID}
			if t.KeyBits != 0 {
				ts[j].Attributes = []wire.Attribute{{Type: wire.AttrKeyLength, TV: true, Value: t.KeyBits}}
			}
		}
		out[i] = wire.Proposal{Number: uint8(i + 1), Protocol: proto, SPI: spi, Transforms: ts}
	}
	return out
}

// spiSize is the SPI size of a proposal of proto: none for the IKE SA
// being created by IKE_SA_INIT (RFC 7296 section 3.3.1), 4 for ESP.
func spiSize(proto wire.ProtocolID) int {
	if proto == wire.ProtocolESP {
		return 4
	}
	return 0
}

// choose selects, as a responder, the first of the offered proposals that
// one of ours accepts, reduced to one transform of each type (RFC 7296
// sections 2.7 and 3.3.6). Where the offer lists the group preferKE among
// acceptable DH transforms, that group is chosen, so that the initiator's
// KE payload can be used (section 1.2). DH transforms are ignored when
// ignoreDH is set: the CHILD SA of IKE_AUTH has no key exchange of its own
// (section 1.2).
func choose(offered []wire.Proposal, ours []Proposal, proto wire.ProtocolID, preferKE wire.DHGroup, ignoreDH bool) (wire.Proposal, bool) {
	return chooseSPI(offered, ours, proto, spiSize(proto), preferKE, ignoreDH)
}

// chooseSPI is choose for proposals whose SPIs have spiLen octets: 8 for
// the new IKE SA of a rekey (RFC 7296 section 3.3.1).
func chooseSPI(offered []wire.Proposal, ours []Proposal, proto wire.ProtocolID, spiLen int, preferKE wire.DHGroup, ignoreDH bool) (wire.Proposal, bool) {
	for _, p := range offered {
		if p.Protocol != proto || len(p.SPI) != spiLen {
			continue
		}
		for _, c := range ours {
			if ts, ok := pick(&p, c, preferKE, ignoreDH); ok {
				return wire.Proposal{Number: p.Number, Protocol: proto, SPI: p.SPI, Transforms: ts}, true
			}
		}
	}
	return wire.Proposal{}, false
}

// accepted checks, as an initiator, the single proposal of a response:
// it must be one of ours with exactly one transform of each type it
// carries (RFC 7296 section 2.7: "the initiator MUST check that the
// accepted proposal is one of the proposals it offered").
func accepted(resp []wire.Proposal, ours []Proposal, proto wire.ProtocolID, ignoreDH bool) (*wire.Proposal, bool) {
	return acceptedSPI(resp, ours, proto, spiSize(proto), ignoreDH)
}

// acceptedSPI is accepted for proposals whose SPIs have spiLen octets.
func acceptedSPI(resp []wire.Proposal, ours []Proposal, proto wire.ProtocolID, spiLen int, ignoreDH bool) (*wire.Proposal, bool) {
	if len(resp) != 1 {
		return nil, false
	}
	p := &resp[0]
	n := int(p.Number)
	if p.Protocol != proto || len(p.SPI) != spiLen || n < 1 || n > len(ours) {
		return nil, false
	}
	ts, ok := pick(p, ours[n-1], 0, ignoreDH)
	if !ok || len(ts) != len(p.Transforms) {
		return nil, false
	}
	return p, true
}

// pick reduces the offered proposal p to one transform of each type that
// the configured proposal c contains, the first in the offer's order (or
// the preferKE group), and reports whether every type of p is matched and
// the types the protocol requires are present (RFC 7296 section 3.3.3).
func pick(p *wire.Proposal, c Proposal, preferKE wire.DHGroup, ignoreDH bool) ([]wire.Transform, bool) {
	var chosen []wire.Transform
	for _, t := range p.Transforms {
		if t.Type < wire.TransformENCR || t.Type > wire.TransformESN {
			return nil, false // unknown transform type: the proposal is unacceptable
		}
		if ignoreDH && t.Type == wire.TransformDH {
			continue
		}
		i := slices.IndexFunc(chosen, func(x wire.Transform) bool { return x.Type == t.Type })
		if i >= 0 && !(t.Type == wire.TransformDH && wire.DHGroup(t.ID) == preferKE) {
			continue
		}
		if !c.has(&t) {
			continue
		}
		if i >= 0 {
			chosen[i] = t
		} else {
			chosen = append(chosen, t)
		}
	}
	for _, t := range p.Transforms {
		if !(ignoreDH && t.Type == wire.TransformDH) && !slices.ContainsFunc(chosen, func(x wire.Transform) bool { return x.Type == t.Type }) {
			return nil, false // a type with no acceptable transform
		}
	}
	return chosen, complete(p.Protocol, chosen)
}

// withoutDH returns the proposals without their D-H transforms: the SA
// payloads of IKE_AUTH carry none, the CHILD SA created there having no key
// exchange of its own (RFC 7296 section 1.2: "Implementations SHOULD omit
// the whole transform substructure").
func withoutDH(ps []Proposal) []Proposal {
	out := make([]Proposal, len(ps))
	for i, p := range ps {
		out[i] = slices.DeleteFunc(slices.Clone(p), func(t Transform) bool { return t.Type == wire.TransformDH })
	}
	return out
}

// hasGroup reports whether one of the proposals offers D-H group g.
func hasGroup(ps []Proposal, g wire.DHGroup) bool {
	return slices.ContainsFunc(ps, func(p Proposal) bool {
		return slices.Contains(p, Transform{Type: wire.TransformDH, ID: uint16(g)})
	})
}

// has reports whether the configured proposal contains the transform t,
// with the same key length.
func (c Proposal) has(t *wire.Transform) bool {
	bits, _ := t.KeyLength()
	return slices.ContainsFunc(c, func(x Transform) bool { return x.Type == t.Type && x.ID == t.ID && x.KeyBits == bits })
}

// complete reports whether ts holds the transform types a proposal of proto
// needs (RFC 7296 section 3.3.3): IKE needs ENCR, PRF and D-H, ESP needs
// ENCR and ESN, and both need INTEG unless the cipher is combined-mode
// (RFC 5282 section 8), which must then not carry one other than NONE.
func complete(proto wire.ProtocolID, ts []wire.Transform) bool {
	n := suiteOf(ts)
	switch {
	case n.encr.ID == 0:
		return false
	case n.encr.AEAD() && n.integ != ikecrypto.IntegNone:
		return false
	case !n.encr.AEAD() && n.integ == ikecrypto.IntegNone:
		return false
	case proto == wire.ProtocolIKE:
		return n.prf != 0 && n.dh != 0
	default:
		return n.hasESN
	}
}

// negotiated is what a chosen proposal says, in the crypto package's terms.
type negotiated struct {
	encr        ikecrypto.Encr
	integ       ikecrypto.IntegID
	prf         ikecrypto.PRFID
	dh          wire.DHGroup
	esn, hasESN bool
}

// suiteOf reads the transforms of a chosen proposal, one of each type.
func suiteOf(ts []wire.Transform) negotiated {
	var n negotiated
	for _, t := range ts {
		switch t.Type {
		case wire.TransformENCR:
			bits, _ := t.KeyLength()
			n.encr = ikecrypto.Encr{ID: ikecrypto.EncrID(t.ID), KeyBits: int(bits)}
		case wire.TransformINTEG:
			n.integ = ikecrypto.IntegID(t.ID)
		case wire.TransformPRF:
			n.prf = ikecrypto.PRFID(t.ID)
		case wire.TransformDH:
			n.dh = wire.DHGroup(t.ID)
		case wire.TransformESN:
			n.hasESN, n.esn = true, wire.ESNID(t.ID) == wire.ESNYes
		}
	}
	return n
}

// suite returns the IKE SA suite of n.
func (n negotiated) suite() ikecrypto.Suite {
	return ikecrypto.Suite{Encr: n.encr, Integ: n.integ, PRF: n.prf}
}
