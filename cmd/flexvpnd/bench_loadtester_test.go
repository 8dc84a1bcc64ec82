package main

// The second initiator of the setup-rate comparison (issue 7): strongSwan's
// own load-tester plugin, in a charon of the initiator namespace, against
// flexvpnd and against charon as responders in the same run. Debian does
// not ship the plugin; `make load-tester` (.ci/load-tester.sh) builds it
// from the Debian source of the installed strongSwan.

import (
	"fmt"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/flexvpnd/flexvpnd/engine/procstat"
	"github.com/flexvpnd/flexvpnd/engine/swanlab"
)

// loadTesterPlugin is where .ci/load-tester.sh installs the plugin.
const loadTesterPlugin = "/usr/lib/ipsec/plugins/libstrongswan-load-tester.so"

// loadTesterThreads is the number of load-tester initiator threads; each
// sets up SAs one after the other, so it is also the concurrency.
const loadTesterThreads = 32

// loadTesterTimeout bounds one load-tester run.
const loadTesterTimeout = 5 * time.Minute

// loadTesterConf is the charon { plugins { load-tester } } configuration
// for perThread SAs on each of loadTesterThreads threads toward the
// responder slot of the lab: PSK, AES-GCM-256/PRF SHA256/group 19, one
// AES-GCM-256 CHILD SA for 0.0.0.0/0 both ways (as benchSA), unique FQDN
// identities, no kernel state (fake_kernel), and charon exits by itself
// when all are established.
func loadTesterConf(perThread int) string {
	return fmt.Sprintf(`install_routes = no
install_virtual_ip = no
plugins {
    load-tester {
        enable = yes
        initiators = %d
        iterations = %d
        responder = %s
        initiator = %s
        initiator_auth = psk
        responder_auth = psk
        initiator_id = lt-%%d-%%d.bench.example
        responder_id = %s
        preshared_key = %s
        proposal = aes256gcm16-prfsha256-ecp256
        esp = aes256gcm16
        initiator_tsi = 0.0.0.0/0
        initiator_tsr = 0.0.0.0/0
        mode = tunnel
        version = 2
        fake_kernel = yes
        child_rekey = 3600
        ike_rekey = 0
        dpd_delay = 0
        shutdown_when_complete = yes
    }
}
`, loadTesterThreads, perThread, swanlab.AddrA, swanlab.AddrB, swanlab.AddrA, benchPSK)
}

// loadTesterSetup runs the load-tester against the responder pid already
// answering in lab.NSA and measures the wall time until the initiator's
// charon finished (all SAs established) and the responder's CPU per SA.
// The wall time includes the initiator charon's start-up (tens of ms).
func loadTesterSetup(tb testing.TB, lab *swanlab.Lab, pid, perThread int) (setupResult, error) {
	tb.Helper()
	n := loadTesterThreads * perThread
	before, err := procstat.Read(pid)
	if err != nil {
		return setupResult{}, err
	}
	start := time.Now()
	lt := lab.StartCharon(lab.NSB, swanlab.CharonOptions{LogLevel: -1, Plugins: []string{"load-tester"}, Extra: loadTesterConf(perThread), NoWait: true})
	select {
	case <-lt.Done():
	case <-time.After(loadTesterTimeout):
		return setupResult{}, fmt.Errorf("load-tester did not complete %d SAs in %v", n, loadTesterTimeout)
	}
	elapsed := time.Since(start)
	after, err := procstat.Read(pid)
	if err != nil {
		return setupResult{}, err
	}
	return setupResult{
		Rate:     float64(n) / elapsed.Seconds(),
		CPUPerSA: (after.CPU - before.CPU) / time.Duration(n),
		RSSPerSA: float64(after.RSS-before.RSS) / float64(n),
	}, nil
}

// BenchmarkSetupRateLoadTester sets up -bench.setup-sas SAs (rounded down
// to a multiple of the thread count) with strongSwan's load-tester against
// flexvpnd and then against charon, each freshly started in the same lab,
// and reports both rates, the responders' CPU per SA and the ratio. It
// skips when the plugin is not installed (`make load-tester`).
func BenchmarkSetupRateLoadTester(b *testing.B) {
	if _, err := os.Stat(loadTesterPlugin); err != nil {
		b.Skipf("strongSwan load-tester plugin not installed (run `make load-tester`): %v", err)
	}
	lab := swanlab.New(b)
	bin := benchBinary(b)
	perThread := max(*benchSetupSAs/loadTesterThreads, 1)
	for b.Loop() {
		d := startBenchDaemon(b, bin, lab.NSA, benchHubConfig(0))
		f, err := loadTesterSetup(b, lab, d.cmd.Process.Pid, perThread)
		if err != nil {
			b.Fatalf("flexvpnd: %v", err)
		}
		if out := d.out.String(); strings.Contains(out, "panic") {
			b.Fatalf("flexvpnd output:\n%s", out)
		}
		d.stop(syscall.SIGTERM)

		ch := lab.StartCharon(lab.NSA, swanlab.CharonOptions{LogLevel: -1, Extra: benchCharonExtra})
		if err := ch.Load(benchCharonConn); err != nil {
			b.Fatal(err)
		}
		c, err := loadTesterSetup(b, lab, ch.PID(), perThread)
		if err != nil {
			b.Fatalf("charon: %v", err)
		}
		if err := ch.Stop(); err != nil {
			b.Error(err)
		}
		b.Logf("load-tester, %d SAs: flexvpnd %.0f SAs/s (%.0f/s per core, %v CPU/SA), charon %.0f SAs/s (%.0f/s per core, %v CPU/SA)",
			loadTesterThreads*perThread, f.Rate, f.PerCore(), f.CPUPerSA, c.Rate, c.PerCore(), c.CPUPerSA)
		for who, r := range map[string]setupResult{"fx": f, "sw": c} {
			b.ReportMetric(r.Rate, who+"-SAs/s")
			b.ReportMetric(float64(r.CPUPerSA.Nanoseconds())/1000, who+"-cpu-µs/SA")
			b.ReportMetric(r.PerCore(), who+"-SAs/s/core")
		}
	}
}
