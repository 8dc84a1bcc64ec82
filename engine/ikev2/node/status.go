package node

import (
	"net/netip"
	"sync"

	"github.com/flexvpnd/flexvpnd/engine/dataplane"
	"github.com/flexvpnd/flexvpnd/engine/ikev2/ike"
)

// SAStatus is a snapshot of one IKE SA.
type SAStatus struct {
	Peer          string
	Initiator     bool
	State         ike.State
	Err, ChildErr error
	SPIi, SPIr    uint64
	// Local and Remote are the current IKE endpoints: the NAT-T ports
	// once the SA floated (RFC 7296 section 2.23).
	Local, Remote netip.AddrPort
	// NATLocal and NATRemote report a NAT detected in front of us or of
	// the peer.
	NATLocal, NATRemote bool
	PeerID              ike.Identity
	Children            []ChildStatus
}

// ChildStatus is a snapshot of one installed CHILD SA, without its keys.
type ChildStatus struct {
	ID                dataplane.ChildSAID
	Algorithms        dataplane.Algorithms
	LocalTS, RemoteTS []dataplane.TrafficSelector
	Encap             dataplane.UDPEncap
}

// Status returns a snapshot of every IKE SA, in order of creation. The
// negotiated IKE algorithms are not included: package ike does not report
// them yet.
func (n *Node) Status() ([]SAStatus, error) {
	var out []SAStatus
	err := n.run(func() {
		for _, e := range n.sas {
			spiI, spiR := e.sa.SPIs()
			local, remote := e.sa.Endpoints()
			natLocal, natRemote := e.sa.NAT()
			s := SAStatus{
				Peer: e.peer, Initiator: e.initiator, State: e.sa.State(),
				Err: e.sa.Err(), ChildErr: e.sa.ChildErr(), SPIi: spiI, SPIr: spiR,
				Local: local, Remote: remote, NATLocal: natLocal, NATRemote: natRemote,
				PeerID: e.sa.PeerID(),
			}
			for _, id := range e.sa.ChildSAs() {
				s.Children = append(s.Children, n.dp.status(id))
			}
			out = append(out, s)
		}
	})
	return out, err
}

// childLog passes CHILD SAs on to the data plane and remembers what Status
// reports about them.
type childLog struct {
	dataplane.Dataplane
	mu  sync.Mutex
	sas map[dataplane.ChildSAID]dataplane.ChildSA
}

// InstallChildSA installs sa in the data plane and remembers it.
func (c *childLog) InstallChildSA(sa dataplane.ChildSA) error {
	if err := c.Dataplane.InstallChildSA(sa); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sas[sa.ID()] = sa
	return nil
}

// DeleteChildSA deletes the CHILD SA from the data plane and forgets it.
func (c *childLog) DeleteChildSA(id dataplane.ChildSAID) error {
	c.mu.Lock()
	delete(c.sas, id)
	c.mu.Unlock()
	return c.Dataplane.DeleteChildSA(id)
}

func (c *childLog) status(id dataplane.ChildSAID) ChildStatus {
	c.mu.Lock()
	defer c.mu.Unlock()
	sa := c.sas[id]
	return ChildStatus{ID: id, Algorithms: sa.Algorithms, LocalTS: sa.LocalTS, RemoteTS: sa.RemoteTS, Encap: sa.Encap}
}
