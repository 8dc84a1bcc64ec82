package esp

import (
	"crypto/hmac"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"slices"
	"sync"
	"sync/atomic"
)

// Counters is a snapshot of an SA's statistics (for show crypto ipsec sa).
type Counters struct {
	Packets      uint64 // packets encapsulated, or decapsulated successfully
	Bytes        uint64 // payload octets of those packets (inner packets)
	ReplayDrops  uint64 // inbound packets dropped by the replay check
	AuthFailures uint64 // inbound packets whose ICV did not verify
	Malformed    uint64 // inbound packets with an invalid layout
}

// counters are the live, atomically updated Counters.
type counters struct {
	packets, bytes, replay, auth, malformed atomic.Uint64
}

func (c *counters) snapshot() Counters {
	return Counters{
		Packets:      c.packets.Load(),
		Bytes:        c.bytes.Load(),
		ReplayDrops:  c.replay.Load(),
		AuthFailures: c.auth.Load(),
		Malformed:    c.malformed.Load(),
	}
}

// sa is what both directions share.
type sa struct {
	spi   uint32
	esn   bool
	mode  Mode
	suite *suite
	pool  sync.Pool // *work
	stats counters  // but the packets and bytes of an Inbound
}

// init keys a from c; decrypt selects the direction of the CBC scratch.
func (a *sa) init(c *Config, decrypt bool) error {
	s, err := newSuite(c)
	if err != nil {
		return err
	}
	a.spi, a.esn, a.mode, a.suite = c.SPI, c.ESN, c.Mode, s
	a.pool.New = func() any { return s.newWork(decrypt) }
	return nil
}

// SPI returns the SA's Security Parameters Index.
func (a *sa) SPI() uint32 { return a.spi }

// Mode returns the mode recorded in the Config.
func (a *sa) Mode() Mode { return a.mode }

// Counters returns a snapshot of the SA's statistics; it is safe to call
// while packets flow.
func (a *sa) Counters() Counters { return a.stats.snapshot() }

// Outbound is the sending side of an SA.
type Outbound struct {
	sa
	seq  atomic.Uint64 // last sequence number sent
	rand io.Reader
}

// NewOutbound keys an outbound SA. The first packet carries sequence number 1
// (RFC 4303 section 3.3.3).
func NewOutbound(c Config) (*Outbound, error) {
	o := &Outbound{rand: c.Rand}
	if err := o.init(&c, false); err != nil {
		return nil, err
	}
	if o.rand == nil {
		o.rand = rand.Reader
	}
	return o, nil
}

// HeaderLen is the number of octets Encap writes before the payload: SPI,
// sequence number and IV. Callers that read the payload at this offset in
// the output buffer get in-place encapsulation.
func (o *Outbound) HeaderLen() int { return o.suite.headerLen() }

// Overhead is the largest number of octets that Encap adds to a payload.
func (o *Outbound) Overhead() int {
	return o.suite.headerLen() + o.suite.align - 1 + 2 + o.suite.icvLen
}

// LastSeq returns the last sequence number sent (0 before the first
// packet), so the caller can rekey well before ErrSequenceExhausted.
func (o *Outbound) LastSeq() uint64 { return o.seq.Load() }

// nextSeq reserves the next sequence number; it never wraps (RFC 4303
// section 3.3.3).
func (o *Outbound) nextSeq() (uint64, error) {
	limit := uint64(math.MaxUint32)
	if o.esn {
		limit = math.MaxUint64
	}
	for {
		cur := o.seq.Load()
		if cur >= limit {
			return 0, ErrSequenceExhausted
		}
		if o.seq.CompareAndSwap(cur, cur+1) {
			return cur + 1, nil
		}
	}
}

// Encap appends to dst the ESP packet carrying payload with the given
// next-header value (4 or 41 for an inner IP packet in tunnel mode), and
// returns the extended slice. No allocation happens when dst has at least
// Overhead()+len(payload) spare capacity. payload may sit in that spare
// capacity exactly HeaderLen() octets past len(dst), for in-place
// operation; any other overlap with dst's spare capacity is not allowed.
//
// The packet is SPI | sequence number | IV | ciphertext of payload,
// padding 1, 2, 3, ..., pad length and next header | ICV (RFC 4303 section
// 2). Encap returns ErrSequenceExhausted once the sequence numbers run out.
func (o *Outbound) Encap(dst, payload []byte, nextHeader byte) ([]byte, error) {
	return o.EncapScratch(nil, dst, payload, nextHeader)
}

// Scratch is the working memory of the AEAD transforms for one packet (the
// nonce and the ESN additional data). A goroutine that handles many
// packets keeps one and hands it to EncapScratch and DecapScratch, which
// saves the trip through the SA's pool that Encap and Decap make for it.
// A Scratch serves one packet at a time; the zero value is ready to use.
type Scratch struct {
	nonce [12]byte
	aad   [12]byte
}

// EncapScratch is Encap with sc as the scratch of an AEAD transform; a nil
// sc, or a CBC transform, takes scratch from the SA's pool.
func (o *Outbound) EncapScratch(sc *Scratch, dst, payload []byte, nextHeader byte) ([]byte, error) {
	seq, err := o.nextSeq()
	if err != nil {
		return dst, err
	}
	s := o.suite
	hdr := s.headerLen()
	padLen := (s.align - (len(payload)+2)%s.align) % s.align
	ctLen := len(payload) + padLen + 2
	total := hdr + ctLen + s.icvLen

	out := slices.Grow(dst, total)[:len(dst)+total]
	p := out[len(dst):]
	copy(p[hdr:], payload)
	binary.BigEndian.PutUint32(p[0:], o.spi)
	binary.BigEndian.PutUint32(p[4:], uint32(seq))
	trailer := p[hdr+len(payload) : hdr+ctLen]
	for i := range padLen {
		trailer[i] = byte(i + 1)
	}
	trailer[padLen] = byte(padLen)
	trailer[padLen+1] = nextHeader

	if s.aead != nil {
		// RFC 4106 section 3.1: the IV is the 64-bit sequence number, unique
		// for the life of the key.
		binary.BigEndian.PutUint64(p[8:], seq)
		o.seal(sc, p, hdr, seq)
	} else if err := o.sealCBC(p, hdr, seq); err != nil {
		return dst, err
	}
	o.stats.packets.Add(1)
	o.stats.bytes.Add(uint64(len(payload)))
	return out, nil
}

// seal encrypts and authenticates with the AEAD transform the packet p,
// whose header is hdr octets long and whose ICV is still to be written,
// with scratch sc, or the pool's if sc is nil. The defer stays out of
// Encap, where it would not be open-coded.
func (o *Outbound) seal(sc *Scratch, p []byte, hdr int, seq uint64) {
	if sc == nil {
		w := o.pool.Get().(*work)
		defer o.pool.Put(w)
		sc = &w.Scratch
	}
	s := o.suite
	s.aead.Seal(p[hdr:hdr], s.nonce(sc, p[8:16]), p[hdr:len(p)-s.icvLen], o.aad(sc, p, seq))
}

// sealCBC fills in the random IV of the packet p, whose header is hdr
// octets long, encrypts it with AES-CBC and writes its ICV (RFC 3602, RFC
// 4303 section 3.3.2).
func (o *Outbound) sealCBC(p []byte, hdr int, seq uint64) error {
	w := o.pool.Get().(*work)
	defer o.pool.Put(w)
	ctEnd := len(p) - o.suite.icvLen
	iv := p[8:hdr]
	if _, err := io.ReadFull(o.rand, iv); err != nil {
		return fmt.Errorf("esp: CBC IV: %w", err)
	}
	w.cbc.SetIV(iv)
	w.cbc.CryptBlocks(p[hdr:ctEnd], p[hdr:ctEnd])
	copy(p[ctEnd:], o.icv(w, p[:ctEnd], seq))
	return nil
}

// nonce builds the AEAD nonce, salt | explicit IV (RFC 4106 section 4,
// RFC 7634 section 2.1), in sc.
func (s *suite) nonce(sc *Scratch, iv []byte) []byte {
	copy(sc.nonce[:4], s.salt[:])
	copy(sc.nonce[4:], iv)
	return sc.nonce[:]
}

// aad returns the AEAD additional data for packet p with full sequence
// number seq: SPI | low 32 bits, or SPI | high 32 | low 32 with ESN
// (RFC 4106 section 5, RFC 7634 section 2.2).
func (a *sa) aad(sc *Scratch, p []byte, seq uint64) []byte {
	if !a.esn {
		return p[:8]
	}
	copy(sc.aad[:4], p[:4])
	binary.BigEndian.PutUint64(sc.aad[4:], seq)
	return sc.aad[:]
}

// icv computes the truncated HMAC over SPI | sequence number | IV |
// ciphertext, followed for ESN by the high-order 32 bits of the sequence
// number, which are not sent (RFC 4303 sections 2.2.1 and 3.3.2.1).
func (a *sa) icv(w *work, covered []byte, seq uint64) []byte {
	w.mac.Reset()
	w.mac.Write(covered)
	if a.esn {
		binary.BigEndian.PutUint32(w.aad[:4], uint32(seq>>32))
		w.mac.Write(w.aad[:4])
	}
	return w.mac.Sum(w.sum[:0])[:a.suite.icvLen]
}

// Inbound is the receiving side of an SA.
type Inbound struct {
	sa
	mu     sync.Mutex
	replay window
	// packets and bytes count the accepted packets; they are updated
	// under mu together with the window, which saves two atomic
	// operations per packet (sa.stats holds the drops).
	packets, bytes uint64
}

// Counters returns a snapshot of the SA's statistics; it is safe to call
// while packets flow.
func (in *Inbound) Counters() Counters {
	c := in.stats.snapshot()
	in.mu.Lock()
	c.Packets, c.Bytes = in.packets, in.bytes
	in.mu.Unlock()
	return c
}

// NewInbound keys an inbound SA with its replay window.
func NewInbound(c Config) (*Inbound, error) {
	in := &Inbound{replay: newWindow(c.ReplayWindow, c.ESN)}
	if err := in.init(&c, true); err != nil {
		return nil, err
	}
	return in, nil
}

// PeekSPI returns the SPI of an ESP packet, for routing it to its SA.
func PeekSPI(pkt []byte) (uint32, bool) {
	if len(pkt) < 4 {
		return 0, false
	}
	return binary.BigEndian.Uint32(pkt), true
}

// Decap verifies and decrypts the ESP packet pkt in place, and returns the
// payload (a subslice of pkt) and its next-header value; 59 marks a dummy
// packet that the caller drops (RFC 4303 section 2.6). The steps follow RFC
// 4303 section 3.4: length, replay check, ICV, decryption, padding; the
// replay window moves only once all of them succeed. Errors wrap ErrReplay,
// ErrAuth or ErrMalformed; pkt's contents are unspecified after an error.
func (in *Inbound) Decap(pkt []byte) (payload []byte, nextHeader byte, err error) {
	return in.DecapScratch(nil, pkt)
}

// DecapScratch is Decap with sc as the scratch of an AEAD transform; a nil
// sc, or a CBC transform, takes scratch from the SA's pool.
func (in *Inbound) DecapScratch(sc *Scratch, pkt []byte) (payload []byte, nextHeader byte, err error) {
	payload, nextHeader, err = in.decap(sc, pkt)
	if err != nil {
		switch err {
		case ErrReplay:
			in.stats.replay.Add(1)
		case ErrAuth:
			in.stats.auth.Add(1)
		default:
			in.stats.malformed.Add(1)
		}
		return nil, 0, err
	}
	return payload, nextHeader, nil
}

func (in *Inbound) decap(sc *Scratch, pkt []byte) ([]byte, byte, error) {
	s := in.suite
	hdr := s.headerLen()
	if len(pkt) < hdr+2+s.icvLen {
		return nil, 0, errShort
	}
	ctLen := len(pkt) - hdr - s.icvLen
	if s.block != nil && ctLen%s.align != 0 {
		return nil, 0, errAlign
	}
	if binary.BigEndian.Uint32(pkt) != in.spi {
		return nil, 0, errSPI
	}

	in.mu.Lock()
	seq, ok := in.replay.infer(binary.BigEndian.Uint32(pkt[4:]))
	ok = ok && in.replay.check(seq)
	in.mu.Unlock()
	if !ok {
		return nil, 0, ErrReplay
	}

	var authentic bool
	if s.aead != nil {
		authentic = in.open(sc, pkt, hdr, seq)
	} else {
		authentic = in.openCBC(pkt, hdr, seq)
	}
	if !authentic {
		return nil, 0, ErrAuth
	}
	ct := pkt[hdr : hdr+ctLen]

	padLen, nextHeader := int(ct[ctLen-2]), ct[ctLen-1]
	if padLen > ctLen-2 {
		return nil, 0, errPadLength
	}
	payloadLen := ctLen - 2 - padLen
	for i, b := range ct[payloadLen : ctLen-2] {
		if b != byte(i+1) {
			return nil, 0, errPadBytes
		}
	}

	in.mu.Lock()
	ok = in.replay.accept(seq)
	if ok {
		in.packets++
		in.bytes += uint64(payloadLen)
	}
	in.mu.Unlock()
	if !ok {
		return nil, 0, ErrReplay
	}
	return ct[:payloadLen], nextHeader, nil
}

// open verifies and decrypts in place with the AEAD transform the packet
// pkt, whose header is hdr octets long, with scratch sc, or the pool's if
// sc is nil. The defer stays out of decap, where it would not be
// open-coded.
func (in *Inbound) open(sc *Scratch, pkt []byte, hdr int, seq uint64) bool {
	if sc == nil {
		w := in.pool.Get().(*work)
		defer in.pool.Put(w)
		sc = &w.Scratch
	}
	s := in.suite
	ct := pkt[hdr : len(pkt)-s.icvLen]
	_, err := s.aead.Open(ct[:0], s.nonce(sc, pkt[8:16]), pkt[hdr:], in.aad(sc, pkt, seq))
	return err == nil
}

// openCBC verifies the ICV of the packet pkt, whose header is hdr octets
// long, and decrypts it in place with AES-CBC (RFC 4303 section 3.4.4).
func (in *Inbound) openCBC(pkt []byte, hdr int, seq uint64) bool {
	w := in.pool.Get().(*work)
	defer in.pool.Put(w)
	ctEnd := len(pkt) - in.suite.icvLen
	// hmac.Equal runs in constant time (RFC 4303 section 3.4.4.1).
	if !hmac.Equal(in.icv(w, pkt[:ctEnd], seq), pkt[ctEnd:]) {
		return false
	}
	w.cbc.SetIV(pkt[8:hdr])
	w.cbc.CryptBlocks(pkt[hdr:ctEnd], pkt[hdr:ctEnd])
	return true
}
