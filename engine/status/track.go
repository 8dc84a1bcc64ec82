package status

import "time"

// Track is one tracked object as `show track` prints it.
type Track struct {
	// Number is the object number.
	Number int
	// Object is what it follows, in IOS words: "Interface eth0
	// line-protocol", "IP route 10.0.0.0 255.0.0.0 reachability".
	Object string
	// LineProtocol tells the two kinds apart: "Line protocol is Up" or
	// "Reachability is Up".
	LineProtocol bool
	// Up is the object's state; Reason qualifies it ("hw down", "no ip
	// route", or for a route the source of the route: "connected",
	// "static").
	Up     bool
	Reason string
	// Changes counts the state changes and LastChange is the time of the
	// last one (zero: never).
	Changes    int
	LastChange time.Time
	// DelayUp and DelayDown are the configured delays (0: none).
	DelayUp, DelayDown time.Duration
	// Pending is how long until the object takes the other state, when
	// the host's state already differs and a delay holds it (0: none).
	Pending time.Duration
	// FirstHop is the route's outgoing interface ("" for interfaces or
	// when there is no route).
	FirstHop string
	// TrackedBy names the users of the object ("FlexVPN client C").
	TrackedBy []string
}
