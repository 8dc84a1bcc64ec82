//go:build !linux

package aesgcm

import "testing"

// measureCPU runs loop; only Linux reports per-thread CPU time.
func measureCPU(_ *testing.B, loop func()) { loop() }
