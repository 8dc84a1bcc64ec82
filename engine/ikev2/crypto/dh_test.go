package ikecrypto

import (
	"bytes"
	"errors"
	"math/big"
	"math/rand/v2"
	"testing"
)

// seeded returns a deterministic random stream.
func seeded(seed uint64) *rand.ChaCha8 {
	var s [32]byte
	s[0] = byte(seed)
	return rand.NewChaCha8(s)
}

// arctanInv returns arctan(1/x) * 2^bits.
func arctanInv(x int64, bits uint) *big.Int {
	bx := big.NewInt(x)
	x2 := new(big.Int).Mul(bx, bx)
	term := new(big.Int).Div(new(big.Int).Lsh(big.NewInt(1), bits), bx)
	sum := new(big.Int).Set(term)
	for n := int64(1); term.Sign() != 0; n++ {
		term.Div(term, x2)
		t := new(big.Int).Div(term, big.NewInt(2*n+1))
		if n%2 == 1 {
			sum.Sub(sum, t)
		} else {
			sum.Add(sum, t)
		}
	}
	return sum
}

// TestMODPPrimes recomputes each prime from its defining formula
// p = 2^N - 2^(N-64) - 1 + 2^64 * ([2^(N-130) pi] + k) (RFC 2409 section 6,
// RFC 3526), with pi from Machin's formula, and checks it is a safe prime.
func TestMODPPrimes(t *testing.T) {
	for _, c := range []struct {
		id GroupID
		n  uint
		k  int64
	}{
		{GroupMODP768, 768, 149686},
		{GroupMODP1024, 1024, 129093},
		{GroupMODP1536, 1536, 741804},
		{GroupMODP2048, 2048, 124476},
		{GroupMODP3072, 3072, 1690314},
		{GroupMODP4096, 4096, 240904},
	} {
		const guard = 64
		bits := c.n - 130 + guard
		pi := new(big.Int).Sub(new(big.Int).Mul(arctanInv(5, bits), big.NewInt(16)), new(big.Int).Mul(arctanInv(239, bits), big.NewInt(4)))
		pi.Rsh(pi, guard)
		p := new(big.Int).Lsh(big.NewInt(1), c.n)
		p.Sub(p, new(big.Int).Lsh(big.NewInt(1), c.n-64))
		p.Sub(p, big.NewInt(1))
		p.Add(p, new(big.Int).Lsh(pi.Add(pi, big.NewInt(c.k)), 64))

		g, err := LookupGroup(c.id)
		if err != nil {
			t.Fatal(err)
		}
		if got := g.kex.(modpGroup).p; got.Cmp(p) != 0 {
			t.Errorf("group %d prime = %X, want %X", c.id, got, p)
		}
		if g.PublicLen() != int(c.n/8) {
			t.Errorf("group %d public length %d, want %d", c.id, g.PublicLen(), c.n/8)
		}
		// Baillie-PSW: no composite is known to pass it.
		if !p.ProbablyPrime(0) || !new(big.Int).Rsh(p, 1).ProbablyPrime(0) {
			t.Errorf("group %d: p is not a safe prime", c.id)
		}
	}
}

func TestGroups(t *testing.T) {
	for _, c := range []struct {
		id        GroupID
		publicLen int
		legacy    bool
	}{
		{GroupMODP768, 96, true}, {GroupMODP1024, 128, true}, {GroupMODP1536, 192, true},
		{GroupMODP2048, 256, false}, {GroupMODP3072, 384, false}, {GroupMODP4096, 512, false},
		{GroupECP256, 64, false}, {GroupECP384, 96, false}, {GroupECP521, 132, false},
		{GroupCurve25519, 32, false},
	} {
		g, err := LookupGroup(c.id)
		if err != nil {
			t.Fatal(err)
		}
		if g.ID() != c.id || g.PublicLen() != c.publicLen || g.Legacy() != c.legacy {
			t.Errorf("group %d: id %d, public length %d, legacy %v; want %d, %v", c.id, g.ID(), g.PublicLen(), g.Legacy(), c.publicLen, c.legacy)
		}
		rng := seeded(uint64(c.id))
		a, err := g.GenerateKey(rng)
		if err != nil {
			t.Fatal(err)
		}
		b, err := g.GenerateKey(rng)
		if err != nil {
			t.Fatal(err)
		}
		if a.Group() != g || len(a.Public()) != c.publicLen {
			t.Errorf("group %d: key of group %d with %d-octet public value", c.id, a.Group().ID(), len(a.Public()))
		}
		sa, err := a.SharedSecret(b.Public())
		if err != nil {
			t.Fatal(err)
		}
		sb, err := b.SharedSecret(a.Public())
		if err != nil || !bytes.Equal(sa, sb) {
			t.Errorf("group %d: shared secrets differ: %x / %x (%v)", c.id, sa, sb, err)
		}
		// The same random stream gives the same key.
		again, _ := g.GenerateKey(seeded(uint64(c.id)))
		if !bytes.Equal(again.Public(), a.Public()) {
			t.Errorf("group %d: key generation is not a function of the random stream", c.id)
		}
	}
	for _, id := range []GroupID{0, 3, 4, 17, 22, 30, 32} {
		if _, err := LookupGroup(id); !errors.Is(err, ErrUnsupported) {
			t.Errorf("LookupGroup(%d) = %v, want ErrUnsupported", id, err)
		}
	}
}

func TestInvalidPublic(t *testing.T) {
	modp, _ := LookupGroup(GroupMODP2048)
	p := modp.kex.(modpGroup).p
	pad := func(x *big.Int) []byte { return x.FillBytes(make([]byte, 256)) }
	offCurve := bytes.Repeat([]byte{1}, 64)
	// A point of order 8 on Curve25519 (RFC 7748 section 6.1 requires the
	// all-zero output check; these inputs produce it).
	lowOrder := []byte{0xe0, 0xeb, 0x7a, 0x7c, 0x3b, 0x41, 0xb8, 0xae, 0x16, 0x56, 0xe3, 0xfa, 0xf1, 0x9f, 0xc4, 0x6a, 0xda, 0x09, 0x8d, 0xeb, 0x9c, 0x32, 0xb1, 0xfd, 0x86, 0x62, 0x05, 0x16, 0x5f, 0x49, 0xb8, 0x00}
	for _, c := range []struct {
		name  string
		group GroupID
		peer  []byte
	}{
		{"modp zero", GroupMODP2048, pad(big.NewInt(0))},
		{"modp one", GroupMODP2048, pad(big.NewInt(1))},
		{"modp p-1", GroupMODP2048, pad(new(big.Int).Sub(p, big.NewInt(1)))},
		{"modp p", GroupMODP2048, pad(p)},
		{"modp all ones", GroupMODP2048, bytes.Repeat([]byte{0xff}, 256)},
		{"modp short", GroupMODP2048, []byte{2}},
		{"modp long", GroupMODP2048, make([]byte, 257)},
		{"ecp off curve", GroupECP256, offCurve},
		{"ecp infinity", GroupECP256, make([]byte, 64)},
		{"ecp with 0x04 prefix", GroupECP256, append([]byte{4}, offCurve...)},
		{"ecp empty", GroupECP384, nil},
		{"x25519 zero", GroupCurve25519, make([]byte, 32)},
		{"x25519 one", GroupCurve25519, append([]byte{1}, make([]byte, 31)...)},
		{"x25519 order 8", GroupCurve25519, lowOrder},
		{"x25519 short", GroupCurve25519, make([]byte, 31)},
	} {
		t.Run(c.name, func(t *testing.T) {
			g, _ := LookupGroup(c.group)
			k, err := g.GenerateKey(seeded(1))
			if err != nil {
				t.Fatal(err)
			}
			if s, err := k.SharedSecret(c.peer); !errors.Is(err, ErrInvalidPublic) {
				t.Errorf("SharedSecret = %x, %v; want ErrInvalidPublic", s, err)
			}
		})
	}
}

func TestGenerateKeyShortRandom(t *testing.T) {
	for _, id := range []GroupID{GroupMODP2048, GroupECP256, GroupCurve25519} {
		g, _ := LookupGroup(id)
		if _, err := g.GenerateKey(bytes.NewReader([]byte{1, 2, 3})); err == nil {
			t.Errorf("group %d: key from 3 random octets", id)
		}
	}
}
