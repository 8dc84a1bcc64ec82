package node

import (
	"net/netip"
	"slices"
	"time"

	"github.com/flexvpnd/flexvpnd/engine/dataplane"
	"github.com/flexvpnd/flexvpnd/engine/ikev2/cp"
	"github.com/flexvpnd/flexvpnd/engine/ikev2/ike"
)

// EventKind says what happened to an SA.
type EventKind uint8

// Event kinds.
const (
	// EventEstablished: IKE_AUTH completed (RFC 7296 section 1.2).
	EventEstablished EventKind = iota + 1
	// EventFailed: the negotiation failed, or the peer stopped answering
	// (section 2.4); Event.Err says why.
	EventFailed
	// EventDeleted: the SA is gone (deleted by either side, dropped, or
	// expired after failing); it leaves Status.
	EventDeleted
	// EventConfig: an established SA's PeerAttributes changed (a CFG_SET
	// accepted from the peer, RFC 7296 section 3.15).
	EventConfig
)

// String returns the kind's name.
func (k EventKind) String() string {
	switch k {
	case EventEstablished:
		return "established"
	case EventFailed:
		return "failed"
	case EventDeleted:
		return "deleted"
	case EventConfig:
		return "config"
	}
	return "unknown"
}

// Event reports a change in the life of an SA to Config.OnEvent.
type Event struct {
	Kind EventKind
	Info
	// Err is why the SA failed, for EventFailed.
	Err error
}

// Info names an SA: what events report and DeleteWhere matches on.
type Info struct {
	ID ID
	// Peer is the Peer name or the tag given by InitiateSA or
	// Responder.Resolve ("" for a responder not yet resolved).
	Peer      string
	Initiator bool
	State     ike.State
	// SPIi and SPIr are the IKE SPIs (RFC 7296 section 3.1).
	SPIi, SPIr uint64
	// Local and Remote are the current IKE endpoints.
	Local, Remote netip.AddrPort
	// PeerID is the peer's authenticated identity, zero before.
	PeerID ike.Identity
	// InitialContact reports that the peer, as initiator, sent
	// INITIAL_CONTACT (RFC 7296 section 2.4).
	InitialContact bool
	// PeerVendorIDs are the vendor IDs the peer sent and Cisco whether one
	// was Cisco's (ike.SA.PeerVendorIDs, IsCisco); Fragmentation whether
	// IKE fragmentation was negotiated (RFC 7383).
	PeerVendorIDs        []string
	Cisco, Fragmentation bool
	// PeerAttributes are the configuration attributes the peer sent in
	// IKE_AUTH (ike.SA.PeerAttributes), nil if none.
	PeerAttributes *cp.Attributes
	// SentAttributes are those this side sent (ike.SA.SentAttributes).
	SentAttributes *cp.Attributes
}

func (n *Node) info(e *entry) Info {
	local, remote := e.sa.Endpoints()
	spiI, spiR := e.sa.SPIs()
	return Info{
		ID: e.id, Peer: e.peer, Initiator: e.initiator, State: e.sa.State(), SPIi: spiI, SPIr: spiR,
		Local: local, Remote: remote, PeerID: e.sa.PeerID(), InitialContact: e.sa.InitialContact(),
		PeerVendorIDs: e.sa.PeerVendorIDs(), Cisco: e.sa.IsCisco(), Fragmentation: e.sa.Fragmentation(),
		PeerAttributes: e.sa.PeerAttributes(), SentAttributes: e.sa.SentAttributes(),
	}
}

// event reports k about e to OnEvent.
func (n *Node) event(e *entry, k EventKind) {
	if n.onEvent == nil {
		return
	}
	ev := Event{Kind: k, Info: n.info(e)}
	if k == EventFailed {
		ev.Err = e.sa.Err()
	}
	n.onEvent(ev)
}

// SAStatus is a snapshot of one IKE SA.
type SAStatus struct {
	ID            ID
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
	LocalID, PeerID     ike.Identity
	// Transforms are the negotiated IKE transforms.
	Transforms ike.Transforms
	// LocalMsgID and RemoteMsgID are the next Message IDs of our
	// requests and of the peer's (RFC 7296 section 2.2).
	LocalMsgID, RemoteMsgID uint32
	// Established is when IKE_AUTH completed; zero before.
	Established time.Time
	Children    []ChildStatus
	// PeerVendorIDs, Cisco and Fragmentation are as in Info.
	PeerVendorIDs        []string
	Cisco, Fragmentation bool
}

// ChildStatus is a snapshot of one installed CHILD SA, without its keys.
type ChildStatus struct {
	ID                dataplane.ChildSAID
	Algorithms        dataplane.Algorithms
	LocalTS, RemoteTS []dataplane.TrafficSelector
	Encap             dataplane.UDPEncap
	// Installed is when the CHILD SA went to the data plane.
	Installed time.Time
}

// Status returns a snapshot of every IKE SA, in order of creation.
func (n *Node) Status() ([]SAStatus, error) {
	var out []SAStatus
	err := n.EachStatus(netip.Addr{}, func(st *SAStatus, count int) {
		if out == nil {
			out = make([]SAStatus, 0, count)
		}
		out = append(out, *st)
	})
	return out, err
}

// EachStatus calls fn with a snapshot of each IKE SA whose remote address
// is remote (of every SA for the zero Addr), in order of creation, and
// with how many SAs it visits in all. fn runs on the node's goroutine:
// it must not call the node, and it may keep the snapshot's slices but
// not st. A hub holding tens of thousands of sessions answers `show
// crypto ikev2 sa` from it without a copy of them all, and `show ...
// remote ADDR` without snapshots of the others.
func (n *Node) EachStatus(remote netip.Addr, fn func(st *SAStatus, count int)) error {
	remote = remote.Unmap()
	return n.run(func() {
		// Sorting the entries, not their snapshots of a few hundred
		// bytes each, keeps this cheap with 50,000 SAs.
		var es []*entry
		if !remote.IsValid() {
			es = make([]*entry, 0, len(n.sas))
		}
		for _, e := range n.sas {
			if _, r := e.sa.Endpoints(); !remote.IsValid() || r.Addr().Unmap() == remote {
				es = append(es, e)
			}
		}
		slices.SortFunc(es, func(a, b *entry) int { return compareID(a.id, b.id) })
		var st SAStatus // one for all: fn may not keep it
		for _, e := range es {
			st = n.status(e)
			fn(&st, len(es))
		}
	})
}

func compareID(a, b ID) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func (n *Node) status(e *entry) SAStatus {
	sa := e.sa
	spiI, spiR := sa.SPIs()
	local, remote := sa.Endpoints()
	natLocal, natRemote := sa.NAT()
	lm, rm := sa.MessageIDs()
	s := SAStatus{
		ID: e.id, Peer: e.peer, Initiator: e.initiator, State: sa.State(),
		Err: sa.Err(), ChildErr: sa.ChildErr(), SPIi: spiI, SPIr: spiR,
		Local: local, Remote: remote, NATLocal: natLocal, NATRemote: natRemote,
		LocalID: sa.Config().LocalID, PeerID: sa.PeerID(), Transforms: sa.Transforms(),
		LocalMsgID: lm, RemoteMsgID: rm, Established: e.established,
		PeerVendorIDs: sa.PeerVendorIDs(), Cisco: sa.IsCisco(), Fragmentation: sa.Fragmentation(),
	}
	for _, c := range sa.ChildInfos() {
		s.Children = append(s.Children, ChildStatus{ID: c.ID, Algorithms: c.Algorithms, LocalTS: c.LocalTS, RemoteTS: c.RemoteTS, Encap: c.Encap, Installed: c.Installed})
	}
	return s
}

// statsDP is the data plane as the SAs see it: it always has counters,
// which DPD and volume lifetimes in package ike read, though a data plane
// without them reports none. The SAs keep what Status reports of their
// CHILD SAs, keys excepted (ike.ChildInfo).
type statsDP struct {
	dataplane.Dataplane
}

// ChildSAStats passes on the data plane's counters; false when it has none.
func (c *statsDP) ChildSAStats(id dataplane.ChildSAID) (dataplane.Counters, bool) {
	if st, ok := c.Dataplane.(dataplane.Stats); ok {
		return st.ChildSAStats(id)
	}
	return dataplane.Counters{}, false
}
