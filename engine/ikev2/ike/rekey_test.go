package ike

import (
	"bytes"
	"slices"
	"testing"
	"time"

	"github.com/flexvpnd/flexvpnd/engine/dataplane"
	"github.com/flexvpnd/flexvpnd/engine/dataplane/recording"
	"github.com/flexvpnd/flexvpnd/engine/ikev2/wire"
	"github.com/google/go-cmp/cmp"
)

// advance runs the fake clock to until, calling Tick on both SAs at each of
// their timers in order and delivering what they send.
func (p *pair) advance(until time.Time) {
	p.t.Helper()
	for n := 0; ; n++ {
		if n > 100000 {
			p.t.Fatal("timers do not advance")
		}
		var m timerMin
		for _, sa := range []*SA{p.i, p.r} {
			if next, ok := sa.NextTimer(); ok {
				m.at(next)
			}
		}
		if !m.ok || m.t.After(until) {
			break
		}
		if m.t.After(p.now) {
			p.now = m.t
		}
		p.deliver(append(p.i.Tick(p.now), p.r.Tick(p.now)...))
	}
	p.now = until
}

// sent records the requests each SA sends, with the time, through the
// drop hook of p (nothing is dropped unless lose says so).
type sent struct {
	at  time.Duration
	typ wire.ExchangeType
	by  *SA
	// ikeRekey marks a CREATE_CHILD_SA request rekeying the IKE SA.
	ikeRekey bool
}

func (p *pair) record(lose func(to *SA, h *wire.Header) bool) *[]sent {
	var log []sent
	p.drop = func(to *SA, d Datagram) bool {
		h, err := wire.DecodeHeader(d.Data)
		if err != nil {
			return false
		}
		by := p.i
		if to == p.i {
			by = p.r
		}
		if !h.IsResponse() {
			s := sent{at: p.now.Sub(t0), typ: h.Exchange, by: by}
			if h.Exchange == wire.CreateChildSA {
				s.ikeRekey = !slices.Contains(innerTypes(p.t, to, d.Data), wire.PayloadTSi)
			}
			log = append(log, s)
		}
		return lose != nil && lose(to, &h)
	}
	return &log
}

// innerTypes decrypts a message with the keys of to, the SA that receives
// it, and returns the types of its inner payloads.
func innerTypes(t testing.TB, to *SA, data []byte) []wire.PayloadType {
	t.Helper()
	wm, err := wire.Decode(bytes.Clone(data))
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range append([]*SA{to}, to.others()...) {
		if wm.Header.SPIi == o.spiI && wm.Header.SPIr == o.spiR {
			to = o
		}
	}
	m, err := to.decrypt(wm, bytes.Clone(data), &message{})
	if err != nil {
		t.Fatal(err)
	}
	var types []wire.PayloadType
	for _, pl := range m.payloads {
		types = append(types, pl.Type())
	}
	return types
}

// rekeyChild starts our rekey of the first CHILD SA of sa.
func rekeyChild(sa *SA) []Datagram {
	sa.queueChildRekey(sa.children[0], firstGroup(sa.cfg.Child.Proposals))
	return sa.startNext()
}

// rekeyIKE starts our rekey of the IKE SA sa.
func rekeyIKE(sa *SA) []Datagram {
	sa.queueIKERekey(sa.suite.dh)
	return sa.startNext()
}

// pfs returns configurations whose ESP proposals ask for PFS with group g.
func pfs(s suite, g wire.DHGroup) (ci, cr *Config) {
	s.esp = append(slices.Clone(s.esp), dh(g))
	return configs(s)
}

// checkOneChild checks that each side has exactly one CHILD SA installed,
// the same crosswise, and returns the initiator's.
func checkOneChild(t *testing.T, p *pair) dataplane.ChildSA {
	t.Helper()
	ii, ir := p.di.Installed(), p.dr.Installed()
	if len(ii) != 1 || len(ir) != 1 || len(p.i.children) != 1 || len(p.r.children) != 1 {
		t.Fatalf("installed %d / %d CHILD SAs (SAs hold %d / %d), want 1 each", len(ii), len(ir), len(p.i.children), len(p.r.children))
	}
	if diff := cmp.Diff(ii[0].Out, ir[0].In); diff != "" {
		t.Errorf("initiator outbound != responder inbound (-i +r):\n%s", diff)
	}
	if diff := cmp.Diff(ii[0].In, ir[0].Out); diff != "" {
		t.Errorf("initiator inbound != responder outbound (-i +r):\n%s", diff)
	}
	return ii[0]
}

// TestRekeyChild rekeys the CHILD SA from either side, with and without
// PFS (RFC 7296 sections 1.3.3, 2.8, 2.17): the new CHILD SA is installed
// on both sides with new SPIs and keys and the same traffic selectors,
// and the old one is deleted on both.
func TestRekeyChild(t *testing.T) {
	for _, tt := range []struct {
		name  string
		byR   bool
		group wire.DHGroup
	}{
		{"initiator", false, 0},
		{"responder", true, 0},
		{"initiator with PFS", false, wire.DHECP256},
		{"responder with PFS group 14", true, wire.DHModp2048},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ci, cr := configs(suites[1])
			if tt.group != 0 {
				ci, cr = pfs(suites[1], tt.group)
			}
			p := newPair(t, ci, cr, 30)
			p.run()
			checkEstablished(t, p)
			old := checkOneChild(t, p)
			from, to := p.i, p.r
			if tt.byR {
				from, to = p.r, p.i
			}
			req := rekeyChild(from)
			if len(req) != 1 {
				t.Fatalf("%d datagrams, want the rekey request", len(req))
			}
			types := innerTypes(t, to, req[0].Data)
			want := []wire.PayloadType{wire.PayloadN, wire.PayloadSA, wire.PayloadNonce, wire.PayloadTSi, wire.PayloadTSr}
			if tt.group != 0 {
				want = slices.Insert(want, 3, wire.PayloadKE)
			}
			if diff := cmp.Diff(want, types); diff != "" {
				t.Errorf("request payloads (-want +got):\n%s", diff)
			}
			p.deliver(req)
			nw := checkOneChild(t, p)
			if nw.In.SPI == old.In.SPI || nw.Out.SPI == old.Out.SPI || bytes.Equal(nw.In.EncrKey, old.In.EncrKey) || bytes.Equal(nw.Out.IntegKey, old.Out.IntegKey) {
				t.Errorf("new CHILD SA %v has the old SPIs or keys", nw.ID())
			}
			if diff := cmp.Diff(old.LocalTS, nw.LocalTS, equateAddr); diff != "" {
				t.Errorf("local TS changed:\n%s", diff)
			}
			if diff := cmp.Diff(old.RemoteTS, nw.RemoteTS, equateAddr); diff != "" {
				t.Errorf("remote TS changed:\n%s", diff)
			}
			if got := p.di.Deleted(); len(got) != 1 || got[0] != old.ID() {
				t.Errorf("initiator deleted %v, want the old CHILD SA %v", got, old.ID())
			}
			if n := len(p.dr.Deleted()); n != 1 {
				t.Errorf("responder deleted %d CHILD SAs, want 1", n)
			}
			for _, sa := range []*SA{p.i, p.r} {
				if sa.State() != StateEstablished || sa.mgr.active != nil || len(deleting(sa)) != 0 {
					t.Errorf("state %v, active %v, deleting %x", sa.State(), sa.mgr.active, deleting(sa))
				}
				info := sa.ChildInfos()
				if len(info) != 1 || info[0].PFSGroup != tt.group || info[0].Replaced || !info[0].Installed.Equal(t0) ||
					info[0].ExpireAt != t0.Add(DefaultChildLifetime) || info[0].RekeyAt.Before(t0.Add(DefaultChildLifetime*85/100)) {
					t.Errorf("CHILD SA info %+v, want PFS group %v, installed at t0 with the default lifetime", info, tt.group)
				}
			}
		})
	}
}

// TestRekeyChildPFSRefused offers PFS to a responder that has none: the
// rekey is refused with NO_PROPOSAL_CHOSEN, the IKE SA and the old CHILD
// SA stay, and the rekey is tried again later.
func TestRekeyChildPFSRefused(t *testing.T) {
	ci, _ := pfs(suites[0], wire.DHECP256)
	_, cr := configs(suites[0])
	p := newPair(t, ci, cr, 31)
	p.run()
	checkEstablished(t, p)
	old := checkOneChild(t, p)
	p.deliver(rekeyChild(p.i))
	if got := checkOneChild(t, p); got.ID() != old.ID() {
		t.Errorf("CHILD SA %v, want the old %v", got.ID(), old.ID())
	}
	c := p.i.children[0]
	if c.rekeying != nil || c.rekeyAt != t0.Add(rekeyRetry) {
		t.Errorf("rekey again at %v, want after %v", c.rekeyAt.Sub(t0), rekeyRetry)
	}
}

// TestRekeyIKE rekeys the IKE SA from either side (RFC 7296 sections 1.3.2
// and 2.18): both sides move to the same new SPIs, with the rekey's
// initiator as the new initiator, keep the CHILD SA, forget the old IKE SA,
// and run later exchanges on the new one.
func TestRekeyIKE(t *testing.T) {
	for _, byR := range []bool{false, true} {
		name := "initiator"
		if byR {
			name = "responder"
		}
		t.Run(name, func(t *testing.T) {
			ci, cr := configs(suites[0])
			p := newPair(t, ci, cr, 32)
			p.run()
			checkEstablished(t, p)
			child := checkOneChild(t, p)
			oldI, oldR := p.i.SPIs()
			from, to := p.i, p.r
			if byR {
				from, to = p.r, p.i
			}
			req := rekeyIKE(from)
			if diff := cmp.Diff([]wire.PayloadType{wire.PayloadSA, wire.PayloadNonce, wire.PayloadKE}, innerTypes(t, to, req[0].Data)); diff != "" {
				t.Errorf("request payloads (-want +got):\n%s", diff)
			}
			p.deliver(req)
			newI, newR := from.SPIs()
			if gotI, gotR := to.SPIs(); gotI != newI || gotR != newR {
				t.Fatalf("SPIs %x_i %x_r and %x_i %x_r differ", newI, newR, gotI, gotR)
			}
			if newI == oldI || newR == oldR || newI == oldR || newR == oldI {
				t.Errorf("new SPIs %x_i %x_r, old %x_i %x_r", newI, newR, oldI, oldR)
			}
			if !from.initiator || to.initiator {
				t.Errorf("roles: rekey initiator %v, responder %v", from.initiator, to.initiator)
			}
			for _, sa := range []*SA{p.i, p.r} {
				if sa.State() != StateEstablished || len(sa.others()) != 0 || len(sa.LiveSPIs()) != 1 {
					t.Errorf("state %v with %d IKE SAs beside, want established alone", sa.State(), len(sa.others()))
				}
				retired := sa.RetiredSPIs()
				if len(retired) != 1 || retired[0].SPIi != oldI || retired[0].SPIr != oldR {
					t.Errorf("retired %+v, want the old IKE SA", retired)
				}
				if sa.mgr.nextID != 0 || sa.mgr.peerNextID != 0 {
					t.Errorf("message IDs %d/%d on the new IKE SA, want 0", sa.mgr.nextID, sa.mgr.peerNextID)
				}
			}
			if got := checkOneChild(t, p); got.ID() != child.ID() {
				t.Errorf("CHILD SA %v, want %v kept", got.ID(), child.ID())
			}
			// The new IKE SA carries a CHILD SA rekey and an IKE delete.
			p.deliver(rekeyChild(to))
			if got := checkOneChild(t, p); got.ID() == child.ID() {
				t.Error("CHILD SA not rekeyed over the new IKE SA")
			}
			ds, err := to.Delete()
			if err != nil {
				t.Fatal(err)
			}
			p.deliver(ds)
			for _, sa := range []*SA{p.i, p.r} {
				if sa.State() != StateDeleted || sa.Err() != nil {
					t.Errorf("state %v (%v), want deleted", sa.State(), sa.Err())
				}
			}
			if n, m := len(p.di.Installed()), len(p.dr.Installed()); n+m != 0 {
				t.Errorf("%d / %d CHILD SAs left installed", n, m)
			}
		})
	}
}

// TestRekeyIKETwice rekeys the IKE SA twice in a row, by both sides in
// turn: SKEYSEED of the second comes from SK_d of the first rekey.
func TestRekeyIKETwice(t *testing.T) {
	ci, cr := configs(suites[2])
	p := newPair(t, ci, cr, 33)
	p.run()
	checkEstablished(t, p)
	p.deliver(rekeyIKE(p.i))
	p.deliver(rekeyIKE(p.r))
	p.deliver(rekeyChild(p.i))
	checkOneChild(t, p)
	if p.i.initiator || !p.r.initiator || p.i.State() != StateEstablished || p.r.State() != StateEstablished {
		t.Errorf("roles %v/%v states %v/%v", p.i.initiator, p.r.initiator, p.i.State(), p.r.State())
	}
}

// TestRekeyChildCollision crosses two rekeys of the same CHILD SA (RFC
// 7296 section 2.8.1): each side answers the other's request before its
// own response arrives. Exactly one new CHILD SA survives, the same on
// both sides, it carries the outbound traffic on both, and the data planes
// hold nothing else.
func TestRekeyChildCollision(t *testing.T) {
	for seed := uint64(40); seed < 46; seed++ {
		ci, cr := configs(suites[0])
		p := newPair(t, ci, cr, seed)
		p.run()
		checkEstablished(t, p)
		old := checkOneChild(t, p)
		p.deliver(append(rekeyChild(p.i), rekeyChild(p.r)...))
		nw := checkOneChild(t, p)
		if nw.In.SPI == old.In.SPI || nw.Out.SPI == old.Out.SPI {
			t.Errorf("seed %d: the old CHILD SA survived", seed)
		}
		if n, m := len(p.di.Deleted()), len(p.dr.Deleted()); n != 2 || m != 2 {
			t.Errorf("seed %d: deleted %d / %d CHILD SAs, want the old and the redundant one on each side", seed, n, m)
		}
		for _, sa := range []*SA{p.i, p.r} {
			if sa.mgr.active != nil || len(sa.mgr.queue) != 0 || len(deleting(sa)) != 0 || sa.children[0].replaced {
				t.Errorf("seed %d: exchanges left: active %v, queue %d, deleting %x", seed, sa.mgr.active, len(sa.mgr.queue), deleting(sa))
			}
		}
		// The survivor sends on both sides; the redundant SA, deleted,
		// never sent on either side (installed pending, never
		// activated).
		for _, d := range []*recording.Dataplane{p.di, p.dr} {
			survivor := d.Installed()[0]
			if got, ok := d.Sending(survivor.TunnelID); !ok || got != survivor.ID() || survivor.OutboundPending {
				t.Errorf("seed %d: sending on %v, want the survivor %v, active", seed, got, survivor.ID())
			}
			for _, c := range d.Calls() {
				if (c.Op == recording.Activate || c.Op == recording.Install) && c.ID != survivor.ID() && c.ID.InSPI != old.In.SPI && c.ID.OutSPI != old.In.SPI {
					t.Errorf("seed %d: %v: a redundant CHILD SA sent", seed, c)
				}
			}
		}
	}
}

// TestRekeyIKECollision crosses two rekeys of the IKE SA (RFC 7296
// sections 2.8.1 and 2.18): exactly one new IKE SA survives, the same on
// both sides, the CHILD SA stays, and the new IKE SA works.
func TestRekeyIKECollision(t *testing.T) {
	for seed := uint64(50); seed < 56; seed++ {
		ci, cr := configs(suites[0])
		p := newPair(t, ci, cr, seed)
		p.run()
		checkEstablished(t, p)
		child := checkOneChild(t, p)
		oldI, oldR := p.i.SPIs()
		p.deliver(append(rekeyIKE(p.i), rekeyIKE(p.r)...))
		spiI, spiR := p.i.SPIs()
		if gotI, gotR := p.r.SPIs(); gotI != spiI || gotR != spiR || spiI == oldI || spiR == oldR {
			t.Fatalf("seed %d: SPIs %x_i %x_r and %x_i %x_r, old %x_i %x_r", seed, spiI, spiR, gotI, gotR, oldI, oldR)
		}
		if p.i.initiator == p.r.initiator {
			t.Errorf("seed %d: both sides initiator=%v", seed, p.i.initiator)
		}
		for _, sa := range []*SA{p.i, p.r} {
			if sa.State() != StateEstablished || len(sa.others()) != 0 {
				t.Errorf("seed %d: state %v with %d IKE SAs beside", seed, sa.State(), len(sa.others()))
			}
			if n := len(sa.RetiredSPIs()); n != 2 {
				t.Errorf("seed %d: %d IKE SAs retired, want the old and the redundant one", seed, n)
			}
		}
		if got := checkOneChild(t, p); got.ID() != child.ID() {
			t.Errorf("seed %d: CHILD SA %v, want %v", seed, got.ID(), child.ID())
		}
		ds, err := p.r.DeleteChild(p.r.children[0].id.InSPI)
		if err != nil {
			t.Fatal(err)
		}
		p.deliver(ds)
		if n, m := len(p.di.Installed()), len(p.dr.Installed()); n+m != 0 {
			t.Errorf("seed %d: delete over the new IKE SA left %d / %d CHILD SAs", seed, n, m)
		}
	}
}

// TestCreateChildSA answers CREATE_CHILD_SA requests that are not plain
// rekeys (RFC 7296 sections 1.3.1, 2.25): a new CHILD SA is created; a
// rekey of a CHILD SA the responder lost gets CHILD_SA_NOT_FOUND and the
// initiator drops it too; a rekey of the IKE SA while a CREATE_CHILD_SA exchange of the responder is outstanding gets
// TEMPORARY_FAILURE and is tried again later. The IKE SA stays up.
func TestCreateChildSA(t *testing.T) {
	for _, tt := range []struct {
		name string
		// start queues the exchange(s) and returns the datagrams to
		// deliver.
		start    func(p *pair) []Datagram
		children int
		check    func(t *testing.T, p *pair)
	}{
		{"new CHILD SA", func(p *pair) []Datagram {
			c := &p.i.cfg.Child
			ex := &exchange{typ: wire.CreateChildSA, tasks: []task{newChildCreate(p.i, 0, selectors(c.LocalTS), selectors(c.RemoteTS))}}
			p.i.mgr.queue = append(p.i.mgr.queue, ex)
			return p.i.startNext()
		}, 2, nil},
		{"rekey of a CHILD SA the peer lost", func(p *pair) []Datagram {
			if err := p.r.removeChild(p.r.children[0].id.InSPI); err != nil {
				p.t.Fatal(err)
			}
			return rekeyChild(p.i)
		}, 0, nil},
		{"IKE rekey during a CHILD rekey", func(p *pair) []Datagram {
			// Both requests cross: the responder's CHILD SA rekey is
			// outstanding when the initiator's IKE SA rekey arrives.
			return append(rekeyIKE(p.i), rekeyChild(p.r)...)
		}, 1, func(t *testing.T, p *pair) {
			if p.i.rekeying != nil || p.i.rekeyAt != t0.Add(rekeyRetry) {
				t.Errorf("IKE rekey retried at %v, want %v", p.i.rekeyAt.Sub(t0), rekeyRetry)
			}
			before, _ := p.i.SPIs()
			p.advance(t0.Add(rekeyRetry))
			after, _ := p.r.SPIs()
			if after == before || !p.i.initiator || p.r.initiator || len(p.r.others()) != 0 {
				t.Errorf("second attempt: SPI %x (was %x), roles %v/%v", after, before, p.i.initiator, p.r.initiator)
			}
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ci, cr := configs(suites[0])
			p := newPair(t, ci, cr, 34)
			p.run()
			checkEstablished(t, p)
			oldI, _ := p.i.SPIs()
			p.deliver(tt.start(p))
			for _, sa := range []*SA{p.i, p.r} {
				if sa.State() != StateEstablished || len(sa.children) != tt.children || sa.mgr.active != nil {
					t.Errorf("state %v (%v), %d CHILD SAs, active %v; want established with %d", sa.State(), sa.Err(), len(sa.children), sa.mgr.active, tt.children)
				}
			}
			if n, m := len(p.di.Installed()), len(p.dr.Installed()); n != tt.children || m != tt.children {
				t.Errorf("%d / %d CHILD SAs installed, want %d", n, m, tt.children)
			}
			if spiI, _ := p.i.SPIs(); spiI != oldI {
				t.Errorf("IKE SA changed to %x", spiI)
			}
			if tt.check != nil {
				tt.check(t, p)
			}
		})
	}
}

// TestRekeyInvalidKE rekeys with a KE payload of a group the responder
// does not take: it answers INVALID_KE_PAYLOAD with its group (RFC 7296
// section 1.3) and the initiator rekeys again, in a new exchange, with
// that group.
func TestRekeyInvalidKE(t *testing.T) {
	ikeBoth := Proposal{encr(wire.EncrAESGCM16, 256), prf(wire.PRFHMACSHA2256), dh(wire.DHECP256), dh(wire.DHModp2048)}
	ike14 := Proposal{encr(wire.EncrAESGCM16, 256), prf(wire.PRFHMACSHA2256), dh(wire.DHModp2048)}
	espBoth := Proposal{encr(wire.EncrAESGCM16, 256), esnNo, dh(wire.DHECP256), dh(wire.DHModp2048)}
	esp14 := Proposal{encr(wire.EncrAESGCM16, 256), esnNo, dh(wire.DHModp2048)}
	for _, child := range []bool{false, true} {
		name := "IKE SA"
		if child {
			name = "CHILD SA"
		}
		t.Run(name, func(t *testing.T) {
			ci, cr := configs(suites[0])
			ci.Proposals, cr.Proposals = []Proposal{ikeBoth}, []Proposal{ike14}
			ci.Child.Proposals, cr.Child.Proposals = []Proposal{espBoth}, []Proposal{esp14}
			p := newPair(t, ci, cr, 35)
			p.run()
			checkEstablished(t, p)
			old := checkOneChild(t, p)
			oldI, _ := p.i.SPIs()
			log := p.record(nil)
			if child {
				p.deliver(rekeyChild(p.i)) // PFS with group 19 first
			} else {
				p.i.queueIKERekey(wire.DHECP256)
				p.deliver(p.i.startNext())
			}
			var rekeys int
			for _, s := range *log {
				if s.typ == wire.CreateChildSA {
					rekeys++
				}
			}
			if rekeys != 2 {
				t.Errorf("%d CREATE_CHILD_SA requests, want 2", rekeys)
			}
			nw := checkOneChild(t, p)
			spiI, _ := p.i.SPIs()
			if child && nw.ID() == old.ID() || !child && (spiI == oldI || p.i.suite.dh != wire.DHModp2048) {
				t.Errorf("not rekeyed: CHILD SA %v (was %v), IKE SPI %x (was %x)", nw.ID(), old.ID(), spiI, oldI)
			}
		})
	}
}

// TestAuthChildWithoutDH configures PFS: the SAi2 of IKE_AUTH carries no
// D-H transform (RFC 7296 section 1.2), the CHILD SA is created all the
// same, and its rekey carries the group.
func TestAuthChildWithoutDH(t *testing.T) {
	ci, cr := pfs(suites[0], wire.DHECP256)
	p := newPair(t, ci, cr, 36)
	groups := map[wire.ExchangeType][]wire.DHGroup{}
	p.drop = func(to *SA, d Datagram) bool {
		h, _ := wire.DecodeHeader(d.Data)
		if to != p.r || h.IsResponse() || (h.Exchange != wire.IKEAuth && h.Exchange != wire.CreateChildSA) {
			return false
		}
		wm, err := wire.Decode(bytes.Clone(d.Data))
		if err != nil {
			t.Fatal(err)
		}
		m, err := p.r.decrypt(wm, bytes.Clone(d.Data), &message{})
		if err != nil {
			t.Fatal(err)
		}
		groups[h.Exchange] = nil
		for _, pr := range m.first(wire.PayloadSA).(*wire.SA).Proposals {
			for _, tr := range pr.Transforms {
				if tr.Type == wire.TransformDH {
					groups[h.Exchange] = append(groups[h.Exchange], wire.DHGroup(tr.ID))
				}
			}
		}
		return false
	}
	p.run()
	checkEstablished(t, p)
	p.deliver(rekeyChild(p.i))
	checkOneChild(t, p)
	want := map[wire.ExchangeType][]wire.DHGroup{wire.IKEAuth: nil, wire.CreateChildSA: {wire.DHECP256}}
	if diff := cmp.Diff(want, groups); diff != "" {
		t.Errorf("D-H transforms offered (-want +got):\n%s", diff)
	}
}

// deleting returns the inbound SPIs of the CHILD SAs that sa is deleting.
func deleting(sa *SA) []uint32 {
	if sa.ext == nil {
		return nil
	}
	return sa.ext.deleting
}
