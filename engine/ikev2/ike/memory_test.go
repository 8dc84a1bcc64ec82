package ike

import "testing"

// TestIdleStateDropped checks that established SAs keep no negotiation
// state and no extra state, after IKE_AUTH and again once an IKE SA
// rekey and a CHILD SA rekey are over: a hub holds tens of thousands of
// idle SAs. The installation time of a CHILD SA, which it does not keep,
// is still reported.
func TestIdleStateDropped(t *testing.T) {
	ci, cr := configs(suites[0])
	p := newPair(t, ci, cr, 41)
	p.run()
	checkEstablished(t, p)
	check := func(when string) {
		t.Helper()
		for _, sa := range []*SA{p.i, p.r} {
			sa.RetiredSPIs() // as the node does after each call
			if sa.hs != nil || sa.ext != nil || sa.rekeying != nil {
				t.Errorf("%s: handshake %v, extra %+v, rekeying %v; want none", when, sa.hs != nil, sa.ext, sa.rekeying != nil)
			}
		}
	}
	check("established")
	for _, sa := range []*SA{p.i, p.r} {
		if got := sa.ChildInfos()[0].Installed; !got.Equal(p.now) {
			t.Errorf("CHILD SA installed at %v, want %v", got, p.now)
		}
	}
	p.deliver(rekeyIKE(p.r))
	p.deliver(rekeyChild(p.i))
	check("after the rekeys")
}
