package xfrm

import (
	"context"
	"fmt"
	"log/slog"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/flexvpnd/flexvpnd/engine/dataplane"
	"github.com/flexvpnd/flexvpnd/engine/dataplane/userspace"
	"github.com/flexvpnd/flexvpnd/engine/ikev2/ike"
	"github.com/flexvpnd/flexvpnd/engine/ikev2/node"
	"github.com/flexvpnd/flexvpnd/engine/ikev2/wire"
	"github.com/flexvpnd/flexvpnd/engine/internal/impair"
	"github.com/flexvpnd/flexvpnd/engine/internal/kvm"
	"github.com/vishvananda/netlink"
)

// Rekey under traffic (issue 7): two IKE nodes in two namespaces set up a
// static VTI with short lifetimes and carry UDP probes both ways every
// rekeyProbeEvery while the CHILD SA is rekeyed several times and the IKE
// SA once; not one probe may be lost.
const (
	rekeyProbeEvery = 10 * time.Millisecond
	rekeySoakRun    = 3 * time.Minute
	soakEnv         = "FLEXVPND_SOAK"
)

// rekeyCase is one rekey-under-traffic run.
type rekeyCase struct {
	// prefix names the namespaces.
	prefix string
	// nat puts a NAT between the sites (see natTopology): IKE detects
	// it, floats to port 4500 and the CHILD SAs use ESP in UDP (RFC
	// 3948).
	nat bool
	// run is how long the probes run (rekeySoakRun under `make soak`,
	// FLEXVPND_SOAK=1); the lifetimes make several CHILD SA rekeys (at
	// 85% to 95% of the lifetime) and at least one IKE SA rekey happen
	// meanwhile.
	run, childLifetime, ikeLifetime time.Duration
}

// Rekey-under-traffic runs: the direct one (40 s: four CHILD SA rekeys,
// one IKE SA rekey), and through a NAT, shorter to keep the VM suite
// quick (20 s: three CHILD SA rekeys, one IKE SA rekey).
var (
	rekeyDirect = rekeyCase{run: 40 * time.Second, childLifetime: 10 * time.Second, ikeLifetime: 30 * time.Second}
	rekeyNAT    = rekeyCase{nat: true, run: 20 * time.Second, childLifetime: 6 * time.Second, ikeLifetime: 15 * time.Second}
)

// duration returns how long the probes of rc run.
func (rc rekeyCase) duration() time.Duration {
	if os.Getenv(soakEnv) == "1" {
		return rekeySoakRun
	}
	return rc.run
}

// TestRekeyTrafficInVM runs TestRekeyTrafficKernel and
// TestRekeyTrafficKernelNAT in the VM (see TestXFRMInVM): the kernel data
// plane under rekeys, with plain ESP and with ESP in UDP.
func TestRekeyTrafficInVM(t *testing.T) {
	if os.Getenv(inVMEnv) != "" {
		t.Skip("already in the VM")
	}
	if testing.Short() {
		t.Skip("boots a VM")
	}
	bin := filepath.Join(t.TempDir(), "xfrm.test")
	build := exec.Command("go", "test", "-c", "-o", bin, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build test binary: %v\n%s", err, out)
	}
	// Generous bounds: the VM boots in 10 s on a quiet host, in 50 s
	// on a loaded one.
	run := rekeyDirect.duration() + rekeyNAT.duration()
	t.Setenv("VM_TIMEOUT", (run + 240*time.Second).String())
	res := kvm.Run(t, kvm.Payload{
		Binary: bin,
		Args:   []string{"-test.run", "^TestRekeyTrafficKernel(NAT)?$", "-test.v", "-test.count=1", "-test.timeout=" + (run + 180*time.Second).String()},
		Env:    []string{inVMEnv + "=1", soakEnv + "=" + os.Getenv(soakEnv)},
	})
	t.Logf("VM (%s) boot %v, total %v", res.Accel, res.Boot.Round(time.Millisecond), res.Total.Round(time.Millisecond))
	for _, l := range strings.Split(res.Output, "\n") {
		if strings.Contains(l, "rekey_traffic_test.go") {
			t.Log(strings.TrimSpace(l))
		}
	}
	if res.ExitCode != 0 || !strings.Contains(res.Output, "--- PASS: TestRekeyTrafficKernel ") ||
		!strings.Contains(res.Output, "--- PASS: TestRekeyTrafficKernelNAT ") {
		t.Fatalf("in the VM: exit status %d\n%s", res.ExitCode, res.Output)
	}
}

// TestRekeyTrafficKernel is the rekey-under-traffic test on the kernel
// data plane; it runs only inside the VM started by TestRekeyTrafficInVM.
func TestRekeyTrafficKernel(t *testing.T) {
	if os.Getenv(inVMEnv) == "" {
		t.Skip(inVMEnv + " unset: runs inside the VM started by TestRekeyTrafficInVM")
	}
	rc := rekeyDirect
	rc.prefix = "krekey"
	rekeyTraffic(t, rc, kernelPlane)
}

// TestRekeyTrafficKernelNAT is TestRekeyTrafficKernel through a NAT: the
// kernel encapsulates ESP in UDP (NAT-T) across the rekeys.
func TestRekeyTrafficKernelNAT(t *testing.T) {
	if os.Getenv(inVMEnv) == "" {
		t.Skip(inVMEnv + " unset: runs inside the VM started by TestRekeyTrafficInVM")
	}
	rc := rekeyNAT
	rc.prefix = "knat"
	rekeyTraffic(t, rc, kernelPlane)
}

// kernelPlane is the kernel data plane of a site, as in production.
func kernelPlane(t *testing.T, s *site) rekeyPlane {
	s.b.grace = dataplane.DeleteGrace
	return rekeyPlane{dp: s.b, espInUDP: true, sas: func() []string { return dump(t, s).States }}
}

// TestRekeyTrafficUserspace is the rekey-under-traffic test on the
// userspace data plane, in namespaces of the host (root needed).
func TestRekeyTrafficUserspace(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root for network namespaces")
	}
	rc := rekeyDirect
	rc.prefix = "urekey"
	if testing.Short() {
		t.Skip("runs for " + rc.duration().String())
	}
	rekeyTraffic(t, rc, func(t *testing.T, s *site) rekeyPlane {
		b, err := userspace.New(userspace.Config{NetNS: s.path, Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			if err := b.Close(); err != nil {
				t.Error(err)
			}
		})
		return rekeyPlane{dp: b, esp: b}
	})
}

// rekeyPlane is the data plane of one site under test.
type rekeyPlane struct {
	dp interface {
		dataplane.Dataplane
		dataplane.Tunnels
		dataplane.Stats
	}
	// esp receives ESP in UDP (userspace); espInUDP has the kernel
	// decapsulate it instead.
	esp interface {
		HandleESP(local, remote netip.AddrPort, packet []byte)
	}
	espInUDP bool
	// sas lists the SPIs of the SAs the kernel holds, nil for userspace.
	sas func() []string
}

// rekeySite is one end of the rekey test: its namespace, data plane and
// IKE node.
type rekeySite struct {
	*site
	plane rekeyPlane
	node  *node.Node
	calls *callLog
}

// callLog passes the CHILD SA calls on to a data plane and logs them with
// their time, to explain a lost probe.
type callLog struct {
	dataplane.Dataplane
	start time.Time
	mu    sync.Mutex
	lines []string
}

// log records one call.
func (l *callLog) log(op string, id dataplane.ChildSAID, err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	line := fmt.Sprintf("%6.2fs %s in %08x out %08x", time.Since(l.start).Seconds(), op, id.InSPI, id.OutSPI)
	if err != nil {
		line += fmt.Sprintf(" (%v)", err)
	}
	l.lines = append(l.lines, line)
}

func (l *callLog) InstallChildSA(sa dataplane.ChildSA) error {
	err := l.Dataplane.InstallChildSA(sa)
	op := "install"
	if sa.OutboundPending {
		op = "install-pending"
	}
	l.log(op, sa.ID(), err)
	return err
}

func (l *callLog) ActivateOutbound(id dataplane.ChildSAID) error {
	err := l.Dataplane.ActivateOutbound(id)
	l.log("activate", id, err)
	return err
}

func (l *callLog) DeleteChildSA(id dataplane.ChildSAID) error {
	err := l.Dataplane.DeleteChildSA(id)
	l.log("delete", id, err)
	return err
}

// String returns the calls so far, one per line.
func (l *callLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.lines, "\n")
}

// rekeyTraffic runs the rekey-under-traffic test rc on the data planes
// that mk opens.
func rekeyTraffic(t *testing.T, rc rekeyCase, mk func(*testing.T, *site) rekeyPlane) {
	p := &pair{s: [2]*site{newSite(t, rc.prefix+"-a"), newSite(t, rc.prefix+"-b")}, lanDev: [2]string{"lo", "lo"}}
	// p.outer are the sites' addresses, remote the address each sees
	// the other at.
	p.outer = [2]netip.Addr{outer4[0].Addr(), outer4[1].Addr()}
	remote := [2]netip.Addr{p.outer[1], p.outer[0]}
	var relay *impair.Relay
	if rc.nat {
		p.outer, remote, relay = natTopology(t, p, rc.prefix)
	} else {
		linkVeth(t, p.s[0], p.s[1], outer4)
	}
	var sites [2]*rekeySite
	for i, s := range p.s {
		addAddr(t, s, "lo", netip.PrefixFrom(lan4[i].Addr(), 32))
		sites[i] = &rekeySite{site: s, plane: mk(t, s)}
	}
	for i, rs := range sites {
		rs.start(t, rc, p.outer[i], remote[i], p.outer[1-i], lan4[1-i].Masked(), tun4[i])
	}
	if err := sites[0].node.Initiate("peer"); err != nil {
		t.Fatal(err)
	}
	var watch [2]*saWatch
	for i, rs := range sites {
		watch[i] = newSAWatch(t, rs.node)
	}
	for _, w := range watch {
		w.waitUp(t, 10*time.Second)
	}

	run := rc.duration()
	count := int(run / rekeyProbeEvery)
	var probes [2]*probeFlow
	for i := range sites {
		probes[i] = startProbes(t, p, i, count, run)
	}
	for _, f := range probes {
		f.wait(t)
	}
	checkProbes(t, probes, count)
	for _, w := range watch {
		w.stop()
	}
	for i, w := range watch {
		t.Logf("site %d: %s", i, w.timeline(probes[0].start))
	}
	if t.Failed() {
		for i, rs := range sites {
			t.Logf("site %d data plane (from its start, probes from %.2fs):\n%s\nxfrm_stat:%s", i,
				probes[0].start.Sub(rs.calls.start).Seconds(), rs.calls, xfrmStat(t, rs.site))
		}
	}
	for i, w := range watch {
		childRekeys, ikeRekeys := w.rekeys()
		t.Logf("site %d: %d CHILD SA rekeys, %d IKE SA rekeys observed", i, childRekeys, ikeRekeys)
		wantChild, wantIKE := int(run/rc.childLifetime)-1, int(run/rc.ikeLifetime)
		if childRekeys < wantChild || ikeRekeys < wantIKE {
			t.Errorf("site %d: %d CHILD SA and %d IKE SA rekeys, want at least %d and %d", i, childRekeys, ikeRekeys, wantChild, wantIKE)
		}
		sites[i].checkOnePair(t, w, rc.nat, rc.childLifetime+dataplane.DeleteGrace+2*time.Second)
	}
	if relay != nil {
		st := relay.Stats()
		t.Logf("NAT: %+v", st)
		if min := uint64(2 * count); st.Forwarded < min || st.Dropped != 0 {
			t.Errorf("NAT forwarded %d datagrams (%d dropped), want at least the %d probes and none dropped", st.Forwarded, st.Dropped, min)
		}
	}
}

// natTopology joins the sites of p through a third namespace that holds
// the only path between them: a UDP relay (engine/internal/impair, with no
// impairment) forwarding ports 500 and 4500 as a NAT would. Site a
// (198.18.0.1) reaches b at the NAT's outside address 198.18.0.254; b
// (198.19.0.2) sees a's packets come from the NAT's inside address
// 198.19.0.254. Plain ESP has no way through. It returns the sites' own
// addresses, the address each sees the other at, and the relay.
func natTopology(t *testing.T, p *pair, prefix string) (outer, remote [2]netip.Addr, relay *impair.Relay) {
	t.Helper()
	nat := newSite(t, prefix+"-nat")
	outside, inside := netip.MustParsePrefix("198.18.0.254/24"), netip.MustParsePrefix("198.19.0.254/24")
	bLink := netip.MustParsePrefix("198.19.0.2/24")
	linkVethNamed(t, p.s[0], nat, [2]string{"veth0", "out0"}, [2]netip.Prefix{outer4[0], outside})
	linkVethNamed(t, nat, p.s[1], [2]string{"in0", "veth0"}, [2]netip.Prefix{inside, bLink})
	outer = [2]netip.Addr{outer4[0].Addr(), bLink.Addr()}
	var pairs []impair.Pair
	for _, port := range []uint16{500, 4500} {
		ap := func(a netip.Addr) netip.AddrPort { return netip.AddrPortFrom(a, port) }
		pairs = append(pairs, impair.Pair{LeftListen: ap(outside.Addr()), RightSource: ap(inside.Addr()),
			RightPeer: ap(outer[1]), LeftPeer: ap(outer[0])})
	}
	inNamespace(t, nat.ns, func() {
		var err error
		if relay, err = impair.Start(context.Background(), impair.Config{Pairs: pairs}); err != nil {
			t.Fatalf("NAT relay: %v", err)
		}
	})
	t.Cleanup(func() {
		if err := relay.Close(); err != nil {
			t.Errorf("NAT relay: %v", err)
		}
	})
	return outer, [2]netip.Addr{outside.Addr(), inside.Addr()}, relay
}

// checkProbes waits for the last probes of both flows, still on their way,
// and checks that every probe arrived.
func checkProbes(t *testing.T, probes [2]*probeFlow, count int) {
	t.Helper()
	var got [2]int
	for i, f := range probes {
		got[1-i] = f.recv.wait(count, 3*time.Second)
	}
	for i, f := range probes {
		dir := fmt.Sprintf("%v -> %v", lan4[i].Addr(), lan4[1-i].Addr())
		t.Logf("%s: %d probes sent (%d send errors), %d received, %d lost", dir, count, f.sendErrs, got[1-i], count-got[1-i])
		if got[1-i] != count || f.sendErrs != 0 {
			t.Errorf("%s: %d of %d probes lost (%d send errors), sent at %v", dir, count-got[1-i], count, f.sendErrs, f.lost(count))
		}
	}
}

// start opens the site's IKE node on local inside its namespace, ensures
// Tunnel0 (local addr, route to the peer's LAN) and adds the peer, reached
// at remote and identified by its address remoteID.
func (rs *rekeySite) start(t *testing.T, rc rekeyCase, local, remote, remoteID netip.Addr, peerLAN, addr netip.Prefix) {
	t.Helper()
	tun := dataplane.Tunnel{
		ID: tunnelID, Name: "Tunnel0", IfName: "Tunnel0", Up: true, MTU: 1400,
		Local: local, Remote: remote, Addrs: []netip.Prefix{addr},
		Routes: []dataplane.Route{{Prefix: peerLAN, Distance: 1}},
	}
	if err := rs.plane.dp.EnsureTunnel(tun); err != nil {
		t.Fatal(err)
	}
	rs.calls = &callLog{Dataplane: rs.plane.dp, start: time.Now()}
	cfg := node.Config{
		Addrs: []netip.Addr{local}, IKEPort: 500, NATPort: 4500, Dataplane: rs.calls,
		ESP: rs.plane.esp, ESPInUDP: rs.plane.espInUDP, Logger: slog.New(slog.DiscardHandler),
	}
	inNamespace(t, rs.ns, func() {
		var err error
		if rs.node, err = node.Start(context.Background(), cfg); err != nil {
			t.Fatalf("node: %v", err)
		}
	})
	t.Cleanup(func() {
		if err := rs.node.Close(); err != nil {
			t.Errorf("node: %v", err)
		}
	})
	anyTS := []dataplane.TrafficSelector{dataplane.AnyIPv4}
	peer := node.Peer{Name: "peer", IKE: ike.Config{
		Local: netip.AddrPortFrom(local, 500), Remote: netip.AddrPortFrom(remote, 500),
		LocalID: ike.AddrIdentity(local), RemoteID: ike.AddrIdentity(remoteID),
		LocalPSK: []byte("rekey-traffic"), RemotePSK: []byte("rekey-traffic"),
		Proposals: []ike.Proposal{{
			{Type: wire.TransformENCR, ID: uint16(wire.EncrAESGCM16), KeyBits: 256},
			{Type: wire.TransformPRF, ID: uint16(wire.PRFHMACSHA2256)},
			{Type: wire.TransformDH, ID: uint16(wire.DHECP256)},
		}},
		Child: ike.ChildConfig{
			Proposals: []ike.Proposal{{
				{Type: wire.TransformENCR, ID: uint16(wire.EncrAESGCM16), KeyBits: 256},
				{Type: wire.TransformESN, ID: 0},
			}},
			LocalTS: anyTS, RemoteTS: anyTS, TunnelID: tunnelID, Lifetime: rc.childLifetime,
		},
		Lifetime: rc.ikeLifetime,
	}}
	if err := rs.node.AddPeer(peer); err != nil {
		t.Fatal(err)
	}
}

// checkOnePair checks that the site ends with one established IKE SA
// holding one CHILD SA, that its data plane holds that CHILD SA and none
// of the earlier ones, and, in the kernel, exactly its two SAs, in UDP
// when encap. The SAs go on rekeying: it waits up to within for a moment
// where all this holds (the inbound SA of the last CHILD SA deleted stays
// for its grace period).
func (rs *rekeySite) checkOnePair(t *testing.T, w *saWatch, encap bool, within time.Duration) {
	t.Helper()
	for deadline := time.Now().Add(within); ; time.Sleep(100 * time.Millisecond) {
		problem, err := rs.onePair(w)
		if err != nil {
			t.Fatal(err)
		}
		if problem == "" {
			break
		}
		if time.Now().After(deadline) {
			t.Errorf("after %v: %s", within, problem)
			return
		}
	}
	if rs.plane.sas != nil {
		rs.checkEncap(t, encap)
	}
}

// onePair describes how the site differs from one CHILD SA installed in
// its data plane (see checkOnePair); "" when it does not.
func (rs *rekeySite) onePair(w *saWatch) (string, error) {
	st, err := rs.node.Status()
	if err != nil {
		return "", err
	}
	var live []dataplane.ChildSAID
	for _, s := range st {
		if s.State != ike.StateEstablished {
			continue
		}
		for _, c := range s.Children {
			live = append(live, c.ID)
		}
	}
	if len(live) != 1 {
		return fmt.Sprintf("%d CHILD SAs (%+v), want 1", len(live), st), nil
	}
	cur := live[0]
	if _, ok := rs.plane.dp.ChildSAStats(cur); !ok {
		return fmt.Sprintf("the CHILD SA %v is not in the data plane", cur), nil
	}
	for _, id := range w.children() {
		if _, ok := rs.plane.dp.ChildSAStats(id); ok && id != cur {
			return fmt.Sprintf("the old CHILD SA %v is still in the data plane", id), nil
		}
	}
	if rs.plane.sas == nil {
		return "", nil
	}
	want := []string{fmt.Sprintf("%08x", cur.InSPI), fmt.Sprintf("%08x", cur.OutSPI)}
	slices.Sort(want)
	if got := rs.plane.sas(); !slices.Equal(got, want) {
		return fmt.Sprintf("kernel SAs %v, want only the pair %v", got, want), nil
	}
	return "", nil
}

// checkEncap checks that the kernel SAs of the site use UDP encapsulation
// (RFC 3948) on port 4500 when encap, and none otherwise.
func (rs *rekeySite) checkEncap(t *testing.T, encap bool) {
	t.Helper()
	states, err := rs.b.nl.XfrmStateList(netlink.FAMILY_ALL)
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range states {
		e := st.Encap
		if got := e != nil && e.Type == netlink.XFRM_ENCAP_ESPINUDP && (e.SrcPort == 4500 || e.DstPort == 4500); got != encap {
			t.Errorf("SA %08x encapsulation %+v, want ESP in UDP: %v", uint32(st.Spi), e, encap)
		}
	}
}

// saWatch polls a node's status and records every CHILD SA and IKE SA it
// saw established.
type saWatch struct {
	n    *node.Node
	mu   sync.Mutex
	kids map[dataplane.ChildSAID]time.Time // when first seen
	ikes map[[2]uint64]time.Time
	quit chan struct{}
	done chan struct{}
}

// newSAWatch starts polling n every 50 ms until stop.
func newSAWatch(t *testing.T, n *node.Node) *saWatch {
	w := &saWatch{n: n, kids: map[dataplane.ChildSAID]time.Time{}, ikes: map[[2]uint64]time.Time{}, quit: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(w.done)
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		for {
			w.poll()
			select {
			case <-w.quit:
				return
			case <-tick.C:
			}
		}
	}()
	t.Cleanup(w.stop)
	return w
}

// poll records what the node holds now.
func (w *saWatch) poll() {
	st, err := w.n.Status()
	if err != nil {
		return
	}
	now := time.Now()
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, s := range st {
		if s.State != ike.StateEstablished {
			continue
		}
		if k := [2]uint64{s.SPIi, s.SPIr}; w.ikes[k].IsZero() {
			w.ikes[k] = now
		}
		for _, c := range s.Children {
			if w.kids[c.ID].IsZero() {
				w.kids[c.ID] = now
			}
		}
	}
}

// timeline lists when each SA was first seen, from start.
func (w *saWatch) timeline(start time.Time) string {
	w.mu.Lock()
	defer w.mu.Unlock()
	var ev []string
	for id, at := range w.kids {
		ev = append(ev, fmt.Sprintf("%6.2fs CHILD in %08x out %08x", at.Sub(start).Seconds(), id.InSPI, id.OutSPI))
	}
	for k, at := range w.ikes {
		ev = append(ev, fmt.Sprintf("%6.2fs IKE %016x_i %016x_r", at.Sub(start).Seconds(), k[0], k[1]))
	}
	slices.Sort(ev)
	return strings.Join(ev, "; ")
}

// stop ends the polling; it may be called more than once.
func (w *saWatch) stop() {
	select {
	case <-w.quit:
	default:
		close(w.quit)
	}
	<-w.done
	w.poll()
}

// waitUp waits until a CHILD SA is established.
func (w *saWatch) waitUp(t *testing.T, timeout time.Duration) {
	t.Helper()
	for deadline := time.Now().Add(timeout); len(w.children()) == 0; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			st, _ := w.n.Status()
			t.Fatalf("no CHILD SA after %v: %+v", timeout, st)
		}
	}
}

// children returns the CHILD SAs seen so far.
func (w *saWatch) children() []dataplane.ChildSAID {
	w.mu.Lock()
	defer w.mu.Unlock()
	var ids []dataplane.ChildSAID
	for id := range w.kids {
		ids = append(ids, id)
	}
	return ids
}

// rekeys returns the CHILD SA and IKE SA rekeys seen: the SAs seen less
// the first of each.
func (w *saWatch) rekeys() (child, ikeSA int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.kids) - 1, len(w.ikes) - 1
}

// probeFlow is one direction of probes: a sender in one site and the
// receiver in the other.
type probeFlow struct {
	src   netip.Addr
	start time.Time
	run   time.Duration
	recv  *receiver
	done  chan struct{}
	// sentAt is when each probe left, from start (read after done).
	sentAt   []time.Duration
	sendErrs int
}

// probe returns the payload of probe n.
func (f *probeFlow) probe(n int) string {
	return fmt.Sprintf("%s probe %v %d", plaintextMarker, f.src, n)
}

// lost returns when the probes that did not arrive were sent, from the
// start of the flow.
func (f *probeFlow) lost(count int) []time.Duration {
	f.recv.mu.Lock()
	defer f.recv.mu.Unlock()
	var at []time.Duration
	for n := range count {
		if !f.recv.seen[f.probe(n)] {
			at = append(at, f.sentAt[n].Round(time.Millisecond))
		}
	}
	return at
}

// startProbes sends count UDP probes, one every rekeyProbeEvery from now,
// from the LAN of site i to the LAN of the other site through the tunnel.
func startProbes(t *testing.T, p *pair, i, count int, run time.Duration) *probeFlow {
	t.Helper()
	src, dst := lan4[i].Addr(), lan4[1-i].Addr()
	f := &probeFlow{src: src, start: time.Now(), run: run, recv: newReceiver(t, p.s[1-i], dst), done: make(chan struct{}), sentAt: make([]time.Duration, count)}
	conn := dialUDP(t, p.s[i], "lo", src, dst)
	go func() {
		defer close(f.done)
		for n := range count {
			// On a schedule, not a ticker: a late probe does not delay
			// the others.
			time.Sleep(time.Until(f.start.Add(time.Duration(n) * rekeyProbeEvery)))
			f.sentAt[n] = time.Since(f.start)
			if _, err := conn.Write([]byte(f.probe(n))); err != nil {
				f.sendErrs++
			}
		}
	}()
	return f
}

// wait waits for the sender to finish.
func (f *probeFlow) wait(t *testing.T) {
	t.Helper()
	select {
	case <-f.done:
	case <-time.After(f.run + 30*time.Second):
		t.Fatal("probe sender stuck")
	}
}
