package userspace

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/flexvpnd/flexvpnd/engine/dataplane"
)

var _ dataplane.Resyncer = (*Backend)(nil)

// Resync brings the addresses, MTU, state, VRF and routes of every
// tunnel's TUN device back to what EnsureTunnel last applied (see
// netdev.Handle.Resync), logging each repair at Warn, and returns how many
// it made. A TUN device deleted behind the backend's back is reported, not
// re-created: EnsureTunnel of a new name does that.
func (b *Backend) Resync(ctx context.Context) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return 0, errClosed
	}
	ids := make([]uint32, 0, len(b.tunnels))
	for id := range b.tunnels {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	n := 0
	var errs []error
	for _, id := range ids {
		if err := ctx.Err(); err != nil {
			return n, fmt.Errorf("userspace: resync: %w", err)
		}
		name := b.tunnels[id].ifName
		changes, err := b.nd.Resync(name)
		for _, c := range changes {
			b.log.Warn("userspace: repaired state changed behind its back", "what", name, "change", c)
		}
		n += len(changes)
		if err != nil {
			errs = append(errs, fmt.Errorf("userspace: resync tunnel %d: %w", id, err))
		}
	}
	return n, errors.Join(errs...)
}
