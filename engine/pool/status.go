package pool

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
)

// Status is a snapshot of the pools and leases, for `show ip local pool`
// and `show ipv6 local pool`.
type Status struct {
	// Pools and Pools6 are in configuration order.
	Pools  []PoolStatus
	Pools6 []Pool6Status
	// Orphans are the leases outside the current ranges of their pool,
	// or of a pool no longer configured, kept until released.
	Orphans []Lease
}

// PoolStatus is one IPv4 pool.
type PoolStatus struct {
	Name, Group string
	Ranges      []RangeStatus
	// Leases are the pool's leases in address order, orphans included.
	Leases []Lease
}

// RangeStatus is one range of a pool with its counts. InUse counts every
// lease of the pool's address space inside the range (orphans of another
// pool included); Free is the rest.
type RangeStatus struct {
	First, Last netip.Addr
	Free, InUse uint64
}

// Pool6Status is one IPv6 pool; Rejected counts the allocations refused
// because it was exhausted.
type Pool6Status struct {
	Name                  string
	Prefix                netip.Prefix
	AssignLen             int
	Free, InUse, Rejected uint64
	Leases                []Lease
}

// Leases returns a snapshot of the pools and leases.
func (m *Manager) Leases() Status {
	m.mu.Lock()
	defer m.mu.Unlock()
	var st Status
	byPool := map[string][]Lease{}
	for s, l := range m.leases {
		p := m.find(l.pool)
		orphan := p == nil || !slices.ContainsFunc(p.Ranges, func(r Range) bool { return r.contains(l.addr) })
		le := Lease{Pool: l.pool, Session: s, User: l.user, Addr: l.addr, Orphan: orphan}
		byPool[l.pool] = append(byPool[l.pool], le)
		if orphan {
			st.Orphans = append(st.Orphans, le)
		}
	}
	for _, p := range m.pools {
		ps := PoolStatus{Name: p.Name, Group: p.Group, Leases: sortLeases(byPool[p.Name])}
		for _, r := range p.Ranges {
			var n uint64
			for a := range m.used[p.Group] {
				if r.contains(a) {
					n++
				}
			}
			ps.Ranges = append(ps.Ranges, RangeStatus{First: r.First, Last: r.Last, Free: r.size() - n, InUse: n})
		}
		st.Pools = append(st.Pools, ps)
	}
	byPool6 := map[string][]Lease{}
	for s, l := range m.leases6 {
		p := m.find6(l.pool)
		inside := false
		if p != nil {
			_, inside = p.index(l.prefix)
		}
		le := Lease{Pool: l.pool, Session: s, User: l.user, Prefix: l.prefix, Orphan: !inside}
		byPool6[l.pool] = append(byPool6[l.pool], le)
		if !inside {
			st.Orphans = append(st.Orphans, le)
		}
	}
	for _, p := range m.pools6 {
		var n uint64
		for q := range m.used6 {
			if _, ok := p.index(q); ok {
				n++
			}
		}
		st.Pools6 = append(st.Pools6, Pool6Status{Name: p.Name, Prefix: p.Prefix, AssignLen: p.AssignLen,
			Free: p.count() - n, InUse: n, Rejected: p.rejected, Leases: sortLeases(byPool6[p.Name])})
	}
	st.Orphans = sortLeases(st.Orphans)
	return st
}

// sortLeases orders leases by address, then prefix, then session.
func sortLeases(ls []Lease) []Lease {
	slices.SortFunc(ls, func(a, b Lease) int {
		if c := a.Addr.Compare(b.Addr); c != 0 {
			return c
		}
		if c := a.Prefix.Addr().Compare(b.Prefix.Addr()); c != 0 {
			return c
		}
		return strings.Compare(a.Session, b.Session)
	})
	return ls
}

// Free returns the free addresses of all ranges of p.
func (p PoolStatus) Free() uint64 { return sum(p.Ranges, func(r RangeStatus) uint64 { return r.Free }) }

// InUse returns the leased addresses of all ranges of p.
func (p PoolStatus) InUse() uint64 {
	return sum(p.Ranges, func(r RangeStatus) uint64 { return r.InUse })
}

func sum(rs []RangeStatus, f func(RangeStatus) uint64) uint64 {
	var n uint64
	for _, r := range rs {
		n += f(r)
	}
	return n
}

// ShowIPLocalPool renders `show ip local pool [NAME]` as IOS does: a header
// and one row per range, the pool name on its first range only (layout
// taken from IOS output: name padded to 25 columns after one space, Begin
// to 16, End to 15, Free right-aligned in 5 and In use in 8). A pool in a
// named group is followed by "** pool <NAME> is in group <GROUP>" (the
// IOS 12.1 feature guide's form; not verified on IOS-XE). With a name,
// only that pool is shown; ok is false when it is not configured.
func ShowIPLocalPool(st Status, name string) (out string, ok bool) {
	var b strings.Builder
	row := " %-25s%-16s%-15s%5v%8v\n"
	fmt.Fprintf(&b, row, "Pool", "Begin", "End", "Free", "In use")
	for _, p := range st.Pools {
		if name != "" && p.Name != name {
			continue
		}
		ok = true
		for k, r := range p.Ranges {
			label := ""
			if k == 0 {
				label = p.Name
			}
			fmt.Fprintf(&b, row, label, r.First, r.Last, r.Free, r.InUse)
		}
		if p.Group != "" {
			fmt.Fprintf(&b, " ** pool <%s> is in group <%s>\n", p.Name, p.Group)
		}
	}
	return b.String(), ok || name == ""
}

// ShowIPv6LocalPool renders `show ipv6 local pool [NAME]`. Without a name:
// one row per pool with its prefix in IOS's upper case and the counts of
// assignable prefixes. With a name, the pool's detail as the Cisco IPv6
// command reference shows it: the prefix and assignment length, the
// counts, and one row per lease with its user (the peer's identity) and
// its prefix. The column widths, and the omission of IOS's cache line and
// of the lease's interface, are not verified against a device. ok is
// false when the named pool is not configured.
func ShowIPv6LocalPool(st Status, name string) (out string, ok bool) {
	var b strings.Builder
	if name == "" {
		row := "%-22s%-40s%9v%8v\n"
		fmt.Fprintf(&b, row, "Pool", "Prefix", "Free", "In use")
		for _, p := range st.Pools6 {
			fmt.Fprintf(&b, row, p.Name, strings.ToUpper(p.Prefix.String()), p.Free, p.InUse)
		}
		return b.String(), true
	}
	i := slices.IndexFunc(st.Pools6, func(p Pool6Status) bool { return p.Name == name })
	if i < 0 {
		return "", false
	}
	p := st.Pools6[i]
	fmt.Fprintf(&b, "Prefix is %s assign /%d Prefix\n", strings.ToUpper(p.Prefix.String()), p.AssignLen)
	fmt.Fprintf(&b, "%d entries in use, %d available, %d rejected\n", p.InUse, p.Free, p.Rejected)
	row := "%-24s%-40s%s\n"
	fmt.Fprintf(&b, row, "User", "Prefix", "Interface")
	for _, l := range p.Leases {
		b.WriteString(strings.TrimRight(fmt.Sprintf(row, l.User, strings.ToUpper(l.Prefix.String()), ""), " \n") + "\n")
	}
	return b.String(), true
}
