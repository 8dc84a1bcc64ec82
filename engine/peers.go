package engine

import (
	"hash/maphash"

	"github.com/flexvpnd/flexvpnd/engine/ikev2/node"
)

// peerSessions counts the established sessions that peers initiated to
// us, by peer identity, from the node's events. dropStale asks it whether
// an older session of an identity exists before it scans every SA of the
// node: almost every new spoke sends INITIAL_CONTACT (RFC 7296 section
// 2.4), and a scan for each made the setup of n sessions cost O(n²).
//
// An identity is counted by a hash of it, not a copy: a hub holds tens
// of thousands. Two identities with the same hash only make others
// report true, and dropStale then compares the identities themselves.
type peerSessions struct {
	seed  maphash.Seed
	key   map[node.ID]uint64 // the identity hash of each counted session
	count map[uint64]int     // sessions per identity hash
}

// peerKey is the hash of an identity: its type and its data.
func (p *peerSessions) peerKey(ev node.Event) uint64 {
	var h maphash.Hash
	h.SetSeed(p.seed)
	h.WriteByte(byte(ev.PeerID.Type))
	h.Write(ev.PeerID.Data)
	return h.Sum64()
}

// note counts a responder session when it is established and uncounts it
// when it leaves the node (EventDeleted, also after a drop).
func (p *peerSessions) note(ev node.Event) {
	if p.key == nil {
		p.seed, p.key, p.count = maphash.MakeSeed(), map[node.ID]uint64{}, map[uint64]int{}
	}
	switch ev.Kind {
	case node.EventEstablished:
		if _, ok := p.key[ev.ID]; ok || ev.Initiator {
			return
		}
		k := p.peerKey(ev)
		p.key[ev.ID] = k
		p.count[k]++
	case node.EventDeleted:
		k, ok := p.key[ev.ID]
		if !ok {
			return
		}
		delete(p.key, ev.ID)
		if p.count[k]--; p.count[k] <= 0 {
			delete(p.count, k)
		}
	}
}

// others reports whether a responder session other than ev's may have
// ev's peer identity: always when one has, rarely (a hash collision) when
// none has.
func (p *peerSessions) others(ev node.Event) bool {
	if p.key == nil {
		return false // nothing counted yet, and no seed
	}
	n := p.count[p.peerKey(ev)]
	if _, ok := p.key[ev.ID]; ok {
		n--
	}
	return n > 0
}
