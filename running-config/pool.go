package runningconfig

import (
	"net/netip"
	"strconv"
)

// LocalPool is an `ip local pool NAME` (IPv4 address ranges, several lines
// per pool accumulate) or an `ipv6 local pool NAME PREFIX LEN`.
type LocalPool struct {
	Name   string
	Ranges []PoolRange
	// Prefix and PrefixLen are the IPv6 pool's prefix and the length of
	// the prefix assigned to each user.
	Prefix    netip.Prefix
	PrefixLen int
}

// PoolRange is one `ip local pool NAME LOW [HIGH]` range; High equals Low
// for a single address given alone.
type PoolRange struct {
	Low, High netip.Addr
	// Single records that only LOW was given.
	Single bool
}

// Overlaps reports whether r shares an address with o.
func (r PoolRange) Overlaps(o PoolRange) bool {
	return r.Low.Compare(o.High) <= 0 && o.Low.Compare(r.High) <= 0
}

func (c *Config) renderPools(w *writer) {
	c.Pools.Each(func(name string, p *LocalPool) {
		for _, r := range p.Ranges {
			if r.Single {
				w.line("ip local pool %s %s", name, r.Low)
			} else {
				w.line("ip local pool %s %s %s", name, r.Low, r.High)
			}
		}
	})
	c.V6Pools.Each(func(name string, p *LocalPool) {
		w.line("ipv6 local pool %s %s %s", name, V6String(p.Prefix.String()), strconv.Itoa(p.PrefixLen))
	})
}
