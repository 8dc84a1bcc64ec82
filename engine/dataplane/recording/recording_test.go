package recording

import (
	"net/netip"
	"testing"

	"github.com/flexvpnd/flexvpnd/engine/dataplane"
)

func TestInstallDelete(t *testing.T) {
	var d Dataplane
	sa := func(in, out uint32) dataplane.ChildSA {
		return dataplane.ChildSA{TunnelID: 1, Local: netip.MustParseAddr("198.18.0.1"), Remote: netip.MustParseAddr("198.18.0.2"),
			In: dataplane.Direction{SPI: in}, Out: dataplane.Direction{SPI: out}}
	}
	a, b := sa(0x100, 0x200), sa(0x300, 0x400)
	steps := []struct {
		name    string
		do      func() error
		wantErr bool
	}{
		{"install a", func() error { return d.InstallChildSA(a) }, false},
		{"install b", func() error { return d.InstallChildSA(b) }, false},
		{"install a again", func() error { return d.InstallChildSA(sa(0x100, 0x999)) }, true},
		{"delete a", func() error { return d.DeleteChildSA(a.ID()) }, false},
		{"delete a again", func() error { return d.DeleteChildSA(a.ID()) }, true},
	}
	for _, s := range steps {
		if err := s.do(); (err != nil) != s.wantErr {
			t.Fatalf("%s: error %v, want error %v", s.name, err, s.wantErr)
		}
	}
	if got := d.Installed(); len(got) != 1 || got[0].ID() != b.ID() {
		t.Errorf("installed %v, want only b", got)
	}
	if got := d.Deleted(); len(got) != 1 || got[0] != a.ID() {
		t.Errorf("deleted %v, want a", got)
	}
}
