package engine

import (
	"testing"

	"github.com/flexvpnd/flexvpnd/engine/ikev2/ike"
)

// TestFragmentation brings up a site-to-site sVTI between two engines
// with `crypto ikev2 fragmentation mtu 200` on both sides, small enough
// that IKE_AUTH goes in fragments: fragmentation is negotiated (RFC 7383)
// and the tunnel comes up; each side recognises the other's FlexVPN
// vendor IDs.
func TestFragmentation(t *testing.T) {
	ikePort, natPort := freePorts(t)
	a, _ := startEngine(t, "127.0.0.1", ikePort, natPort)
	b, _ := startEngine(t, "127.0.0.2", ikePort, natPort)
	sa, sb := siteSpec("127.0.0.1", "127.0.0.2", "10.0.0.1/30", "secret"), siteSpec("127.0.0.2", "127.0.0.1", "10.0.0.2/30", "secret")
	sa.Global.FragmentMTU, sb.Global.FragmentMTU = 200, 200
	a.Apply(sa)
	b.Apply(sb)
	waitSnap(t, a, "a: Tunnel0 up", oneReady("Tunnel0"))
	waitSnap(t, b, "b: Tunnel0 up", oneReady("Tunnel0"))
	for name, e := range map[string]*Engine{"a": a, "b": b} {
		st, err := e.node.Status()
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range st {
			if s.State == ike.StateEstablished && (!s.Fragmentation || !s.Cisco) {
				t.Errorf("%s: established SA with fragmentation %v, Cisco vendor IDs %v", name, s.Fragmentation, s.Cisco)
			}
		}
	}
}
