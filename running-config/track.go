package runningconfig

import (
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/flexvpnd/flexvpnd/engine/spec"
)

// Track is a tracked object, `track N ...`, with its `(config-track)`
// lines. Two forms are applied (line-protocol of an interface and
// reachability of an IP route); the others (`ip sla`, `list`, `stub`...)
// are kept verbatim in Other and not acted on.
type Track struct {
	Number int
	// Interface is the `interface IF line-protocol` interface.
	Interface string
	// RouteAddr and RouteMask are the `ip route A.B.C.D M.M.M.M
	// reachability` route, canonical dotted quads.
	RouteAddr, RouteMask string
	// Other is the text after the number of a form that is not applied.
	Other string
	// DelayUp and DelayDown are `delay up S` and `delay down S` in
	// seconds (-1: not configured).
	DelayUp, DelayDown int
	// Kept are the other sub-mode lines (`object`, `threshold`,
	// `default-state`) verbatim, without their indentation.
	Kept []string
}

// NewTrack returns track n with no delay configured.
func NewTrack(n int) *Track { return &Track{Number: n, DelayUp: -1, DelayDown: -1} }

// Applied reports whether flexvpnd evaluates the object (line-protocol
// or route reachability).
func (t *Track) Applied() bool { return t.Other == "" }

// SameObject reports whether t already tracks what the `track N ...` line
// of o names (re-entering an object keeps its sub-mode lines; naming
// another object replaces them, as IOS does after asking).
func (t *Track) SameObject(o *Track) bool {
	return t.Interface == o.Interface && t.RouteAddr == o.RouteAddr && t.RouteMask == o.RouteMask && t.Other == o.Other
}

// Header returns the `track N ...` line.
func (t *Track) Header() string {
	n := "track " + strconv.Itoa(t.Number) + " "
	switch {
	case t.Interface != "":
		return n + "interface " + t.Interface + " line-protocol"
	case t.RouteAddr != "":
		return n + "ip route " + t.RouteAddr + " " + t.RouteMask + " reachability"
	}
	return n + t.Other
}

// render writes the object as IOS shows it: the header, then ` delay
// down S up S` (IOS order), then the kept lines.
func (t *Track) render(w *writer) {
	w.line("%s", t.Header())
	var delay []string
	if t.DelayDown >= 0 {
		delay = append(delay, "down "+strconv.Itoa(t.DelayDown))
	}
	if t.DelayUp >= 0 {
		delay = append(delay, "up "+strconv.Itoa(t.DelayUp))
	}
	if len(delay) > 0 {
		w.line(" delay %s", strings.Join(delay, " "))
	}
	for _, l := range t.Kept {
		w.line(" %s", l)
	}
	w.bang()
}

// Tracks are the tracked objects by number.
type Tracks struct {
	list []*Track // sorted by number
}

// Get returns track n.
func (ts *Tracks) Get(n int) (*Track, bool) {
	i, ok := slices.BinarySearchFunc(ts.list, n, func(t *Track, n int) int { return t.Number - n })
	if !ok {
		return nil, false
	}
	return ts.list[i], true
}

// Set adds or replaces track t.Number.
func (ts *Tracks) Set(t *Track) {
	i, ok := slices.BinarySearchFunc(ts.list, t.Number, func(t *Track, n int) int { return t.Number - n })
	if ok {
		ts.list[i] = t
		return
	}
	ts.list = slices.Insert(ts.list, i, t)
}

// Delete removes track n, reporting whether it existed.
func (ts *Tracks) Delete(n int) bool {
	i, ok := slices.BinarySearchFunc(ts.list, n, func(t *Track, n int) int { return t.Number - n })
	if ok {
		ts.list = slices.Delete(ts.list, i, i+1)
	}
	return ok
}

// All returns the tracks by number.
func (ts *Tracks) All() []*Track { return ts.list }

// renderTracks writes the tracked objects by number; IOS shows them after
// the crypto maps, before the interfaces.
func (c *Config) renderTracks(w *writer) {
	for _, t := range c.Tracks.list {
		t.render(w)
	}
}

// tracks compiles the applied tracked objects; a route that is not a
// valid prefix is left out with a warning.
func (k *compiler) tracks() []spec.Track {
	var out []spec.Track
	for _, t := range k.c.Tracks.list {
		if !t.Applied() {
			continue
		}
		st := spec.Track{Number: t.Number, DelayUp: delaySecs(t.DelayUp), DelayDown: delaySecs(t.DelayDown)}
		if t.Interface != "" {
			st.Kind, st.Interface = spec.TrackLineProtocol, t.Interface
		} else {
			p, err := ifAddrPrefix(IfAddr{Addr: t.RouteAddr, Mask: t.RouteMask})
			if err != nil {
				k.warn("track "+strconv.Itoa(t.Number), "route %s %s is not a valid prefix: object not tracked", t.RouteAddr, t.RouteMask)
				continue
			}
			st.Kind, st.Prefix = spec.TrackRouteReachability, p.Masked()
		}
		out = append(out, st)
	}
	return out
}

// delaySecs is a configured delay (-1 none) as a duration.
func delaySecs(s int) time.Duration { return time.Duration(max(s, 0)) * time.Second }

// nameServers compiles `ip name-server`.
func (k *compiler) nameServers() []netip.Addr {
	var out []netip.Addr
	for _, s := range k.c.Global.NameServers {
		if a, err := netip.ParseAddr(s); err == nil {
			out = append(out, a.Unmap())
		}
	}
	return out
}
