package engine

import (
	"reflect"
	"slices"
	"time"

	"github.com/flexvpnd/flexvpnd/engine/dataplane"
	"github.com/flexvpnd/flexvpnd/engine/ikev2/node"
	"github.com/flexvpnd/flexvpnd/engine/spec"
)

// Apply reconciles the engine to s, the whole desired state, and returns
// once the changes are under way (initiations sent, deletes requested).
// s must not be modified afterwards. See the package documentation for
// what is kept and what is torn down.
func (e *Engine) Apply(s *spec.Spec) {
	if s == nil {
		s = &spec.Spec{}
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return
	}
	e.spec.Store(s) // responders use it from now on
	e.applyLimits(s.Global)
	e.applyPools(s)
	e.applyTracks(s)
	e.applyLoopbacks(s.Loopbacks)
	var changed []*svti
	wanted := map[string]bool{}
	routes := tunnelRoutes(s)
	// Adds and updates first.
	for i := range s.Tunnels {
		nt := s.Tunnels[i]
		wanted[nt.Name] = true
		t := e.svti[nt.Name]
		switch {
		case t == nil:
			t = &svti{t: nt, sas: map[node.ID]saRef{}}
			e.svti[nt.Name] = t
			e.updateTunnel(t, routes)
			e.initiate(t)
		case !sameSession(&t.t, &nt):
			t.t = nt
			changed = append(changed, t)
		default:
			// A tunnel that is down tries again at once when its
			// protection changed (a fixed key), else on its schedule.
			down := len(t.sas) == 0
			fresh := down && t.retry != nil && !reflect.DeepEqual(t.t.Protection, nt.Protection)
			t.t = nt
			e.updateTunnel(t, routes)
			if down && (t.retry == nil || fresh) {
				t.stopRetry()
				t.failures = 0
				e.initiate(t)
			}
		}
	}
	// Then deletes: removed tunnels, changed sessions, orphaned
	// Virtual-Access sessions, in one pass over the SAs.
	tags := map[string]bool{}
	for name, t := range e.svti {
		if wanted[name] {
			continue
		}
		tags[e.forget(t, "interface removed")] = true
		e.deleteTunnel(t.iface.ID)
		delete(e.svti, name)
	}
	for _, t := range changed {
		tags[e.forget(t, "tunnel changed")] = true
	}
	e.deleteSAs(tags, e.reconcileSessions(s))
	// Changed tunnels start afresh.
	for _, t := range changed {
		e.updateTunnel(t, routes)
		e.initiate(t)
	}
	e.pushRoutes(s)
}

// reconcileSessions brings the Virtual-Access interfaces to their
// template's current settings, and returns the SAs of the sessions whose
// profile, virtual-template binding or template is gone; their interfaces
// go with the SA's delete event.
func (e *Engine) reconcileSessions(s *spec.Spec) map[node.ID]bool {
	vas := e.va.all()
	if len(vas) == 0 {
		return nil
	}
	bound := map[string]*spec.Profile{} // by name, the profiles with an existing virtual-template
	for _, p := range s.Profiles {
		if _, ok := s.Template(p.VirtualTemplate); ok && p.VirtualTemplate != 0 {
			bound[p.Name] = p
		}
	}
	out := map[node.ID]bool{}
	for _, v := range vas {
		p := bound[v.profile]
		if p == nil || p.VirtualTemplate != v.template {
			out[v.sa] = true
			e.log.Info("session torn down", "interface", v.name(), "profile", v.profile, "why", "profile or template removed")
			continue
		}
		tmpl, _ := s.Template(v.template)
		if iface := vaTunnel(&v, tmpl, p, v.tunnel.Local, v.tunnel.Remote); !reflect.DeepEqual(iface, v.tunnel) && e.va.update(v.num, v.sa, iface) {
			e.ensureTunnel(iface)
		}
	}
	return out
}

// deleteSAs ends the SAs tagged with one of tags and those in ids.
func (e *Engine) deleteSAs(tags map[string]bool, ids map[node.ID]bool) {
	if len(tags) == 0 && len(ids) == 0 {
		return
	}
	n, err := e.node.DeleteWhere(func(i node.Info) bool { return ids[i.ID] || tags[i.Peer] })
	if err != nil {
		e.log.Warn("tear down SAs", "err", err)
	}
	e.log.Debug("SAs torn down", "count", n)
}

// limits are the node's global settings from `crypto ikev2
// cookie-challenge`, `crypto ikev2 limit` and `crypto ikev2 nat
// keepalive`.
type limits struct {
	admission node.Admission
	keepalive time.Duration
}

// applyLimits hands the global IKEv2 settings to the node when they
// changed.
func (e *Engine) applyLimits(g spec.Global) {
	l := limits{
		admission: node.Admission{CookieThreshold: g.CookieChallenge, MaxInNegotiation: g.MaxInNegotiationSA, MaxSA: g.MaxSA},
		keepalive: g.NATKeepalive,
	}
	if l == e.limits {
		return
	}
	if err := e.node.SetLimits(l.admission, l.keepalive); err != nil {
		e.log.Warn("IKEv2 limits", "err", err)
		return
	}
	e.limits = l
}

// applyLoopbacks brings the loopback addresses on the host to want, if
// the data plane puts them there: it ensures the new and changed
// loopbacks, then deletes those no longer wanted (nil: all, at Close).
func (e *Engine) applyLoopbacks(want []spec.Loopback) {
	if e.loops == nil {
		return
	}
	if e.loopbacks == nil {
		e.loopbacks = map[string]dataplane.Loopback{}
	}
	wanted := make(map[string]bool, len(want))
	for _, l := range want {
		wanted[l.Name] = true
		if old, ok := e.loopbacks[l.Name]; ok && slices.Equal(old.Addrs, l.Addrs) {
			continue
		}
		dl := dataplane.Loopback{Name: l.Name, Addrs: l.Addrs}
		if err := e.loops.EnsureLoopback(dl); err != nil {
			e.log.Error("ensure loopback addresses", "interface", l.Name, "err", err)
			continue
		}
		e.loopbacks[l.Name] = dl
	}
	for name := range e.loopbacks {
		if wanted[name] {
			continue
		}
		if err := e.loops.DeleteLoopback(name); err != nil {
			e.log.Error("delete loopback addresses", "interface", name, "err", err)
			continue
		}
		delete(e.loopbacks, name)
	}
}
