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
