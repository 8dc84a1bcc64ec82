package node

import (
	"crypto/rand"
	"time"

	"github.com/flexvpnd/flexvpnd/engine/ikev2/ike"
	"github.com/flexvpnd/flexvpnd/engine/ikev2/wire"
)

// Admission limits the new IKE_SA_INIT requests the node answers, as IOS's
// `crypto ikev2 cookie-challenge` and `crypto ikev2 limit` do. The zero
// value admits every request. The limits apply to the SAs the peers start
// (incoming); the node's own initiations are not limited.
//
// A request is admitted in four steps, none of which costs state until the
// last: it must decode as a well-formed IKE_SA_INIT request (RFC 7296
// section 3, the payload rules of section 1.2), else it is dropped; with
// MaxInNegotiation half-open SAs it is dropped; with CookieThreshold
// half-open SAs it must carry a valid cookie, else it is answered with a
// COOKIE notification alone (section 2.6); with MaxSA SAs it is dropped.
// Only then does the node create a responder SA for it.
//
// Dropping, without an answer, is what IOS does at both limits as far as
// we know: `show crypto ikev2 stats` counts such requests under "Rejected
// IKEv2 Requests ... SA limit" (corpus capture, IOS 15.2), and its system
// message is %IKEV2-5-SA_REJECTED_LIMIT_REACHED (recalled from Cisco's
// message guide, not checked against a device). It is also what RFC 7296
// allows: no notification tells an IKE_SA_INIT initiator to come back
// later, NO_PROPOSAL_CHOSEN would claim a configuration mismatch that does
// not exist, and silence lets the initiator retransmit (section 2.1) until
// a slot frees up.
type Admission struct {
	// CookieThreshold is `crypto ikev2 cookie-challenge N`: once N
	// responder SAs are half-open (IKE_SA_INIT answered, IKE_AUTH not yet
	// done), a new request needs a valid cookie. 0 disables cookies. (The
	// same rule as strongSwan's cookie_threshold.)
	CookieThreshold int
	// MaxInNegotiation is `crypto ikev2 limit max-in-negotiation-sa N`:
	// with N half-open responder SAs, new requests are dropped. 0 means no
	// limit. (IOS 15.2 shows "Max in nego: 40" in `show crypto ikev2
	// stats` when none is configured: a default for the engine to apply.)
	MaxInNegotiation int
	// MaxSA is `crypto ikev2 limit max-sa N`: with N IKE SAs, established
	// or negotiating, in either role, new requests are dropped. 0 means no
	// limit.
	MaxSA int
}

// AdmissionStats count the new IKE_SA_INIT requests by what admission did
// with them. In `show crypto ikev2 stats` terms: Accepted is "Incoming
// IKEv2 Requests ... accepted"; InNegotiationLimit + SALimit is "Rejected
// IKEv2 Requests ... SA limit"; Malformed is "IKEv2 packets dropped at
// dispatch"; CookieChallenged, CookieAccepted, CookieInvalid and
// CookieMissing are "Incoming IKEV2 Cookie Challenged Requests", its
// "accepted", "rejected" and "rejected no cookie".
type AdmissionStats struct {
	Accepted           uint64 // given a responder SA
	Malformed          uint64 // not a well-formed IKE_SA_INIT request: dropped
	InNegotiationLimit uint64 // dropped at MaxInNegotiation
	SALimit            uint64 // dropped at MaxSA
	CookieChallenged   uint64 // answered with a COOKIE notification
	CookieAccepted     uint64 // carried a valid cookie while cookies were required
	CookieInvalid      uint64 // carried a cookie we did not make, or too old: challenged again
	CookieMissing      uint64 // carried no cookie while cookies were required: challenged
}

// admission is the node's admission state, guarded by Node.mu.
type admission struct {
	limits  Admission
	cookies *ike.Cookies
	stats   AdmissionStats
	// keepalive is the NAT keepalive interval and keepalives what was
	// last sent or seen per SA (keepalive.go).
	keepalive  time.Duration
	keepalives map[ID]keepaliveMark
}

// newAdmission returns the admission state for cfg.
func newAdmission(cfg Config) *admission {
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	return &admission{
		limits:     cfg.Admission,
		cookies:    ike.NewCookies(rand.Reader, now, ike.DefaultCookiePeriod),
		keepalive:  cfg.NATKeepalive,
		keepalives: map[ID]keepaliveMark{},
	}
}

// admit decides whether a new IKE_SA_INIT request p may have a responder
// SA (see Admission), answering it with a cookie challenge where needed. It
// keeps no state about p. Refusals are logged at debug level only: under
// attack they would flood the log; the counters tell.
func (n *Node) admit(p packet) bool {
	a := n.adm
	m, err := wire.Decode(p.data)
	if err == nil {
		err = wire.Check(m)
	}
	if err != nil {
		a.stats.Malformed++
		n.log.Debug("malformed IKE_SA_INIT dropped", "from", p.remote, "err", err)
		return false
	}
	halfOpen := len(n.halfOpen)
	if limit := a.limits.MaxInNegotiation; limit > 0 && halfOpen >= limit {
		a.stats.InNegotiationLimit++
		n.log.Debug("IKE_SA_INIT dropped: in-negotiation SA limit reached", "from", p.remote, "limit", limit)
		return false
	}
	if t := a.limits.CookieThreshold; t > 0 && halfOpen >= t && !n.cookieOK(m, p) {
		return false
	}
	if limit := a.limits.MaxSA; limit > 0 && n.liveSAs() >= limit {
		a.stats.SALimit++
		n.log.Debug("IKE_SA_INIT dropped: SA limit reached", "from", p.remote, "limit", limit)
		return false
	}
	a.stats.Accepted++
	return true
}

// cookieOK reports whether the request m carries a valid cookie, and
// challenges it otherwise (RFC 7296 section 2.6: an invalid cookie is
// treated as none).
func (n *Node) cookieOK(m *wire.Message, p packet) bool {
	a := n.adm
	switch a.cookies.Verify(m, p.remote) {
	case ike.CookieValid:
		a.stats.CookieAccepted++
		return true
	case ike.CookieInvalid:
		a.stats.CookieInvalid++
	default:
		a.stats.CookieMissing++
	}
	out, err := a.cookies.Challenge(m, p.local, p.remote)
	if err != nil {
		n.log.Error("cookie challenge", "from", p.remote, "err", err)
		return false
	}
	a.stats.CookieChallenged++
	for _, d := range out {
		n.queue("", d)
	}
	return false
}

// liveSAs counts the IKE SAs that are neither failed nor deleted.
func (n *Node) liveSAs() int {
	count := 0
	for _, e := range n.sas {
		if s := e.sa.State(); s != ike.StateFailed && s != ike.StateDeleted {
			count++
		}
	}
	return count
}

// AdmissionStats returns the admission counters (see AdmissionStats).
func (n *Node) AdmissionStats() (AdmissionStats, error) {
	var st AdmissionStats
	err := n.run(func() { st = n.adm.stats })
	return st, err
}
