package node

import (
	"context"
	"errors"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/flexvpnd/flexvpnd/engine/dataplane/recording"
	"github.com/flexvpnd/flexvpnd/engine/ikev2/ike"
)

// eventLog collects a node's events.
type eventLog struct {
	mu  sync.Mutex
	evs []Event
}

func (l *eventLog) add(ev Event) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.evs = append(l.evs, ev)
}

// kinds returns the kinds of the events so far for the tag.
func (l *eventLog) kinds(tag string) []EventKind {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []EventKind
	for _, ev := range l.evs {
		if ev.Peer == tag {
			out = append(out, ev.Kind)
		}
	}
	return out
}

// waitKinds waits until the events of tag are want.
func (l *eventLog) waitKinds(t *testing.T, tag string, want ...EventKind) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		got := l.kinds(tag)
		if len(got) == len(want) {
			for i := range got {
				if got[i] != want[i] {
					t.Fatalf("events of %q: %v, want %v", tag, got, want)
				}
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("events of %q: %v, want %v", tag, got, want)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestResponder runs a node whose responder SAs come from a Responder:
// proposals by local address, the rest by the initiator's identity. The
// tag it gives names the SA in events and Status; a refused identity fails
// the initiator; DeleteWhere deletes by tag.
func TestResponder(t *testing.T) {
	for _, tc := range []struct {
		name     string
		refuse   bool // the resolver refuses the identity
		noPolicy bool // no proposals for the local address
	}{
		{name: "resolved"},
		{name: "refused", refuse: true},
		{name: "no policy", noPolicy: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var evA, evB eventLog
			a, err := Start(context.Background(), Config{Addrs: []netip.Addr{loopback}, Dataplane: &recording.Dataplane{}, Logger: testLogger(t), OnEvent: evA.add})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { a.Close() })
			full := ikeConfig(suiteGCM, netip.AddrPort{}, netip.AddrPort{}, ike.FQDNIdentity("b.lab"), ike.Identity{}, "k", "k")
			var resolvedID ID
			b, err := Start(context.Background(), Config{
				Addrs: []netip.Addr{loopback}, Dataplane: &recording.Dataplane{}, Logger: testLogger(t), OnEvent: evB.add,
				Responder: &Responder{
					Proposals: func(local, _ netip.AddrPort) []ike.Proposal {
						if tc.noPolicy || local.Addr() != loopback {
							return nil
						}
						return full.Proposals
					},
					Resolve: func(id ID, _, _ netip.AddrPort, peer ike.Identity) (*ike.Config, string, error) {
						resolvedID = id
						if tc.refuse || peer.String() != "a.lab" {
							return nil, "", errors.New("no profile")
						}
						c := full
						return &c, "Virtual-Access1", nil
					},
				},
			})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { b.Close() })
			cfg := ikeConfig(suiteGCM, ikeEndpoint(t, a), ikeEndpoint(t, b), ike.FQDNIdentity("a.lab"), ike.Identity{}, "k", "k")
			cfg.Retransmit = ike.Retransmit{Timeout: 100 * time.Millisecond, Base: 1, Tries: 2}
			id, err := a.InitiateSA("Tunnel0", cfg)
			if err != nil {
				t.Fatal(err)
			}
			switch {
			case tc.noPolicy:
				evA.waitKinds(t, "Tunnel0", EventFailed)
				if st, _ := b.Status(); len(st) != 0 {
					t.Errorf("responder kept state without a policy: %+v", st)
				}
				return
			case tc.refuse:
				evA.waitKinds(t, "Tunnel0", EventFailed)
				return
			}
			evA.waitKinds(t, "Tunnel0", EventEstablished)
			evB.waitKinds(t, "Virtual-Access1", EventEstablished)
			st, err := b.Status()
			if err != nil {
				t.Fatal(err)
			}
			if len(st) != 1 || st[0].ID != resolvedID || st[0].Peer != "Virtual-Access1" || st[0].Transforms.DH != 19 {
				t.Errorf("responder status %+v, want the resolved SA %d", st, resolvedID)
			}
			if n, err := a.DeleteWhere(func(i Info) bool { return i.ID == id && i.Peer == "Tunnel0" }); n != 1 || err != nil {
				t.Fatalf("DeleteWhere: %d, %v", n, err)
			}
			evA.waitKinds(t, "Tunnel0", EventEstablished, EventDeleted)
			evB.waitKinds(t, "Virtual-Access1", EventEstablished, EventDeleted)
		})
	}
}

// TestTimerHeap checks that the heap yields entries by deadline and
// follows rescheduling and removal.
func TestTimerHeap(t *testing.T) {
	t0 := time.Now()
	var h timerHeap
	es := make([]*entry, 5)
	for i := range es {
		es[i] = &entry{id: ID(i), index: -1}
		h.set(es[i], t0.Add(time.Duration(10-i)*time.Second))
	}
	h.set(es[4], t0.Add(time.Minute)) // latest now
	h.remove(es[2])
	h.remove(es[2]) // no-op
	var got []ID
	for len(h) > 0 {
		got = append(got, h.pop().id)
	}
	want := []ID{3, 1, 0, 4}
	if len(got) != len(want) {
		t.Fatalf("order %v, want %v", got, want)
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("order %v, want %v", got, want)
		}
	}
}
