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
// its outbound SA waits in memory and is added by ActivateOutbound, at
// which moment, being the newest, it carries the tunnel's traffic, as
// strongSwan's kernel-netlink plugin does for the responder of a rekey.

// ActivateOutbound adds the outbound SA of a CHILD SA installed with
// OutboundPending; the tunnel sends on it from then on. A CHILD SA whose
// outbound SA is active already is left as it is; one that is not
// installed is an error.
func (b *Backend) ActivateOutbound(id dataplane.ChildSAID) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	c, ok := b.sas[id]
	switch {
	case !ok && b.dying[id]:
		return fmt.Errorf("xfrm: activate %v: deleted", id)
	case !ok:
		return fmt.Errorf("xfrm: activate %v: not installed", id)
	case c.sent != 0:
		return nil
	}
	if err := b.addOwnSA(c.out); err != nil {
		return fmt.Errorf("xfrm: activate %v: outbound: %w", id, err)
	}
	b.serial++
	c.sent, c.seenAt = b.serial, b.now()
	return nil
}

// outboundFree checks that no SA in the kernel takes the destination and
// SPI of the pending outbound SA out, as the kernel would check when adding
// it, removing one left by a previous run (see removeLeftover). The SAs of
// b's CHILD SAs, pending or not, are checked by the caller.
func (b *Backend) outboundFree(out *netlink.XfrmState) error {
	_, err := b.nl.XfrmStateGet(&netlink.XfrmState{Dst: out.Dst, Proto: out.Proto, Spi: out.Spi})
	switch {
	case err == nil:
		return b.removeLeftover(out)
	case errors.Is(err, unix.ESRCH):
		return nil
	}
	return fmt.Errorf("SPI %08x: %w", uint32(out.Spi), err)
}

// dropTunnelSAs forgets the CHILD SAs of tunnel ifID, installed or dying,
// whose SAs are all gone.
func (b *Backend) dropTunnelSAs(ifID uint32) {
	for id := range b.sas {
		if id.TunnelID == ifID {
			delete(b.sas, id)
			b.release(id)
		}
	}
	for id := range b.dying {
		if id.TunnelID == ifID {
			delete(b.dying, id)
			b.release(id)
		}
	}
}
