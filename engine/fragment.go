package engine

import (
	"net/netip"

	"github.com/flexvpnd/flexvpnd/engine/ikev2/ike"
	"github.com/flexvpnd/flexvpnd/engine/spec"
)

// fragmentation returns the IKE fragmentation (RFC 7383) of the global
// `crypto ikev2 fragmentation [mtu N]`: spec.Global.FragmentMTU, 0 when
// it is not configured.
func fragmentation(g spec.Global) ike.Fragmentation {
	return ike.Fragmentation{Enabled: g.FragmentMTU > 0, MTU: g.FragmentMTU}
}

// responderFragmentation is the node's Responder.Fragmentation: what an
// IKE_SA_INIT response offers, from the spec in force.
func (e *Engine) responderFragmentation(_, _ netip.AddrPort) ike.Fragmentation {
	return fragmentation(e.spec.Load().Global)
}
