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

func TestShowIPv6LocalPool(t *testing.T) {
	m := pool.New()
	if err := m.Configure(nil, []pool.Pool6{{Name: "V6", Prefix: netip.MustParsePrefix("2001:db8:77::/48"), AssignLen: 64}}); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Allocate6User("V6", "sa-1", "spoke1.example.com"); err != nil {
		t.Fatal(err)
	}
	s, _ := engineSession(status.Snapshot{Pools: m.Leases()})
	tests := []struct{ cmd, want string }{
		{"show ipv6 local pool", "" +
			"Pool                  Prefix                                       Free  In use\n" +
			"V6                    2001:DB8:77::/48                            65535       1\n"},
		{"show ipv6 local pool V6", "" +
			"Prefix is 2001:DB8:77::/48 assign /64 Prefix\n" +
			"1 entries in use, 65535 available, 0 rejected\n" +
			"User                    Prefix                                  Interface\n" +
			"spoke1.example.com      2001:DB8:77::/64\n"},
		{"show ipv6 local pool NONE", "%Pool NONE not found\n"},
	}
	for _, tc := range tests {
		if got := runShow(t, s, tc.cmd); got != tc.want {
			t.Errorf("%s:\n%q\nwant\n%q", tc.cmd, got, tc.want)
		}
	}
}
