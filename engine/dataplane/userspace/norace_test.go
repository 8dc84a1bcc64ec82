//go:build !race

package userspace

const raceEnabled = false
