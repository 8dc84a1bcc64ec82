package pool

// fifo is IOS's free queue over the ranges of one pool: filled in
// ascending order, range by range in configuration order, when the pool is
// configured; an address is taken from the head and appended when
// released. So never-used addresses go first, lowest first, then released
// ones, longest-free first.
//
// The never-used part is kept as a cursor per range (next: the slots at or
// above it were not handed out since the pool was built), so that a large
// range costs nothing until used; released slots below the cursor are
// queued. A slot claimed by busy (a lease the fifo does not know of, such
// as one kept from before a reconfiguration) is skipped.
type fifo struct {
	sizes []uint64
	next  []uint64
	// queue holds released slots in release order from head on; an entry
	// is live while free maps its slot to the entry's stamp.
	queue []queued
	head  int
	free  map[slot]uint64
	stamp uint64
}

// slot is index i of range r.
type slot struct {
	r int
	i uint64
}

// queued is a released slot with the stamp of its release.
type queued struct {
	s     slot
	stamp uint64
}

// newFIFO returns the queue of ranges of the given sizes.
func newFIFO(sizes ...uint64) fifo {
	return fifo{sizes: sizes, next: make([]uint64, len(sizes)), free: map[slot]uint64{}}
}

// take returns the slot at the head of the queue that busy does not claim.
func (f *fifo) take(busy func(slot) bool) (slot, bool) {
	for r := range f.sizes {
		for f.next[r] < f.sizes[r] {
			s := slot{r, f.next[r]}
			f.next[r]++
			if !busy(s) {
				return s, true
			}
		}
	}
	defer f.compact()
	for f.head < len(f.queue) {
		e := f.queue[f.head]
		f.head++
		if st, ok := f.free[e.s]; !ok || st != e.stamp {
			continue // taken out of order by takeSlot
		}
		delete(f.free, e.s)
		if !busy(e.s) {
			return e.s, true
		}
	}
	return slot{}, false
}

// takeSlot takes s out of order (an address given back to its previous
// user), reporting whether it was free.
func (f *fifo) takeSlot(s slot, busy func(slot) bool) bool {
	if s.r < 0 || s.r >= len(f.sizes) || s.i >= f.sizes[s.r] || busy(s) {
		return false
	}
	if s.i >= f.next[s.r] {
		return true // take skips it while it is leased
	}
	if _, ok := f.free[s]; !ok {
		return false
	}
	delete(f.free, s) // its queue entry goes stale
	f.compact()
	return true
}

// put makes s free again, at the end of the queue.
func (f *fifo) put(s slot) {
	if s.i >= f.next[s.r] {
		return // not handed out since the queue was built: still ahead
	}
	f.stamp++
	f.free[s] = f.stamp
	f.queue = append(f.queue, queued{s, f.stamp})
}

// compact drops consumed and stale entries once they outnumber the live
// ones, so that the queue stays proportional to the free slots.
func (f *fifo) compact() {
	if len(f.queue)-f.head <= 2*len(f.free)+16 && f.head <= len(f.queue)/2 {
		return
	}
	live := f.queue[:0]
	for _, e := range f.queue[f.head:] {
		if st, ok := f.free[e.s]; ok && st == e.stamp {
			live = append(live, e)
		}
	}
	f.queue, f.head = live, 0
}
