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
// that Query with a remote address lists exactly the IKE SAs of the one
// asked for, as Snapshot shows them, with the parts asked for.
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
	noChildren := make([]status.IKESA, len(want))
	for i, sa := range want {
		sa.Children = nil
		noChildren[i] = sa
	}
	for _, tc := range []struct {
		parts status.Parts
		want  []status.IKESA
	}{
		{status.PartAll, want},                          // all of the node's SAs, filtered here
		{status.PartIKESAs | status.PartChildSAs, want}, // the node's SAs of that address
		{status.PartIKESAs, noChildren},                 // without their CHILD SAs
	} {
		got := hub.Query(status.Query{Remote: netip.MustParseAddr("127.0.0.3"), Parts: tc.parts})
		if diff := cmp.Diff(tc.want, got.IKESAs, cmpopts.EquateComparable(netip.Addr{}, netip.AddrPort{}, netip.Prefix{})); diff != "" || len(want) != 2 {
			t.Errorf("Query(127.0.0.3, parts %b) (-want +got):\n%s", tc.parts, diff)
		}
		if tunnels := len(got.Tunnels) > 0; tunnels != tc.parts.Has(status.PartTunnels) {
			t.Errorf("Query(127.0.0.3, parts %b) listed tunnels: %v", tc.parts, tunnels)
		}
	}
	for _, remote := range []netip.Addr{{}, netip.MustParseAddr("127.0.0.3")} {
		var visited []status.IKESA
		hub.EachIKESA(remote, func(sa *status.IKESA, _ time.Time, count int) {
			if count < 2 {
				t.Errorf("EachIKESA(%v): count %d", remote, count)
			}
			visited = append(visited, *sa)
		})
		want := hub.Query(status.Query{Remote: remote, Parts: status.PartIKESAs}).IKESAs
		if diff := cmp.Diff(want, visited, cmpopts.EquateComparable(netip.Addr{}, netip.AddrPort{}, netip.Prefix{})); diff != "" {
			t.Errorf("EachIKESA(%v) (-Query +visited):\n%s", remote, diff)
		}
	}
	if none := hub.Query(status.Query{Remote: netip.MustParseAddr("127.0.0.9"), Parts: status.PartIKESAs}); len(none.IKESAs) != 0 {
		t.Errorf("Query(127.0.0.9) = %d IKE SAs, want none", len(none.IKESAs))
	}
}
