package node

import (
	"github.com/flexvpnd/flexvpnd/engine/ikev2/cp"
	"github.com/flexvpnd/flexvpnd/engine/ikev2/ike"
)

// PushConfigWhere sends, to the peer of every established IKE SA, the
// CFG_SET that attrs returns for it (nil: none) in an INFORMATIONAL
// exchange (ike.SA.PushConfig, RFC 7296 section 3.15), and returns how
// many it sent. attrs runs on the node's goroutine.
func (n *Node) PushConfigWhere(attrs func(Info) *cp.Attributes) (int, error) {
	count := 0
	err := n.run(func() {
		for _, e := range n.sas {
			if e.sa.State() != ike.StateEstablished {
				continue
			}
			a := attrs(n.info(e))
			if a == nil {
				continue
			}
			out, err := e.sa.PushConfig(a)
			if err != nil {
				n.log.Warn("push configuration", "peer", e.peer, "err", err)
				continue
			}
			n.send(e, out)
			n.touch(e)
			count++
		}
	})
	return count, err
}
