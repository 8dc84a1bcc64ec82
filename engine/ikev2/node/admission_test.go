package node

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"net"
	"net/netip"
	"os"
	"testing"
	"time"

	"github.com/flexvpnd/flexvpnd/engine/dataplane/recording"
	"github.com/flexvpnd/flexvpnd/engine/ikev2/ike"
	"github.com/flexvpnd/flexvpnd/engine/ikev2/wire"
	"github.com/google/go-cmp/cmp"
)

// startConfigured starts a node on 127.0.0.1 with ephemeral ports, a
// recording data plane unless cfg has one, and the other settings of cfg,
// closed by t.Cleanup.
func startConfigured(t *testing.T, cfg Config) *Node {
	t.Helper()
	cfg.Addrs, cfg.Logger = []netip.Addr{loopback}, testLogger(t)
	if cfg.Dataplane == nil {
		cfg.Dataplane = &recording.Dataplane{}
	}
	n, err := Start(context.Background(), cfg)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() {
		if err := n.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return n
}

// guardedPair starts an initiator node a and a responder node b with the
// admission settings adm, each the other's peer "p".
func guardedPair(t *testing.T, adm Admission) (a, b *Node) {
	t.Helper()
	a = startConfigured(t, Config{})
	b = startConfigured(t, Config{Admission: adm})
	addPeers(t, a, b)
	return a, b
}

// addPeers makes a and b each other's peer "p" (PSK "secret", FQDN
// identities); b accepts "p" from any port of 127.0.0.1, so that the fake
// initiators of the tests match it too.
func addPeers(t *testing.T, a, b *Node) {
	t.Helper()
	ea, eb := ikeEndpoint(t, a), ikeEndpoint(t, b)
	idA, idB := ike.FQDNIdentity("a.lab"), ike.FQDNIdentity("b.lab")
	if err := a.AddPeer(Peer{Name: "p", IKE: ikeConfig(suiteGCM, ea, eb, idA, idB, "secret", "secret")}); err != nil {
		t.Fatal(err)
	}
	if err := b.AddPeer(Peer{Name: "p", IKE: ikeConfig(suiteGCM, eb, ea, idB, idA, "secret", "secret")}); err != nil {
		t.Fatal(err)
	}
}

// fakeInitiator is a UDP socket on 127.0.0.1 that speaks for in-process
// initiator SAs (package ike) which never get past IKE_SA_INIT unless a test
// drives them.
type fakeInitiator struct {
	t    *testing.T
	conn *net.UDPConn
}

func newFakeInitiator(t *testing.T) *fakeInitiator {
	t.Helper()
	conn, err := net.ListenUDP("udp4", net.UDPAddrFromAddrPort(netip.AddrPortFrom(loopback, 0)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return &fakeInitiator{t: t, conn: conn}
}

func (f *fakeInitiator) addr() netip.AddrPort { return f.conn.LocalAddr().(*net.UDPAddr).AddrPort() }

// initiator returns a new initiator SA from this socket to the node's IKE
// endpoint to, with cfg changed by edit if not nil, and its IKE_SA_INIT
// request.
func (f *fakeInitiator) initiator(to netip.AddrPort, edit func(*ike.Config)) (*ike.SA, []byte) {
	f.t.Helper()
	cfg := ikeConfig(suiteGCM, f.addr(), to, ike.FQDNIdentity("a.lab"), ike.FQDNIdentity("b.lab"), "secret", "secret")
	if edit != nil {
		edit(&cfg)
	}
	sa, err := ike.NewInitiator(&cfg, ike.Env{Now: time.Now, Rand: rand.Reader, Dataplane: &recording.Dataplane{}})
	if err != nil {
		f.t.Fatal(err)
	}
	ds, err := sa.Initiate()
	if err != nil {
		f.t.Fatal(err)
	}
	return sa, ds[0].Data
}

// send sends b to the address to.
func (f *fakeInitiator) send(to netip.AddrPort, b []byte) {
	f.t.Helper()
	if _, err := f.conn.WriteToUDPAddrPort(b, to); err != nil {
		f.t.Fatal(err)
	}
}

// recv returns the next datagram, or nil after timeout.
func (f *fakeInitiator) recv(timeout time.Duration) []byte {
	f.t.Helper()
	buf := make([]byte, 65535)
	if err := f.conn.SetReadDeadline(time.Now().Add(timeout)); err != nil {
		f.t.Fatal(err)
	}
	n, _, err := f.conn.ReadFromUDPAddrPort(buf)
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return nil
	}
	if err != nil {
		f.t.Fatal(err)
	}
	return buf[:n]
}

// answerKind classifies an answer to an IKE_SA_INIT request.
func answerKind(t *testing.T, b []byte) string {
	t.Helper()
	m, err := wire.Decode(b)
	if err != nil {
		t.Fatalf("answer %x: %v", b, err)
	}
	for _, p := range m.Payloads {
		switch p := p.(type) {
		case *wire.Notify:
			if p.NotifyType == wire.Cookie || p.NotifyType.IsError() {
				return p.NotifyType.String()
			}
		case *wire.SA:
			return "SA"
		}
	}
	return "other"
}

// halfOpen counts the responder SAs of st that are not established.
func halfOpen(st []SAStatus) int {
	count := 0
	for _, s := range st {
		if !s.Initiator && s.State != ike.StateEstablished {
			count++
		}
	}
	return count
}

// establish initiates from a to its peer "p" and waits until a has one
// established SA.
func establish(t *testing.T, a *Node) {
	t.Helper()
	if err := a.Initiate("p"); err != nil {
		t.Fatal(err)
	}
	st := waitSAs(t, a, 5*time.Second, "initiator settled", func(st []SAStatus) bool {
		return len(st) == 1 && (st[0].State == ike.StateEstablished || st[0].State == ike.StateFailed)
	})
	if st[0].State != ike.StateEstablished {
		t.Fatalf("initiator %v: %v", st[0].State, st[0].Err)
	}
}

// stats returns the admission counters of n.
func stats(t *testing.T, n *Node) AdmissionStats {
	t.Helper()
	st, err := n.AdmissionStats()
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func TestCookieChallengeLoopback(t *testing.T) {
	for _, tc := range []struct {
		name      string
		threshold int
		want      AdmissionStats
	}{
		// Without cookies, both requests get a responder SA at once.
		{"off", 0, AdmissionStats{Accepted: 2}},
		// One half-open SA reaches the threshold: the initiator gets a
		// cookie, comes back with it and establishes.
		{"threshold 1", 1, AdmissionStats{Accepted: 2, CookieChallenged: 1, CookieMissing: 1, CookieAccepted: 1}},
		// Two half-open SAs are needed: no challenge.
		{"threshold 2", 2, AdmissionStats{Accepted: 2}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, b := guardedPair(t, Admission{CookieThreshold: tc.threshold})
			f := newFakeInitiator(t)
			_, req := f.initiator(ikeEndpoint(t, b), nil)
			f.send(ikeEndpoint(t, b), req)
			if got := f.recv(2 * time.Second); got == nil || answerKind(t, got) != "SA" {
				t.Fatal("the first request was not answered with SAr1")
			}
			establish(t, a)
			st := waitSAs(t, b, 5*time.Second, "responder established", func(st []SAStatus) bool {
				return len(st) == 2 && halfOpen(st) == 1
			})
			if diff := cmp.Diff(tc.want, stats(t, b)); diff != "" {
				t.Errorf("admission stats (-want +got):\n%s\nstatus %+v", diff, st)
			}
		})
	}
}

// TestInvalidCookieChallengedAgain sends a cookie the responder never made:
// it is treated as none and answered with a fresh cookie (RFC 7296 section
// 2.6), which then admits the request.
func TestInvalidCookieChallengedAgain(t *testing.T) {
	b := startConfigured(t, Config{Admission: Admission{CookieThreshold: 1}})
	a := startConfigured(t, Config{})
	addPeers(t, a, b)
	eb := ikeEndpoint(t, b)
	f := newFakeInitiator(t)
	_, first := f.initiator(eb, nil)
	f.send(eb, first) // the one half-open SA
	if f.recv(2*time.Second) == nil {
		t.Fatal("no answer")
	}
	sa, req := f.initiator(eb, nil)
	m, err := wire.Decode(req)
	if err != nil {
		t.Fatal(err)
	}
	bogus := wire.Message{Header: m.Header, Payloads: append([]wire.Payload{&wire.Notify{NotifyType: wire.Cookie, Data: bytes.Repeat([]byte{1}, 33)}}, m.Payloads...)}
	raw, err := bogus.Append(nil)
	if err != nil {
		t.Fatal(err)
	}
	f.send(eb, raw)
	challenge := f.recv(2 * time.Second)
	if challenge == nil || answerKind(t, challenge) != "COOKIE" {
		t.Fatal("a bogus cookie was not answered with a COOKIE notification")
	}
	retry := sa.HandleDatagram(challenge, f.addr(), eb)
	if len(retry) != 1 {
		t.Fatalf("initiator answered the challenge with %d datagrams (%v)", len(retry), sa.Err())
	}
	f.send(eb, retry[0].Data)
	if got := f.recv(2 * time.Second); got == nil || answerKind(t, got) != "SA" {
		t.Fatal("the retry with the cookie was not answered with SAr1")
	}
	want := AdmissionStats{Accepted: 2, CookieChallenged: 1, CookieInvalid: 1, CookieAccepted: 1}
	if diff := cmp.Diff(want, stats(t, b)); diff != "" {
		t.Errorf("admission stats (-want +got):\n%s", diff)
	}
}

func TestMaxInNegotiation(t *testing.T) {
	_, b := guardedPair(t, Admission{MaxInNegotiation: 2})
	eb := ikeEndpoint(t, b)
	var answered int
	for range 5 {
		f := newFakeInitiator(t)
		_, req := f.initiator(eb, nil)
		f.send(eb, req)
		if got := f.recv(300 * time.Millisecond); got != nil {
			answered++
		}
	}
	if answered != 2 {
		t.Errorf("%d requests answered, want 2", answered)
	}
	st, err := b.Status()
	if err != nil {
		t.Fatal(err)
	}
	if halfOpen(st) != 2 || len(st) != 2 {
		t.Errorf("%d SAs, %d half-open; want 2 half-open", len(st), halfOpen(st))
	}
	if diff := cmp.Diff(AdmissionStats{Accepted: 2, InNegotiationLimit: 3}, stats(t, b)); diff != "" {
		t.Errorf("admission stats (-want +got):\n%s", diff)
	}
}

func TestMaxSA(t *testing.T) {
	a, b := guardedPair(t, Admission{MaxSA: 1})
	establish(t, a)
	eb := ikeEndpoint(t, b)
	f := newFakeInitiator(t)
	_, req := f.initiator(eb, nil)
	f.send(eb, req)
	if got := f.recv(300 * time.Millisecond); got != nil {
		t.Errorf("request beyond max-sa answered: %s", answerKind(t, got))
	}
	st, err := b.Status()
	if err != nil {
		t.Fatal(err)
	}
	if len(st) != 1 || st[0].State != ike.StateEstablished {
		t.Errorf("responder status %+v, want the one established SA", st)
	}
	if diff := cmp.Diff(AdmissionStats{Accepted: 1, SALimit: 1}, stats(t, b)); diff != "" {
		t.Errorf("admission stats (-want +got):\n%s", diff)
	}
}

// TestGarbageCostsNoState sends datagrams that are not acceptable
// IKE_SA_INIT requests to a node without admission limits: none may leave
// an SA behind (RFC 7296 section 2.6: no state before a valid exchange).
func TestGarbageCostsNoState(t *testing.T) {
	_, b := guardedPair(t, Admission{})
	eb := ikeEndpoint(t, b)
	f := newFakeInitiator(t)
	_, valid := f.initiator(eb, nil)
	random := make([]byte, 400)
	if _, err := rand.Read(random); err != nil {
		t.Fatal(err)
	}
	withHeader := func(body []byte) []byte { // a valid IKE_SA_INIT header, then body
		b := append(bytes.Clone(valid[:wire.HeaderLen]), body...)
		h, _ := wire.DecodeHeader(valid)
		h.Length = uint32(len(b))
		h.Append(b[:0])
		return b
	}
	_, noProposal := f.initiator(eb, func(c *ike.Config) {
		c.Proposals = []ike.Proposal{{encr(wire.EncrAESCBC, 128), integ(wire.IntegHMACSHA196), prf(wire.PRFHMACSHA1), dh(wire.DHECP256)}}
	})
	_, wrongGroup := f.initiator(eb, func(c *ike.Config) {
		c.Proposals = []ike.Proposal{{encr(wire.EncrAESGCM16, 256), prf(wire.PRFHMACSHA2256), dh(wire.DHCurve25519), dh(wire.DHECP256)}}
	})
	cases := []struct {
		name   string
		data   []byte
		answer string // "" for none
	}{
		{"random bytes", random, ""},
		{"one octet", []byte{0}, ""},
		{"truncated header", valid[:20], ""},
		{"truncated message", valid[:len(valid)-10], ""},
		{"header and random payloads", withHeader(random[:200]), ""},
		{"header without payloads", withHeader(nil), ""},
		{"no proposal chosen", noProposal, "NO_PROPOSAL_CHOSEN"},
		{"wrong KE group", wrongGroup, "INVALID_KE_PAYLOAD"},
	}
	for _, tc := range cases {
		f.send(eb, tc.data)
		got := f.recv(300 * time.Millisecond)
		kind := ""
		if got != nil {
			kind = answerKind(t, got)
		}
		if kind != tc.answer {
			t.Errorf("%s: answered %q, want %q", tc.name, kind, tc.answer)
		}
	}
	st, err := b.Status()
	if err != nil {
		t.Fatal(err)
	}
	if len(st) != 0 {
		t.Errorf("garbage left %d SAs: %+v", len(st), st)
	}
	// The transport drops what is not an IKE message; admission what does
	// not decode; the SA refuses the two well-formed requests.
	if g := b.lis.Stats().Garbage; g != 4 {
		t.Errorf("transport counted %d garbage datagrams, want 4", g)
	}
	if diff := cmp.Diff(AdmissionStats{Accepted: 2, Malformed: 2}, stats(t, b)); diff != "" {
		t.Errorf("admission stats (-want +got):\n%s", diff)
	}
}

// TestBurst sends 200 IKE_SA_INIT requests from 20 source ports to a node
// that demands cookies from 10 half-open SAs on: at most 10 SAs are
// created, the rest are challenged without state, and a real initiator
// still gets in with a cookie.
func TestBurst(t *testing.T) {
	const threshold, senders, perSender = 10, 20, 10
	a, b := guardedPair(t, Admission{CookieThreshold: threshold})
	eb := ikeEndpoint(t, b)
	fakes := make([]*fakeInitiator, senders)
	for i := range fakes {
		fakes[i] = newFakeInitiator(t)
		for range perSender {
			_, req := fakes[i].initiator(eb, nil)
			fakes[i].send(eb, req)
		}
	}
	kinds := map[string]int{}
	for _, f := range fakes {
		for range perSender {
			got := f.recv(2 * time.Second)
			if got == nil {
				break
			}
			kinds[answerKind(t, got)]++
		}
	}
	if diff := cmp.Diff(map[string]int{"SA": threshold, "COOKIE": senders*perSender - threshold}, kinds); diff != "" {
		t.Errorf("answers (-want +got):\n%s", diff)
	}
	st, err := b.Status()
	if err != nil {
		t.Fatal(err)
	}
	if len(st) > threshold {
		t.Errorf("%d SAs after the burst, want at most %d", len(st), threshold)
	}
	start := time.Now()
	establish(t, a)
	t.Logf("established through the cookie challenge in %v", time.Since(start))
	got := stats(t, b)
	if got.Accepted != threshold+1 || got.CookieAccepted != 1 || got.CookieMissing != senders*perSender-threshold+1 {
		t.Errorf("admission stats %+v", got)
	}
}

// BenchmarkAdmitCookieChallenge measures what a node spends on each
// IKE_SA_INIT request of a flood once cookies are required: decode, check,
// no cookie found, COOKIE response built and sent over loopback, no state
// kept.
func BenchmarkAdmitCookieChallenge(b *testing.B) {
	n, err := Start(context.Background(), Config{
		Addrs: []netip.Addr{loopback}, Dataplane: &recording.Dataplane{},
		Admission: Admission{CookieThreshold: 1},
	})
	if err != nil {
		b.Fatal(err)
	}
	defer n.Close()
	conn, err := net.ListenUDP("udp4", net.UDPAddrFromAddrPort(netip.AddrPortFrom(loopback, 0)))
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close()
	from := conn.LocalAddr().(*net.UDPAddr).AddrPort()
	var to netip.AddrPort
	for _, e := range n.Endpoints() {
		if !e.NATT {
			to = e.Addr
		}
	}
	cfg := ikeConfig(suiteGCM, from, to, ike.FQDNIdentity("a.lab"), ike.FQDNIdentity("b.lab"), "secret", "secret")
	sa, err := ike.NewInitiator(&cfg, ike.Env{Now: time.Now, Rand: rand.Reader, Dataplane: &recording.Dataplane{}})
	if err != nil {
		b.Fatal(err)
	}
	ds, err := sa.Initiate()
	if err != nil {
		b.Fatal(err)
	}
	h, err := wire.DecodeHeader(ds[0].Data)
	if err != nil {
		b.Fatal(err)
	}
	p := packet{local: to, remote: from, hdr: h, data: ds[0].Data}
	// The loop runs in the node's goroutine, where admit belongs; the
	// benchmark goroutine waits in run meanwhile.
	var before, after AdmissionStats
	admitted := false
	err = n.run(func() {
		n.halfOpen[halfKey{spiI: 1}] = &entry{} // cookies are required from one half-open SA on
		before = n.adm.stats
		b.ReportAllocs()
		for b.Loop() {
			admitted = n.admit(p) || admitted
		}
		after = n.adm.stats
		delete(n.halfOpen, halfKey{spiI: 1})
	})
	if err != nil {
		b.Fatal(err)
	}
	if got := after.CookieChallenged - before.CookieChallenged; admitted || got != uint64(b.N) {
		b.Fatalf("%d challenges for %d requests, admitted without a cookie: %v", got, b.N, admitted)
	}
}
