package ike

import (
	"slices"
	"time"

	"github.com/flexvpnd/flexvpnd/engine/dataplane"
	"github.com/flexvpnd/flexvpnd/engine/ikev2/wire"
)

// child is a CHILD SA installed in the data plane (RFC 7296 section 1.3).
type child struct {
	id dataplane.ChildSAID
	// installed is when it went to the data plane; pfs the D-H group of
	// the exchange that created it, 0 without PFS.
	installed time.Time
	pfs       wire.DHGroup
	// local and remote are the negotiated traffic selectors, ours and the
	// peer's, which a rekey proposes again (section 2.8).
	local, remote []wire.Selector
	// rekeyAt and expireAt are the soft and hard expiry of its lifetime,
	// rekeyBytes and expireBytes those of its volume lifetime (0: none).
	rekeyAt, expireAt       time.Time
	rekeyBytes, expireBytes uint64
	// rekeying is our rekey of this CHILD SA, queued or outstanding.
	rekeying *childRekey
	// replaced is set once a rekey created its successor: it carries no
	// new traffic and waits for its Delete exchange (section 2.8).
	replaced bool
	// pendingOut is set while the CHILD SA is in the data plane with its
	// outbound direction pending (we answered the peer's rekey), until
	// activateAt or the deletion of the CHILD SA it replaces; successor
	// is the CHILD SA that the peer's rekey of this one created, pending
	// until this one goes (see task_rekey_child.go).
	pendingOut bool
	activateAt time.Time
	successor  *child
}

// ChildInfo is what an SA knows of one of its CHILD SAs besides what it
// handed to the data plane.
type ChildInfo struct {
	ID dataplane.ChildSAID
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
		out[i] = ChildInfo{ID: c.id, Installed: c.installed, RekeyAt: c.rekeyAt, ExpireAt: c.expireAt,
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

// addChild records a CHILD SA just installed and starts its lifetime.
func (sa *SA) addChild(id dataplane.ChildSAID, pfs wire.DHGroup, local, remote []wire.Selector) *child {
	now := sa.env.Now()
	c := &child{id: id, installed: now, pfs: pfs, local: local, remote: remote}
	c.rekeyAt, c.expireAt = now.Add(sa.softLifetime(sa.cfg.ChildLifetime())), now.Add(sa.cfg.ChildLifetime())
	sa.startVolumes(c)
	sa.children = append(sa.children, c)
	return c
}

// isDeleting reports whether our Delete request for c is queued or
// outstanding.
func (sa *SA) isDeleting(c *child) bool { return slices.Contains(sa.deleting, c.id.InSPI) }

// queueChildDelete queues the INFORMATIONAL exchange that deletes c (RFC
// 7296 section 1.4.1); c leaves the data plane when the response arrives.
// A rekey of c still queued is dropped.
func (sa *SA) queueChildDelete(c *child) {
	sa.deleting = append(sa.deleting, c.id.InSPI)
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
