// Package pool allocates addresses from IOS local pools: `ip local pool NAME
// FIRST [LAST] [group GROUP]` (IPv4 ranges, several per pool name) and
// `ipv6 local pool NAME PREFIX/LEN ASSIGN-LEN` (IPv6 prefixes), for the
// addresses a FlexVPN server hands out in CFG_REPLY (RFC 7296 section
// 3.15.1, INTERNAL_IP4_ADDRESS and INTERNAL_IP6_ADDRESS).
//
// Semantics, after the IOS documentation ("IP Overlapping Address Pools",
// the `ip local pool` command reference) and `show ip local pool` output:
//
//   - A pool name may be given several ranges; they are kept and shown in
//     configuration order.
//   - Every address of a range is allocatable, the first and last of a
//     subnet included: IOS pools carry no netmask (a device showing
//     100.65.128.0-100.65.191.255 counts Free + In use = 16384, every
//     address of the range).
//   - Pools without `group` belong to the base group; a pool name belongs
//     to one group. Ranges must not overlap within a group, and an address
//     is leased at most once per group; pools of different groups may
//     overlap (distinct address spaces, e.g. per VRF). The pool `default`
//     cannot be in a named group.
//   - Allocation follows IOS's free queue: each pool's free addresses form
//     a FIFO queue filled in ascending order (ranges in configuration
//     order) when configured; an address is taken from the head and
//     appended when released, and a user whose previous address is still
//     free gets it back. So a fresh pool hands out its lowest addresses
//     first, and a released address is reused last. Source: the
//     implementation of `ip local pool` of IOS 11.x seen in the public
//     code index, whose comments give the FIFO as the way to keep an
//     address available for its last user; not verified on IOS-XE 17.
//
// [Manager.Allocate] is idempotent per session key: a session holds at
// most one IPv4 and one IPv6 lease until [Manager.Release]. A
// reconfiguration ([Manager.Configure]) that shrinks or removes a pool
// keeps the leases outside the new ranges until they are released; they
// are reported as orphans and their addresses are never handed out twice.
// A Manager is safe for concurrent use.
package pool

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"sync"
)

// Errors returned by Allocate.
var (
	// ErrNoPool is returned for a pool name that is not configured.
	ErrNoPool = errors.New("pool: no such pool")
	// ErrExhausted is returned when a pool has no free address.
	ErrExhausted = errors.New("pool: no free address")
	// ErrOtherPool is returned when the session already holds a lease
	// from another pool.
	ErrOtherPool = errors.New("pool: session holds a lease from another pool")
)

// Range is an inclusive IPv4 range: `ip local pool NAME FIRST [LAST]`
// (LAST equals FIRST when omitted).
type Range struct {
	First, Last netip.Addr
}

// size returns the number of addresses in r.
func (r Range) size() uint64 { return uint64(v4(r.Last)-v4(r.First)) + 1 }

// contains reports whether a is in r.
func (r Range) contains(a netip.Addr) bool {
	return a.Is4() && r.First.Compare(a) <= 0 && a.Compare(r.Last) <= 0
}

// Pool is one IPv4 local pool: its ranges in configuration order.
type Pool struct {
	Name string
	// Group is the `group` name; "" is the base group.
	Group  string
	Ranges []Range
}

// Pool6 is an `ipv6 local pool NAME PREFIX ASSIGN-LEN`: each lease is a
// /AssignLen prefix carved from Prefix.
type Pool6 struct {
	Name      string
	Prefix    netip.Prefix
	AssignLen int
}

// count returns the number of prefixes in p.
func (p Pool6) count() uint64 { return 1 << (p.AssignLen - p.Prefix.Bits()) }

// prefix returns the i-th /AssignLen prefix of p: the masked prefix with i
// in the bits between Prefix.Bits() and AssignLen.
func (p Pool6) prefix(i uint64) netip.Prefix {
	hi, lo := halves(p.Prefix.Masked().Addr())
	shift := uint(128 - p.AssignLen)
	if shift >= 64 {
		hi |= i << (shift - 64)
	} else {
		hi |= i >> (64 - shift) // 0 when shift is 0
		lo |= i << shift
	}
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], hi)
	binary.BigEndian.PutUint64(b[8:], lo)
	return netip.PrefixFrom(netip.AddrFrom16(b), p.AssignLen)
}

// index returns the index of the leased prefix q in p, or false.
func (p Pool6) index(q netip.Prefix) (uint64, bool) {
	if q.Bits() != p.AssignLen || !p.Prefix.Contains(q.Addr()) {
		return 0, false
	}
	hi, lo := halves(q.Addr())
	shift := uint(128 - p.AssignLen)
	var i uint64
	if shift >= 64 {
		i = hi >> (shift - 64)
	} else {
		i = lo>>shift | hi<<(64-shift)
	}
	return i & (p.count() - 1), true
}

// halves returns the high and low 64 bits of an IPv6 address.
func halves(a netip.Addr) (hi, lo uint64) {
	b := a.As16()
	return binary.BigEndian.Uint64(b[:8]), binary.BigEndian.Uint64(b[8:])
}

// Lease is an address or prefix held by a session.
type Lease struct {
	Pool    string
	Session string
	// User is the user the lease was given to (AllocateUser,
	// Allocate6User).
	User string
	// Addr is the IPv4 address; Prefix the IPv6 prefix.
	Addr   netip.Addr
	Prefix netip.Prefix
	// Orphan reports a lease outside the current ranges of its pool (or
	// of a pool no longer configured), kept until released.
	Orphan bool
}

// pool4 is the allocation state of a Pool.
type pool4 struct {
	Pool
	free fifo
}

// slotOf returns the slot of addr in p's ranges, or false.
func (p *pool4) slotOf(addr netip.Addr) (slot, bool) {
	for r, rg := range p.Ranges {
		if rg.contains(addr) {
			return slot{r, uint64(v4(addr) - v4(rg.First))}, true
		}
	}
	return slot{}, false
}

// addr returns the address of s.
func (p *pool4) addr(s slot) netip.Addr { return addr4(v4(p.Ranges[s.r].First) + uint32(s.i)) }

// pool6 is the allocation state of a Pool6; rejected counts the
// allocations refused because it was exhausted.
type pool6 struct {
	Pool6
	free     fifo
	rejected uint64
}

// lease4 records a session's IPv4 lease, the group whose address space it
// occupies and the user it was given to.
type lease4 struct {
	pool, group, user string
	addr              netip.Addr
}

// spaceAddr is an address in the address space of a group.
type spaceAddr struct {
	group string
	addr  netip.Addr
}

// lease6 records a session's IPv6 lease and the user it was given to.
type lease6 struct {
	pool, user string
	prefix     netip.Prefix
}

// Manager holds the pools and the leases.
type Manager struct {
	mu      sync.Mutex
	pools   []*pool4 // configuration order
	pools6  []*pool6
	leases  map[string]*lease4
	leases6 map[string]*lease6
	// used counts the leases of each address per group (more than one
	// only if a reconfiguration merged two address spaces).
	used  map[string]map[netip.Addr]int
	used6 map[netip.Prefix]int
	// last is the address each user released last, while it is free;
	// owner maps such an address back to its user. last6 and owner6 are
	// the same for IPv6 prefixes (prefixes never overlap across pools).
	last   map[string]lease4
	owner  map[spaceAddr]string
	last6  map[string]lease6
	owner6 map[netip.Prefix]string
}

// New returns a Manager without pools.
func New() *Manager {
	return &Manager{
		leases:  map[string]*lease4{},
		leases6: map[string]*lease6{},
		used:    map[string]map[netip.Addr]int{},
		used6:   map[netip.Prefix]int{},
		last:    map[string]lease4{},
		owner:   map[spaceAddr]string{},
		last6:   map[string]lease6{},
		owner6:  map[netip.Prefix]string{},
	}
}

// Configure replaces the pool configuration with pools and pools6, in
// configuration order, after validating all of it (nothing changes on an
// error). Leases are kept; those no longer inside their pool become
// orphans until released.
func (m *Manager) Configure(pools []Pool, pools6 []Pool6) error {
	if err := validate(pools, pools6); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.pools = m.pools[:0]
	group := map[string]string{}
	for _, p := range pools {
		var sizes []uint64
		for _, r := range p.Ranges {
			sizes = append(sizes, r.size())
		}
		m.pools = append(m.pools, &pool4{Pool: Pool{Name: p.Name, Group: p.Group, Ranges: append([]Range(nil), p.Ranges...)}, free: newFIFO(sizes...)})
		group[p.Name] = p.Group
	}
	m.pools6 = m.pools6[:0]
	for _, p := range pools6 {
		m.pools6 = append(m.pools6, &pool6{Pool6: p, free: newFIFO(p.count())})
	}
	// A pool moved to another group takes its leases, and the memory of
	// its released addresses, with it.
	m.used = map[string]map[netip.Addr]int{}
	for _, l := range m.leases {
		if g, ok := group[l.pool]; ok {
			l.group = g
		}
		m.mark(l.group, l.addr, 1)
	}
	m.owner = map[spaceAddr]string{}
	for u, l := range m.last {
		if g, ok := group[l.pool]; ok {
			l.group = g
			m.last[u] = l
		}
		m.owner[spaceAddr{l.group, l.addr}] = u
	}
	return nil
}

// mark adds d to the lease count of addr in group.
func (m *Manager) mark(group string, addr netip.Addr, d int) {
	u := m.used[group]
	if u == nil {
		u = map[netip.Addr]int{}
		m.used[group] = u
	}
	if u[addr] += d; u[addr] <= 0 {
		delete(u, addr)
	}
}

// Allocate leases an IPv4 address of pool to session, or returns the one
// the session already holds from it. It is AllocateUser with the session
// as the user.
func (m *Manager) Allocate(pool, session string) (netip.Addr, error) {
	return m.AllocateUser(pool, session, session)
}

// AllocateUser is Allocate for a session authenticated as user: if the
// address user held last in this pool is still free, the session gets it
// back, as IOS looks for the user's previous address in the free queue;
// otherwise the next address of the queue.
func (m *Manager) AllocateUser(pool, session, user string) (netip.Addr, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if l, ok := m.leases[session]; ok {
		if l.pool != pool {
			return netip.Addr{}, fmt.Errorf("%w: %q holds %v from %q", ErrOtherPool, session, l.addr, l.pool)
		}
		return l.addr, nil
	}
	p := m.find(pool)
	if p == nil {
		return netip.Addr{}, fmt.Errorf("%w: %q", ErrNoPool, pool)
	}
	used := m.used[p.Group]
	busy := func(s slot) bool { return used[p.addr(s)] > 0 }
	a, ok := m.previous(p, user, busy)
	if !ok {
		s, ok := p.free.take(busy)
		if !ok {
			return netip.Addr{}, fmt.Errorf("%w in pool %q", ErrExhausted, pool)
		}
		a = p.addr(s)
	}
	m.forget(p.Group, a)
	m.leases[session] = &lease4{pool: pool, group: p.Group, addr: a, user: user}
	m.mark(p.Group, a, 1)
	return a, nil
}

// previous takes back the address user last released in p, if free.
func (m *Manager) previous(p *pool4, user string, busy func(slot) bool) (netip.Addr, bool) {
	last, ok := m.last[user]
	if !ok || last.pool != p.Name {
		return netip.Addr{}, false
	}
	s, ok := p.slotOf(last.addr)
	if !ok || !p.free.takeSlot(s, busy) {
		return netip.Addr{}, false
	}
	return last.addr, true
}

// forget drops the memory of who last held addr in group.
func (m *Manager) forget(group string, addr netip.Addr) {
	k := spaceAddr{group, addr}
	if u, ok := m.owner[k]; ok {
		delete(m.owner, k)
		delete(m.last, u)
	}
}

// Allocate6 leases an IPv6 prefix of pool to session, or returns the one
// the session already holds from it. It is Allocate6User with the session
// as the user.
func (m *Manager) Allocate6(pool, session string) (netip.Prefix, error) {
	return m.Allocate6User(pool, session, session)
}

// Allocate6User is Allocate6 for a session authenticated as user: the
// prefix user released last in this pool, if still free, else the next
// of the pool's free queue (the IPv4 order: never-used prefixes lowest
// first, then released ones, longest-free first).
func (m *Manager) Allocate6User(pool, session, user string) (netip.Prefix, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if l, ok := m.leases6[session]; ok {
		if l.pool != pool {
			return netip.Prefix{}, fmt.Errorf("%w: %q holds %v from %q", ErrOtherPool, session, l.prefix, l.pool)
		}
		return l.prefix, nil
	}
	p := m.find6(pool)
	if p == nil {
		return netip.Prefix{}, fmt.Errorf("%w: %q", ErrNoPool, pool)
	}
	busy := func(s slot) bool { return m.used6[p.prefix(s.i)] > 0 }
	q, ok := m.previous6(p, user, busy)
	if !ok {
		s, ok := p.free.take(busy)
		if !ok {
			p.rejected++
			return netip.Prefix{}, fmt.Errorf("%w in pool %q", ErrExhausted, pool)
		}
		q = p.prefix(s.i)
	}
	if u, ok := m.owner6[q]; ok {
		delete(m.owner6, q)
		delete(m.last6, u)
	}
	m.leases6[session] = &lease6{pool: pool, user: user, prefix: q}
	m.used6[q]++
	return q, nil
}

// previous6 takes back the prefix user last released in p, if free.
func (m *Manager) previous6(p *pool6, user string, busy func(slot) bool) (netip.Prefix, bool) {
	last, ok := m.last6[user]
	if !ok || last.pool != p.Name {
		return netip.Prefix{}, false
	}
	i, ok := p.index(last.prefix)
	if !ok || !p.free.takeSlot(slot{0, i}, busy) {
		return netip.Prefix{}, false
	}
	return last.prefix, true
}

// Release frees the IPv4 and IPv6 leases of session, if any.
func (m *Manager) Release(session string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if l, ok := m.leases[session]; ok {
		delete(m.leases, session)
		m.mark(l.group, l.addr, -1)
		if m.used[l.group][l.addr] == 0 {
			m.free4(l.group, l.addr)
			if old, ok := m.last[l.user]; ok {
				delete(m.owner, spaceAddr{old.group, old.addr})
			}
			m.last[l.user] = lease4{pool: l.pool, group: l.group, addr: l.addr}
			m.owner[spaceAddr{l.group, l.addr}] = l.user
		}
	}
	if l, ok := m.leases6[session]; ok {
		delete(m.leases6, session)
		if m.used6[l.prefix]--; m.used6[l.prefix] <= 0 {
			delete(m.used6, l.prefix)
			for _, p := range m.pools6 {
				if i, ok := p.index(l.prefix); ok {
					p.free.put(slot{0, i})
				}
			}
			if old, ok := m.last6[l.user]; ok {
				delete(m.owner6, old.prefix)
			}
			m.last6[l.user] = lease6{pool: l.pool, prefix: l.prefix}
			m.owner6[l.prefix] = l.user
		}
	}
}

// free4 returns addr to the range of group that contains it, if any.
func (m *Manager) free4(group string, addr netip.Addr) {
	for _, p := range m.pools {
		if s, ok := p.slotOf(addr); ok && p.Group == group {
			p.free.put(s)
		}
	}
}

func (m *Manager) find(name string) *pool4 {
	for _, p := range m.pools {
		if p.Name == name {
			return p
		}
	}
	return nil
}

func (m *Manager) find6(name string) *pool6 {
	for _, p := range m.pools6 {
		if p.Name == name {
			return p
		}
	}
	return nil
}

// v4 returns a as a number; addr4 is its inverse.
func v4(a netip.Addr) uint32 {
	b := a.As4()
	return uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
}

func addr4(n uint32) netip.Addr {
	return netip.AddrFrom4([4]byte{byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)})
}
