package engine

import (
	"errors"
	"fmt"
	"net"
	"net/netip"

	"github.com/flexvpnd/flexvpnd/engine/dataplane"
	"github.com/flexvpnd/flexvpnd/engine/ikev2/ike"
	"github.com/flexvpnd/flexvpnd/engine/ikev2/node"
	"github.com/flexvpnd/flexvpnd/engine/spec"
)

// anyIPv6 is ::/0, all protocols and ports: the IPv6 selector of a
// route-based tunnel (RFC 7296 section 3.13.1).
var anyIPv6 = dataplane.TrafficSelector{
	StartAddr: netip.IPv6Unspecified(),
	EndAddr:   netip.AddrFrom16([16]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}),
	EndPort:   0xFFFF,
}

// The traffic selectors of the tunnel modes, shared by every session (the
// SAs only read them).
var (
	tsIPv4 = []dataplane.TrafficSelector{dataplane.AnyIPv4}
	tsIPv6 = []dataplane.TrafficSelector{anyIPv6}
	tsDual = []dataplane.TrafficSelector{dataplane.AnyIPv4, anyIPv6}
)

// selectors returns the traffic selectors of a tunnel interface: any
// address of each inner family its `tunnel mode` carries. The result
// must not be modified.
func selectors(m spec.TunnelMode) []dataplane.TrafficSelector {
	switch m {
	case spec.ModeIPsecIPv6, spec.ModeIPsecIPv4V6Overlay:
		return tsIPv6
	case spec.ModeIPsecDualOverlay:
		return tsDual
	}
	return tsIPv4
}

// proposals is the node's Responder.Proposals: the proposals of the
// policy that matches the local address in the global table (IOS selects
// the policy by `match address local` and `match fvrf` at IKE_SA_INIT).
func (e *Engine) proposals(local, _ netip.AddrPort) []ike.Proposal {
	s := e.spec.Load()
	p, ok := s.PolicyFor(local.Addr().Unmap(), "")
	if !ok {
		return nil
	}
	return e.conv.ikeOf(s, p)
}

// ikeProposals converts spec proposals to the ike package's.
func ikeProposals(ps [][]spec.Transform) []ike.Proposal {
	out := make([]ike.Proposal, len(ps))
	for i, p := range ps {
		out[i] = make(ike.Proposal, len(p))
		for j, t := range p {
			out[i][j] = ike.Transform{Type: t.Type, ID: t.ID, KeyBits: t.KeyBits}
		}
	}
	return out
}

// specID converts an identity of the wire to the spec's.
func specID(id ike.Identity) spec.ID { return spec.ID{Type: id.Type, Data: id.Data} }

// resolve is the node's Responder.Resolve, called when IDi arrives: it
// picks the profile, the keys and the tunnel interface of the session
// (see the package documentation), and tags the SA with the interface
// name.
func (e *Engine) resolve(id node.ID, local, remote netip.AddrPort, peerID ike.Identity) (*ike.Config, string, error) {
	s := e.spec.Load()
	la, ra := local.Addr().Unmap(), remote.Addr().Unmap()
	prof, ok := s.ProfileFor(spec.Query{Local: la, RemoteID: specID(peerID), IfaceAddrs: e.hostAddrs})
	if !ok {
		return nil, "", fmt.Errorf("no IKEv2 profile matches identity %v on %v", peerID, la)
	}
	authz, err := s.AuthorizationFor(prof, specID(peerID))
	if err != nil {
		return nil, "", fmt.Errorf("profile %s: peer %v: %w", prof.Name, peerID, err)
	}
	if t := tunnelFor(s, prof, la, ra); t != nil {
		cfg, err := e.sessionConfig(s, prof, t.Protection, &t.Interface, la, remote, peerID)
		if err != nil {
			return nil, "", err
		}
		cfg.Child.TunnelID = tunnelID(t.Number)
		cfg.CP = e.responderCP(id, prof, authz, &t.Interface)
		return cfg, t.Name, nil
	}
	tmpl, ok := s.Template(prof.VirtualTemplate)
	if prof.VirtualTemplate == 0 || !ok {
		return nil, "", fmt.Errorf("profile %s: no tunnel interface for peer %v", prof.Name, ra)
	}
	cfg, err := e.sessionConfig(s, prof, tmpl.Protection, &tmpl.Interface, la, remote, peerID)
	if err != nil {
		return nil, "", err
	}
	v := e.va.alloc(id, prof.Name, tmpl.Number, func(v *vaccess) dataplane.Tunnel { return vaTunnel(v, tmpl, prof, la, ra) })
	e.ensureTunnel(v.tunnel)
	cfg.Child.TunnelID = v.tunnelID()
	cfg.CP = e.responderCP(id, prof, authz, &tmpl.Interface)
	e.log.Info("session accepted", "interface", v.name(), "template", tmpl.Name, "profile", prof.Name, "remote", ra, "id", peerID)
	return cfg, v.name(), nil
}

// tunnelFor returns the static VTI that a responder session of profile
// prof from remote belongs to: not shut down, its destination the peer,
// its source (if any) the local address, protected by prof.
func tunnelFor(s *spec.Spec, prof *spec.Profile, local, remote netip.Addr) *spec.Tunnel {
	for i := range s.Tunnels {
		t := &s.Tunnels[i]
		if t.Shutdown || t.Destination != remote || t.Protection.IKEv2.Name != prof.Name {
			continue
		}
		if t.Source.IsValid() && t.Source.Unmap() != local {
			continue
		}
		return t
	}
	return nil
}

// sessionConfig returns the SA configuration of a session under profile
// prof protected by ipsec on the interface ifc, between local and remote.
// peerID is the peer's identity for the keyring lookup (zero as
// initiator, which looks up by address).
func (e *Engine) sessionConfig(s *spec.Spec, prof *spec.Profile, ipsec *spec.IPsecProfile, ifc *spec.Interface, local netip.Addr, remote netip.AddrPort, peerID ike.Identity) (*ike.Config, error) {
	pol, ok := s.PolicyFor(local, ifc.TunnelVRF)
	if !ok {
		return nil, fmt.Errorf("no IKEv2 policy for local address %v", local)
	}
	localID, ok := prof.LocalID.Wire(local)
	if !ok {
		return nil, fmt.Errorf("profile %s: no usable local identity", prof.Name)
	}
	lk, rk, ok := prof.PSKs(remote.Addr().Unmap(), specID(peerID))
	if !ok {
		return nil, fmt.Errorf("profile %s: no pre-shared key for peer %v", prof.Name, remote.Addr())
	}
	ts := selectors(ifc.Mode)
	return &ike.Config{
		Local: netip.AddrPortFrom(local, 0), Remote: remote,
		LocalID: ike.Identity{Type: localID.Type, Data: localID.Data}, LocalPSK: lk, RemotePSK: rk,
		Proposals: e.conv.ikeOf(s, pol), Fragmentation: fragmentation(s.Global),
		Child: ike.ChildConfig{
			Proposals: e.conv.espOf(s, ipsec), LocalTS: ts, RemoteTS: ts, // with `set pfs` for rekeys; IKE_AUTH drops it
			Lifetime: ipsec.Lifetime,
		},
		Retransmit: e.retransmit(),
		Lifetime:   prof.Lifetime,
		DPD:        dpd(prof.DPD),
	}, nil
}

// dpd returns the dead peer detection of a profile's `dpd` (RFC 7296
// section 2.4); nil is off.
func dpd(d *spec.DPD) ike.DPD {
	if d == nil {
		return ike.DPD{}
	}
	return ike.DPD{Interval: d.Interval, Retry: d.Retry, Periodic: d.Periodic}
}

// initiatorConfig returns the configuration with which the static VTI t
// initiates.
func (e *Engine) initiatorConfig(s *spec.Spec, t *spec.Tunnel) (*ike.Config, error) {
	if !t.Destination.IsValid() {
		return nil, errors.New("no tunnel destination address")
	}
	remote := netip.AddrPortFrom(t.Destination.Unmap(), e.peer)
	local, err := e.sourceAddr(&t.Interface, remote.Addr())
	if err != nil {
		return nil, err
	}
	cfg, err := e.sessionConfig(s, t.Protection.IKEv2, t.Protection, &t.Interface, local, remote, ike.Identity{})
	if err != nil {
		return nil, err
	}
	cfg.Child.TunnelID = tunnelID(t.Number)
	cfg.CP = initiatorCP(t.Protection.IKEv2, &t.Interface)
	if prof := t.Protection.IKEv2; len(prof.MatchIdentities) > 0 {
		cfg.CheckPeerID = func(id ike.Identity) error {
			if !prof.MatchesIdentity(specID(id)) {
				return fmt.Errorf("no `match identity remote` of profile %s matches", prof.Name)
			}
			return nil
		}
	}
	return cfg, nil
}

// sourceAddr returns the local IKE address of a tunnel: `tunnel source`,
// the first address of the source interface in the destination's
// family, or the address the host routes to the destination from. The
// source interface is a host interface (see linuxIface).
func (e *Engine) sourceAddr(ifc *spec.Interface, dst netip.Addr) (netip.Addr, error) {
	if ifc.Source.IsValid() {
		return ifc.Source.Unmap(), nil
	}
	if ifc.SourceIface != "" {
		for _, a := range e.hostAddrs(ifc.SourceIface) {
			if a.Is4() == dst.Is4() {
				return a, nil
			}
		}
		return netip.Addr{}, fmt.Errorf("tunnel source %s has no address", ifc.SourceIface)
	}
	// A connected UDP socket sends nothing: it only asks the kernel for
	// the route's source address.
	c, err := net.DialUDP("udp", nil, net.UDPAddrFromAddrPort(netip.AddrPortFrom(dst, 500)))
	if err != nil {
		return netip.Addr{}, fmt.Errorf("no route to %v: %w", dst, err)
	}
	defer c.Close()
	return c.LocalAddr().(*net.UDPAddr).AddrPort().Addr().Unmap(), nil
}

// linuxIface returns the Linux name of the host interface that the
// configuration names name: its Config.InterfaceMap entry
// ("GigabitEthernet1" → "eth0"), else name itself (a Linux name such as
// eth0 works directly).
func (e *Engine) linuxIface(name string) string {
	if l, ok := e.cfg.InterfaceMap[name]; ok {
		return l
	}
	return name
}

// hostAddrs returns the addresses of the host interface that the
// configuration names name (see linuxIface), nil when it does not exist.
func (e *Engine) hostAddrs(name string) []netip.Addr {
	return ifaceAddrs(e.linuxIface(name))
}

// ifaceAddrs returns the addresses of a host interface, nil when it does
// not exist.
func ifaceAddrs(name string) []netip.Addr {
	ifi, err := net.InterfaceByName(name)
	if err != nil {
		return nil
	}
	addrs, err := ifi.Addrs()
	if err != nil {
		return nil
	}
	var out []netip.Addr
	for _, a := range addrs {
		if p, err := netip.ParsePrefix(a.String()); err == nil {
			out = append(out, p.Addr().Unmap())
		}
	}
	return out
}
