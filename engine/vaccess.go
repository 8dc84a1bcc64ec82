package engine

import (
	"container/heap"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/flexvpnd/flexvpnd/engine/dataplane"
	"github.com/flexvpnd/flexvpnd/engine/ikev2/node"
	"github.com/flexvpnd/flexvpnd/engine/spec"
)

// VirtualAccessBase is the tunnel ID of Virtual-Access0: Virtual-AccessK
// is VirtualAccessBase+K, above every TunnelN (N+1, N < 2^31).
const VirtualAccessBase = 1 << 31

// tunnelID returns the tunnel ID of TunnelN.
func tunnelID(n int) uint32 { return uint32(n) + 1 }

// vaccess is one Virtual-Access interface: the session of a
// virtual-template profile.
type vaccess struct {
	num      int
	sa       node.ID
	profile  string
	template int
	// tunnel is its interface; tunnel.Routes are the routes accepted from
	// the peer (authz.go).
	tunnel dataplane.Tunnel
}

const vaPrefix = "Virtual-Access"

func (v *vaccess) name() string     { return vaPrefix + strconv.Itoa(v.num) }
func (v *vaccess) tunnelID() uint32 { return VirtualAccessBase + uint32(v.num) }
func vaNumber(name string) (int, bool) {
	n, err := strconv.Atoi(strings.TrimPrefix(name, vaPrefix))
	return n, err == nil && strings.HasPrefix(name, vaPrefix) && n > 0
}

// vaTunnel returns the interface of v cloned from its template: the
// template's addresses (or borrowed ones), MTU and state, in the
// profile's ivrf if it has one, with the routes accepted from the peer.
func vaTunnel(v *vaccess, tmpl *spec.Template, prof *spec.Profile, local, remote netip.Addr) dataplane.Tunnel {
	return dataplane.Tunnel{
		ID: v.tunnelID(), Name: v.name(), IfName: dataplane.LinuxName(v.name()),
		Addrs: tmpl.Addrs, MTU: tmpl.MTU, Up: !tmpl.Shutdown, VRF: cmpOr(prof.IVRF, tmpl.VRF),
		Local: local, Remote: remote, Routes: slices.Clone(v.tunnel.Routes),
	}
}

// vaTable allocates Virtual-Access numbers, lowest free first, as IOS
// does. It is used from the node's loop (alloc) and the engine (release),
// under its own lock.
type vaTable struct {
	mu   sync.Mutex
	used map[int]*vaccess
	free intHeap // released numbers below next
	next int     // the lowest number never used
}

func (t *vaTable) init() {
	t.used, t.next = map[int]*vaccess{}, 1
}

// alloc returns a new Virtual-Access for the SA sa, its interface built by
// iface.
func (t *vaTable) alloc(sa node.ID, profile string, template int, iface func(*vaccess) dataplane.Tunnel) vaccess {
	t.mu.Lock()
	defer t.mu.Unlock()
	n := t.next
	if len(t.free) > 0 {
		n = heap.Pop(&t.free).(int)
	} else {
		t.next++
	}
	v := &vaccess{num: n, sa: sa, profile: profile, template: template}
	v.tunnel = iface(v)
	t.used[n] = v
	return *v
}

// release frees the Virtual-Access named tag if the SA sa still owns it.
func (t *vaTable) release(tag string, sa node.ID) (*vaccess, bool) {
	n, ok := vaNumber(tag)
	if !ok {
		return nil, false
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	v := t.used[n]
	if v == nil || v.sa != sa {
		return nil, false
	}
	delete(t.used, n)
	heap.Push(&t.free, n)
	return v, true
}

// update replaces the interface of Virtual-Access num if the SA sa still
// owns it, and reports whether it did.
func (t *vaTable) update(num int, sa node.ID, iface dataplane.Tunnel) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	v := t.used[num]
	if v == nil || v.sa != sa {
		return false
	}
	v.tunnel = iface
	return true
}

// setRoutes sets the accepted routes of Virtual-Access num if the SA sa
// still owns it, and returns its interface with them.
func (t *vaTable) setRoutes(num int, sa node.ID, routes []dataplane.Route) (dataplane.Tunnel, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	v := t.used[num]
	if v == nil || v.sa != sa {
		return dataplane.Tunnel{}, false
	}
	v.tunnel.Routes = slices.Clone(routes)
	return v.tunnel, true
}

// get returns the Virtual-Access named tag.
func (t *vaTable) get(tag string) (vaccess, bool) {
	n, ok := vaNumber(tag)
	if !ok {
		return vaccess{}, false
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if v := t.used[n]; v != nil {
		return *v, true
	}
	return vaccess{}, false
}

// all returns copies of the Virtual-Access interfaces by number.
func (t *vaTable) all() []vaccess {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make([]vaccess, 0, len(t.used))
	for _, v := range t.used {
		out = append(out, *v)
	}
	slices.SortFunc(out, func(a, b vaccess) int { return a.num - b.num })
	return out
}

// intHeap is a min-heap of ints.
type intHeap []int

func (h intHeap) Len() int           { return len(h) }
func (h intHeap) Less(i, j int) bool { return h[i] < h[j] }
func (h intHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }

// Push implements heap.Interface.
func (h *intHeap) Push(x any) { *h = append(*h, x.(int)) }

// Pop implements heap.Interface.
func (h *intHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}
