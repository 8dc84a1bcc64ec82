package engine

import (
	"net/netip"
	"slices"
	"time"

	"github.com/flexvpnd/flexvpnd/engine/spec"
	"github.com/flexvpnd/flexvpnd/engine/status"
)

// DefaultTrackInterval is how often the tracked objects are evaluated
// (IOS polls interfaces every second and routes every 15 s; flexvpnd
// reads both every second).
const DefaultTrackInterval = time.Second

// TrackSource reads the host state that tracked objects follow: the
// host's links and routing table in the running binary (HostTracks), a
// fake in tests.
type TrackSource interface {
	// Read evaluates one object now.
	Read(t spec.Track) TrackReading
}

// TrackReading is the state of a tracked object's subject.
type TrackReading struct {
	// Up is the raw state, before any delay.
	Up bool
	// Reason qualifies it as `show track` does: why an interface is down
	// ("hw down", "hw admin-down"), why a route is unreachable ("no ip
	// route"), or where a reachable route comes from ("connected",
	// "static").
	Reason string
	// FirstHop is a route's outgoing interface.
	FirstHop string
}

// tracker holds the tracked objects and their state. It is guarded by
// Engine.mu.
type tracker struct {
	src  TrackSource
	now  func() time.Time
	objs map[int]*trackObj
}

// trackObj is one object's state.
type trackObj struct {
	spec    spec.Track
	up      bool
	reading TrackReading
	changes int
	last    time.Time
	// since is when the host's state started to differ from up (zero
	// while it agrees).
	since time.Time
	// read is false until the first evaluation, which takes the host's
	// state at once.
	read bool
}

// apply replaces the objects by tracks, keeping the state of those that
// still follow the same subject.
func (tr *tracker) apply(tracks []spec.Track) {
	objs := make(map[int]*trackObj, len(tracks))
	for _, t := range tracks {
		o := tr.objs[t.Number]
		if o == nil || o.spec.Kind != t.Kind || o.spec.Interface != t.Interface || o.spec.Prefix != t.Prefix {
			o = &trackObj{}
		}
		o.spec = t
		objs[t.Number] = o
	}
	tr.objs = objs
}

// poll evaluates every object and reports whether one changed state. A
// new state is taken once it has held for the object's delay (`delay up
// S down S`); the first evaluation takes the host's state at once, a
// change from the initial Down counting as one, as on IOS.
func (tr *tracker) poll() bool {
	now := tr.now()
	changed := false
	for _, o := range tr.objs {
		o.reading = tr.src.Read(o.spec)
		if o.reading.Up == o.up {
			o.since = time.Time{}
			o.read = true
			continue
		}
		if o.since.IsZero() {
			o.since = now
		}
		if o.read && now.Sub(o.since) < o.delay(o.reading.Up) {
			continue
		}
		o.up, o.since, o.read = o.reading.Up, time.Time{}, true
		o.changes++
		o.last = now
		changed = true
	}
	return changed
}

// delay is the object's delay before it takes state up.
func (o *trackObj) delay(up bool) time.Duration {
	if up {
		return o.spec.DelayUp
	}
	return o.spec.DelayDown
}

// up reports whether object n is up; an object that is not configured
// (or not evaluated) is down, as on IOS.
func (tr *tracker) up(n int) bool {
	o := tr.objs[n]
	return o != nil && o.up
}

// status returns the objects as `show track` prints them, by number, with
// the names of their users from users.
func (tr *tracker) status(users map[int][]string) []status.Track {
	now := tr.now()
	var out []status.Track
	for _, o := range tr.objs {
		st := status.Track{
			Number: o.spec.Number, Object: trackObject(o.spec), LineProtocol: o.spec.Kind == spec.TrackLineProtocol,
			Up: o.up, Reason: o.reading.Reason, Changes: o.changes, LastChange: o.last,
			DelayUp: o.spec.DelayUp, DelayDown: o.spec.DelayDown, FirstHop: o.reading.FirstHop,
			TrackedBy: users[o.spec.Number],
		}
		if o.reading.Up != o.up && !o.since.IsZero() {
			st.Reason = ""
			st.Pending = max(o.delay(o.reading.Up)-now.Sub(o.since), 0)
		}
		out = append(out, st)
	}
	slices.SortFunc(out, func(a, b status.Track) int { return a.Number - b.Number })
	return out
}

// trackObject names what an object follows, as the second line of `show
// track`.
func trackObject(t spec.Track) string {
	if t.Kind == spec.TrackLineProtocol {
		return "Interface " + t.Interface + " line-protocol"
	}
	return "IP route " + t.Prefix.Addr().String() + " " + maskString(t.Prefix.Bits()) + " reachability"
}

// maskString is an IPv4 prefix length as a dotted mask.
func maskString(bits int) string {
	m := ^uint32(0) << (32 - bits)
	if bits == 0 {
		m = 0
	}
	var b [4]byte
	for i := range b {
		b[i] = byte(m >> (24 - 8*i))
	}
	return netip.AddrFrom4(b).String()
}

// trackUsers names, by object, the FlexVPN clients that use it.
func (e *Engine) trackUsers() map[int][]string {
	out := map[int][]string{}
	add := func(n int, who string) {
		if n != 0 && (len(out[n]) == 0 || out[n][len(out[n])-1] != who) {
			out[n] = append(out[n], who)
		}
	}
	for _, t := range e.svti {
		c := t.t.Client
		if c == nil {
			continue
		}
		who := "FlexVPN client " + c.Name
		for _, p := range c.Peers {
			add(p.Track.Object, who)
		}
		for _, s := range c.Sources {
			add(s.Track, who)
		}
		add(c.ConnectTrack.Object, who)
	}
	return out
}

// Tracks returns the tracked objects for `show track`, by number.
func (e *Engine) Tracks() []status.Track {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.track.status(e.trackUsers())
}

// applyTracks takes the tracked objects of a new spec and evaluates
// them, so that its tunnels start from their current state.
func (e *Engine) applyTracks(s *spec.Spec) {
	e.track.apply(s.Tracks)
	if e.track.poll() {
		e.reconcileClients()
	}
}

// pollTracks evaluates the tracked objects and lets the FlexVPN clients
// react to the changes.
func (e *Engine) pollTracks() {
	e.mu.Lock()
	defer e.mu.Unlock()
	if !e.closed && e.track.poll() {
		e.reconcileClients()
	}
}

// reconcileClients brings every FlexVPN client to the state of its
// tracked objects.
func (e *Engine) reconcileClients() {
	for _, t := range e.svti {
		if t.isClient() {
			e.clientReconcile(t, true)
		}
	}
}

// trackTicks returns the ticks on which the engine's loop polls the
// tracked objects (none with a negative Config.TrackInterval) and the
// function that stops them.
func (e *Engine) trackTicks() (<-chan time.Time, func()) {
	if e.cfg.TrackInterval < 0 {
		return nil, func() {}
	}
	tick := time.NewTicker(cmpOr(e.cfg.TrackInterval, DefaultTrackInterval))
	return tick.C, tick.Stop
}
