package recording

import (
	"context"
	"net/netip"
	"testing"

	"github.com/flexvpnd/flexvpnd/engine/dataplane"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// addrs compares netip.Addr values.
var addrs = cmpopts.EquateComparable(netip.Addr{})

// TestInstallDelete walks the fake through installs, activations and
// deletes, checking the sending SA after each step and the call log.
func TestInstallDelete(t *testing.T) {
	var d Dataplane
	sa := func(in, out uint32, pending bool) dataplane.ChildSA {
		return dataplane.ChildSA{TunnelID: 1, Local: netip.MustParseAddr("198.18.0.1"), Remote: netip.MustParseAddr("198.18.0.2"),
			In: dataplane.Direction{SPI: in}, Out: dataplane.Direction{SPI: out}, OutboundPending: pending}
	}
	a, b, c := sa(0x100, 0x200, false), sa(0x300, 0x400, true), sa(0x500, 0x600, true)
	steps := []struct {
		name    string
		do      func() error
		wantErr bool
		sending dataplane.ChildSAID // zero: none
	}{
		{"install a", func() error { return d.InstallChildSA(a) }, false, a.ID()},
		{"install b pending", func() error { return d.InstallChildSA(b) }, false, a.ID()},
		{"install c pending", func() error { return d.InstallChildSA(c) }, false, a.ID()},
		{"install a again", func() error { return d.InstallChildSA(sa(0x100, 0x999, false)) }, true, a.ID()},
		{"activate b", func() error { return d.ActivateOutbound(b.ID()) }, false, b.ID()},
		{"activate b again", func() error { return d.ActivateOutbound(b.ID()) }, false, b.ID()},
		{"activate a (active)", func() error { return d.ActivateOutbound(a.ID()) }, false, b.ID()},
		{"delete b", func() error { return d.DeleteChildSA(b.ID()) }, false, a.ID()},
		{"activate b deleted", func() error { return d.ActivateOutbound(b.ID()) }, true, a.ID()},
		{"delete a", func() error { return d.DeleteChildSA(a.ID()) }, false, dataplane.ChildSAID{}},
		{"delete a again", func() error { return d.DeleteChildSA(a.ID()) }, true, dataplane.ChildSAID{}},
	}
	for _, s := range steps {
		if err := s.do(); (err != nil) != s.wantErr {
			t.Fatalf("%s: error %v, want error %v", s.name, err, s.wantErr)
		}
		got, ok := d.Sending(1)
		if got != s.sending || ok != (s.sending != dataplane.ChildSAID{}) {
			t.Errorf("%s: sending %v %v, want %v", s.name, got, ok, s.sending)
		}
	}
	if got := d.Installed(); len(got) != 1 || got[0].ID() != c.ID() || !got[0].OutboundPending {
		t.Errorf("installed %v, want only c, pending", got)
	}
	if diff := cmp.Diff([]dataplane.ChildSAID{b.ID(), a.ID()}, d.Deleted(), addrs); diff != "" {
		t.Errorf("deleted (-want +got):\n%s", diff)
	}
	want := []Call{{Install, a.ID()}, {InstallPending, b.ID()}, {InstallPending, c.ID()}, {Activate, b.ID()}, {Delete, b.ID()}, {Delete, a.ID()}}
	if diff := cmp.Diff(want, d.Calls(), addrs); diff != "" {
		t.Errorf("calls (-want +got):\n%s", diff)
	}
}

// TestResync checks that Resync counts its calls and refuses an ended
// context.
func TestResync(t *testing.T) {
	var d Dataplane
	for range 2 {
		if n, err := d.Resync(context.Background()); n != 0 || err != nil {
			t.Fatalf("Resync = %d, %v; want 0, nil", n, err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := d.Resync(ctx); err == nil {
		t.Error("Resync with a cancelled context succeeded")
	}
	if got := d.Resyncs(); got != 2 {
		t.Errorf("Resyncs() = %d, want 2", got)
	}
}
