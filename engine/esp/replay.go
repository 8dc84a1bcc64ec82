package esp

import "math"

// inferWindow is the window used to infer the high-order ESN bits when the
// replay check is off (RFC 4303 Appendix A2 needs some window).
const inferWindow = MinReplayWindow

// window is the receiver's anti-replay state (RFC 4303 section 3.4.3 and
// Appendix A): the highest authenticated sequence number and a bitmap of the
// size packets below it. The bitmap is a ring of 64-bit words indexed by
// sequence number, cleared a word at a time as the window slides (the layout
// of RFC 6479), so a jump costs at most one pass over the ring.
type window struct {
	size uint64   // W; 0 disables the replay check
	esn  bool     // 64-bit sequence numbers
	top  uint64   // highest authenticated sequence number; 0 before the first
	ring []uint64 // len is a power of two holding at least size+64 bits
}

func newWindow(size int, esn bool) window {
	w := window{size: uint64(size), esn: esn}
	if size > 0 {
		words := 1
		for words*64 < size+64 {
			words *= 2
		}
		w.ring = make([]uint64, words)
	}
	return w
}

// infer returns the full sequence number of a packet whose low-order 32 bits
// are low (RFC 4303 Appendix A2.2), or false when no valid number fits:
// sequence number 0 is never sent, and with ESN the high-order half cannot go
// below 0 or above 2^32-1.
func (w *window) infer(low uint32) (uint64, bool) {
	if !w.esn {
		return uint64(low), low != 0
	}
	size := uint32(w.size)
	if size == 0 {
		size = inferWindow
	}
	tl, th := uint32(w.top), uint32(w.top>>32)
	bottom := tl - size + 1 // modulo 2^32
	hi := uint64(th)
	if tl >= size-1 {
		// Case A: the window lies within one sequence number subspace.
		if low < bottom {
			if th == math.MaxUint32 {
				return 0, false
			}
			hi++
		}
	} else if low >= bottom {
		// Case B: the window spans two subspaces and low is in the lower one.
		if th == 0 {
			return 0, false
		}
		hi--
	}
	seq := hi<<32 | uint64(low)
	return seq, seq != 0
}

// check reports whether seq is new and inside the window; it changes nothing
// (RFC 4303 section 3.4.3: the window moves only after the ICV verifies).
func (w *window) check(seq uint64) bool {
	if w.size == 0 || seq > w.top {
		return true
	}
	if w.top-seq >= w.size {
		return false
	}
	bit := seq % uint64(len(w.ring)*64)
	return w.ring[bit/64]&(1<<(bit%64)) == 0
}

// accept records an authenticated seq, sliding the window forward when seq
// is above it. It reports false, changing nothing, when seq fails check
// (another packet with that number was accepted meanwhile).
func (w *window) accept(seq uint64) bool {
	if !w.check(seq) {
		return false
	}
	if w.size == 0 {
		w.top = max(w.top, seq)
		return true
	}
	n := uint64(len(w.ring))
	if seq > w.top {
		// Clear the words that the window slides onto.
		from, to := w.top/64+1, seq/64
		switch {
		case to < from: // same word as the old top
		case to-from >= n:
			clear(w.ring)
		default:
			for i := from; i <= to; i++ {
				w.ring[i%n] = 0
			}
		}
		w.top = seq
	}
	bit := seq % (n * 64)
	w.ring[bit/64] |= 1 << (bit % 64)
	return true
}
