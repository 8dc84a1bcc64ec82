package engine

import (
	"sync"

	"github.com/flexvpnd/flexvpnd/engine/ikev2/ike"
	"github.com/flexvpnd/flexvpnd/engine/spec"
)

// convCache holds the proposals of the applied spec converted to the ike
// package's, built on first use: every session of a hub shares them (the
// SAs only read them) instead of holding a copy each, tens of thousands on
// a hub. It is used from the node's loop and from Apply.
type convCache struct {
	mu   sync.Mutex
	spec *spec.Spec // the spec the maps belong to
	ike  map[*spec.Policy][]ike.Proposal
	esp  map[*spec.IPsecProfile][]ike.Proposal
}

// ikeOf returns the IKE proposals of the policy p of s.
func (c *convCache) ikeOf(s *spec.Spec, p *spec.Policy) []ike.Proposal {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.reset(s)
	ps, ok := c.ike[p]
	if !ok {
		ps = ikeProposals(p.Transforms())
		c.ike[p] = ps
	}
	return ps
}

// espOf returns the ESP proposals of the IPsec profile p of s, `set pfs`
// included.
func (c *convCache) espOf(s *spec.Spec, p *spec.IPsecProfile) []ike.Proposal {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.reset(s)
	ps, ok := c.esp[p]
	if !ok {
		ps = ikeProposals(p.ESPProposals(true))
		c.esp[p] = ps
	}
	return ps
}

// reset empties the cache when s is not the spec it was built from.
func (c *convCache) reset(s *spec.Spec) {
	if c.spec != s {
		c.spec, c.ike, c.esp = s, map[*spec.Policy][]ike.Proposal{}, map[*spec.IPsecProfile][]ike.Proposal{}
	}
}
