package modes

import (
	"net/netip"

	"github.com/flexvpnd/flexvpnd/parser"
	runningconfig "github.com/flexvpnd/flexvpnd/running-config"
)

func init() {
	ConfigMode.Add(
		&Command{
			Spec: "ip local pool WORD A.B.C.D$low [A.B.C.D$high]",
			Help: []string{HelpIP, "Specify local options", "IP Local address pool lists", "Create named local address pool",
				"First IP address of range", "Last IP address of range"},
			No:    "ip local pool WORD [A.B.C.D$low [A.B.C.D$high]]",
			Run:   setPool,
			Unset: unsetPool,
		},
		&Command{
			Spec: "ipv6 local pool WORD X:X::X:X/M <1-128>",
			Help: []string{HelpIPv6, "Configure local IPv6 parameters", "Local IPv6 pool", "Pool name", "IPv6 prefix",
				"Prefix length to assign"},
			No: "ipv6 local pool WORD [X:X::X:X/M <1-128>]",
			Run: func(c *Ctx, a parser.Args) error {
				p := netip.MustParsePrefix(a.Get("X:X::X:X/M"))
				n := a.Int("<1-128>")
				if n < p.Bits() {
					return Msg("% Invalid prefix length")
				}
				name := a.Get("WORD")
				c.Cfg.V6Pools.Set(name, &runningconfig.LocalPool{Name: name, Prefix: p.Masked(), PrefixLen: n})
				return nil
			},
			Unset: func(c *Ctx, a parser.Args) error {
				c.Cfg.V6Pools.Delete(a.Get("WORD"))
				return nil
			},
		},
	)
}

// poolRange reads the range of an `ip local pool` line (the message for an
// inverted range is UNCONFIRMED).
func poolRange(a parser.Args) (runningconfig.PoolRange, error) {
	low := netip.MustParseAddr(a.Get("low"))
	r := runningconfig.PoolRange{Low: low, High: low, Single: !a.Has("high")}
	if a.Has("high") {
		r.High = netip.MustParseAddr(a.Get("high"))
	}
	if r.High.Less(r.Low) {
		return r, Msg("%Invalid address range")
	}
	return r, nil
}

// setPool adds a range to the pool (several lines accumulate); a range
// that overlaps one of the pool's ranges is refused.
func setPool(c *Ctx, a parser.Args) error {
	r, err := poolRange(a)
	if err != nil {
		return err
	}
	name := a.Get("WORD")
	p, ok := c.Cfg.Pools.Get(name)
	if ok {
		for _, o := range p.Ranges {
			if o == r {
				return nil
			}
			if o.Overlaps(r) {
				return Msg("%Overlapping address range")
			}
		}
	} else {
		p = &runningconfig.LocalPool{Name: name}
		c.Cfg.Pools.Set(name, p)
	}
	p.Ranges = append(p.Ranges, r)
	return nil
}

// unsetPool removes a pool, or one of its ranges.
func unsetPool(c *Ctx, a parser.Args) error {
	name := a.Get("WORD")
	p, ok := c.Cfg.Pools.Get(name)
	if !ok {
		return nil
	}
	if !a.Has("low") {
		c.Cfg.Pools.Delete(name)
		return nil
	}
	r, err := poolRange(a)
	if err != nil {
		return err
	}
	for i, o := range p.Ranges {
		if o.Low == r.Low && o.High == r.High {
			p.Ranges = append(p.Ranges[:i:i], p.Ranges[i+1:]...)
			break
		}
	}
	if len(p.Ranges) == 0 {
		c.Cfg.Pools.Delete(name)
	}
	return nil
}
