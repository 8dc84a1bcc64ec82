// Package recording is a dataplane.Dataplane that only records what it is
// asked to do, for tests of the IKEv2 engine.
package recording

import (
	"fmt"
	"sync"

	"github.com/flexvpnd/flexvpnd/engine/dataplane"
)

// Dataplane records installed CHILD SAs. The zero value is ready to use and
// it is safe for concurrent use.
type Dataplane struct {
	mu        sync.Mutex
	installed []dataplane.ChildSA
	deleted   []dataplane.ChildSAID
}

var _ dataplane.Dataplane = (*Dataplane)(nil)

// InstallChildSA records sa; it fails if either SPI is already installed.
func (d *Dataplane) InstallChildSA(sa dataplane.ChildSA) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, s := range d.installed {
		if s.In.SPI == sa.In.SPI || s.Out.SPI == sa.Out.SPI {
			return fmt.Errorf("install %v: SPI already installed by %v", sa.ID(), s.ID())
		}
	}
	d.installed = append(d.installed, sa)
	return nil
}

// DeleteChildSA removes the CHILD SA with the given ID from the installed
// ones and records the deletion.
func (d *Dataplane) DeleteChildSA(id dataplane.ChildSAID) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	for i := range d.installed {
		if d.installed[i].ID() == id {
			d.installed = append(d.installed[:i], d.installed[i+1:]...)
			d.deleted = append(d.deleted, id)
			return nil
		}
	}
	return fmt.Errorf("delete %v: not installed", id)
}

// Installed returns a copy of the CHILD SAs currently installed, in order.
func (d *Dataplane) Installed() []dataplane.ChildSA {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]dataplane.ChildSA(nil), d.installed...)
}

// Deleted returns the IDs of the CHILD SAs deleted so far, in order.
func (d *Dataplane) Deleted() []dataplane.ChildSAID {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]dataplane.ChildSAID(nil), d.deleted...)
}
