// Package frag implements IKEv2 message fragmentation (RFC 7383): Fragment
// splits the inner payloads of a protected message into Encrypted Fragment
// (SKF) messages that fit a given MTU, and a Reassembler collects received
// fragments back into the inner payloads, within limits on fragment count,
// message size, time and memory so that fragments cannot exhaust memory.
//
// The cryptography stays with the caller: Fragment seals each fragment with
// a [Sealer] and the Reassembler authenticates each fragment with an
// [Opener] before keeping it (RFC 7383 section 2.6);
// (*ikecrypto.SKCipher).Seal/BodyLen and Open have these shapes. Whether
// fragmentation was negotiated (IKEV2_FRAGMENTATION_SUPPORTED), and the
// Message ID window and retransmission checks, are the caller's too: a
// fragment of a request already answered makes the responder resend its
// response only when its Fragment Number is 1, and is otherwise ignored
// (RFC 7383 section 2.6.1); it is not given to the Reassembler.
package frag

import (
	"errors"
	"fmt"
	"sort"

	"github.com/flexvpnd/flexvpnd/engine/ikev2/wire"
)

// Sizes used to fit fragments into an IP datagram (RFC 7383 section 2.5.1).
const (
	// DefaultIPv4MTU and DefaultIPv6MTU are the datagram sizes RFC 7383
	// section 2.5.1 recommends when the path MTU is unknown (576 and 1280
	// octets, IP header included); they are also IOS's defaults for
	// `crypto ikev2 fragmentation`.
	DefaultIPv4MTU = 576
	DefaultIPv6MTU = 1280

	ipv4Header   = 20
	ipv6Header   = 40
	udpHeader    = 8
	nonESPMarker = 4
	// skfHeader is the generic payload header and the Fragment Number and
	// Total Fragments fields (RFC 7383 section 2.5).
	skfHeader = 4 + 4
	// MaxFragments is the most fragments one message can have: Total
	// Fragments is a 16-bit field.
	MaxFragments = 0xFFFF
)

// MaxMessage returns the largest IKE message, from the first octet of the
// IKE header, that fits an IP datagram of mtu octets: the IPv4 (20) or IPv6
// (40) header, the UDP header (8) and, on port 4500, the non-ESP marker (4)
// are taken off (RFC 7383 section 2.5.1, RFC 3948 section 2.2).
func MaxMessage(mtu int, ipv6, nonESP bool) int {
	n := mtu - udpHeader - ipv4Header
	if ipv6 {
		n = mtu - udpHeader - ipv6Header
	}
	if nonESP {
		n -= nonESPMarker
	}
	return n
}

// Sealer protects the content of one fragment: BodyLen is the SKF body
// length for n octets of plaintext, Seal returns that body given the
// associated data (the message up to the end of the SKF header, RFC 7383
// section 2.5). *ikecrypto.SKCipher implements it.
type Sealer interface {
	BodyLen(n int) int
	Seal(ad, plaintext []byte) ([]byte, error)
}

// ErrMTU is returned when not even one octet of payload fits a fragment.
var ErrMTU = errors.New("frag: maximum message size leaves no room for data")

// ChunkSize returns the most plaintext octets one fragment of at most
// maxMessage octets can carry: the IKE header (28), the SKF header (8) and
// the cipher's overhead (IV, padding, ICV) are taken off.
func ChunkSize(maxMessage int, s Sealer) (int, error) {
	room := maxMessage - wire.HeaderLen - skfHeader
	// BodyLen never decreases with n: search the largest n that fits.
	n := sort.Search(max(room, 0), func(n int) bool { return s.BodyLen(n+1) > room })
	if n == 0 {
		return 0, fmt.Errorf("%w: %d octets", ErrMTU, maxMessage)
	}
	return n, nil
}

// Fragment splits inner, the plaintext inner payloads of a protected
// message whose first payload is of type first, into Encrypted Fragment
// messages of at most maxMessage octets each (RFC 7383 section 2.5). hdr is
// the header of the message (SPIs, exchange, flags, Message ID); its Next
// Payload and Length are set per fragment. Every fragment is sealed
// separately with s, with fresh IVs. The first fragment's SKF carries
// first as its Next Payload, the others zero.
//
// Callers fragment only a message that does not fit whole in an SK payload,
// on an IKE SA that negotiated fragmentation, and never IKE_SA_INIT.
func Fragment(hdr wire.Header, first wire.PayloadType, inner []byte, maxMessage int, s Sealer) ([][]byte, error) {
	chunk, err := ChunkSize(maxMessage, s)
	if err != nil {
		return nil, err
	}
	total := max(1, (len(inner)+chunk-1)/chunk)
	if total > MaxFragments {
		return nil, fmt.Errorf("frag: %d octets need %d fragments of %d, more than %d", len(inner), total, chunk, MaxFragments)
	}
	out := make([][]byte, 0, total)
	for i := range total {
		part := inner[i*chunk : min(len(inner), (i+1)*chunk)]
		f := &wire.SKF{Number: uint16(i + 1), Total: uint16(total)}
		if i == 0 {
			f.Inner = first
		}
		raw, err := seal(hdr, f, part, s)
		if err != nil {
			return nil, fmt.Errorf("frag: fragment %d/%d: %w", i+1, total, err)
		}
		out = append(out, raw)
	}
	return out, nil
}

// seal encodes one fragment message with a placeholder body of the final
// length, then seals part over the octets before the body.
func seal(hdr wire.Header, f *wire.SKF, part []byte, s Sealer) ([]byte, error) {
	n := s.BodyLen(len(part))
	f.Body = make([]byte, n)
	m := wire.Message{Header: hdr, Payloads: []wire.Payload{f}}
	raw, err := m.Append(nil)
	if err != nil {
		return nil, err
	}
	body, err := s.Seal(raw[:len(raw)-n], part)
	if err != nil {
		return nil, err
	}
	if len(body) != n {
		return nil, fmt.Errorf("sealed body of %d octets, BodyLen said %d", len(body), n)
	}
	copy(raw[len(raw)-n:], body)
	return raw, nil
}
