package ike

import (
	"testing"

	"github.com/flexvpnd/flexvpnd/engine/ikev2/wire"
)

func TestConfigCheck(t *testing.T) {
	tests := []struct {
		name string
		edit func(c *Config)
		ok   bool
	}{
		{"valid", func(c *Config) {}, true},
		{"no proposals", func(c *Config) { c.Proposals = nil }, false},
		{"no child proposals", func(c *Config) { c.Child.Proposals = nil }, false},
		{"no psk", func(c *Config) { c.RemotePSK = nil }, false},
		{"no identity", func(c *Config) { c.LocalID = Identity{} }, false},
		{"no DH", func(c *Config) { c.Proposals = []Proposal{{encr(wire.EncrAESGCM16, 256), prf(wire.PRFHMACSHA2256)}} }, false},
		{"AEAD with integrity", func(c *Config) {
			c.Proposals = []Proposal{{encr(wire.EncrAESGCM16, 256), integ(wire.IntegHMACSHA2256128), prf(wire.PRFHMACSHA2256), dh(wire.DHECP256)}}
		}, false},
		{"CBC without integrity", func(c *Config) { c.Child.Proposals = []Proposal{{encr(wire.EncrAESCBC, 256), esnNo}} }, false},
		{"ESP without ESN", func(c *Config) { c.Child.Proposals = []Proposal{{encr(wire.EncrAESGCM16, 256)}} }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _ := configs(suites[0])
			tt.edit(c)
			if err := c.check(); (err == nil) != tt.ok {
				t.Errorf("check() = %v, want ok %v", err, tt.ok)
			}
		})
	}
}
