package transport

import (
	"bytes"
	"errors"
	"net/netip"
	"sync"
	"testing"
	"time"
)

// TestSendBatch sends one batch mixing both sockets, more messages than a
// sendmmsg(2) call takes, and messages that must be refused: every good
// one arrives in order, from the right port, with the marker on the NAT-T
// port, and only the bad ones carry an error.
func TestSendBatch(t *testing.T) {
	l := listen(t, make(recorder, 1), nil, "0.0.0.0")
	p := newPeer(t, "127.0.0.1")
	lo := netip.MustParseAddr("127.0.0.1")
	ikeFrom := netip.AddrPortFrom(lo, port(t, l, false))
	nattFrom := netip.AddrPortFrom(lo, port(t, l, true))
	var msgs []Message
	var wantErr []bool
	add := func(from netip.AddrPort, data []byte, bad bool) {
		msgs = append(msgs, Message{Local: from, Remote: p.addr, Data: data})
		wantErr = append(wantErr, bad)
	}
	for i := range 2*batchSize + 3 {
		from := ikeFrom
		if i%7 == 3 {
			from = nattFrom
		}
		add(from, ikeMsg(uint64(i), i), false)
		switch i {
		case 5:
			add(netip.AddrPortFrom(lo, 1), ikeMsg(1000, 0), true) // no such socket
		case 20:
			add(ikeFrom, make([]byte, maxDatagram), true) // too long
		}
	}
	if got, want := l.SendBatch(msgs), 2; got != want {
		t.Errorf("SendBatch: %d failed, want %d", got, want)
	}
	for i, m := range msgs {
		if (m.Err != nil) != wantErr[i] {
			t.Errorf("message %d: error %v, want one: %v", i, m.Err, wantErr[i])
		}
		if wantErr[i] {
			continue
		}
		got, from := p.recv(t)
		want := m.Data
		if m.Local == nattFrom {
			want = withMarker(m.Data)
		}
		if from != m.Local || !bytes.Equal(got, want) {
			t.Fatalf("message %d: got %d octets from %v, want %d from %v", i, len(got), from, len(want), m.Local)
		}
	}
	if !errors.Is(msgs[6].Err, ErrNoSocket) {
		t.Errorf("unknown port: %v, want ErrNoSocket", msgs[6].Err)
	}
}

// TestSendBatchAllocs checks that sending a batch does not allocate once
// its headers are pooled.
func TestSendBatchAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("sync.Pool drops items under -race")
	}
	l := listen(t, make(recorder, 1), nil, "0.0.0.0")
	p := newPeer(t, "127.0.0.1")
	local := netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), port(t, l, true))
	msgs := make([]Message, 4)
	for i := range msgs {
		msgs[i] = Message{Local: local, Remote: p.addr, Data: ikeMsg(uint64(i), 100)}
	}
	allocs := testing.AllocsPerRun(50, func() {
		if l.SendBatch(msgs) != 0 {
			t.Fatal(msgs[0].Err)
		}
	})
	if allocs != 0 {
		t.Errorf("SendBatch allocates %.1f times per call", allocs)
	}
}

// batchLog is a BatchHandler that records the order of its calls.
type batchLog struct {
	mu     sync.Mutex
	events []string // "ike" or "end"
	spis   map[uint64]bool
}

func (b *batchLog) HandleIKE(p *Packet) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.events = append(b.events, "ike")
	b.spis[p.Header.SPIi] = true
}

func (b *batchLog) EndBatch() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.events = append(b.events, "end")
}

// TestBatchHandler sends a burst to a listener whose handler wants to know
// where batches end: every message is handed over once, and EndBatch
// follows the last of each batch, batches being at most batchSize long.
func TestBatchHandler(t *testing.T) {
	h := &batchLog{spis: map[uint64]bool{}}
	l := listen(t, h, nil, "127.0.0.1")
	p := newPeer(t, "127.0.0.1")
	to := netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), port(t, l, false))
	const n = 100
	for i := range n {
		p.send(t, to, ikeMsg(uint64(i), 8))
	}
	deadline := time.Now().Add(timeout)
	for {
		h.mu.Lock()
		got, done := len(h.spis), len(h.events) > 0 && h.events[len(h.events)-1] == "end"
		events := append([]string(nil), h.events...)
		h.mu.Unlock()
		if got == n && done {
			run := 0
			for _, e := range events {
				if e == "end" {
					run = 0
					continue
				}
				if run++; run > batchSize {
					t.Fatalf("more than %d messages without EndBatch: %v", batchSize, events)
				}
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d messages handled, events %v", got, n, events)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
