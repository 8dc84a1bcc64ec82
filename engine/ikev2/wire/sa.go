package wire

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Values of the Last Substruc field (RFC 7296 sections 3.3.1 and 3.3.2).
const (
	lastSubstruc     = 0
	moreProposals    = 2
	moreTransforms   = 3
	proposalHdrLen   = 8
	transformHdrLen  = 8
	attrTVBit        = 0x8000
	attrHdrLen       = 4
	maxSubstructures = 0xFF
)

// SA is the Security Association payload (RFC 7296 section 3.3): one or more
// proposals.
type SA struct {
	Generic
	Proposals []Proposal
}

// Proposal is a proposal substructure (RFC 7296 section 3.3.1). The SPI Size
// and # of Transforms fields are len(SPI) and len(Transforms).
type Proposal struct {
	// Reserved is the RESERVED octet as received.
	Reserved   uint8
	Number     uint8
	Protocol   ProtocolID
	SPI        []byte
	Transforms []Transform
}

// Transform is a transform substructure (RFC 7296 section 3.3.2). ID is an
// EncrID, PRFID, IntegID, DHGroup or ESNID according to Type.
type Transform struct {
	// Reserved holds the two RESERVED octets as received.
	Reserved   [2]byte
	Type       TransformType
	ID         uint16
	Attributes []Attribute
}

// Attribute is a transform attribute (RFC 7296 section 3.3.5). A TV
// attribute (AF bit set) carries Value and no Data; a TLV attribute carries
// Data.
type Attribute struct {
	Type  AttributeType
	TV    bool
	Value uint16
	Data  []byte
}

// KeyLength returns the value of the transform's Key Length attribute, if it
// has one (RFC 7296 section 3.3.5).
func (t *Transform) KeyLength() (uint16, bool) {
	for _, a := range t.Attributes {
		if a.Type == AttrKeyLength && a.TV {
			return a.Value, true
		}
	}
	return 0, false
}

// String names the transform as strongSwan prints it, e.g. "AES_CBC_256",
// "HMAC_SHA2_256_128", "PRF_HMAC_SHA2_256", "ECP_256", "NO_EXT_SEQ".
func (t *Transform) String() string {
	var s string
	switch t.Type {
	case TransformENCR:
		s = EncrID(t.ID).String()
	case TransformPRF:
		s = PRFID(t.ID).String()
	case TransformINTEG:
		s = IntegID(t.ID).String()
	case TransformDH:
		s = DHGroup(t.ID).String()
	case TransformESN:
		s = ESNID(t.ID).String()
	default:
		s = t.Type.String() + ":" + strconv.Itoa(int(t.ID))
	}
	if kl, ok := t.KeyLength(); ok {
		s += "_" + strconv.Itoa(int(kl))
	}
	return s
}

// String renders the proposal like strongSwan's logs:
// "IKE:AES_CBC_256/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/MODP_2048".
func (p *Proposal) String() string {
	parts := make([]string, len(p.Transforms))
	for i := range p.Transforms {
		parts[i] = p.Transforms[i].String()
	}
	return p.Protocol.String() + ":" + strings.Join(parts, "/")
}

// Type returns PayloadSA.
func (*SA) Type() PayloadType { return PayloadSA }

func (p *SA) appendBody(b []byte) ([]byte, error) {
	if len(p.Proposals) == 0 {
		return b, errors.New("SA without proposals")
	}
	for i := range p.Proposals {
		last := byte(moreProposals)
		if i == len(p.Proposals)-1 {
			last = lastSubstruc
		}
		var err error
		if b, err = p.Proposals[i].append(b, last); err != nil {
			return b, fmt.Errorf("proposal %d: %w", i+1, err)
		}
	}
	return b, nil
}

func (p *Proposal) append(b []byte, last byte) ([]byte, error) {
	if len(p.SPI) > 0xFF || len(p.Transforms) > maxSubstructures {
		return b, fmt.Errorf("%d-octet SPI and %d transforms do not fit their fields", len(p.SPI), len(p.Transforms))
	}
	start := len(b)
	b = append(b, last, p.Reserved, 0, 0, p.Number, byte(p.Protocol), byte(len(p.SPI)), byte(len(p.Transforms)))
	b = append(b, p.SPI...)
	for i := range p.Transforms {
		last := byte(moreTransforms)
		if i == len(p.Transforms)-1 {
			last = lastSubstruc
		}
		var err error
		if b, err = p.Transforms[i].append(b, last); err != nil {
			return b, fmt.Errorf("transform %d: %w", i+1, err)
		}
	}
	return b, putLen16(b, start)
}

func (t *Transform) append(b []byte, last byte) ([]byte, error) {
	start := len(b)
	b = append(b, last, t.Reserved[0], 0, 0, byte(t.Type), t.Reserved[1])
	b = binary.BigEndian.AppendUint16(b, t.ID)
	for _, a := range t.Attributes {
		if a.Type&attrTVBit != 0 {
			return b, fmt.Errorf("attribute type %d does not fit in 15 bits", a.Type)
		}
		if a.TV {
			if a.Data != nil {
				return b, fmt.Errorf("TV attribute %v with data", a.Type)
			}
			b = binary.BigEndian.AppendUint16(b, uint16(a.Type)|attrTVBit)
			b = binary.BigEndian.AppendUint16(b, a.Value)
			continue
		}
		if len(a.Data) > 0xFFFF {
			return b, fmt.Errorf("TLV attribute %v of %d octets", a.Type, len(a.Data))
		}
		b = binary.BigEndian.AppendUint16(b, uint16(a.Type))
		b = binary.BigEndian.AppendUint16(b, uint16(len(a.Data)))
		b = append(b, a.Data...)
	}
	return b, putLen16(b, start)
}

// decodeSA decodes an SA payload body (RFC 7296 sections 3.3 to 3.3.5). Every
// length must be consistent with the enclosing one, the # of Transforms must
// match, and Last Substruc must be 2 or 3 on all but the last substructure
// and 0 on that one.
func decodeSA(body []byte) (*SA, error) {
	if len(body) == 0 {
		return nil, syntaxErr("SA without proposals")
	}
	n := 0
	for rest := body; len(rest) > 0; n++ {
		if len(rest) < proposalHdrLen {
			return nil, syntaxErr("proposal %d: %d octets left, need %d", n+1, len(rest), proposalHdrLen)
		}
		l := int(binary.BigEndian.Uint16(rest[2:]))
		if l < proposalHdrLen || l > len(rest) {
			return nil, syntaxErr("proposal %d: length %d, %d octets left", n+1, l, len(rest))
		}
		rest = rest[l:]
	}
	sa := &SA{Proposals: make([]Proposal, n)}
	for i := range sa.Proposals {
		l := int(binary.BigEndian.Uint16(body[2:]))
		want := byte(moreProposals)
		if i == n-1 {
			want = lastSubstruc
		}
		if body[0] != want {
			return nil, syntaxErr("proposal %d: last substruc %d, want %d", i+1, body[0], want)
		}
		if err := sa.Proposals[i].decode(body[:l]); err != nil {
			return nil, fmt.Errorf("proposal %d: %w", i+1, err)
		}
		body = body[l:]
	}
	return sa, nil
}

func (p *Proposal) decode(b []byte) error {
	p.Reserved, p.Number, p.Protocol = b[1], b[4], ProtocolID(b[5])
	spiLen, count := int(b[6]), int(b[7])
	b = b[proposalHdrLen:]
	if spiLen > len(b) {
		return syntaxErr("SPI size %d, %d octets left", spiLen, len(b))
	}
	p.SPI, b = b[:spiLen], b[spiLen:]
	if count > 0 {
		p.Transforms = make([]Transform, count)
	}
	for i := range p.Transforms {
		if len(b) < transformHdrLen {
			return syntaxErr("transform %d of %d: %d octets left", i+1, count, len(b))
		}
		l := int(binary.BigEndian.Uint16(b[2:]))
		if l < transformHdrLen || l > len(b) {
			return syntaxErr("transform %d: length %d, %d octets left", i+1, l, len(b))
		}
		want := byte(moreTransforms)
		if i == count-1 {
			want = lastSubstruc
		}
		if b[0] != want {
			return syntaxErr("transform %d: last substruc %d, want %d", i+1, b[0], want)
		}
		if err := p.Transforms[i].decode(b[:l]); err != nil {
			return fmt.Errorf("transform %d: %w", i+1, err)
		}
		b = b[l:]
	}
	if len(b) != 0 {
		return syntaxErr("%d octets after %d transforms", len(b), count)
	}
	return nil
}

func (t *Transform) decode(b []byte) error {
	t.Reserved = [2]byte{b[1], b[5]}
	t.Type = TransformType(b[4])
	t.ID = binary.BigEndian.Uint16(b[6:])
	b = b[transformHdrLen:]
	for len(b) > 0 {
		if len(b) < attrHdrLen {
			return syntaxErr("attribute: %d octets left, need %d", len(b), attrHdrLen)
		}
		typ := binary.BigEndian.Uint16(b)
		v := binary.BigEndian.Uint16(b[2:])
		a := Attribute{Type: AttributeType(typ &^ attrTVBit)}
		if typ&attrTVBit != 0 {
			a.TV, a.Value = true, v
			b = b[attrHdrLen:]
		} else {
			if attrHdrLen+int(v) > len(b) {
				return syntaxErr("attribute %v: length %d, %d octets left", a.Type, v, len(b)-attrHdrLen)
			}
			a.Data = b[attrHdrLen : attrHdrLen+int(v)]
			b = b[attrHdrLen+int(v):]
		}
		t.Attributes = append(t.Attributes, a)
	}
	return nil
}
