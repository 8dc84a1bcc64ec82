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
	// Lifetime is the hard lifetime of each CHILD SA (IOS `set
	// security-association lifetime seconds`); the SA is rekeyed before it
	// (RFC 7296 section 2.8) and deleted when it is reached. Zero means
	// DefaultChildLifetime.
	Lifetime time.Duration
	// LifetimeKB is the hard lifetime of each CHILD SA in kilobytes (1024
	// octets) carried in either direction (IOS `set security-association
	// lifetime kilobytes`), rekeyed before like Lifetime; zero disables
	// it. It needs a data plane that counts bytes (dataplane.Stats),
	// which is read every VolumePoll.
	LifetimeKB uint64
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

// retransmit returns the retransmission schedule of requests, the
// default applied.
func (c *Config) retransmit() Retransmit {
	if c.Retransmit == (Retransmit{}) {
		return DefaultRetransmit
	}
	return c.Retransmit
}

// total returns the time from the first transmission of a request to the
// moment the exchange fails without a response.
func (r Retransmit) total() time.Duration {
	var d time.Duration
	for n := range r.Tries + 1 {
		d += r.delay(n)
	}
	return d
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
	// Resolve, if set, completes a responder's configuration once the
	// initiator's IDi arrives in IKE_AUTH (see resolve in task_auth.go).
	Resolve Resolver
	// CheckPeerID, if set, is asked whether the peer's identity (IDr for
	// an initiator, IDi for a responder) is acceptable, as IOS checks a
	// profile's `match identity remote`; an error fails authentication
	// (RFC 7296 section 2.21.2).
	CheckPeerID func(Identity) error
	// Lifetime is the hard lifetime of the IKE SA (IOS `lifetime` in the
	// IKEv2 profile); the SA is rekeyed before it (RFC 7296 section 2.8)
	// and deleted when it is reached. Zero means DefaultIKELifetime.
	Lifetime time.Duration
	// DPD configures dead peer detection (section 2.4); the zero value
	// disables it.
	DPD DPD
	// Fragmentation is IKE fragmentation (RFC 7383; frag.go), negotiated
	// in IKE_SA_INIT: a responder's Resolver cannot change it.
	Fragmentation Fragmentation
	// CP is the configuration exchange of IKE_AUTH (sections 2.19 and
	// 3.15; task_cp.go).
	CP ConfigExchange
}

// DPD is the dead peer detection of an IKE SA (RFC 7296 section 2.4; IOS
// `dpd INTERVAL RETRY-INTERVAL on-demand|periodic`). When nothing was
// received from the peer for Interval, an empty INFORMATIONAL request (a
// liveness check) is sent and retransmitted every Retry, Retries times;
// without an answer the IKE SA and its CHILD SAs are removed and the SA
// fails with ErrDPDTimeout.
//
// Periodic checks whenever the peer has been silent for Interval. Otherwise
// (on-demand) a check is only sent when we have sent traffic since the peer
// was last heard from: with a data plane that implements dataplane.Stats,
// outbound ESP packets counted without inbound ones; without counters
// on-demand behaves as periodic. Inbound ESP packets counted by a
// dataplane.Stats prove the peer alive in both modes.
type DPD struct {
	// Interval is the idle time after which the peer is checked; zero
	// disables DPD.
	Interval time.Duration
	// Retry is the interval between retransmissions of the check; zero
	// means DefaultDPDRetry.
	Retry time.Duration
	// Retries is the number of retransmissions before the peer is
	// declared dead; zero means DefaultDPDRetries.
	Retries int
	// Periodic selects periodic checks instead of on-demand ones.
	Periodic bool
}

// Defaults of the lifetimes and of DPD, those of IOS.
const (
	DefaultIKELifetime   = 86400 * time.Second
	DefaultChildLifetime = 3600 * time.Second
	DefaultDPDRetry      = 2 * time.Second
	DefaultDPDRetries    = 5
)

// ErrDPDTimeout is the error of an IKE SA whose peer did not answer the
// liveness checks of dead peer detection (RFC 7296 section 2.4).
var ErrDPDTimeout = errors.New("DPD timeout")

// orDefault returns d, or def if d is not positive.
func orDefault[T time.Duration | int](d, def T) T {
	if d > 0 {
		return d
	}
	return def
}

// IKELifetime returns the IKE SA lifetime, the default applied.
func (c *Config) IKELifetime() time.Duration { return orDefault(c.Lifetime, DefaultIKELifetime) }

// ChildLifetime returns the CHILD SA lifetime, the default applied.
func (c *Config) ChildLifetime() time.Duration {
	return orDefault(c.Child.Lifetime, DefaultChildLifetime)
}

// DPDRetransmit returns the retransmission schedule of the liveness checks
// of DPD, the defaults applied: Timeout is the retry interval, Tries the
// number of retransmissions.
func (c *Config) DPDRetransmit() Retransmit {
	return Retransmit{Timeout: orDefault(c.DPD.Retry, DefaultDPDRetry), Base: 1, Tries: orDefault(c.DPD.Retries, DefaultDPDRetries)}
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
	// Reassembly bounds the reassembly of IKE fragments (frag.go).
	Reassembly Reassembly
}

// check verifies that the configuration can work.
func (c *Config) check() error {
	switch {
	case len(c.Proposals) == 0:
		return errors.New("no IKE proposals")
	case c.Resolve != nil:
		return checkProposals(c.Proposals, wire.ProtocolIKE) // the rest comes with IDi
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
