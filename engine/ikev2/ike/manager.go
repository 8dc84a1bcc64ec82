package ike

import (
	"errors"
	"fmt"
	"net/netip"
	"time"

	"github.com/flexvpnd/flexvpnd/engine/ikev2/wire"
)

// task is one part of an exchange (strongSwan's task model). The
// initiator of the exchange calls build then, on the response, process; the
// responder calls process on the request, then build for the response.
// Both may return a *NotifyError.
type task interface {
	build(m *message) error
	process(m *message) error
}

// message is an IKE message being built or received, with the plaintext
// payloads (for protected exchanges, those inside the Encrypted payload).
type message struct {
	hdr      wire.Header
	payloads []wire.Payload
	// local and remote are, for a received message, the addresses it was
	// sent to and from.
	local, remote netip.AddrPort
}

func (m *message) add(ps ...wire.Payload) { m.payloads = append(m.payloads, ps...) }

// first returns the first payload of type t, or nil.
func (m *message) first(t wire.PayloadType) wire.Payload {
	for _, p := range m.payloads {
		if p.Type() == t {
			return p
		}
	}
	return nil
}

// errorNotify returns the first Notify payload of an error type, or nil
// (RFC 7296 section 3.10.1).
func (m *message) errorNotify() *wire.Notify {
	for _, p := range m.payloads {
		if n, ok := p.(*wire.Notify); ok && n.NotifyType.IsError() {
			return n
		}
	}
	return nil
}

// exchange is one request and its response.
type exchange struct {
	typ     wire.ExchangeType
	tasks   []task
	id      uint32
	packets [][]byte  // the request as sent: one message or its fragments
	sent    int       // transmissions so far
	next    time.Time // when to retransmit, or give up
	// retransmit, if not zero, replaces the configured schedule (the
	// liveness checks of DPD).
	retransmit Retransmit
	// liveness marks a liveness check of DPD (RFC 7296 section 2.4),
	// whose failure is ErrDPDTimeout.
	liveness bool
}

// schedule returns the retransmission schedule of ex.
func (sa *SA) schedule(ex *exchange) Retransmit {
	if ex.retransmit != (Retransmit{}) {
		return ex.retransmit
	}
	return sa.cfg.retransmit()
}

// manager is the task manager of an IKE SA: message IDs, the window of one
// outstanding request, retransmissions, and the cached last response (RFC
// 7296 sections 2.1 to 2.3).
type manager struct {
	// Requests we send.
	nextID uint32
	active *exchange
	queue  []*exchange
	// Requests we receive.
	peerNextID uint32
	lastResp   [][]byte // the response to request peerNextID-1, as sent
}

// errRetry asks the manager to send the active exchange again, rebuilt
// (INVALID_KE_PAYLOAD, RFC 7296 section 1.2).
var errRetry = errors.New("retry the exchange")

// startNext sends the next queued request if none is outstanding (window
// of one, RFC 7296 section 2.3).
func (sa *SA) startNext() []Datagram {
	if sa.mgr.active != nil || len(sa.mgr.queue) == 0 {
		return nil
	}
	ex := sa.mgr.queue[0]
	sa.mgr.queue = sa.mgr.queue[1:]
	if len(sa.mgr.queue) == 0 {
		sa.mgr.queue = nil // let the finished exchanges go
	}
	ex.id = sa.mgr.nextID
	sa.mgr.active = ex
	return sa.transmit(ex)
}

// transmit builds and sends the request of ex afresh.
func (sa *SA) transmit(ex *exchange) []Datagram {
	m := &message{hdr: sa.header(ex.typ, ex.id, false)}
	for _, t := range ex.tasks {
		if err := t.build(m); err != nil {
			sa.fail(fmt.Errorf("ike: build %v request: %w", ex.typ, err))
			return nil
		}
	}
	pkts, err := sa.encodeFor(m, sa.local, sa.remote)
	if err != nil {
		sa.fail(err)
		return nil
	}
	if ex.typ == wire.IKESAInit {
		sa.hs.initReq = pkts[0]
	}
	ex.packets, ex.sent, ex.next = pkts, 1, sa.env.Now().Add(sa.schedule(ex).delay(0))
	return sa.send(pkts)
}

// header returns the header of an outgoing message.
func (sa *SA) header(typ wire.ExchangeType, id uint32, response bool) wire.Header {
	h := wire.Header{SPIi: sa.spiI, SPIr: sa.spiR, Version: wire.Version, Exchange: typ, MessageID: id}
	if sa.initiator {
		h.Flags |= wire.FlagInitiator
	}
	if response {
		h.Flags |= wire.FlagResponse
	}
	return h
}

// Tick retransmits the outstanding request whose timer has expired, or
// fails the SA once the retransmissions are exhausted (RFC 7296 section
// 2.1); it starts the rekeys and deletions that the lifetimes call for
// (section 2.8) and the liveness checks of dead peer detection (section
// 2.4). Call it at least by NextTimer.
func (sa *SA) Tick(now time.Time) []Datagram {
	out := sa.retransmit(now)
	out = append(out, sa.tickOthers(now)...)
	sa.expireFragments(now)
	if sa.state == StateEstablished && sa.parent() == nil {
		sa.expire(now)
		sa.checkLiveness(now)
	}
	out = append(out, sa.startNext()...)
	out = append(out, sa.startOthers()...)
	sa.tidy()
	return out
}

// retransmit sends the outstanding request again if its timer expired, or
// fails the SA when it was sent for the last time.
func (sa *SA) retransmit(now time.Time) []Datagram {
	ex := sa.mgr.active
	if ex == nil || now.Before(ex.next) {
		return nil
	}
	r := sa.schedule(ex)
	if ex.sent > r.Tries {
		// The peer is deemed dead and so are the CHILD SAs (RFC 7296
		// sections 1.4.1 and 2.4).
		err := fmt.Errorf("ike: %v request %d: no response after %d retransmissions", ex.typ, ex.id, ex.sent-1)
		if ex.liveness {
			err = fmt.Errorf("ike: %w: no answer to %d liveness checks", ErrDPDTimeout, ex.sent)
		}
		sa.fail(sa.deleteChildren(err))
		return nil
	}
	ex.next = now.Add(r.delay(ex.sent))
	ex.sent++
	return sa.send(ex.packets) // every fragment again (RFC 7383 section 2.5)
}

// NextTimer returns when Tick must next be called, or false if no timer
// runs.
func (sa *SA) NextTimer() (time.Time, bool) {
	var t timerMin
	if sa.mgr.active != nil {
		t.at(sa.mgr.active.next)
	}
	if sa.state == StateEstablished && sa.parent() == nil {
		sa.lifetimeTimers(&t)
		sa.livenessTimer(&t)
	}
	sa.othersNext(&t)
	sa.fragmentTimer(&t)
	return t.t, t.ok
}

// handleResponse matches a response to the outstanding request and runs
// the exchange's tasks on it.
func (sa *SA) handleResponse(wm *wire.Message, raw []byte, m *message) []Datagram {
	ex := sa.mgr.active
	if ex == nil || wm.Header.MessageID != ex.id || wm.Header.Exchange != ex.typ {
		return nil // not the response we wait for (RFC 7296 section 2.3)
	}
	if ex.typ == wire.IKESAInit {
		sa.hs.initResp = raw
	} else {
		var err error
		if m, err = sa.decrypt(wm, raw, m); err != nil {
			if errors.Is(err, errDrop) {
				return nil
			}
			sa.fail(fmt.Errorf("ike: %v response: %w", ex.typ, err))
			return nil
		}
	}
	for _, t := range ex.tasks {
		err := t.process(m)
		if errors.Is(err, errRetry) {
			return sa.transmit(ex)
		}
		if err != nil {
			sa.fail(fmt.Errorf("ike: %v response: %w", ex.typ, err))
			return sa.noticeAuthFailed(ex, err)
		}
	}
	if sa.state == StateDeleted {
		return nil // the IKE SA Delete completed
	}
	sa.mgr.active = nil
	sa.mgr.nextID++
	if ex.typ == wire.IKEAuth {
		sa.establish()
	}
	sa.runAfter()
	return sa.startNext()
}

// runAfter runs what tasks left for the end of the exchange, once its
// message IDs are counted on the IKE SA that carried it.
func (sa *SA) runAfter() {
	for sa.ext != nil && len(sa.ext.after) > 0 {
		fn := sa.ext.after[0]
		sa.ext.after = sa.ext.after[1:]
		fn()
	}
	if sa.ext != nil {
		sa.ext.after = nil
	}
}

// handleRequest answers a request: a retransmitted one from the cached
// response, the expected one by running the tasks of its exchange.
func (sa *SA) handleRequest(wm *wire.Message, raw []byte, m *message) []Datagram {
	h := &wm.Header
	switch {
	case sa.mgr.lastResp != nil && h.MessageID+1 == sa.mgr.peerNextID:
		if !sa.answersRetransmit(wm, raw) {
			return nil
		}
		return reply(m, sa.mgr.lastResp) // RFC 7296 section 2.1: retransmit the response
	case h.MessageID != sa.mgr.peerNextID:
		return nil // outside the window (section 2.3)
	}
	ex := sa.responderTasks(h.Exchange)
	if ex == nil {
		return nil
	}
	rx := m
	if h.Exchange == wire.IKESAInit {
		sa.spiI, sa.local, sa.remote, sa.hs.initReq, sa.state = h.SPIi, m.local, m.remote, raw, StateConnecting
	} else {
		var err error
		if m, err = sa.decrypt(wm, raw, rx); errors.Is(err, errDrop) {
			return nil
		}
		sa.float(rx)
		if err != nil {
			return sa.respondError(rx, &NotifyError{Type: wire.InvalidSyntax, Err: err})
		}
	}
	for _, t := range ex.tasks {
		if err := t.process(m); err != nil {
			return sa.respondError(rx, err)
		}
	}
	out := &message{hdr: sa.header(h.Exchange, h.MessageID, true)}
	for _, t := range ex.tasks {
		if err := t.build(out); err != nil {
			sa.fail(fmt.Errorf("ike: build %v response: %w", h.Exchange, err))
			return nil
		}
	}
	resp, err := sa.encodeFor(out, rx.local, rx.remote)
	if err != nil {
		sa.fail(err)
		return nil
	}
	if h.Exchange == wire.IKESAInit {
		sa.hs.initResp = resp[0]
	}
	if h.Exchange == wire.IKEAuth {
		sa.establish()
	}
	sa.mgr.lastResp, sa.mgr.peerNextID = resp, h.MessageID+1
	sa.runAfter()
	return append(reply(rx, resp), sa.startNext()...)
}

// float moves the IKE endpoints to those of an authenticated request when a
// NAT was detected (RFC 7296 section 2.23), so that the requests we send
// later follow the NAT mapping; without a NAT they stay.
func (sa *SA) float(rx *message) {
	if sa.natDetected() {
		sa.local, sa.remote = rx.local, rx.remote
	}
}

// responderTasks returns the tasks that answer a request of type typ in
// the current state, or nil for requests this SA does not handle yet.
func (sa *SA) responderTasks(typ wire.ExchangeType) *exchange {
	switch {
	case typ == wire.Informational && (sa.state == StateEstablished || sa.state == StateDeleting):
		return &exchange{typ: typ, tasks: []task{&informational{sa: sa}}}
	case typ == wire.CreateChildSA && (sa.state == StateEstablished || sa.state == StateDeleting):
		return &exchange{typ: typ, tasks: []task{&createChildResponder{sa: sa}}}
	case sa.initiator:
		return nil
	case typ == wire.IKESAInit && sa.state == StateIdle:
		return &exchange{typ: typ, tasks: []task{&ikeInit{sa: sa}}}
	case typ == wire.IKEAuth && sa.state == StateConnecting && sa.in != nil:
		return &exchange{typ: typ, tasks: []task{&ikeAuth{sa: sa}, authChildCreate(sa)}}
	}
	return nil
}

// respondError answers a request that a task rejected with the Notify of
// its *NotifyError alone (RFC 7296 sections 1.2, 2.21). A rejected
// IKE_SA_INIT leaves no state behind, so, as with the stateless COOKIE
// answer of section 2.6, the responder SPI of the answer is zero; a rejected
// IKE_AUTH fails the SA (section 2.21.2).
func (sa *SA) respondError(rx *message, err error) []Datagram {
	h := &rx.hdr
	var ne *NotifyError
	if !errors.As(err, &ne) {
		sa.fail(fmt.Errorf("ike: %v request: %w", h.Exchange, err))
		return nil
	}
	out := &message{hdr: sa.header(h.Exchange, h.MessageID, true)}
	out.add(ne.notify())
	if h.Exchange == wire.IKESAInit {
		out.hdr.SPIr = 0
		resp, encErr := sa.encodeFor(out, rx.local, rx.remote)
		sa.spiI, sa.spiR, sa.state, sa.in, sa.out = 0, 0, StateIdle, nil, nil
		sa.natLocal, sa.natRemote, sa.frag, sa.vendor = false, false, fragState{}, vendorState{}
		sa.hs = &handshake{group: firstGroup(sa.cfg.Proposals)}
		if encErr != nil {
			return nil
		}
		return reply(rx, resp)
	}
	resp, encErr := sa.encodeFor(out, rx.local, rx.remote)
	sa.fail(fmt.Errorf("ike: %v request: %w", h.Exchange, err))
	if encErr != nil {
		return nil
	}
	sa.mgr.lastResp, sa.mgr.peerNextID = resp, h.MessageID+1
	return reply(rx, resp)
}

// noticeAuthFailed tells the responder, in an INFORMATIONAL exchange, that
// we rejected its AUTH in the IKE_AUTH exchange ex (RFC 7296 section
// 2.21.2), so that it removes the CHILD SA it has installed. The SA has
// already failed; only that exchange still runs.
func (sa *SA) noticeAuthFailed(ex *exchange, err error) []Datagram {
	if ex.typ != wire.IKEAuth || !errors.Is(err, errAuth) {
		return nil
	}
	sa.mgr.nextID = ex.id + 1
	sa.mgr.queue = []*exchange{{typ: wire.Informational, tasks: []task{&informational{sa: sa, notify: wire.AuthenticationFailed}}}}
	return sa.startNext()
}
