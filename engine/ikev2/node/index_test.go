package node

import (
	"testing"
	"time"

	"github.com/flexvpnd/flexvpnd/engine/ikev2/ike"
)

// TestLoopbackRekey runs two nodes on the loopback where the IKE SA's
// responder has short lifetimes: it rekeys the CHILD SA and then the IKE
// SA (RFC 7296 section 2.18), becoming the new IKE SA's initiator. Both
// nodes route the new SPIs (reindex), agree on them, hold one CHILD SA,
// and a Delete over the new IKE SA from the node that is now its
// responder ends everything.
func TestLoopbackRekey(t *testing.T) {
	a, da := startNode(t, loopback)
	b, db := startNode(t, loopback)
	ea, eb := ikeEndpoint(t, a), ikeEndpoint(t, b)
	idA, idB := ike.FQDNIdentity("a.lab"), ike.FQDNIdentity("b.lab")
	cfgB := ikeConfig(suiteGCM, eb, ea, idB, idA, "secret", "secret")
	cfgB.Lifetime, cfgB.Child.Lifetime = 3*time.Second, 2*time.Second
	if err := a.AddPeer(Peer{Name: "p", IKE: ikeConfig(suiteGCM, ea, eb, idA, idB, "secret", "secret")}); err != nil {
		t.Fatal(err)
	}
	if err := b.AddPeer(Peer{Name: "p", IKE: cfgB}); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if err := a.Initiate("p"); err != nil {
		t.Fatal(err)
	}
	up := func(st []SAStatus) bool {
		return len(st) == 1 && st[0].State == ike.StateEstablished && len(st[0].Children) == 1
	}
	first := waitSAs(t, a, 5*time.Second, "established", up)[0]
	var sa, sb SAStatus
	deadline := time.Now().Add(5 * time.Second)
	for {
		sa = waitSAs(t, a, time.Second, "a up", up)[0]
		sb = waitSAs(t, b, time.Second, "b up", up)[0]
		ca, cb := sa.Children[0].ID, sb.Children[0].ID
		if sa.SPIi != first.SPIi && sa.SPIi == sb.SPIi && sa.SPIr == sb.SPIr && ca.InSPI == cb.OutSPI && ca.OutSPI == cb.InSPI &&
			ca != first.Children[0].ID && len(da.Installed()) == 1 && len(db.Installed()) == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("not rekeyed and agreed: a %+v, b %+v", sa, sb)
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Logf("rekeyed in %v: %016x_i %016x_r, CHILD SA %v", time.Since(start), sa.SPIi, sa.SPIr, sa.Children[0].ID)
	if sa.Initiator || !sb.Initiator {
		t.Errorf("roles after the responder's IKE SA rekey: a initiator=%v, b initiator=%v", sa.Initiator, sb.Initiator)
	}
	if len(da.Deleted()) == 0 || len(db.Deleted()) == 0 {
		t.Errorf("deleted CHILD SAs: %v / %v, want the rekeyed ones", da.Deleted(), db.Deleted())
	}
	if err := a.Delete(sa.SPIi, sa.SPIr); err != nil {
		t.Fatal(err)
	}
	gone := func(st []SAStatus) bool { return len(st) == 0 }
	waitSAs(t, a, 5*time.Second, "a deleted", gone)
	waitSAs(t, b, 5*time.Second, "b deleted", gone)
	if n, m := len(da.Installed()), len(db.Installed()); n+m != 0 {
		t.Errorf("%d / %d CHILD SAs left installed", n, m)
	}
}
