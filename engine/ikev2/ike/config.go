package ike

import (
	"errors"
	"fmt"
	"io"
	"net/netip"
	"time"

	"github.com/flexvpnd/flexvpnd/engine/dataplane"
	"github.com/flexvpnd/flexvpnd/engine/ikev2/wire"
)

// Transform is one transform of a configured proposal (RFC 7296 section
// 3.3.2): its type, its IANA transform ID and, for ciphers with a variable
// key length, the Key Length attribute in bits (section 3.3.5).
type Transform struct {
	Type    wire.TransformType
	ID      uint16
	KeyBits uint16
}

// Proposal is a configured proposal: a list of transforms in order of
// preference, several per type meaning any of them (RFC 7296 section 3.3).
type Proposal []Transform

// Identity is an IKE identity (RFC 7296 section 3.5).
type Identity struct {
	Type wire.IDType
	Data []byte
}

// AddrIdentity returns the ID_IPV4_ADDR or ID_IPV6_ADDR identity of a.
func AddrIdentity(a netip.Addr) Identity {
	if a.Is4() {
		b := a.As4()
		return Identity{Type: wire.IDIPv4Addr, Data: b[:]}
	}
	b := a.As16()
	return Identity{Type: wire.IDIPv6Addr, Data: b[:]}
}

// FQDNIdentity returns the ID_FQDN identity name.
func FQDNIdentity(name string) Identity {
	return Identity{Type: wire.IDFQDN, Data: []byte(name)}
}

// String renders the identity as strongSwan logs it.
func (id Identity) String() string {
	switch id.Type {
	case wire.IDIPv4Addr, wire.IDIPv6Addr:
		if a, ok := netip.AddrFromSlice(id.Data); ok {
			return a.String()
		}
	case wire.IDFQDN, wire.IDRFC822Addr:
		return string(id.Data)
	}
	return fmt.Sprintf("%v:%x", id.Type, id.Data)
}

// body returns the ID payload from the ID Type octet on, which
// MACedIDForI/R covers (RFC 7296 section 2.15).
func (id Identity) body() []byte {
	return append([]byte{byte(id.Type), 0, 0, 0}, id.Data...)
}

// ChildConfig is what a peer offers and accepts for the CHILD SA created in
// IKE_AUTH.
type ChildConfig struct {
	// Proposals are the ESP proposals; each must hold ENCR and ESN
	// transforms, and INTEG unless the cipher is combined-mode (RFC 7296
	// section 3.3.3).
	Proposals []Proposal
	// LocalTS and RemoteTS are the traffic selectors of this side: what
	// the initiator proposes, and what the responder allows and narrows to
	// (RFC 7296 section 2.9). A route-based tunnel uses dataplane.AnyIPv4.
	LocalTS, RemoteTS []dataplane.TrafficSelector
	// TunnelID is handed to the data plane with the CHILD SA.
	TunnelID uint32
}

// Retransmit is the retransmission schedule of requests (RFC 7296 section
// 2.1): the n-th retransmission is sent Timeout*Base^n after the previous
// transmission, and the exchange fails Timeout*Base^Tries after the last
// one. The zero value means DefaultRetransmit.
type Retransmit struct {
	Timeout time.Duration
	Base    float64
	Tries   int
}

// DefaultRetransmit is strongSwan's schedule: 4 s, then 7.2 s, 13 s, 23 s,
// 42 s, and failure 76 s later (165 s in all).
var DefaultRetransmit = Retransmit{Timeout: 4 * time.Second, Base: 1.8, Tries: 5}

// delay returns the time to wait after transmission number n (0 is the
// first transmission).
func (r Retransmit) delay(n int) time.Duration {
	d := float64(r.Timeout)
	for range n {
		d *= r.Base
	}
	return time.Duration(d)
}

// Config is the configuration of one IKE SA with one peer.
type Config struct {
	// Local and Remote are the IKE endpoints. An initiator sends to
	// Remote; a responder answers to the source of the request.
	Local, Remote netip.AddrPort
	// NATPort is the local UDP port to which IKE and ESP move when a NAT
	// is detected (RFC 7296 section 2.23, RFC 3948); 0 means NATTPort.
	NATPort uint16
	// LocalID is sent in IDi/IDr. RemoteID, when its Type is not zero, is
	// the only identity accepted from the peer.
	LocalID, RemoteID Identity
	// LocalPSK signs our AUTH payload; RemotePSK verifies the peer's
	// (asymmetric keys, RFC 7296 section 2.15).
	LocalPSK, RemotePSK []byte
	// Proposals are the IKE proposals, offered in order by an initiator;
	// accepted by a responder. The first DH group of the first proposal is
	// used for the initiator's first KE payload.
	Proposals []Proposal
	// Child is the CHILD SA created in IKE_AUTH.
	Child ChildConfig
	// Retransmit is the request retransmission schedule.
	Retransmit Retransmit
}

// NATTPort is the UDP port of IKE and ESP-in-UDP once a NAT is detected
// (RFC 7296 section 2.23, RFC 3948 section 2.1).
const NATTPort = 4500

// Env is what an SA gets from its surroundings: the clock, the randomness
// and the data plane.
type Env struct {
	Now       func() time.Time
	Rand      io.Reader
	Dataplane dataplane.Dataplane
}

// check verifies that the configuration can work.
func (c *Config) check() error {
	switch {
	case len(c.Proposals) == 0:
		return errors.New("no IKE proposals")
	case len(c.Child.Proposals) == 0:
		return errors.New("no CHILD SA proposals")
	case len(c.LocalPSK) == 0 || len(c.RemotePSK) == 0:
		return errors.New("pre-shared keys missing")
	case c.LocalID.Type == 0:
		return errors.New("no local identity")
	}
	if err := checkProposals(c.Proposals, wire.ProtocolIKE); err != nil {
		return err
	}
	return checkProposals(c.Child.Proposals, wire.ProtocolESP)
}

// checkProposals verifies that each proposal could be chosen: known
// transform types, and those that proto requires (RFC 7296 section 3.3.3).
func checkProposals(ps []Proposal, proto wire.ProtocolID) error {
	for i, w := range toWire(ps, proto, nil) {
		if _, ok := pick(&w, ps[i], 0, proto == wire.ProtocolESP); !ok {
			return fmt.Errorf("%v proposal %d (%v) is incomplete", proto, i+1, &w)
		}
	}
	return nil
}

// firstGroup returns the first DH group of the proposals, or 0.
func firstGroup(ps []Proposal) wire.DHGroup {
	for _, p := range ps {
		for _, t := range p {
			if t.Type == wire.TransformDH {
				return wire.DHGroup(t.ID)
			}
		}
	}
	return 0
}
