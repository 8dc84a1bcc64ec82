package engine

import (
	"context"
	"net/netip"
	"testing"
	"time"

	"github.com/flexvpnd/flexvpnd/engine/dataplane"
	"github.com/flexvpnd/flexvpnd/engine/ikev2/ike"
	"github.com/flexvpnd/flexvpnd/engine/ikev2/wire"
	"github.com/flexvpnd/flexvpnd/engine/loadgen"
	"github.com/flexvpnd/flexvpnd/engine/spec"
	"github.com/flexvpnd/flexvpnd/engine/status"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// TestSnapshotRemote brings up sessions from two addresses and checks
// that SnapshotRemote lists exactly the IKE SAs of the one asked for, as
// Snapshot shows them.
func TestSnapshotRemote(t *testing.T) {
	ikePort, natPort := freePorts(t)
	hub, err := New(Config{Dataplane: &fakeDP{}, Listen: []netip.Addr{netip.MustParseAddr("127.0.0.1")}, IKEPort: ikePort, NATPort: natPort})
	if err != nil {
		t.Fatal(err)
	}
	defer hub.Close()
	s := hubSpec("remotekey")
	s.Profiles[0].MatchIdentities = []spec.IdentityMatch{{Kind: spec.IDFQDN, Name: "load.example", Domain: true}}
	hub.Apply(s)
	encr := ike.Transform{Type: wire.TransformENCR, ID: uint16(wire.EncrAESGCM16), KeyBits: 256}
	anyTS := []dataplane.TrafficSelector{dataplane.AnyIPv4}
	sa := ike.Config{
		LocalID: ike.FQDNIdentity("load.example"), LocalPSK: []byte("remotekey"), RemotePSK: []byte("remotekey"),
		Proposals: []ike.Proposal{{encr, {Type: wire.TransformPRF, ID: uint16(wire.PRFHMACSHA2256)}, {Type: wire.TransformDH, ID: uint16(wire.DHECP256)}}},
		Child:     ike.ChildConfig{Proposals: []ike.Proposal{{encr, {Type: wire.TransformESN, ID: uint16(wire.ESNNo)}}}, LocalTS: anyTS, RemoteTS: anyTS},
	}
	for _, src := range []struct {
		addr, id string
		count    int
	}{{"127.0.0.2", "a.load.example", 3}, {"127.0.0.3", "b.load.example", 2}} {
		sa.LocalID = ike.FQDNIdentity(src.id) // loadgen numbers the SAs of each run from 1
		res, err := loadgen.Run(context.Background(), loadgen.Config{
			Target: netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), ikePort), Sources: []netip.Addr{netip.MustParseAddr(src.addr)},
			Count: src.count, Timeout: 10 * time.Second, Hold: true, SA: sa,
		})
		if err != nil || res.Established != src.count {
			t.Fatalf("%s: %v %v", src.addr, res, err)
		}
		defer res.Close()
	}
	all := waitSnap(t, hub, "five sessions", func(s status.Snapshot) bool { return len(s.IKESAs) == 5 })
	var want []status.IKESA
	for _, sa := range all.IKESAs {
		if sa.Remote.Addr() == netip.MustParseAddr("127.0.0.3") {
			want = append(want, sa)
		}
	}
	got := hub.SnapshotRemote(netip.MustParseAddr("127.0.0.3"))
	if diff := cmp.Diff(want, got.IKESAs, cmpopts.EquateComparable(netip.Addr{}, netip.AddrPort{}, netip.Prefix{})); diff != "" || len(want) != 2 {
		t.Errorf("SnapshotRemote(127.0.0.3) (-want +got):\n%s", diff)
	}
	if none := hub.SnapshotRemote(netip.MustParseAddr("127.0.0.9")); len(none.IKESAs) != 0 {
		t.Errorf("SnapshotRemote(127.0.0.9) = %d IKE SAs, want none", len(none.IKESAs))
	}
}
