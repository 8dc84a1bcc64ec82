package wire

import (
	"encoding/binary"
	"fmt"
)

// genericHeaderLen is the length of the generic payload header (RFC 7296
// section 3.2).
const genericHeaderLen = 4

// criticalBit is the C bit of the generic payload header (RFC 7296 section
// 3.2); the other seven bits of that octet are RESERVED.
const criticalBit = 0x80

// Payload is one payload of an IKE message. The concrete types are the
// pointers *SA, *KE, *ID, *Cert, *CertReq, *Auth, *Nonce, *Notify, *Delete,
// *VendorID, *TS, *SK, *SKF, *CP, *EAP and *Unknown.
type Payload interface {
	// Type is the payload's type code.
	Type() PayloadType
	header() *Generic
	appendBody(b []byte) ([]byte, error)
}

// Generic carries the flag octet of the generic payload header (RFC 7296
// section 3.2). The Next Payload and Payload Length fields are derived from
// the payload chain when encoding.
type Generic struct {
	// Critical is the C bit. RFC 7296 payload types are sent with it clear
	// and a receiver that knows the type ignores it (section 3.2).
	Critical bool
	// FlagReserved holds the seven RESERVED bits as received: sent as zero
	// by new payloads, ignored on receipt, kept for the round trip.
	FlagReserved uint8
}

func (g *Generic) header() *Generic { return g }

func (g *Generic) flagOctet() byte {
	b := g.FlagReserved &^ criticalBit
	if g.Critical {
		b |= criticalBit
	}
	return b
}

// Unknown is a payload of a type this package does not know whose critical
// bit is clear: it is kept as raw octets and otherwise skipped (RFC 7296
// section 2.5).
type Unknown struct {
	Generic
	Code PayloadType
	Body []byte
}

// Type returns the payload's own type code.
func (u *Unknown) Type() PayloadType { return u.Code }

func (u *Unknown) appendBody(b []byte) ([]byte, error) { return append(b, u.Body...), nil }

// nextField returns the octet to put in the Next Payload field of p's
// generic header when next follows it: the Encrypted and Encrypted Fragment
// payloads carry the type of the first inner payload instead (RFC 7296
// section 3.14, RFC 7383 section 2.5).
func nextField(p Payload, next PayloadType) PayloadType {
	switch p := p.(type) {
	case *SK:
		return p.Inner
	case *SKF:
		return p.Inner
	}
	return next
}

// AppendPayloads appends the payload chain ps to b, filling in every Next
// Payload and Payload Length field. It fails if a length does not fit its
// field or a payload is inconsistent (see each payload type).
func AppendPayloads(b []byte, ps []Payload) ([]byte, error) {
	for i, p := range ps {
		next := NoNextPayload
		if i+1 < len(ps) {
			next = ps[i+1].Type()
		}
		start := len(b)
		b = append(b, byte(nextField(p, next)), p.header().flagOctet(), 0, 0)
		var err error
		if b, err = p.appendBody(b); err != nil {
			return b, fmt.Errorf("encoding %v payload: %w", p.Type(), err)
		}
		if err := putLen16(b, start); err != nil {
			return b, fmt.Errorf("encoding %v payload: %w", p.Type(), err)
		}
	}
	return b, nil
}

// putLen16 writes len(b)-start into the two octets at b[start+2:], the place
// of the length field in every payload, substructure and TLV of IKEv2.
func putLen16(b []byte, start int) error {
	n := len(b) - start
	if n > 0xFFFF {
		return fmt.Errorf("length %d does not fit in 16 bits", n)
	}
	binary.BigEndian.PutUint16(b[start+2:], uint16(n))
	return nil
}

// DecodePayloads decodes a payload chain that starts with a payload of type
// first and fills data exactly: the plaintext of an Encrypted payload after
// decryption (RFC 7296 section 3.14), or of reassembled fragments (RFC 7383
// section 2.6). An Encrypted or Encrypted Fragment payload inside it is a
// syntax error.
func DecodePayloads(first PayloadType, data []byte) ([]Payload, error) {
	return decodeChain(first, data, false)
}

// decodeChain walks the Next Payload chain (RFC 7296 section 3.2). When outer
// is set the chain may end with an SK or SKF payload, which must then be the
// last payload (section 3.14) and whose Next Payload field names the first
// inner payload instead.
func decodeChain(next PayloadType, data []byte, outer bool) ([]Payload, error) {
	var ps []Payload
	if n := countPayloads(next, data); n > 0 {
		ps = make([]Payload, 0, n)
	}
	off := 0
	for next != NoNextPayload {
		t := next
		rest := data[off:]
		if len(rest) < genericHeaderLen {
			return nil, syntaxErr("payload %d (%v) at offset %d: %d octets left, need a %d-octet header", len(ps)+1, t, off, len(rest), genericHeaderLen)
		}
		n := int(binary.BigEndian.Uint16(rest[2:]))
		if n < genericHeaderLen || n > len(rest) {
			return nil, syntaxErr("payload %d (%v) at offset %d: length %d, %d octets left", len(ps)+1, t, off, n, len(rest))
		}
		next = PayloadType(rest[0])
		g := Generic{Critical: rest[1]&criticalBit != 0, FlagReserved: rest[1] &^ criticalBit}
		body := rest[genericHeaderLen:n]
		off += n
		if !t.known() {
			if g.Critical {
				return nil, &UnsupportedCriticalError{Type: t}
			}
			ps = append(ps, &Unknown{Generic: g, Code: t, Body: body})
			continue
		}
		if t == PayloadSK || t == PayloadSKF {
			if !outer {
				return nil, syntaxErr("%v payload inside an encrypted payload", t)
			}
			if off != len(data) {
				return nil, syntaxErr("%v payload is not the last payload (%d octets follow)", t, len(data)-off)
			}
			next = NoNextPayload
		}
		p, err := decodeBody(t, g, rest[0], body)
		if err != nil {
			return nil, fmt.Errorf("payload %d (%v): %w", len(ps)+1, t, err)
		}
		ps = append(ps, p)
	}
	if off != len(data) {
		return nil, syntaxErr("%d octets after the last payload", len(data)-off)
	}
	return ps, nil
}

// countPayloads counts the payloads of the chain up to the first framing
// error, so that decodeChain allocates its slice once.
func countPayloads(next PayloadType, data []byte) int {
	n := 0
	for off := 0; next != NoNextPayload && len(data)-off >= genericHeaderLen; {
		l := int(binary.BigEndian.Uint16(data[off+2:]))
		if l < genericHeaderLen {
			break
		}
		n++
		if next == PayloadSK || next == PayloadSKF {
			break
		}
		next = PayloadType(data[off])
		off += l
	}
	return n
}

// decodeBody decodes the body of a known payload type; nextOctet is the raw
// Next Payload field, which SK and SKF keep as the inner payload type.
func decodeBody(t PayloadType, g Generic, nextOctet byte, body []byte) (Payload, error) {
	var p Payload
	var err error
	switch t {
	case PayloadSA:
		p, err = decodeSA(body)
	case PayloadKE:
		p, err = decodeKE(body)
	case PayloadIDi, PayloadIDr:
		p, err = decodeID(body, t == PayloadIDr)
	case PayloadCERT:
		p, err = decodeCert(body)
	case PayloadCERTREQ:
		p, err = decodeCertReq(body)
	case PayloadAUTH:
		p, err = decodeAuth(body)
	case PayloadNonce:
		p, err = decodeNonce(body)
	case PayloadN:
		p, err = decodeNotify(body)
	case PayloadD:
		p, err = decodeDelete(body)
	case PayloadV:
		p = &VendorID{Data: body}
	case PayloadTSi, PayloadTSr:
		p, err = decodeTS(body, t == PayloadTSr)
	case PayloadSK:
		p = &SK{Inner: PayloadType(nextOctet), Body: body}
	case PayloadSKF:
		p, err = decodeSKF(body, PayloadType(nextOctet))
	case PayloadCP:
		p, err = decodeCP(body)
	case PayloadEAP:
		p = &EAP{Data: body}
	default:
		err = fmt.Errorf("no decoder for payload type %d", t)
	}
	if err != nil {
		return nil, err
	}
	*p.header() = g
	return p, nil
}
