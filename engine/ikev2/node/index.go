package node

import "github.com/flexvpnd/flexvpnd/engine/ikev2/ike"

// reindex brings the routing tables up to date for e after its SA's SPIs
// or role changed. An IKE SA rekey (RFC 7296 section 2.18) moves the SA to
// new SPIs, with the rekey's initiator as the new IKE SA's initiator, and
// keeps the replaced IKE SA reachable until its Delete exchange completes;
// a simultaneous rekey (section 2.8.1) adds a redundant IKE SA for a
// while. Each IKE SA the SA runs is routed by the SPI of our role in it:
// the initiator SPI if we initiated it, the responder SPI otherwise
// (receive picks the table by the I flag). IKE SAs that ended are
// forgotten, and so is the whole SA once it ended (see prune).
func (n *Node) reindex(e *entry) {
	for _, s := range e.sa.RetiredSPIs() {
		if n.byInitSPI[s.SPIi] == e {
			delete(n.byInitSPI, s.SPIi)
		}
		if n.byRespSPI[s.SPIr] == e {
			delete(n.byRespSPI, s.SPIr)
		}
	}
	if st := e.sa.State(); st == ike.StateFailed || st == ike.StateDeleted {
		return // prune unroutes it
	}
	live := e.sa.LiveSPIs()
	e.initiator = live[0].Initiator
	for _, s := range live {
		switch {
		case s.Initiator && s.SPIi != 0:
			n.byInitSPI[s.SPIi] = e
		case !s.Initiator && s.SPIr != 0:
			n.byRespSPI[s.SPIr] = e
		}
	}
}
