package ike

import (
	"errors"
	"fmt"
	"net/netip"
	"time"

	"github.com/flexvpnd/flexvpnd/engine/ikev2/frag"
	"github.com/flexvpnd/flexvpnd/engine/ikev2/wire"
)

// IKE fragmentation (RFC 7383). Each peer offers it with an
// IKEV2_FRAGMENTATION_SUPPORTED notification in IKE_SA_INIT, the responder
// only when the initiator did (section 2.3); once both did, a protected
// message larger than the fragment size of the path goes out as Encrypted
// Fragment (SKF) messages, each sealed with the IKE SA's keys (section
// 2.5), and received fragments are authenticated one by one and
// reassembled before the message is processed (section 2.6). The
// negotiation and the reassembly belong to the actor: the IKE SAs that
// replace it by rekeying (others.go) inherit them.
//
// Memory: fragments are accepted only on an IKE SA past IKE_SA_INIT whose
// peer negotiated fragmentation, only for the request the window expects
// or the response we wait for (RFC 7296 sections 2.1 and 2.3), and only
// once authenticated; each actor's frag.Reassembler bounds the fragments,
// size, number and age of its messages (Reassembly.Limits) and draws on a
// Budget that all SAs of a node share. A forged fragment costs no state.

// Fragmentation configures IKE fragmentation (RFC 7383), IOS `crypto
// ikev2 fragmentation [mtu N]`.
type Fragmentation struct {
	// Enabled offers IKEV2_FRAGMENTATION_SUPPORTED in IKE_SA_INIT (RFC
	// 7383 section 2.3). Fragments are sent and accepted only when both
	// peers offered it.
	Enabled bool
	// MTU is the size of the IP datagrams a fragment may fill, IP and UDP
	// headers included (section 2.5.1); 0 means frag.DefaultIPv4MTU (576)
	// or frag.DefaultIPv6MTU (1280) by the address family of the path.
	MTU int
}

// Reassembly bounds the reassembly of received fragments (RFC 7383
// section 2.6 leaves the limits to the implementation).
type Reassembly struct {
	// Limits bound the messages of one IKE SA; the zero value means
	// frag.DefaultLimits().
	Limits frag.Limits
	// Budget caps the memory of the fragments held by all the SAs that
	// share it (a node's); nil means a package-wide budget of
	// DefaultFragmentMemory octets.
	Budget *frag.Budget
}

// DefaultFragmentMemory is the size of the package-wide reassembly
// budget: 256 messages at the default limit of 64 KiB each.
const DefaultFragmentMemory = 16 << 20

// packageBudget is the budget of the SAs whose Env names none.
var packageBudget = frag.NewBudget(DefaultFragmentMemory)

// fragState is the fragmentation of an actor: whether both peers offered
// it, the MTU of our offer, and the reassembler, created with the first
// fragment received.
type fragState struct {
	on  bool
	mtu int
	r   *frag.Reassembler
}

// skHeader is the length of the SK payload header: the generic payload
// header (RFC 7296 section 3.14).
const skHeader = 4

// offerFragmentation adds IKEV2_FRAGMENTATION_SUPPORTED to our IKE_SA_INIT
// message: to the request when fragmentation is enabled, to the response
// when the request offered it too (RFC 7383 section 2.3).
func (sa *SA) offerFragmentation(m *message) {
	if (sa.initiator && sa.cfg.Fragmentation.Enabled) || (!sa.initiator && sa.frag.on) {
		m.add(&wire.Notify{NotifyType: wire.IKEv2FragmentationSupported})
	}
}

// processFragmentation notes the peer's IKEV2_FRAGMENTATION_SUPPORTED in
// its IKE_SA_INIT message (RFC 7383 section 2.3): fragmentation is on
// when both peers offer it. The MTU is our own and not negotiated.
func (sa *SA) processFragmentation(m *message) {
	sa.frag.on = sa.cfg.Fragmentation.Enabled && hasNotify(m, wire.IKEv2FragmentationSupported)
	sa.frag.mtu = sa.cfg.Fragmentation.MTU
}

// Fragmentation reports whether IKE fragmentation was negotiated (RFC
// 7383 section 2.3).
func (sa *SA) Fragmentation() bool { return sa.owner().frag.on }

// maxMessage returns the largest message that fits one datagram from
// from to to (RFC 7383 section 2.5.1): the MTU less the IP and UDP headers,
// and the non-ESP marker when from is our NAT-T port (RFC 3948 section
// 2.2).
func (f *fragState) maxMessage(from, to netip.AddrPort, natPort uint16) int {
	v6 := to.Addr().Unmap().Is6()
	mtu := f.mtu
	if mtu <= 0 {
		mtu = frag.DefaultIPv4MTU
		if v6 {
			mtu = frag.DefaultIPv6MTU
		}
	}
	return frag.MaxMessage(mtu, v6, from.Port() == natPort)
}

// natPort returns our NAT-T port (RFC 3948 section 2.1).
func (sa *SA) natPort() uint16 {
	if sa.cfg.NATPort != 0 {
		return sa.cfg.NATPort
	}
	return NATTPort
}

// encodeFor encodes m for sending from from to to: as one message, or, when
// fragmentation was negotiated and the protected message would not fit
// the fragment size, as Encrypted Fragment messages (RFC 7383 section
// 2.5). IKE_SA_INIT is never fragmented. When the MTU leaves no room for
// even one octet of a fragment the message goes whole, for IP to fragment.
func (sa *SA) encodeFor(m *message, from, to netip.AddrPort) ([][]byte, error) {
	f := &sa.owner().frag
	if m.hdr.Exchange == wire.IKESAInit || !f.on {
		raw, err := sa.encode(m)
		if err != nil {
			return nil, err
		}
		return [][]byte{raw}, nil
	}
	first, inner, err := plaintext(m)
	if err != nil {
		return nil, err
	}
	if limit := f.maxMessage(from, to, sa.natPort()); wire.HeaderLen+skHeader+sa.out.BodyLen(len(inner)) > limit {
		pkts, err := frag.Fragment(m.hdr, first, inner, limit, sa.out)
		if err == nil {
			return pkts, nil
		}
		if !errors.Is(err, frag.ErrMTU) {
			return nil, fmt.Errorf("ike: fragment %v: %w", &m.hdr, err)
		}
	}
	raw, err := sa.seal(m.hdr, first, inner)
	if err != nil {
		return nil, err
	}
	return [][]byte{raw}, nil
}

// fragment returns the Encrypted Fragment payload that ends m, or nil.
func fragment(m *wire.Message) *wire.SKF {
	if len(m.Payloads) == 0 {
		return nil
	}
	f, _ := m.Payloads[len(m.Payloads)-1].(*wire.SKF)
	return f
}

// reassemble authenticates a received fragment and adds it to its
// message (RFC 7383 section 2.6). It returns the first inner payload type
// and the inner payloads once the message is complete; a fragment that
// does not complete its message, fails its checks or comes without
// negotiated fragmentation is errDrop.
func (sa *SA) reassemble(m *wire.Message, raw []byte) (wire.PayloadType, []byte, error) {
	o := sa.owner()
	if !o.frag.on {
		return 0, nil, fmt.Errorf("%w: %v: fragment without negotiated fragmentation", errDrop, &m.Header)
	}
	now := sa.env.Now()
	msg, err := o.reassembler().Add(now, m, raw, sa.in.Open)
	if err != nil {
		return 0, nil, fmt.Errorf("%w: %v", errDrop, err)
	}
	o.lastRecv = now // an authenticated fragment: the peer is alive (RFC 7296 section 2.4)
	if msg == nil {
		return 0, nil, fmt.Errorf("%w: %v: waiting for more fragments", errDrop, &m.Header)
	}
	return msg.First, msg.Inner, nil
}

// reassembler returns the actor's reassembler, creating it on first use
// with the limits and budget of the Env.
func (sa *SA) reassembler() *frag.Reassembler {
	if sa.frag.r == nil {
		r := sa.env.Reassembly
		if r.Limits == (frag.Limits{}) {
			r.Limits = frag.DefaultLimits()
		}
		if r.Budget == nil {
			r.Budget = packageBudget
		}
		sa.frag.r = frag.NewReassembler(r.Limits, r.Budget)
	}
	return sa.frag.r
}

// answersRetransmit reports whether a retransmission of the request we
// answered last, m as received in raw, gets our response again: a whole
// message always (RFC 7296 section 2.1), a fragment only when it is the
// first (Fragment Number 1) and authentic, so that the other fragments of
// the request do not each trigger the response again (RFC 7383 section
// 2.6.1).
func (sa *SA) answersRetransmit(m *wire.Message, raw []byte) bool {
	f := fragment(m)
	if f == nil {
		return true
	}
	if f.Number != 1 || !sa.owner().frag.on || sa.in == nil || len(f.Body) > len(raw) {
		return false
	}
	n := len(raw) - len(f.Body) // the SKF payload is last: its body ends the message
	_, err := sa.in.Open(raw[:n], raw[n:])
	return err == nil
}

// fragmentTimer adds the time when the oldest message in reassembly
// expires.
func (sa *SA) fragmentTimer(t *timerMin) {
	if sa.frag.r != nil {
		if next, ok := sa.frag.r.NextExpiry(); ok {
			t.at(next)
		}
	}
}

// expireFragments drops the messages whose reassembly took longer than
// Reassembly.Limits.Timeout.
func (sa *SA) expireFragments(now time.Time) {
	if sa.frag.r != nil {
		sa.frag.r.Expire(now)
	}
}

// Close returns the memory of the messages in reassembly to the shared
// budget. Call it when the SA is dropped; an SA that fails releases it
// itself.
func (sa *SA) Close() {
	if sa.parent() == nil && sa.frag.r != nil {
		sa.frag.r.Close()
	}
}
