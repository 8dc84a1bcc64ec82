package engine

import "github.com/flexvpnd/flexvpnd/engine/ikev2/node"

// peerSessions counts the established sessions that peers initiated to
// us, by peer identity, from the node's events. dropStale asks it whether
// an older session of an identity exists before it scans every SA of the
// node: almost every new spoke sends INITIAL_CONTACT (RFC 7296 section
// 2.4), and a scan for each made the setup of n sessions cost O(n²).
type peerSessions struct {
	key   map[node.ID]string // the identity of each counted session
	count map[string]int     // sessions per identity
}

// peerKey is the map key of an identity: its type and its data.
func peerKey(ev node.Event) string {
	return string(rune(ev.PeerID.Type)) + string(ev.PeerID.Data)
}

// note counts a responder session when it is established and uncounts it
// when it leaves the node (EventDeleted, also after a drop).
func (p *peerSessions) note(ev node.Event) {
	if p.key == nil {
		p.key, p.count = map[node.ID]string{}, map[string]int{}
	}
	switch ev.Kind {
	case node.EventEstablished:
		if _, ok := p.key[ev.ID]; ok || ev.Initiator {
			return
		}
		k := peerKey(ev)
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

// others reports whether a responder session other than ev's has ev's
// peer identity.
func (p *peerSessions) others(ev node.Event) bool {
	n := p.count[peerKey(ev)]
	if _, ok := p.key[ev.ID]; ok {
		n--
	}
	return n > 0
}
