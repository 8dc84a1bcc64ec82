package impair

import (
	"context"
	"encoding/binary"
	"net"
	"net/netip"
	"testing"
	"time"
)

// listen opens a UDP socket on 127.0.0.1 with an ephemeral port.
func listen(t *testing.T) *net.UDPConn {
	t.Helper()
	c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	bigBuffer(c)
	return c
}

// freePort returns a loopback address with a port free right now.
func freePort(t *testing.T) netip.AddrPort {
	t.Helper()
	c := listen(t)
	ap := c.LocalAddr().(*net.UDPAddr).AddrPort()
	c.Close()
	return ap
}

// received reads numbered datagrams until none arrives for 300 ms.
func received(t *testing.T, c *net.UDPConn) []uint32 {
	t.Helper()
	var got []uint32
	buf := make([]byte, 64)
	for {
		c.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
		n, err := c.Read(buf)
		if err != nil {
			return got
		}
		if n == 4 {
			got = append(got, binary.BigEndian.Uint32(buf))
		}
	}
}

// runRelay sends count numbered datagrams from a left peer through a
// relay with imp and returns what the right peer received, and the
// relay's counters. The right peer answers the first one, which must
// reach the left peer.
func runRelay(t *testing.T, imp Impairment, count int) ([]uint32, Stats) {
	t.Helper()
	left, right := listen(t), listen(t)
	pair := Pair{LeftListen: freePort(t), RightSource: freePort(t), RightPeer: right.LocalAddr().(*net.UDPAddr).AddrPort()}
	r, err := Start(context.Background(), Config{Pairs: []Pair{pair}, Impairment: imp, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	done := make(chan []uint32)
	go func() { done <- received(t, right) }()
	to := net.UDPAddrFromAddrPort(pair.LeftListen)
	for i := range count {
		left.WriteTo(binary.BigEndian.AppendUint32(nil, uint32(i)), to)
		if i%50 == 49 {
			time.Sleep(time.Millisecond) // let loopback buffers drain
		}
	}
	got := <-done
	st := r.Stats()
	// The answer goes back to the left peer from the relay's left side.
	right.WriteTo([]byte("pong"), net.UDPAddrFromAddrPort(pair.RightSource))
	left.SetReadDeadline(time.Now().Add(2 * time.Second))
	buf := make([]byte, 16)
	for imp.Drop == 0 {
		n, from, err := left.ReadFromUDP(buf)
		if err != nil {
			t.Fatalf("answer not relayed back: %v", err)
		}
		if string(buf[:n]) == "pong" {
			if from.AddrPort() != pair.LeftListen {
				t.Errorf("answer from %v, want the relay's %v", from, pair.LeftListen)
			}
			break
		}
	}
	return got, st
}

func TestRelayClean(t *testing.T) {
	got, st := runRelay(t, Impairment{}, 1000)
	if len(got) != 1000 {
		t.Fatalf("received %d of 1000", len(got))
	}
	for i, v := range got {
		if v != uint32(i) {
			t.Fatalf("datagram %d is %d: reordered without impairment", i, v)
		}
	}
	if st.Received != 1000 || st.Forwarded != 1000 || st.Dropped+st.Duplicated+st.Reordered != 0 {
		t.Errorf("stats %+v", st)
	}
}

func TestRelayImpairs(t *testing.T) {
	const n = 2000
	tests := []struct {
		name  string
		imp   Impairment
		check func(t *testing.T, got []uint32, st Stats)
	}{
		{"20% loss", Impairment{Drop: 0.2}, func(t *testing.T, got []uint32, st Stats) {
			if len(got) < n*70/100 || len(got) > n*90/100 || uint64(len(got)) != n-st.Dropped {
				t.Errorf("received %d of %d with %d dropped", len(got), n, st.Dropped)
			}
		}},
		{"10% duplicates", Impairment{Duplicate: 0.1}, func(t *testing.T, got []uint32, st Stats) {
			if dups := len(got) - n; dups < n*5/100 || dups > n*15/100 || uint64(dups) != st.Duplicated {
				t.Errorf("received %d of %d with %d duplicated", len(got), n, st.Duplicated)
			}
		}},
		{"10% reordered", Impairment{Reorder: 0.1}, func(t *testing.T, got []uint32, st Stats) {
			swaps := 0
			for i := 1; i < len(got); i++ {
				if got[i] < got[i-1] {
					swaps++
				}
			}
			if len(got) != n || swaps < n*5/100 || swaps > int(st.Reordered) {
				t.Errorf("received %d of %d, %d out of order, %d reordered by the relay", len(got), n, swaps, st.Reordered)
			}
		}},
		{"delay", Impairment{Delay: 20 * time.Millisecond, Jitter: 10 * time.Millisecond}, func(t *testing.T, got []uint32, st Stats) {
			if len(got) != n {
				t.Errorf("received %d of %d", len(got), n)
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, st := runRelay(t, tc.imp, n)
			tc.check(t, got, st)
		})
	}
}
