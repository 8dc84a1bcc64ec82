package main

// BenchmarkSessionsHeld of issue 7 (docs/BENCHMARKS.md): memory per SA and
// the show commands over SSH with tens of thousands of SAs held.

import (
	"context"
	"flag"
	"fmt"
	"net/netip"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/flexvpnd/flexvpnd/engine/loadgen"
	"github.com/flexvpnd/flexvpnd/engine/procstat"
	"github.com/flexvpnd/flexvpnd/engine/swanlab"
)

// benchKey is the SSH key the benchmark logs in with: an OpenSSH private
// key file and the public key's MD5 hash as IOS's `key-hash` takes it.
// Public-key login, as an operator's script would log in: the client is
// OpenSSH alone, with no password helper in the measurement.
type benchKey struct{ file, hash string }

// newBenchKey makes an ed25519 key with ssh-keygen in a temporary
// directory.
func newBenchKey(tb testing.TB) benchKey {
	tb.Helper()
	for _, tool := range []string{"ssh", "ssh-keygen"} {
		if _, err := exec.LookPath(tool); err != nil {
			tb.Skipf("%s not installed: %v", tool, err)
		}
	}
	file := filepath.Join(tb.TempDir(), "id_ed25519")
	if out, err := exec.Command("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", file).CombinedOutput(); err != nil {
		tb.Fatalf("ssh-keygen: %v\n%s", err, out)
	}
	out, err := exec.Command("ssh-keygen", "-l", "-E", "md5", "-f", file+".pub").Output()
	if err != nil {
		tb.Fatalf("ssh-keygen -l: %v", err)
	}
	// "256 MD5:0a:1b:... comment (ED25519)"
	fields := strings.Fields(string(out))
	if len(fields) < 2 || !strings.HasPrefix(fields[1], "MD5:") {
		tb.Fatalf("ssh-keygen -l: unexpected %q", out)
	}
	hash := strings.ToUpper(strings.ReplaceAll(strings.TrimPrefix(fields[1], "MD5:"), ":", ""))
	return benchKey{file: file, hash: hash}
}

// config is the IOS configuration that lets user admin in with the key.
func (k benchKey) config() string {
	return "ip ssh pubkey-chain\n username admin\n  key-hash ssh-ed25519 " + k.hash
}

// benchSSH runs one exec command on flexvpnd's SSH server inside ns with
// the OpenSSH client, logged in with key, and returns its output and the
// wall time of the whole ssh invocation.
func benchSSH(tb testing.TB, ns string, key benchKey, command string) (string, time.Duration) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "ip", "netns", "exec", ns,
		"ssh", "-F", "/dev/null", "-p", benchSSHPort, "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
		"-o", "LogLevel=ERROR", "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes", "-i", key.file, "admin@127.0.0.1", command)
	start := time.Now()
	out, err := cmd.Output()
	elapsed := time.Since(start)
	if err != nil {
		tb.Fatalf("ssh %q: %v\n%s", command, err, out)
	}
	return string(out), elapsed
}

// sshShow is what running one command n times over SSH measured: its
// last output, the median wall time of the ssh invocations, and the
// daemon's CPU time per run (login included; /proc's 10 ms ticks).
type sshShow struct {
	out  string
	wall time.Duration
	cpu  time.Duration
}

// sshMedian runs command n times over SSH on the daemon pid.
func sshMedian(tb testing.TB, ns string, key benchKey, pid int, command string, n int) sshShow {
	tb.Helper()
	var res sshShow
	times := make([]time.Duration, n)
	before, err := procstat.Read(pid)
	if err != nil {
		tb.Fatal(err)
	}
	for i := range times {
		res.out, times[i] = benchSSH(tb, ns, key, command)
	}
	after, err := procstat.Read(pid)
	if err != nil {
		tb.Fatal(err)
	}
	slices.Sort(times)
	res.wall, res.cpu = times[n/2], (after.CPU-before.CPU)/time.Duration(n)
	return res
}

// benchHeldDPD is the hub's periodic DPD interval in BenchmarkSessionsHeld
// (`crypto ikev2 dpd N 3 periodic`); the SA lifetimes are IOS's defaults,
// so every CHILD and IKE SA also has its rekey timers armed.
var benchHeldDPD = flag.Duration("bench.held-dpd", 30*time.Second, "periodic DPD interval of the hub in BenchmarkSessionsHeld (whole seconds)")

// BenchmarkSessionsHeld holds -bench.held-sas IKE SAs with one CHILD SA
// each on one flexvpnd and measures its memory per SA beyond the idle
// process and the show commands over SSH: `show crypto ikev2 sa` listing
// all of them and `show crypto ikev2 sa remote ADDR` for one SA of a peer
// address of its own (the others all come from AddrB), with periodic DPD
// running on every SA (-bench.held-dpd). The show times are
// SSH wall times minus that of `show users` (connection, key exchange,
// login: the same for every command), and the daemon's CPU time per
// command minus that of `show users`: on a shared machine the wall time
// measures the other tenants as much as the daemon.
func BenchmarkSessionsHeld(b *testing.B) {
	lab := swanlab.New(b)
	bin := benchBinary(b)
	const single = "198.18.0.3"
	if out, err := lab.Exec(lab.NSB, "ip", "addr", "add", single+"/24", "dev", swanlab.LinkName); err != nil {
		b.Fatalf("%v: %s", err, out)
	}
	n := *benchHeldSAs
	key := newBenchKey(b)
	for b.Loop() {
		dpd := int(benchHeldDPD.Seconds())
		d := startBenchDaemon(b, bin, lab.NSA, benchHubConfig(0, fmt.Sprintf("crypto ikev2 dpd %d 3 periodic", dpd), key.config()))
		pid := d.cmd.Process.Pid
		time.Sleep(time.Second)
		idle, err := procstat.Read(pid)
		if err != nil {
			b.Fatal(err)
		}
		res, err := runLoad(lab.NSB, loadgen.Config{Count: n, Concurrency: *benchSetupConc, Workers: *benchWorkers, Timeout: 10 * time.Minute, Hold: true})
		if err != nil {
			b.Fatal(err)
		}
		lone, err := runLoad(lab.NSB, loadgen.Config{Count: 1, Sources: []netip.Addr{netip.MustParseAddr(single)}, Timeout: 5 * time.Second, Hold: true})
		if err != nil || res.Established != n || lone.Established != 1 {
			b.Fatalf("established %d of %d and %v (%v): %v", res.Established, n, lone, err, res.Failures)
		}
		// Every SA has sent at least one DPD request (and the load
		// generator answered it) before the memory is read.
		time.Sleep(*benchHeldDPD + 5*time.Second)
		held, err := procstat.Read(pid)
		if err != nil {
			b.Fatal(err)
		}
		base := sshMedian(b, lab.NSA, key, pid, "show users", 5)
		stopPerf := func() {}
		if *benchPerfDir != "" {
			if stopPerf, err = perfRecord(filepath.Join(*benchPerfDir, "flexvpnd-show.perf.data"), pid); err != nil {
				b.Fatal(err)
			}
		}
		all := sshMedian(b, lab.NSA, key, pid, "show crypto ikev2 sa", 5)
		stopPerf()
		one := sshMedian(b, lab.NSA, key, pid, "show crypto ikev2 sa remote "+single, 7)
		ready := strings.Count(all.out, " READY ")
		if ready < n || strings.Count(one.out, " READY ") != 1 || !strings.Contains(one.out, single+"/") {
			b.Errorf("show listed %d READY SAs (want %d+), remote %s:\n%s", ready, n, single, one.out)
		}
		perSA := float64(held.RSS-idle.RSS) / float64(n+1)
		b.Logf("%d SAs in %v (%.0f/s); RSS idle %d KiB, held %d KiB: %.0f B/SA; ssh baseline %v (daemon CPU %v), "+
			"show all %v (CPU %v, %d bytes), show remote %v (CPU %v)",
			n, res.Elapsed, res.Rate(), idle.RSS>>10, held.RSS>>10, perSA, base.wall, base.cpu, all.wall, all.cpu, len(all.out), one.wall, one.cpu)
		ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
		b.ReportMetric(perSA, "RSS-B/SA")
		b.ReportMetric(ms(all.wall-base.wall), "show-all-ms")
		b.ReportMetric(ms(one.wall-base.wall), "show-remote-ms")
		b.ReportMetric(ms(base.wall), "ssh-baseline-ms")
		b.ReportMetric(ms(all.cpu-base.cpu), "show-all-cpu-ms")
		b.ReportMetric(ms(one.cpu-base.cpu), "show-remote-cpu-ms")
		b.ReportMetric(res.Rate(), "SAs/s")
		res.Close()
		lone.Close()
		d.stop(syscall.SIGTERM)
	}
}
