package esp

import (
	"bytes"
	"testing"
)

// algo is one transform combination under test.
type algo struct {
	name     string
	cipher   Cipher
	integ    Integrity
	encLen   int
	integLen int
}

var algos = []algo{
	{"aes-gcm-128", AESGCM16, IntegrityNone, 20, 0},
	{"aes-gcm-256", AESGCM16, IntegrityNone, 36, 0},
	{"chacha20-poly1305", ChaCha20Poly1305, IntegrityNone, 36, 0},
	{"aes-cbc-128-sha1-96", AESCBC, HMACSHA1_96, 16, 20},
	{"aes-cbc-192-sha256-128", AESCBC, HMACSHA256_128, 24, 32},
	{"aes-cbc-256-sha256-128", AESCBC, HMACSHA256_128, 32, 32},
	{"aes-cbc-256-sha384-192", AESCBC, HMACSHA384_192, 32, 48},
	{"aes-cbc-256-sha512-256", AESCBC, HMACSHA512_256, 32, 64},
}

// pattern returns n deterministic octets starting at seed.
func pattern(seed byte, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = seed + byte(i)*7
	}
	return b
}

func (a algo) config(esn bool, window int) Config {
	c := Config{
		SPI: 0xc0ffee01, Cipher: a.cipher, Integrity: a.integ,
		EncKey: pattern(1, a.encLen), ESN: esn, ReplayWindow: window,
	}
	if a.integLen > 0 {
		c.IntegKey = pattern(100, a.integLen)
	}
	return c
}

// pair returns both ends of one SA.
func (a algo) pair(tb testing.TB, esn bool, window int) (*Outbound, *Inbound) {
	tb.Helper()
	c := a.config(esn, window)
	o, err := NewOutbound(c)
	if err != nil {
		tb.Fatalf("NewOutbound(%s): %v", a.name, err)
	}
	in, err := NewInbound(c)
	if err != nil {
		tb.Fatalf("NewInbound(%s): %v", a.name, err)
	}
	return o, in
}

// packetAt encapsulates payload with sequence number seq.
func packetAt(tb testing.TB, o *Outbound, seq uint64, payload []byte) []byte {
	tb.Helper()
	o.seq.Store(seq - 1)
	pkt, err := o.Encap(nil, payload, 4)
	if err != nil {
		tb.Fatalf("Encap(seq %#x): %v", seq, err)
	}
	return pkt
}

// decapCopy decapsulates a copy of pkt, leaving pkt intact.
func decapCopy(in *Inbound, pkt []byte) ([]byte, byte, error) {
	return in.Decap(bytes.Clone(pkt))
}
