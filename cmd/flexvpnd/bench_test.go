package main

// Side-by-side benchmarks of issue 7 (docs/BENCHMARKS.md): the real
// flexvpnd binary, configured by IOS text, and strongSwan's charon, each a
// responder in a network namespace of a swanlab lab, driven by the load
// generator (engine/loadgen) from the other namespace. They need root and
// strongSwan and skip otherwise; only TestBenchHarness (200 SAs) runs
// under plain go test.

import (
	"context"
	"flag"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/flexvpnd/flexvpnd/engine/dataplane"
	"github.com/flexvpnd/flexvpnd/engine/ikev2/ike"
	"github.com/flexvpnd/flexvpnd/engine/ikev2/wire"
	"github.com/flexvpnd/flexvpnd/engine/loadgen"
	"github.com/flexvpnd/flexvpnd/engine/netns"
	"github.com/flexvpnd/flexvpnd/engine/procstat"
	"github.com/flexvpnd/flexvpnd/engine/swanlab"
)

// Sizes of the benchmarks, overridable after -args.
var (
	benchSetupSAs   = flag.Int("bench.setup-sas", 2000, "IKE SAs per responder in BenchmarkSetupRate")
	benchSetupConc  = flag.Int("bench.setup-concurrency", 256, "SAs in negotiation at once in BenchmarkSetupRate")
	benchWorkers    = flag.Int("bench.workers", 4, "load generator sockets")
	benchHeldSAs    = flag.Int("bench.held-sas", 50000, "IKE SAs held in BenchmarkSessionsHeld")
	benchStormSpoke = flag.Int("bench.storm-spokes", 10000, "spokes of BenchmarkReconnectStorm")
	benchPerfDir    = flag.String("bench.perf", "", "record each responder with perf(1) during BenchmarkSetupRate (and during `show crypto ikev2 sa` in BenchmarkSessionsHeld) into this `directory`")
	benchBin        = flag.String("bench.flexvpnd", "", "run this flexvpnd `binary` instead of building one from the tree (to compare two builds)")
	benchCharon     = flag.Bool("bench.charon", true, "measure charon beside flexvpnd in BenchmarkSetupRate (false: flexvpnd alone, for quick iterations)")
)

// benchPSK is the pre-shared key of every benchmark SA.
const benchPSK = "Bench!Key-2026"

// benchSSHPort is the SSH port of flexvpnd inside the lab namespace.
const benchSSHPort = "2222"

// benchHubConfig is the responder's IOS configuration: a FlexVPN hub
// whose profile accepts any spoke identity with the one PSK, AES-GCM-256,
// PRF SHA256, group 19, each session on its own Virtual-Access; an SSH
// user for the show commands; `crypto ikev2 cookie-challenge cookie` when
// cookie is not 0.
// lines are further global configuration lines.
func benchHubConfig(cookie int, lines ...string) string {
	extra := "username admin privilege 15 secret " + benchPSK + "\n"
	if cookie > 0 {
		extra += fmt.Sprintf("crypto ikev2 cookie-challenge %d\n", cookie)
	}
	for _, l := range lines {
		extra += l + "\n"
	}
	return flexHub("BENCH", "0.0.0.0 0.0.0.0", benchPSK, "any", "address "+swanlab.AddrA, extra)
}

// benchCharonConn is charon's equivalent of benchHubConfig.
var benchCharonConn = swanlab.Conn{
	Name: "hub", LocalAddrs: swanlab.AddrA, RemoteAddrs: "%any", Proposals: []string{"aes256gcm16-prfsha256-ecp256"},
	LocalID: swanlab.AddrA, RemoteID: "%any", PSK: benchPSK,
	Children: []swanlab.Child{{Name: "all", ESPProposals: []string{"aes256gcm16"}, LocalTS: []string{"0.0.0.0/0"}, RemoteTS: []string{"0.0.0.0/0"}}},
}

// benchCharonExtra tunes the lab's charon for the benchmark: no routes
// (flexvpnd runs with --dataplane none and installs none either; the
// CHILD SAs still go to kernel-libipsec) and no log lines (flexvpnd logs at
// warn, which is silent for established SAs).
const benchCharonExtra = "install_routes = no\ninstall_virtual_ip = no\n"

// benchSA is the spokes' SA template: PSK, AES-GCM-256, PRF HMAC-SHA256,
// group 19; the CHILD SA AES-GCM-256 for 0.0.0.0/0 both ways.
func benchSA() ike.Config {
	encr := ike.Transform{Type: wire.TransformENCR, ID: uint16(wire.EncrAESGCM16), KeyBits: 256}
	anyTS := []dataplane.TrafficSelector{dataplane.AnyIPv4}
	return ike.Config{
		LocalID:  ike.FQDNIdentity("load.example"),
		LocalPSK: []byte(benchPSK), RemotePSK: []byte(benchPSK),
		Proposals: []ike.Proposal{{encr, {Type: wire.TransformPRF, ID: uint16(wire.PRFHMACSHA2256)}, {Type: wire.TransformDH, ID: uint16(wire.DHECP256)}}},
		Child: ike.ChildConfig{
			Proposals: []ike.Proposal{{encr, {Type: wire.TransformESN, ID: uint16(wire.ESNNo)}}},
			LocalTS:   anyTS, RemoteTS: anyTS,
		},
	}
}

// benchDaemon is the flexvpnd binary running in a lab namespace.
type benchDaemon struct {
	cmd  *exec.Cmd
	out  *lockedBuffer
	done chan struct{}
}

// startBenchDaemon runs bin in namespace ns as a responder with the
// startup-config config, --dataplane none, log level warn and SSH on
// benchSSHPort; it is stopped by stop or by the test's cleanup.
func startBenchDaemon(tb testing.TB, bin, ns, config string) *benchDaemon {
	tb.Helper()
	dir := tb.TempDir()
	startup := filepath.Join(dir, "startup-config")
	if err := os.WriteFile(startup, []byte(config), 0o600); err != nil {
		tb.Fatal(err)
	}
	// ip netns exec execs the binary, so the PID is flexvpnd's.
	cmd := exec.Command("ip", "netns", "exec", ns, bin, "--startup-config", startup, "--state-dir", dir,
		"--listen", swanlab.AddrA, "--dataplane", "none", "--log-level", "warn", "--ssh", "127.0.0.1:"+benchSSHPort)
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	d := &benchDaemon{cmd: cmd, out: &lockedBuffer{}, done: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = d.out, d.out
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	go func() {
		cmd.Wait()
		close(d.done)
	}()
	tb.Cleanup(func() {
		if !d.stop(syscall.SIGTERM) {
			tb.Errorf("flexvpnd did not stop on SIGTERM; output:\n%s", d.out.String())
		}
	})
	if err := waitResponder(ns, 10*time.Second); err != nil {
		tb.Fatalf("flexvpnd not answering: %v; output:\n%s", err, d.out.String())
	}
	return d
}

// stop signals the daemon (SIGTERM or SIGKILL) and waits for it, killing
// it after 10 s; it reports whether it stopped on the signal.
func (d *benchDaemon) stop(sig syscall.Signal) bool {
	select {
	case <-d.done:
		return true
	default:
	}
	d.cmd.Process.Signal(sig)
	select {
	case <-d.done:
		return true
	case <-time.After(10 * time.Second):
		d.cmd.Process.Kill()
		<-d.done
		return false
	}
}

// waitResponder establishes one SA from the other namespace of the lab
// until it works: the configuration is applied and the sockets answer.
func waitResponder(ns string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		res, err := runLoad(otherNS(ns), loadgen.Config{Count: 1, Timeout: time.Second})
		if err == nil && res.Established == 1 {
			return nil
		}
		if time.Now().After(deadline) {
			if err == nil {
				err = fmt.Errorf("failures %v", res.Failures)
			}
			return err
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// otherNS returns the lab namespace that is not ns (names end in -a, -b).
func otherNS(ns string) string {
	if strings.HasSuffix(ns, "-a") {
		return strings.TrimSuffix(ns, "-a") + "-b"
	}
	return strings.TrimSuffix(ns, "-b") + "-a"
}

// runLoad runs the load generator in namespace ns against the responder
// at AddrA, with the benchmark SA template.
func runLoad(ns string, cfg loadgen.Config) (*loadgen.Result, error) {
	cfg.Target = netip.MustParseAddrPort(swanlab.AddrA + ":500")
	cfg.SA = benchSA()
	var res *loadgen.Result
	err := netns.Do(ns, func() error {
		var err error
		res, err = loadgen.Run(context.Background(), cfg)
		return err
	})
	return res, err
}

// setupResult is one responder's figures in a setup-rate run.
type setupResult struct {
	Rate     float64 // established SAs per second
	P50, P99 time.Duration
	CPUPerSA time.Duration // responder CPU time per established SA
	RSSPerSA float64       // responder RSS growth per established SA, bytes
	Failures map[string]int
}

// PerCore is the SAs per second one core of the responder sustains.
func (r setupResult) PerCore() float64 {
	if r.CPUPerSA <= 0 {
		return 0
	}
	return float64(time.Second) / float64(r.CPUPerSA)
}

// measureSetup runs count SAs at concurrency conc from the initiator
// namespace against the responder pid, sampling its CPU and RSS around
// the run.
func measureSetup(lab *swanlab.Lab, who string, pid, count, conc int) (setupResult, error) {
	before, err := procstat.Read(pid)
	if err != nil {
		return setupResult{}, err
	}
	if *benchPerfDir != "" {
		stop, err := perfRecord(filepath.Join(*benchPerfDir, who+".perf.data"), pid)
		if err != nil {
			return setupResult{}, err
		}
		defer stop()
	}
	res, err := runLoad(lab.NSB, loadgen.Config{Count: count, Concurrency: conc, Workers: *benchWorkers, Timeout: 2 * time.Minute})
	if err != nil {
		return setupResult{}, err
	}
	defer res.Close()
	after, err := procstat.Read(pid)
	if err != nil {
		return setupResult{}, err
	}
	n := max(res.Established, 1)
	out := setupResult{
		Rate: res.Rate(), P50: res.Percentile(50), P99: res.Percentile(99),
		CPUPerSA: (after.CPU - before.CPU) / time.Duration(n),
		RSSPerSA: float64(after.RSS-before.RSS) / float64(n),
		Failures: res.Failures,
	}
	if res.Established != count {
		return out, fmt.Errorf("%d of %d established: %v", res.Established, count, res.Failures)
	}
	return out, nil
}

// perfRecord samples process pid with call graphs into file until the
// returned function is called (`perf report -i FILE` shows the profile).
func perfRecord(file string, pid int) (func(), error) {
	cmd := exec.Command("perf", "record", "-q", "-F", "999", "-g", "-o", file, "-p", fmt.Sprint(pid))
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("perf: %w", err)
	}
	time.Sleep(300 * time.Millisecond) // perf attaches
	return func() {
		cmd.Process.Signal(syscall.SIGINT)
		cmd.Wait()
	}, nil
}

// setupFlexvpnd measures flexvpnd as the responder of lab.
func setupFlexvpnd(tb testing.TB, lab *swanlab.Lab, bin string, count, conc int) setupResult {
	tb.Helper()
	d := startBenchDaemon(tb, bin, lab.NSA, benchHubConfig(0))
	r, err := measureSetup(lab, "flexvpnd", d.cmd.Process.Pid, count, conc)
	if err != nil {
		tb.Fatalf("flexvpnd: %v", err)
	}
	d.stop(syscall.SIGTERM)
	return r
}

// setupCharon measures charon as the responder of lab.
func setupCharon(tb testing.TB, lab *swanlab.Lab, count, conc int) setupResult {
	tb.Helper()
	ch := lab.StartCharon(lab.NSA, swanlab.CharonOptions{LogLevel: -1, Extra: benchCharonExtra})
	if err := ch.Load(benchCharonConn); err != nil {
		tb.Fatal(err)
	}
	if err := waitResponder(lab.NSA, 10*time.Second); err != nil {
		tb.Fatalf("charon not answering: %v", err)
	}
	r, err := measureSetup(lab, "charon", ch.PID(), count, conc)
	if err != nil {
		tb.Fatalf("charon: %v", err)
	}
	if err := ch.Stop(); err != nil {
		tb.Error(err)
	}
	return r
}

// benchBinary builds flexvpnd into the caller's temporary directory, or
// returns -bench.flexvpnd.
func benchBinary(tb testing.TB) string {
	tb.Helper()
	if *benchBin != "" {
		return *benchBin
	}
	bin := filepath.Join(tb.TempDir(), "flexvpnd")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		tb.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// TestBenchHarness checks the benchmark harness with 200 SAs against each
// responder: both establish them all and the figures are sane.
func TestBenchHarness(t *testing.T) {
	if testing.Short() {
		t.Skip("namespace benchmark harness skipped in -short mode")
	}
	lab := swanlab.New(t)
	bin := benchBinary(t)
	const n = 200
	fx := setupFlexvpnd(t, lab, bin, n, 32)
	sw := setupCharon(t, lab, n, 32)
	t.Logf("flexvpnd %+v", fx)
	t.Logf("charon   %+v", sw)
	for name, r := range map[string]setupResult{"flexvpnd": fx, "charon": sw} {
		if r.Rate <= 0 || r.P50 <= 0 || r.P99 < r.P50 || r.CPUPerSA <= 0 {
			t.Errorf("%s: implausible figures %+v", name, r)
		}
	}
}

// BenchmarkSetupRate measures the IKE SA setup rate of flexvpnd and charon
// as responders in the same run, one after the other, with the same load:
// -bench.setup-sas SAs (IKE_SA_INIT + IKE_AUTH with one CHILD SA each),
// -bench.setup-concurrency in negotiation at once. Run it with
// -benchtime 1x -count 3 (each iteration is a full run of both).
func BenchmarkSetupRate(b *testing.B) {
	lab := swanlab.New(b)
	bin := benchBinary(b)
	var fxs, sws []setupResult
	for b.Loop() {
		fxs = append(fxs, setupFlexvpnd(b, lab, bin, *benchSetupSAs, *benchSetupConc))
		if *benchCharon {
			sws = append(sws, setupCharon(b, lab, *benchSetupSAs, *benchSetupConc))
		}
	}
	fx := medianSetup(fxs)
	b.Logf("flexvpnd %+v (%.0f SAs/s per core)", fx, fx.PerCore())
	report := func(who string, r setupResult) {
		b.ReportMetric(r.Rate, who+"-SAs/s")
		b.ReportMetric(float64(r.P50.Microseconds())/1000, who+"-p50-ms")
		b.ReportMetric(float64(r.P99.Microseconds())/1000, who+"-p99-ms")
		b.ReportMetric(float64(r.CPUPerSA.Nanoseconds())/1000, who+"-cpu-µs/SA")
		b.ReportMetric(r.PerCore(), who+"-SAs/s/core")
		b.ReportMetric(r.RSSPerSA, who+"-RSS-B/SA")
	}
	report("fx", fx)
	if len(sws) == 0 {
		return
	}
	sw := medianSetup(sws)
	b.Logf("charon   %+v (%.0f SAs/s per core)", sw, sw.PerCore())
	report("sw", sw)
	b.ReportMetric(fx.Rate/sw.Rate, "rate-ratio")
	b.ReportMetric(fx.PerCore()/sw.PerCore(), "cpu-ratio")
}

// medianSetup returns the figure-wise median of the runs.
func medianSetup(rs []setupResult) setupResult {
	med := func(f func(setupResult) float64) float64 {
		v := make([]float64, len(rs))
		for i, r := range rs {
			v[i] = f(r)
		}
		slices.Sort(v)
		return v[len(v)/2]
	}
	return setupResult{
		Rate:     med(func(r setupResult) float64 { return r.Rate }),
		P50:      time.Duration(med(func(r setupResult) float64 { return float64(r.P50) })),
		P99:      time.Duration(med(func(r setupResult) float64 { return float64(r.P99) })),
		CPUPerSA: time.Duration(med(func(r setupResult) float64 { return float64(r.CPUPerSA) })),
		RSSPerSA: med(func(r setupResult) float64 { return r.RSSPerSA }),
	}
}

// procCPU returns the CPU time process pid has used so far.
func procCPU(tb testing.TB, pid int) time.Duration {
	tb.Helper()
	st, err := procstat.Read(pid)
	if err != nil {
		tb.Fatal(err)
	}
	return st.CPU
}

// benchCookieThreshold is the hub's `crypto ikev2 cookie-challenge` in
// the reconnect storm.
const benchCookieThreshold = 100

// BenchmarkReconnectStorm brings -bench.storm-spokes spokes up on a hub
// with cookie-challenge on, kills the hub (SIGKILL: a power cut), restarts
// it, and has every spoke re-initiate at once (concurrency = spokes); it
// reports the time until all are up again.
func BenchmarkReconnectStorm(b *testing.B) {
	lab := swanlab.New(b)
	bin := benchBinary(b)
	n := *benchStormSpoke
	config := benchHubConfig(benchCookieThreshold)
	for b.Loop() {
		d := startBenchDaemon(b, bin, lab.NSA, config)
		before, err := runLoad(lab.NSB, loadgen.Config{Count: n, Concurrency: *benchSetupConc, Workers: *benchWorkers, Timeout: 5 * time.Minute, Hold: true})
		if err != nil || before.Established != n {
			b.Fatalf("before the restart: %v %v", before, err)
		}
		d.stop(syscall.SIGKILL)
		before.Close()
		d = startBenchDaemon(b, bin, lab.NSA, config)
		hubDrops, spokeDrops := udpRcvbufErrors(lab.NSA), udpRcvbufErrors(lab.NSB)
		hubCPU, spokeCPU := procCPU(b, d.cmd.Process.Pid), procCPU(b, os.Getpid())
		res, err := runLoad(lab.NSB, loadgen.Config{Count: n, Concurrency: n, Workers: *benchWorkers, Timeout: time.Minute})
		if err != nil {
			b.Fatal(err)
		}
		hubDrops, spokeDrops = udpRcvbufErrors(lab.NSA)-hubDrops, udpRcvbufErrors(lab.NSB)-spokeDrops
		hubCPU, spokeCPU = procCPU(b, d.cmd.Process.Pid)-hubCPU, procCPU(b, os.Getpid())-spokeCPU
		b.Logf("storm: %d of %d up in %v (p50 %v, p99 %v), failures %v; CPU: hub %v, spokes %v; datagrams dropped on full socket buffers: hub %d, spokes %d",
			res.Established, n, res.Elapsed, res.Percentile(50), res.Percentile(99), res.Failures, hubCPU, spokeCPU, hubDrops, spokeDrops)
		if res.Established != n {
			b.Errorf("%d of %d spokes up again: %v", res.Established, n, res.Failures)
		}
		b.ReportMetric(res.Elapsed.Seconds(), "all-up-s")
		b.ReportMetric(float64(res.Percentile(99).Microseconds())/1000, "p99-ms")
		b.ReportMetric(float64(res.Established), "up")
		b.ReportMetric(hubCPU.Seconds(), "hub-cpu-s")
		b.ReportMetric(spokeCPU.Seconds(), "spokes-cpu-s")
		b.ReportMetric(float64(hubDrops), "hub-rcvbuf-drops")
		b.ReportMetric(float64(spokeDrops), "spoke-rcvbuf-drops")
		d.stop(syscall.SIGTERM)
	}
}
