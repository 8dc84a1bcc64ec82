package esp

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"os"
	"testing"
)

func unhex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatalf("bad hex %q: %v", s, err)
	}
	return b
}

func loadJSON(t *testing.T, name string, v any) {
	t.Helper()
	data, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
}

var cipherNames = map[string]Cipher{
	"aes-gcm-16": AESGCM16, "chacha20-poly1305": ChaCha20Poly1305, "aes-cbc": AESCBC,
}

var integNames = map[string]Integrity{
	"": IntegrityNone, "sha1-96": HMACSHA1_96, "sha256-128": HMACSHA256_128,
	"sha384-192": HMACSHA384_192, "sha512-256": HMACSHA512_256,
}

// TestAEADKnownAnswers runs published AEAD vectors through the ESP key
// layout: KEYMAT is key | salt and the nonce is salt | explicit IV
// (RFC 4106 sections 4 and 8.1, RFC 7634 sections 2 and 4).
func TestAEADKnownAnswers(t *testing.T) {
	var vectors []struct{ Name, Cipher, Key, Nonce, AAD, Plaintext, Sealed string }
	loadJSON(t, "aead_kat.json", &vectors)
	for _, v := range vectors {
		t.Run(v.Name, func(t *testing.T) {
			nonce := unhex(t, v.Nonce)
			s, err := newSuite(&Config{SPI: 256, Cipher: cipherNames[v.Cipher], EncKey: append(unhex(t, v.Key), nonce[:4]...)})
			if err != nil {
				t.Fatal(err)
			}
			got := s.aead.Seal(nil, s.nonce(&Scratch{}, nonce[4:]), unhex(t, v.Plaintext), unhex(t, v.AAD))
			if want := unhex(t, v.Sealed); !bytes.Equal(got, want) {
				t.Errorf("sealed\n got %x\nwant %x", got, want)
			}
		})
	}
}

// TestReferencePackets checks Encap and Decap against whole ESP packets made
// by an independent implementation (testdata/gen_reference.py).
func TestReferencePackets(t *testing.T) {
	var cases []struct {
		Name, Cipher, Integrity string
		EncKey                  string `json:"enc_key"`
		IntegKey                string `json:"integ_key"`
		IV, Payload, Packet     string
		SPI                     uint32
		Seq                     uint64
		ESN                     bool
		NextHeader              byte `json:"next_header"`
	}
	loadJSON(t, "reference.json", &cases)
	if len(cases) < 50 {
		t.Fatalf("only %d reference packets", len(cases))
	}
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			cfg := Config{
				SPI: c.SPI, Cipher: cipherNames[c.Cipher], Integrity: integNames[c.Integrity],
				EncKey: unhex(t, c.EncKey), IntegKey: unhex(t, c.IntegKey), ESN: c.ESN,
				ReplayWindow: 128, Rand: bytes.NewReader(unhex(t, c.IV)),
			}
			o, err := NewOutbound(cfg)
			if err != nil {
				t.Fatal(err)
			}
			in, err := NewInbound(cfg)
			if err != nil {
				t.Fatal(err)
			}
			payload, want := unhex(t, c.Payload), unhex(t, c.Packet)
			o.seq.Store(c.Seq - 1)
			got, err := o.Encap([]byte{0xee}, payload, c.NextHeader)
			if err != nil {
				t.Fatal(err)
			}
			if got[0] != 0xee || !bytes.Equal(got[1:], want) {
				t.Errorf("Encap\n got %x\nwant ee%x", got, want)
			}
			in.replay.top = c.Seq - 1 // the receiver has seen the packets before
			pt, nh, err := in.Decap(want)
			if err != nil {
				t.Fatalf("Decap: %v", err)
			}
			if !bytes.Equal(pt, payload) || nh != c.NextHeader {
				t.Errorf("Decap = %x, %d; want %x, %d", pt, nh, payload, c.NextHeader)
			}
		})
	}
}

// TestWycheproofGCM runs a subset of Project Wycheproof's AES-GCM vectors
// (96-bit IV, 128-bit tag) through the ESP key layout; invalid ones must not
// open.
func TestWycheproofGCM(t *testing.T) {
	var file struct {
		TestGroups []struct {
			Tests []struct {
				TcID                               int `json:"tcId"`
				Key, IV, AAD, Msg, CT, Tag, Result string
			}
		}
	}
	loadJSON(t, "wycheproof_aes_gcm_subset.json", &file)
	n := 0
	for _, g := range file.TestGroups {
		for _, v := range g.Tests {
			n++
			iv := unhex(t, v.IV)
			s, err := newSuite(&Config{SPI: 256, Cipher: AESGCM16, EncKey: append(unhex(t, v.Key), iv[:4]...)})
			if err != nil {
				t.Fatal(err)
			}
			sc := &Scratch{}
			sealed := append(unhex(t, v.CT), unhex(t, v.Tag)...)
			pt, err := s.aead.Open(nil, s.nonce(sc, iv[4:]), sealed, unhex(t, v.AAD))
			if v.Result == "invalid" {
				if err == nil {
					t.Errorf("tcId %d: invalid vector opened", v.TcID)
				}
				continue
			}
			if err != nil || !bytes.Equal(pt, unhex(t, v.Msg)) {
				t.Errorf("tcId %d: open = %x, %v", v.TcID, pt, err)
			}
			if got := s.aead.Seal(nil, s.nonce(sc, iv[4:]), unhex(t, v.Msg), unhex(t, v.AAD)); !bytes.Equal(got, sealed) {
				t.Errorf("tcId %d: sealed %x, want %x", v.TcID, got, sealed)
			}
		}
	}
	if n < 20 {
		t.Fatalf("only %d vectors", n)
	}
}
