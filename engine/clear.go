package engine

import (
	"net/netip"

	"github.com/flexvpnd/flexvpnd/engine/ikev2/node"
)

// remoteIs returns a matcher of the SAs with the peer at remote, or of
// every SA when remote is not valid.
func remoteIs(remote netip.Addr) func(node.Info) bool {
	return func(i node.Info) bool {
		return !remote.IsValid() || i.Remote.Addr().Unmap() == remote.Unmap()
	}
}

// ClearIKESAs ends the IKE SAs with the peer at remote, or all of them
// when remote is not valid (`clear crypto ikev2 sa [remote ADDR]`, `clear
// crypto session [remote ADDR]`), with their CHILD SAs, and returns how
// many it ended. Established ones are deleted with the peer; static VTIs
// then initiate again, as on IOS.
func (e *Engine) ClearIKESAs(remote netip.Addr) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return 0
	}
	n, err := e.node.DeleteWhere(remoteIs(remote))
	if err != nil {
		e.log.Warn("clear IKE SAs", "err", err)
	}
	for _, t := range e.svti {
		t.failures = 0
	}
	e.log.Info("IKE SAs cleared", "remote", remote, "count", n)
	return n
}

// ClearChildSAs deletes the CHILD SAs of the IKE SAs with the peer at
// remote, or of all of them when remote is not valid (`clear crypto sa
// [peer ADDR]`), keeping the IKE SAs, and returns how many it deleted.
func (e *Engine) ClearChildSAs(remote netip.Addr) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return 0
	}
	n, err := e.node.DeleteChildrenWhere(remoteIs(remote))
	if err != nil {
		e.log.Warn("clear CHILD SAs", "err", err)
	}
	e.log.Info("CHILD SAs cleared", "remote", remote, "count", n)
	return n
}
