package engine

import (
	"net/netip"
	"reflect"
	"time"

	"github.com/flexvpnd/flexvpnd/engine/dataplane"
	"github.com/flexvpnd/flexvpnd/engine/ikev2/node"
	"github.com/flexvpnd/flexvpnd/engine/spec"
)

// svti is the engine's state of one static VTI. It is guarded by
// Engine.mu.
type svti struct {
	t     spec.Tunnel // as last applied
	iface dataplane.Tunnel
	// sas are the tunnel's IKE SAs we know to be alive: those we
	// initiated, and those established as responder for it.
	sas      map[node.ID]saRef
	failures int         // consecutive failed initiations
	retry    *time.Timer // the pending re-initiation
	gen      int         // invalidates a retry timer that already fired
	// peer is what the tunnel's session brought (authz.go).
	peer peerState
	// active is the index of the FlexVPN client peer in use, probe the
	// pending reactivation probe, source the `source` interface the SAs
	// use, manual the EXEC connect of a `connect manual` client
	// (flexclient.go).
	active int
	probe  *time.Timer
	source string
	manual bool
	// resolving is the id of the host name lookup under way (0: none),
	// lookups counts them (dns.go).
	resolving, lookups int
}

// saRef is what a tunnel remembers of one of its SAs.
type saRef struct {
	established bool
	initiator   bool
	spiI        uint64
	// probe marks a FlexVPN client's probe of its preferred peer while
	// on a backup; remote is the peer the SA is with, peer the index of
	// the client peer it was initiated to (-1: not initiated to one).
	probe  bool
	remote netip.Addr
	peer   int
}

func (t *svti) stopRetry() {
	if t.retry != nil {
		t.retry.Stop()
		t.retry = nil
	}
	t.gen++
}

// sameSession reports whether a tunnel's SAs survive its change from a
// to b: same endpoints, front-door VRF, mode and protection profiles. Other
// changes (addresses, MTU, keys, lifetimes) apply without a new session.
func sameSession(a, b *spec.Tunnel) bool {
	return a.Destination == b.Destination && a.DestinationHost == b.DestinationHost &&
		a.Source == b.Source && a.SourceIface == b.SourceIface && a.TunnelVRF == b.TunnelVRF &&
		a.Mode == b.Mode && a.Shutdown == b.Shutdown &&
		a.Protection.Name == b.Protection.Name && a.Protection.IKEv2.Name == b.Protection.IKEv2.Name &&
		reflect.DeepEqual(a.Client, b.Client)
}

// wantsInitiate reports whether the tunnel's configuration makes it
// initiate: a destination address or host name, or client peers.
func wantsInitiate(t *spec.Tunnel) bool {
	return !t.Shutdown && !t.Protection.ResponderOnly &&
		(t.Destination.IsValid() || t.DestinationHost != "" || t.Client != nil && len(t.Client.Peers) > 0)
}

// mayInitiate reports whether the tunnel initiates now: it wants to, and
// a FlexVPN client's connect mode, peers and sources allow it.
func (e *Engine) mayInitiate(t *svti) bool {
	return wantsInitiate(&t.t) && (!t.isClient() || e.clientMay(t))
}

// tunnelRoutes returns the static routes of a spec through its tunnel
// interfaces, by interface name.
func tunnelRoutes(s *spec.Spec) map[string][]spec.Route {
	out := map[string][]spec.Route{}
	for _, r := range s.Routes {
		if r.Tunnel {
			out[r.Interface] = append(out[r.Interface], r)
		}
	}
	return out
}

// tunnelIface returns the data-plane interface of a static VTI with its
// routes (those of its VRF among routes).
func tunnelIface(t *spec.Tunnel, routes []spec.Route) dataplane.Tunnel {
	d := dataplane.Tunnel{
		ID: tunnelID(t.Number), Name: t.Name, IfName: dataplane.LinuxName(t.Name),
		Addrs: t.Addrs, MTU: t.MTU, Up: !t.Shutdown, VRF: t.VRF,
		Local: t.Source, Remote: t.Destination,
	}
	for _, r := range routes {
		if r.VRF == t.VRF {
			d.Routes = append(d.Routes, dataplane.Route{Prefix: r.Prefix, Distance: uint8(min(r.Distance, 255))})
		}
	}
	return d
}

// updateTunnel brings the tunnel's interface to its new spec.
func (e *Engine) updateTunnel(t *svti, routes map[string][]spec.Route) {
	iface := t.peer.withPeer(tunnelIface(&t.t, routes[t.t.Name]), t.t.Negotiated)
	if _, ok := e.ensured[iface.ID]; ok && reflect.DeepEqual(iface, t.iface) {
		return
	}
	t.iface = iface
	e.ensured[iface.ID] = iface
	e.ensureTunnel(iface)
}

// forget drops what the tunnel knows of its SAs and its pending retry, and
// returns its tag for deleteSAs, which ends them.
func (e *Engine) forget(t *svti, why string) string {
	t.stopRetry()
	t.stopProbe()
	t.failures = 0
	t.resolving = 0
	t.source = ""
	clear(t.sas)
	e.log.Info("tunnel SAs torn down", "interface", t.t.Name, "why", why)
	return t.t.Name
}

// initiate starts the tunnel's IKE SA unless it should not or has one:
// to the destination address, or once its host name is resolved (anew at
// each attempt, dns.go); a FlexVPN client to its active usable peer.
func (e *Engine) initiate(t *svti) {
	if e.closed || !e.mayInitiate(t) || len(t.sas) > 0 || t.retry != nil || t.resolving != 0 {
		return
	}
	peer := -1
	if t.isClient() {
		t.active = e.usablePeer(t, t.active)
		peer = t.active
	}
	dst, host, v6 := t.target(peer)
	if host == "" {
		e.initiateMain(t, peer, dst)
		return
	}
	e.lookup(t, host, v6, func(a netip.Addr, err error) {
		if err != nil {
			e.initiateFailed(t, err)
			return
		}
		if len(t.sas) == 0 && t.retry == nil && e.mayInitiate(t) {
			e.initiateMain(t, peer, a)
		}
	})
}

// target returns where the tunnel initiates to: client peer i, or the
// sVTI's destination for i < 0; an address, or a host name to resolve
// for IPv6 or IPv4.
func (t *svti) target(i int) (addr netip.Addr, host string, ipv6 bool) {
	if i >= 0 {
		p := t.t.Client.Peers[i]
		return p.Addr, p.Host, p.IPv6
	}
	return t.t.Destination, t.t.DestinationHost, t.t.Mode.OuterIPv6()
}

// initiateMain initiates the tunnel's SA to dst (client peer peer), and
// on failure schedules the next attempt.
func (e *Engine) initiateMain(t *svti, peer int, dst netip.Addr) {
	if err := e.initiateTo(t, peer, dst, false); err != nil {
		e.initiateFailed(t, err)
	}
}

// initiateTo starts an IKE SA of the tunnel to dst, from the FlexVPN
// client's current source interface if it has `source` lines.
func (e *Engine) initiateTo(t *svti, peer int, dst netip.Addr, probe bool) error {
	tt := t.t
	tt.Destination = dst
	src, _ := e.clientSource(t)
	if src != "" {
		tt.Source, tt.SourceIface = netip.Addr{}, src
	}
	cfg, err := e.initiatorConfig(e.spec.Load(), &tt)
	if err != nil {
		return err
	}
	id, err := e.node.InitiateSA(t.t.Name, *cfg)
	if err != nil {
		return err
	}
	t.sas[id] = saRef{initiator: true, probe: probe, remote: dst, peer: peer}
	t.source = src
	e.log.Info("tunnel initiating", "interface", t.t.Name, "local", cfg.Local.Addr(), "remote", cfg.Remote, "id", id, "probe", probe)
	return nil
}

// initiateFailed counts a failed initiation (a FlexVPN client moves to
// its next peer) and schedules the next one.
func (e *Engine) initiateFailed(t *svti, err error) {
	t.failures++
	e.log.Warn("tunnel cannot initiate", "interface", t.t.Name, "err", err)
	if t.isClient() {
		e.failOver(t)
	}
	e.scheduleRetry(t)
}

// scheduleRetry re-initiates the tunnel after the backoff of its failures.
func (e *Engine) scheduleRetry(t *svti) {
	if !e.mayInitiate(t) {
		return
	}
	t.stopRetry()
	d := e.cfg.Backoff.delay(t.failures)
	gen := t.gen
	name := t.t.Name
	t.retry = time.AfterFunc(d, func() {
		e.mu.Lock()
		defer e.mu.Unlock()
		if e.svti[name] != t || t.gen != gen {
			return
		}
		t.retry = nil
		e.initiate(t)
	})
	e.log.Debug("tunnel re-initiation scheduled", "interface", name, "in", d, "failures", t.failures)
}

// tunnelEvent follows the tunnel's SAs: an established one resets the
// backoff (and a duplicate from simultaneous initiation is deleted); when
// the last one fails or goes, the tunnel initiates again after the
// backoff.
func (e *Engine) tunnelEvent(t *svti, ev node.Event) {
	ref, known := t.sas[ev.ID]
	switch ev.Kind {
	case node.EventEstablished:
		t.failures = 0
		if !known {
			ref.peer = -1
		}
		ref.established, ref.initiator, ref.spiI, ref.remote = true, ev.Initiator, ev.SPIi, ev.Remote.Addr().Unmap()
		t.sas[ev.ID] = ref
		e.log.Info("tunnel up", "interface", t.t.Name, "remote", ev.Remote, "id", ev.ID)
		if t.isClient() {
			e.clientEstablished(t, ev.ID, ref)
			return
		}
		e.dedupe(t)
		return
	case node.EventFailed:
		if !known {
			return
		}
		if !ref.established && !ref.probe {
			t.failures++
		}
		e.log.Warn("tunnel SA failed", "interface", t.t.Name, "id", ev.ID, "err", ev.Err)
	case node.EventDeleted:
		if !known {
			return
		}
		e.log.Info("tunnel SA deleted", "interface", t.t.Name, "id", ev.ID)
	}
	delete(t.sas, ev.ID)
	if ref.probe && !ref.established && len(t.sas) > 0 {
		e.scheduleProbe(t) // the backup is still up: probe again later
		return
	}
	if len(t.sas) == 0 {
		if t.isClient() {
			e.failOver(t)
		}
		e.scheduleRetry(t)
	}
}

// dedupe deletes the redundant SA when both peers initiated the tunnel
// at once and both SAs came up: both sides keep the one with the lowest
// initiator SPI, and the side that initiated the other deletes it, so the
// two never delete both.
func (e *Engine) dedupe(t *svti) {
	var keep node.ID
	for id, r := range t.sas {
		if r.established && (keep == 0 || r.spiI < t.sas[keep].spiI) {
			keep = id
		}
	}
	for id, r := range t.sas {
		if id == keep || !r.established || !r.initiator {
			continue
		}
		if _, err := e.node.DeleteWhere(func(i node.Info) bool { return i.ID == id }); err != nil {
			e.log.Warn("delete duplicate tunnel SA", "interface", t.t.Name, "err", err)
		}
		e.log.Info("duplicate tunnel SA deleted", "interface", t.t.Name, "id", id)
	}
}
