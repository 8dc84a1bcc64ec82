// Package recording is a dataplane.Dataplane that only records what it is
// asked to do, for tests of the IKEv2 engine.
package recording

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"github.com/flexvpnd/flexvpnd/engine/dataplane"
)

// Op is the kind of a recorded call.
type Op string

// The recorded calls.
const (
	// Install is InstallChildSA of an SA that sends at once.
	Install Op = "install"
	// InstallPending is InstallChildSA with OutboundPending.
	InstallPending Op = "install-pending"
	// Activate is ActivateOutbound of a pending SA.
	Activate Op = "activate"
	// Delete is DeleteChildSA.
	Delete Op = "delete"
)

// Call is one successful call, in the order they were made.
type Call struct {
	Op Op
	ID dataplane.ChildSAID
}

// String renders the call as "install tunnel 1 ... in 00000100 out 00000200".
func (c Call) String() string { return string(c.Op) + " " + c.ID.String() }

// Dataplane records installed CHILD SAs and the calls that changed them,
// and tracks which SA of each tunnel sends as the dataplane.Dataplane
// contract says. The zero value is ready to use and it is safe for
// concurrent use.
type Dataplane struct {
	mu        sync.Mutex
	installed []entry
	deleted   []dataplane.ChildSAID
	calls     []Call
	serial    uint64
	resyncs   int
	loopbacks map[string]dataplane.Loopback // loopback.go
}

// entry is an installed SA; active is the order of its outbound
// activation, 0 while pending.
type entry struct {
	sa     dataplane.ChildSA
	active uint64
}

var (
	_ dataplane.Dataplane = (*Dataplane)(nil)
	_ dataplane.Resyncer  = (*Dataplane)(nil)
)

// InstallChildSA records sa; it fails if either SPI is already installed.
func (d *Dataplane) InstallChildSA(sa dataplane.ChildSA) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, e := range d.installed {
		if e.sa.In.SPI == sa.In.SPI || e.sa.Out.SPI == sa.Out.SPI {
			return fmt.Errorf("install %v: SPI already installed by %v", sa.ID(), e.sa.ID())
		}
	}
	e := entry{sa: sa}
	op := InstallPending
	if !sa.OutboundPending {
		op = Install
		d.serial++
		e.active = d.serial
	}
	d.installed = append(d.installed, e)
	d.calls = append(d.calls, Call{op, sa.ID()})
	return nil
}

// ActivateOutbound marks the pending SA id as sending; it does nothing for
// an SA already active and fails for an unknown one.
func (d *Dataplane) ActivateOutbound(id dataplane.ChildSAID) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	i := d.find(id)
	if i < 0 {
		return fmt.Errorf("activate %v: not installed", id)
	}
	if e := &d.installed[i]; e.active == 0 {
		d.serial++
		e.active = d.serial
		e.sa.OutboundPending = false
		d.calls = append(d.calls, Call{Activate, id})
	}
	return nil
}

// DeleteChildSA removes the CHILD SA with the given ID from the installed
// ones and records the deletion.
func (d *Dataplane) DeleteChildSA(id dataplane.ChildSAID) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	i := d.find(id)
	if i < 0 {
		return fmt.Errorf("delete %v: not installed", id)
	}
	d.installed = slices.Delete(d.installed, i, i+1)
	d.deleted = append(d.deleted, id)
	d.calls = append(d.calls, Call{Delete, id})
	return nil
}

// find returns the index of the installed SA id, or -1.
func (d *Dataplane) find(id dataplane.ChildSAID) int {
	return slices.IndexFunc(d.installed, func(e entry) bool { return e.sa.ID() == id })
}

// Installed returns a copy of the CHILD SAs currently installed, in order;
// OutboundPending is set on those not activated yet.
func (d *Dataplane) Installed() []dataplane.ChildSA {
	d.mu.Lock()
	defer d.mu.Unlock()
	out := make([]dataplane.ChildSA, len(d.installed))
	for i, e := range d.installed {
		out[i] = e.sa
	}
	return out
}

// Sending returns the CHILD SA that carries the outbound traffic of the
// tunnel: the installed one activated last; false if there is none.
func (d *Dataplane) Sending(tunnelID uint32) (dataplane.ChildSAID, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	var best *entry
	for i := range d.installed {
		e := &d.installed[i]
		if e.sa.TunnelID == tunnelID && e.active != 0 && (best == nil || e.active > best.active) {
			best = e
		}
	}
	if best == nil {
		return dataplane.ChildSAID{}, false
	}
	return best.sa.ID(), true
}

// Deleted returns the IDs of the CHILD SAs deleted so far, in order.
func (d *Dataplane) Deleted() []dataplane.ChildSAID {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]dataplane.ChildSAID(nil), d.deleted...)
}

// Calls returns the successful calls so far, in order.
func (d *Dataplane) Calls() []Call {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]Call(nil), d.calls...)
}

// Resync counts the call; the fake has no state that others could change,
// so it repairs nothing. It fails with ctx's error when ctx has ended.
func (d *Dataplane) Resync(ctx context.Context) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.resyncs++
	return 0, nil
}

// Resyncs returns how many times Resync was called successfully.
func (d *Dataplane) Resyncs() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.resyncs
}
