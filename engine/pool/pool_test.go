package pool

import (
	"errors"
	"flag"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite the golden files")

func addr(s string) netip.Addr { return netip.MustParseAddr(s) }

func rng(first, last string) Range { return Range{First: addr(first), Last: addr(last)} }

func configured(t *testing.T, pools []Pool, pools6 []Pool6) *Manager {
	t.Helper()
	m := New()
	if err := m.Configure(pools, pools6); err != nil {
		t.Fatalf("Configure: %v", err)
	}
	return m
}

func mustAllocate(t *testing.T, m *Manager, pool, session string) netip.Addr {
	t.Helper()
	a, err := m.Allocate(pool, session)
	if err != nil {
		t.Fatalf("Allocate(%s, %s): %v", pool, session, err)
	}
	return a
}

func TestAllocateOrder(t *testing.T) {
	// Two ranges in configuration order, the second lower than the first:
	// the first range is used up first, each range from its lowest address.
	m := configured(t, []Pool{{Name: "P", Ranges: []Range{rng("10.0.0.10", "10.0.0.12"), rng("10.0.0.1", "10.0.0.1")}}}, nil)
	var got []string
	for i := range 2 {
		got = append(got, mustAllocate(t, m, "P", fmt.Sprint("s", i)).String())
	}
	// Released addresses queue up behind the never-used ones of every
	// range, in the order they were released.
	m.Release("s1")
	m.Release("s0")
	for i := 2; i < 6; i++ {
		got = append(got, mustAllocate(t, m, "P", fmt.Sprint("s", i)).String())
	}
	want := []string{"10.0.0.10", "10.0.0.11", "10.0.0.12", "10.0.0.1", "10.0.0.11", "10.0.0.10"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("allocation order (-want +got):\n%s", diff)
	}
	if _, err := m.Allocate("P", "s9"); !errors.Is(err, ErrExhausted) {
		t.Errorf("Allocate from a full pool: %v, want ErrExhausted", err)
	}
}

func TestAllocateUserGetsPreviousAddress(t *testing.T) {
	m := configured(t, []Pool{{Name: "P", Ranges: []Range{rng("10.0.0.1", "10.0.0.9")}}}, nil)
	alloc := func(session, user string) netip.Addr {
		t.Helper()
		a, err := m.AllocateUser("P", session, user)
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	a := alloc("sa1", "alice")
	b := alloc("sa2", "bob")
	m.Release("sa1")
	m.Release("sa2")
	// Alice reconnects (a new IKE SA): her address is still free.
	if got := alloc("sa3", "alice"); got != a {
		t.Errorf("alice got %v, want her previous %v", got, a)
	}
	alloc("sa4", "carol") // 10.0.0.3, the next never-used address
	m.Release("sa3")
	// Drain the never-used addresses .4-.9, then the queue's head: bob's
	// .2, released before alice's .1.
	for i := range 7 {
		alloc(fmt.Sprint("x", i), fmt.Sprint("x", i))
	}
	if got := alloc("sa5", "bob"); got == b || got != a {
		t.Errorf("bob got %v, want alice's %v from the queue (his %v was handed out)", got, a, b)
	}
	if _, err := m.AllocateUser("P", "sa6", "alice"); !errors.Is(err, ErrExhausted) {
		t.Errorf("alice on a full pool: %v, want ErrExhausted", err)
	}
}

func TestQueueStaysSmall(t *testing.T) {
	// One user reconnecting over and over takes its address back out of
	// order each time; the stale queue entries must not pile up.
	m := configured(t, []Pool{{Name: "P", Ranges: []Range{rng("10.0.0.1", "10.0.0.100")}}}, nil)
	mustAllocate(t, m, "P", "other")
	for i := range 10000 {
		if _, err := m.AllocateUser("P", fmt.Sprint("sa", i), "alice"); err != nil {
			t.Fatal(err)
		}
		m.Release(fmt.Sprint("sa", i))
	}
	if n := len(m.find("P").free.queue); n > 100 {
		t.Errorf("queue holds %d entries for 100 addresses", n)
	}
	if a := mustAllocate(t, m, "P", "bob"); a != addr("10.0.0.3") {
		t.Errorf("bob got %v, want 10.0.0.3 (alice reused .2 throughout)", a)
	}
}

func TestAllocateNetworkAndBroadcast(t *testing.T) {
	// IOS pools have no mask: .0 and .255 are handed out like any other.
	m := configured(t, []Pool{{Name: "P", Ranges: []Range{rng("10.0.0.255", "10.0.1.0")}}}, nil)
	if a, b := mustAllocate(t, m, "P", "a"), mustAllocate(t, m, "P", "b"); a != addr("10.0.0.255") || b != addr("10.0.1.0") {
		t.Errorf("got %v %v, want 10.0.0.255 10.0.1.0", a, b)
	}
}

func TestAllocateIdempotentAndErrors(t *testing.T) {
	m := configured(t, []Pool{
		{Name: "A", Ranges: []Range{rng("10.0.0.1", "10.0.0.9")}},
		{Name: "B", Ranges: []Range{rng("10.0.1.1", "10.0.1.9")}},
	}, nil)
	a1 := mustAllocate(t, m, "A", "peer1")
	if a2 := mustAllocate(t, m, "A", "peer1"); a2 != a1 {
		t.Errorf("second Allocate for the same session: %v, want %v", a2, a1)
	}
	if _, err := m.Allocate("B", "peer1"); !errors.Is(err, ErrOtherPool) {
		t.Errorf("Allocate from another pool: %v, want ErrOtherPool", err)
	}
	if _, err := m.Allocate("C", "peer2"); !errors.Is(err, ErrNoPool) {
		t.Errorf("Allocate from a missing pool: %v, want ErrNoPool", err)
	}
	m.Release("peer1")
	m.Release("peer1") // releasing twice is harmless
	if st := m.Leases(); st.Pools[0].InUse() != 0 || st.Pools[0].Free() != 9 {
		t.Errorf("after release: in use %d free %d, want 0 9", st.Pools[0].InUse(), st.Pools[0].Free())
	}
}

func TestGroups(t *testing.T) {
	// The same addresses in two groups are two address spaces.
	m := configured(t, []Pool{
		{Name: "red", Group: "g1", Ranges: []Range{rng("10.0.0.1", "10.0.0.1")}},
		{Name: "blue", Group: "g2", Ranges: []Range{rng("10.0.0.1", "10.0.0.1")}},
	}, nil)
	if a, b := mustAllocate(t, m, "red", "x"), mustAllocate(t, m, "blue", "y"); a != b {
		t.Errorf("got %v and %v, want the same address in both groups", a, b)
	}
}

func TestConfigureRejects(t *testing.T) {
	tests := []struct {
		name   string
		pools  []Pool
		pools6 []Pool6
	}{
		{"overlap in base group", []Pool{
			{Name: "A", Ranges: []Range{rng("10.0.0.1", "10.0.0.10")}},
			{Name: "B", Ranges: []Range{rng("10.0.0.10", "10.0.0.20")}},
		}, nil},
		{"overlap within a pool", []Pool{{Name: "A", Ranges: []Range{rng("10.0.0.1", "10.0.0.10"), rng("10.0.0.5", "10.0.0.6")}}}, nil},
		{"reversed range", []Pool{{Name: "A", Ranges: []Range{rng("10.0.0.9", "10.0.0.1")}}}, nil},
		{"IPv6 range", []Pool{{Name: "A", Ranges: []Range{rng("2001:db8::1", "2001:db8::9")}}}, nil},
		{"duplicate name", []Pool{{Name: "A", Ranges: []Range{rng("10.0.0.1", "10.0.0.1")}}, {Name: "A", Ranges: []Range{rng("10.0.1.1", "10.0.1.1")}}}, nil},
		{"default in a group", []Pool{{Name: "default", Group: "g", Ranges: []Range{rng("10.0.0.1", "10.0.0.1")}}}, nil},
		{"no range", []Pool{{Name: "A"}}, nil},
		{"v6 assign shorter than prefix", nil, []Pool6{{Name: "V", Prefix: netip.MustParsePrefix("2001:db8::/48"), AssignLen: 40}}},
		{"v6 too many prefixes", nil, []Pool6{{Name: "V", Prefix: netip.MustParsePrefix("2001:db8::/32"), AssignLen: 128}}},
		{"v6 overlap", nil, []Pool6{
			{Name: "V", Prefix: netip.MustParsePrefix("2001:db8::/48"), AssignLen: 64},
			{Name: "W", Prefix: netip.MustParsePrefix("2001:db8::/56"), AssignLen: 64},
		}},
		{"v6 IPv4 prefix", nil, []Pool6{{Name: "V", Prefix: netip.MustParsePrefix("10.0.0.0/8"), AssignLen: 24}}},
	}
	for _, tc := range tests {
		m := configured(t, []Pool{{Name: "keep", Ranges: []Range{rng("192.0.2.1", "192.0.2.1")}}}, nil)
		if err := m.Configure(tc.pools, tc.pools6); err == nil {
			t.Errorf("%s: Configure succeeded", tc.name)
		}
		if _, err := m.Allocate("keep", "s"); err != nil {
			t.Errorf("%s: a rejected Configure changed the pools: %v", tc.name, err)
		}
	}
}

func TestShrinkKeepsOrphans(t *testing.T) {
	m := configured(t, []Pool{{Name: "P", Ranges: []Range{rng("10.0.0.1", "10.0.0.4")}}}, nil)
	for i := range 4 {
		mustAllocate(t, m, "P", fmt.Sprint("s", i+1))
	}
	// Shrink to .1-.2 and add .3-.5 to another pool of the same group:
	// .3 and .4 stay leased to s3/s4 as orphans and are not handed out
	// from the new pool until released.
	if err := m.Configure([]Pool{
		{Name: "P", Ranges: []Range{rng("10.0.0.1", "10.0.0.2")}},
		{Name: "Q", Ranges: []Range{rng("10.0.0.3", "10.0.0.5")}},
	}, nil); err != nil {
		t.Fatal(err)
	}
	st := m.Leases()
	var orphans []string
	for _, l := range st.Orphans {
		orphans = append(orphans, l.Session+"="+l.Addr.String())
	}
	if diff := cmp.Diff([]string{"s3=10.0.0.3", "s4=10.0.0.4"}, orphans); diff != "" {
		t.Errorf("orphans (-want +got):\n%s", diff)
	}
	if q := st.Pools[1].Ranges[0]; q.InUse != 2 || q.Free != 1 {
		t.Errorf("range of Q: in use %d free %d, want 2 1", q.InUse, q.Free)
	}
	if a := mustAllocate(t, m, "Q", "n1"); a != addr("10.0.0.5") {
		t.Errorf("Q gave %v, want 10.0.0.5 (.3 and .4 are still leased)", a)
	}
	m.Release("s3")
	if a := mustAllocate(t, m, "Q", "n2"); a != addr("10.0.0.3") {
		t.Errorf("after the orphan's release Q gave %v, want 10.0.0.3", a)
	}
	// Removing a pool orphans all its leases; the session keeps its
	// address.
	if err := m.Configure(nil, nil); err != nil {
		t.Fatal(err)
	}
	if n := len(m.Leases().Orphans); n != 5 {
		t.Errorf("%d orphans after removing every pool, want 5", n)
	}
	if a := mustAllocate(t, m, "P", "s1"); a != addr("10.0.0.1") {
		t.Errorf("s1 kept %v, want 10.0.0.1", a)
	}
}

func TestIPv6Pool(t *testing.T) {
	m := configured(t, nil, []Pool6{{Name: "V6", Prefix: netip.MustParsePrefix("2001:db8:ab00::/40"), AssignLen: 48}})
	var got []string
	for i := range 3 {
		p, err := m.Allocate6("V6", fmt.Sprint("s", i))
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, p.String())
	}
	if diff := cmp.Diff([]string{"2001:db8:ab00::/48", "2001:db8:ab01::/48", "2001:db8:ab02::/48"}, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	m.Release("s0")
	if p, _ := m.Allocate6("V6", "s9"); p.String() != "2001:db8:ab03::/48" {
		t.Errorf("after release got %v, want the next never-used prefix", p)
	}
	st := m.Leases()
	if p := st.Pools6[0]; p.InUse != 3 || p.Free != 253 {
		t.Errorf("in use %d free %d, want 3 253", p.InUse, p.Free)
	}
}

func TestPool6IndexRoundTrip(t *testing.T) {
	pools := []Pool6{
		{Prefix: netip.MustParsePrefix("2001:db8::/32"), AssignLen: 64},
		{Prefix: netip.MustParsePrefix("2001:db8::/64"), AssignLen: 127},
		{Prefix: netip.MustParsePrefix("2001:db8::/120"), AssignLen: 128},
		{Prefix: netip.MustParsePrefix("2001:db8::/56"), AssignLen: 56},
	}
	for _, p := range pools {
		for _, i := range []uint64{0, 1, 2, 255, p.count() - 1} {
			if i >= p.count() {
				continue
			}
			q := p.prefix(i)
			if !p.Prefix.Contains(q.Addr()) {
				t.Errorf("%v /%d: prefix(%d) = %v outside the pool", p.Prefix, p.AssignLen, i, q)
			}
			if j, ok := p.index(q); !ok || j != i {
				t.Errorf("%v /%d: index(prefix(%d) = %v) = %d, %v", p.Prefix, p.AssignLen, i, q, j, ok)
			}
		}
	}
}

func TestShowIPLocalPoolGolden(t *testing.T) {
	m := configured(t, []Pool{
		{Name: "flex-pool", Ranges: []Range{rng("172.16.0.1", "172.16.0.254")}},
		{Name: "IP-JAIL", Ranges: []Range{rng("172.16.1.60", "172.16.1.119"), rng("172.16.1.30", "172.16.1.55")}},
		{Name: "vrf-pool", Group: "cust1", Ranges: []Range{rng("100.65.128.0", "100.65.191.255")}},
	}, []Pool6{{Name: "v6pool", Prefix: netip.MustParsePrefix("2001:db8::/48"), AssignLen: 64}})
	for i := range 3 {
		mustAllocate(t, m, "flex-pool", fmt.Sprint("peer", i))
		mustAllocate(t, m, "vrf-pool", fmt.Sprint("vrf-peer", i))
		if _, err := m.Allocate6User("v6pool", fmt.Sprint("sa-", i), fmt.Sprintf("spoke%d.example.com", i)); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 70 {
		mustAllocate(t, m, "IP-JAIL", fmt.Sprint("jail", i))
	}
	st := m.Leases()
	all, _ := ShowIPLocalPool(st, "")
	one, ok := ShowIPLocalPool(st, "IP-JAIL")
	if !ok {
		t.Error("IP-JAIL not found")
	}
	if _, ok := ShowIPLocalPool(st, "nope"); ok {
		t.Error("a missing pool was found")
	}
	all6, _ := ShowIPv6LocalPool(st, "")
	one6, ok := ShowIPv6LocalPool(st, "v6pool")
	if !ok {
		t.Error("v6pool not found")
	}
	if _, ok := ShowIPv6LocalPool(st, "nope"); ok {
		t.Error("a missing IPv6 pool was found")
	}
	golden(t, "show-ip-local-pool.txt", "show ip local pool\n"+all+"show ip local pool IP-JAIL\n"+one+"show ipv6 local pool\n"+all6+"show ipv6 local pool v6pool\n"+one6)
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update)", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s (-want +got):\n%s", path, diff)
	}
}

// TestConcurrentSessions has 10,000 sessions allocate, re-allocate and
// release from many goroutines; no address is ever held by two sessions at
// once, and everything is free at the end.
func TestConcurrentSessions(t *testing.T) {
	const sessions, workers = 10000, 50
	// 4096 addresses for 10,000 sessions: the pool runs dry and refills.
	m := configured(t, []Pool{{Name: "P", Ranges: []Range{rng("10.0.0.0", "10.0.7.255"), rng("10.1.0.0", "10.1.7.255")}}}, nil)
	var mu sync.Mutex
	holder := map[netip.Addr]string{}
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for s := w; s < sessions; s += workers {
				key := fmt.Sprint("session-", s)
				a, err := m.Allocate("P", key)
				if errors.Is(err, ErrExhausted) {
					continue
				}
				if err != nil {
					errs <- err
					return
				}
				mu.Lock()
				if other, taken := holder[a]; taken {
					mu.Unlock()
					errs <- fmt.Errorf("%v leased to %s and %s", a, other, key)
					return
				}
				holder[a] = key
				mu.Unlock()
				if again, _ := m.Allocate("P", key); again != a {
					errs <- fmt.Errorf("%s: second Allocate %v, first %v", key, again, a)
					return
				}
				if s%3 != 0 { // keep a third until the end
					mu.Lock()
					delete(holder, a)
					mu.Unlock()
					m.Release(key)
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	st := m.Leases()
	if int(st.Pools[0].InUse()) != len(holder) || len(st.Pools[0].Leases) != len(holder) {
		t.Errorf("in use %d, %d leases, want %d", st.Pools[0].InUse(), len(st.Pools[0].Leases), len(holder))
	}
	for _, l := range st.Pools[0].Leases {
		if holder[l.Addr] != l.Session {
			t.Errorf("%v: lease says %s, test says %s", l.Addr, l.Session, holder[l.Addr])
		}
		m.Release(l.Session)
	}
	if st := m.Leases(); st.Pools[0].InUse() != 0 || st.Pools[0].Free() != 4096 {
		t.Errorf("at the end: in use %d free %d, want 0 4096", st.Pools[0].InUse(), st.Pools[0].Free())
	}
}

func TestAllocate6UserGetsPreviousPrefix(t *testing.T) {
	m := configured(t, nil, []Pool6{{Name: "V6", Prefix: netip.MustParsePrefix("2001:db8::/62"), AssignLen: 64}})
	alloc := func(session, user string) netip.Prefix {
		t.Helper()
		p, err := m.Allocate6User("V6", session, user)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	a := alloc("sa1", "alice")
	b := alloc("sa2", "bob")
	m.Release("sa1")
	m.Release("sa2")
	if got := alloc("sa3", "alice"); got != a {
		t.Errorf("alice got %v, want her previous %v", got, a)
	}
	// Carol takes the next never-used prefixes; then bob's, released
	// first, is the head of the queue.
	alloc("sa4", "carol")
	alloc("sa5", "dave")
	if got := alloc("sa6", "erin"); got != b {
		t.Errorf("erin got %v, want bob's released %v", got, b)
	}
	if got := alloc("sa6", "erin"); got != b {
		t.Errorf("a second Allocate6User for the session gave %v, want %v", got, b)
	}
	if _, err := m.Allocate6User("V6", "sa7", "frank"); !errors.Is(err, ErrExhausted) {
		t.Errorf("Allocate6User from a full pool: %v, want ErrExhausted", err)
	}
	if st := m.Leases(); st.Pools6[0].Rejected != 1 || st.Pools6[0].InUse != 4 {
		t.Errorf("rejected %d in use %d, want 1 4", st.Pools6[0].Rejected, st.Pools6[0].InUse)
	}
}

// TestConcurrentSessions6 is TestConcurrentSessions for an IPv6 pool of
// 4096 /64 prefixes: 10,000 sessions, no prefix held twice at once.
func TestConcurrentSessions6(t *testing.T) {
	const sessions, workers = 10000, 50
	m := configured(t, nil, []Pool6{{Name: "V6", Prefix: netip.MustParsePrefix("2001:db8:f000::/52"), AssignLen: 64}})
	var mu sync.Mutex
	holder := map[netip.Prefix]string{}
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for s := w; s < sessions; s += workers {
				key := fmt.Sprint("session-", s)
				p, err := m.Allocate6User("V6", key, fmt.Sprint("user-", s%300))
				if errors.Is(err, ErrExhausted) {
					continue
				}
				if err != nil {
					errs <- err
					return
				}
				mu.Lock()
				if other, taken := holder[p]; taken {
					mu.Unlock()
					errs <- fmt.Errorf("%v leased to %s and %s", p, other, key)
					return
				}
				holder[p] = key
				mu.Unlock()
				if s%3 != 0 {
					mu.Lock()
					delete(holder, p)
					mu.Unlock()
					m.Release(key)
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	st := m.Leases()
	if int(st.Pools6[0].InUse) != len(holder) || len(st.Pools6[0].Leases) != len(holder) {
		t.Errorf("in use %d, %d leases, want %d", st.Pools6[0].InUse, len(st.Pools6[0].Leases), len(holder))
	}
	for _, l := range st.Pools6[0].Leases {
		if holder[l.Prefix] != l.Session {
			t.Errorf("%v: lease says %s, test says %s", l.Prefix, l.Session, holder[l.Prefix])
		}
		m.Release(l.Session)
	}
	if st := m.Leases(); st.Pools6[0].InUse != 0 || st.Pools6[0].Free != 4096 {
		t.Errorf("at the end: in use %d free %d, want 0 4096", st.Pools6[0].InUse, st.Pools6[0].Free)
	}
}
