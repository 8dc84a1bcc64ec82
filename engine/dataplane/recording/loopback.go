package recording

import (
	"maps"
	"slices"

	"github.com/flexvpnd/flexvpnd/engine/dataplane"
)

var _ dataplane.Loopbacks = (*Dataplane)(nil)

// EnsureLoopback records l, replacing the loopback of the same name.
func (d *Dataplane) EnsureLoopback(l dataplane.Loopback) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.loopbacks == nil {
		d.loopbacks = map[string]dataplane.Loopback{}
	}
	l.Addrs = slices.Clone(l.Addrs)
	d.loopbacks[l.Name] = l
	return nil
}

// DeleteLoopback forgets the loopback name.
func (d *Dataplane) DeleteLoopback(name string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	delete(d.loopbacks, name)
	return nil
}

// Loopbacks returns the loopbacks ensured and not deleted, by name.
func (d *Dataplane) Loopbacks() []dataplane.Loopback {
	d.mu.Lock()
	defer d.mu.Unlock()
	names := slices.Sorted(maps.Keys(d.loopbacks))
	out := make([]dataplane.Loopback, 0, len(names))
	for _, n := range names {
		out = append(out, d.loopbacks[n])
	}
	return out
}
