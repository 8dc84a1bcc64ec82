package main

// BenchmarkSessionsHeld of issue 7 (docs/BENCHMARKS.md): memory per SA and
// the show commands over SSH with tens of thousands of SAs held.

import (
	"context"
	"net/netip"
	"os/exec"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/flexvpnd/flexvpnd/engine/loadgen"
	"github.com/flexvpnd/flexvpnd/engine/procstat"
	"github.com/flexvpnd/flexvpnd/engine/swanlab"
)

// benchSSH runs one exec command on flexvpnd's SSH server inside ns with
// the OpenSSH client and returns its output and the wall time of the
// whole ssh invocation.
func benchSSH(tb testing.TB, ns, command string) (string, time.Duration) {
	tb.Helper()
	for _, tool := range []string{"ssh", "sshpass"} {
		if _, err := exec.LookPath(tool); err != nil {
			tb.Skipf("%s not installed: %v", tool, err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "ip", "netns", "exec", ns, "sshpass", "-p", benchPSK,
		"ssh", "-F", "/dev/null", "-p", benchSSHPort, "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
		"-o", "LogLevel=ERROR", "-o", "PubkeyAuthentication=no", "admin@127.0.0.1", command)
	start := time.Now()
	out, err := cmd.Output()
	elapsed := time.Since(start)
	if err != nil {
		tb.Fatalf("ssh %q: %v\n%s", command, err, out)
	}
	return string(out), elapsed
}

// sshMedian runs command n times over SSH and returns the last output and
// the median wall time.
func sshMedian(tb testing.TB, ns, command string, n int) (string, time.Duration) {
	tb.Helper()
	var out string
	times := make([]time.Duration, n)
	for i := range times {
		out, times[i] = benchSSH(tb, ns, command)
	}
	slices.Sort(times)
	return out, times[n/2]
}

// BenchmarkSessionsHeld holds -bench.held-sas IKE SAs with one CHILD SA
// each on one flexvpnd and measures its memory per SA beyond the idle
// process and the show commands over SSH: `show crypto ikev2 sa` listing
// all of them and `show crypto ikev2 sa remote ADDR` for one SA of a peer
// address of its own (the others all come from AddrB). The show times are
// SSH wall times minus that of `show users` (connection, key exchange,
// login: the same for every command).
func BenchmarkSessionsHeld(b *testing.B) {
	lab := swanlab.New(b)
	bin := benchBinary(b)
	const single = "198.18.0.3"
	if out, err := lab.Exec(lab.NSB, "ip", "addr", "add", single+"/24", "dev", swanlab.LinkName); err != nil {
		b.Fatalf("%v: %s", err, out)
	}
	n := *benchHeldSAs
	for b.Loop() {
		d := startBenchDaemon(b, bin, lab.NSA, benchHubConfig(0))
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
		one, err := runLoad(lab.NSB, loadgen.Config{Count: 1, Sources: []netip.Addr{netip.MustParseAddr(single)}, Timeout: 5 * time.Second, Hold: true})
		if err != nil || res.Established != n || one.Established != 1 {
			b.Fatalf("established %d of %d and %v (%v): %v", res.Established, n, one, err, res.Failures)
		}
		held, err := procstat.Read(pid)
		if err != nil {
			b.Fatal(err)
		}
		_, base := sshMedian(b, lab.NSA, "show users", 3)
		all, tAll := sshMedian(b, lab.NSA, "show crypto ikev2 sa", 3)
		got, tOne := sshMedian(b, lab.NSA, "show crypto ikev2 sa remote "+single, 5)
		ready := strings.Count(all, " READY ")
		if ready < n || strings.Count(got, " READY ") != 1 || !strings.Contains(got, single+"/") {
			b.Errorf("show listed %d READY SAs (want %d+), remote %s:\n%s", ready, n, single, got)
		}
		perSA := float64(held.RSS-idle.RSS) / float64(n+1)
		b.Logf("%d SAs in %v (%.0f/s); RSS idle %d KiB, held %d KiB: %.0f B/SA; ssh baseline %v, show all %v (%d bytes), show remote %v",
			n, res.Elapsed, res.Rate(), idle.RSS>>10, held.RSS>>10, perSA, base, tAll, len(all), tOne)
		b.ReportMetric(perSA, "RSS-B/SA")
		b.ReportMetric(float64((tAll-base).Microseconds())/1000, "show-all-ms")
		b.ReportMetric(float64((tOne-base).Microseconds())/1000, "show-remote-ms")
		b.ReportMetric(float64(base.Microseconds())/1000, "ssh-baseline-ms")
		b.ReportMetric(res.Rate(), "SAs/s")
		res.Close()
		one.Close()
		d.stop(syscall.SIGTERM)
	}
}
