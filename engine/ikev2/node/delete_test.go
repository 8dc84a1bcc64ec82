package node

import (
	"testing"
	"time"

	"github.com/flexvpnd/flexvpnd/engine/ikev2/ike"
)

// TestLoopbackDelete deletes the CHILD SA or the IKE SA from either node
// (RFC 7296 section 1.4.1): both nodes empty their data planes, and their
// Status shows the IKE SA without CHILD SAs, or no IKE SA.
func TestLoopbackDelete(t *testing.T) {
	for _, tc := range []struct {
		name  string
		child bool
		byB   bool // the responder deletes
	}{
		{"child by initiator", true, false},
		{"child by responder", true, true},
		{"IKE by initiator", false, false},
		{"IKE by responder", false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, b, da, db := loopbackPair(t, suiteGCM, "secret", "secret")
			if err := a.Initiate("p"); err != nil {
				t.Fatal(err)
			}
			waitSAs(t, a, 5*time.Second, "initiator settled", settled)
			waitSAs(t, b, 5*time.Second, "responder settled", settled)
			from := a
			if tc.byB {
				from = b
			}
			st, err := from.Status()
			if err != nil {
				t.Fatal(err)
			}
			s := st[0]
			if s.State != ike.StateEstablished || len(s.Children) != 1 {
				t.Fatalf("%v with %d CHILD SAs before the delete", s.State, len(s.Children))
			}
			start := time.Now()
			if tc.child {
				err = from.DeleteChild(s.SPIi, s.SPIr, s.Children[0].ID.InSPI)
			} else {
				err = from.Delete(s.SPIi, s.SPIr)
			}
			if err != nil {
				t.Fatal(err)
			}
			done := func(st []SAStatus) bool { return len(st) == 0 }
			if tc.child {
				done = func(st []SAStatus) bool {
					return len(st) == 1 && st[0].State == ike.StateEstablished && len(st[0].Children) == 0
				}
			}
			waitSAs(t, a, 5*time.Second, "initiator deleted", done)
			waitSAs(t, b, 5*time.Second, "responder deleted", done)
			t.Logf("deleted in %v", time.Since(start))
			if n, m := len(da.Installed()), len(db.Installed()); n != 0 || m != 0 {
				t.Errorf("data planes hold %d and %d CHILD SAs, want none", n, m)
			}
			if err := from.Delete(s.SPIi^1, s.SPIr); err == nil {
				t.Error("delete of an unknown IKE SA accepted")
			}
		})
	}
}
