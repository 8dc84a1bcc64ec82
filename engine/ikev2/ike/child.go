package ike

import (
	"slices"
	"time"

	"github.com/flexvpnd/flexvpnd/engine/dataplane"
	"github.com/flexvpnd/flexvpnd/engine/ikev2/wire"
)

// child is a CHILD SA installed in the data plane (RFC 7296 section 1.3).
// A hub holds tens of thousands: the fields are ordered so that the small
// ones share the last words.
type child struct {
	id dataplane.ChildSAID
	// local and remote are the negotiated traffic selectors, ours and the
	// peer's, which a rekey proposes again (section 2.8).
	local, remote []wire.Selector
	// rekeyAt and expireAt are the soft and hard expiry of its lifetime
	// (expireAt less the lifetime is when it was installed), rekeyBytes
	// and expireBytes those of its volume lifetime (0: none).
	rekeyAt, expireAt       time.Time
	rekeyBytes, expireBytes uint64
	// rekeying is our rekey of this CHILD SA, queued or outstanding.
	rekeying *childRekey
	// activateAt and successor: see pendingOut.
	activateAt time.Time
	successor  *child
	// alg and encap are its transforms and UDP encapsulation as
	// installed; pfs the D-H group of the exchange that created it, 0
	// without PFS.
	alg   algorithms
	encap dataplane.UDPEncap
	pfs   wire.DHGroup
	// replaced is set once a rekey created its successor: it carries no
	// new traffic and waits for its Delete exchange (section 2.8).
	replaced bool
	// pendingOut is set while the CHILD SA is in the data plane with its
	// outbound direction pending (we answered the peer's rekey), until
	// activateAt or the deletion of the CHILD SA it replaces; successor
	// is the CHILD SA that the peer's rekey of this one created, pending
	// until this one goes (see task_rekey_child.go).
	pendingOut bool
}

// algorithms are a CHILD SA's dataplane.Algorithms in 8 octets instead
// of 24.
type algorithms struct {
	encr, keyBits, integ uint16
	esn                  bool
}

func packAlgorithms(a dataplane.Algorithms) algorithms {
	return algorithms{encr: a.Encr, keyBits: uint16(a.EncrKeyBits), integ: a.Integ, esn: a.ESN}
}

func (a algorithms) unpack() dataplane.Algorithms {
	return dataplane.Algorithms{Encr: a.encr, EncrKeyBits: int(a.keyBits), Integ: a.integ, ESN: a.esn}
}

// ChildInfo is what an SA knows of one of its CHILD SAs: what it handed to
// the data plane, without the keys, and its lifetime.
type ChildInfo struct {
	ID dataplane.ChildSAID
	// Algorithms are its ESP transforms, LocalTS and RemoteTS its
	// traffic selectors and Encap its UDP encapsulation, as installed.
	Algorithms        dataplane.Algorithms
	LocalTS, RemoteTS []dataplane.TrafficSelector
	Encap             dataplane.UDPEncap
	// Installed is when the CHILD SA went to the data plane; RekeyAt and
	// ExpireAt are its soft and hard expiry (RFC 7296 section 2.8).
	Installed, RekeyAt, ExpireAt time.Time
	// LifetimeKB is its volume lifetime, 0 without one.
	LifetimeKB uint64
	// PFSGroup is the D-H group of the exchange that created it, 0
	// without PFS (always 0 for the CHILD SA of IKE_AUTH).
	PFSGroup wire.DHGroup
	// Replaced reports a CHILD SA rekeyed and waiting for its Delete.
	Replaced bool
}

// ChildInfos returns what the SA knows of its CHILD SAs, in the order of
// ChildSAs.
func (sa *SA) ChildInfos() []ChildInfo {
	out := make([]ChildInfo, len(sa.children))
	for i, c := range sa.children {
		out[i] = ChildInfo{ID: c.id, Algorithms: c.alg.unpack(), LocalTS: fromWire(c.local), RemoteTS: fromWire(c.remote), Encap: c.encap,
			Installed: c.expireAt.Add(-sa.cfg.ChildLifetime()), RekeyAt: c.rekeyAt, ExpireAt: c.expireAt,
			LifetimeKB: c.expireBytes / 1024, PFSGroup: c.pfs, Replaced: c.replaced || sa.isDeleting(c)}
	}
	return out
}

// Lifetime returns the soft and hard expiry of the current IKE SA (RFC
// 7296 section 2.8); zero before it is established.
func (sa *SA) Lifetime() (rekeyAt, expireAt time.Time) { return sa.rekeyAt, sa.expireAt }

// childByIn returns the CHILD SA whose inbound SPI is spi, or nil.
func (sa *SA) childByIn(spi uint32) *child {
	i := slices.IndexFunc(sa.children, func(c *child) bool { return c.id.InSPI == spi })
	if i < 0 {
		return nil
	}
	return sa.children[i]
}

// childByOut returns the CHILD SA whose outbound SPI is spi, or nil: the
// peer names a CHILD SA by the SPI it expects in inbound packets (RFC 7296
// sections 1.3.3 and 3.11).
func (sa *SA) childByOut(spi uint32) *child {
	i := slices.IndexFunc(sa.children, func(c *child) bool { return c.id.OutSPI == spi })
	if i < 0 {
		return nil
	}
	return sa.children[i]
}

// addChild records the CHILD SA in, just installed, and starts its
// lifetime. local and remote are its selectors in the wire's form.
func (sa *SA) addChild(in *dataplane.ChildSA, pfs wire.DHGroup, local, remote []wire.Selector) *child {
	now := sa.env.Now()
	c := &child{id: in.ID(), pfs: pfs, local: local, remote: remote, alg: packAlgorithms(in.Algorithms), encap: in.Encap}
	c.rekeyAt, c.expireAt = now.Add(sa.softLifetime(sa.cfg.ChildLifetime())), now.Add(sa.cfg.ChildLifetime())
	sa.startVolumes(c)
	sa.children = append(sa.children, c)
	return c
}

// isDeleting reports whether our Delete request for c is queued or
// outstanding.
func (sa *SA) isDeleting(c *child) bool {
	return sa.ext != nil && slices.Contains(sa.ext.deleting, c.id.InSPI)
}

// queueChildDelete queues the INFORMATIONAL exchange that deletes c (RFC
// 7296 section 1.4.1); c leaves the data plane when the response arrives.
// A rekey of c still queued is dropped.
func (sa *SA) queueChildDelete(c *child) {
	x := sa.extra()
	x.deleting = append(x.deleting, c.id.InSPI)
	sa.dropQueuedRekey(c)
	sa.mgr.queue = append(sa.mgr.queue, &exchange{typ: wire.Informational, tasks: []task{&childDelete{sa: sa, spis: []uint32{c.id.InSPI}}}})
}

// dropQueuedRekey removes our rekey of c from the queue if it has not been
// sent yet, and reports whether it did. An outstanding one stays.
func (sa *SA) dropQueuedRekey(c *child) bool {
	if c.rekeying == nil || sa.isActive(c.rekeying) {
		return false
	}
	sa.dropQueued(c.rekeying)
	c.rekeying = nil
	return true
}

// dropQueued removes the queued exchange of task t.
func (sa *SA) dropQueued(t task) {
	sa.mgr.queue = slices.DeleteFunc(sa.mgr.queue, func(ex *exchange) bool { return slices.Contains(ex.tasks, t) })
}

// isActive reports whether t belongs to the outstanding request.
func (sa *SA) isActive(t task) bool {
	return sa.mgr.active != nil && slices.Contains(sa.mgr.active.tasks, t)
}
