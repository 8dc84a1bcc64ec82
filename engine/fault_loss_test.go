package engine

import (
	"context"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/flexvpnd/flexvpnd/engine/ikev2/ike"
	"github.com/flexvpnd/flexvpnd/engine/internal/impair"
	"github.com/flexvpnd/flexvpnd/engine/netns"
	"github.com/flexvpnd/flexvpnd/engine/spec"
	"github.com/flexvpnd/flexvpnd/engine/status"
)

// faultSoak reports whether the long versions of the fault tests run
// (`make soak` sets FLEXVPND_SOAK=1).
func faultSoak() bool { return os.Getenv("FLEXVPND_SOAK") == "1" }

// faultNetns creates a network namespace with lo up for the test, removed
// by t.Cleanup; it skips when namespaces are unavailable. Inside it the
// engines may use the real IKE ports (NAT-T floats to 4500 always).
func faultNetns(t *testing.T, role string) string {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root for a network namespace")
	}
	if _, err := exec.LookPath("ip"); err != nil {
		t.Skip("iproute2 (ip) not installed")
	}
	ns := fmt.Sprintf("fxl-%d-%s", os.Getpid(), role)
	exec.Command("ip", "netns", "delete", ns).Run() // a leftover of a killed run
	if out, err := exec.Command("ip", "netns", "add", ns).CombinedOutput(); err != nil {
		t.Fatalf("ip netns add %s: %v\n%s", ns, err, out)
	}
	t.Cleanup(func() {
		if out, err := exec.Command("ip", "netns", "delete", ns).CombinedOutput(); err != nil {
			t.Errorf("ip netns delete %s: %v\n%s", ns, err, out)
		}
	})
	if out, err := exec.Command("ip", "-n", ns, "link", "set", "lo", "up").CombinedOutput(); err != nil {
		t.Fatalf("lo up in %s: %v\n%s", ns, err, out)
	}
	return ns
}

// lossyRetransmit is the IKE retransmission schedule of the loss test:
// denser than the default (4 s first) so that the test takes seconds, as
// many tries.
var lossyRetransmit = ike.Retransmit{Timeout: 400 * time.Millisecond, Base: 1.5, Tries: 5}

// TestFaultLossReorder runs two engines through the impairment relay
// (20% loss, 20% reordering, 10% duplicates, both ways) with static VTIs
// to each other, a CHILD SA lifetime of 8 s and an IKE SA lifetime of 20 s:
// the SAs establish through retransmissions and rekey, and when the test
// ends each side holds exactly one IKE SA with one CHILD SA, the same pair
// on both sides (no duplicates left behind by collisions or retransmits).
func TestFaultLossReorder(t *testing.T) {
	if testing.Short() {
		t.Skip("loss test skipped in -short mode")
	}
	run := 30 * time.Second
	if faultSoak() {
		run = 3 * time.Minute
	}
	ns := faultNetns(t, "loss")
	// L is 127.0.0.1 and sees R as 127.0.0.3; R is 127.0.0.2 and sees L
	// as 127.0.0.4: the relay stands between them like a NAT.
	var pairs []impair.Pair
	for _, port := range []uint16{500, 4500} {
		ap := func(a string) netip.AddrPort { return netip.AddrPortFrom(netip.MustParseAddr(a), port) }
		pairs = append(pairs, impair.Pair{LeftListen: ap("127.0.0.3"), RightSource: ap("127.0.0.4"), RightPeer: ap("127.0.0.2"), LeftPeer: ap("127.0.0.1")})
	}
	var relay *impair.Relay
	var left, right *Engine
	err := netns.Do(ns, func() error {
		var err error
		relay, err = impair.Start(context.Background(), impair.Config{
			Pairs:      pairs,
			Impairment: impair.Impairment{Drop: 0.2, Reorder: 0.2, Duplicate: 0.1, Jitter: 5 * time.Millisecond},
			Seed:       uint64(time.Now().UnixNano()),
		})
		if err != nil {
			return err
		}
		if left, err = lossyEngine(t, "127.0.0.1"); err != nil {
			return err
		}
		right, err = lossyEngine(t, "127.0.0.2")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	defer relay.Close()
	start := time.Now()
	left.Apply(lossySpec("127.0.0.1", "127.0.0.3", "172.31.0.1/30"))
	right.Apply(lossySpec("127.0.0.2", "127.0.0.4", "172.31.0.2/30"))

	var firstUp time.Duration
	ikeSPIs, childSPIs := map[uint64]bool{}, map[uint32]bool{}
	for time.Since(start) < run {
		for _, sa := range left.Snapshot().IKESAs {
			if sa.State != "READY" {
				continue
			}
			if firstUp == 0 {
				firstUp = time.Since(start)
			}
			ikeSPIs[sa.LocalSPI] = true
			for _, c := range sa.Children {
				childSPIs[c.InSPI] = true
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	if firstUp == 0 {
		t.Fatalf("no IKE SA established through the lossy relay in %v", run)
	}
	// At the end the two sides must agree on one IKE SA and one CHILD SA;
	// an exchange may be under way, so give it time.
	var ls, rs status.Snapshot
	deadline := time.Now().Add(30 * time.Second)
	for {
		ls, rs = left.Snapshot(), right.Snapshot()
		if agree(ls, rs) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the sides do not hold one matching IKE SA and CHILD SA:\nleft:  %s\nright: %s", describe(ls), describe(rs))
		}
		time.Sleep(100 * time.Millisecond)
	}
	st := relay.Stats()
	t.Logf("relay: %d datagrams received, %d forwarded, %d dropped, %d duplicated, %d reordered", st.Received, st.Forwarded, st.Dropped, st.Duplicated, st.Reordered)
	t.Logf("first IKE SA READY after %v; over %v the left side saw %d IKE SAs (SPIs) and %d CHILD SAs (inbound SPIs); end: %s",
		firstUp.Round(time.Millisecond), run, len(ikeSPIs), len(childSPIs), describe(ls))
	if len(childSPIs) < 3 {
		t.Errorf("only %d CHILD SAs in %v with an 8 s lifetime: no rekey happened", len(childSPIs), run)
	}
	if len(ikeSPIs) < 2 {
		t.Errorf("only %d IKE SA in %v with a 20 s lifetime: no IKE rekey happened", len(ikeSPIs), run)
	}
}

// lossyEngine starts an engine on addr at the IKE ports, closed by
// t.Cleanup (in the current network namespace).
func lossyEngine(t *testing.T, addr string) (*Engine, error) {
	e, err := New(Config{
		Dataplane: &fakeDP{}, Listen: []netip.Addr{netip.MustParseAddr(addr)}, IKEPort: 500, NATPort: 4500,
		Logger: testLogger(t).With("engine", addr), Backoff: testBackoff, Retransmit: lossyRetransmit,
	})
	if err != nil {
		return nil, err
	}
	t.Cleanup(func() { e.Close() })
	return e, nil
}

// lossySpec is a static VTI to remote (the relay) with short lifetimes,
// accepting the real peer's identity (an address of 127.0.0.0/8).
func lossySpec(local, remote, addr string) *spec.Spec {
	s := siteSpec(local, remote, addr, "Lossy!Key", "127.0.0.0/8")
	p := s.Profiles[0]
	p.MatchIdentities = []spec.IdentityMatch{{Kind: spec.IDAddress, Prefix: netip.MustParsePrefix("127.0.0.0/8")}}
	p.Lifetime = 20 * time.Second
	s.Tunnels[0].Protection.Lifetime = 8 * time.Second
	return s
}

// agree reports whether both sides hold exactly one READY IKE SA with one
// CHILD SA, and they are the same SAs seen from each side.
func agree(l, r status.Snapshot) bool {
	if len(l.IKESAs) != 1 || len(r.IKESAs) != 1 {
		return false
	}
	a, b := l.IKESAs[0], r.IKESAs[0]
	if a.State != "READY" || b.State != "READY" || a.LocalSPI != b.RemoteSPI || a.RemoteSPI != b.LocalSPI {
		return false
	}
	if len(a.Children) != 1 || len(b.Children) != 1 {
		return false
	}
	return a.Children[0].InSPI == b.Children[0].OutSPI && a.Children[0].OutSPI == b.Children[0].InSPI
}

// describe summarizes a snapshot's SAs for a failure message.
func describe(s status.Snapshot) string {
	out := fmt.Sprintf("%d IKE SAs", len(s.IKESAs))
	for _, sa := range s.IKESAs {
		out += fmt.Sprintf(" [%s %016x/%016x", sa.State, sa.LocalSPI, sa.RemoteSPI)
		for _, c := range sa.Children {
			out += fmt.Sprintf(" child %08x/%08x", c.InSPI, c.OutSPI)
		}
		out += "]"
	}
	return out
}
