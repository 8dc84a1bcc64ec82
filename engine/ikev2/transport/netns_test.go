package transport

import (
	"bytes"
	"context"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"testing"

	"github.com/flexvpnd/flexvpnd/engine/netns"
)

// newNetns creates a network namespace with its loopback up, removed when
// the test ends, or skips the test if this machine cannot do it.
func newNetns(t *testing.T) string {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("network namespaces need root")
	}
	if _, err := exec.LookPath("ip"); err != nil {
		t.Skip("no ip command")
	}
	name := fmt.Sprintf("flexvpnd-transport-%d", os.Getpid())
	if out, err := exec.Command("ip", "netns", "add", name).CombinedOutput(); err != nil {
		t.Skipf("ip netns add: %v: %s", err, out)
	}
	t.Cleanup(func() {
		if out, err := exec.Command("ip", "netns", "del", name).CombinedOutput(); err != nil {
			t.Errorf("ip netns del %s: %v: %s", name, err, out)
		}
	})
	if out, err := exec.Command("ip", "-n", name, "link", "set", "lo", "up").CombinedOutput(); err != nil {
		t.Fatalf("ip link set lo up in %s: %v: %s", name, err, out)
	}
	return name
}

// inNetns runs fn inside the named namespace, so that the sockets fn
// opens belong to it.
func inNetns(t *testing.T, name string, fn func() error) {
	t.Helper()
	if err := netns.Do(name, fn); err != nil {
		t.Fatal(err)
	}
}

// TestNetnsRealPorts binds the real ports 500 and 4500 on both wildcards in
// a namespace of its own and exchanges IKE messages over its loopback.
func TestNetnsRealPorts(t *testing.T) {
	ns := newNetns(t)
	rec := make(recorder, 4)
	var l *Listener
	var p4, p6 *peer
	t.Cleanup(func() {
		if l != nil {
			l.Close()
		}
		for _, p := range []*peer{p4, p6} {
			if p != nil {
				p.conn.Close()
			}
		}
	})
	inNetns(t, ns, func() (err error) {
		l, err = Listen(context.Background(), Config{
			Addrs:   []netip.Addr{netip.IPv4Unspecified(), netip.IPv6Unspecified()},
			IKEPort: DefaultIKEPort, NATPort: DefaultNATPort,
			Handler: rec,
		})
		if err != nil {
			return err
		}
		if p4, err = openPeer("127.0.0.1"); err != nil {
			return err
		}
		p6, err = openPeer("::1")
		return err
	})

	for _, tt := range []struct {
		p     *peer
		local string
		natt  bool
	}{
		{p4, "127.0.0.1:500", false},
		{p4, "127.0.0.1:4500", true},
		{p6, "[::1]:500", false},
		{p6, "[::1]:4500", true},
	} {
		local := netip.MustParseAddrPort(tt.local)
		msg := ikeMsg(0x0102030405060708, 16)
		out, back := msg, msg
		if tt.natt {
			out, back = withMarker(msg), withMarker(msg)
		}
		tt.p.send(t, local, out)
		got := rec.next(t)
		if got.Local != local || got.Remote != tt.p.addr || got.NATT != tt.natt || !bytes.Equal(got.Data, msg) {
			t.Errorf("%v: got %+v", local, got)
		}
		if err := l.Send(got.Local, got.Remote, msg); err != nil {
			t.Fatal(err)
		}
		if b, from := tt.p.recv(t); from != local || !bytes.Equal(b, back) {
			t.Errorf("%v: reply % x from %v", local, b, from)
		}
	}
}
