package wire

import "fmt"

// Message is an IKE message: the header and its payload chain in order
// (RFC 7296 section 3). For a protected exchange the chain ends with an SK or
// SKF payload whose inner payloads are decoded after decryption with
// [DecodePayloads].
type Message struct {
	Header   Header
	Payloads []Payload
}

// Decode decodes a whole IKE message (without the non-ESP marker). Unknown
// payloads with the critical bit clear are kept as *Unknown; the first
// unknown one with the bit set yields an *UnsupportedCriticalError (RFC 7296
// section 2.5). A major version other than 2 yields a *VersionError. Every
// other failure wraps ErrSyntax. The payloads alias datagram.
func Decode(datagram []byte) (*Message, error) {
	h, err := DecodeHeader(datagram)
	if err != nil {
		return nil, err
	}
	ps, err := decodeChain(h.NextPayload, datagram[HeaderLen:], true)
	if err != nil {
		return nil, fmt.Errorf("%v: %w", &h, err)
	}
	return &Message{Header: h, Payloads: ps}, nil
}

// Append appends the encoded message to b. The header's Next Payload and
// Length fields are computed from the payloads and stored back into
// m.Header.
func (m *Message) Append(b []byte) ([]byte, error) {
	start := len(b)
	m.Header.NextPayload = NoNextPayload
	if len(m.Payloads) > 0 {
		m.Header.NextPayload = m.Payloads[0].Type()
	}
	b = m.Header.Append(b)
	b, err := AppendPayloads(b, m.Payloads)
	if err != nil {
		return b, err
	}
	m.Header.Length = uint32(len(b) - start)
	m.Header.Append(b[:start])
	return b, nil
}

// Encrypted returns the message's trailing SK payload (RFC 7296 section
// 3.14), or nil.
func (m *Message) Encrypted() *SK {
	if len(m.Payloads) == 0 {
		return nil
	}
	sk, _ := m.Payloads[len(m.Payloads)-1].(*SK)
	return sk
}
