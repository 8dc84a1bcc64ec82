package frag

import (
	"bytes"
	"crypto/rand"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"strings"
	"testing"
	"time"

	ikecrypto "github.com/flexvpnd/flexvpnd/engine/ikev2/crypto"
	"github.com/flexvpnd/flexvpnd/engine/ikev2/wire"
)

func TestMaxMessage(t *testing.T) {
	tests := []struct {
		mtu          int
		ipv6, nonESP bool
		want         int
	}{
		{DefaultIPv4MTU, false, false, 548},
		{DefaultIPv4MTU, false, true, 544},
		{DefaultIPv6MTU, true, false, 1232},
		{DefaultIPv6MTU, true, true, 1228},
		{1500, false, true, 1468},
	}
	for _, tc := range tests {
		if got := MaxMessage(tc.mtu, tc.ipv6, tc.nonESP); got != tc.want {
			t.Errorf("MaxMessage(%d, v6 %v, marker %v) = %d, want %d", tc.mtu, tc.ipv6, tc.nonESP, got, tc.want)
		}
	}
}

// pair returns a sending and a receiving SKCipher with the same keys.
func pair(t testing.TB, e ikecrypto.Encr, integ ikecrypto.IntegID) (*ikecrypto.SKCipher, *ikecrypto.SKCipher) {
	t.Helper()
	encLen, err := e.KeyLen()
	if err != nil {
		t.Fatal(err)
	}
	integLen, err := integ.KeyLen()
	if err != nil {
		t.Fatal(err)
	}
	ek, ik := make([]byte, encLen), make([]byte, integLen)
	rand.Read(ek)
	rand.Read(ik)
	out, err := ikecrypto.NewSKCipher(e, integ, ek, ik, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	in, err := ikecrypto.NewSKCipher(e, integ, ek, ik, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return out, in
}

var suites = []struct {
	name  string
	encr  ikecrypto.Encr
	integ ikecrypto.IntegID
}{
	{"AES-GCM-256", ikecrypto.Encr{ID: ikecrypto.EncrAESGCM16, KeyBits: 256}, ikecrypto.IntegNone},
	{"AES-CBC-256/SHA256", ikecrypto.Encr{ID: ikecrypto.EncrAESCBC, KeyBits: 256}, ikecrypto.IntegHMACSHA2256128},
}

func TestChunkSizeIsLargestThatFits(t *testing.T) {
	for _, s := range suites {
		out, _ := pair(t, s.encr, s.integ)
		for _, maxMsg := range []int{544, 548, 1228, 1468, 100} {
			n, err := ChunkSize(maxMsg, out)
			if err != nil {
				t.Fatalf("%s %d: %v", s.name, maxMsg, err)
			}
			room := maxMsg - wire.HeaderLen - skfHeader
			if out.BodyLen(n) > room || out.BodyLen(n+1) <= room {
				t.Errorf("%s %d: chunk %d (body %d, next %d) is not the largest within %d", s.name, maxMsg, n, out.BodyLen(n), out.BodyLen(n+1), room)
			}
		}
		if _, err := ChunkSize(wire.HeaderLen+skfHeader+20, out); !errors.Is(err, ErrMTU) {
			t.Errorf("%s: tiny message: %v, want ErrMTU", s.name, err)
		}
	}
}

var testHeader = wire.Header{SPIi: 0x1122334455667788, SPIr: 0x99aabbccddeeff00, Version: wire.Version, Exchange: wire.IKEAuth, Flags: wire.FlagInitiator, MessageID: 1}

// innerPayloads returns n octets of encoded inner payloads (one Vendor ID
// payload chain), so that the reassembled octets decode.
func innerPayloads(t testing.TB, n int) []byte {
	t.Helper()
	var ps []wire.Payload
	for left := n; left > 0; {
		k := min(left-4, 1000)
		if k < 1 {
			k = 1
		}
		ps = append(ps, &wire.VendorID{Data: bytes.Repeat([]byte{byte(len(ps))}, k)})
		left -= k + 4
	}
	b, err := wire.AppendPayloads(nil, ps)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestFragmentAndReassemble(t *testing.T) {
	for _, s := range suites {
		for _, size := range []int{5, 600, 3000, 9000} {
			t.Run(fmt.Sprintf("%s/%d", s.name, size), func(t *testing.T) {
				out, in := pair(t, s.encr, s.integ)
				inner := innerPayloads(t, size)
				maxMsg := MaxMessage(DefaultIPv4MTU, false, true)
				frags, err := Fragment(testHeader, wire.PayloadV, inner, maxMsg, out)
				if err != nil {
					t.Fatal(err)
				}
				for i, raw := range frags {
					if len(raw) > maxMsg {
						t.Errorf("fragment %d is %d octets, above %d", i+1, len(raw), maxMsg)
					}
					m, err := wire.Decode(raw)
					if err != nil {
						t.Fatalf("fragment %d: %v", i+1, err)
					}
					f := m.Payloads[0].(*wire.SKF)
					wantInner := wire.PayloadType(0)
					if i == 0 {
						wantInner = wire.PayloadV
					}
					if int(f.Number) != i+1 || int(f.Total) != len(frags) || f.Inner != wantInner {
						t.Errorf("fragment %d: number %d total %d next %v", i+1, f.Number, f.Total, f.Inner)
					}
				}
				// Deliver shuffled, every fragment twice.
				order := mrand.Perm(len(frags))
				r := NewReassembler(DefaultLimits(), NewBudget(1<<20))
				var got *Message
				for _, i := range append(order, order...) {
					m, _ := wire.Decode(frags[i])
					res, err := r.Add(time.Unix(0, 0), m, frags[i], in.Open)
					if res != nil {
						got = res
					}
					if err != nil && !errors.Is(err, ErrDuplicate) && got == nil {
						t.Fatalf("fragment %d: %v", i+1, err)
					}
				}
				if got == nil {
					t.Fatal("not reassembled")
				}
				if !bytes.Equal(got.Inner, inner) || got.First != wire.PayloadV || got.Header.MessageID != 1 {
					t.Errorf("reassembled %d octets first %v id %d; want %d octets, V, 1", len(got.Inner), got.First, got.Header.MessageID, len(inner))
				}
				if _, err := wire.DecodePayloads(got.First, got.Inner); err != nil {
					t.Errorf("reassembled payloads: %v", err)
				}
			})
		}
	}
}

// fixture builds fragment messages with a real AES-GCM cipher.
type fixture struct {
	t       *testing.T
	out, in *ikecrypto.SKCipher
	now     time.Time
	r       *Reassembler
	budget  *Budget
}

func newFixture(t *testing.T, l Limits, budget int) *fixture {
	out, in := pair(t, suites[0].encr, suites[0].integ)
	b := NewBudget(budget)
	return &fixture{t: t, out: out, in: in, now: time.Unix(1000, 0), r: NewReassembler(l, b), budget: b}
}

// frag returns fragment number/total of message id with the given content.
func (fx *fixture) frag(id uint32, number, total int, content string) []byte {
	h := testHeader
	h.MessageID = id
	f := &wire.SKF{Number: uint16(number), Total: uint16(total)}
	if number == 1 {
		f.Inner = wire.PayloadV
	}
	raw, err := seal(h, f, []byte(content), fx.out)
	if err != nil {
		fx.t.Fatal(err)
	}
	return raw
}

func (fx *fixture) add(raw []byte) (*Message, error) {
	m, err := wire.Decode(raw)
	if err != nil {
		fx.t.Fatal(err)
	}
	return fx.r.Add(fx.now, m, raw, fx.in.Open)
}

func TestReassemblyRules(t *testing.T) {
	type step struct {
		id            uint32
		number, total int
		content       string
		tamper        bool
		wantErr       error
		want          string // the reassembled content when complete
	}
	tests := []struct {
		name  string
		steps []step
	}{
		{"in order", []step{{id: 1, number: 1, total: 2, content: "ab"}, {id: 1, number: 2, total: 2, content: "cd", want: "abcd"}}},
		{"reverse order", []step{{id: 1, number: 3, total: 3, content: "e"}, {id: 1, number: 2, total: 3, content: "cd"}, {id: 1, number: 1, total: 3, content: "ab", want: "abcde"}}},
		{"duplicate", []step{{id: 1, number: 1, total: 2, content: "ab"}, {id: 1, number: 1, total: 2, content: "ab", wantErr: ErrDuplicate}, {id: 1, number: 2, total: 2, content: "cd", want: "abcd"}}},
		{"lower total is stale", []step{{id: 1, number: 1, total: 3, content: "a"}, {id: 1, number: 2, total: 2, content: "xx", wantErr: ErrStale}, {id: 1, number: 2, total: 3, content: "b"}, {id: 1, number: 3, total: 3, content: "c", want: "abc"}}},
		{"higher total starts over", []step{{id: 1, number: 1, total: 2, content: "old"}, {id: 1, number: 2, total: 3, content: "b"}, {id: 1, number: 1, total: 3, content: "a"}, {id: 1, number: 3, total: 3, content: "c", want: "abc"}}},
		{"forged higher total changes nothing", []step{{id: 1, number: 1, total: 2, content: "ab"}, {id: 1, number: 1, total: 3, content: "zz", tamper: true, wantErr: ErrIntegrity}, {id: 1, number: 2, total: 2, content: "cd", want: "abcd"}}},
		{"messages kept apart", []step{{id: 1, number: 1, total: 2, content: "a"}, {id: 2, number: 1, total: 2, content: "x"}, {id: 2, number: 2, total: 2, content: "y", want: "xy"}, {id: 1, number: 2, total: 2, content: "b", want: "ab"}}},
		{"too many fragments", []step{{id: 1, number: 1, total: 5, content: "a", wantErr: ErrLimit}}},
		{"too many messages", []step{{id: 1, number: 1, total: 2, content: "a"}, {id: 2, number: 1, total: 2, content: "a"}, {id: 3, number: 1, total: 2, content: "a", wantErr: ErrLimit}}},
		{"too large", []step{{id: 1, number: 1, total: 2, content: strings.Repeat("a", 30)}, {id: 1, number: 2, total: 2, content: strings.Repeat("b", 30), wantErr: ErrLimit}}},
	}
	limits := Limits{MaxFragments: 4, MaxSize: 60, MaxMessages: 2, Timeout: time.Second}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fx := newFixture(t, limits, 1<<20)
			for i, s := range tc.steps {
				raw := fx.frag(s.id, s.number, s.total, s.content)
				if s.tamper {
					raw[len(raw)-1] ^= 1
				}
				got, err := fx.add(raw)
				if !errors.Is(err, s.wantErr) || (s.wantErr == nil && err != nil) {
					t.Fatalf("step %d: err %v, want %v", i, err, s.wantErr)
				}
				switch {
				case s.want == "" && got != nil:
					t.Fatalf("step %d: completed early with %q", i, got.Inner)
				case s.want != "" && (got == nil || string(got.Inner) != s.want || got.First != wire.PayloadV):
					t.Fatalf("step %d: got %+v, want %q", i, got, s.want)
				}
			}
			fx.r.Close()
			if fx.budget.InUse() != 0 {
				t.Errorf("budget holds %d octets after Close", fx.budget.InUse())
			}
		})
	}
}

func TestTimeout(t *testing.T) {
	fx := newFixture(t, Limits{MaxFragments: 4, MaxSize: 100, MaxMessages: 2, Timeout: 10 * time.Second}, 1<<20)
	if _, err := fx.add(fx.frag(1, 1, 2, "ab")); err != nil {
		t.Fatal(err)
	}
	if at, ok := fx.r.NextExpiry(); !ok || !at.Equal(fx.now.Add(10*time.Second)) {
		t.Errorf("NextExpiry = %v, %v", at, ok)
	}
	held := fx.budget.InUse()
	if held == 0 {
		t.Fatal("nothing charged to the budget")
	}
	fx.now = fx.now.Add(10 * time.Second)
	// The second half arrives too late: the first is gone, so this one
	// starts a new message that stays incomplete.
	if got, err := fx.add(fx.frag(1, 2, 2, "cd")); got != nil || err != nil {
		t.Fatalf("late fragment: %v, %v", got, err)
	}
	if fx.r.Pending() != 1 || fx.budget.InUse() != 2 {
		t.Errorf("pending %d, budget %d; want 1 message holding 2 octets", fx.r.Pending(), fx.budget.InUse())
	}
	if n := fx.r.Expire(fx.now.Add(time.Hour)); n != 1 || fx.budget.InUse() != 0 {
		t.Errorf("Expire dropped %d, budget %d", n, fx.budget.InUse())
	}
	if _, ok := fx.r.NextExpiry(); ok {
		t.Error("NextExpiry with nothing pending")
	}
}

// TestMemoryCap has 200 IKE SAs, each sending the first half of many
// messages that never complete. The shared budget is never exceeded,
// fragments are refused once it is full, and timeouts give it all back.
func TestMemoryCap(t *testing.T) {
	const capacity = 64 << 10
	out, in := pair(t, suites[0].encr, suites[0].integ)
	budget := NewBudget(capacity)
	limits := Limits{MaxFragments: 16, MaxSize: 16 << 10, MaxMessages: 8, Timeout: 30 * time.Second}
	now := time.Unix(0, 0)
	var rs []*Reassembler
	refused, limited := 0, 0
	chunk := bytes.Repeat([]byte("x"), 1000)
	for sa := range 200 {
		r := NewReassembler(limits, budget)
		rs = append(rs, r)
		for id := range uint32(20) {
			h := testHeader
			h.SPIi, h.MessageID = uint64(sa+1), id
			raw, err := seal(h, &wire.SKF{Inner: wire.PayloadV, Number: 1, Total: 16}, chunk, out)
			if err != nil {
				t.Fatal(err)
			}
			m, _ := wire.Decode(raw)
			_, err = r.Add(now, m, raw, in.Open)
			switch {
			case errors.Is(err, ErrMemory):
				refused++
			case errors.Is(err, ErrLimit):
				limited++
			case err != nil:
				t.Fatal(err)
			}
			if budget.InUse() > capacity {
				t.Fatalf("budget holds %d octets, above %d", budget.InUse(), capacity)
			}
		}
	}
	if refused == 0 || limited == 0 {
		t.Errorf("refused %d for memory, %d for limits; want both", refused, limited)
	}
	now = now.Add(time.Minute)
	for _, r := range rs {
		r.Expire(now)
	}
	if budget.InUse() != 0 {
		t.Errorf("budget holds %d octets after every message expired", budget.InUse())
	}
}

func TestAddRejectsNonFragment(t *testing.T) {
	fx := newFixture(t, DefaultLimits(), 1<<20)
	m := wire.Message{Header: testHeader, Payloads: []wire.Payload{&wire.SK{Inner: wire.PayloadV, Body: make([]byte, 40)}}}
	raw, err := m.Append(nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fx.add(raw); !errors.Is(err, ErrNotFragment) {
		t.Errorf("SK message: %v, want ErrNotFragment", err)
	}
}
