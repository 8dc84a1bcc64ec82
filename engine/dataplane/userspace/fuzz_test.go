package userspace

import (
	"net/netip"
	"testing"
)

// FuzzReceive feeds arbitrary datagrams to the inbound path of a backend
// with installed SAs: whatever arrives is dropped or delivered, never a
// panic. The seeds are valid packets of each suite.
func FuzzReceive(f *testing.F) {
	var a, b *Backend
	a, b = newTestBackend(f, &b), newTestBackend(f, &a)
	fakeTunnel(f, a, 7)
	fakeTunnel(f, b, 7)
	for i, s := range suites {
		saA, saB := s.pair(7, 0x1000+uint32(i), 0x2000+uint32(i), udpEncap)
		if err := a.InstallChildSA(saA); err != nil {
			f.Fatal(err)
		}
		if err := b.InstallChildSA(saB); err != nil {
			f.Fatal(err)
		}
		out := a.sas.lookup(0x2000 + uint32(i))
		buf := make([]byte, bufSizeFor(MaxMTU))
		inner := ipv4("10.255.0.1", "10.255.0.2", 100)
		copy(buf[headroom:], inner)
		h := out.out.HeaderLen()
		p, err := out.out.Encap(buf[headroom-h:headroom-h], buf[headroom:headroom+len(inner)], nextIPv4)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(p)
	}
	f.Add([]byte{0, 0, 0x20, 0})
	f.Fuzz(func(t *testing.T, pkt []byte) {
		b.HandleESP(netip.AddrPort{}, netip.AddrPort{}, pkt)
	})
}
