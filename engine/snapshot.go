package engine

import (
	"cmp"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/flexvpnd/flexvpnd/engine/dataplane"
	"github.com/flexvpnd/flexvpnd/engine/ikev2/ike"
	"github.com/flexvpnd/flexvpnd/engine/ikev2/node"
	"github.com/flexvpnd/flexvpnd/engine/ikev2/wire"
	"github.com/flexvpnd/flexvpnd/engine/spec"
	"github.com/flexvpnd/flexvpnd/engine/status"
)

// Snapshot returns the state of the IKE SAs and tunnel interfaces for the
// show commands. Failed negotiations are not listed, as on IOS.
func (e *Engine) Snapshot() status.Snapshot {
	return e.Query(status.Query{Parts: status.PartAll})
}

// Query returns the parts of Snapshot that q selects, built for the IKE
// SAs it selects only: on a hub holding tens of thousands of sessions,
// `show crypto ikev2 sa` converts no CHILD SA and no tunnel, and `show
// crypto ikev2 sa remote ADDR` one peer's SAs.
func (e *Engine) Query(q status.Query) status.Snapshot {
	s := e.spec.Load()
	snap := status.Snapshot{Time: e.now()}
	tunnels := q.Parts.Has(status.PartTunnels)
	if tunnels || q.Parts&(status.PartIKESAs|status.PartChildSAs) != 0 {
		var up map[string]bool
		snap.IKESAs, up = e.ikeSAs(s, q)
		if tunnels {
			snap.Tunnels = e.tunnelStatus(s, up)
		}
	}
	if q.Parts.Has(status.PartPools) {
		snap.Pools = e.pools.Leases()
	}
	if q.Parts.Has(status.PartStats) {
		snap.Stats = e.ikeStats(s)
	}
	return snap
}

// ikeSAs converts the IKE SAs that q selects, leaving out the failed and
// deleted ones as IOS does, as the node visits them: there is no copy of
// them all in between. Their CHILD SAs, which need the data plane's
// counters, are converted after, off the node's goroutine. With tunnels
// in q it also returns the interfaces whose line protocol is up (an
// established SA carries a CHILD SA), which needs every SA.
func (e *Engine) ikeSAs(s *spec.Spec, q status.Query) ([]status.IKESA, map[string]bool) {
	idx := newSpecIndex(s)
	tunnels := q.Parts.Has(status.PartTunnels)
	ikes := q.Parts&(status.PartIKESAs|status.PartChildSAs) != 0
	visit := q.Remote
	var up map[string]bool
	if tunnels {
		visit, up = netip.Addr{}, map[string]bool{}
	}
	var out []status.IKESA
	var kids []childRefs
	err := e.node.EachStatus(visit, func(sa *node.SAStatus, count int) {
		if tunnels && sa.State == ike.StateEstablished && len(sa.Children) > 0 {
			up[sa.Peer] = true
		}
		if !ikes || !listed(sa) || q.Remote.IsValid() && sa.Remote.Addr().Unmap() != q.Remote.Unmap() {
			return
		}
		if out == nil {
			out = make([]status.IKESA, 0, count)
		}
		x, ss := e.ikeSA(idx, sa)
		out = append(out, x)
		if q.Parts.Has(status.PartChildSAs) && len(sa.Children) > 0 {
			kids = append(kids, childRefs{sa: len(out) - 1, children: sa.Children, ipsec: ss.ipsec})
		}
	})
	if err != nil {
		e.log.Debug("snapshot", "err", err)
	}
	for _, k := range kids {
		cs := make([]status.ChildSA, len(k.children))
		for i := range k.children {
			cs[i] = e.childSA(&k.children[i], k.ipsec)
		}
		out[k.sa].Children = cs
	}
	return out, up
}

// EachIKESA calls fn with each listed IKE SA whose remote address is
// remote (every one for the zero Addr), without its CHILD SAs, in order
// of creation, as the node visits them: `show crypto ikev2 sa` on a hub
// holding tens of thousands of sessions renders them as they come, with
// no snapshot of them all. fn also gets the time the SAs are seen at and
// how many SAs the node visits; it runs on the node's goroutine, must not
// call the engine, and must not keep sa, which is reused.
func (e *Engine) EachIKESA(remote netip.Addr, fn func(sa *status.IKESA, now time.Time, count int)) {
	idx := newSpecIndex(e.spec.Load())
	now := e.now()
	var x status.IKESA
	err := e.node.EachStatus(remote, func(sa *node.SAStatus, count int) {
		if listed(sa) {
			x, _ = e.ikeSA(idx, sa)
			fn(&x, now, count)
		}
	})
	if err != nil {
		e.log.Debug("snapshot", "err", err)
	}
}

// childRefs are the node's CHILD SAs of the IKE SA at index sa of a
// snapshot, converted once the node's goroutine is left.
type childRefs struct {
	sa       int
	children []node.ChildStatus
	ipsec    *spec.IPsecProfile
}

// ikeStats returns the counters of `show crypto ikev2 stats`: the limits
// of the spec and what the node's admission did with new IKE_SA_INIT
// requests (RFC 7296 section 2.6 for the cookies). Requests refused at a
// limit count as rejected for the SA limit; challenged ones as rejected.
func (e *Engine) ikeStats(s *spec.Spec) status.IKEStats {
	var st status.IKEStats
	if s != nil {
		st.MaxSAs, st.MaxInNego = s.Global.MaxSA, s.Global.MaxInNegotiationSA
	}
	a, err := e.node.AdmissionStats()
	if err != nil {
		e.log.Debug("snapshot stats", "err", err)
		return st
	}
	st.RejectedSALimit = a.InNegotiationLimit + a.SALimit
	st.InAccepted = a.Accepted
	st.InRejected = st.RejectedSALimit + a.CookieChallenged
	st.InRequests = st.InAccepted + st.InRejected
	st.Dropped = a.Malformed
	st.CookieChallenged, st.CookieAccepted, st.CookieRejected, st.CookieMissing = a.CookieChallenged, a.CookieAccepted, a.CookieInvalid, a.CookieMissing
	return st
}

// listed reports whether the show commands list an SA: failed and
// deleted ones are not, as on IOS.
func listed(sa *node.SAStatus) bool {
	return sa.State != ike.StateFailed && sa.State != ike.StateDeleted
}

// session is what the engine knows of the interface an SA belongs to.
type session struct {
	profile    *spec.Profile
	ipsec      *spec.IPsecProfile
	fvrf, ivrf string
}

// specIndex finds a spec's tunnels and profiles by name.
type specIndex struct {
	s        *spec.Spec
	tunnels  map[string]*spec.Tunnel
	profiles map[string]*spec.Profile
}

func newSpecIndex(s *spec.Spec) specIndex {
	x := specIndex{s: s, tunnels: map[string]*spec.Tunnel{}, profiles: map[string]*spec.Profile{}}
	for i := range s.Tunnels {
		x.tunnels[s.Tunnels[i].Name] = &s.Tunnels[i]
	}
	for _, p := range s.Profiles {
		x.profiles[p.Name] = p
	}
	return x
}

// sessionOf returns the profiles and VRFs of the SA tagged tag.
func (e *Engine) sessionOf(x specIndex, tag string) session {
	if t := x.tunnels[tag]; t != nil {
		return session{profile: t.Protection.IKEv2, ipsec: t.Protection, fvrf: t.TunnelVRF, ivrf: t.VRF}
	}
	v, ok := e.va.get(tag)
	if !ok {
		return session{}
	}
	out := session{profile: x.profiles[v.profile]}
	if tmpl, ok := x.s.Template(v.template); ok {
		out.ipsec, out.fvrf, out.ivrf = tmpl.Protection, tmpl.TunnelVRF, v.tunnel.VRF
	}
	return out
}

// ikeSA converts an IKE SA without its CHILD SAs, and returns the session
// it belongs to.
func (e *Engine) ikeSA(x specIndex, sa *node.SAStatus) (status.IKESA, session) {
	ss := e.sessionOf(x, sa.Peer)
	tr := sa.Transforms
	out := status.IKESA{
		ConnID: int(sa.ID), SessionID: int(sa.ID),
		Local: sa.Local, Remote: sa.Remote, FVRF: ss.fvrf, IVRF: ss.ivrf,
		Initiator: sa.Initiator, Interface: sa.Peer,
		Encr: encrName(tr.Encr), KeyBits: tr.KeyBits, PRF: prfName(tr.PRF), Hash: hashName(tr.Integ), DHGroup: int(tr.DH),
		AuthSign: "PSK", AuthVerify: "PSK",
		Established: sa.Established,
		LocalID:     idString(sa.LocalID), RemoteID: idString(sa.PeerID),
		LocalNextMsgID: sa.LocalMsgID, RemoteNextMsgID: sa.RemoteMsgID,
		LocalWindow: 1, RemoteWindow: 1,
		NATLocal: sa.NATLocal, NATRemote: sa.NATRemote,
	}
	out.LocalSPI, out.RemoteSPI = sa.SPIr, sa.SPIi
	if sa.Initiator {
		out.LocalSPI, out.RemoteSPI = sa.SPIi, sa.SPIr
	}
	switch sa.State {
	case ike.StateEstablished:
		out.State, out.Description = "READY", "Negotiation done"
	case ike.StateDeleting:
		out.State, out.Description = "DELETE", "Deleting SA"
	default:
		out.State, out.Description = "IN-NEG", "Negotiation in progress"
	}
	if p := ss.profile; p != nil {
		out.Profile, out.Lifetime = p.Name, p.Lifetime
		if p.DPD != nil {
			out.DPDInterval, out.DPDRetries = p.DPD.Interval, int(p.DPD.Retry/time.Second)
		}
	}
	return out, ss
}

func (e *Engine) childSA(c *node.ChildStatus, ipsec *spec.IPsecProfile) status.ChildSA {
	out := status.ChildSA{
		InSPI: c.ID.InSPI, OutSPI: c.ID.OutSPI,
		LocalTS: prefixes(c.LocalTS), RemoteTS: prefixes(c.RemoteTS),
		Transform: espTransform(c.Algorithms), Tunnel: true, Encap: c.Encap.Enabled(),
		Established: c.Installed,
	}
	if ipsec != nil {
		out.Lifetime, out.LifetimeKB, out.ReplayWindow = ipsec.Lifetime, ipsec.LifetimeKB, ipsec.ReplayWindow
	}
	if e.stats != nil {
		if n, ok := e.stats.ChildSAStats(c.ID); ok {
			out.OutPackets, out.OutBytes, out.InPackets, out.InBytes = n.OutPackets, n.OutBytes, n.InPackets, n.InBytes
			out.ReplayDrops, out.AuthFailures, out.OtherDrops, out.OutDrops = n.ReplayDrops, n.AuthFailures, n.OtherDrops, n.OutDrops
		}
	}
	return out
}

// tunnelStatus lists the static VTIs and the Virtual-Access interfaces,
// TunnelN before Virtual-AccessN as IOS orders interfaces; their line
// protocol is up when up says so (an established SA carries a CHILD SA).
func (e *Engine) tunnelStatus(s *spec.Spec, up map[string]bool) []status.Tunnel {
	var out []status.Tunnel
	ts := slices.Clone(s.Tunnels)
	slices.SortFunc(ts, func(a, b spec.Tunnel) int { return cmp.Compare(a.Number, b.Number) })
	vas := e.va.all()
	if n := len(ts) + len(vas); n > 0 {
		out = make([]status.Tunnel, 0, n)
	}
	negotiated := e.negotiatedAddrs()
	for i := range ts {
		t := &ts[i]
		out = append(out, status.Tunnel{
			Name: t.Name, IfName: dataplane.LinuxName(t.Name), Addrs: cmpOrSlice(negotiated[t.Name], t.Addrs),
			AdminUp: !t.Shutdown, ProtocolUp: !t.Shutdown && up[t.Name],
			Source: t.Source, Destination: t.Destination, Profile: t.Protection.Name,
		})
	}
	for _, v := range vas {
		st := status.Tunnel{
			Name: v.name(), IfName: v.tunnel.IfName, Addrs: v.tunnel.Addrs,
			AdminUp: v.tunnel.Up, ProtocolUp: v.tunnel.Up && up[v.name()],
			Source: v.tunnel.Local, Destination: v.tunnel.Remote,
			Template: "Virtual-Template" + strconv.Itoa(v.template),
		}
		if tmpl, ok := s.Template(v.template); ok {
			st.Profile = tmpl.Protection.Name
		}
		out = append(out, st)
	}
	return out
}

// prefixes renders traffic selectors as the prefixes IOS shows (`local
// ident`, `remote ident`); a range that is no prefix is shown as the
// smallest prefix covering it.
func prefixes(ts []dataplane.TrafficSelector) []netip.Prefix {
	out := make([]netip.Prefix, 0, len(ts))
	for _, t := range ts {
		for bits := t.StartAddr.BitLen(); bits >= 0; bits-- {
			if p := netip.PrefixFrom(t.StartAddr, bits).Masked(); p.Contains(t.EndAddr) {
				out = append(out, p)
				break
			}
		}
	}
	return out
}

// idString renders an identity as IOS shows it: the address, FQDN,
// e-mail address or key ID itself.
func idString(id ike.Identity) string {
	switch id.Type {
	case 0:
		return ""
	case wire.IDIPv4Addr, wire.IDIPv6Addr, wire.IDFQDN, wire.IDRFC822Addr:
		return id.String()
	case wire.IDKeyID:
		return string(id.Data)
	}
	return id.String()
}

// encrName is the IOS name of an IKE cipher (`Encr:`).
func encrName(id wire.EncrID) string {
	switch id {
	case wire.EncrAESCBC:
		return "AES-CBC"
	case wire.EncrAESGCM16:
		return "AES-GCM"
	case wire.EncrChaCha20Poly1305:
		return "CHACHA20-POLY1305"
	case 0:
		return ""
	}
	return strings.ReplaceAll(id.String(), "_", "-")
}

// prfName is the IOS name of a PRF (`PRF:`).
func prfName(id wire.PRFID) string {
	switch id {
	case wire.PRFHMACMD5:
		return "MD5"
	case wire.PRFHMACSHA1:
		return "SHA1"
	case wire.PRFHMACSHA2256:
		return "SHA256"
	case wire.PRFHMACSHA2384:
		return "SHA384"
	case wire.PRFHMACSHA2512:
		return "SHA512"
	case 0:
		return ""
	}
	return id.String()
}

// hashName is the IOS name of an IKE integrity algorithm (`Hash:`).
func hashName(id wire.IntegID) string {
	switch id {
	case wire.IntegNone:
		return "None"
	case wire.IntegHMACMD596:
		return "MD596"
	case wire.IntegHMACSHA196:
		return "SHA96"
	case wire.IntegHMACSHA2256128:
		return "SHA256"
	case wire.IntegHMACSHA2384192:
		return "SHA384"
	case wire.IntegHMACSHA2512256:
		return "SHA512"
	}
	return id.String()
}

// espTransform renders ESP algorithms as the IOS transform-set text
// ("esp-256-aes esp-sha-hmac", "esp-gcm 256").
func espTransform(a dataplane.Algorithms) string {
	var enc string
	switch wire.EncrID(a.Encr) {
	case wire.EncrAESCBC:
		enc = "esp-aes"
		if a.EncrKeyBits != 128 {
			enc = fmt.Sprintf("esp-%d-aes", a.EncrKeyBits)
		}
	case wire.EncrAESGCM16:
		enc = "esp-gcm"
		if a.EncrKeyBits != 128 {
			enc = fmt.Sprintf("esp-gcm %d", a.EncrKeyBits)
		}
	case wire.EncrChaCha20Poly1305:
		enc = "esp-chacha20-poly1305"
	default:
		enc = strings.ToLower(wire.EncrID(a.Encr).String())
	}
	switch wire.IntegID(a.Integ) {
	case wire.IntegNone:
		return enc
	case wire.IntegHMACMD596:
		return enc + " esp-md5-hmac"
	case wire.IntegHMACSHA196:
		return enc + " esp-sha-hmac"
	case wire.IntegHMACSHA2256128:
		return enc + " esp-sha256-hmac"
	case wire.IntegHMACSHA2384192:
		return enc + " esp-sha384-hmac"
	case wire.IntegHMACSHA2512256:
		return enc + " esp-sha512-hmac"
	}
	return enc + " " + strings.ToLower(wire.IntegID(a.Integ).String())
}
