package ike

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"net/netip"
	"slices"
	"testing"
	"testing/iotest"
	"time"

	"github.com/flexvpnd/flexvpnd/engine/ikev2/wire"
	"github.com/google/go-cmp/cmp"
)

// initRequest returns an IKE_SA_INIT request of a fresh initiator, decoded
// and checked.
func initRequest(t testing.TB, seed uint64) *wire.Message {
	t.Helper()
	ci, cr := configs(suites[0])
	ds, err := newPair(t, ci, cr, seed).i.Initiate()
	if err != nil {
		t.Fatal(err)
	}
	m, err := wire.Decode(ds[0].Data)
	if err != nil || wire.Check(m) != nil {
		t.Fatalf("initiator request: %v", err)
	}
	return m
}

// withCookie returns a copy of the request m with N(COOKIE) as its first
// payload.
func withCookie(m *wire.Message, cookie []byte) *wire.Message {
	c := *m
	c.Payloads = append([]wire.Payload{&wire.Notify{NotifyType: wire.Cookie, Data: cookie}}, m.Payloads...)
	return &c
}

// challengeCookie returns the cookie of the challenge c sends to m.
func challengeCookie(t *testing.T, c *Cookies, m *wire.Message, from netip.AddrPort) []byte {
	t.Helper()
	ds, err := c.Challenge(m, addrR, from)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := wire.Decode(ds[0].Data)
	if err != nil {
		t.Fatal(err)
	}
	return resp.Payloads[0].(*wire.Notify).Data
}

func TestCookieVerify(t *testing.T) {
	now := t0
	c := NewCookies(rand.NewChaCha8([32]byte{9}), func() time.Time { return now }, time.Minute)
	req := initRequest(t, 1)
	cookie := challengeCookie(t, c, req, addrI)
	if len(cookie) != cookieLen {
		t.Fatalf("cookie of %d octets, want %d", len(cookie), cookieLen)
	}
	flipped := bytes.Clone(cookie)
	flipped[len(flipped)-1] ^= 1
	otherSPI := *req
	otherSPI.Header.SPIi++
	otherNonce := withCookie(initRequest(t, 2), cookie)
	otherNonce.Header.SPIi = req.Header.SPIi

	for _, tc := range []struct {
		name  string
		m     *wire.Message
		from  netip.AddrPort
		after time.Duration // since the cookie was made
		want  CookieVerdict
	}{
		{"no cookie", req, addrI, 0, CookieMissing},
		{"valid", withCookie(req, cookie), addrI, 0, CookieValid},
		{"valid from another port", withCookie(req, cookie), netip.AddrPortFrom(addrI.Addr(), 4500), 0, CookieValid},
		{"previous secret", withCookie(req, cookie), addrI, 90 * time.Second, CookieValid},
		{"retired secret", withCookie(req, cookie), addrI, 120 * time.Second, CookieInvalid},
		{"long retired secret", withCookie(req, cookie), addrI, time.Hour, CookieInvalid},
		{"IPv4-mapped sender", withCookie(req, cookie), netip.MustParseAddrPort("[::ffff:198.18.0.1]:500"), 0, CookieValid},
		{"other address", withCookie(req, cookie), addrR, 0, CookieInvalid},
		{"IPv6 sender", withCookie(req, cookie), netip.MustParseAddrPort("[2001:db8::1]:500"), 0, CookieInvalid},
		{"other SPIi", withCookie(&otherSPI, cookie), addrI, 0, CookieInvalid},
		{"other nonce", otherNonce, addrI, 0, CookieInvalid},
		{"flipped bit", withCookie(req, flipped), addrI, 0, CookieInvalid},
		{"truncated", withCookie(req, cookie[:cookieLen-1]), addrI, 0, CookieInvalid},
		{"unknown version", withCookie(req, append([]byte{cookie[0] + 7}, cookie[1:]...)), addrI, 0, CookieInvalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			now = t0.Add(tc.after)
			c := *c // each case from the state right after the challenge
			if got := c.Verify(tc.m, tc.from); got != tc.want {
				t.Errorf("Verify = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestCookieIPv6(t *testing.T) {
	c := NewCookies(rand.NewChaCha8([32]byte{9}), func() time.Time { return t0 }, 0)
	req := initRequest(t, 1)
	from := netip.MustParseAddrPort("[2001:db8::1]:500")
	cookie := challengeCookie(t, c, req, from)
	for _, tc := range []struct {
		from netip.AddrPort
		want CookieVerdict
	}{
		{from, CookieValid},
		{netip.MustParseAddrPort("[2001:db8::2]:500"), CookieInvalid},
		{addrI, CookieInvalid},
	} {
		if got := c.Verify(withCookie(req, cookie), tc.from); got != tc.want {
			t.Errorf("from %v: %v, want %v", tc.from, got, tc.want)
		}
	}
}

func TestCookieRotation(t *testing.T) {
	now := t0
	c := NewCookies(rand.NewChaCha8([32]byte{9}), func() time.Time { return now }, time.Minute)
	req := initRequest(t, 1)
	first := challengeCookie(t, c, req, addrI)
	if again := challengeCookie(t, c, req, addrI); !bytes.Equal(first, again) {
		t.Error("two cookies for the same request within a period differ")
	}
	now = now.Add(61 * time.Second)
	second := challengeCookie(t, c, req, addrI)
	if bytes.Equal(first, second) || second[0] != first[0]+1 {
		t.Errorf("after a period: cookie %x, then %x; want a new secret with the next version", first, second)
	}
	for _, ck := range [][]byte{first, second} {
		if got := c.Verify(withCookie(req, ck), addrI); got != CookieValid {
			t.Errorf("cookie %x of the current or previous secret: %v", ck[:4], got)
		}
	}
}

func TestCookieChallengeMessage(t *testing.T) {
	c := NewCookies(rand.NewChaCha8([32]byte{9}), func() time.Time { return t0 }, 0)
	req := initRequest(t, 1)
	ds, err := c.Challenge(req, addrR, addrI)
	if err != nil {
		t.Fatal(err)
	}
	if len(ds) != 1 || ds[0].From != addrR || ds[0].To != addrI {
		t.Fatalf("challenge datagrams %+v", ds)
	}
	resp, err := wire.Decode(ds[0].Data)
	if err != nil {
		t.Fatal(err)
	}
	if err := wire.Check(resp); err != nil {
		t.Error(err)
	}
	want := wire.Header{SPIi: req.Header.SPIi, Version: wire.Version, Exchange: wire.IKESAInit, Flags: wire.FlagResponse,
		NextPayload: wire.PayloadN, Length: uint32(len(ds[0].Data))}
	if diff := cmp.Diff(want, resp.Header); diff != "" {
		t.Errorf("header (-want +got):\n%s", diff)
	}
	if n, ok := resp.Payloads[0].(*wire.Notify); len(resp.Payloads) != 1 || !ok || n.NotifyType != wire.Cookie {
		t.Errorf("payloads %v, want N(COOKIE) alone", resp.Payloads)
	}
}

func TestCookieRandomFailure(t *testing.T) {
	c := NewCookies(iotest.ErrReader(errors.New("no entropy")), func() time.Time { return t0 }, 0)
	req := initRequest(t, 1)
	if _, err := c.Challenge(req, addrR, addrI); err == nil {
		t.Error("Challenge without randomness succeeded")
	}
	if got := c.Verify(withCookie(req, make([]byte, cookieLen)), addrI); got != CookieInvalid {
		t.Errorf("Verify without a secret = %v", got)
	}
}

// cookiePair runs the exchanges of p with a responder that demands a cookie
// in every IKE_SA_INIT request, as the node does under attack: a request
// without a valid one is answered by c, statelessly, and never reaches
// p.r. It returns the IKE_SA_INIT requests the initiator sent.
func cookiePair(t *testing.T, p *pair, c *Cookies) []*wire.Message {
	t.Helper()
	var inits []*wire.Message
	ds, err := p.i.Initiate()
	if err != nil {
		t.Fatal(err)
	}
	for n := 0; len(ds) > 0; n++ {
		if n > 20 {
			t.Fatal("endless ping-pong")
		}
		var next []Datagram
		for _, d := range ds {
			if d.To.Addr() == addrI.Addr() {
				next = append(next, p.i.HandleDatagram(d.Data, d.To, d.From)...)
				continue
			}
			m, err := wire.Decode(bytes.Clone(d.Data))
			if err != nil {
				t.Fatal(err)
			}
			if m.Header.Exchange == wire.IKESAInit {
				inits = append(inits, m)
				if c.Verify(m, d.From) != CookieValid {
					ch, err := c.Challenge(m, d.To, d.From)
					if err != nil {
						t.Fatal(err)
					}
					next = append(next, ch...)
					continue
				}
			}
			next = append(next, p.r.HandleDatagram(d.Data, d.To, d.From)...)
		}
		ds = next
	}
	return inits
}

// payloadsAfterCookie returns the payloads of an IKE_SA_INIT request
// without its leading N(COOKIE).
func payloadsAfterCookie(m *wire.Message) []wire.Payload {
	if requestCookie(m) != nil {
		return m.Payloads[1:]
	}
	return m.Payloads
}

func TestInitiatorCookieRetry(t *testing.T) {
	ci, cr := configs(suites[0])
	p := newPair(t, ci, cr, 31)
	inits := cookiePair(t, p, NewCookies(rand.NewChaCha8([32]byte{4}), func() time.Time { return p.now }, 0))
	checkEstablished(t, p)
	if len(inits) != 2 {
		t.Fatalf("%d IKE_SA_INIT requests, want 2", len(inits))
	}
	first, retry := inits[0], inits[1]
	if requestCookie(first) != nil || requestCookie(retry) == nil {
		t.Fatal("want the first request without and the retry with N(COOKIE) first")
	}
	if diff := cmp.Diff(first.Payloads, payloadsAfterCookie(retry)); diff != "" {
		t.Errorf("the retry changed the other payloads (RFC 7296 section 2.6) (-first +retry):\n%s", diff)
	}
	if retry.Header.MessageID != 0 || retry.Header.SPIi != first.Header.SPIi || retry.Header.SPIr != 0 {
		t.Errorf("retry header %v, first %v", &retry.Header, &first.Header)
	}
	if p.i.mgr.nextID != 2 || p.r.mgr.peerNextID != 2 {
		t.Errorf("message IDs next %d / %d, want 2", p.i.mgr.nextID, p.r.mgr.peerNextID)
	}
}

// TestCookieThenInvalidKE follows RFC 7296 section 2.6.1: a cookie, then
// INVALID_KE_PAYLOAD, then a new key and nonce, hence a new cookie.
func TestCookieThenInvalidKE(t *testing.T) {
	ci, cr := configs(suites[0])
	ci.Proposals = []Proposal{{encr(wire.EncrAESGCM16, 256), prf(wire.PRFHMACSHA2256), dh(wire.DHECP256), dh(wire.DHModp2048)}}
	cr.Proposals = []Proposal{{encr(wire.EncrAESGCM16, 256), prf(wire.PRFHMACSHA2256), dh(wire.DHModp2048)}}
	p := newPair(t, ci, cr, 32)
	inits := cookiePair(t, p, NewCookies(rand.NewChaCha8([32]byte{5}), func() time.Time { return p.now }, 0))
	checkEstablished(t, p)
	var got []string
	for _, m := range inits {
		ke := m.Payloads[slices.IndexFunc(m.Payloads, func(p wire.Payload) bool { return p.Type() == wire.PayloadKE })].(*wire.KE)
		s := ke.Group.String()
		if requestCookie(m) != nil {
			s = "N(COOKIE), " + s
		}
		got = append(got, s)
	}
	g19, g14 := wire.DHECP256.String(), wire.DHModp2048.String()
	want := []string{g19, "N(COOKIE), " + g19, g14, "N(COOKIE), " + g14}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("IKE_SA_INIT requests (-want +got):\n%s", diff)
	}
}

func TestInitiatorCookieGivesUp(t *testing.T) {
	ci, cr := configs(suites[0])
	p := newPair(t, ci, cr, 33)
	// A responder that changes its secret for every request never accepts
	// a cookie.
	now := t0
	c := NewCookies(rand.NewChaCha8([32]byte{6}), func() time.Time { now = now.Add(time.Hour); return now }, 0)
	inits := cookiePair(t, p, c)
	if p.i.State() != StateFailed {
		t.Fatalf("initiator %v, want failed", p.i.State())
	}
	if len(inits) != maxCookies+1 {
		t.Errorf("%d IKE_SA_INIT requests, want %d", len(inits), maxCookies+1)
	}
	if _, ok := p.i.NextTimer(); ok {
		t.Error("the failed initiator still runs a timer")
	}
}

func TestInitiatorRejectsBadCookie(t *testing.T) {
	for _, n := range []int{0, 65} {
		ci, cr := configs(suites[0])
		p := newPair(t, ci, cr, 34)
		ds, err := p.i.Initiate()
		if err != nil {
			t.Fatal(err)
		}
		req, _ := wire.Decode(ds[0].Data)
		resp := wire.Message{
			Header:   wire.Header{SPIi: req.Header.SPIi, Version: wire.Version, Exchange: wire.IKESAInit, Flags: wire.FlagResponse},
			Payloads: []wire.Payload{&wire.Notify{NotifyType: wire.Cookie, Data: make([]byte, n)}},
		}
		raw, err := resp.Append(nil)
		if err != nil {
			t.Fatal(err)
		}
		if out := p.i.HandleDatagram(raw, addrI, addrR); len(out) != 0 || p.i.State() != StateFailed {
			t.Errorf("COOKIE of %d octets: sent %d datagrams, state %v; want a failure", n, len(out), p.i.State())
		}
	}
}

// BenchmarkCookieChallenge measures the responder's stateless path under
// attack (RFC 7296 section 2.6): "request" decodes and checks an
// IKE_SA_INIT request without a cookie, finds none and builds the COOKIE
// response, as the node does for each such request; "challenge" is the
// cookie part alone.
func BenchmarkCookieChallenge(b *testing.B) {
	ci, cr := configs(suites[0])
	ds, err := newPair(b, ci, cr, 1).i.Initiate()
	if err != nil {
		b.Fatal(err)
	}
	raw := ds[0].Data
	c := NewCookies(rand.NewChaCha8([32]byte{7}), time.Now, 0)
	challenge := func(b *testing.B, m *wire.Message) {
		if c.Verify(m, addrI) != CookieMissing {
			b.Fatal("cookie found")
		}
		if _, err := c.Challenge(m, addrR, addrI); err != nil {
			b.Fatal(err)
		}
	}
	b.Run("request", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			m, err := wire.Decode(raw)
			if err != nil || wire.Check(m) != nil {
				b.Fatal(err)
			}
			challenge(b, m)
		}
	})
	b.Run("challenge", func(b *testing.B) {
		m, err := wire.Decode(raw)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			challenge(b, m)
		}
	})
}
