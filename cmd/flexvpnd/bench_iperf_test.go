package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/flexvpnd/flexvpnd/engine/procstat"
	"github.com/flexvpnd/flexvpnd/engine/swanlab"
)

// iperfSeconds is the length of one iperf3 measurement.
const iperfSeconds = 3

// BenchmarkIperf measures TCP throughput with iperf3 between two LAN hosts
// through a flexvpnd<->flexvpnd tunnel (userspace data plane, configured
// by IOS text, AES-GCM-256) and, in the same run, through the same
// topology with strongSwan kernel-libipsec on both routers (AES-GCM-256
// too). Each iteration measures in the order flexvpnd, strongSwan,
// strongSwan, flexvpnd, so that a change of the machine's load during the
// run weighs on both alike; every measurement and each pair's ratio is
// logged. It reports for each the mean throughput
// (fx-Mbit/s, sw-Mbit/s) and the CPU time (user plus system) that the
// processes of both router namespaces (the two flexvpnd, or the two
// charons) spent per gigabit carried (fx-cpu-s/Gbit, sw-cpu-s/Gbit: the
// cores kept busy per Gbit/s), and flexvpnd's throughput as a multiple
// of strongSwan's (x-strongswan; issue 4 targets at least 3). With
// -bench.perf DIR, perf(1) records each router's daemon during its runs.
func BenchmarkIperf(b *testing.B) {
	labNeeds(b, "iperf3", "ss")
	if why := swanlab.Available(); why != "" {
		labSkip(b, "strongSwan lab: "+why)
	}
	bin := buildBinary(b)
	fa, fb, pa, _ := startS2S(b, bin, gcm256)
	pa.cli(b, "show crypto ipsec sa", regexp.MustCompile(`transform: esp-gcm 256`), 5*time.Second)
	sa, sb := startSwanS2S(b)
	flex := &iperfPath{name: "flexvpnd", from: fa, to: fb}
	swan := &iperfPath{name: "charon", from: sa, to: sb}
	b.ResetTimer()
	for range b.N {
		for _, p := range []*iperfPath{flex, swan, swan, flex} {
			p.measure(b)
		}
		n := len(flex.runs)
		f, s := (flex.runs[n-2]+flex.runs[n-1])/2, (swan.runs[n-2]+swan.runs[n-1])/2
		b.Logf("pair %d: flexvpnd %.0f Mbit/s, charon %.0f Mbit/s: %.2fx", n/2, f, s, f/s)
	}
	b.StopTimer()
	b.ReportMetric(flex.mbits(), "fx-Mbit/s")
	b.ReportMetric(swan.mbits(), "sw-Mbit/s")
	b.ReportMetric(flex.cpuPerGbit(), "fx-cpu-s/Gbit")
	b.ReportMetric(swan.cpuPerGbit(), "sw-cpu-s/Gbit")
	b.ReportMetric(flex.mbits()/swan.mbits(), "x-strongswan")
	b.ReportMetric(0, "ns/op")
}

// gcm256 makes a site's CHILD SA use AES-GCM-256 (the transform charon is
// given) instead of the IOS default transform set (AES-CBC with HMAC-SHA1).
func gcm256(config string) string {
	return strings.Replace(config, "crypto ipsec profile IPS\n",
		"crypto ipsec transform-set GCM256 esp-gcm 256\n mode tunnel\ncrypto ipsec profile IPS\n set transform-set GCM256\n", 1)
}

// iperfPath is one way through a tunnel, LAN host to LAN host, with the
// totals of its measurements.
type iperfPath struct {
	name     string
	from, to site
	runs     []float64 // the throughput of each measurement, Mbit/s
	cpu      time.Duration
	octets   int64
}

// measure runs iperf3 once over p, sampling the CPU time of the
// processes in both router namespaces around it.
func (p *iperfPath) measure(b *testing.B) {
	b.Helper()
	pids := append(netnsPIDs(b, p.from.router), netnsPIDs(b, p.to.router)...)
	if len(pids) == 0 {
		b.Fatalf("%s: no process in the router namespaces", p.name)
	}
	if *benchPerfDir != "" {
		for _, pid := range pids {
			stop, err := perfRecord(filepath.Join(*benchPerfDir, fmt.Sprintf("iperf-%s-%d-%d.perf.data", p.name, pid, len(p.runs))), pid)
			if err != nil {
				b.Fatal(err)
			}
			defer stop()
		}
	}
	before := cpuOf(b, pids)
	mbits, octets := iperf(b, p.from, p.to)
	cpu := cpuOf(b, pids) - before
	p.runs = append(p.runs, mbits)
	p.cpu += cpu
	p.octets += octets
	b.Logf("%s: %.0f Mbit/s, %v CPU for %d MB: %.2f cpu-s/Gbit", p.name, mbits, cpu, octets/1e6, cpuPerGbit(cpu, octets))
}

// mbits is the mean throughput of the measurements.
func (p *iperfPath) mbits() float64 {
	sum := 0.0
	for _, r := range p.runs {
		sum += r
	}
	return sum / float64(len(p.runs))
}

// cpuPerGbit is the routers' CPU time per gigabit over all measurements.
func (p *iperfPath) cpuPerGbit() float64 { return cpuPerGbit(p.cpu, p.octets) }

// cpuPerGbit returns the CPU seconds spent per gigabit of octets.
func cpuPerGbit(cpu time.Duration, octets int64) float64 {
	if octets == 0 {
		return 0
	}
	return cpu.Seconds() / (float64(octets) * 8 / 1e9)
}

// netnsPIDs returns the processes whose network namespace is the named
// namespace ns (ip netns).
func netnsPIDs(b testing.TB, ns string) []int {
	b.Helper()
	fi, err := os.Stat(filepath.Join("/run/netns", ns))
	if err != nil {
		b.Fatal(err)
	}
	want := fmt.Sprintf("net:[%d]", fi.Sys().(*syscall.Stat_t).Ino)
	entries, err := os.ReadDir("/proc")
	if err != nil {
		b.Fatal(err)
	}
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if link, err := os.Readlink(fmt.Sprintf("/proc/%d/ns/net", pid)); err == nil && link == want {
			pids = append(pids, pid)
		}
	}
	return pids
}

// cpuOf returns the CPU time of processes pids, which must all live.
func cpuOf(b testing.TB, pids []int) time.Duration {
	b.Helper()
	var sum time.Duration
	for _, pid := range pids {
		s, err := procstat.Read(pid)
		if err != nil {
			b.Fatal(err)
		}
		sum += s.CPU
	}
	return sum
}

// startSwanS2S builds the site-to-site topology of startS2S with two
// charons (kernel-libipsec) as the routers, LAN to LAN, and brings the
// CHILD SA up.
func startSwanS2S(b testing.TB) (a, c site) {
	b.Helper()
	lab := swanlab.New(b)
	l := newNetnsLab(b)
	a = l.lanBehind(lab.NSA, "swa-lan", swanlab.AddrA, 1)
	c = l.lanBehind(lab.NSB, "swb-lan", swanlab.AddrB, 2)
	const psk = "Bench!Swan-2024"
	charons := make([]*swanlab.Charon, 2)
	for i, s := range []site{a, c} {
		peer := []site{c, a}[i]
		sysctl(b, s.router, map[string]string{"net/ipv4/ip_forward": "1"})
		charons[i] = lab.StartCharon(s.router, swanlab.CharonOptions{LogLevel: 1})
		if err := charons[i].Load(swanlab.Conn{
			Name: "s2s", LocalAddrs: s.routerWAN, RemoteAddrs: peer.routerWAN,
			Proposals: []string{"aes256gcm16-prfsha256-ecp256"}, LocalID: s.routerWAN, RemoteID: peer.routerWAN, PSK: psk,
			Children: []swanlab.Child{{Name: "lan", ESPProposals: []string{"aes256gcm16"},
				LocalTS: []string{s.lanNet() + "/24"}, RemoteTS: []string{peer.lanNet() + "/24"}}},
		}); err != nil {
			b.Fatal(err)
		}
	}
	if err := charons[0].Initiate("s2s", "lan", 8*time.Second); err != nil {
		b.Fatal(err)
	}
	if !newPinger(b, a.host, "").until(c.hostAddr(), 20) {
		b.Fatalf("no echo reply through the strongSwan tunnel")
	}
	return a, c
}

// iperf runs an iperf3 server on the host of to and a client of
// iperfSeconds on the host of from, and returns the throughput the
// server received in Mbit/s and the octets it received.
func iperf(b testing.TB, from, to site) (mbits float64, octets int64) {
	b.Helper()
	srv := startIn(b, to.host, "iperf3", "-s", "-1", "-B", to.hostAddr(), "-p", "5201")
	if !waitFor(5*time.Second, func() bool {
		out, err := runIn(to.host, 5*time.Second, "ss", "-Hltn", "sport = :5201")
		return err == nil && strings.Contains(out, "5201")
	}) {
		b.Fatalf("iperf3 server not listening: %s", srv.out.String())
	}
	out, err := runIn(from.host, (iperfSeconds+20)*time.Second, "iperf3", "-c", to.hostAddr(), "-p", "5201", "-t", fmt.Sprint(iperfSeconds), "-J")
	if err != nil {
		b.Fatalf("iperf3 client: %v\n%s", err, out)
	}
	if err := srv.wait(5 * time.Second); err != nil {
		b.Errorf("iperf3 server: %v\n%s", err, srv.out.String())
	}
	var res struct {
		End struct {
			SumReceived struct {
				Bytes         int64   `json:"bytes"`
				BitsPerSecond float64 `json:"bits_per_second"`
			} `json:"sum_received"`
		} `json:"end"`
		Error string `json:"error"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil || res.Error != "" || res.End.SumReceived.BitsPerSecond == 0 {
		b.Fatalf("iperf3 result: %v %s\n%s", err, res.Error, out)
	}
	return res.End.SumReceived.BitsPerSecond / 1e6, res.End.SumReceived.Bytes
}
