package ike

import (
	"errors"
	"fmt"
	"slices"

	"github.com/flexvpnd/flexvpnd/engine/ikev2/cp"
	"github.com/flexvpnd/flexvpnd/engine/ikev2/wire"
)

// ConfigExchange is the configuration exchange of an IKE SA (RFC 7296
// sections 2.19 and 3.15), as IOS's `config-exchange request | set send |
// set accept` drive it. The zero value exchanges nothing.
//
// The initiator sends Request as the CFG_REQUEST of its IKE_AUTH request
// and the responder answers with the CFG_REPLY that Reply returns (section
// 1.2 allows one Configuration payload per IKE_AUTH message). Set goes in a
// CFG_SET in an INFORMATIONAL exchange right after IKE_AUTH, which a peer
// with AcceptSet answers with a CFG_ACK listing the accepted attributes
// with empty values (section 3.15). Either side may send a new CFG_SET
// later with PushConfig: the networks of the latest accepted one replace
// those the sender announced before (in IKE_AUTH or an earlier CFG_SET).
type ConfigExchange struct {
	// Request is what an initiator asks for (empty values) or suggests
	// (values) in a CFG_REQUEST; nil sends none.
	Request *cp.Attributes
	// Set is what an initiator pushes in a CFG_SET after IKE_AUTH
	// (FlexVPN carries its `route set` networks there as
	// INTERNAL_IP4_SUBNET); nil sends none.
	Set *cp.Attributes
	// Reply returns a responder's CFG_REPLY to the peer's CFG_REQUEST,
	// once the peer is authenticated: typically an address leased from a
	// pool, servers and routes. It runs on the goroutine of the SA. An
	// error refuses the IKE_AUTH exchange, with its *NotifyError if it
	// wraps one, else with INTERNAL_ADDRESS_FAILURE (section 3.10.1). A
	// nil Reply, or a nil result, answers no CFG_REPLY (section 2.19: the
	// responder may ignore the request).
	Reply func(peer Identity, req *cp.Attributes) (*cp.Attributes, error)
	// AcceptSet accepts the peer's CFG_SET.
	AcceptSet bool
}

// cpState is what the configuration exchange of an SA learnt.
type cpState struct {
	// exchanged is what the peer sent in IKE_AUTH: the CFG_REPLY for an
	// initiator, the CFG_REQUEST for a responder; set is its last
	// accepted CFG_SET; peer merges both (PeerAttributes), replaced as a
	// whole when either changes.
	exchanged, set, peer *cp.Attributes
	// sent is what we sent in IKE_AUTH, our CFG_REQUEST or CFG_REPLY;
	// acked our last CFG_SET that the peer acknowledged.
	sent, acked *cp.Attributes
	// reply is the responder's CFG_REPLY, built while processing the
	// request.
	reply *cp.Attributes
}

// PeerAttributes returns the configuration attributes the peer sent: its
// CFG_REPLY (initiator) or CFG_REQUEST (responder) in IKE_AUTH, the
// networks replaced by those of the last CFG_SET accepted from it; nil if
// none. A change
// gives a new pointer. The result must not be changed.
func (sa *SA) PeerAttributes() *cp.Attributes { return sa.cp.peer }

// SentAttributes returns the configuration attributes this side sent: its
// CFG_REQUEST (initiator) or CFG_REPLY (responder) in IKE_AUTH, the
// networks replaced by those of its last CFG_SET that the peer
// acknowledged; nil if none.
// The result must not be changed.
func (sa *SA) SentAttributes() *cp.Attributes { return merge(sa.cp.sent, sa.cp.acked) }

// buildCP adds the Configuration payload of our IKE_AUTH message.
func (sa *SA) buildCP(m *message) error {
	typ, attrs := wire.CFGRequest, sa.cfg.CP.Request
	if !sa.initiator {
		typ, attrs = wire.CFGReply, sa.cp.reply
	}
	if attrs == nil {
		return nil
	}
	pl, err := attrs.Payload(typ)
	if err != nil {
		return fmt.Errorf("%v: %w", typ, err)
	}
	m.add(pl)
	sa.cp.sent = attrs
	return nil
}

// processCP reads the Configuration payload of the peer's IKE_AUTH
// message, authenticated by now: an initiator keeps the CFG_REPLY and
// queues its CFG_SET; a responder prepares its CFG_REPLY.
func (sa *SA) processCP(m *message) error {
	c, _ := m.first(wire.PayloadCP).(*wire.CP)
	var got *cp.Attributes
	if c != nil {
		var err error
		if got, err = cp.FromPayload(c); err != nil {
			return &NotifyError{Type: wire.InvalidSyntax, Err: fmt.Errorf("%v: %w", c.CFGType, err)}
		}
	}
	if sa.initiator {
		if c != nil && c.CFGType == wire.CFGReply {
			sa.setPeer(got, nil)
		}
		if set := sa.cfg.CP.Set; set != nil {
			sa.mgr.queue = append(sa.mgr.queue, &exchange{typ: wire.Informational, tasks: []task{&cfgSet{sa: sa, attrs: set}}})
		}
		return nil
	}
	if c == nil || c.CFGType != wire.CFGRequest {
		return nil // section 3.15: other types are not answered here
	}
	sa.setPeer(got, nil)
	if sa.cfg.CP.Reply == nil {
		return nil
	}
	reply, err := sa.cfg.CP.Reply(sa.peerID, got)
	if err != nil {
		if ne := (*NotifyError)(nil); errors.As(err, &ne) {
			return ne
		}
		return &NotifyError{Type: wire.InternalAddressFailure, Err: fmt.Errorf("configuration reply: %w", err)}
	}
	sa.cp.reply = reply
	return nil
}

// setPeer records what the peer sent in IKE_AUTH (exchanged) or in a
// CFG_SET (set); nil keeps the current value.
func (sa *SA) setPeer(exchanged, set *cp.Attributes) {
	if exchanged != nil {
		sa.cp.exchanged = exchanged
	}
	if set != nil {
		sa.cp.set = set
	}
	sa.cp.peer = merge(sa.cp.exchanged, sa.cp.set)
}

// acceptSet answers a CFG_SET received in an INFORMATIONAL request: the
// CFG_ACK naming the accepted attributes, or nil when we do not accept
// CFG_SET (section 3.15: no Configuration payload then) or the payload is
// of another type.
func (sa *SA) acceptSet(c *wire.CP) (*wire.CP, error) {
	if c.CFGType != wire.CFGSet || !sa.cfg.CP.AcceptSet {
		return nil, nil
	}
	set, err := cp.FromPayload(c)
	if err != nil {
		return nil, &NotifyError{Type: wire.InvalidSyntax, Err: fmt.Errorf("CFG_SET: %w", err)}
	}
	sa.setPeer(nil, set)
	return cp.Request(acked(set)...).Payload(wire.CFGAck)
}

// PushConfig sends attrs to the peer in a CFG_SET in an INFORMATIONAL
// exchange (RFC 7296 section 3.15), as the IKE_AUTH one of an initiator
// with ConfigExchange.Set: a peer that accepts it replaces the networks it
// installed from our previous CFG_SET. This is how flexvpnd tells a peer
// that its `route set` networks changed without a new session.
func (sa *SA) PushConfig(attrs *cp.Attributes) ([]Datagram, error) {
	if sa.state != StateEstablished {
		return nil, fmt.Errorf("ike: push configuration in state %v", sa.state)
	}
	if _, err := attrs.Encode(); err != nil {
		return nil, fmt.Errorf("ike: push configuration: %w", err)
	}
	sa.mgr.queue = append(sa.mgr.queue, &exchange{typ: wire.Informational, tasks: []task{&cfgSet{sa: sa, attrs: attrs}}})
	return sa.startNext(), nil
}

// cfgSet is our CFG_SET request in an INFORMATIONAL exchange; the
// response's CFG_ACK says the peer accepted it.
type cfgSet struct {
	sa    *SA
	attrs *cp.Attributes
}

func (t *cfgSet) build(m *message) error {
	pl, err := t.attrs.Payload(wire.CFGSet)
	if err != nil {
		return err
	}
	m.add(pl)
	return nil
}

func (t *cfgSet) process(m *message) error {
	if c, ok := m.first(wire.PayloadCP).(*wire.CP); ok && c.CFGType == wire.CFGAck {
		t.sa.cp.acked = t.attrs
	}
	return nil
}

// acked returns the types of the attributes carried by a CFG_SET, each
// once: a CFG_ACK lists them with empty values (RFC 7296 section 3.15).
func acked(set *cp.Attributes) []wire.CfgAttrType {
	attrs, err := set.Encode()
	if err != nil {
		return nil // decoded attributes always encode
	}
	var out []wire.CfgAttrType
	seen := map[wire.CfgAttrType]bool{}
	for _, a := range attrs {
		if len(a.Value) > 0 && !seen[a.Type] {
			seen[a.Type] = true
			out = append(out, a.Type)
		}
	}
	return out
}

// merge returns a copy of a whose networks (INTERNAL_IP4_SUBNET,
// INTERNAL_IP6_SUBNET) are those of the CFG_SET b, which replaces the
// networks a side announced before; or the other if one is nil.
func merge(a, b *cp.Attributes) *cp.Attributes {
	switch {
	case a == nil:
		return b
	case b == nil:
		return a
	}
	out := *a
	out.Subnets4, out.Subnets6 = slices.Clone(b.Subnets4), slices.Clone(b.Subnets6)
	return &out
}
