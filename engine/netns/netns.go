// Package netns runs code inside a network namespace, for the data planes
// and for tests that open sockets, TUN devices or netlink handles there:
// what a function opens inside Do stays in the namespace after Do returns,
// whichever thread uses it later.
package netns

import (
	"fmt"
	"runtime"

	"golang.org/x/sys/unix"
)

// Do runs fn inside the named network namespace, one that `ip netns add`
// created under /run/netns.
func Do(name string, fn func() error) error {
	return DoPath("/run/netns/"+name, fn)
}

// DoPath runs fn on an OS thread switched into the network namespace bound
// at path (a /run/netns file or /proc/PID/ns/net), or directly when path
// is empty, and switches the thread back afterwards. If switching back
// fails, the thread is left locked, so that it exits with its goroutine
// instead of serving others in the wrong namespace.
func DoPath(path string, fn func() error) error {
	if path == "" {
		return fn()
	}
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		orig, err := unix.Open("/proc/thread-self/ns/net", unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			runtime.UnlockOSThread()
			errc <- fmt.Errorf("netns: current namespace: %w", err)
			return
		}
		defer unix.Close(orig)
		target, err := unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			runtime.UnlockOSThread()
			errc <- fmt.Errorf("netns: %s: %w", path, err)
			return
		}
		defer unix.Close(target)
		if err := unix.Setns(target, unix.CLONE_NEWNET); err != nil {
			runtime.UnlockOSThread()
			errc <- fmt.Errorf("netns: enter %s: %w", path, err)
			return
		}
		ferr := fn()
		if err := unix.Setns(orig, unix.CLONE_NEWNET); err != nil {
			errc <- fmt.Errorf("netns: leave %s: %w (and %v)", path, err, ferr)
			return
		}
		runtime.UnlockOSThread()
		errc <- ferr
	}()
	return <-errc
}
