package main

import (
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/flexvpnd/flexvpnd/engine/procstat"
)

// faultHubConfig is a FlexVPN hub in IOS text for the fault tests: any
// peer of the load.example domain with faultKey, each on its own
// Virtual-Access; global holds extra global lines.
func faultHubConfig(global string) string {
	return flexHub("HUB", "0.0.0.0 0.0.0.0", faultKey, "fqdn domain "+faultDomain, "fqdn hub."+faultDomain, global)
}

// faultStartup writes config as the startup-config in a new directory,
// which is also the state directory, and returns both paths.
func faultStartup(t *testing.T, config string) (startup, stateDir string) {
	t.Helper()
	stateDir = t.TempDir()
	startup = filepath.Join(stateDir, "startup-config")
	if err := os.WriteFile(startup, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	return startup, stateDir
}

// TestFaultHalfOpenFlood floods a hub with `crypto ikev2 cookie-challenge
// 10` with IKE_SA_INIT requests from spoofed addresses (198.19.0.0/16,
// routed back into the attacker's namespace, where the answers die): the
// hub must switch to cookies, keep its memory bounded, and still let a
// legitimate peer establish within 2 s during the flood.
func TestFaultHalfOpenFlood(t *testing.T) {
	if testing.Short() {
		t.Skip("flood skipped in -short mode")
	}
	total, rate := 20_000, 5_000.0 // datagrams, per second: 4 s
	if faultSoak() {
		total = 300_000 // 60 s
	}
	const (
		rssBound   = 64 << 20 // growth of the hub's RSS during the flood
		setupBound = 2 * time.Second
	)
	bin := buildBinary(t)
	s := newFaultStar(t, 1)
	ipCmd(t, "-n", s.Hub, "route", "add", "198.19.0.0/16", "via", faultEdgeAddr(0))
	startup, state := faultStartup(t, faultHubConfig("crypto ikev2 cookie-challenge 10\n"))
	hub := startFaultDaemon(t, bin, s.Hub, "--startup-config", startup, "--state-dir", state, "--dataplane", "none", "--log-level", "warn")
	target := netip.MustParseAddrPort(faultHubAddr(0) + ":500")

	// The hub is up when a first peer establishes.
	var base time.Duration
	for deadline := time.Now().Add(20 * time.Second); ; {
		var err error
		if base, err = faultEstablish(t, s.Edges[0], target, 3*time.Second); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no SA with the idle hub: %v\nlog:\n%s", err, hub.log.String())
		}
	}
	before, err := procstat.Read(hub.pid())
	if err != nil {
		t.Fatal(err)
	}

	raw := newFaultRawSender(t, s.Edges[0])
	cookies := countFaultCookies(t, s.Edges[0], "198.19.0.0/16")
	tmpl := faultInitRequest(t, netip.MustParseAddrPort(faultEdgeAddr(0)+":500"), target)
	done := make(chan struct{})
	var peak procstat.Sample
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // RSS sampler
		defer wg.Done()
		for {
			if smp, err := procstat.Read(hub.pid()); err == nil && smp.RSS > peak.RSS {
				peak = smp
			}
			select {
			case <-done:
				return
			case <-time.After(50 * time.Millisecond):
			}
		}
	}()
	floodStart := time.Now()
	sent, sendErrs := 0, 0
	wg.Add(1)
	go func() { // the flood: bursts of 50 paced to rate
		defer wg.Done()
		defer close(done)
		rng := rand.New(rand.NewPCG(7, 7))
		pkt := append([]byte(nil), tmpl...)
		for sent < total {
			for range 50 {
				binary.BigEndian.PutUint64(pkt, rng.Uint64()) // a new initiator SPI
				src := netip.AddrPortFrom(netip.AddrFrom4([4]byte{198, 19, byte(rng.IntN(256)), byte(1 + rng.IntN(254))}), uint16(1024+rng.IntN(60000)))
				if raw.sendUDP(src, target, pkt) != nil {
					sendErrs++
				}
				sent++
			}
			if d := time.Until(floodStart.Add(time.Duration(float64(sent) / rate * float64(time.Second)))); d > 0 {
				time.Sleep(d)
			}
		}
	}()

	// Legitimate peers, one after the other, while the flood lasts.
	time.Sleep(300 * time.Millisecond)
	var setups []time.Duration
	for {
		select {
		case <-done:
		default:
			d, err := faultEstablish(t, s.Edges[0], target, 5*time.Second)
			if err != nil {
				t.Errorf("legitimate peer during the flood: %v", err)
			}
			setups = append(setups, d)
			time.Sleep(100 * time.Millisecond)
			continue
		}
		break
	}
	floodTime := time.Since(floodStart)
	wg.Wait()
	after, err := procstat.Read(hub.pid())
	if err != nil {
		t.Fatal(err)
	}
	challenged, otherAnswers := cookies.stop()
	stats := hub.exec(t, "show crypto ikev2 stats")
	saCount := faultCounter(stats, "Total IKEv2 SA Count:")
	t.Logf("flood: %d IKE_SA_INIT from spoofed sources in %v (%.0f/s, %d send errors)", sent, floodTime.Round(time.Millisecond), float64(sent)/floodTime.Seconds(), sendErrs)
	t.Logf("UDP datagrams dropped on full socket buffers: hub %d, attacker/peer namespace %d", udpRcvbufErrors(s.Hub), udpRcvbufErrors(s.Edges[0]))
	t.Logf("hub RSS: %d KiB before, peak %d KiB, %d KiB after; CPU %v during the flood",
		before.RSS>>10, peak.RSS>>10, after.RSS>>10, (after.CPU - before.CPU).Round(time.Millisecond))
	t.Logf("answers to spoofed sources: %d COOKIE challenges, %d others; IKE SAs at the end %d; legitimate setups: idle %v, during the flood %s", challenged, otherAnswers, saCount, base.Round(time.Millisecond), faultDurations(setups))
	t.Logf("stats:\n%s", stats)
	t.Logf("hub log: %d bytes, tail:\n%s", len(hub.log.String()), faultTail(hub.log.String(), 1000))

	if len(setups) == 0 {
		t.Errorf("no legitimate peer tried during the flood")
	}
	for i, d := range setups {
		if d > setupBound {
			t.Errorf("legitimate setup %d took %v during the flood, want at most %v", i, d, setupBound)
		}
	}
	if challenged < int64(sent)/2 {
		t.Errorf("%d cookie challenges for %d spoofed requests: the hub did not switch to cookies", challenged, sent)
	}
	// At most the 10 half-open SAs admitted before cookies were required,
	// and the legitimate ones.
	if max := int64(10 + len(setups) + 1 + 5); saCount > max {
		t.Errorf("%d IKE SAs on the hub after the flood, want at most %d: spoofed requests got state", saCount, max)
	}
	if peak.RSS > before.RSS+rssBound {
		t.Errorf("hub RSS grew from %d KiB to %d KiB during the flood, bound %d KiB", before.RSS>>10, peak.RSS>>10, rssBound>>10)
	}
}

// faultDurations summarizes setup times for the log: count, median, max.
func faultDurations(ds []time.Duration) string {
	if len(ds) == 0 {
		return "none"
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return fmt.Sprintf("%d, median %v, max %v", len(s), s[len(s)/2].Round(time.Millisecond), s[len(s)-1].Round(time.Millisecond))
}
