package aesgcm

import (
	"bytes"
	"math/rand/v2"
	"syscall"
	"testing"
)

// guarded returns n octets that end exactly where an inaccessible page
// begins, so that any read or write past the end faults.
func guarded(t *testing.T, n int) []byte {
	t.Helper()
	page := syscall.Getpagesize()
	size := (n/page + 2) * page
	mem, err := syscall.Mmap(-1, 0, size, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		t.Fatalf("mmap: %v", err)
	}
	t.Cleanup(func() { _ = syscall.Munmap(mem) })
	if err := syscall.Mprotect(mem[size-page:], syscall.PROT_NONE); err != nil {
		t.Fatalf("mprotect: %v", err)
	}
	return mem[size-page-n : size-page : size-page]
}

// TestGuardPage runs messages and AAD that end at an unmapped page: the
// masked tail loads and stores must stay inside the slices.
func TestGuardPage(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	key := randBytes(r, 32)
	ref := stdGCM(t, key)
	for name, a := range impls(t, key) {
		for _, n := range []int{0, 1, 15, 16, 17, 64, 100, 255, 256, 257, 1400} {
			nonce := randBytes(r, NonceSize)
			pt, aad := guarded(t, n), guarded(t, 1+n*7%300)
			copy(pt, randBytes(r, n))
			copy(aad, randBytes(r, len(aad)))
			want := ref.Seal(nil, nonce, pt, aad)
			// Seal from the guarded plaintext into a guarded buffer.
			out := guarded(t, n+TagSize)
			if got := a.Seal(out[:0], nonce, pt, aad); !bytes.Equal(got, want) {
				t.Fatalf("%s len %d: Seal differs", name, n)
			}
			// Open into a guarded buffer, then in place.
			for _, dst := range [][]byte{guarded(t, n), out} {
				got, err := a.Open(dst[:0], nonce, out, aad)
				if err != nil || !bytes.Equal(got, pt) {
					t.Fatalf("%s len %d: Open = %v", name, n, err)
				}
			}
		}
	}
}
