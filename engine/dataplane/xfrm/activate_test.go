package xfrm

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/flexvpnd/flexvpnd/engine/dataplane"
	"github.com/google/go-cmp/cmp"
)

// testRekeyPending installs a rekeyed CHILD SA on site b with its outbound
// SA pending, as the responder of a rekey does: b decrypts the new SA at
// once but keeps sending on the old one, whose outbound SA is the only one
// in the kernel, until ActivateOutbound; then the new SA carries b's
// traffic. It also checks the errors and the cleanup of pending SAs.
func testRekeyPending(t *testing.T) {
	p := newPair(t, "pending", false, "")
	alg := dataplane.Algorithms{Encr: encrAESGCM16, EncrKeyBits: 256}
	old := p.childSAs(alg, dataplane.Direction{SPI: 0xc3000ab1, EncrKey: key(5, 36)},
		dataplane.Direction{SPI: 0xc3000ba1, EncrKey: key(6, 36)}, 0)
	rekeyed := p.childSAs(alg, dataplane.Direction{SPI: 0xc4000ab1, EncrKey: key(7, 36)},
		dataplane.Direction{SPI: 0xc4000ba1, EncrKey: key(8, 36)}, 0)
	p.install(t, old)
	rekeyed[1].OutboundPending = true
	p.install(t, rekeyed)
	b := p.s[1]
	spis := func(sas ...dataplane.ChildSA) []string {
		var out []string
		for _, sa := range sas {
			out = append(out, fmt.Sprintf("%08x", sa.In.SPI), fmt.Sprintf("%08x", sa.Out.SPI))
		}
		slices.Sort(out)
		return out
	}
	pendingOnly := spis(old[1])
	pendingOnly = append(pendingOnly, fmt.Sprintf("%08x", rekeyed[1].In.SPI))
	slices.Sort(pendingOnly)
	if diff := cmp.Diff(pendingOnly, dump(t, b).States); diff != "" {
		t.Errorf("site b SAs with the new outbound SA pending (-want +got):\n%s", diff)
	}
	taken := rekeyed[1]
	taken.In.SPI ^= 0x0f000000 // a free inbound SPI, the pending outbound one
	if err := b.b.InstallChildSA(taken); err == nil {
		t.Error("InstallChildSA with the outbound SPI of a pending SA succeeded")
	}

	recv := newReceiver(t, p.s[0], lan4[0].Addr())
	conn := dialUDP(t, b, p.lanDev[1], lan4[1].Addr(), lan4[0].Addr())
	sent := 0
	send := func(n int) {
		t.Helper()
		for range n {
			if _, err := fmt.Fprintf(conn, "%s pending %d", plaintextMarker, sent); err != nil {
				t.Fatal(err)
			}
			sent++
		}
		if got := recv.wait(sent, 3*time.Second); got != sent {
			t.Errorf("site a received %d of %d datagrams", got, sent)
		}
	}
	out := func(sa dataplane.ChildSA) uint64 {
		t.Helper()
		c, ok := b.b.ChildSAStats(sa.ID())
		if !ok {
			t.Fatalf("%v not installed", sa.ID())
		}
		return c.OutPackets
	}
	send(5)
	if o, n := out(old[1]), out(rekeyed[1]); o != 5 || n != 0 {
		t.Errorf("before activation: %d packets out on the old SA, %d on the pending one; want 5 and 0", o, n)
	}
	for range 2 {
		if err := b.b.ActivateOutbound(rekeyed[1].ID()); err != nil {
			t.Fatal(err)
		}
	}
	if diff := cmp.Diff(spis(old[1], rekeyed[1]), dump(t, b).States); diff != "" {
		t.Errorf("site b SAs after activation (-want +got):\n%s", diff)
	}
	send(5)
	if o, n := out(old[1]), out(rekeyed[1]); o != 5 || n != 5 {
		t.Errorf("after activation: %d packets out on the old SA, %d on the new one; want 5 and 5", o, n)
	}
	if err := b.b.ActivateOutbound(old[1].ID()); err != nil {
		t.Errorf("activating an active SA: %v", err)
	}

	// A pending SA deleted before activation leaves nothing behind.
	third := p.childSAs(alg, dataplane.Direction{SPI: 0xc5000ab1, EncrKey: key(9, 36)},
		dataplane.Direction{SPI: 0xc5000ba1, EncrKey: key(10, 36)}, 0)[1]
	third.OutboundPending = true
	if err := b.b.InstallChildSA(third); err != nil {
		t.Fatal(err)
	}
	if err := b.b.DeleteChildSA(third.ID()); err != nil {
		t.Fatal(err)
	}
	if err := b.b.ActivateOutbound(third.ID()); err == nil {
		t.Error("activating a deleted pending SA succeeded")
	}
	if diff := cmp.Diff(spis(old[1], rekeyed[1]), dump(t, b).States); diff != "" {
		t.Errorf("site b SAs after deleting a pending SA (-want +got):\n%s", diff)
	}
}
