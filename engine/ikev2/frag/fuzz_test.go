package frag

import (
	"bytes"
	"encoding/binary"
	"testing"
	"time"

	"github.com/flexvpnd/flexvpnd/engine/ikev2/wire"
)

// identity is an Opener for the fuzz target: the body is the plaintext.
func identity(_, body []byte) ([]byte, error) { return body, nil }

// plainSealer is the Sealer matching identity.
type plainSealer struct{}

func (plainSealer) BodyLen(n int) int                    { return n }
func (plainSealer) Seal(_, plain []byte) ([]byte, error) { return bytes.Clone(plain), nil }

// FuzzReassemble feeds datagrams (each prefixed by a 2-octet length) to a
// Reassembler. Properties: no panic; the budget is never exceeded; no
// completed message exceeds MaxSize; Close gives the whole budget back.
func FuzzReassemble(f *testing.F) {
	for _, total := range []int{1, 3} {
		frags, err := Fragment(testHeader, wire.PayloadV, bytes.Repeat([]byte("payload"), 30), 100, plainSealer{})
		if err != nil {
			f.Fatal(err)
		}
		var seed []byte
		for _, raw := range frags[:min(total, len(frags))] {
			seed = binary.BigEndian.AppendUint16(seed, uint16(len(raw)))
			seed = append(seed, raw...)
		}
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		const capacity = 4096
		budget := NewBudget(capacity)
		r := NewReassembler(Limits{MaxFragments: 8, MaxSize: 2048, MaxMessages: 3, Timeout: time.Second}, budget)
		now := time.Unix(0, 0)
		for len(b) >= 2 {
			n := min(int(binary.BigEndian.Uint16(b)), len(b)-2)
			raw := b[2 : 2+n]
			b = b[2+n:]
			now = now.Add(100 * time.Millisecond)
			m, err := wire.Decode(raw)
			if err != nil {
				continue
			}
			got, _ := r.Add(now, m, raw, identity)
			if budget.InUse() > capacity || budget.InUse() < 0 {
				t.Fatalf("budget holds %d octets", budget.InUse())
			}
			if got != nil && len(got.Inner) > 2048 {
				t.Fatalf("reassembled %d octets above MaxSize", len(got.Inner))
			}
		}
		r.Close()
		if budget.InUse() != 0 {
			t.Fatalf("budget holds %d octets after Close", budget.InUse())
		}
	})
}
