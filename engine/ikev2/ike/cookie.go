package ike

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"time"

	"github.com/flexvpnd/flexvpnd/engine/ikev2/wire"
)

// DefaultCookiePeriod is how long a cookie secret is used to make cookies;
// it then stays valid, for checking only, one more period.
const DefaultCookiePeriod = time.Minute

// cookieLen is the length of our cookies: the version octet and a SHA-256
// hash, within the 1 to 64 octets of RFC 7296 section 2.6.
const cookieLen = 1 + sha256.Size

// Cookies makes and checks the data of the COOKIE notifications a
// responder sends when it is under attack (RFC 7296 section 2.6):
//
//	Cookie = <VersionIDofSecret> | Hash(Ni | IPi | SPIi | <secret>)
//
// with SHA-256 as Hash. The secret is drawn at random and replaced every
// period; the previous one still validates cookies for one more period, so
// that an initiator that got a cookie just before the change can use it.
// Cookies keeps no state per request. Its methods must be called from one
// goroutine at a time.
type Cookies struct {
	rand   io.Reader
	now    func() time.Time
	period time.Duration

	cur, prev cookieSecret
	next      time.Time // when cur is replaced
}

// cookieSecret is one generation of the secret.
type cookieSecret struct {
	version byte
	key     [32]byte
	valid   bool
}

// NewCookies returns a cookie maker drawing its secrets from rand and
// replacing them every period (DefaultCookiePeriod if zero), on the clock
// now.
func NewCookies(rand io.Reader, now func() time.Time, period time.Duration) *Cookies {
	if period <= 0 {
		period = DefaultCookiePeriod
	}
	return &Cookies{rand: rand, now: now, period: period}
}

// CookieVerdict is what Verify found in an IKE_SA_INIT request.
type CookieVerdict uint8

// Verdicts of Verify.
const (
	CookieMissing CookieVerdict = iota // no N(COOKIE) first
	CookieInvalid                      // a cookie we did not make, or made with a retired secret
	CookieValid                        // a cookie we made for this Ni, IPi and SPIi
)

// String names the verdict.
func (v CookieVerdict) String() string {
	switch v {
	case CookieMissing:
		return "missing"
	case CookieInvalid:
		return "invalid"
	case CookieValid:
		return "valid"
	}
	return fmt.Sprintf("CookieVerdict(%d)", uint8(v))
}

// Verify checks the COOKIE notification that must come first in the
// IKE_SA_INIT request m (RFC 7296 section 2.6) received from the initiator
// at from. m must have passed wire.Check. The comparison takes constant
// time.
func (c *Cookies) Verify(m *wire.Message, from netip.AddrPort) CookieVerdict {
	got := requestCookie(m)
	if got == nil {
		return CookieMissing
	}
	ni := requestNonce(m)
	if c.rotate() != nil || len(got) != cookieLen || ni == nil {
		return CookieInvalid
	}
	for _, s := range []*cookieSecret{&c.cur, &c.prev} {
		if s.valid && s.version == got[0] {
			want := s.cookie(ni, from.Addr(), m.Header.SPIi)
			if subtle.ConstantTimeCompare(got, want[:]) == 1 {
				return CookieValid
			}
		}
	}
	return CookieInvalid
}

// Challenge returns the answer to the IKE_SA_INIT request m, received at
// local from the initiator at from, that asks for a retry with a cookie:
// a response carrying N(COOKIE) alone, with a zero responder SPI (RFC 7296
// section 2.6). m must have passed wire.Check.
func (c *Cookies) Challenge(m *wire.Message, local, from netip.AddrPort) ([]Datagram, error) {
	ni := requestNonce(m)
	if ni == nil {
		return nil, errors.New("ike: cookie challenge: request without a nonce")
	}
	if err := c.rotate(); err != nil {
		return nil, err
	}
	cookie := c.cur.cookie(ni, from.Addr(), m.Header.SPIi)
	resp := wire.Message{
		Header: wire.Header{
			SPIi: m.Header.SPIi, Version: wire.Version, Exchange: wire.IKESAInit,
			Flags: wire.FlagResponse, MessageID: m.Header.MessageID,
		},
		Payloads: []wire.Payload{&wire.Notify{NotifyType: wire.Cookie, Data: cookie[:]}},
	}
	raw, err := resp.Append(make([]byte, 0, wire.HeaderLen+8+cookieLen))
	if err != nil {
		return nil, fmt.Errorf("ike: cookie challenge: %w", err)
	}
	return []Datagram{{From: local, To: from, Data: raw}}, nil
}

// rotate replaces the secret when its period is over, keeping the current
// one as the previous one if it has just expired.
func (c *Cookies) rotate() error {
	now := c.now()
	if c.cur.valid && now.Before(c.next) {
		return nil
	}
	c.prev = cookieSecret{}
	if c.cur.valid && now.Before(c.next.Add(c.period)) {
		c.prev = c.cur
	}
	s := cookieSecret{version: c.cur.version + 1, valid: true}
	if _, err := io.ReadFull(c.rand, s.key[:]); err != nil {
		c.cur = cookieSecret{}
		return fmt.Errorf("ike: cookie secret: %w", err)
	}
	c.cur, c.next = s, now.Add(c.period)
	return nil
}

// cookie computes <VersionIDofSecret> | SHA-256(Ni | IPi | SPIi | <secret>)
// (RFC 7296 section 2.6), with IPi as 4 or 16 octets and SPIi as in the
// header.
func (s *cookieSecret) cookie(ni []byte, ipi netip.Addr, spiI uint64) [cookieLen]byte {
	var buf [wire.MaxNonceLen + 16 + 8 + 32]byte
	b := append(buf[:0], ni...)
	if a := ipi.Unmap(); a.Is4() {
		a4 := a.As4()
		b = append(b, a4[:]...)
	} else {
		a16 := a.As16()
		b = append(b, a16[:]...)
	}
	b = binary.BigEndian.AppendUint64(b, spiI)
	b = append(b, s.key[:]...)
	var out [cookieLen]byte
	out[0] = s.version
	h := sha256.Sum256(b)
	copy(out[1:], h[:])
	return out
}

// requestCookie returns the data of the COOKIE notification that opens an
// IKE_SA_INIT request (RFC 7296 section 2.6), or nil.
func requestCookie(m *wire.Message) []byte {
	if len(m.Payloads) == 0 {
		return nil
	}
	if n, ok := m.Payloads[0].(*wire.Notify); ok && n.NotifyType == wire.Cookie {
		return n.Data
	}
	return nil
}

// cookieNotify returns the COOKIE notification of a received IKE_SA_INIT
// response, or nil.
func cookieNotify(m *message) *wire.Notify {
	for _, p := range m.payloads {
		if n, ok := p.(*wire.Notify); ok && n.NotifyType == wire.Cookie {
			return n
		}
	}
	return nil
}

// requestNonce returns the data of the first Nonce payload of m, or nil.
func requestNonce(m *wire.Message) []byte {
	for _, p := range m.Payloads {
		if n, ok := p.(*wire.Nonce); ok {
			return n.Data
		}
	}
	return nil
}
