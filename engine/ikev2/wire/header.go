package wire

import (
	"encoding/binary"
	"fmt"
)

// HeaderLen is the length of the IKE header (RFC 7296 section 3.1).
const HeaderLen = 28

// Version is the IKE protocol version this package speaks: major 2, minor 0
// (RFC 7296 section 3.1).
const Version = 0x20

// Header is the fixed IKE header (RFC 7296 section 3.1).
type Header struct {
	SPIi, SPIr  uint64
	NextPayload PayloadType
	// Version holds the major version in the high and the minor version in
	// the low four bits. Decoding requires major 2; the minor version of a
	// received message is ignored (section 3.1) but kept.
	Version   uint8
	Exchange  ExchangeType
	Flags     Flags
	MessageID uint32
	Length    uint32
}

// IsResponse reports whether the R flag is set.
func (h *Header) IsResponse() bool { return h.Flags&FlagResponse != 0 }

// IsInitiator reports whether the I flag is set (the sender is the original
// initiator of the IKE SA).
func (h *Header) IsInitiator() bool { return h.Flags&FlagInitiator != 0 }

// Append appends the 28 header octets to b.
func (h *Header) Append(b []byte) []byte {
	b = binary.BigEndian.AppendUint64(b, h.SPIi)
	b = binary.BigEndian.AppendUint64(b, h.SPIr)
	b = append(b, byte(h.NextPayload), h.Version, byte(h.Exchange), byte(h.Flags))
	b = binary.BigEndian.AppendUint32(b, h.MessageID)
	return binary.BigEndian.AppendUint32(b, h.Length)
}

// DecodeHeader decodes the IKE header at the start of datagram, which must be
// one whole IKE message: the Length field must equal len(datagram) (RFC 7296
// section 3.1). A major version other than 2 yields a *VersionError; the
// header is still returned so that the caller can answer
// INVALID_MAJOR_VERSION to the right SPIs.
func DecodeHeader(datagram []byte) (Header, error) {
	var h Header
	if len(datagram) < HeaderLen {
		return h, syntaxErr("IKE header: %d octets, need %d", len(datagram), HeaderLen)
	}
	h.SPIi = binary.BigEndian.Uint64(datagram[0:])
	h.SPIr = binary.BigEndian.Uint64(datagram[8:])
	h.NextPayload = PayloadType(datagram[16])
	h.Version = datagram[17]
	h.Exchange = ExchangeType(datagram[18])
	h.Flags = Flags(datagram[19])
	h.MessageID = binary.BigEndian.Uint32(datagram[20:])
	h.Length = binary.BigEndian.Uint32(datagram[24:])
	if major := h.Version >> 4; major != 2 {
		return h, &VersionError{Major: major}
	}
	if uint64(h.Length) != uint64(len(datagram)) {
		return h, syntaxErr("IKE header: length field %d, datagram %d octets", h.Length, len(datagram))
	}
	return h, nil
}

// NonESPMarker is the four zero octets that precede an IKE message sent to
// UDP port 4500 (RFC 3948 section 2.2, RFC 7296 section 2.23).
var NonESPMarker = [4]byte{}

// Kind4500 says what a datagram received on UDP port 4500 carries.
type Kind4500 uint8

// Kinds of UDP 4500 datagrams (RFC 3948 sections 2.2 and 2.3).
const (
	Kind4500Invalid   Kind4500 = iota // too short to be anything
	Kind4500Keepalive                 // the one-octet NAT-keepalive 0xFF
	Kind4500IKE                       // non-ESP marker followed by an IKE message
	Kind4500ESP                       // an ESP packet (non-zero SPI)
)

// ESP needs an SPI and a sequence number before anything else (RFC 4303
// section 2).
const minESPHeader = 8

// Classify4500 classifies a UDP 4500 payload (RFC 3948 sections 2.2, 2.3).
// For an IKE message it returns the message with the non-ESP marker
// stripped; for ESP, the datagram unchanged; otherwise nil.
func Classify4500(datagram []byte) (Kind4500, []byte) {
	switch {
	case len(datagram) == 1 && datagram[0] == NATKeepalive:
		return Kind4500Keepalive, nil
	case len(datagram) >= len(NonESPMarker) && [4]byte(datagram[:4]) == NonESPMarker:
		return Kind4500IKE, datagram[4:]
	case len(datagram) >= minESPHeader:
		return Kind4500ESP, datagram
	}
	return Kind4500Invalid, nil
}

// AppendNonESPMarker appends the non-ESP marker that must precede an IKE
// message sent on UDP port 4500.
func AppendNonESPMarker(b []byte) []byte { return append(b, NonESPMarker[:]...) }

// NATKeepalive is the single octet that makes up a NAT-keepalive packet
// (RFC 3948 section 2.3).
const NATKeepalive byte = 0xFF

// String summarises the header as strongSwan's message log does, e.g.
// "IKE_SA_INIT request 0".
func (h *Header) String() string {
	dir := "request"
	if h.IsResponse() {
		dir = "response"
	}
	return fmt.Sprintf("%v %s %d", h.Exchange, dir, h.MessageID)
}
