package modes

import (
	"net/netip"
	"slices"
	"strconv"

	"github.com/flexvpnd/flexvpnd/parser"
	runningconfig "github.com/flexvpnd/flexvpnd/running-config"
)

// TrackMode is `track N ...`: "Router(config-track)#".
var TrackMode = NewConfigMode("config-track", "Tracking", ConfigMode)

// Help strings of the track commands (IOS texts, `track 1 ?` on IOS-XE
// 16; the delay ones UNCONFIRMED).
const (
	helpTrack      = "Object tracking configuration commands"
	helpTrackObj   = "Tracked object"
	helpTrackIf    = "Select an interface to track"
	helpTrackLP    = "Track interface line protocol"
	helpTrackIP    = "IP protocol"
	helpTrackRt    = "IP route"
	helpTrackReach = "Track reachability"
	helpTrackDly   = "Tracking delay"
	helpTrackUp    = "Delay up change notification"
	helpTrackDown  = "Delay down change notification"
	helpTrackSecs  = "Seconds to delay"
	helpTrackKept  = "Object tracking parameters"
)

func init() {
	set := func(c *Ctx, t *runningconfig.Track) {
		if old, ok := c.Cfg.Tracks.Get(t.Number); ok && old.SameObject(t) {
			t = old
		} else {
			c.Cfg.Tracks.Set(t)
		}
		if !t.Applied() {
			c.NotApplied(reasonTrack)
		}
		c.Enter(TrackMode, t)
	}
	ConfigMode.Add(
		&Command{
			Spec:   "track <1-1000> interface IFNAME line-protocol",
			Help:   []string{helpTrack, helpTrackObj, helpTrackIf, "Interface", helpTrackLP},
			No:     "track <1-1000> [LINE]",
			NoHelp: []string{helpTrack, helpTrackObj, helpTrackKept},
			Run: func(c *Ctx, a parser.Args) error {
				t := runningconfig.NewTrack(a.Int("<1-1000>"))
				t.Interface = a.Get("IFNAME")
				set(c, t)
				return nil
			},
			Unset: func(c *Ctx, a parser.Args) error { c.Cfg.Tracks.Delete(a.Int("<1-1000>")); return nil },
		},
		&Command{
			Spec: "track <1-1000> ip route A.B.C.D A.B.C.D reachability",
			Help: []string{helpTrack, helpTrackObj, helpTrackIP, helpTrackRt, "Subnet to track", "Subnet mask", helpTrackReach},
			No:   "-",
			Run: func(c *Ctx, a parser.Args) error {
				addr, mask := a.All("A.B.C.D")[0], a.All("A.B.C.D")[1]
				if m, err := netip.ParseAddr(mask); err != nil || !validMask(m) {
					return Msg("% Invalid mask " + mask)
				}
				t := runningconfig.NewTrack(a.Int("<1-1000>"))
				t.RouteAddr, t.RouteMask = addr, mask
				set(c, t)
				return nil
			},
		},
	)
	// The other forms (ip sla, list, stub-object, interface ip routing,
	// ip route metric threshold...) are kept verbatim and not evaluated.
	// The parser does not backtrack from a keyword to LINE, so each
	// keyword of the applied forms has its own fallback.
	for _, kept := range []struct {
		spec string
		help []string
	}{
		{"track <1-1000> LINE", []string{helpTrack, helpTrackObj, helpTrackKept}},
		{"track <1-1000> interface IFNAME LINE", []string{helpTrack, helpTrackObj, helpTrackIf, "Interface", helpTrackKept}},
		{"track <1-1000> ip LINE", []string{helpTrack, helpTrackObj, helpTrackIP, helpTrackKept}},
		{"track <1-1000> ip route A.B.C.D A.B.C.D LINE", []string{helpTrack, helpTrackObj, helpTrackIP, helpTrackRt, "Subnet to track", "Subnet mask", helpTrackKept}},
	} {
		ConfigMode.Add(&Command{
			Spec: kept.spec, Help: kept.help, No: "-",
			Run: func(c *Ctx, a parser.Args) error {
				t := runningconfig.NewTrack(a.Int("<1-1000>"))
				t.Other = argText(a[2:])
				set(c, t)
				return nil
			},
		})
	}
	tr := func(c *Ctx) *runningconfig.Track { return c.Frame.Obj.(*runningconfig.Track) }
	TrackMode.Add(
		&Command{
			Spec:   "delay {up <0-180> [down <0-180>]|down <0-180> [up <0-180>]}",
			Help:   []string{helpTrackDly, helpTrackUp, helpTrackSecs, helpTrackDown, helpTrackSecs, helpTrackDown, helpTrackSecs, helpTrackUp, helpTrackSecs},
			No:     "delay [LINE]",
			NoHelp: []string{helpTrackDly, helpTrackKept},
			Run: func(c *Ctx, a parser.Args) error {
				t := tr(c)
				t.DelayUp, t.DelayDown = -1, -1
				for i := 1; i+1 < len(a); i += 2 {
					n, _ := strconv.Atoi(a[i+1].Value)
					if a[i].Value == "up" {
						t.DelayUp = n
					} else {
						t.DelayDown = n
					}
				}
				return nil
			},
			Unset: func(c *Ctx, a parser.Args) error { t := tr(c); t.DelayUp, t.DelayDown = -1, -1; return nil },
		},
		trackKept("object", "Add a tracked object to the list"),
		trackKept("threshold", "Set threshold"),
		trackKept("default-state", "Default state"),
	)
}

// trackKept is a (config-track) line of the forms that are not evaluated
// (track lists, stub objects), kept verbatim.
func trackKept(kw, help string) *Command {
	return &Command{
		Spec: kw + " LINE", Help: []string{help, helpTrackKept},
		Run: func(c *Ctx, a parser.Args) error {
			t := c.Frame.Obj.(*runningconfig.Track)
			line := kw + " " + a.Get("LINE")
			if !slices.Contains(t.Kept, line) {
				t.Kept = append(t.Kept, line)
			}
			c.NotApplied(reasonTrack)
			return nil
		},
		Unset: func(c *Ctx, a parser.Args) error {
			t := c.Frame.Obj.(*runningconfig.Track)
			line := kw + " " + a.Get("LINE")
			t.Kept = slices.DeleteFunc(t.Kept, func(l string) bool { return l == line })
			return nil
		},
	}
}

// validMask reports whether m is a contiguous IPv4 mask.
func validMask(m netip.Addr) bool {
	_, ok := runningconfig.MaskBits(m)
	return ok
}
