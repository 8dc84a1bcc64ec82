package modes

import (
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// hubPeers is the size of the generated hub: keyring peers and profiles.
const hubPeers = 10000

// hubConfig generates a FlexVPN hub startup-config with n keyring peers and
// n IKEv2 profiles (one per spoke, matched by FQDN), about 11 lines per
// spoke, and returns it with its line count.
func hubConfig(n int) (string, int) {
	var b strings.Builder
	b.WriteString(`hostname HUB
!
aaa new-model
aaa authorization network FLEX local
!
crypto ikev2 authorization policy FLEX
 pool SPOKES
 route set interface
!
crypto ikev2 keyring SPOKES
`)
	for i := range n {
		fmt.Fprintf(&b, " peer spoke%05d\n  address 10.%d.%d.1\n  pre-shared-key Spoke-%05d-Key!\n", i, 64+i/256, i%256, i)
	}
	b.WriteString("!\n")
	for i := range n {
		fmt.Fprintf(&b, "crypto ikev2 profile SPOKE%05d\n match identity remote fqdn spoke%05d.flexvpn.example\n"+
			" authentication remote pre-share\n authentication local pre-share\n keyring local SPOKES\n"+
			" aaa authorization group psk list FLEX FLEX\n virtual-template 1\n!\n", i, i)
	}
	b.WriteString(`crypto ipsec profile FLEX
 set ikev2-profile SPOKE00000
!
interface Loopback0
 ip address 172.16.0.1 255.255.255.255
!
interface Virtual-Template1 type tunnel
 ip unnumbered Loopback0
 tunnel source GigabitEthernet1
 tunnel mode ipsec ipv4
 tunnel protection ipsec profile FLEX
!
ip local pool SPOKES 172.16.1.1 172.16.255.254
end
`)
	text := b.String()
	return text, strings.Count(text, "\n")
}

// peakHeap samples the heap in use until stopped and returns the highest
// value seen.
type peakHeap struct {
	stop chan struct{}
	done sync.WaitGroup
	peak uint64
}

func startPeakHeap() *peakHeap {
	p := &peakHeap{stop: make(chan struct{})}
	p.done.Add(1)
	go func() {
		defer p.done.Done()
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			p.peak = max(p.peak, ms.HeapAlloc)
			select {
			case <-p.stop:
				return
			case <-tick.C:
			}
		}
	}()
	return p
}

// Stop ends the sampling and returns the peak heap in bytes.
func (p *peakHeap) Stop() uint64 {
	close(p.stop)
	p.done.Wait()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return max(p.peak, ms.HeapAlloc)
}

// BenchmarkLoadHub loads a generated hub of 10,000 keyring peers and
// 10,000 profiles (about 110,000 lines) through Load, as the appliance
// loads its startup-config. Every line must be accepted, so that the
// benchmark measures real work. Targets: under 1 s and 200 MB per load.
func BenchmarkLoadHub(b *testing.B) {
	text, lines := hubConfig(hubPeers)
	b.ReportAllocs()
	b.SetBytes(int64(len(text)))
	runtime.GC()
	peak := startPeakHeap()
	var sys *System
	for b.Loop() {
		sys = NewSystem()
		diags, err := Load(sys, strings.NewReader(text))
		if err != nil {
			b.Fatal(err)
		}
		rejected(b, diags)
	}
	peakBytes := peak.Stop()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	runtime.KeepAlive(sys)
	perOp := b.Elapsed().Seconds() / float64(b.N)
	b.ReportMetric(float64(lines)/perOp, "lines/s")
	b.ReportMetric(float64(peakBytes)/1e6, "peak-MB")
	b.ReportMetric(float64(ms.HeapAlloc)/1e6, "retained-MB")
}

// rejected fails the benchmark, loudly, when a line of the generated
// config was rejected or is not applied.
func rejected(b *testing.B, diags []Diagnostic) {
	b.Helper()
	var bad []string
	for _, d := range diags {
		if d.Err != nil {
			bad = append(bad, fmt.Sprintf("line %d: %q: %v", d.Line, d.Text, d.Err))
		}
	}
	if len(bad) > 0 {
		b.Fatalf("%d lines of the generated hub config rejected (the benchmark measures only accepted configs); first: %s", len(bad), strings.Join(bad[:min(5, len(bad))], "; "))
	}
}

// TestHubConfigSize keeps the generated hub at the size the benchmark
// promises: about 100,000 lines.
func TestHubConfigSize(t *testing.T) {
	_, lines := hubConfig(hubPeers)
	if lines < 100000 || lines > 115000 {
		t.Errorf("hub config has %d lines, want about 100,000", lines)
	}
}
