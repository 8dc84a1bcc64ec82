package node

import (
	"container/heap"
	"time"
)

// timerHeap orders the SAs that have a deadline by it, so that the loop
// finds the next one in O(1) and reschedules one in O(log n): a hub holds
// tens of thousands of SAs.
type timerHeap []*entry

func (h timerHeap) Len() int           { return len(h) }
func (h timerHeap) Less(i, j int) bool { return h[i].timer.Before(h[j].timer) }
func (h timerHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index, h[j].index = i, j
}

// Push implements heap.Interface; use set.
func (h *timerHeap) Push(x any) {
	e := x.(*entry)
	e.index = len(*h)
	*h = append(*h, e)
}

// Pop implements heap.Interface; use pop.
func (h *timerHeap) Pop() any {
	old := *h
	e := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	e.index = -1
	return e
}

// set schedules e at t, in the heap or not yet.
func (h *timerHeap) set(e *entry, t time.Time) {
	e.timer = t
	if e.index >= 0 {
		heap.Fix(h, e.index)
		return
	}
	heap.Push(h, e)
}

// remove takes e out of the heap if it is there.
func (h *timerHeap) remove(e *entry) {
	if e.index >= 0 {
		heap.Remove(h, e.index)
	}
}

// pop removes and returns the entry with the earliest deadline.
func (h *timerHeap) pop() *entry {
	return heap.Pop(h).(*entry)
}
