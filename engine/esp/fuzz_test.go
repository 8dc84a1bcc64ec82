package esp

import (
	"bytes"
	"testing"
)

// fuzzAlgos are the transforms FuzzDecap exercises, one per code path.
var fuzzAlgos = []algo{algos[0], algos[2], algos[3], algos[7]}

// fuzzPackets returns, per fuzzAlgos entry, the genuine packets of an
// ESN SA starting just below the 2^32 boundary, identical on every call.
func fuzzPackets(tb testing.TB) [][][]byte {
	out := make([][][]byte, len(fuzzAlgos))
	for i, a := range fuzzAlgos {
		o, _ := a.pair(tb, true, 64)
		// Fuzz workers rebuild these packets, so CBC IVs must not be random.
		o.rand = bytes.NewReader(pattern(9, 3*16))
		for j, n := range []int{0, 3, 40} {
			out[i] = append(out[i], packetAt(tb, o, 1<<32-2+uint64(j), pattern(byte(j), n)))
		}
	}
	return out
}

// FuzzDecap feeds arbitrary packets to an inbound SA: Decap must never panic,
// and only the genuine packets may authenticate.
func FuzzDecap(f *testing.F) {
	genuine := fuzzPackets(f)
	for i, pkts := range genuine {
		for _, p := range pkts {
			f.Add(uint8(i), p)
			f.Add(uint8(i), p[:len(p)-1])
		}
	}
	f.Add(uint8(0), []byte{})
	f.Fuzz(func(t *testing.T, which uint8, pkt []byte) {
		i := int(which) % len(fuzzAlgos)
		_, in := fuzzAlgos[i].pair(t, true, 64)
		in.replay.top = 1<<32 - 3
		payload, _, err := in.Decap(bytes.Clone(pkt))
		if err == nil {
			for _, g := range genuine[i] {
				if bytes.Equal(g, pkt) {
					return
				}
			}
			t.Fatalf("forged packet authenticated: %x -> %x", pkt, payload)
		}
		if c := in.Counters(); c.ReplayDrops+c.AuthFailures+c.Malformed != 1 {
			t.Fatalf("error %v counted as %+v", err, c)
		}
	})
}

// FuzzReplayWindow compares the window with a model that remembers every
// accepted sequence number (RFC 4303 section 3.4.3).
func FuzzReplayWindow(f *testing.F) {
	f.Add(uint16(64), []byte{1, 0, 0, 0, 5, 0, 0, 0, 5, 0, 0, 0, 1, 0, 0, 0})
	f.Add(uint16(100), []byte{200, 0, 0, 0, 100, 0, 0, 0, 101, 0, 0, 0, 255, 255, 0, 0})
	f.Add(uint16(4096), []byte{0, 16, 0, 0, 1, 0, 0, 0, 255, 15, 0, 0})
	f.Fuzz(func(t *testing.T, size uint16, ops []byte) {
		wsize := MinReplayWindow + int(size)%(MaxReplayWindow-MinReplayWindow+1)
		w := newWindow(wsize, false)
		seen := map[uint64]bool{}
		var top uint64
		for len(ops) >= 4 {
			// Small steps around the top, sometimes large jumps.
			seq := uint64(ops[0]) | uint64(ops[1])<<8 | uint64(ops[2])<<16 | uint64(ops[3]&0x7f)<<24
			ops = ops[4:]
			want := !seen[seq] && (seq > top || top-seq < uint64(wsize))
			if got := w.check(seq); got != want {
				t.Fatalf("window %d top %d: check(%d) = %v, want %v", wsize, top, seq, got, want)
			}
			if got := w.accept(seq); got != want {
				t.Fatalf("window %d top %d: accept(%d) = %v, want %v", wsize, top, seq, got, want)
			}
			if want {
				seen[seq] = true
				top = max(top, seq)
			}
		}
	})
}
