// Command flexvpn-load opens many IKEv2 SAs, each with one CHILD SA, against
// a responder (flexvpnd or strongSwan's charon) and reports the setup rate,
// the failures by reason, the latency percentiles and, given the
// responder's PID, its CPU time and memory. See docs/BENCHMARKS.md.
//
//	flexvpn-load --target 198.18.0.1 --count 10000 --psk KEY \
//	    --proposal aes256gcm16-prfsha256-ecp256 [--netns NS] [--responder-pid PID]
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/netip"
	"os"
	"strings"
	"time"

	"github.com/flexvpnd/flexvpnd/engine/dataplane"
	"github.com/flexvpnd/flexvpnd/engine/ikev2/ike"
	"github.com/flexvpnd/flexvpnd/engine/loadgen"
	"github.com/flexvpnd/flexvpnd/engine/netns"
	"github.com/flexvpnd/flexvpnd/engine/procstat"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run is main with its arguments and outputs, for tests.
func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("flexvpn-load", flag.ContinueOnError)
	fs.SetOutput(stderr)
	target := fs.String("target", "", "responder `address`[:port] (port 500 by default)")
	count := fs.Int("count", 1000, "IKE SAs to establish")
	rate := fs.Float64("rate", 0, "new SAs per second (0: as fast as the concurrency allows)")
	conc := fs.Int("concurrency", 256, "SAs in negotiation at once")
	workers := fs.Int("workers", 4, "sockets and goroutines")
	sources := fs.String("sources", "", "comma-separated local `addresses` to send from")
	psk := fs.String("psk", "", "pre-shared key (both directions)")
	proposal := fs.String("proposal", "aes256gcm16-prfsha256-ecp256", "IKE proposal in strongSwan notation")
	id := fs.String("id", "load.example", "local FQDN identity (made unique per SA)")
	ns := fs.String("netns", "", "run inside this network `namespace` (ip netns)")
	timeout := fs.Duration("timeout", time.Minute, "bound of the whole run")
	hold := fs.Duration("hold", 0, "keep the SAs this long after the run before exiting")
	pid := fs.Int("responder-pid", 0, "report the CPU time and memory of this `process`")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *target == "" || *psk == "" {
		fmt.Fprintln(stderr, "flexvpn-load: --target and --psk are required")
		return 2
	}
	cfg, err := config(*target, *sources, *proposal, *psk, *id)
	if err != nil {
		fmt.Fprintln(stderr, "flexvpn-load:", err)
		return 2
	}
	cfg.Count, cfg.Rate, cfg.Concurrency, cfg.Workers, cfg.Timeout, cfg.Hold = *count, *rate, *conc, *workers, *timeout, *hold > 0
	var before procstat.Sample
	if *pid != 0 {
		if before, err = procstat.Read(*pid); err != nil {
			fmt.Fprintln(stderr, "flexvpn-load:", err)
			return 1
		}
	}
	var res *loadgen.Result
	do := func() error {
		var err error
		res, err = loadgen.Run(context.Background(), cfg)
		return err
	}
	if *ns != "" {
		err = netns.Do(*ns, do)
	} else {
		err = do()
	}
	if err != nil {
		fmt.Fprintln(stderr, "flexvpn-load:", err)
		return 1
	}
	defer res.Close()
	report(stdout, res)
	if *pid != 0 {
		after, err := procstat.Read(*pid)
		if err != nil {
			fmt.Fprintln(stderr, "flexvpn-load:", err)
			return 1
		}
		cpu := after.CPU - before.CPU
		fmt.Fprintf(stdout, "responder CPU %v (%.1f µs/SA), RSS %d KiB (+%d KiB, %.0f B/SA)\n",
			cpu.Round(time.Millisecond), float64(cpu.Microseconds())/float64(max(res.Established, 1)),
			after.RSS>>10, (after.RSS-before.RSS)>>10, float64(after.RSS-before.RSS)/float64(max(res.Established, 1)))
	}
	time.Sleep(*hold)
	if res.Established != cfg.Count {
		return 1
	}
	return 0
}

// config builds the run's configuration from the flags.
func config(target, sources, proposal, psk, id string) (loadgen.Config, error) {
	var cfg loadgen.Config
	ap, err := netip.ParseAddrPort(target)
	if err != nil {
		a, aerr := netip.ParseAddr(target)
		if aerr != nil {
			return cfg, fmt.Errorf("--target %q: %w", target, err)
		}
		ap = netip.AddrPortFrom(a, 500)
	}
	cfg.Target = ap
	for _, s := range strings.Split(sources, ",") {
		if s = strings.TrimSpace(s); s == "" {
			continue
		}
		a, err := netip.ParseAddr(s)
		if err != nil {
			return cfg, fmt.Errorf("--sources: %w", err)
		}
		cfg.Sources = append(cfg.Sources, a)
	}
	p, err := loadgen.ParseProposal(proposal)
	if err != nil {
		return cfg, err
	}
	any := []dataplane.TrafficSelector{dataplane.AnyIPv4}
	cfg.SA = ike.Config{
		LocalID: ike.FQDNIdentity(id), LocalPSK: []byte(psk), RemotePSK: []byte(psk),
		Proposals: []ike.Proposal{p},
		Child:     ike.ChildConfig{Proposals: []ike.Proposal{loadgen.ESPProposal(p)}, LocalTS: any, RemoteTS: any},
	}
	return cfg, nil
}

// report prints the run's figures.
func report(w io.Writer, r *loadgen.Result) {
	fmt.Fprintf(w, "established %d of %d in %v: %.0f SAs/s\n", r.Established, r.Started, r.Elapsed.Round(time.Millisecond), r.Rate())
	fmt.Fprintf(w, "latency p50 %v p90 %v p99 %v max %v\n", r.Percentile(50).Round(time.Microsecond),
		r.Percentile(90).Round(time.Microsecond), r.Percentile(99).Round(time.Microsecond), r.Percentile(100).Round(time.Microsecond))
	for reason, n := range r.Failures {
		fmt.Fprintf(w, "failed %d: %s\n", n, reason)
	}
}
