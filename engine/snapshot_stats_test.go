package engine

import (
	"testing"

	"github.com/flexvpnd/flexvpnd/engine/status"
)

// TestSnapshotStats checks the counters behind `show crypto ikev2 stats`:
// a hub with `crypto ikev2 limit max-sa 1` accepts one spoke and refuses
// the second one's requests at the SA limit.
func TestSnapshotStats(t *testing.T) {
	ikePort, natPort := freePorts(t)
	hub, _ := startEngine(t, "127.0.0.1", ikePort, natPort)
	hs := hubSpec("hubkey")
	hs.Global.MaxSA = 1
	hub.Apply(hs)
	s1, _ := startEngine(t, "127.0.0.2", ikePort, natPort)
	s1.Apply(siteSpec("127.0.0.2", "127.0.0.1", "10.9.0.2/24", "hubkey"))
	waitSnap(t, s1, "spoke 1 up", oneReady("Tunnel0"))
	s2, _ := startEngine(t, "127.0.0.3", ikePort, natPort)
	s2.Apply(siteSpec("127.0.0.3", "127.0.0.1", "10.9.0.3/24", "hubkey"))
	snap := waitSnap(t, hub, "a request refused at max-sa", func(s status.Snapshot) bool { return s.Stats.RejectedSALimit > 0 })
	st := snap.Stats
	if st.MaxSAs != 1 || st.InAccepted != 1 || st.CookieChallenged != 0 || st.Dropped != 0 {
		t.Errorf("stats %+v", st)
	}
	if len(snap.IKESAs) != 1 {
		t.Errorf("hub holds %d IKE SAs with max-sa 1", len(snap.IKESAs))
	}
}
