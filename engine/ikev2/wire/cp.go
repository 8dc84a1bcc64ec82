package wire

import (
	"encoding/binary"
	"fmt"
)

// cfgAttrReservedBit is the R bit in front of the 15-bit attribute type
// (RFC 7296 section 3.15.1).
const cfgAttrReservedBit = 0x8000

// CP is the Configuration payload (RFC 7296 section 3.15).
type CP struct {
	Generic
	CFGType    CPType
	Reserved   [3]byte
	Attributes []CfgAttribute
}

// CfgAttribute is one configuration attribute (RFC 7296 section 3.15.1). An
// empty Value asks for the attribute in a CFG_REQUEST.
type CfgAttribute struct {
	// Reserved is the R bit as received.
	Reserved bool
	Type     CfgAttrType
	Value    []byte
}

// Type returns PayloadCP.
func (*CP) Type() PayloadType { return PayloadCP }

func (p *CP) appendBody(b []byte) ([]byte, error) {
	b = append(b, byte(p.CFGType))
	b = append(b, p.Reserved[:]...)
	for _, a := range p.Attributes {
		if a.Type&cfgAttrReservedBit != 0 || len(a.Value) > 0xFFFF {
			return b, fmt.Errorf("attribute type %d with %d octets does not fit its fields", a.Type, len(a.Value))
		}
		t := uint16(a.Type)
		if a.Reserved {
			t |= cfgAttrReservedBit
		}
		b = binary.BigEndian.AppendUint16(b, t)
		b = binary.BigEndian.AppendUint16(b, uint16(len(a.Value)))
		b = append(b, a.Value...)
	}
	return b, nil
}

func decodeCP(body []byte) (*CP, error) {
	if len(body) < 4 {
		return nil, syntaxErr("CP body of %d octets, need at least 4", len(body))
	}
	p := &CP{CFGType: CPType(body[0]), Reserved: [3]byte(body[1:4])}
	for b := body[4:]; len(b) > 0; {
		if len(b) < 4 {
			return nil, syntaxErr("configuration attribute: %d octets left, need 4", len(b))
		}
		t := binary.BigEndian.Uint16(b)
		l := int(binary.BigEndian.Uint16(b[2:]))
		if 4+l > len(b) {
			return nil, syntaxErr("configuration attribute %v: length %d, %d octets left", CfgAttrType(t&^cfgAttrReservedBit), l, len(b)-4)
		}
		p.Attributes = append(p.Attributes, CfgAttribute{
			Reserved: t&cfgAttrReservedBit != 0,
			Type:     CfgAttrType(t &^ cfgAttrReservedBit),
			Value:    b[4 : 4+l],
		})
		b = b[4+l:]
	}
	return p, nil
}
