package ike

import (
	"bytes"
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/flexvpnd/flexvpnd/engine/ikev2/cp"
	"github.com/flexvpnd/flexvpnd/engine/ikev2/frag"
	"github.com/flexvpnd/flexvpnd/engine/ikev2/wire"
	"github.com/google/go-cmp/cmp"
)

// smallMTU makes IKE_AUTH and CREATE_CHILD_SA messages take several
// fragments: 132 octets per message on IPv4 without the non-ESP marker.
const smallMTU = 160

// fragConfigs returns configurations of s with fragmentation enabled at
// mtu on both sides.
func fragConfigs(s suite, mtu int) (ci, cr *Config) {
	ci, cr = configs(s)
	ci.Fragmentation = Fragmentation{Enabled: true, MTU: mtu}
	cr.Fragmentation = Fragmentation{Enabled: true, MTU: mtu}
	return ci, cr
}

// newFragPair returns a pair whose SAs draw on budgets of their own.
func newFragPair(t *testing.T, ci, cr *Config, seed uint64) (p *pair, bi, br *frag.Budget) {
	p = newPair(t, ci, cr, seed)
	bi, br = frag.NewBudget(1<<20), frag.NewBudget(1<<20)
	p.i.env.Reassembly.Budget, p.r.env.Reassembly.Budget = bi, br
	return p, bi, br
}

// wireMsg is a datagram seen by the drop hook.
type wireMsg struct {
	to       *SA
	hdr      wire.Header
	number   int // Fragment Number, 0 for a whole message
	total    int
	size     int
	notifies []wire.NotifyType // IKE_SA_INIT only
	vids     [][]byte          // IKE_SA_INIT only
}

// watch records every datagram delivered (or lost, if lose says so)
// through the drop hook of p.
func (p *pair) watch(lose func(w wireMsg) bool) *[]wireMsg {
	var log []wireMsg
	p.drop = func(to *SA, d Datagram) bool {
		m, err := wire.Decode(bytes.Clone(d.Data))
		if err != nil {
			p.t.Fatalf("undecodable datagram: %v", err)
		}
		w := wireMsg{to: to, hdr: m.Header, size: len(d.Data)}
		if f := fragment(m); f != nil {
			w.number, w.total = int(f.Number), int(f.Total)
		}
		for _, pl := range m.Payloads {
			switch pl := pl.(type) {
			case *wire.Notify:
				w.notifies = append(w.notifies, pl.NotifyType)
			case *wire.VendorID:
				w.vids = append(w.vids, pl.Data)
			}
		}
		log = append(log, w)
		return lose != nil && lose(w)
	}
	return &log
}

// fragmentsOf returns how many fragments of the message of exchange typ
// went to each SA, by direction: requests and responses.
func fragmentsOf(log []wireMsg, typ wire.ExchangeType, response bool) (n, whole int) {
	for _, w := range log {
		if w.hdr.Exchange != typ || w.hdr.IsResponse() != response {
			continue
		}
		if w.number > 0 {
			n++
		} else {
			whole++
		}
	}
	return n, whole
}

// TestFragmentation runs IKE_AUTH, a CHILD SA rekey and an IKE SA rekey
// with a small MTU, for each cipher family: every protected message goes
// as fragments that fit the MTU (RFC 7383 section 2.5), both ways, and is
// reassembled (section 2.6); the rekeyed IKE SA keeps fragmentation.
func TestFragmentation(t *testing.T) {
	for _, s := range suites {
		t.Run(s.name, func(t *testing.T) {
			ci, cr := fragConfigs(s, smallMTU)
			p, bi, br := newFragPair(t, ci, cr, 40)
			log := p.watch(nil)
			p.run()
			checkEstablished(t, p)
			if !p.i.Fragmentation() || !p.r.Fragmentation() {
				t.Fatalf("fragmentation negotiated %v / %v, want both", p.i.Fragmentation(), p.r.Fragmentation())
			}
			p.deliver(rekeyChild(p.i))
			checkOneChild(t, p)
			p.deliver(rekeyIKE(p.r))
			if len(p.i.others()) != 0 || len(p.r.others()) != 0 || !p.i.Fragmentation() {
				t.Fatalf("IKE rekey left %d / %d old IKE SAs, fragmentation %v", len(p.i.others()), len(p.r.others()), p.i.Fragmentation())
			}
			p.deliver(rekeyChild(p.r))
			checkOneChild(t, p)
			for _, ex := range []wire.ExchangeType{wire.IKEAuth, wire.CreateChildSA} {
				for _, resp := range []bool{false, true} {
					if n, whole := fragmentsOf(*log, ex, resp); n < 2 || whole != 0 {
						t.Errorf("%v response %v: %d fragments, %d whole messages", ex, resp, n, whole)
					}
				}
			}
			// The Delete exchanges fit one datagram: not fragmented.
			if n, whole := fragmentsOf(*log, wire.Informational, false); n != 0 || whole == 0 {
				t.Errorf("INFORMATIONAL: %d fragments, %d whole messages", n, whole)
			}
			limit := frag.MaxMessage(smallMTU, false, false)
			for _, w := range *log {
				if w.hdr.Exchange != wire.IKESAInit && w.size > limit {
					t.Errorf("%v: %d octets, above %d", &w.hdr, w.size, limit)
				}
			}
			if bi.InUse() != 0 || br.InUse() != 0 {
				t.Errorf("reassembly memory still in use: %d / %d", bi.InUse(), br.InUse())
			}
		})
	}
}

// TestFragmentationNegotiation checks the IKEV2_FRAGMENTATION_SUPPORTED
// exchange of RFC 7383 section 2.3: the responder answers the notification
// only when the request carried it and it is enabled itself, and
// fragments are used only when both sides offered it.
func TestFragmentationNegotiation(t *testing.T) {
	for _, tt := range []struct {
		name               string
		initiator, respond bool
	}{
		{"both", true, true},
		{"initiator only", true, false},
		{"responder only", false, true},
		{"neither", false, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ci, cr := fragConfigs(suites[0], smallMTU)
			ci.Fragmentation.Enabled, cr.Fragmentation.Enabled = tt.initiator, tt.respond
			p, _, _ := newFragPair(t, ci, cr, 41)
			log := p.watch(nil)
			p.run()
			checkEstablished(t, p)
			both := tt.initiator && tt.respond
			if p.i.Fragmentation() != both || p.r.Fragmentation() != both {
				t.Errorf("negotiated %v / %v, want %v", p.i.Fragmentation(), p.r.Fragmentation(), both)
			}
			for _, w := range *log {
				offered := slices.Contains(w.notifies, wire.IKEv2FragmentationSupported)
				want := (w.hdr.Exchange == wire.IKESAInit) && ((!w.hdr.IsResponse() && tt.initiator) || (w.hdr.IsResponse() && both))
				if offered != want {
					t.Errorf("%v: IKEV2_FRAGMENTATION_SUPPORTED %v, want %v", &w.hdr, offered, want)
				}
				if (w.number > 0) != (both && w.hdr.Exchange == wire.IKEAuth) {
					t.Errorf("%v: fragment %d/%d", &w.hdr, w.number, w.total)
				}
			}
		})
	}
}

// authFragments runs IKE_SA_INIT of p and returns the fragments of the
// IKE_AUTH request.
func authFragments(t *testing.T, p *pair) []Datagram {
	t.Helper()
	init, err := p.i.Initiate()
	if err != nil {
		t.Fatal(err)
	}
	resp := p.r.HandleDatagram(init[0].Data, addrR, addrI)
	if len(resp) != 1 {
		t.Fatalf("%d IKE_SA_INIT responses", len(resp))
	}
	auth := p.i.HandleDatagram(resp[0].Data, addrI, addrR)
	if len(auth) < 3 {
		t.Fatalf("IKE_AUTH request in %d datagrams, want at least 3 fragments", len(auth))
	}
	return auth
}

// TestFragmentsReordered delivers the fragments of the IKE_AUTH request in
// reverse order, each twice: duplicates are discarded, the message is
// answered once, when its last missing fragment arrives (RFC 7383 section
// 2.6).
func TestFragmentsReordered(t *testing.T) {
	ci, cr := fragConfigs(suites[1], smallMTU)
	p, _, br := newFragPair(t, ci, cr, 42)
	auth := authFragments(t, p)
	var answers []Datagram
	for i := len(auth) - 1; i >= 0; i-- {
		for range 2 {
			out := p.r.HandleDatagram(auth[i].Data, addrR, addrI)
			if len(out) > 0 && i != 0 {
				t.Fatalf("answered before fragment 1 arrived")
			}
			answers = append(answers, out...)
		}
		if i > 0 && p.r.frag.r.Pending() != 1 {
			t.Fatalf("%d messages in reassembly, want 1", p.r.frag.r.Pending())
		}
	}
	if len(answers) < 2 {
		t.Fatalf("answered with %d datagrams, want the fragments of one response", len(answers))
	}
	p.deliver(answers)
	checkEstablished(t, p)
	if br.InUse() != 0 {
		t.Errorf("responder holds %d octets of fragments", br.InUse())
	}
}

// TestFragmentLost loses one fragment of the IKE_AUTH request, then one of
// its response: the initiator retransmits every fragment (RFC 7383
// section 2.5), and the responder resends its whole response only for
// fragment 1 of the retransmitted request (section 2.6.1).
func TestFragmentLost(t *testing.T) {
	for _, response := range []bool{false, true} {
		t.Run(map[bool]string{false: "request", true: "response"}[response], func(t *testing.T) {
			ci, cr := fragConfigs(suites[0], smallMTU)
			p, _, _ := newFragPair(t, ci, cr, 43)
			lost := false
			log := p.watch(func(w wireMsg) bool {
				if !lost && w.hdr.Exchange == wire.IKEAuth && w.hdr.IsResponse() == response && w.number == 2 {
					lost = true
					return true
				}
				return false
			})
			p.run()
			if !lost || p.i.State() != StateConnecting {
				t.Fatalf("no fragment lost (%v) or initiator %v", lost, p.i.State())
			}
			reqs, _ := fragmentsOf(*log, wire.IKEAuth, false)
			resps, _ := fragmentsOf(*log, wire.IKEAuth, true)
			p.advance(t0.Add(DefaultRetransmit.Timeout))
			checkEstablished(t, p)
			reqs2, _ := fragmentsOf(*log, wire.IKEAuth, false)
			resps2, _ := fragmentsOf(*log, wire.IKEAuth, true)
			if reqs2 != 2*reqs {
				t.Errorf("request: %d fragments, then %d in all; want every one again", reqs, reqs2)
			}
			// The responder answers once, when it has the whole request:
			// after the retransmission if a request fragment was lost;
			// first and again for fragment 1 of the retransmission if a
			// response fragment was.
			if response && resps2 != 2*resps {
				t.Errorf("response: %d fragments first, %d in all; want it resent once, whole", resps, resps2)
			}
			if !response && (resps != 0 || resps2 < 2) {
				t.Errorf("response: %d fragments before the retransmission, %d after", resps, resps2)
			}
		})
	}
}

// TestReassemblyLimits sends an INFORMATIONAL request too big for the
// responder's limits, or its budget: its fragments are dropped, nothing is
// answered or kept, and the IKE SA goes on (RFC 7383 section 2.6).
func TestReassemblyLimits(t *testing.T) {
	for _, tt := range []struct {
		name   string
		limits frag.Limits
		budget int
	}{
		{"fragments", frag.Limits{MaxFragments: 4, MaxSize: 64 << 10, MaxMessages: 4, Timeout: time.Minute}, 1 << 20},
		{"size", frag.Limits{MaxFragments: 64, MaxSize: 300, MaxMessages: 4, Timeout: time.Minute}, 1 << 20},
		{"budget", frag.DefaultLimits(), 600},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ci, cr := fragConfigs(suites[0], smallMTU)
			p, _, _ := newFragPair(t, ci, cr, 44)
			br := frag.NewBudget(tt.budget)
			p.r.env.Reassembly = Reassembly{Limits: tt.limits, Budget: br}
			p.run()
			checkEstablished(t, p)
			big := &message{hdr: p.i.header(wire.Informational, p.i.mgr.nextID, false)}
			for range 20 {
				big.add(&wire.VendorID{Data: bytes.Repeat([]byte{0xAB}, 40)})
			}
			pkts, err := p.i.encodeFor(big, p.i.local, p.i.remote)
			if err != nil || len(pkts) < 8 {
				t.Fatalf("%d fragments (%v), want at least 8", len(pkts), err)
			}
			for _, pkt := range pkts {
				if out := p.r.HandleDatagram(pkt, addrR, addrI); len(out) != 0 {
					t.Fatalf("answered a message over the limits")
				}
			}
			if n := p.r.frag.r.Pending(); n > 1 || br.InUse() > tt.budget {
				t.Errorf("%d messages, %d octets held", n, br.InUse())
			}
			p.advance(t0.Add(time.Hour))
			if p.r.frag.r.Pending() != 0 || br.InUse() != 0 {
				t.Errorf("after the timeout: %d messages, %d octets held", p.r.frag.r.Pending(), br.InUse())
			}
			p.deliver(rekeyChild(p.i))
			if p.r.State() != StateEstablished || p.i.State() != StateEstablished {
				t.Fatalf("states %v / %v after the dropped message", p.i.State(), p.r.State())
			}
			checkOneChild(t, p)
		})
	}
}

// TestFragmentJunk checks that fragments cost no state unless they are
// authentic and expected: before IKE_SA_INIT, forged, without negotiated
// fragmentation, or outside the window, they are dropped and nothing is
// held (RFC 7383 section 2.6).
func TestFragmentJunk(t *testing.T) {
	ci, cr := fragConfigs(suites[0], smallMTU)
	p, _, _ := newFragPair(t, ci, cr, 45)
	auth := authFragments(t, p)
	// Before IKE_SA_INIT: a fresh responder.
	q, _, bq := newFragPair(t, ci, cr, 46)
	if out := q.r.HandleDatagram(auth[0].Data, addrR, addrI); len(out) != 0 || q.r.State() != StateIdle || q.r.frag.r != nil {
		t.Errorf("fresh responder answered or kept a fragment")
	}
	// Forged: one octet of each fragment flipped.
	for _, d := range auth {
		bad := bytes.Clone(d.Data)
		bad[len(bad)-1] ^= 1
		if out := p.r.HandleDatagram(bad, addrR, addrI); len(out) != 0 {
			t.Errorf("forged fragment answered")
		}
	}
	if r := p.r.frag.r; r != nil && r.Pending() != 0 {
		t.Errorf("forged fragments kept: %d messages", r.Pending())
	}
	// Outside the window: the same fragments with Message ID 2.
	m := &message{hdr: p.i.header(wire.IKEAuth, 2, false)}
	m.add(&wire.VendorID{Data: bytes.Repeat([]byte{1}, 300)})
	pkts, err := p.i.encodeFor(m, addrI, addrR)
	if err != nil {
		t.Fatal(err)
	}
	for _, pkt := range pkts {
		p.r.HandleDatagram(pkt, addrR, addrI)
	}
	if r := p.r.frag.r; r != nil && r.Pending() != 0 {
		t.Errorf("fragments outside the window kept")
	}
	// The real ones still work.
	p.deliver(auth)
	checkEstablished(t, p)
	if bq.InUse() != 0 {
		t.Errorf("fresh responder budget in use")
	}
	// Without negotiated fragmentation: fragments are dropped.
	ci2, cr2 := fragConfigs(suites[0], smallMTU)
	cr2.Fragmentation.Enabled = false
	p2, _, _ := newFragPair(t, ci2, cr2, 47)
	p2.run()
	checkEstablished(t, p2)
	p2.i.frag.on = true // a peer that fragments anyway
	info := &message{hdr: p2.i.header(wire.Informational, p2.i.mgr.nextID, false)}
	info.add(&wire.VendorID{Data: bytes.Repeat([]byte{1}, 300)})
	pkts, err = p2.i.encodeFor(info, addrI, addrR)
	if err != nil || len(pkts) < 2 {
		t.Fatalf("%d fragments (%v)", len(pkts), err)
	}
	for _, pkt := range pkts {
		if out := p2.r.HandleDatagram(pkt, addrR, addrI); len(out) != 0 || p2.r.frag.r != nil {
			t.Fatalf("fragment accepted without negotiation")
		}
	}
}

// TestVendorIDs checks that both IKE_SA_INIT messages carry the Cisco
// FlexVPN vendor IDs, as IOS sends them, and that each side recognises the
// other's.
func TestVendorIDs(t *testing.T) {
	ci, cr := configs(suites[0])
	p := newPair(t, ci, cr, 48)
	log := p.watch(nil)
	p.run()
	checkEstablished(t, p)
	var inits int
	for _, w := range *log {
		if w.hdr.Exchange != wire.IKESAInit {
			continue
		}
		inits++
		if diff := cmp.Diff(cp.FlexVPNVendorIDs(), w.vids); diff != "" {
			t.Errorf("%v vendor IDs (-want +got):\n%s", &w.hdr, diff)
		}
	}
	if inits != 2 {
		t.Errorf("%d IKE_SA_INIT messages", inits)
	}
	want := []string{"CISCO-DELETE-REASON", "CISCO-COPYRIGHT", "CISCO-DYNAMIC-ROUTE", "FLEXVPN-SUPPORTED"}
	for _, sa := range []*SA{p.i, p.r} {
		if diff := cmp.Diff(want, sa.PeerVendorIDs()); diff != "" || !sa.IsCisco() {
			t.Errorf("peer vendor IDs (-want +got):\n%s\nIsCisco %v", diff, sa.IsCisco())
		}
	}
}

// TestVendorIDsRecorded feeds vendor IDs from other implementations and
// too many of them: unknown ones are shown in hexadecimal, Cisco's
// fragmentation VID by name, and at most maxPeerVendorIDs are kept.
func TestVendorIDsRecorded(t *testing.T) {
	sa := &SA{}
	ps := []wire.Payload{
		&wire.VendorID{Data: append(bytes.Clone(cp.VIDCiscoFragmentation), 0x80, 0, 0, 0)},
		&wire.VendorID{Data: []byte{0x88, 0x2f, 0xe5, 0x6d}},
		&wire.VendorID{Data: []byte{0x88, 0x2f, 0xe5, 0x6d}},
	}
	for i := range 40 {
		ps = append(ps, &wire.VendorID{Data: []byte{byte(i)}})
	}
	sa.noteVendorIDs(ps)
	got := sa.PeerVendorIDs()
	if len(got) != maxPeerVendorIDs || got[0] != "CISCO-FRAGMENTATION" || got[1] != "882fe56d" || got[2] != "00" || !sa.IsCisco() {
		t.Errorf("recorded %q (cisco %v)", got, sa.IsCisco())
	}
}

// TestMaxMessage checks the fragment size of each path (RFC 7383 section
// 2.5.1): the configured MTU or the address family's default, less the IP
// and UDP headers and, from our NAT-T port, the non-ESP marker.
func TestMaxMessage(t *testing.T) {
	v4, v6 := netip.MustParseAddrPort("198.18.0.2:500"), netip.MustParseAddrPort("[2001:db8::2]:500")
	from500, from4500 := netip.MustParseAddrPort("198.18.0.1:500"), netip.MustParseAddrPort("198.18.0.1:4500")
	for _, tt := range []struct {
		mtu      int
		from, to netip.AddrPort
		want     int
	}{
		{0, from500, v4, 576 - 28},
		{0, from4500, v4, 576 - 28 - 4},
		{0, from500, v6, 1280 - 48},
		{0, from4500, v6, 1280 - 48 - 4},
		{1400, from500, v4, 1400 - 28},
		{1400, from4500, netip.AddrPortFrom(netip.MustParseAddr("::ffff:198.18.0.2"), 4500), 1400 - 32},
	} {
		f := fragState{on: true, mtu: tt.mtu}
		if got := f.maxMessage(tt.from, tt.to, NATTPort); got != tt.want {
			t.Errorf("mtu %d %v -> %v: %d, want %d", tt.mtu, tt.from, tt.to, got, tt.want)
		}
	}
}
