package wire

import (
	"encoding/binary"
	"errors"
)

// SK is the Encrypted and Authenticated payload (RFC 7296 section 3.14). Body
// is the Initialization Vector, the ciphertext with its padding and the
// Integrity Checksum Data, opaque here. Inner is the type of the first
// payload inside, carried in SK's own Next Payload field.
type SK struct {
	Generic
	Inner PayloadType
	Body  []byte
}

// Type returns PayloadSK.
func (*SK) Type() PayloadType { return PayloadSK }

func (p *SK) appendBody(b []byte) ([]byte, error) { return append(b, p.Body...), nil }

// SKF is the Encrypted Fragment payload (RFC 7383 section 2.5). Inner is the
// type of the first inner payload in fragment 1 and zero in the others.
type SKF struct {
	Generic
	Inner  PayloadType
	Number uint16
	Total  uint16
	Body   []byte
}

// Type returns PayloadSKF.
func (*SKF) Type() PayloadType { return PayloadSKF }

func (p *SKF) appendBody(b []byte) ([]byte, error) {
	if err := checkFragment(p.Number, p.Total); err != nil {
		return b, err
	}
	b = binary.BigEndian.AppendUint16(b, p.Number)
	b = binary.BigEndian.AppendUint16(b, p.Total)
	return append(b, p.Body...), nil
}

// checkFragment applies RFC 7383 section 2.6.1: fragment numbers start at 1,
// and a fragment whose number is zero or exceeds the total is discarded.
func checkFragment(number, total uint16) error {
	if number == 0 || number > total {
		return errors.New("fragment number must be 1..total")
	}
	return nil
}

func decodeSKF(body []byte, inner PayloadType) (*SKF, error) {
	if len(body) < 4 {
		return nil, syntaxErr("SKF body of %d octets, need at least 4", len(body))
	}
	p := &SKF{Inner: inner, Number: binary.BigEndian.Uint16(body), Total: binary.BigEndian.Uint16(body[2:]), Body: body[4:]}
	if err := checkFragment(p.Number, p.Total); err != nil {
		return nil, syntaxErr("SKF %d/%d: %v", p.Number, p.Total, err)
	}
	return p, nil
}

// EncryptedSpan locates the Encrypted (SK) or Encrypted Fragment (SKF)
// payload of a whole IKE message. aad is the associated data of RFC 7296
// section 3.14 and RFC 5282 section 5.1: the octets from the start of the IKE
// header to the end of the SK payload's generic header, and for SKF also its
// Fragment Number and Total Fragments fields (RFC 7383 section 2.5). body is
// the rest of the payload (IV, ciphertext, ICV). Both alias msg, so a sender
// can encode a message whose body is a placeholder of the final length and
// then encrypt in place.
func EncryptedSpan(msg []byte) (aad, body []byte, err error) {
	m, err := Decode(msg)
	if err != nil {
		return nil, nil, err
	}
	if len(m.Payloads) == 0 {
		return nil, nil, syntaxErr("no encrypted payload")
	}
	var n int
	switch p := m.Payloads[len(m.Payloads)-1].(type) {
	case *SK:
		n = len(p.Body)
	case *SKF:
		n = len(p.Body)
	default:
		return nil, nil, syntaxErr("no encrypted payload")
	}
	// The encrypted payload is the last one, so its body ends the message.
	return msg[:len(msg)-n], msg[len(msg)-n:], nil
}
