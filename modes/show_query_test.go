package modes

import (
	"net/netip"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/flexvpnd/flexvpnd/engine/status"
)

// queryEngine is a fakeEngine that can build part of its snapshot, and
// records what it was asked for.
type queryEngine struct {
	fakeEngine
	asked []status.Query
}

func (e *queryEngine) Query(q status.Query) status.Snapshot {
	e.asked = append(e.asked, q)
	return e.snap
}

// TestShowQuery checks that each show command asks an engine that can
// build part of its snapshot for the part it prints, and only for one
// peer's SAs when it shows one peer.
func TestShowQuery(t *testing.T) {
	peer := netip.MustParseAddr("198.18.0.3")
	ikeOnly := status.Parts(status.PartIKESAs)
	withChildren := status.PartIKESAs | status.PartChildSAs
	flows := withChildren | status.PartTunnels
	for _, tc := range []struct {
		cmd  string
		want status.Query
	}{
		{"show crypto ikev2 sa", status.Query{Parts: ikeOnly}},
		{"show crypto ikev2 sa detailed", status.Query{Parts: ikeOnly}},
		{"show crypto ikev2 sa remote 198.18.0.3", status.Query{Remote: peer, Parts: ikeOnly}},
		{"show crypto ikev2 sa detailed remote ::ffff:198.18.0.3", status.Query{Remote: peer, Parts: ikeOnly}},
		{"show crypto ikev2 session", status.Query{Parts: withChildren}},
		{"show crypto ikev2 stats", status.Query{Parts: status.PartIKESAs | status.PartStats}},
		{"show crypto ipsec sa peer 198.18.0.3", status.Query{Parts: flows}},
		{"show crypto session remote 198.18.0.3", status.Query{Parts: flows}},
	} {
		e := &queryEngine{fakeEngine: fakeEngine{snap: heldSnapshot(3)}}
		sys := NewSystem()
		sys.Engine = e
		runShow(t, NewSession(sys, "test"), tc.cmd)
		if diff := cmp.Diff([]status.Query{tc.want}, e.asked, cmpopts.EquateComparable(netip.Addr{})); diff != "" {
			t.Errorf("%s asked (-want +got):\n%s", tc.cmd, diff)
		}
	}
}

// visitEngine hands its snapshot's IKE SAs over one at a time, as the
// engine's EachIKESA does.
type visitEngine struct{ fakeEngine }

func (e *visitEngine) EachIKESA(remote netip.Addr, fn func(sa *status.IKESA, now time.Time, count int)) {
	var sas []*status.IKESA
	for i := range e.snap.IKESAs {
		if sa := &e.snap.IKESAs[i]; !remote.IsValid() || sa.Remote.Addr().Unmap() == remote {
			sas = append(sas, sa)
		}
	}
	var x status.IKESA
	for _, sa := range sas {
		x = *sa
		fn(&x, e.snap.Time, len(sas))
	}
}

// TestShowIKEv2SAVisited checks that `show crypto ikev2 sa` prints the
// same from an engine that hands its SAs over one at a time as from a
// snapshot: IPv4 then IPv6, filters applied.
func TestShowIKEv2SAVisited(t *testing.T) {
	snap := heldSnapshot(20)
	for i := range snap.IKESAs {
		if i%3 == 1 {
			snap.IKESAs[i].Local = netip.MustParseAddrPort("[2001:db8::1]:500")
			snap.IKESAs[i].Remote = netip.AddrPortFrom(netip.MustParseAddr("2001:db8::ab"), 500)
		}
	}
	for _, cmd := range []string{
		"show crypto ikev2 sa", "show crypto ikev2 sa detailed", "show crypto ikev2 sa remote 198.18.0.3",
		"show crypto ikev2 sa remote 2001:db8::ab detailed", "show crypto ikev2 sa local 198.18.0.1",
		"show crypto ikev2 sa remote 192.0.2.1", "show crypto ikev2 sa | include READY",
	} {
		want, _ := engineSession(snap)
		sys := NewSystem()
		sys.Engine = &visitEngine{fakeEngine{snap: snap}}
		if diff := cmp.Diff(runShow(t, want, cmd), runShow(t, NewSession(sys, "test"), cmd)); diff != "" {
			t.Errorf("%s (-snapshot +visited):\n%s", cmd, diff)
		}
	}
}
