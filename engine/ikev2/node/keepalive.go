package node

import (
	"time"

	"github.com/flexvpnd/flexvpnd/engine/dataplane"
	"github.com/flexvpnd/flexvpnd/engine/ikev2/ike"
)

// keepaliveMark is, for one IKE SA, when its NAT mapping was last known
// fresh and the outbound ESP packets its CHILD SAs had counted then.
type keepaliveMark struct {
	at         time.Time
	outPackets uint64
}

// startKeepalives sends NAT keepalives (RFC 3948 section 2.3, IOS `crypto
// ikev2 nat keepalive N`) every interval of idleness, for as long as the
// node runs. A goroutine runs a step of the node four times per interval
// (once a second while keepalives are off, to notice SetLimits), in which
// sendKeepalives does the work.
func (n *Node) startKeepalives() {
	period := keepaliveTick(n.adm.keepalive)
	go func() {
		t := time.NewTicker(period)
		defer t.Stop()
		for {
			select {
			case <-n.stopped:
				return
			case <-t.C:
			}
			next := period
			if n.run(func() { n.sendKeepalives(); next = keepaliveTick(n.adm.keepalive) }) != nil {
				return
			}
			if next != period {
				period = next
				t.Reset(period)
			}
		}
	}()
}

// keepaliveTick returns how often the node looks for SAs due a keepalive
// every interval.
func keepaliveTick(every time.Duration) time.Duration {
	if every <= 0 {
		return time.Second
	}
	return min(max(every/4, 10*time.Millisecond), time.Second)
}

// sendKeepalives sends a NAT keepalive, the one octet 0xFF, from the NAT-T
// socket to the peer of every established IKE SA that has a NAT in front of
// this side and sent nothing for the keepalive interval: the side behind
// the NAT keeps the mapping alive (RFC 3948 section 2.3). Outbound ESP, when
// the data plane counts it, makes a keepalive unnecessary; the IKE
// messages the SA sends are not counted.
func (n *Node) sendKeepalives() {
	a, now := n.adm, n.now()
	if a.keepalive <= 0 {
		clear(a.keepalives)
		return
	}
	for id := range a.keepalives {
		if n.sas[id] == nil {
			delete(a.keepalives, id)
		}
	}
	for id, e := range n.sas {
		if e.sa.State() != ike.StateEstablished {
			continue
		}
		if natLocal, _ := e.sa.NAT(); !natLocal {
			continue
		}
		out := n.outPackets(e)
		mark, ok := a.keepalives[id]
		switch {
		case !ok:
			a.keepalives[id] = keepaliveMark{at: e.established, outPackets: out}
		case out != mark.outPackets:
			a.keepalives[id] = keepaliveMark{at: now, outPackets: out}
		case now.Sub(mark.at) >= a.keepalive:
			n.keepalive(e)
			a.keepalives[id] = keepaliveMark{at: now, outPackets: out}
		}
	}
}

// keepalive sends one NAT keepalive for e from its NAT-T endpoint.
func (n *Node) keepalive(e *entry) {
	local, remote := e.sa.Endpoints()
	if local.Port() != n.natPort {
		n.log.Debug("no NAT keepalive: IKE SA not on the NAT-T port", "peer", e.peer, "local", local)
		return
	}
	if err := n.lis.SendKeepalive(local, remote); err != nil {
		n.log.Warn("NAT keepalive not sent", "peer", e.peer, "to", remote, "err", err)
	}
}

// outPackets sums the outbound packet counters of e's CHILD SAs, or
// returns 0 when the data plane does not count.
func (n *Node) outPackets(e *entry) uint64 {
	st, ok := n.dp.Dataplane.(dataplane.Stats)
	if !ok {
		return 0
	}
	var sum uint64
	for _, id := range e.sa.ChildSAs() {
		if c, ok := st.ChildSAStats(id); ok {
			sum += c.OutPackets
		}
	}
	return sum
}
