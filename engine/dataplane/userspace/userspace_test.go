package userspace

import (
	"bytes"
	"net/netip"
	"testing"
	"time"

	"github.com/flexvpnd/flexvpnd/engine/dataplane"
	"github.com/flexvpnd/flexvpnd/engine/ikev2/transport"
	"github.com/google/go-cmp/cmp"
)

// The backend is the transport's ESP handler.
var _ transport.ESPHandler = (*Backend)(nil)

// TestMakeBeforeBreak installs and deletes SAs of one tunnel and checks
// which SA sends and which SPIs decrypt after each step, also with SAs
// installed with OutboundPending and activated later.
func TestMakeBeforeBreak(t *testing.T) {
	var none *Backend
	b := newTestBackend(t, &none)
	b.grace = 0 // deleted SAs stop decrypting at once
	fakeTunnel(t, b, 7)
	sa := func(in, out uint32) dataplane.ChildSA {
		a, _ := suites[0].pair(7, out, in, udpEncap)
		return a
	}
	sa1, sa2, sa3 := sa(0x101, 0x201), sa(0x102, 0x202), sa(0x103, 0x203)
	pending2, pending3 := sa2, sa3
	pending2.OutboundPending, pending3.OutboundPending = true, true
	type step struct {
		name     string
		install  *dataplane.ChildSA
		del      *dataplane.ChildSA
		activate *dataplane.ChildSA
		wantErr  bool
		out      uint32   // SPI of the sending SA, 0 for none
		in       []uint32 // inbound SPIs installed
	}
	steps := []step{
		{name: "first SA", install: &sa1, out: 0x201, in: []uint32{0x101}},
		{name: "rekeyed SA takes over outbound", install: &sa2, out: 0x202, in: []uint32{0x101, 0x102}},
		{name: "same SA again", install: &sa2, wantErr: true, out: 0x202, in: []uint32{0x101, 0x102}},
		{name: "inbound SPI taken", install: func() *dataplane.ChildSA { s := sa(0x101, 0x299); return &s }(), wantErr: true, out: 0x202, in: []uint32{0x101, 0x102}},
		{name: "old SA deleted", del: &sa1, out: 0x202, in: []uint32{0x102}},
		{name: "third SA", install: &sa3, out: 0x203, in: []uint32{0x102, 0x103}},
		{name: "newest deleted, the previous sends again", del: &sa3, out: 0x202, in: []uint32{0x102}},
		{name: "unknown SA", del: &sa3, wantErr: true, out: 0x202, in: []uint32{0x102}},
		{name: "last SA deleted", del: &sa2, out: 0, in: nil},
		// OutboundPending: the rekey responder's new SA decrypts at once
		// and sends only once activated.
		{name: "first SA again", install: &sa1, out: 0x201, in: []uint32{0x101}},
		{name: "pending SA does not send", install: &pending2, out: 0x201, in: []uint32{0x101, 0x102}},
		{name: "newer pending SA does not send", install: &pending3, out: 0x201, in: []uint32{0x101, 0x102, 0x103}},
		{name: "activated, it sends", activate: &pending2, out: 0x202, in: []uint32{0x101, 0x102, 0x103}},
		{name: "activated again, no change", activate: &pending2, out: 0x202, in: []uint32{0x101, 0x102, 0x103}},
		{name: "active SA deleted, the pending one stays silent", del: &pending2, out: 0x201, in: []uint32{0x101, 0x103}},
		{name: "unknown SA activated", activate: &sa2, wantErr: true, out: 0x201, in: []uint32{0x101, 0x103}},
		{name: "old SA deleted, none sends", del: &sa1, out: 0, in: []uint32{0x103}},
		{name: "pending SA activated alone", activate: &pending3, out: 0x203, in: []uint32{0x103}},
	}
	for _, st := range steps {
		var err error
		switch {
		case st.install != nil:
			err = b.InstallChildSA(*st.install)
		case st.activate != nil:
			err = b.ActivateOutbound(st.activate.ID())
		default:
			err = b.DeleteChildSA(st.del.ID())
		}
		if (err != nil) != st.wantErr {
			t.Fatalf("%s: err = %v, want error %v", st.name, err, st.wantErr)
		}
		var out uint32
		if s := b.tunnels[7].out.Load(); s != nil {
			out = s.id.OutSPI
		}
		var in []uint32
		for _, spi := range []uint32{0x101, 0x102, 0x103} {
			if b.sas.lookup(spi) != nil {
				in = append(in, spi)
			}
		}
		if out != st.out || !cmp.Equal(in, st.in) {
			t.Fatalf("%s: out %x in %x, want out %x in %x", st.name, out, in, st.out, st.in)
		}
	}
}

// TestInstallErrors checks the SAs the backend refuses.
func TestInstallErrors(t *testing.T) {
	var none *Backend
	b := newTestBackend(t, &none)
	good, _ := suites[0].pair(7, 0x201, 0x101, udpEncap)
	tests := []struct {
		name   string
		modify func(*dataplane.ChildSA)
	}{
		{"policy-based", func(s *dataplane.ChildSA) { s.TunnelID = 0 }},
		{"unknown cipher", func(s *dataplane.ChildSA) { s.Algorithms.Encr = 3 }},
		{"unknown integrity", func(s *dataplane.ChildSA) { s.Algorithms.Integ = 5 }},
		{"short key", func(s *dataplane.ChildSA) { s.In.EncrKey = s.In.EncrKey[:10] }},
		{"reserved SPI", func(s *dataplane.ChildSA) { s.Out.SPI = 255 }},
		{"mixed families", func(s *dataplane.ChildSA) { s.Remote = netip.MustParseAddr("2001:db8::1") }},
		{"plain ESP without raw socket", func(s *dataplane.ChildSA) { s.Encap = dataplane.UDPEncap{} }},
	}
	for _, tt := range tests {
		sa := good
		sa.In.EncrKey = bytes.Clone(good.In.EncrKey)
		tt.modify(&sa)
		if err := b.InstallChildSA(sa); err == nil {
			t.Errorf("%s: installed", tt.name)
		}
	}
	if len(b.sas.byID) != 0 {
		t.Errorf("%d SAs installed after failures", len(b.sas.byID))
	}
}

// TestDataPath sends packets from tunnel to tunnel through two backends
// joined in memory (ESP in UDP) and checks delivery, counters and drops.
func TestDataPath(t *testing.T) {
	for _, s := range suites {
		t.Run(s.name, func(t *testing.T) {
			var a, b *Backend
			a, b = newTestBackend(t, &b), newTestBackend(t, &a)
			devA, devB := fakeTunnel(t, a, 7), fakeTunnel(t, b, 7)
			saA, saB := s.pair(7, 0x1000, 0x2000, udpEncap)
			for _, x := range []struct {
				b  *Backend
				sa dataplane.ChildSA
			}{{a, saA}, {b, saB}} {
				if err := x.b.InstallChildSA(x.sa); err != nil {
					t.Fatal(err)
				}
			}
			const n = 20
			for i := range n {
				p := ipv4("10.255.0.1", "10.255.0.2", 60+i*70)
				devA.inject(t, p)
				waitWrites(t, devB, i+1)
				if _, got := devB.writes(); !bytes.Equal(got, p) {
					t.Fatalf("packet %d: got %x, want %x", i, got, p)
				}
			}
			reply := ipv4("10.255.0.2", "10.255.0.1", 100)
			devB.inject(t, reply)
			waitWrites(t, devA, 1)

			ca, _ := a.ChildSAStats(saA.ID())
			cb, _ := b.ChildSAStats(saB.ID())
			var bytesAB uint64
			for i := range n {
				bytesAB += uint64(60 + i*70)
			}
			want := dataplane.Counters{OutPackets: n, OutBytes: bytesAB, InPackets: 1, InBytes: 100}
			if diff := cmp.Diff(want, ca); diff != "" {
				t.Errorf("a's counters (-want +got):\n%s", diff)
			}
			want = dataplane.Counters{OutPackets: 1, OutBytes: 100, InPackets: n, InBytes: bytesAB}
			if diff := cmp.Diff(want, cb); diff != "" {
				t.Errorf("b's counters (-want +got):\n%s", diff)
			}
		})
	}
}

// waitWrites waits until dev has written n packets.
func waitWrites(t *testing.T, dev *fakeDev, n int) {
	t.Helper()
	deadline := time.After(5 * time.Second)
	for {
		if got, _ := dev.writes(); got >= n {
			return
		}
		select {
		case <-dev.wrote:
		case <-deadline:
			got, _ := dev.writes()
			t.Fatalf("%d packets written, want %d", got, n)
		}
	}
}

// TestReceiveDrops hands bad packets to HandleESP and checks that each is
// dropped and counted where it belongs.
func TestReceiveDrops(t *testing.T) {
	var a, b *Backend
	a, b = newTestBackend(t, &b), newTestBackend(t, &a)
	_ = fakeTunnel(t, a, 7)
	devB := fakeTunnel(t, b, 7)
	saA, saB := suites[0].pair(7, 0x1000, 0x2000, udpEncap)
	saA.LocalTS = []dataplane.TrafficSelector{{StartAddr: netip.MustParseAddr("10.255.0.0"), EndAddr: netip.MustParseAddr("10.255.0.3"), EndPort: 0xFFFF}}
	saB.RemoteTS = saA.LocalTS
	if err := a.InstallChildSA(saA); err != nil {
		t.Fatal(err)
	}
	if err := b.InstallChildSA(saB); err != nil {
		t.Fatal(err)
	}
	sA := a.tunnels[7].out.Load()
	// encap builds an ESP packet from a to b carrying inner.
	encap := func(inner []byte) []byte {
		buf := make([]byte, bufSizeFor(MaxMTU))
		copy(buf[headroom:], inner)
		h := sA.out.HeaderLen()
		p, err := sA.out.Encap(buf[headroom-h:headroom-h], buf[headroom:headroom+len(inner)], nextIPv4)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := encap(ipv4("10.255.0.1", "10.255.0.2", 100))
	tampered := bytes.Clone(good)
	tampered[30] ^= 1
	tests := []struct {
		name string
		pkt  []byte
		want dataplane.Counters
		bs   Stats
	}{
		{name: "garbage", pkt: []byte{1, 2, 3}, bs: Stats{Malformed: 1}},
		{name: "unknown SPI", pkt: append([]byte{0, 0, 0x99, 0x99}, good[4:]...), bs: Stats{Malformed: 1, UnknownSPI: 1}},
		{name: "tampered", pkt: tampered, want: dataplane.Counters{AuthFailures: 1}, bs: Stats{Malformed: 1, UnknownSPI: 1}},
		{name: "good", pkt: bytes.Clone(good), want: dataplane.Counters{AuthFailures: 1, InPackets: 1, InBytes: 100}, bs: Stats{Malformed: 1, UnknownSPI: 1}},
		{name: "replayed", pkt: bytes.Clone(good), want: dataplane.Counters{AuthFailures: 1, ReplayDrops: 1, InPackets: 1, InBytes: 100}, bs: Stats{Malformed: 1, UnknownSPI: 1}},
		{name: "source outside the selectors", pkt: encap(ipv4("10.9.9.9", "10.255.0.2", 100)),
			want: dataplane.Counters{AuthFailures: 1, ReplayDrops: 1, InPackets: 2, InBytes: 200, OtherDrops: 1}, bs: Stats{Malformed: 1, UnknownSPI: 1}},
		{name: "not an IP packet", pkt: encap(make([]byte, 40)),
			want: dataplane.Counters{AuthFailures: 1, ReplayDrops: 1, InPackets: 3, InBytes: 240, OtherDrops: 2}, bs: Stats{Malformed: 1, UnknownSPI: 1}},
		{name: "truncated inner packet", pkt: encap(ipv4("10.255.0.1", "10.255.0.2", 100)[:80]),
			want: dataplane.Counters{AuthFailures: 1, ReplayDrops: 1, InPackets: 4, InBytes: 320, OtherDrops: 3}, bs: Stats{Malformed: 1, UnknownSPI: 1}},
	}
	for _, tt := range tests {
		b.HandleESP(netip.AddrPort{}, netip.AddrPort{}, tt.pkt)
		got, _ := b.ChildSAStats(saB.ID())
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("%s: counters (-want +got):\n%s", tt.name, diff)
		}
		if diff := cmp.Diff(tt.bs, b.Stats()); diff != "" {
			t.Errorf("%s: backend stats (-want +got):\n%s", tt.name, diff)
		}
	}
	if n, _ := devB.writes(); n != 1 {
		t.Errorf("%d packets reached the tunnel, want 1", n)
	}
}

// TestInnerPacket checks the inner header checks and TFC padding removal.
func TestInnerPacket(t *testing.T) {
	v4 := ipv4("10.0.0.1", "10.0.0.2", 40)
	v6 := make([]byte, 60)
	v6[0], v6[5] = 0x60, 20
	v6[8], v6[23] = 0x20, 1
	tests := []struct {
		name    string
		payload []byte
		nh      byte
		wantLen int
		wantSrc string
	}{
		{"ipv4", v4, nextIPv4, 40, "10.0.0.1"},
		{"ipv4 with TFC padding", append(bytes.Clone(v4), 0, 0, 0, 0), nextIPv4, 40, "10.0.0.1"},
		{"ipv4 announced as ipv6", v4, nextIPv6, 0, ""},
		{"ipv4 longer than the payload", v4[:30], nextIPv4, 0, ""},
		{"ipv4 short header length", append([]byte{0x44}, v4[1:]...), nextIPv4, 0, ""},
		{"ipv6", v6, nextIPv6, 60, "2000::1"},
		{"ipv6 truncated", v6[:50], nextIPv6, 0, ""},
		{"empty", nil, nextIPv4, 0, ""},
	}
	for _, tt := range tests {
		p, src, ok := innerPacket(tt.payload, tt.nh)
		if ok != (tt.wantLen != 0) || len(p) != tt.wantLen || (ok && src.String() != tt.wantSrc) {
			t.Errorf("%s: got %d octets from %v (%v), want %d from %s", tt.name, len(p), src, ok, tt.wantLen, tt.wantSrc)
		}
	}
}

// TestRekeyTraffic replaces the CHILD SA of a tunnel while packets are in
// flight: a packet protected by the old SA and delivered after the new one
// is installed still decrypts, new packets use the new SA, and once the old
// SA is deleted its packets still decrypt for the grace period, then are
// dropped as unknown.
func TestRekeyTraffic(t *testing.T) {
	var a, b *Backend
	a, b = newTestBackend(t, &b), newTestBackend(t, &a)
	devA, devB := fakeTunnel(t, a, 7), fakeTunnel(t, b, 7)
	oldA, oldB := suites[0].pair(7, 0x1000, 0x2000, udpEncap)
	newA, newB := suites[1].pair(7, 0x1001, 0x2001, udpEncap)
	install := func(x *Backend, sa dataplane.ChildSA) {
		t.Helper()
		if err := x.InstallChildSA(sa); err != nil {
			t.Fatal(err)
		}
	}
	install(a, oldA)
	install(b, oldB)

	// inFlight is a packet b sent with the old SA that a has not received.
	inFlight := func() []byte {
		s := b.tunnels[7].out.Load()
		buf := make([]byte, bufSizeFor(MaxMTU))
		inner := ipv4("10.255.0.2", "10.255.0.1", 200)
		copy(buf[headroom:], inner)
		h := s.out.HeaderLen()
		p, err := s.out.Encap(buf[headroom-h:headroom-h], buf[headroom:headroom+len(inner)], nextIPv4)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	late, graced, lost := inFlight(), inFlight(), inFlight()
	a.grace = 50 * time.Millisecond

	install(a, newA)
	install(b, newB)
	devA.inject(t, ipv4("10.255.0.1", "10.255.0.2", 300))
	waitWrites(t, devB, 1)
	a.HandleESP(netip.AddrPort{}, netip.AddrPort{}, late)
	waitWrites(t, devA, 1)
	if c, _ := a.ChildSAStats(oldA.ID()); c.InPackets != 1 {
		t.Errorf("the old SA decrypted %d packets after the rekey, want 1", c.InPackets)
	}

	if err := a.DeleteChildSA(oldA.ID()); err != nil {
		t.Fatal(err)
	}
	if _, ok := a.ChildSAStats(oldA.ID()); ok {
		t.Error("the deleted SA still has counters")
	}
	a.HandleESP(netip.AddrPort{}, netip.AddrPort{}, graced)
	waitWrites(t, devA, 2)
	for deadline := time.Now().Add(5 * time.Second); a.sas.lookup(oldA.In.SPI) != nil; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the deleted SA still decrypts after its grace period")
		}
	}
	a.HandleESP(netip.AddrPort{}, netip.AddrPort{}, lost)
	if n, _ := devA.writes(); n != 2 || a.Stats().UnknownSPI != 1 {
		t.Errorf("packets of the deleted SA: %d delivered, %d unknown SPI; want 2 (one within the grace period) and 1", n, a.Stats().UnknownSPI)
	}
	tests := []struct {
		name string
		b    *Backend
		id   dataplane.ChildSAID
		want dataplane.Counters
	}{
		{"b's old SA", b, oldB.ID(), dataplane.Counters{OutPackets: 3, OutBytes: 600}},
		{"b's new SA", b, newB.ID(), dataplane.Counters{InPackets: 1, InBytes: 300}},
		{"a's new SA", a, newA.ID(), dataplane.Counters{OutPackets: 1, OutBytes: 300}},
	}
	for _, tt := range tests {
		got, ok := tt.b.ChildSAStats(tt.id)
		if diff := cmp.Diff(tt.want, got); !ok || diff != "" {
			t.Errorf("%s (installed %v): (-want +got):\n%s", tt.name, ok, diff)
		}
	}
}
