package userspace

import "github.com/flexvpnd/flexvpnd/engine/netns"

// inNetns runs fn with the calling thread inside the network namespace
// bound at path, or directly when path is empty. File descriptors opened by
// fn (TUN devices, sockets) belong to that namespace for their whole life,
// whichever thread uses them later.
func inNetns(path string, fn func() error) error { return netns.DoPath(path, fn) }
