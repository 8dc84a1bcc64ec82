package modes

import (
	"fmt"
	"strings"
	"time"

	"github.com/flexvpnd/flexvpnd/engine/status"
	"github.com/flexvpnd/flexvpnd/parser"
)

// TrackView is what `show track` and `crypto ikev2 client flexvpn
// connect` need of the engine besides EngineView; System.Engine provides
// it when it implements it (the running engine does).
type TrackView interface {
	// Tracks returns the tracked objects by number.
	Tracks() []status.Track
	// ConnectClient connects the tunnel of a `connect manual` FlexVPN
	// client.
	ConnectClient(name string) error
}

// Help strings of the EXEC FlexVPN client command (UNCONFIRMED: no
// capture; the command is from Cisco's FlexVPN client guide).
const (
	helpExecCrypto  = "Encryption related commands."
	helpExecIKEv2   = "IKEv2 commands"
	helpExecClient  = "IKEv2 client commands"
	helpExecFlexVPN = "FlexVPN client"
	helpExecConnect = "Connect a FlexVPN client whose connect mode is manual"
)

func init() {
	ExecMode.Add(
		&Command{
			Spec: "show track [<1-1000>]",
			Help: []string{HelpShow, "Tracking information", "Tracked object"},
			No:   "-", Priv: 1, Pipe: true,
			Run: func(c *Ctx, a parser.Args) error {
				c.Printf("%s", showTrack(c.S.Sys.tracks(), a.Int("<1-1000>"), time.Now()))
				return nil
			},
		},
		&Command{
			Spec: "crypto ikev2 client flexvpn connect WORD",
			Help: []string{helpExecCrypto, helpExecIKEv2, helpExecClient, helpExecFlexVPN, helpExecConnect, "FlexVPN client name"},
			No:   "-", Priv: 15,
			Run: func(c *Ctx, a parser.Args) error {
				tv, ok := c.S.Sys.Engine.(TrackView)
				if !ok {
					return Msg("% The FlexVPN client is not running")
				}
				if err := tv.ConnectClient(a.Get("WORD")); err != nil {
					return Msg("% FlexVPN client " + a.Get("WORD") + " does not connect a tunnel")
				}
				return nil
			},
		},
	)
}

// tracks returns the engine's tracked objects (none without an engine).
func (s *System) tracks() []status.Track {
	if tv, ok := s.Engine.(TrackView); ok {
		return tv.Tracks()
	}
	return nil
}

// showTrack renders `show track [N]` as IOS does:
//
//	Track 1
//	  Interface GigabitEthernet1 line-protocol
//	  Line protocol is Up
//	    1 change, last change 00:04:51
//	  Tracked by:
//	    FlexVPN client C
//
// (layout from Cisco's command reference and device outputs; the
// "Tracked by" client name and the delayed-state wording UNCONFIRMED).
func showTrack(tracks []status.Track, only int, now time.Time) string {
	var b strings.Builder
	for _, t := range tracks {
		if only != 0 && t.Number != only {
			continue
		}
		fmt.Fprintf(&b, "Track %d\n  %s\n  %s\n", t.Number, t.Object, trackState(t))
		last := "never"
		if !t.LastChange.IsZero() {
			last = trackAge(now.Sub(t.LastChange))
		}
		fmt.Fprintf(&b, "    %d %s, last change %s\n", t.Changes, "change"+plural(t.Changes), last)
		if t.DelayUp > 0 || t.DelayDown > 0 {
			fmt.Fprintf(&b, "  Delay up %d secs, down %d secs\n", int(t.DelayUp.Seconds()), int(t.DelayDown.Seconds()))
		}
		if t.FirstHop != "" {
			fmt.Fprintf(&b, "  First-hop interface is %s\n", t.FirstHop)
		}
		if len(t.TrackedBy) > 0 {
			b.WriteString("  Tracked by:\n")
			for _, u := range t.TrackedBy {
				fmt.Fprintf(&b, "    %s\n", u)
			}
		}
	}
	return b.String()
}

// trackState is the state line: "Line protocol is Down (hw down)",
// "Reachability is Up (static)", "Reachability is Down, delayed Up (3 secs
// remaining)".
func trackState(t status.Track) string {
	s := "Reachability is "
	if t.LineProtocol {
		s = "Line protocol is "
	}
	s += trackUpDown(t.Up)
	switch {
	case t.Pending > 0:
		s += fmt.Sprintf(", delayed %s (%d secs remaining)", trackUpDown(!t.Up), int((t.Pending+time.Second-1)/time.Second))
	case t.Reason != "":
		s += " (" + t.Reason + ")"
	}
	return s
}

// trackUpDown is a state as `show track` writes it.
func trackUpDown(up bool) string {
	if up {
		return "Up"
	}
	return "Down"
}

// trackAge renders the time since the last change: "00:04:51", or
// "1d02h" past a day, as IOS uptimes.
func trackAge(d time.Duration) string {
	s := int(d / time.Second)
	if s >= 86400 {
		return fmt.Sprintf("%dd%02dh", s/86400, s/3600%24)
	}
	return fmt.Sprintf("%02d:%02d:%02d", s/3600, s/60%60, s%60)
}
