package modes

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/flexvpnd/flexvpnd/engine/spec"
	"github.com/flexvpnd/flexvpnd/engine/status"
	runningconfig "github.com/flexvpnd/flexvpnd/running-config"
	"github.com/google/go-cmp/cmp"
)

// trackConfig has the applied track forms (with delays typed in either
// order), kept ones, and a FlexVPN client using them.
const trackConfig = `track 2 ip route 10.0.0.0 255.0.0.0 reachability
 delay up 5
track 1 interface wan0 line-protocol
 delay up 7 down 3
track 3 ip sla 1 reachability
 delay down 10 up 30
track 5 list boolean and
 object 1
 object 2
ip host hub2.example.net 192.0.2.2
ip name-server 192.0.2.53
crypto ikev2 client flexvpn C
  peer 1 fqdn hub1.example.net dynamic
  peer 2 fqdn hub2.example.net
  peer 3 192.0.2.3 track 2 down
  source 1 wan0 track 1
  source 2 wan1 track 9
  connect track 3 up
  client connect Tunnel0
crypto ikev2 profile P
 match identity remote any
 authentication remote pre-share key k
 authentication local pre-share key k
crypto ipsec profile V
 set ikev2-profile P
interface Tunnel0
 ip address negotiated
 tunnel source wan0
 tunnel mode ipsec ipv4
 tunnel destination dynamic
 tunnel protection ipsec profile V
`

// TestTrackRunningConfig checks the rendering of track objects (by
// number, before the interfaces, ` delay down S up S`), the kept forms,
// and their compile into the spec with the FlexVPN client.
func TestTrackRunningConfig(t *testing.T) {
	out := loadClean(t, trackConfig)
	want := `!
track 1 interface wan0 line-protocol
 delay down 3 up 7
!
track 2 ip route 10.0.0.0 255.0.0.0 reachability
 delay up 5
!
track 3 ip sla 1 reachability
 delay down 10 up 30
!
track 5 list boolean and
 object 1
 object 2
!
interface Tunnel0
`
	if !strings.Contains(out, want) {
		t.Errorf("show running-config lacks\n%s\ngot:\n%s", want, out)
	}
	sys, diags := loadText(t, trackConfig)
	roundTrip(t, runningBody(sys))
	// The kept forms are reported (ip sla, list and its objects); the
	// applied ones and their delays, ip host and ip name-server are not.
	if diff := cmp.Diff([]string{"track not applied", "track not applied", "object not applied", "object not applied"}, summary(diags)); diff != "" {
		t.Errorf("diagnostics (-want +got):\n%s", diff)
	}
	var s *spec.Spec
	var warns []runningconfig.Warning
	sys.Config(func(c *runningconfig.Config) { s, warns = c.Compile() })
	wantTracks := []spec.Track{
		{Number: 1, Kind: spec.TrackLineProtocol, Interface: "wan0", DelayUp: 7 * time.Second, DelayDown: 3 * time.Second},
		{Number: 2, Kind: spec.TrackRouteReachability, Prefix: netip.MustParsePrefix("10.0.0.0/8"), DelayUp: 5 * time.Second},
	}
	if diff := cmp.Diff(wantTracks, s.Tracks, cmp.Comparer(func(a, b netip.Prefix) bool { return a == b })); diff != "" {
		t.Errorf("tracks (-want +got):\n%s", diff)
	}
	if len(s.NameServers) != 1 || s.NameServers[0] != netip.MustParseAddr("192.0.2.53") {
		t.Errorf("name servers %v", s.NameServers)
	}
	var warned []string
	for _, w := range warns {
		if strings.HasPrefix(w.Object, "crypto ikev2 client") {
			warned = append(warned, w.Message)
		}
	}
	wantWarn := []string{"track 9 is not configured: it counts as down", "track 3 (ip sla 1 reachability) is not evaluated by flexvpnd: it counts as down"}
	if diff := cmp.Diff(wantWarn, warned); diff != "" {
		t.Errorf("client warnings (-want +got):\n%s", diff)
	}
}

// TestTrackClientCompile checks the compiled FlexVPN client: FQDN peers
// kept as names unless `ip host` resolves them, tracks, sources and the
// connect mode.
func TestTrackClientCompile(t *testing.T) {
	sys, _ := loadText(t, trackConfig)
	var s *spec.Spec
	sys.Config(func(c *runningconfig.Config) { s, _ = c.Compile() })
	if len(s.Tunnels) != 1 {
		t.Fatalf("tunnels: %+v", s.Tunnels)
	}
	want := &spec.Client{
		Name: "C",
		Peers: []spec.ClientPeer{
			{Host: "hub1.example.net"},
			{Addr: netip.MustParseAddr("192.0.2.2")},
			{Addr: netip.MustParseAddr("192.0.2.3"), Track: spec.TrackRef{Object: 2, Down: true}},
		},
		Sources:      []spec.ClientSource{{Interface: "wan0", Track: 1}, {Interface: "wan1", Track: 9}},
		Connect:      spec.ConnectTrack,
		ConnectTrack: spec.TrackRef{Object: 3},
	}
	if diff := cmp.Diff(want, s.Tunnels[0].Client, cmp.Comparer(func(a, b netip.Addr) bool { return a == b })); diff != "" {
		t.Errorf("client (-want +got):\n%s", diff)
	}
}

// TestShowTrack renders `show track` from engine values.
func TestShowTrack(t *testing.T) {
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	tracks := []status.Track{
		{Number: 1, Object: "Interface wan0 line-protocol", LineProtocol: true, Up: true, Changes: 1,
			LastChange: now.Add(-291 * time.Second), TrackedBy: []string{"FlexVPN client C"}},
		{Number: 2, Object: "IP route 10.0.0.0 255.0.0.0 reachability", Reason: "no ip route", Changes: 2,
			LastChange: now.Add(-26 * time.Hour), DelayUp: 5 * time.Second},
		{Number: 3, Object: "Interface wan1 line-protocol", LineProtocol: true, Up: true, Changes: 1,
			LastChange: now.Add(-time.Second), Pending: 2500 * time.Millisecond, DelayDown: 3 * time.Second},
		{Number: 4, Object: "IP route 10.1.0.0 255.255.255.0 reachability", Up: true, Reason: "connected", FirstHop: "wan0"},
	}
	want := `Track 1
  Interface wan0 line-protocol
  Line protocol is Up
    1 change, last change 00:04:51
  Tracked by:
    FlexVPN client C
Track 2
  IP route 10.0.0.0 255.0.0.0 reachability
  Reachability is Down (no ip route)
    2 changes, last change 1d02h
  Delay up 5 secs, down 0 secs
Track 3
  Interface wan1 line-protocol
  Line protocol is Up, delayed Down (3 secs remaining)
    1 change, last change 00:00:01
  Delay up 0 secs, down 3 secs
Track 4
  IP route 10.1.0.0 255.255.255.0 reachability
  Reachability is Up (connected)
    0 changes, last change never
  First-hop interface is wan0
`
	if diff := cmp.Diff(want, showTrack(tracks, 0, now)); diff != "" {
		t.Errorf("show track (-want +got):\n%s", diff)
	}
	if got := showTrack(tracks, 4, now); !strings.HasPrefix(got, "Track 4\n") || strings.Contains(got, "Track 1") {
		t.Errorf("show track 4:\n%s", got)
	}
}

// TestTrackEdits covers the `no` forms, re-entering an object (its
// delay kept) and replacing it by another subject, and the EXEC commands
// without an engine.
func TestTrackEdits(t *testing.T) {
	s := configure(t,
		"track 1 interface wan0 line-protocol", "delay down 3",
		"track 1 interface wan0 line-protocol", "delay up 4 down 3", "no delay",
		"track 2 ip route 10.1.0.0 255.255.0.0 reachability", "delay up 2",
		"track 2 interface wan1 line-protocol",
		"track 3 ip sla 7 reachability", "no track 3",
	)
	run := showRun(s)
	want := "!\ntrack 1 interface wan0 line-protocol\n!\ntrack 2 interface wan1 line-protocol\n!\n"
	if !strings.Contains(run, want) || strings.Contains(run, "track 3") || strings.Contains(run, "delay") {
		t.Errorf("running-config:\n%s\nwant it to hold:\n%s", run, want)
	}
	for _, bad := range []string{"track 4 ip route 10.0.0.0 255.0.255.0 reachability"} {
		if r := s.Exec(bad); r.Err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	s.Exec("end")
	if out := runShow(t, s, "show track"); out != "" {
		t.Errorf("show track without an engine: %q", out)
	}
	if r := s.Exec("crypto ikev2 client flexvpn connect C"); r.Err == nil {
		t.Error("connect accepted without an engine")
	}
}
