package ikecrypto

import (
	"crypto/ecdh"
	"errors"
	"fmt"
	"io"
	"math/big"
)

// ErrInvalidPublic is returned for a peer's key exchange data that has the
// wrong length (RFC 7296 section 3.4) or fails the public value checks of
// RFC 6989 section 2 and RFC 8031 section 2.3; the exchange must then fail.
var ErrInvalidPublic = errors.New("ikecrypto: invalid key exchange public value")

// GroupID is an IKEv2 Transform Type 4 (Key Exchange Method) identifier.
type GroupID uint16

// Key exchange method identifiers (IANA "Transform Type 4").
const (
	GroupMODP768    GroupID = 1  // RFC 2409 section 6.1; legacy
	GroupMODP1024   GroupID = 2  // RFC 2409 section 6.2; legacy
	GroupMODP1536   GroupID = 5  // RFC 3526 section 2; legacy
	GroupMODP2048   GroupID = 14 // RFC 3526 section 3
	GroupMODP3072   GroupID = 15 // RFC 3526 section 4
	GroupMODP4096   GroupID = 16 // RFC 3526 section 5
	GroupECP256     GroupID = 19 // RFC 5903 section 3.1
	GroupECP384     GroupID = 20 // RFC 5903 section 3.2
	GroupECP521     GroupID = 21 // RFC 5903 section 3.3
	GroupCurve25519 GroupID = 31 // RFC 8031
)

// Group is a key exchange group. Groups are immutable and safe for
// concurrent use.
type Group struct {
	id     GroupID
	legacy bool
	kex    keyExchange
}

// keyExchange is the arithmetic of one family of groups.
type keyExchange interface {
	publicLen() int
	generate(rand io.Reader) (privateKey, error)
}

// privateKey is one ephemeral private value.
type privateKey interface {
	public() []byte
	shared(peer []byte) ([]byte, error)
}

var groups = map[GroupID]*Group{
	GroupMODP768:    {GroupMODP768, true, newMODP(modp768Hex, 256)},
	GroupMODP1024:   {GroupMODP1024, true, newMODP(modp1024Hex, 256)},
	GroupMODP1536:   {GroupMODP1536, true, newMODP(modp1536Hex, 256)},
	GroupMODP2048:   {GroupMODP2048, false, newMODP(modp2048Hex, 384)},
	GroupMODP3072:   {GroupMODP3072, false, newMODP(modp3072Hex, 384)},
	GroupMODP4096:   {GroupMODP4096, false, newMODP(modp4096Hex, 512)},
	GroupECP256:     {GroupECP256, false, nistGroup{ecdh.P256(), 32, 0xff}},
	GroupECP384:     {GroupECP384, false, nistGroup{ecdh.P384(), 48, 0xff}},
	GroupECP521:     {GroupECP521, false, nistGroup{ecdh.P521(), 66, 0x01}},
	GroupCurve25519: {GroupCurve25519, false, x25519Group{}},
}

// LookupGroup returns the group with the given identifier. Legacy groups
// (1, 2 and 5) are returned too: the caller offers or accepts them only when
// the configuration names them (see Group.Legacy).
func LookupGroup(id GroupID) (*Group, error) {
	g, ok := groups[id]
	if !ok {
		return nil, fmt.Errorf("%w: key exchange method %d", ErrUnsupported, id)
	}
	return g, nil
}

// ID returns the transform identifier of g.
func (g *Group) ID() GroupID { return g.id }

// Legacy reports whether the group is too weak to be used unless a
// configuration asks for it explicitly (MODP groups 1, 2 and 5).
func (g *Group) Legacy() bool { return g.legacy }

// PublicLen returns the exact length of the Key Exchange Data of the group
// (RFC 7296 section 3.4, RFC 5903 section 7, RFC 8031 section 3).
func (g *Group) PublicLen() int { return g.kex.publicLen() }

// PrivateKey is an ephemeral key exchange private value of one group.
type PrivateKey struct {
	group *Group
	key   privateKey
}

// GenerateKey returns a fresh private value drawn from rand. The same bytes
// from rand give the same key, so tests can script randomness.
func (g *Group) GenerateKey(rand io.Reader) (*PrivateKey, error) {
	k, err := g.kex.generate(rand)
	if err != nil {
		return nil, fmt.Errorf("generating key for group %d: %w", g.id, err)
	}
	return &PrivateKey{g, k}, nil
}

// Group returns the group of k.
func (k *PrivateKey) Group() *Group { return k.group }

// Public returns the Key Exchange Data to send in the KE payload.
func (k *PrivateKey) Public() []byte { return k.key.public() }

// SharedSecret validates the peer's Key Exchange Data and returns the shared
// secret g^ir in the form the key schedule uses (RFC 7296 section 2.14 for
// MODP, RFC 5903 section 7 for ECP: the x coordinate only, RFC 8031 section
// 2 for Curve25519). Invalid peer data yields an error wrapping
// ErrInvalidPublic.
func (k *PrivateKey) SharedSecret(peer []byte) ([]byte, error) {
	if len(peer) != k.group.PublicLen() {
		return nil, fmt.Errorf("%w: group %d: %d octets, want %d", ErrInvalidPublic, k.group.id, len(peer), k.group.PublicLen())
	}
	s, err := k.key.shared(peer)
	if err != nil {
		return nil, fmt.Errorf("group %d: %w", k.group.id, err)
	}
	return s, nil
}

// modpGroup is a MODP group with generator 2 and a safe prime p (RFC 3526,
// RFC 2409).
//
// math/big is not constant time: the modular exponentiation leaks timing
// about the ephemeral exponent. Each exponent is used for one exchange only,
// which bounds what such a leak can reveal; the ECP groups and Curve25519
// have constant-time implementations and are preferred.
type modpGroup struct {
	p, pMinus1 *big.Int
	size       int // octets of p
	expBits    int // length of the private exponent
}

func newMODP(hexPrime string, expBits int) modpGroup {
	p, ok := new(big.Int).SetString(hexPrime, 16)
	if !ok {
		panic("ikecrypto: bad MODP prime constant")
	}
	return modpGroup{p, new(big.Int).Sub(p, big.NewInt(1)), (p.BitLen() + 7) / 8, expBits}
}

func (g modpGroup) publicLen() int { return g.size }

// generate draws an exponent of expBits bits, big-endian from rand. The
// lengths (256 bits up to group 5, 384 for groups 14 and 15, 512 for group
// 16) are at least twice the strength estimates of RFC 3526 section 8, as
// NIST SP 800-56A Rev. 3 section 5.6.1.1.4 asks for safe-prime groups, and
// equal those of strongSwan, whose MODP test vectors therefore apply.
func (g modpGroup) generate(rand io.Reader) (privateKey, error) {
	buf := make([]byte, (g.expBits+7)/8)
	x := new(big.Int)
	for x.Cmp(big.NewInt(1)) <= 0 {
		if _, err := io.ReadFull(rand, buf); err != nil {
			return nil, err
		}
		x.SetBytes(buf)
	}
	return &modpKey{g, x}, nil
}

type modpKey struct {
	g modpGroup
	x *big.Int
}

func (k *modpKey) public() []byte {
	y := new(big.Int).Exp(big.NewInt(2), k.x, k.g.p)
	return y.FillBytes(make([]byte, k.g.size))
}

// shared checks 1 < y < p-1 (RFC 6989 section 2.1, NIST SP 800-56A Rev. 3
// section 5.6.2.3.2). The primes are safe primes, for which RFC 6989 section
// 2.2 requires no further test: the range check excludes the only small
// subgroup, {1, p-1}.
func (k *modpKey) shared(peer []byte) ([]byte, error) {
	y := new(big.Int).SetBytes(peer)
	if y.Cmp(big.NewInt(1)) <= 0 || y.Cmp(k.g.pMinus1) >= 0 {
		return nil, fmt.Errorf("%w: MODP value out of range", ErrInvalidPublic)
	}
	z := new(big.Int).Exp(y, k.x, k.g.p)
	// g^ir is padded with zeros to the length of the modulus (section 2.14).
	return z.FillBytes(make([]byte, k.g.size)), nil
}

// nistGroup is an ECP group of RFC 5903 on a NIST curve. Its KE data is x | y,
// each coordinate padded to the field size, without the 0x04 point format
// octet of SEC 1 (RFC 5903 section 7).
type nistGroup struct {
	curve    ecdh.Curve
	coordLen int
	topMask  byte // mask for the first octet of a candidate scalar
}

func (g nistGroup) publicLen() int { return 2 * g.coordLen }

// generate draws scalars of the field size from rand, masked to the bit length
// of the group order, until one is in [1, n-1] (rejection sampling as in
// FIPS 186-5 A.4.2), so that the key is a function of the random bytes.
func (g nistGroup) generate(rand io.Reader) (privateKey, error) {
	buf := make([]byte, g.coordLen)
	for range 1000 {
		if _, err := io.ReadFull(rand, buf); err != nil {
			return nil, err
		}
		buf[0] &= g.topMask
		if k, err := g.curve.NewPrivateKey(buf); err == nil {
			return ecdhKey{k, true}, nil
		}
	}
	return nil, errors.New("ikecrypto: no valid ECP scalar from the random source")
}

// ecdhKey is a private key of crypto/ecdh. sec1 marks the NIST curves, whose
// crypto/ecdh encoding is the SEC 1 uncompressed point 0x04 | x | y while IKE
// sends x | y.
type ecdhKey struct {
	k    *ecdh.PrivateKey
	sec1 bool
}

func (k ecdhKey) public() []byte {
	pub := k.k.PublicKey().Bytes()
	if k.sec1 {
		return pub[1:]
	}
	return pub
}

func (k ecdhKey) shared(peer []byte) ([]byte, error) {
	enc := peer
	if k.sec1 {
		enc = append([]byte{4}, peer...)
	}
	// NewPublicKey checks that the point is on the curve and not the point at
	// infinity (RFC 6989 section 2.3, NIST SP 800-56A 5.6.2.3.4).
	pub, err := k.k.Curve().NewPublicKey(enc)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidPublic, err)
	}
	s, err := k.k.ECDH(pub)
	if err != nil {
		// X25519 fails on low-order points, whose shared secret is all
		// zeros (RFC 8031 section 2.3).
		return nil, fmt.Errorf("%w: %v", ErrInvalidPublic, err)
	}
	return s, nil
}

// x25519Group is Curve25519 (RFC 8031): 32-octet public values and shared
// secrets, little-endian as in RFC 7748.
type x25519Group struct{}

func (x25519Group) publicLen() int { return 32 }

func (x25519Group) generate(rand io.Reader) (privateKey, error) {
	buf := make([]byte, 32)
	if _, err := io.ReadFull(rand, buf); err != nil {
		return nil, err
	}
	k, err := ecdh.X25519().NewPrivateKey(buf)
	if err != nil {
		return nil, err
	}
	return ecdhKey{k, false}, nil
}
