package esp

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"math"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestLayoutGCM checks an AES-GCM packet octet by octet (RFC 4303 section 2,
// RFC 4106 sections 3-5) with the standard library's GCM as the oracle.
func TestLayoutGCM(t *testing.T) {
	a := algos[0]
	for _, esn := range []bool{false, true} {
		o, _ := a.pair(t, esn, 64)
		payload := pattern(9, 13)
		seq := uint64(0x0000000500000007)
		if !esn {
			seq = 0x00000007
		}
		pkt := packetAt(t, o, seq, payload)
		// 13 octets + pad 1 + pad length + next header = 16, a multiple of 4.
		if got, want := len(pkt), 8+8+16+16; got != want {
			t.Fatalf("esn %v: length %d, want %d", esn, got, want)
		}
		if got := binary.BigEndian.Uint32(pkt[0:]); got != 0xc0ffee01 {
			t.Errorf("SPI %#x", got)
		}
		if got := binary.BigEndian.Uint32(pkt[4:]); got != 7 {
			t.Errorf("sequence number field %#x, want low 32 bits 7", got)
		}
		if got := binary.BigEndian.Uint64(pkt[8:]); got != seq {
			t.Errorf("IV %#x, want the 64-bit sequence number %#x", got, seq)
		}
		key := a.config(esn, 0).EncKey
		block, _ := aes.NewCipher(key[:16])
		gcm, _ := cipher.NewGCM(block)
		nonce := append(bytes.Clone(key[16:]), pkt[8:16]...)
		aad := pkt[:8]
		if esn {
			aad = binary.BigEndian.AppendUint64(bytes.Clone(pkt[:4]), seq)
		}
		pt, err := gcm.Open(nil, nonce, pkt[16:], aad)
		if err != nil {
			t.Fatalf("esn %v: oracle GCM open: %v", esn, err)
		}
		want := append(bytes.Clone(payload), 1, 1, 4)
		if !bytes.Equal(pt, want) {
			t.Errorf("esn %v: plaintext %x, want %x", esn, pt, want)
		}
	}
}

// TestLayoutCBC checks an AES-CBC/HMAC-SHA-256-128 packet octet by octet
// (RFC 3602, RFC 4868, RFC 4303 sections 2.2.1 and 3.3.2.1).
func TestLayoutCBC(t *testing.T) {
	a := algos[5]
	iv := pattern(200, 16)
	for _, esn := range []bool{false, true} {
		c := a.config(esn, 64)
		c.Rand = bytes.NewReader(iv)
		o, err := NewOutbound(c)
		if err != nil {
			t.Fatal(err)
		}
		seq := uint64(2)
		if esn {
			seq = 0x0000000900000002
		}
		payload := pattern(3, 20)
		pkt := packetAt(t, o, seq, payload)
		// 20 + 10 padding + 2 = 32 octets of ciphertext, ICV 16.
		if got, want := len(pkt), 8+16+32+16; got != want {
			t.Fatalf("length %d, want %d", got, want)
		}
		if !bytes.Equal(pkt[8:24], iv) {
			t.Errorf("IV %x, want %x", pkt[8:24], iv)
		}
		if got := binary.BigEndian.Uint32(pkt[4:]); got != 2 {
			t.Errorf("sequence number field %#x", got)
		}
		mac := hmac.New(sha256.New, c.IntegKey)
		mac.Write(pkt[:56])
		if esn {
			mac.Write([]byte{0, 0, 0, 9}) // high-order ESN bits, ICV only
		}
		if got, want := pkt[56:], mac.Sum(nil)[:16]; !bytes.Equal(got, want) {
			t.Errorf("esn %v: ICV %x, want %x", esn, got, want)
		}
		block, _ := aes.NewCipher(c.EncKey)
		pt := make([]byte, 32)
		cipher.NewCBCDecrypter(block, iv).CryptBlocks(pt, pkt[24:56])
		want := append(bytes.Clone(payload), 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 10, 4)
		if !bytes.Equal(pt, want) {
			t.Errorf("plaintext %x, want %x", pt, want)
		}
	}
}

// TestRoundTrip encapsulates and decapsulates payloads of every length up to
// a few blocks, and a full-size one, for every transform with and without ESN.
func TestRoundTrip(t *testing.T) {
	for _, a := range algos {
		for _, esn := range []bool{false, true} {
			o, in := a.pair(t, esn, 64)
			var want Counters
			lengths := []int{1400, 1500}
			for n := range 70 {
				lengths = append(lengths, n)
			}
			for _, n := range lengths {
				payload := pattern(byte(n), n)
				pkt, err := o.Encap(make([]byte, 0, 10), payload, byte(n))
				if err != nil {
					t.Fatal(err)
				}
				if len(pkt) > n+o.Overhead() || (len(pkt)-o.HeaderLen()-o.suite.icvLen)%o.suite.align != 0 {
					t.Errorf("%s: packet of %d for payload %d, overhead %d", a.name, len(pkt), n, o.Overhead())
				}
				got, nh, err := in.Decap(pkt)
				if err != nil {
					t.Fatalf("%s esn %v len %d: Decap: %v", a.name, esn, n, err)
				}
				if !bytes.Equal(got, payload) || nh != byte(n) {
					t.Fatalf("%s esn %v len %d: got %x nh %d", a.name, esn, n, got, nh)
				}
				want.Packets++
				want.Bytes += uint64(n)
			}
			if diff := cmp.Diff(want, o.Counters()); diff != "" {
				t.Errorf("%s outbound counters (-want +got):\n%s", a.name, diff)
			}
			if diff := cmp.Diff(want, in.Counters()); diff != "" {
				t.Errorf("%s inbound counters (-want +got):\n%s", a.name, diff)
			}
		}
	}
}

// TestInPlace encapsulates a payload already sitting at HeaderLen in the
// output buffer, decapsulates in place, and does neither with allocations.
func TestInPlace(t *testing.T) {
	for _, a := range algos {
		o, in := a.pair(t, true, 1024)
		buf := make([]byte, 2048)
		payload := pattern(5, 1400)
		allocs := testing.AllocsPerRun(100, func() {
			h := o.HeaderLen()
			copy(buf[h:], payload)
			pkt, err := o.Encap(buf[:0], buf[h:h+len(payload)], 41)
			if err != nil {
				t.Fatal(err)
			}
			got, nh, err := in.Decap(pkt)
			if err != nil || nh != 41 || !bytes.Equal(got, payload) {
				t.Fatalf("%s: in-place round trip: %v", a.name, err)
			}
		})
		if allocs != 0 && !raceEnabled {
			t.Errorf("%s: %v allocations per packet", a.name, allocs)
		}
	}
}

// TestScratch checks that EncapScratch and DecapScratch with the caller's
// scratch give the packets that Encap and Decap give, ESN or not, and
// interoperate with them.
func TestScratch(t *testing.T) {
	for _, a := range algos {
		for _, esn := range []bool{false, true} {
			c := a.config(esn, 64)
			c.Rand = bytes.NewReader(pattern(9, 64)) // the same CBC IVs twice
			o1, err := NewOutbound(c)
			if err != nil {
				t.Fatal(err)
			}
			c.Rand = bytes.NewReader(pattern(9, 64))
			o2, err := NewOutbound(c)
			if err != nil {
				t.Fatal(err)
			}
			in, err := NewInbound(c)
			if err != nil {
				t.Fatal(err)
			}
			var sc Scratch
			for i := range 3 {
				payload := pattern(byte(i), 100+i)
				want, err1 := o1.Encap(nil, payload, 4)
				got, err2 := o2.EncapScratch(&sc, nil, payload, 4)
				if err1 != nil || err2 != nil || !bytes.Equal(got, want) {
					t.Fatalf("%s esn %v packet %d: EncapScratch %x, %v; Encap %x, %v", a.name, esn, i, got, err2, want, err1)
				}
				dec := in.Decap
				if i%2 == 0 {
					dec = func(pkt []byte) ([]byte, byte, error) { return in.DecapScratch(&sc, pkt) }
				}
				if pt, nh, err := dec(got); err != nil || nh != 4 || !bytes.Equal(pt, payload) {
					t.Fatalf("%s esn %v packet %d: decap %x, %d, %v", a.name, esn, i, pt, nh, err)
				}
			}
		}
	}
}

// TestReplay drives the receiver through the cases of RFC 4303 section
// 3.4.3 for several window sizes.
func TestReplay(t *testing.T) {
	type step struct {
		seq  uint64
		want error
	}
	tests := []struct {
		name   string
		window int
		steps  []step
	}{
		{"in order and duplicate", 64, []step{{1, nil}, {2, nil}, {3, nil}, {2, ErrReplay}, {3, ErrReplay}, {4, nil}}},
		{"out of order inside window", 64, []step{{10, nil}, {5, nil}, {7, nil}, {5, ErrReplay}, {9, nil}, {1, nil}}},
		{"window edges", 64, []step{{100, nil}, {37, nil}, {36, ErrReplay}, {37, ErrReplay}, {99, nil}}},
		{"window of 100 edges", 100, []step{{200, nil}, {101, nil}, {100, ErrReplay}}},
		{"far-ahead jump", 64, []step{{1, nil}, {1 << 20, nil}, {1, ErrReplay}, {1<<20 - 63, nil}, {1<<20 - 64, ErrReplay}, {1 << 20, ErrReplay}, {1<<20 + 1, nil}}},
		{"jump by less than the ring", 4096, []step{{5000, nil}, {905, nil}, {904, ErrReplay}, {7000, nil}, {5000, ErrReplay}, {2905, nil}, {2904, ErrReplay}}},
		{"old packets after slide", 128, []step{{1, nil}, {2, nil}, {300, nil}, {2, ErrReplay}, {172, ErrReplay}, {173, nil}}},
		{"sequence zero", 64, []step{{0, ErrReplay}, {1, nil}}},
		{"window off accepts duplicates", 0, []step{{5, nil}, {5, nil}, {1, nil}, {1 << 30, nil}, {2, nil}}},
		{"largest non-ESN sequence", 64, []step{{math.MaxUint32, nil}, {math.MaxUint32, ErrReplay}, {math.MaxUint32 - 1, nil}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, in := algos[0].pair(t, false, tt.window)
			var drops uint64
			for i, s := range tt.steps {
				o.seq.Store(max(s.seq, 1) - 1) // seq 0 is forged below
				pkt, err := o.Encap(nil, []byte{1, 2, 3}, 4)
				if err != nil {
					t.Fatal(err)
				}
				if s.seq == 0 {
					binary.BigEndian.PutUint32(pkt[4:], 0)
				}
				_, _, err = in.Decap(pkt)
				if !errors.Is(err, s.want) || (err == nil) != (s.want == nil) {
					t.Fatalf("step %d seq %d: err %v, want %v", i, s.seq, err, s.want)
				}
				if err != nil {
					drops++
				}
			}
			if got := in.Counters().ReplayDrops; got != drops {
				t.Errorf("replay drops %d, want %d", got, drops)
			}
		})
	}
}

// TestESNWrap carries traffic across the 2^32 boundary of the low-order
// sequence number bits, in and out of order (RFC 4303 Appendix A2).
func TestESNWrap(t *testing.T) {
	const wrap = uint64(1) << 32
	type step struct {
		seq  uint64
		want error
	}
	tests := []struct {
		name   string
		window int
		steps  []step
	}{
		{"in order", 64, []step{{wrap - 2, nil}, {wrap - 1, nil}, {wrap, nil}, {wrap + 1, nil}}},
		{"late packet from below the wrap", 64, []step{{wrap - 10, nil}, {wrap + 5, nil}, {wrap - 3, nil}, {wrap - 3, ErrReplay}, {wrap - 58, nil}, {wrap - 59, ErrAuth}}},
		{"jump over the wrap", 64, []step{{wrap - 1, nil}, {wrap + 40, nil}, {wrap, nil}}},
		{"many subspaces up", 256, []step{{5*wrap + 1, nil}}},
		{"window off", 0, []step{{wrap - 1, nil}, {wrap + 1, nil}, {wrap - 5, nil}, {wrap + 1, nil}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, a := range []algo{algos[1], algos[5]} {
				o, in := a.pair(t, true, tt.window)
				in.replay.top = tt.steps[0].seq - 1
				for i, s := range tt.steps {
					_, _, err := in.Decap(packetAt(t, o, s.seq, []byte{byte(i)}))
					if !errors.Is(err, s.want) || (err == nil) != (s.want == nil) {
						t.Fatalf("%s step %d seq %#x: err %v, want %v", a.name, i, s.seq, err, s.want)
					}
				}
			}
		})
	}
}

// TestInfer checks the high-order bit inference of RFC 4303 Appendix A2.2
// directly, including the ends of the 64-bit space.
func TestInfer(t *testing.T) {
	tests := []struct {
		top    uint64
		low    uint32
		want   uint64
		wantOK bool
	}{
		{0, 1, 1, true},
		{0, 0, 0, false},
		{0, math.MaxUint32, 0, false}, // would be below zero
		{100, 37, 37, true},
		{100, 36, 1<<32 + 36, true}, // Case A: below the window means next subspace
		{1<<32 + 5, math.MaxUint32, 1<<32 - 1, true},
		{1<<32 + 5, math.MaxUint32 - 57, 1<<32 - 58, true}, // bottom of the window, Case B
		{1<<32 + 5, 6, 1<<32 + 6, true},
		{1<<32 + 5, math.MaxUint32 - 58, 2<<32 - 59, true}, // just below the window: ahead
		{math.MaxUint64 - 10, 3, 0, false},                 // beyond 2^64
	}
	for _, tt := range tests {
		w := newWindow(64, true)
		w.top = tt.top
		got, ok := w.infer(tt.low)
		if got != tt.want || ok != tt.wantOK {
			t.Errorf("top %#x low %#x: got %#x %v, want %#x %v", tt.top, tt.low, got, ok, tt.want, tt.wantOK)
		}
	}
}

// TestSequenceExhausted checks that the sender stops instead of wrapping
// (RFC 4303 section 3.3.3).
func TestSequenceExhausted(t *testing.T) {
	for _, esn := range []bool{false, true} {
		o, _ := algos[0].pair(t, esn, 64)
		last := uint64(math.MaxUint32)
		if esn {
			last = math.MaxUint64
		}
		o.seq.Store(last - 1)
		pkt, err := o.Encap(nil, []byte{1}, 4)
		if err != nil {
			t.Fatalf("esn %v: last sequence number: %v", esn, err)
		}
		if got := binary.BigEndian.Uint32(pkt[4:]); got != math.MaxUint32 {
			t.Errorf("esn %v: sequence field %#x", esn, got)
		}
		for range 2 {
			if _, err := o.Encap(nil, []byte{1}, 4); !errors.Is(err, ErrSequenceExhausted) {
				t.Fatalf("esn %v: after the last: %v, want ErrSequenceExhausted", esn, err)
			}
		}
		if got := o.LastSeq(); got != last {
			t.Errorf("esn %v: LastSeq %#x, want %#x", esn, got, last)
		}
		if got := o.Counters().Packets; got != 1 {
			t.Errorf("esn %v: %d packets counted", esn, got)
		}
	}
}

// TestTamper flips every bit of a packet: SPI changes are misrouted packets,
// sequence number changes fail replay or ICV, and every other region (IV,
// ciphertext, padding, ICV) fails the ICV.
func TestTamper(t *testing.T) {
	for _, a := range algos {
		for _, esn := range []bool{false, true} {
			o, _ := a.pair(t, esn, 64)
			seq := uint64(3)
			if esn {
				seq = 1<<32 + 3
			}
			pkt := packetAt(t, o, seq, pattern(1, 45))
			for i := range pkt {
				for bit := range 8 {
					_, in := a.pair(t, esn, 64)
					in.replay.top = seq - 1
					bad := bytes.Clone(pkt)
					bad[i] ^= 1 << bit
					_, _, err := in.Decap(bad)
					var want error
					switch {
					case i < 4:
						want = ErrMalformed
					case i < 8 && err != nil && errors.Is(err, ErrReplay):
						want = ErrReplay
					default:
						want = ErrAuth
					}
					if !errors.Is(err, want) {
						t.Fatalf("%s esn %v: octet %d bit %d: %v, want %v", a.name, esn, i, bit, err, want)
					}
					if got := in.Counters(); got.Packets != 0 || got.AuthFailures+got.Malformed+got.ReplayDrops != 1 {
						t.Fatalf("%s: counters %+v", a.name, got)
					}
				}
			}
		}
	}
}

// TestTruncation decapsulates every proper prefix of a packet, and the packet
// with octets appended.
func TestTruncation(t *testing.T) {
	for _, a := range algos {
		o, in := a.pair(t, false, 64)
		pkt := packetAt(t, o, 1, pattern(2, 30))
		for n := range len(pkt) {
			if _, _, err := decapCopy(in, pkt[:n]); err == nil {
				t.Fatalf("%s: %d of %d octets accepted", a.name, n, len(pkt))
			}
		}
		for _, extra := range [][]byte{{0}, pattern(0, 16)} {
			if _, _, err := decapCopy(in, append(bytes.Clone(pkt), extra...)); err == nil {
				t.Fatalf("%s: %d octets appended accepted", a.name, len(extra))
			}
		}
		if _, _, err := decapCopy(in, pkt); err != nil {
			t.Fatalf("%s: the packet itself: %v", a.name, err)
		}
	}
}

// forge builds an authentic packet with sequence number 1 around an
// arbitrary plaintext (payload, padding and trailer), without Encap.
func forge(t *testing.T, a algo, plaintext []byte) []byte {
	t.Helper()
	c := a.config(false, 64)
	hdr := binary.BigEndian.AppendUint32(binary.BigEndian.AppendUint32(nil, c.SPI), 1)
	switch a.cipher {
	case AESGCM16:
		block, _ := aes.NewCipher(c.EncKey[:len(c.EncKey)-4])
		gcm, _ := cipher.NewGCM(block)
		iv := pattern(77, 8)
		nonce := append(bytes.Clone(c.EncKey[len(c.EncKey)-4:]), iv...)
		return gcm.Seal(append(bytes.Clone(hdr), iv...), nonce, plaintext, hdr)
	case AESCBC:
		block, _ := aes.NewCipher(c.EncKey)
		iv := pattern(77, 16)
		pkt := append(bytes.Clone(hdr), iv...)
		ct := make([]byte, len(plaintext))
		cipher.NewCBCEncrypter(block, iv).CryptBlocks(ct, plaintext)
		pkt = append(pkt, ct...)
		mac := hmac.New(sha256.New, c.IntegKey)
		mac.Write(pkt)
		return append(pkt, mac.Sum(nil)[:16]...)
	}
	t.Fatalf("forge: %s unsupported", a.name)
	return nil
}

// TestPadding rejects authentic packets whose padding is not 1, 2, 3, ...
// or whose pad length overruns the payload (RFC 4303 section 2.4), and does
// not let them move the replay window.
func TestPadding(t *testing.T) {
	tests := []struct {
		name    string
		trailer []byte // after a 2-octet payload, up to 16 octets in all
		want    error
	}{
		{"valid", []byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 12, 4}, nil},
		{"zero pad bytes", []byte{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 12, 4}, errPadBytes},
		{"wrong last byte", []byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 12, 4}, errPadBytes},
		{"shifted", []byte{2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 12, 4}, errPadBytes},
		{"pad length overruns", []byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 15, 4}, errPadLength},
		{"pad length 255", []byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 255, 4}, errPadLength},
	}
	for _, a := range []algo{algos[0], algos[5]} {
		for _, tt := range tests {
			_, in := a.pair(t, false, 64)
			_, _, err := in.Decap(forge(t, a, append([]byte{0xaa, 0xbb}, tt.trailer...)))
			if err != tt.want {
				t.Errorf("%s %s: %v, want %v", a.name, tt.name, err, tt.want)
			}
			if tt.want == nil {
				continue
			}
			if got := in.Counters().Malformed; got != 1 {
				t.Errorf("%s %s: malformed count %d", a.name, tt.name, got)
			}
			valid := forge(t, a, append([]byte{0xaa, 0xbb}, tests[0].trailer...))
			if _, _, err := in.Decap(valid); err != nil {
				t.Errorf("%s %s: the window moved: %v", a.name, tt.name, err)
			}
		}
	}
}

// TestConfigErrors rejects SAs that cannot be keyed as asked.
func TestConfigErrors(t *testing.T) {
	good := algos[3].config(false, 64)
	tests := []struct {
		name string
		edit func(*Config)
	}{
		{"reserved SPI", func(c *Config) { c.SPI = 255 }},
		{"replay window too small", func(c *Config) { c.ReplayWindow = 63 }},
		{"replay window too large", func(c *Config) { c.ReplayWindow = 4097 }},
		{"replay window negative", func(c *Config) { c.ReplayWindow = -1 }},
		{"unknown cipher", func(c *Config) { c.Cipher = 0 }},
		{"CBC key size", func(c *Config) { c.EncKey = c.EncKey[:15] }},
		{"CBC without integrity", func(c *Config) { c.Integrity = IntegrityNone }},
		{"integrity key size", func(c *Config) { c.IntegKey = c.IntegKey[:19] }},
		{"unknown integrity", func(c *Config) { c.Integrity = 99 }},
		{"GCM with integrity", func(c *Config) { c.Cipher, c.EncKey = AESGCM16, pattern(0, 20) }},
		{"GCM key without salt", func(c *Config) { c.Cipher, c.Integrity, c.IntegKey, c.EncKey = AESGCM16, 0, nil, pattern(0, 16) }},
		{"GCM short key", func(c *Config) { c.Cipher, c.Integrity, c.IntegKey, c.EncKey = AESGCM16, 0, nil, pattern(0, 3) }},
		{"ChaCha key size", func(c *Config) {
			c.Cipher, c.Integrity, c.IntegKey, c.EncKey = ChaCha20Poly1305, 0, nil, pattern(0, 20)
		}},
	}
	if _, err := NewInbound(good); err != nil {
		t.Fatalf("baseline: %v", err)
	}
	for _, tt := range tests {
		c := good
		tt.edit(&c)
		if _, err := NewInbound(c); err == nil {
			t.Errorf("%s: NewInbound accepted %+v", tt.name, c)
		}
		if _, err := NewOutbound(c); err == nil {
			t.Errorf("%s: NewOutbound accepted %+v", tt.name, c)
		}
	}
}

// TestConcurrent encapsulates and decapsulates on one SA from several
// goroutines (run with -race).
func TestConcurrent(t *testing.T) {
	for _, a := range []algo{algos[1], algos[6]} {
		o, in := a.pair(t, true, 4096)
		const workers, each = 8, 200
		pkts := make(chan []byte, workers*each)
		var wg sync.WaitGroup
		for range workers {
			wg.Go(func() {
				for i := range each {
					p, err := o.Encap(nil, pattern(byte(i), 100), 4)
					if err != nil {
						t.Error(err)
						return
					}
					pkts <- p
				}
			})
		}
		wg.Wait()
		close(pkts)
		for range workers {
			wg.Go(func() {
				for p := range pkts {
					if _, _, err := in.Decap(p); err != nil {
						t.Error(err)
					}
				}
			})
		}
		wg.Wait()
		if got := in.Counters().Packets; got != workers*each {
			t.Errorf("%s: %d packets decapsulated", a.name, got)
		}
	}
}

func TestPeekSPI(t *testing.T) {
	if spi, ok := PeekSPI([]byte{1, 2, 3, 4, 5}); !ok || spi != 0x01020304 {
		t.Errorf("PeekSPI = %#x, %v", spi, ok)
	}
	if _, ok := PeekSPI([]byte{1, 2, 3}); ok {
		t.Error("PeekSPI accepted 3 octets")
	}
}
