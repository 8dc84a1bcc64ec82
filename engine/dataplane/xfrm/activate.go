package xfrm

import (
	"errors"
	"fmt"

	"github.com/flexvpnd/flexvpnd/engine/dataplane"
	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// The kernel has no way to keep an installed outbound SA out of use: the
// policy template matches every valid SA of the tunnel and xfrm_state_find
// takes the newest (see the package documentation). A CHILD SA installed
// with OutboundPending therefore has only its inbound SA in the kernel;
// its outbound SA waits in Backend.pending and is added by
// ActivateOutbound, at which moment, being the newest, it carries the
// tunnel's traffic, as strongSwan's kernel-netlink plugin does for the
// responder of a rekey.

// ActivateOutbound adds the outbound SA of a CHILD SA installed with
// OutboundPending; the tunnel sends on it from then on. A CHILD SA whose
// outbound SA is in the kernel already is left as it is; one of which the
// backend knows nothing is an error.
func (b *Backend) ActivateOutbound(id dataplane.ChildSAID) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	out, ok := b.pending[id]
	if !ok {
		if b.dying[id] {
			return fmt.Errorf("xfrm: activate %v: deleted", id)
		}
		cur, err := b.nl.XfrmStateGet(saID(id.Local, id.Remote, id.OutSPI, id.TunnelID))
		if err != nil || uint32(cur.Ifid) != id.TunnelID {
			return fmt.Errorf("xfrm: activate %v: not installed", id)
		}
		return nil
	}
	if err := b.addSA(out); err != nil {
		return fmt.Errorf("xfrm: activate %v: outbound: %w", id, err)
	}
	delete(b.pending, id)
	return nil
}

// outboundFree checks that the destination and SPI of the outbound SA out
// are taken neither by an SA in the kernel nor by a pending one, as the
// kernel would check when adding it.
func (b *Backend) outboundFree(out *netlink.XfrmState) error {
	for id, p := range b.pending {
		if p.Spi == out.Spi && p.Dst.Equal(out.Dst) {
			return fmt.Errorf("SPI %08x pending for %v: %w", uint32(out.Spi), id, unix.EEXIST)
		}
	}
	_, err := b.nl.XfrmStateGet(&netlink.XfrmState{Dst: out.Dst, Proto: out.Proto, Spi: out.Spi})
	switch {
	case err == nil:
		return fmt.Errorf("SPI %08x: %w", uint32(out.Spi), unix.EEXIST)
	case errors.Is(err, unix.ESRCH):
		return nil
	}
	return fmt.Errorf("SPI %08x: %w", uint32(out.Spi), err)
}

// dropPending forgets the pending outbound SAs and the dying inbound SAs
// of tunnel ifID, whose SAs are all gone.
func (b *Backend) dropPending(ifID uint32) {
	for id := range b.pending {
		if id.TunnelID == ifID {
			delete(b.pending, id)
		}
	}
	for id := range b.dying {
		if id.TunnelID == ifID {
			delete(b.dying, id)
		}
	}
}
