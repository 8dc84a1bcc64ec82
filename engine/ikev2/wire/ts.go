package wire

import (
	"encoding/binary"
	"fmt"
	"net/netip"
)

// Selector lengths of the known TS types (RFC 7296 section 3.13.1).
const (
	tsHdrLen  = 8
	tsIPv4Len = 16
	tsIPv6Len = 40
	// selector header: TS Type, IP Protocol ID, Selector Length.
	selectorHdrLen = 4
)

// TS is the Traffic Selector payload, TSi or TSr (RFC 7296 section 3.13).
// The Number of TSs field is len(Selectors).
type TS struct {
	Generic
	// Responder selects TSr; otherwise the payload is TSi.
	Responder bool
	Reserved  [3]byte
	Selectors []Selector
}

// Selector is one traffic selector (RFC 7296 section 3.13.1). For
// TS_IPV4_ADDR_RANGE and TS_IPV6_ADDR_RANGE the ports and addresses are
// set; for any other type only Raw is, holding the octets after the
// Selector Length field, so that the negotiation code can answer
// TS_UNACCEPTABLE.
type Selector struct {
	Type               TSType
	IPProtocol         uint8
	StartPort, EndPort uint16
	StartAddr, EndAddr netip.Addr
	Raw                []byte
}

// Type returns PayloadTSi or PayloadTSr.
func (p *TS) Type() PayloadType {
	if p.Responder {
		return PayloadTSr
	}
	return PayloadTSi
}

func (p *TS) appendBody(b []byte) ([]byte, error) {
	if len(p.Selectors) > maxSubstructures {
		return b, fmt.Errorf("%d traffic selectors do not fit in 8 bits", len(p.Selectors))
	}
	b = append(b, byte(len(p.Selectors)))
	b = append(b, p.Reserved[:]...)
	for i := range p.Selectors {
		var err error
		if b, err = p.Selectors[i].append(b); err != nil {
			return b, fmt.Errorf("selector %d: %w", i+1, err)
		}
	}
	return b, nil
}

func (s *Selector) append(b []byte) ([]byte, error) {
	start := len(b)
	b = append(b, byte(s.Type), s.IPProtocol, 0, 0)
	switch s.Type {
	case TSIPv4AddrRange, TSIPv6AddrRange:
		v4 := s.Type == TSIPv4AddrRange
		if s.Raw != nil || !s.StartAddr.IsValid() || !s.EndAddr.IsValid() ||
			s.StartAddr.Is4() != v4 || s.EndAddr.Is4() != v4 {
			return b, fmt.Errorf("%v with addresses %v-%v and %d raw octets", s.Type, s.StartAddr, s.EndAddr, len(s.Raw))
		}
		b = binary.BigEndian.AppendUint16(b, s.StartPort)
		b = binary.BigEndian.AppendUint16(b, s.EndPort)
		b = appendAddr(b, s.StartAddr)
		b = appendAddr(b, s.EndAddr)
	default:
		if s.StartPort != 0 || s.EndPort != 0 || s.StartAddr.IsValid() || s.EndAddr.IsValid() {
			return b, fmt.Errorf("selector type %v carries only raw octets", s.Type)
		}
		b = append(b, s.Raw...)
	}
	return b, putLen16(b, start)
}

func decodeTS(body []byte, responder bool) (*TS, error) {
	if len(body) < 4 {
		return nil, syntaxErr("TS body of %d octets, need at least 4", len(body))
	}
	p := &TS{Responder: responder, Reserved: [3]byte(body[1:4])}
	n := int(body[0])
	b := body[4:]
	if n > 0 {
		p.Selectors = make([]Selector, n)
	}
	for i := range p.Selectors {
		if len(b) < selectorHdrLen {
			return nil, syntaxErr("selector %d of %d: %d octets left", i+1, n, len(b))
		}
		l := int(binary.BigEndian.Uint16(b[2:]))
		if l < selectorHdrLen || l > len(b) {
			return nil, syntaxErr("selector %d: length %d, %d octets left", i+1, l, len(b))
		}
		if err := p.Selectors[i].decode(b[:l]); err != nil {
			return nil, fmt.Errorf("selector %d: %w", i+1, err)
		}
		b = b[l:]
	}
	if len(b) != 0 {
		return nil, syntaxErr("%d octets after %d traffic selectors", len(b), n)
	}
	return p, nil
}

func (s *Selector) decode(b []byte) error {
	s.Type, s.IPProtocol = TSType(b[0]), b[1]
	var alen int
	switch s.Type {
	case TSIPv4AddrRange:
		alen = 4
	case TSIPv6AddrRange:
		alen = 16
	default:
		s.Raw = b[selectorHdrLen:]
		return nil
	}
	if want := tsHdrLen + 2*alen; len(b) != want {
		return syntaxErr("%v selector of %d octets, want %d", s.Type, len(b), want)
	}
	s.StartPort = binary.BigEndian.Uint16(b[4:])
	s.EndPort = binary.BigEndian.Uint16(b[6:])
	s.StartAddr, _ = netip.AddrFromSlice(b[tsHdrLen : tsHdrLen+alen])
	s.EndAddr, _ = netip.AddrFromSlice(b[tsHdrLen+alen:])
	return nil
}

// appendAddr appends the 4 or 16 octets of a.
func appendAddr(b []byte, a netip.Addr) []byte {
	if a.Is4() {
		a4 := a.As4()
		return append(b, a4[:]...)
	}
	a16 := a.As16()
	return append(b, a16[:]...)
}
