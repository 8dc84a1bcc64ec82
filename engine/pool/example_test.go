package pool_test

import (
	"fmt"
	"net/netip"

	"github.com/flexvpnd/flexvpnd/engine/pool"
)

// `ip local pool flex-pool 172.16.0.1 172.16.0.254`: two sessions take
// addresses, one ends, and `show ip local pool` counts them.
func Example() {
	m := pool.New()
	err := m.Configure([]pool.Pool{{Name: "flex-pool", Ranges: []pool.Range{{
		First: netip.MustParseAddr("172.16.0.1"), Last: netip.MustParseAddr("172.16.0.254"),
	}}}}, nil)
	if err != nil {
		panic(err)
	}
	a, _ := m.Allocate("flex-pool", "ike-sa-1")
	b, _ := m.Allocate("flex-pool", "ike-sa-2")
	m.Release("ike-sa-1")
	fmt.Println(a, b)
	out, _ := pool.ShowIPLocalPool(m.Leases(), "")
	fmt.Print(out)
	// Output:
	// 172.16.0.1 172.16.0.2
	//  Pool                     Begin           End             Free  In use
	//  flex-pool                172.16.0.1      172.16.0.254     253       1
}
