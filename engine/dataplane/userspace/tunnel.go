package userspace

import (
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/flexvpnd/flexvpnd/engine/dataplane"
	"github.com/flexvpnd/flexvpnd/engine/dataplane/netdev"
	"golang.zx2c4.com/wireguard/tun"
)

// tunnel is one tunnel interface: its TUN device, the SA that sends its
// traffic and the goroutines that serve it.
type tunnel struct {
	id      uint32
	ifName  string // Linux name; a new name makes a new tunnel
	dev     tun.Device
	out     atomic.Pointer[childSA] // nil while the tunnel has no SA
	mtu     atomic.Int64
	closing atomic.Bool
	wg      sync.WaitGroup
}

// close closes the TUN device, which removes the interface with its
// addresses and routes, and waits for the tunnel's goroutines.
func (t *tunnel) close() error {
	t.closing.Store(true)
	err := t.dev.Close()
	t.wg.Wait()
	if err != nil {
		return fmt.Errorf("userspace: close %s: %w", t.ifName, err)
	}
	return nil
}

// EnsureTunnel creates the TUN device of t (named t.IfName) if it does not
// exist yet, and brings it to t's addresses, MTU, state, VRF and routes;
// see dataplane.Tunnels. A tunnel whose IfName changed is recreated. The
// installed SAs of the tunnel start carrying its traffic.
func (b *Backend) EnsureTunnel(t dataplane.Tunnel) error {
	if err := checkTunnel(&t); err != nil {
		return err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return errClosed
	}
	cur := b.tunnels[t.ID]
	if cur != nil && cur.ifName != t.IfName {
		if err := b.deleteTunnelLocked(cur); err != nil {
			return err
		}
		cur = nil
	}
	if cur == nil {
		if err := b.createTunnel(&t); err != nil {
			return err
		}
	} else {
		cur.mtu.Store(int64(t.MTU))
	}
	if err := b.nd.Ensure(linkOf(&t)); err != nil {
		return fmt.Errorf("userspace: tunnel %s: %w", t.Name, err)
	}
	return nil
}

// DeleteTunnel removes the TUN device of tunnel id; its SAs stay installed
// but drop their traffic until the tunnel is ensured again.
func (b *Backend) DeleteTunnel(id uint32) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	t := b.tunnels[id]
	if t == nil {
		return nil
	}
	return b.deleteTunnelLocked(t)
}

// checkTunnel validates t and fills in the default MTU.
func checkTunnel(t *dataplane.Tunnel) error {
	switch {
	case t.ID == 0:
		return fmt.Errorf("userspace: tunnel %s: ID 0", t.Name)
	case t.IfName == "" || len(t.IfName) > 15:
		return fmt.Errorf("userspace: tunnel %s: Linux name %q is not 1 to 15 octets", t.Name, t.IfName)
	case t.MTU < 0 || t.MTU > MaxMTU:
		return fmt.Errorf("userspace: tunnel %s: MTU %d outside 1..%d", t.Name, t.MTU, MaxMTU)
	case t.MTU == 0:
		t.MTU = DefaultMTU
	}
	return nil
}

// linkOf is the netdev state of tunnel t.
func linkOf(t *dataplane.Tunnel) netdev.Link {
	return netdev.Link{Name: t.IfName, Addrs: t.Addrs, MTU: t.MTU, Up: t.Up, VRF: t.VRF, Routes: t.Routes}
}

// createTunnel opens the TUN device of t in the backend's namespace, starts
// its goroutines and attaches the SAs installed for it. b.mu is held.
func (b *Backend) createTunnel(t *dataplane.Tunnel) error {
	dev, err := b.openTUN(t.IfName, t.MTU)
	if err != nil {
		return fmt.Errorf("userspace: tunnel %s: create TUN %s: %w", t.Name, t.IfName, err)
	}
	tn := &tunnel{id: t.ID, ifName: t.IfName, dev: dev}
	tn.mtu.Store(int64(t.MTU))
	for _, s := range b.sas.ofTunnel(t.ID) {
		s.tun.Store(tn)
	}
	tn.out.Store(b.sas.newest(t.ID))
	b.tunnels[t.ID] = tn
	tn.wg.Add(2)
	go func() {
		defer tn.wg.Done()
		for range dev.Events() { // the device blocks until its events are read
		}
	}()
	go b.transmit(tn)
	return nil
}

// createTUN opens a TUN device in the backend's namespace (IFF_TUN,
// IFF_NO_PI and IFF_VNET_HDR, so that reads and writes come in batches of
// segmentation offload).
func (b *Backend) createTUN(name string, mtu int) (dev tun.Device, err error) {
	err = inNetns(b.cfg.NetNS, func() (err error) {
		dev, err = tun.CreateTUN(name, mtu)
		return err
	})
	return dev, err
}

// deleteTunnelLocked detaches t from its SAs and closes it. b.mu is held.
func (b *Backend) deleteTunnelLocked(t *tunnel) error {
	delete(b.tunnels, t.id)
	for _, s := range b.sas.ofTunnel(t.id) {
		s.tun.CompareAndSwap(t, nil)
	}
	return t.close()
}
