package pool

import (
	"fmt"
	"slices"
)

// validate checks a whole pool configuration: unique names, well-formed
// ranges, no overlap within an address space (IOS checks for duplicate
// addresses per group), `default` only in the base group, and IPv6
// assignment lengths that fit the prefix.
func validate(pools []Pool, pools6 []Pool6) error {
	seen := map[string]bool{}
	type placed struct {
		pool string
		r    Range
	}
	byGroup := map[string][]placed{}
	for _, p := range pools {
		if p.Name == "" || seen[p.Name] {
			return fmt.Errorf("pool: empty or duplicate pool name %q", p.Name)
		}
		seen[p.Name] = true
		if p.Name == "default" && p.Group != "" {
			return fmt.Errorf("pool: the pool default cannot be in group %q", p.Group)
		}
		if len(p.Ranges) == 0 {
			return fmt.Errorf("pool %s: no range", p.Name)
		}
		for _, r := range p.Ranges {
			if !r.First.Is4() || !r.Last.Is4() || r.Last.Less(r.First) {
				return fmt.Errorf("pool %s: invalid range %v %v", p.Name, r.First, r.Last)
			}
			for _, o := range byGroup[p.Group] {
				if r.First.Compare(o.r.Last) <= 0 && o.r.First.Compare(r.Last) <= 0 {
					return fmt.Errorf("pool %s: range %v %v overlaps %v %v of pool %s", p.Name, r.First, r.Last, o.r.First, o.r.Last, o.pool)
				}
			}
			byGroup[p.Group] = append(byGroup[p.Group], placed{p.Name, r})
		}
	}
	names6 := map[string]bool{}
	for i, p := range pools6 {
		if p.Name == "" || names6[p.Name] {
			return fmt.Errorf("pool: empty or duplicate IPv6 pool name %q", p.Name)
		}
		names6[p.Name] = true
		if !p.Prefix.IsValid() || !p.Prefix.Addr().Is6() || p.Prefix.Addr().Is4In6() {
			return fmt.Errorf("ipv6 pool %s: invalid prefix %v", p.Name, p.Prefix)
		}
		if p.AssignLen < p.Prefix.Bits() || p.AssignLen > 128 || p.AssignLen-p.Prefix.Bits() > 63 {
			return fmt.Errorf("ipv6 pool %s: assignment length %d does not fit %v (at most 63 bits more)", p.Name, p.AssignLen, p.Prefix)
		}
		if j := slices.IndexFunc(pools6[:i], func(o Pool6) bool { return o.Prefix.Overlaps(p.Prefix) }); j >= 0 {
			return fmt.Errorf("ipv6 pool %s: %v overlaps pool %s", p.Name, p.Prefix, pools6[j].Name)
		}
	}
	return nil
}
