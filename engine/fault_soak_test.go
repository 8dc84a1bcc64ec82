package engine

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	mrand "math/rand/v2"
	"net"
	"net/netip"
	"os"
	"runtime"
	"runtime/pprof"
	"sync"
	"testing"
	"time"

	"github.com/flexvpnd/flexvpnd/engine/dataplane"
	"github.com/flexvpnd/flexvpnd/engine/ikev2/ike"
	"github.com/flexvpnd/flexvpnd/engine/ikev2/wire"
	"github.com/flexvpnd/flexvpnd/engine/loadgen"
	"github.com/flexvpnd/flexvpnd/engine/spec"
)

// Figures of the soak: sessions held, share of them replaced each second
// (half deleted properly, half abandoned for DPD to find), the hub's
// lifetimes and DPD.
const (
	soakSessions      = 1000
	soakWorkers       = 8
	soakChurnPerSec   = 0.01
	soakChildLifetime = 60 * time.Second
	soakIKELifetime   = 120 * time.Second
)

// soakDuration is the soak's length: FLEXVPND_SOAK_DURATION, default 30
// minutes.
func soakDuration(t *testing.T) time.Duration {
	d, err := time.ParseDuration(os.Getenv("FLEXVPND_SOAK_DURATION"))
	if err != nil || d <= 0 {
		return 30 * time.Minute
	}
	return d
}

// soakSample is what must stay flat: the test process holds the hub
// engine (and the fleet, stopped before the last sample).
type soakSample struct {
	goroutines, fds int
	heap            uint64 // HeapInuse after a GC
	sas, tunnels    int
}

func takeSoakSample(hub *Engine) soakSample {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	fds, _ := os.ReadDir("/proc/self/fd")
	snap := hub.Snapshot()
	return soakSample{goroutines: runtime.NumGoroutine(), fds: len(fds), heap: ms.HeapInuse, sas: len(snap.IKESAs), tunnels: len(snap.Tunnels)}
}

func (s soakSample) String() string {
	return fmt.Sprintf("%d goroutines, %d fds, heap %d KiB, %d IKE SAs, %d tunnels", s.goroutines, s.fds, s.heap>>10, s.sas, s.tunnels)
}

// TestFaultSoak holds 1,000 sessions on a virtual-template hub with short
// lifetimes and DPD for FLEXVPND_SOAK_DURATION (`make soak`: 30 minutes),
// replacing 1% of them every second: goroutines, file descriptors and
// heap of the hub must be flat, and when the fleet is gone the hub holds
// no SA and no Virtual-Access and is back to its idle figures.
func TestFaultSoak(t *testing.T) {
	if !faultSoak() {
		t.Skip("soak runs under `make soak` (FLEXVPND_SOAK=1)")
	}
	duration := soakDuration(t)
	ikePort, natPort := freePorts(t)
	dp := newSoakDP()
	hub, err := New(Config{Dataplane: dp, Listen: []netip.Addr{netip.MustParseAddr("127.0.0.1")}, IKEPort: ikePort, NATPort: natPort})
	if err != nil {
		t.Fatal(err)
	}
	defer hub.Close()
	s := hubSpec("soakkey")
	p := s.Profiles[0]
	p.MatchIdentities = []spec.IdentityMatch{{Kind: spec.IDFQDN, Name: "soak.example", Domain: true}}
	p.Lifetime = soakIKELifetime
	p.DPD = &spec.DPD{Interval: 10 * time.Second, Retry: 2 * time.Second, Periodic: true}
	s.Templates[0].Protection.Lifetime = soakChildLifetime
	hub.Apply(s)
	idle := takeSoakSample(hub)

	ctx, cancel := context.WithCancel(context.Background())
	fleet, err := startSoakFleet(ctx, netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), ikePort))
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(2 * time.Minute)
	for takeSoakSample(hub).sas < soakSessions*9/10 {
		if time.Now().After(deadline) {
			t.Fatalf("the fleet did not come up: %s", takeSoakSample(hub))
		}
		time.Sleep(time.Second)
	}
	// Warm up through the first rekeys before the reference sample.
	time.Sleep(min(duration/4, soakIKELifetime+10*time.Second))
	first := takeSoakSample(hub)
	t.Logf("idle hub: %s; first sample: %s", idle, first)
	end := time.Now().Add(duration)
	var last soakSample
	for time.Now().Before(end) {
		time.Sleep(min(time.Minute, time.Until(end)))
		last = takeSoakSample(hub)
		t.Logf("%v left: %s", time.Until(end).Round(time.Second), last)
		if path := os.Getenv("FLEXVPND_SOAK_HEAPPROFILE"); path != "" {
			writeHeapProfile(t, path)
		}
	}
	cancel()
	fleet.wait()
	t.Logf("fleet at the end: %s", fleet.counts())
	if last.goroutines > first.goroutines+soakSessions/50 || last.fds > first.fds+5 || last.heap > first.heap+first.heap/2+8<<20 {
		t.Errorf("not flat under churn: first %s, last %s", first, last)
	}
	// The fleet is gone without a word: DPD (10 s, 5 retries of 2 s)
	// removes every idle session; one whose rekey was under way fails
	// when that request's retransmissions run out (ike.DefaultRetransmit:
	// about 165 s).
	var gone soakSample
	stopped := time.Now()
	for deadline := stopped.Add(4 * time.Minute); ; time.Sleep(time.Second) {
		gone = takeSoakSample(hub)
		if gone.sas == 0 && gone.tunnels == 0 || time.Now().After(deadline) {
			break
		}
	}
	t.Logf("%v after the fleet stopped: %s", time.Since(stopped).Round(time.Second), gone)
	if gone.sas != 0 || gone.tunnels != 0 {
		t.Errorf("DPD left %d IKE SAs and %d tunnels of a dead fleet", gone.sas, gone.tunnels)
	}
	if sas, tunnels := dp.live(); sas != 0 || tunnels != 0 {
		t.Errorf("the data plane still holds %d CHILD SAs and %d tunnels of a dead fleet", sas, tunnels)
	}
	if gone.goroutines > idle.goroutines+5 || gone.fds > idle.fds+5 || gone.heap > idle.heap+8<<20 {
		t.Errorf("not back to idle: idle %s, after %s", idle, gone)
	}
}

// soakDP is a data plane that holds only what is installed, so that a
// long run measures the engine and not a recording of its history.
type soakDP struct {
	mu      sync.Mutex
	sas     map[dataplane.ChildSAID]bool
	tunnels map[uint32]bool
}

func newSoakDP() *soakDP {
	return &soakDP{sas: map[dataplane.ChildSAID]bool{}, tunnels: map[uint32]bool{}}
}

func (d *soakDP) InstallChildSA(sa dataplane.ChildSA) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.sas[sa.ID()] {
		return fmt.Errorf("soak data plane: %v installed twice", sa.ID())
	}
	d.sas[sa.ID()] = true
	return nil
}

func (d *soakDP) ActivateOutbound(id dataplane.ChildSAID) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if !d.sas[id] {
		return fmt.Errorf("soak data plane: activate unknown %v", id)
	}
	return nil
}

func (d *soakDP) DeleteChildSA(id dataplane.ChildSAID) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if !d.sas[id] {
		return fmt.Errorf("soak data plane: delete unknown %v", id)
	}
	delete(d.sas, id)
	return nil
}

func (d *soakDP) EnsureTunnel(t dataplane.Tunnel) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.tunnels[t.ID] = true
	return nil
}

func (d *soakDP) DeleteTunnel(id uint32) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	delete(d.tunnels, id)
	return nil
}

// live returns the CHILD SAs and tunnels installed.
func (d *soakDP) live() (sas, tunnels int) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.sas), len(d.tunnels)
}

// soakFleet is the spokes of the soak: live IKE initiators on the
// project's SA actor that answer DPD and rekeys, spread over workers that
// each own a socket.
type soakFleet struct {
	workers []*soakWorker
	done    chan struct{}
}

func startSoakFleet(ctx context.Context, target netip.AddrPort) (*soakFleet, error) {
	f := &soakFleet{done: make(chan struct{})}
	for i := range soakWorkers {
		conn, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 2)})
		if err != nil {
			for _, w := range f.workers {
				w.conn.Close()
			}
			return nil, err
		}
		f.workers = append(f.workers, &soakWorker{
			id: i, conn: conn, local: conn.LocalAddr().(*net.UDPAddr).AddrPort(), target: target,
			want: soakSessions / soakWorkers, rng: mrand.New(mrand.NewPCG(uint64(i), 3)),
			env:  ike.Env{Now: time.Now, Rand: rand.Reader, Dataplane: newSoakDP()},
			spis: map[uint64]*ike.SA{}, owned: map[*ike.SA][]uint64{},
		})
	}
	remaining := len(f.workers)
	doneOne := make(chan struct{}, len(f.workers))
	for _, w := range f.workers {
		go func() {
			w.run(ctx)
			doneOne <- struct{}{}
		}()
	}
	go func() {
		for range remaining {
			<-doneOne
		}
		close(f.done)
	}()
	return f, nil
}

// wait waits for the workers, which close their sockets.
func (f *soakFleet) wait() { <-f.done }

// counts sums the workers' counters, once they stopped.
func (f *soakFleet) counts() string {
	var c soakCounts
	for _, w := range f.workers {
		c.started += w.c.started
		c.deleted += w.c.deleted
		c.abandoned += w.c.abandoned
		c.ended += w.c.ended
	}
	return fmt.Sprintf("%d sessions started, %d deleted, %d abandoned, %d ended (deleted, failed or closed by the hub)", c.started, c.deleted, c.abandoned, c.ended)
}

type soakCounts struct{ started, deleted, abandoned, ended int }

// soakWorker drives its share of the sessions on one socket.
type soakWorker struct {
	id            int
	conn          *net.UDPConn
	local, target netip.AddrPort
	want, seq     int
	rng           *mrand.Rand
	env           ike.Env
	spis          map[uint64]*ike.SA   // every SPI of ours, current or not yet dropped
	owned         map[*ike.SA][]uint64 // the SPIs indexed per SA
	c             soakCounts
}

func (w *soakWorker) run(ctx context.Context) {
	defer w.conn.Close()
	buf := make([]byte, 65536)
	churn := time.Now().Add(time.Second)
	for ctx.Err() == nil {
		for started := 0; len(w.owned) < w.want && started < 10; started++ {
			w.start()
		}
		if now := time.Now(); now.After(churn) {
			churn = now.Add(time.Second)
			w.churn()
		}
		w.conn.SetReadDeadline(time.Now().Add(20 * time.Millisecond))
		n, from, err := w.conn.ReadFromUDPAddrPort(buf)
		if err == nil && n >= wire.HeaderLen {
			w.receive(buf[:n], from)
		}
		w.tick()
	}
}

// start initiates one session with an identity of its own.
func (w *soakWorker) start() {
	w.seq++
	w.c.started++
	p, _ := loadgen.ParseProposal("aes256gcm16-prfsha256-ecp256")
	anyTS := []dataplane.TrafficSelector{dataplane.AnyIPv4}
	cfg := &ike.Config{
		Local: w.local, Remote: w.target, LocalID: ike.FQDNIdentity(fmt.Sprintf("s%d.w%d.soak.example", w.seq, w.id)),
		LocalPSK: []byte("soakkey"), RemotePSK: []byte("soakkey"), Proposals: []ike.Proposal{p},
		Lifetime: 2 * soakIKELifetime, DPD: ike.DPD{Interval: 30 * time.Second, Periodic: true},
		Child: ike.ChildConfig{Proposals: []ike.Proposal{loadgen.ESPProposal(p)}, LocalTS: anyTS, RemoteTS: anyTS, Lifetime: 2 * soakChildLifetime},
	}
	sa, err := ike.NewInitiator(cfg, w.env)
	if err != nil {
		w.c.ended++
		return
	}
	out, err := sa.Initiate()
	if err != nil {
		w.c.ended++
		return
	}
	w.send(out)
	w.index(sa)
}

// receive hands a datagram to the SA one of whose SPIs it carries.
func (w *soakWorker) receive(b []byte, from netip.AddrPort) {
	sa := w.spis[binary.BigEndian.Uint64(b)]
	if sa == nil {
		sa = w.spis[binary.BigEndian.Uint64(b[8:])]
	}
	if sa == nil {
		return // an abandoned session's: the hub's DPD will find out
	}
	w.send(sa.HandleDatagram(b, w.local, from))
	w.index(sa)
}

// tick runs the due timers.
func (w *soakWorker) tick() {
	now := time.Now()
	for sa := range w.owned {
		if t, ok := sa.NextTimer(); ok && !t.After(now) {
			w.send(sa.Tick(now))
			w.index(sa)
		}
	}
}

// churn replaces a share of the established sessions: half are deleted
// (INFORMATIONAL Delete), half abandoned without a word.
func (w *soakWorker) churn() {
	n := max(1, int(float64(w.want)*soakChurnPerSec))
	for sa := range w.owned {
		if n == 0 {
			return
		}
		if sa.State() != ike.StateEstablished {
			continue
		}
		n--
		if w.rng.IntN(2) == 0 {
			w.c.abandoned++
			w.forget(sa)
			continue
		}
		w.c.deleted++
		out, err := sa.Delete()
		if err != nil {
			w.forget(sa)
			continue
		}
		w.send(out)
		w.index(sa)
	}
}

// index records the SA's current SPIs, or forgets an SA that ended.
func (w *soakWorker) index(sa *ike.SA) {
	switch sa.State() {
	case ike.StateFailed, ike.StateDeleted:
		w.c.ended++
		w.forget(sa)
		return
	}
	i, r := sa.SPIs()
	for _, spi := range []uint64{i, r} {
		if spi != 0 && w.spis[spi] == nil {
			w.spis[spi] = sa
			w.owned[sa] = append(w.owned[sa], spi)
		}
	}
	if _, ok := w.owned[sa]; !ok {
		w.owned[sa] = nil
	}
}

// forget drops the SA and its SPIs.
func (w *soakWorker) forget(sa *ike.SA) {
	for _, spi := range w.owned[sa] {
		delete(w.spis, spi)
	}
	delete(w.owned, sa)
}

// send writes the datagrams to the hub only.
func (w *soakWorker) send(out []ike.Datagram) {
	for _, d := range out {
		if d.To == w.target {
			w.conn.WriteToUDPAddrPort(d.Data, d.To)
		}
	}
}

// writeHeapProfile writes the live heap to path (FLEXVPND_SOAK_HEAPPROFILE,
// rewritten at each sample), for `go tool pprof` when the soak is not
// flat.
func writeHeapProfile(t testing.TB, path string) {
	runtime.GC()
	f, err := os.Create(path)
	if err != nil {
		t.Errorf("heap profile: %v", err)
		return
	}
	defer f.Close()
	if err := pprof.WriteHeapProfile(f); err != nil {
		t.Errorf("heap profile: %v", err)
	}
}
