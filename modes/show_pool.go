package modes

import (
	"github.com/flexvpnd/flexvpnd/engine/pool"
	"github.com/flexvpnd/flexvpnd/parser"
)

func init() {
	ExecMode.Add(&Command{
		Spec: "show ip local pool [WORD]",
		Help: []string{HelpShow, "IP information", "IP local options", "IP Local address pool statistics", "Name of pool"},
		No:   "-", Priv: 15, Pipe: true,
		Run: func(c *Ctx, a parser.Args) error {
			c.Printf("%s", showIPLocalPool(c.S.Sys.snapshot().Pools, a.Get("WORD")))
			return nil
		},
	})
	ExecMode.Add(&Command{
		Spec: "show ipv6 local pool [WORD]",
		Help: []string{HelpShow, "IPv6 information", "IPv6 local options", "IPv6 local prefix pool statistics", "Name of pool"},
		No:   "-", Priv: 15, Pipe: true,
		Run: func(c *Ctx, a parser.Args) error {
			c.Printf("%s", showIPv6LocalPool(c.S.Sys.snapshot().Pools, a.Get("WORD")))
			return nil
		},
	})
}

// showIPLocalPool renders `show ip local pool [NAME]` from the engine's
// leases (pool.ShowIPLocalPool has the layout). A pool that is not
// configured gets "%Pool NAME not found" (wording UNCONFIRMED against a
// device).
func showIPLocalPool(st pool.Status, name string) string {
	out, ok := pool.ShowIPLocalPool(st, name)
	if !ok {
		return "%Pool " + name + " not found\n"
	}
	return out
}

// showIPv6LocalPool renders `show ipv6 local pool [NAME]`
// (pool.ShowIPv6LocalPool has the layout); an IPv6 pool that is not
// configured gets the IPv4 command's message (UNCONFIRMED).
func showIPv6LocalPool(st pool.Status, name string) string {
	out, ok := pool.ShowIPv6LocalPool(st, name)
	if !ok {
		return "%Pool " + name + " not found\n"
	}
	return out
}
