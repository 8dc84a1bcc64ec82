package frag

import (
	"bytes"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/flexvpnd/flexvpnd/engine/ikev2/wire"
)

// Errors of Reassembler.Add. Each means the fragment was discarded and the
// stored ones are unchanged, except where said.
var (
	// ErrNotFragment: the message does not end with an SKF payload.
	ErrNotFragment = errors.New("frag: not an Encrypted Fragment message")
	// ErrDuplicate: a fragment with that number is already held (RFC
	// 7383 section 2.6).
	ErrDuplicate = errors.New("frag: duplicate fragment")
	// ErrStale: the fragment's Total Fragments is lower than that of the
	// fragments held; the sender has since refragmented with smaller
	// fragments (RFC 7383 sections 2.5.2 and 2.6).
	ErrStale = errors.New("frag: Total Fragments lower than the fragments held")
	// ErrIntegrity: the Opener rejected the fragment.
	ErrIntegrity = errors.New("frag: fragment failed its integrity check")
	// ErrLimit: a per-message limit (Limits) would be exceeded.
	ErrLimit = errors.New("frag: reassembly limit exceeded")
	// ErrMemory: the shared Budget is used up.
	ErrMemory = errors.New("frag: reassembly memory exhausted")
)

// Opener authenticates and decrypts the body of one SKF payload; ad is the
// message up to the end of the SKF header (RFC 7383 section 2.5).
// (*ikecrypto.SKCipher).Open has this shape.
type Opener func(ad, body []byte) ([]byte, error)

// Limits bound the reassembly of one Reassembler. RFC 7383 section 2.6
// leaves them to the implementation.
type Limits struct {
	// MaxFragments is the largest Total Fragments accepted.
	MaxFragments int
	// MaxSize is the largest reassembled message, in plaintext octets.
	MaxSize int
	// MaxMessages is the most messages reassembled at once.
	MaxMessages int
	// Timeout is how long a message may take from its first fragment
	// received to its last.
	Timeout time.Duration
}

// DefaultLimits are 64 fragments, 64 KiB per message, 4 messages at once,
// and 30 s: an IKE_AUTH with certificates fits easily, and a peer is done
// retransmitting well within 30 s of a first fragment.
func DefaultLimits() Limits {
	return Limits{MaxFragments: 64, MaxSize: 64 << 10, MaxMessages: 4, Timeout: 30 * time.Second}
}

// Budget caps the memory held by fragments across Reassemblers (for
// example all IKE SAs of a node). It is safe for concurrent use.
type Budget struct {
	max  int64
	used atomic.Int64
}

// NewBudget returns a Budget of max octets.
func NewBudget(max int) *Budget { return &Budget{max: int64(max)} }

// InUse returns the octets held.
func (b *Budget) InUse() int { return int(b.used.Load()) }

// take reserves n octets, or reports false when they would exceed the cap.
func (b *Budget) take(n int) bool {
	for {
		u := b.used.Load()
		if u+int64(n) > b.max {
			return false
		}
		if b.used.CompareAndSwap(u, u+int64(n)) {
			return true
		}
	}
}

func (b *Budget) give(n int) { b.used.Add(-int64(n)) }

// Message is a reassembled message: the header of its last fragment
// (SPIs, exchange, flags and Message ID are those of the whole message),
// the type of the first inner payload, and the inner payloads' octets, to
// be decoded with wire.DecodePayloads(First, Inner).
type Message struct {
	Header wire.Header
	First  wire.PayloadType
	Inner  []byte
}

// key identifies a message: the IKE SA, the direction and the Message ID.
type key struct {
	spii, spir uint64
	response   bool
	id         uint32
}

// partial is a message being reassembled.
type partial struct {
	total   int
	chunks  [][]byte
	have    int
	size    int
	first   wire.PayloadType
	started time.Time
}

// Reassembler collects the fragments of received messages. It is not safe
// for concurrent use (an IKE SA's actor owns it); the Budget it draws on
// may be shared. Close it when its IKE SA goes away to return its memory.
type Reassembler struct {
	limits  Limits
	budget  *Budget
	partial map[key]*partial
}

// NewReassembler returns a Reassembler with the given limits drawing on
// budget.
func NewReassembler(limits Limits, budget *Budget) *Reassembler {
	return &Reassembler{limits: limits, budget: budget, partial: map[key]*partial{}}
}

// Add processes one received fragment message: m decoded from raw, the
// whole datagram without non-ESP marker. The processing follows RFC 7383
// section 2.6: Total Fragments above the limit, a duplicate, or a Total
// Fragments lower than the held fragments' discard the fragment before any
// decryption; then the fragment is authenticated with open; a higher Total
// Fragments discards the held fragments and starts over with this one.
// Add returns the reassembled message when this fragment completes it, nil
// and nil while fragments are missing, and an error (wrapping one of the
// errors above) when the fragment was discarded. Messages older than
// Limits.Timeout are dropped first.
func (r *Reassembler) Add(now time.Time, m *wire.Message, raw []byte, open Opener) (*Message, error) {
	r.Expire(now)
	f, ad, body, err := fragmentOf(m, raw)
	if err != nil {
		return nil, err
	}
	k := key{spii: m.Header.SPIi, spir: m.Header.SPIr, response: m.Header.IsResponse(), id: m.Header.MessageID}
	p := r.partial[k]
	if err := r.admit(p, f, len(body)); err != nil {
		return nil, fmt.Errorf("fragment %d/%d of %v: %w", f.Number, f.Total, &m.Header, err)
	}
	plain, err := open(ad, body)
	if err == nil && len(plain) > len(body) {
		err = fmt.Errorf("opener returned %d octets for a %d-octet body", len(plain), len(body))
	}
	if err != nil {
		r.budget.give(len(body)) // admit reserved len(body)
		return nil, fmt.Errorf("%w: fragment %d/%d of %v: %v", ErrIntegrity, f.Number, f.Total, &m.Header, err)
	}
	r.budget.give(len(body) - len(plain))
	if p != nil && int(f.Total) > p.total {
		r.drop(k) // refragmented with more, smaller fragments
		p = nil
	}
	if p == nil {
		p = &partial{total: int(f.Total), chunks: make([][]byte, f.Total), started: now}
		r.partial[k] = p
	}
	p.chunks[f.Number-1] = bytes.Clone(plain)
	p.have++
	p.size += len(plain)
	if f.Number == 1 {
		p.first = f.Inner
	}
	if p.have < p.total {
		return nil, nil
	}
	r.drop(k)
	return &Message{Header: m.Header, First: p.first, Inner: bytes.Join(p.chunks, nil)}, nil
}

// fragmentOf returns the SKF payload ending m and the associated data and
// body it covers in raw.
func fragmentOf(m *wire.Message, raw []byte) (f *wire.SKF, ad, body []byte, err error) {
	if len(m.Payloads) > 0 {
		f, _ = m.Payloads[len(m.Payloads)-1].(*wire.SKF)
	}
	if f == nil || int(m.Header.Length) != len(raw) || len(f.Body) > len(raw) || f.Number == 0 || f.Number > f.Total {
		return nil, nil, nil, ErrNotFragment
	}
	// The SKF payload is last, so its body ends the message.
	n := len(raw) - len(f.Body)
	return f, raw[:n], raw[n:], nil
}

// admit applies the checks made before decryption and reserves n octets of
// the budget for the fragment's body.
func (r *Reassembler) admit(p *partial, f *wire.SKF, n int) error {
	size := 0
	switch {
	case int(f.Total) > r.limits.MaxFragments:
		return fmt.Errorf("%w: Total Fragments %d above %d", ErrLimit, f.Total, r.limits.MaxFragments)
	case p == nil && len(r.partial) >= r.limits.MaxMessages:
		return fmt.Errorf("%w: %d messages in reassembly", ErrLimit, len(r.partial))
	case p != nil && int(f.Total) < p.total:
		return ErrStale
	case p != nil && int(f.Total) == p.total && p.chunks[f.Number-1] != nil:
		return ErrDuplicate
	case p != nil && int(f.Total) == p.total:
		size = p.size
	}
	if size+n > r.limits.MaxSize {
		return fmt.Errorf("%w: message would exceed %d octets", ErrLimit, r.limits.MaxSize)
	}
	if !r.budget.take(n) {
		return ErrMemory
	}
	return nil
}

// drop forgets the message k and returns its memory.
func (r *Reassembler) drop(k key) {
	if p, ok := r.partial[k]; ok {
		r.budget.give(p.size)
		delete(r.partial, k)
	}
}

// Expire drops the messages whose first fragment arrived Limits.Timeout or
// longer before now, and returns how many.
func (r *Reassembler) Expire(now time.Time) int {
	n := 0
	for k, p := range r.partial {
		if now.Sub(p.started) >= r.limits.Timeout {
			r.drop(k)
			n++
		}
	}
	return n
}

// NextExpiry returns when the oldest message in reassembly times out, or
// false when none is.
func (r *Reassembler) NextExpiry() (time.Time, bool) {
	var t time.Time
	for _, p := range r.partial {
		if d := p.started.Add(r.limits.Timeout); t.IsZero() || d.Before(t) {
			t = d
		}
	}
	return t, !t.IsZero()
}

// Pending returns the number of messages in reassembly.
func (r *Reassembler) Pending() int { return len(r.partial) }

// Close drops every message in reassembly and returns their memory to the
// budget.
func (r *Reassembler) Close() {
	for k := range r.partial {
		r.drop(k)
	}
}
