// Package xfrm is the Linux kernel backend of the data plane: it programs
// xfrm interfaces, ESP SAs and policies through netlink (RFC 4301 section
// 4.4 for the SAD and SPD, RFC 4303 for ESP, RFC 3948 for ESP in UDP). With
// engine/dataplane/netdev it is the only code that talks to
// github.com/vishvananda/netlink.
//
// # Model
//
// Every tunnel (dataplane.Tunnel: TunnelN, Virtual-AccessN) is one xfrm
// interface whose if_id is the tunnel ID. Its addresses, MTU, state, VRF and
// routes (metric = IOS distance) are applied by netdev. Each CHILD SA is a
// pair of ESP tunnel-mode SAs carrying that if_id (reqid = if_id too), and
// each tunnel has one set of in, fwd and out policies for 0.0.0.0/0 (and
// ::/0 when a traffic selector is IPv6) with the same if_id, installed with
// its first CHILD SA and removed with the tunnel. Routing decides what
// enters the tunnel; the policies only bind the interface to its SAs. The
// SAs carry no selector (XFRM_STATE_AF_UNSPEC), so one SA pair carries IPv4
// and IPv6 inside either outer family, and a 64-packet replay window (the
// IOS default). Transport mode is out of scope: a VTI (xfrm interface)
// always encapsulates whole packets, so a CHILD SA without a tunnel ID is
// refused.
//
// The interfaces have no underlay link (IFLA_XFRM_LINK) and the SAs no
// output mark: the ESP packets are routed by the main table of the
// namespace, also when the tunnel interface is in a VRF (IOS `vrf
// forwarding` on the tunnel, TestXFRMKernel/traffic/gcm256-vrf). An
// underlay VRF (IOS `tunnel vrf`) would need one of them; dataplane.Tunnel
// has no field for it yet.
//
// # Rekeying (make-before-break)
//
// Two CHILD SAs of one tunnel can be installed at once. Inbound, the kernel
// finds the SA by SPI, so both are accepted. Outbound, xfrm_state_find
// (net/xfrm/xfrm_state.c, xfrm_state_look_at) picks among the valid SAs
// matching the policy template (same addresses, reqid and if_id) the one
// that is not dying (soft-expired) with the latest add_time; within the same
// second it keeps the first one in the hash chain, which is the most
// recently inserted. Adding an SA also bumps the generation of the older
// ones, so cached bundles are rebuilt: the newest SA carries all outbound
// traffic from the moment InstallChildSA returns, including existing flows
// (TestXFRMKernel/rekey checks this). For no packet to be lost in both
// directions, a side must send on the new pair only once the peer can
// decrypt it: a CHILD SA installed with OutboundPending gets its inbound SA
// at once and its outbound SA only when ActivateOutbound is called, which
// the responder of a rekey does when the old pair is deleted
// (TestXFRMKernel/rekey-pending).
//
// DeleteChildSA forgets the CHILD SA at once (counters, further calls) but
// leaves its two SAs in the kernel for dataplane.DeleteGrace: ESP packets
// the peer sent on the old SA before the Delete exchange may still be in
// the asynchronous crypto queues of either kernel when it runs
// (TestRekeyTrafficInVM lost bursts of them to XfrmInNoStates without the
// grace), and a packet routed to the old outbound SA just before its
// deletion is dropped (XfrmOutStateInvalid) if it goes first. The newer SA
// of the tunnel carries the outbound traffic meanwhile; without one the
// tunnel goes on sending on the deleted SA until the grace ends.
//
// # Lifetimes
//
// No soft or hard byte, packet or time limit is installed: the IKE engine
// owns the lifetimes and drives rekeys and deletes itself (RFC 7296 section
// 2.8), so the kernel never expires an SA behind its back.
//
// # Kernel requirements
//
//   - NETLINK_XFRM (CONFIG_XFRM_USER, module xfrm_user);
//   - xfrm interfaces and if_id (Linux 4.19 or later, CONFIG_XFRM_INTERFACE,
//     module xfrm_interface, which pulls in tunnel4, tunnel6 and
//     xfrm6_tunnel);
//   - ESP over IPv4 and IPv6 (CONFIG_INET_ESP and CONFIG_INET6_ESP, modules
//     esp4 and esp6), which also decapsulate ESP in UDP (IPv6 since 5.8)
//     once the IKE socket on port 4500 has UDP_ENCAP_ESPINUDP set;
//   - the ciphers: rfc4106(gcm(aes)) (gcm, ghash, ctr), cbc(aes) with
//     authenc and hmac(sha1|sha256|sha384|sha512), rfc7539esp(chacha20,
//     poly1305) (chacha20poly1305, chacha20, poly1305), the IV generators
//     seqiv and echainiv, and a stdrng (drbg);
//   - VRF (CONFIG_NET_VRF, module vrf) only for tunnels with a VRF.
//
// The kernel loads missing modules itself when a link kind, protocol or
// cipher is first asked for, where module loading is allowed.
//
// # Choosing the backend
//
// `--dataplane=auto` calls Probe on the daemon's namespace: it creates and
// deletes a scratch xfrm interface and a scratch IPv4 AES-GCM ESP SA, and
// returns why the kernel backend cannot work (wrapping errors.ErrUnsupported
// when a kernel feature is missing), nil when it can. The userspace backend
// is the fallback. IPv6 ESP and the other ciphers are not probed: where
// they are missing, InstallChildSA fails with the kernel's error.
//
// Every operation goes through netlink sockets bound to the Backend's
// network namespace and opened with explicit families (NETLINK_ROUTE,
// NETLINK_XFRM), never through netlink's package-level functions.
package xfrm

import (
	"fmt"
	"sync"
	"time"

	"github.com/flexvpnd/flexvpnd/engine/dataplane"
	"github.com/flexvpnd/flexvpnd/engine/dataplane/netdev"
	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netlink/nl"
	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"
)

// Config configures a Backend.
type Config struct {
	// Netns is the network namespace to program, as a path such as
	// /run/netns/NAME or /proc/PID/ns/net; empty for the caller's.
	Netns string
}

// Backend is the kernel data plane of one network namespace. It is safe for
// concurrent use.
type Backend struct {
	nl    *netlink.Handle
	xfrm  *nl.SocketHandle // for addSA
	links *netdev.Handle

	// mu serialises the use of the netlink sockets and guards policies.
	mu sync.Mutex
	// policies records, per tunnel and inner address family, the outer
	// endpoints the tunnel's policies were installed with.
	policies map[uint32]map[int]endpoints
	// pending holds the outbound SAs of CHILD SAs installed with
	// OutboundPending, until ActivateOutbound adds them.
	pending map[dataplane.ChildSAID]*netlink.XfrmState
	// dying are the CHILD SAs deleted whose SAs stay in the kernel for
	// grace (dataplane.DeleteGrace, 0 in some tests).
	dying  map[dataplane.ChildSAID]bool
	grace  time.Duration
	closed bool
}

var (
	_ dataplane.Dataplane = (*Backend)(nil)
	_ dataplane.Tunnels   = (*Backend)(nil)
	_ dataplane.Stats     = (*Backend)(nil)
)

// New opens a Backend on the namespace of cfg.
func New(cfg Config) (*Backend, error) {
	h, err := openNetlink(cfg.Netns)
	if err != nil {
		return nil, err
	}
	x, err := xfrmSocket(cfg.Netns)
	if err != nil {
		h.Close()
		return nil, err
	}
	return &Backend{nl: h, xfrm: x, links: netdev.Wrap(h), policies: map[uint32]map[int]endpoints{},
		pending: map[dataplane.ChildSAID]*netlink.XfrmState{}, dying: map[dataplane.ChildSAID]bool{},
		grace: dataplane.DeleteGrace}, nil
}

// Close releases the netlink sockets. Installed state stays in the kernel,
// SAs in their grace period after DeleteChildSA too.
func (b *Backend) Close() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.closed = true
	b.xfrm.Close()
	b.nl.Close()
}

// openNetlink opens a handle with the route and XFRM families on the
// namespace at path, or on the caller's when path is empty.
func openNetlink(path string) (*netlink.Handle, error) {
	families := []int{unix.NETLINK_ROUTE, unix.NETLINK_XFRM}
	if path == "" {
		nl, err := netlink.NewHandle(families...)
		if err != nil {
			return nil, fmt.Errorf("xfrm: open netlink: %w", err)
		}
		return nl, nil
	}
	ns, err := netns.GetFromPath(path)
	if err != nil {
		return nil, fmt.Errorf("xfrm: open namespace %s: %w", path, err)
	}
	defer ns.Close()
	nl, err := netlink.NewHandleAt(ns, families...)
	if err != nil {
		return nil, fmt.Errorf("xfrm: open netlink in %s: %w", path, err)
	}
	return nl, nil
}
