//go:build !amd64 || purego || aesgcm_stdlib

package aesgcm

import "crypto/cipher"

// fastSupported is false: the assembly exists only for amd64.
const fastSupported = false

// newFast is never called where fastSupported is false.
func newFast([]byte) (cipher.AEAD, error) { panic("aesgcm: no assembly on this platform") }
