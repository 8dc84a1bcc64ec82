package modes

import (
	"net/netip"
	"testing"

	"github.com/flexvpnd/flexvpnd/engine/pool"
	"github.com/flexvpnd/flexvpnd/engine/status"
)

func TestShowIPLocalPool(t *testing.T) {
	m := pool.New()
	a := netip.MustParseAddr
	if err := m.Configure([]pool.Pool{
		{Name: "FLEX", Ranges: []pool.Range{{First: a("10.9.0.100"), Last: a("10.9.0.109")}}},
		{Name: "OTHER", Ranges: []pool.Range{{First: a("10.8.0.1"), Last: a("10.8.0.1")}}},
	}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Allocate("FLEX", "sa-1"); err != nil {
		t.Fatal(err)
	}
	s, _ := engineSession(status.Snapshot{Pools: m.Leases()})
	tests := []struct{ cmd, want string }{
		{"show ip local pool", "" +
			" Pool                     Begin           End             Free  In use\n" +
			" FLEX                     10.9.0.100      10.9.0.109         9       1\n" +
			" OTHER                    10.8.0.1        10.8.0.1           1       0\n"},
		{"show ip local pool OTHER", "" +
			" Pool                     Begin           End             Free  In use\n" +
			" OTHER                    10.8.0.1        10.8.0.1           1       0\n"},
		{"show ip local pool NONE", "%Pool NONE not found\n"},
	}
	for _, tc := range tests {
		if got := runShow(t, s, tc.cmd); got != tc.want {
			t.Errorf("%s:\n%q\nwant\n%q", tc.cmd, got, tc.want)
		}
	}
}
