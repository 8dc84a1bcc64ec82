package ikecrypto

import (
	"bytes"
	"crypto/hmac"
	"testing"
)

// TestComputeMatchesHMAC checks Compute, which spells HMAC out on a
// recycled hash state, against crypto/hmac for every PRF, keys shorter
// than, as long as and longer than the block, and data in several parts;
// interleaved calls must not see each other's state.
func TestComputeMatchesHMAC(t *testing.T) {
	for id := range prfs {
		p, err := NewPRF(id)
		if err != nil {
			t.Fatal(err)
		}
		for _, keyLen := range []int{0, 1, 20, 32, 63, 64, 65, 127, 128, 129, 300} {
			key := bytes.Repeat([]byte{byte(keyLen)}, keyLen)
			parts := [][]byte{[]byte("first part"), nil, bytes.Repeat([]byte{0xa5}, 200)}
			mac := hmac.New(p.newHash, key)
			for _, d := range parts {
				mac.Write(d)
			}
			want := mac.Sum(nil)
			for range 2 {
				if got := p.Compute(key, parts...); !bytes.Equal(got, want) {
					t.Fatalf("PRF %d, key of %d octets: %x, want %x", id, keyLen, got, want)
				}
				p.Compute([]byte("another key"), []byte("other data"))
			}
		}
	}
}
