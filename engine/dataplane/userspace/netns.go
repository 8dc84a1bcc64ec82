package userspace

import (
	"fmt"
	"runtime"

	"golang.org/x/sys/unix"
)

// inNetns runs fn with the calling thread inside the network namespace
// bound at path, or directly when path is empty. File descriptors opened by
// fn (TUN devices, sockets) belong to that namespace for their whole life,
// whichever thread uses them later.
//
// fn runs on a fresh goroutine locked to its OS thread. The thread returns
// to its original namespace afterwards; if it cannot, the goroutine exits
// still locked, and the Go runtime then destroys the thread instead of
// reusing it.
func inNetns(path string, fn func() error) error {
	if path == "" {
		return fn()
	}
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		orig, err := unix.Open("/proc/thread-self/ns/net", unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			runtime.UnlockOSThread()
			errc <- fmt.Errorf("userspace: current network namespace: %w", err)
			return
		}
		defer unix.Close(orig)
		target, err := unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			runtime.UnlockOSThread()
			errc <- fmt.Errorf("userspace: network namespace %s: %w", path, err)
			return
		}
		defer unix.Close(target)
		if err := unix.Setns(target, unix.CLONE_NEWNET); err != nil {
			runtime.UnlockOSThread()
			errc <- fmt.Errorf("userspace: enter network namespace %s: %w", path, err)
			return
		}
		err = fn()
		if unix.Setns(orig, unix.CLONE_NEWNET) == nil {
			runtime.UnlockOSThread()
		}
		errc <- err
	}()
	return <-errc
}
