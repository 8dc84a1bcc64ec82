package ike

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"net/netip"
	"testing"
	"time"

	"github.com/flexvpnd/flexvpnd/engine/dataplane"
	"github.com/flexvpnd/flexvpnd/engine/dataplane/recording"
	"github.com/flexvpnd/flexvpnd/engine/ikev2/wire"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

var (
	addrI = netip.MustParseAddrPort("198.18.0.1:500")
	addrR = netip.MustParseAddrPort("198.18.0.2:500")
	t0    = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
)

func encr(id wire.EncrID, bits uint16) Transform {
	return Transform{Type: wire.TransformENCR, ID: uint16(id), KeyBits: bits}
}
func integ(id wire.IntegID) Transform { return Transform{Type: wire.TransformINTEG, ID: uint16(id)} }
func prf(id wire.PRFID) Transform     { return Transform{Type: wire.TransformPRF, ID: uint16(id)} }
func dh(g wire.DHGroup) Transform     { return Transform{Type: wire.TransformDH, ID: uint16(g)} }

var esnNo = Transform{Type: wire.TransformESN, ID: uint16(wire.ESNNo)}

var equateAddr = cmpopts.EquateComparable(netip.Addr{})

// suite is an IKE proposal and the matching ESP proposal.
type suite struct {
	name string
	ike  Proposal
	esp  Proposal
}

var suites = []suite{
	{"aes-gcm-256/group19",
		Proposal{encr(wire.EncrAESGCM16, 256), prf(wire.PRFHMACSHA2256), dh(wire.DHECP256)},
		Proposal{encr(wire.EncrAESGCM16, 256), esnNo}},
	{"aes-cbc-256/sha256/group14",
		Proposal{encr(wire.EncrAESCBC, 256), integ(wire.IntegHMACSHA2256128), prf(wire.PRFHMACSHA2256), dh(wire.DHModp2048)},
		Proposal{encr(wire.EncrAESCBC, 256), integ(wire.IntegHMACSHA2256128), esnNo}},
	{"chacha20-poly1305/group31",
		Proposal{encr(wire.EncrChaCha20Poly1305, 0), prf(wire.PRFHMACSHA2512), dh(wire.DHCurve25519)},
		Proposal{encr(wire.EncrChaCha20Poly1305, 0), esnNo}},
}

// configs returns an initiator (198.18.0.1, ID_IPV4_ADDR) and a responder
// (198.18.0.2, ID_FQDN) configuration for s, with VTI selectors.
func configs(s suite) (ci, cr *Config) {
	any := []dataplane.TrafficSelector{dataplane.AnyIPv4}
	ci = &Config{
		Local: addrI, Remote: addrR,
		LocalID: AddrIdentity(addrI.Addr()), RemoteID: FQDNIdentity("hub.flex.lab"),
		LocalPSK: []byte("spoke-key"), RemotePSK: []byte("hub-key"),
		Proposals: []Proposal{s.ike},
		Child:     ChildConfig{Proposals: []Proposal{s.esp}, LocalTS: any, RemoteTS: any, TunnelID: 1},
	}
	cr = &Config{
		Local: addrR, Remote: addrI,
		LocalID: FQDNIdentity("hub.flex.lab"), RemoteID: AddrIdentity(addrI.Addr()),
		LocalPSK: []byte("hub-key"), RemotePSK: []byte("spoke-key"),
		Proposals: []Proposal{s.ike},
		Child:     ChildConfig{Proposals: []Proposal{s.esp}, LocalTS: any, RemoteTS: any, TunnelID: 7},
	}
	return ci, cr
}

// pair is two peers in one process with a fake clock and scripted
// randomness.
type pair struct {
	t        testing.TB
	now      time.Time
	i, r     *SA
	di, dr   *recording.Dataplane
	requests int // IKE_SA_INIT requests the responder saw
	// drop, if set, decides whether a datagram to the SA is lost.
	drop func(to *SA, d Datagram) bool
	// natI, if valid, puts the initiator at this private address behind a
	// NAT that maps it to the address of addrI, ports unchanged.
	natI netip.Addr
}

func newPair(t testing.TB, ci, cr *Config, seed uint64) *pair {
	p := &pair{t: t, now: t0, di: &recording.Dataplane{}, dr: &recording.Dataplane{}}
	now := func() time.Time { return p.now }
	var err error
	if p.i, err = NewInitiator(ci, Env{Now: now, Rand: rand.NewChaCha8([32]byte{byte(seed), 1}), Dataplane: p.di}); err != nil {
		t.Fatal(err)
	}
	if p.r, err = NewResponder(cr, Env{Now: now, Rand: rand.NewChaCha8([32]byte{byte(seed), 2}), Dataplane: p.dr}); err != nil {
		t.Fatal(err)
	}
	return p
}

// deliver passes ds to the SA they are addressed to, and the answers back,
// until nothing is left to send.
func (p *pair) deliver(ds []Datagram) {
	for n := 0; len(ds) > 0; n++ {
		if n > 20 {
			p.t.Fatal("endless ping-pong")
		}
		var next []Datagram
		for _, d := range ds {
			to, local, from := p.r, d.To, d.From
			switch {
			case d.To.Addr() == addrI.Addr():
				to = p.i
				if p.natI.IsValid() {
					local = netip.AddrPortFrom(p.natI, d.To.Port())
				}
			case p.natI.IsValid():
				from = netip.AddrPortFrom(addrI.Addr(), d.From.Port())
			}
			if p.drop != nil && p.drop(to, d) {
				continue
			}
			if h, err := wire.DecodeHeader(d.Data); err == nil && h.Exchange == wire.IKESAInit && !h.IsResponse() {
				p.requests++
			}
			next = append(next, to.HandleDatagram(d.Data, local, from)...)
		}
		ds = next
	}
}

// run initiates and runs the exchanges to their end.
func (p *pair) run() {
	ds, err := p.i.Initiate()
	if err != nil {
		p.t.Fatal(err)
	}
	p.deliver(ds)
}

// checkEstablished checks that both SAs are up and that their CHILD SAs
// match crosswise.
func checkEstablished(t *testing.T, p *pair) {
	t.Helper()
	if p.i.State() != StateEstablished || p.r.State() != StateEstablished {
		t.Fatalf("states %v (%v) / %v (%v), want both established", p.i.State(), p.i.Err(), p.r.State(), p.r.Err())
	}
	if got := p.r.PeerID().String(); got != "198.18.0.1" {
		t.Errorf("responder sees peer %s", got)
	}
	if got := p.i.PeerID().String(); got != "hub.flex.lab" {
		t.Errorf("initiator sees peer %s", got)
	}
	ii, ir := p.di.Installed(), p.dr.Installed()
	if len(ii) != 1 || len(ir) != 1 {
		t.Fatalf("installed %d and %d CHILD SAs, want 1 each", len(ii), len(ir))
	}
	ci, cr := ii[0], ir[0]
	if diff := cmp.Diff(ci.Out, cr.In); diff != "" {
		t.Errorf("initiator outbound != responder inbound (-i +r):\n%s", diff)
	}
	if diff := cmp.Diff(ci.In, cr.Out); diff != "" {
		t.Errorf("initiator inbound != responder outbound (-i +r):\n%s", diff)
	}
	if bytes.Equal(ci.In.EncrKey, ci.Out.EncrKey) || len(ci.In.EncrKey) == 0 {
		t.Errorf("inbound and outbound keys equal or empty: %x", ci.In.EncrKey)
	}
	if diff := cmp.Diff(ci.Algorithms, cr.Algorithms); diff != "" {
		t.Errorf("algorithms differ:\n%s", diff)
	}
	localI := addrI.Addr()
	if p.natI.IsValid() {
		localI = p.natI // behind the NAT, the initiator knows its private address
	}
	if ci.Local != localI || ci.Remote != addrR.Addr() || cr.Local != addrR.Addr() || cr.Remote != addrI.Addr() {
		t.Errorf("endpoints %v->%v / %v->%v", ci.Local, ci.Remote, cr.Local, cr.Remote)
	}
	if ci.TunnelID != 1 || cr.TunnelID != 7 {
		t.Errorf("tunnel IDs %d / %d, want 1 / 7", ci.TunnelID, cr.TunnelID)
	}
}

func TestEstablish(t *testing.T) {
	for _, s := range suites {
		t.Run(s.name, func(t *testing.T) {
			ci, cr := configs(s)
			p := newPair(t, ci, cr, 1)
			p.run()
			checkEstablished(t, p)
			alg := p.di.Installed()[0].Algorithms
			if alg.Encr != s.esp[0].ID || alg.EncrKeyBits != int(s.esp[0].KeyBits) {
				t.Errorf("CHILD SA algorithms %+v, want %v", alg, s.esp)
			}
			if p.requests != 1 {
				t.Errorf("%d IKE_SA_INIT requests, want 1", p.requests)
			}
			if p.i.mgr.active != nil {
				t.Error("initiator still has a request outstanding")
			}
			if next, _ := p.i.NextTimer(); next.Sub(t0) < DefaultChildLifetime*8/10 {
				t.Errorf("next timer at %v, want the lifetimes only", next.Sub(t0))
			}
		})
	}
}

// notifyType returns the Notify type carried by err, or 0.
func notifyType(err error) wire.NotifyType {
	var ne *NotifyError
	if errors.As(err, &ne) {
		return ne.Type
	}
	return 0
}

func TestWrongPSK(t *testing.T) {
	tests := []struct {
		name string
		// edit breaks the configuration.
		edit func(ci, cr *Config)
	}{
		{"responder rejects initiator", func(ci, cr *Config) { cr.RemotePSK = []byte("wrong") }},
		{"initiator rejects responder", func(ci, cr *Config) { ci.RemotePSK = []byte("wrong") }},
		{"responder rejects identity", func(ci, cr *Config) { cr.RemoteID = FQDNIdentity("other") }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ci, cr := configs(suites[0])
			tt.edit(ci, cr)
			p := newPair(t, ci, cr, 2)
			p.run()
			if p.i.State() != StateFailed || p.r.State() != StateFailed {
				t.Fatalf("states %v / %v, want both failed", p.i.State(), p.r.State())
			}
			if got := notifyType(p.i.Err()); got != wire.AuthenticationFailed {
				t.Errorf("initiator error %v, want AUTHENTICATION_FAILED", p.i.Err())
			}
			if n := len(p.di.Installed()); n != 0 {
				t.Errorf("initiator installed %d CHILD SAs", n)
			}
			if got := notifyType(p.r.Err()); got != wire.AuthenticationFailed {
				t.Errorf("responder error %v, want AUTHENTICATION_FAILED", p.r.Err())
			}
			if n := len(p.dr.Installed()); n != 0 {
				t.Errorf("responder has %d CHILD SAs installed", n)
			}
			if _, ok := p.i.NextTimer(); ok {
				t.Error("initiator still waits for a response")
			}
		})
	}
}

func TestNoProposalChosen(t *testing.T) {
	tests := []struct {
		name string
		edit func(ci, cr *Config)
	}{
		{"cipher", func(ci, cr *Config) { cr.Proposals = []Proposal{suites[1].ike} }},
		{"key length", func(ci, cr *Config) {
			cr.Proposals = []Proposal{{encr(wire.EncrAESGCM16, 128), prf(wire.PRFHMACSHA2256), dh(wire.DHECP256)}}
		}},
		{"prf", func(ci, cr *Config) {
			cr.Proposals = []Proposal{{encr(wire.EncrAESGCM16, 256), prf(wire.PRFHMACSHA2384), dh(wire.DHECP256)}}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ci, cr := configs(suites[0])
			tt.edit(ci, cr)
			p := newPair(t, ci, cr, 3)
			p.run()
			if got := notifyType(p.i.Err()); p.i.State() != StateFailed || got != wire.NoProposalChosen {
				t.Errorf("initiator %v, %v; want failed with NO_PROPOSAL_CHOSEN", p.i.State(), p.i.Err())
			}
			if p.r.State() != StateIdle {
				t.Errorf("responder %v, want it to keep no state", p.r.State())
			}
		})
	}
}

func TestChildFailureKeepsIKESA(t *testing.T) {
	v6 := dataplane.TrafficSelector{StartAddr: netip.MustParseAddr("::"), EndAddr: netip.MustParseAddr("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"), EndPort: 0xFFFF}
	tests := []struct {
		name string
		edit func(ci, cr *Config)
		want wire.NotifyType
	}{
		{"ts unacceptable", func(ci, cr *Config) { cr.Child.LocalTS = []dataplane.TrafficSelector{v6} }, wire.TSUnacceptable},
		{"no esp proposal", func(ci, cr *Config) { cr.Child.Proposals = []Proposal{suites[1].esp} }, wire.NoProposalChosen},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ci, cr := configs(suites[0])
			tt.edit(ci, cr)
			p := newPair(t, ci, cr, 4)
			p.run()
			if p.i.State() != StateEstablished || p.r.State() != StateEstablished {
				t.Fatalf("states %v (%v) / %v (%v), want established", p.i.State(), p.i.Err(), p.r.State(), p.r.Err())
			}
			if got := notifyType(p.i.ChildErr()); got != tt.want {
				t.Errorf("initiator CHILD SA error %v, want %v", p.i.ChildErr(), tt.want)
			}
			if ni, nr := len(p.di.Installed()), len(p.dr.Installed()); ni+nr != 0 {
				t.Errorf("installed %d / %d CHILD SAs, want none", ni, nr)
			}
		})
	}
}

func TestNarrowing(t *testing.T) {
	ci, cr := configs(suites[0])
	lan := dataplane.TrafficSelector{StartAddr: netip.MustParseAddr("10.1.0.0"), EndAddr: netip.MustParseAddr("10.1.255.255"), EndPort: 0xFFFF}
	cr.Child.LocalTS = []dataplane.TrafficSelector{lan}
	p := newPair(t, ci, cr, 5)
	p.run()
	checkEstablished(t, p)
	ci0, cr0 := p.di.Installed()[0], p.dr.Installed()[0]
	want := []dataplane.TrafficSelector{lan}
	if diff := cmp.Diff(want, ci0.RemoteTS, equateAddr); diff != "" {
		t.Errorf("initiator remote TS (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(want, cr0.LocalTS, equateAddr); diff != "" {
		t.Errorf("responder local TS (-want +got):\n%s", diff)
	}
	if got := ci0.LocalTS[0].String(); got != "0.0.0.0/0" {
		t.Errorf("initiator local TS %s", got)
	}
}

func TestInvalidKERetry(t *testing.T) {
	ci, cr := configs(suites[0])
	// The initiator prefers group 19 and guesses it; the responder takes
	// only group 14 and asks for it with INVALID_KE_PAYLOAD.
	ci.Proposals = []Proposal{{encr(wire.EncrAESGCM16, 256), prf(wire.PRFHMACSHA2256), dh(wire.DHECP256), dh(wire.DHModp2048)}}
	cr.Proposals = []Proposal{{encr(wire.EncrAESGCM16, 256), prf(wire.PRFHMACSHA2256), dh(wire.DHModp2048)}}
	p := newPair(t, ci, cr, 6)
	p.run()
	checkEstablished(t, p)
	if p.requests != 2 {
		t.Errorf("%d IKE_SA_INIT requests, want 2", p.requests)
	}
	if p.i.mgr.nextID != 2 || p.r.mgr.peerNextID != 2 {
		t.Errorf("message IDs next %d / %d, want 2", p.i.mgr.nextID, p.r.mgr.peerNextID)
	}
}

func TestInvalidKEGroupNotOffered(t *testing.T) {
	ci, cr := configs(suites[0])
	cr.Proposals = []Proposal{{encr(wire.EncrAESGCM16, 256), prf(wire.PRFHMACSHA2256), dh(wire.DHECP256), dh(wire.DHModp2048)}}
	// The initiator offers only group 19, so the responder picks it: the
	// exchange must succeed at once.
	p := newPair(t, ci, cr, 7)
	p.run()
	checkEstablished(t, p)
	if p.requests != 1 {
		t.Errorf("%d IKE_SA_INIT requests, want 1", p.requests)
	}
}

func TestRetransmit(t *testing.T) {
	for _, exch := range []wire.ExchangeType{wire.IKESAInit, wire.IKEAuth} {
		t.Run(exch.String(), func(t *testing.T) {
			ci, cr := configs(suites[0])
			p := newPair(t, ci, cr, 8)
			var lost, request []byte
			p.drop = func(to *SA, d Datagram) bool {
				h, _ := wire.DecodeHeader(d.Data)
				if h.Exchange != exch {
					return false
				}
				if to == p.r && request == nil {
					request = d.Data
				}
				if to == p.i && lost == nil {
					lost = d.Data
					return true
				}
				return false
			}
			p.run()
			if lost == nil || p.i.State() != StateConnecting {
				t.Fatalf("no response lost; initiator %v", p.i.State())
			}
			// RFC 7296 section 2.1: nothing before the timeout.
			p.now = t0.Add(DefaultRetransmit.Timeout - time.Millisecond)
			if ds := p.i.Tick(p.now); len(ds) != 0 {
				t.Fatalf("retransmitted before the timeout")
			}
			p.now = t0.Add(DefaultRetransmit.Timeout)
			ds := p.i.Tick(p.now)
			if len(ds) != 1 || !bytes.Equal(ds[0].Data, request) {
				t.Fatalf("retransmission %d datagrams, want the original request", len(ds))
			}
			again := p.r.HandleDatagram(ds[0].Data, addrR, addrI)
			if len(again) != 1 || !bytes.Equal(again[0].Data, lost) {
				t.Fatalf("duplicate request not answered with the cached response")
			}
			p.deliver(again)
			checkEstablished(t, p)
		})
	}
}

func TestRetransmitGivesUp(t *testing.T) {
	ci, cr := configs(suites[0])
	p := newPair(t, ci, cr, 9)
	p.drop = func(*SA, Datagram) bool { return true }
	p.run()
	var sends []time.Duration
	for p.i.State() == StateConnecting {
		next, ok := p.i.NextTimer()
		if !ok {
			t.Fatal("connecting without a timer")
		}
		p.now = next
		if ds := p.i.Tick(p.now); len(ds) > 0 {
			sends = append(sends, p.now.Sub(t0))
		}
	}
	want := []time.Duration{4 * time.Second, 11200 * time.Millisecond, 24160 * time.Millisecond, 47488 * time.Millisecond, 89478400 * time.Microsecond}
	if diff := cmp.Diff(want, sends, cmp.Comparer(func(a, b time.Duration) bool { return (a - b).Abs() < time.Millisecond })); diff != "" {
		t.Errorf("retransmission times (-want +got):\n%s", diff)
	}
	if p.i.State() != StateFailed || p.now.Sub(t0) < 165*time.Second {
		t.Errorf("gave up at %v in state %v", p.now.Sub(t0), p.i.State())
	}
}

func TestGarbageIgnored(t *testing.T) {
	ci, cr := configs(suites[0])
	p := newPair(t, ci, cr, 10)
	for _, b := range [][]byte{nil, {1, 2, 3}, bytes.Repeat([]byte{0}, 28)} {
		if ds := p.r.HandleDatagram(b, addrR, addrI); len(ds) != 0 || p.r.State() != StateIdle {
			t.Errorf("garbage %x answered or changed state", b)
		}
	}
}

func TestInvalidSyntax(t *testing.T) {
	ci, cr := configs(suites[0])
	p := newPair(t, ci, cr, 13)
	p.drop = func(to *SA, d Datagram) bool { h, _ := wire.DecodeHeader(d.Data); return h.Exchange == wire.IKEAuth }
	p.run()
	// An authenticated IKE_AUTH request without IDi and AUTH.
	bad := &message{hdr: p.i.header(wire.IKEAuth, 1, false)}
	bad.add(&wire.Notify{NotifyType: wire.InitialContact})
	raw, err := p.i.encode(bad)
	if err != nil {
		t.Fatal(err)
	}
	ds := p.r.HandleDatagram(raw, addrR, addrI)
	if len(ds) != 1 {
		t.Fatalf("%d answers, want 1", len(ds))
	}
	wm, err := wire.Decode(ds[0].Data)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := p.i.decrypt(wm, ds[0].Data, &message{})
	if err != nil {
		t.Fatal(err)
	}
	if n := resp.errorNotify(); n == nil || n.NotifyType != wire.InvalidSyntax {
		t.Errorf("answer %v, want INVALID_SYNTAX", resp.payloads)
	}
	if p.r.State() != StateFailed || notifyType(p.r.Err()) != wire.InvalidSyntax {
		t.Errorf("responder %v (%v), want failed with INVALID_SYNTAX", p.r.State(), p.r.Err())
	}
	// A message that fails its integrity check is dropped without answer
	// (RFC 7296 section 2.21.2).
	ci, cr = configs(suites[0])
	p = newPair(t, ci, cr, 14)
	p.drop = func(to *SA, d Datagram) bool { h, _ := wire.DecodeHeader(d.Data); return h.Exchange == wire.IKEAuth }
	p.run()
	raw, _ = p.i.encode(&message{hdr: p.i.header(wire.IKEAuth, 1, false)})
	raw[len(raw)-1] ^= 1
	if ds := p.r.HandleDatagram(raw, addrR, addrI); len(ds) != 0 || p.r.State() != StateConnecting {
		t.Errorf("forged message answered (%d) or changed state (%v)", len(ds), p.r.State())
	}
}
