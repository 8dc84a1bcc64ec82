package loadgen

import (
	"context"
	"net/netip"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/flexvpnd/flexvpnd/engine/dataplane"
	"github.com/flexvpnd/flexvpnd/engine/ikev2/ike"
	"github.com/flexvpnd/flexvpnd/engine/ikev2/wire"
	"github.com/flexvpnd/flexvpnd/engine/netns"
	"github.com/flexvpnd/flexvpnd/engine/swanlab"
)

// gcm19 is the SA template of the benchmarks: PSK, AES-GCM-256, PRF
// HMAC-SHA256, group 19; the CHILD SA AES-GCM-256, 0.0.0.0/0 both ways.
func gcm19(psk string) ike.Config {
	encr := ike.Transform{Type: wire.TransformENCR, ID: uint16(wire.EncrAESGCM16), KeyBits: 256}
	return ike.Config{
		LocalID:   ike.FQDNIdentity("load.example"),
		LocalPSK:  []byte(psk),
		RemotePSK: []byte(psk),
		Proposals: []ike.Proposal{{encr, {Type: wire.TransformPRF, ID: uint16(wire.PRFHMACSHA2256)}, {Type: wire.TransformDH, ID: uint16(wire.DHECP256)}}},
		Child: ike.ChildConfig{
			Proposals: []ike.Proposal{{encr, {Type: wire.TransformESN, ID: uint16(wire.ESNNo)}}},
			LocalTS:   []dataplane.TrafficSelector{dataplane.AnyIPv4}, RemoteTS: []dataplane.TrafficSelector{dataplane.AnyIPv4},
		},
	}
}

// TestAgainstStrongSwan opens 100 IKE SAs with their CHILD SAs against a
// real charon and checks that charon holds all of them, and that the held
// SAs answer charon's DPD (dpd_delay 1 s; charon gives up on a silent peer
// after its retransmissions, about 7 s in the lab).
func TestAgainstStrongSwan(t *testing.T) {
	lab := swanlab.New(t)
	ch := lab.StartCharon(lab.NSA, swanlab.CharonOptions{})
	if err := ch.Load(swanlab.Conn{
		Name: "load", LocalAddrs: swanlab.AddrA, RemoteAddrs: "%any", Proposals: []string{"aes256gcm16-prfsha256-ecp256"},
		LocalID: swanlab.AddrA, RemoteID: "%any", PSK: "load-test-key", DPDDelay: time.Second,
		Children: []swanlab.Child{{Name: "all", ESPProposals: []string{"aes256gcm16"}, LocalTS: []string{"0.0.0.0/0"}, RemoteTS: []string{"0.0.0.0/0"}}},
	}); err != nil {
		t.Fatal(err)
	}
	const n = 100
	var res *Result
	err := netns.Do(lab.NSB, func() error {
		var err error
		res, err = Run(context.Background(), Config{
			Target: netip.MustParseAddrPort(swanlab.AddrA + ":500"), SA: gcm19("load-test-key"),
			Count: n, Concurrency: 16, Workers: 2, Timeout: 10 * time.Second, Hold: true,
		})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	defer res.Close()
	t.Logf("%d established in %v (%.0f/s), p50 %v p99 %v, failures %v", res.Established, res.Elapsed, res.Rate(), res.Percentile(50), res.Percentile(99), res.Failures)
	if res.Started != n || res.Established != n || len(res.Failures) != 0 {
		t.Fatalf("started %d, established %d of %d, failures %v", res.Started, res.Established, n, res.Failures)
	}
	sas, err := ch.WaitSAs(10*time.Second, "100 IKE SAs", func(sas []swanlab.IKESA) bool { return len(sas) == n })
	if err != nil {
		t.Fatalf("charon holds %d IKE SAs: %v", len(sas), err)
	}
	for _, sa := range sas {
		if _, ok := sa.Child("all"); !ok {
			t.Fatalf("charon IKE SA without its CHILD SA: %+v", sa)
		}
	}
	// Long enough for charon to declare every silent peer dead.
	time.Sleep(10 * time.Second)
	if sas, err := ch.ListSAs(); err != nil || len(sas) != n {
		t.Fatalf("after 10 s of DPD charon holds %d IKE SAs (%v), want %d", len(sas), err, n)
	}
	if got := strings.Count(readLog(t, ch), "INFORMATIONAL response"); got < n {
		t.Errorf("charon parsed %d INFORMATIONAL responses, want at least one DPD answer per SA (%d)", got, n)
	}
}

// readLog returns charon's log file.
func readLog(t *testing.T, ch *swanlab.Charon) string {
	t.Helper()
	b, err := os.ReadFile(ch.LogPath())
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
