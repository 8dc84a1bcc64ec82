package xfrm

import "github.com/flexvpnd/flexvpnd/engine/dataplane"

var _ dataplane.Loopbacks = (*Backend)(nil)

// EnsureLoopback puts the loopback's addresses on the host
// (netdev.Handle.EnsureLoopback).
func (b *Backend) EnsureLoopback(l dataplane.Loopback) error { return b.links.EnsureLoopback(l) }

// DeleteLoopback removes what EnsureLoopback put on the host.
func (b *Backend) DeleteLoopback(name string) error { return b.links.DeleteLoopback(name) }
