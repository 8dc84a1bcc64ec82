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
// pair of ESP tunnel-mode SAs carrying that if_id, and each tunnel has one
// set of in, fwd and out policies for 0.0.0.0/0 (and ::/0 when a traffic
// selector is IPv6) with the same if_id, installed with its first CHILD SA
// and removed with the tunnel. The SAs and the policies' templates carry
// the reqid ReqID, the same for every tunnel (the if_id tells the tunnels
// apart): it marks them as flexvpnd's. Routing decides what
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
// # Resync and leftovers
//
// The backend remembers what it installed: the tunnels ensured, the
// policies, and every CHILD SA's two kernel SAs with their keys. Resync
// (dataplane.Resyncer, called by the engine every 30 s by default) puts
// back what was changed behind its back: an xfrm interface deleted or
// renamed is re-created or renamed back, netdev restores its addresses,
// MTU, state and routes, and a missing policy or SA (`ip xfrm state
// flush`) is added again. A re-added SA cannot take up its sequence
// numbers where the lost one stopped, so they are derived from the
// packet counters Resync read at its previous pass (RFC 4303 section
// 3.3.3 forbids reusing an outbound sequence number, and the peer's
// anti-replay window would drop lower ones): the outbound SA starts
// above the last count by maxPacketRate packets for every second since,
// and the inbound SA's window starts at the last count of packets
// received, below which the peer's next packets cannot be, so that
// packets captured before the last pass cannot be replayed. Of the
// outbound SAs of a tunnel only the one sending (activated last) is
// re-added: an older one would take the traffic over.
//
// A daemon killed without cleaning up (kill -9) leaves its interfaces,
// routes, SAs and policies in the kernel. New removes them before anything
// else, recognising them by their marks: links with the alias
// netdev.Owner, routes of protocol netdev.RouteProtocol, SAs and policy
// templates with reqid ReqID. Nothing else is touched. InstallChildSA
// replaces an SA with the same destination and SPI that carries ReqID but
// is not one of this Backend's, instead of failing with EEXIST.
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
	"log/slog"
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
	// Logger receives the repairs of Resync and the removal of leftovers;
	// nil means slog.Default().
	Logger *slog.Logger
}

// ReqID is the reqid of every SA and policy template this backend
// installs (0x666c7876, "flxv"): with the if_id it binds a tunnel's
// policies to its SAs, and it marks them as flexvpnd's. strongSwan and
// libreswan number their reqids upwards from 1 and from 16384.
const ReqID = 0x666c7876

// Backend is the kernel data plane of one network namespace. It is safe for
// concurrent use.
type Backend struct {
	nl    *netlink.Handle
	xfrm  *nl.SocketHandle // for addSA
	links *netdev.Handle
	log   *slog.Logger
	now   func() time.Time

	// mu serialises the use of the netlink sockets and guards what
	// follows.
	mu sync.Mutex
	// tunnels are the tunnels ensured and not deleted, for Resync.
	tunnels map[uint32]dataplane.Tunnel
	// policies records, per tunnel and inner address family, the outer
	// endpoints the tunnel's policies were installed with.
	policies map[uint32]map[int]endpoints
	// sas are the CHILD SAs installed and not deleted.
	sas map[dataplane.ChildSAID]*childSA
	// held maps the SAs of the CHILD SAs installed or dying to them.
	held map[saKey]dataplane.ChildSAID
	// serial numbers the outbound activations (childSA.sent).
	serial uint64
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
	_ dataplane.Resyncer  = (*Backend)(nil)
)

// New opens a Backend on the namespace of cfg and removes what a previous
// run of the daemon left there (see the package documentation).
func New(cfg Config) (*Backend, error) {
	b, err := open(cfg)
	if err != nil {
		return nil, err
	}
	if err := b.removeStale(); err != nil {
		b.Close()
		return nil, err
	}
	return b, nil
}

// open opens a Backend on the namespace of cfg, leaving the kernel as it
// is.
func open(cfg Config) (*Backend, error) {
	h, err := openNetlink(cfg.Netns)
	if err != nil {
		return nil, err
	}
	x, err := xfrmSocket(cfg.Netns)
	if err != nil {
		h.Close()
		return nil, err
	}
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	return &Backend{nl: h, xfrm: x, links: netdev.Wrap(h), log: log, now: time.Now,
		tunnels: map[uint32]dataplane.Tunnel{}, policies: map[uint32]map[int]endpoints{},
		sas: map[dataplane.ChildSAID]*childSA{}, held: map[saKey]dataplane.ChildSAID{}, dying: map[dataplane.ChildSAID]bool{},
		grace: dataplane.DeleteGrace}, nil
}

// Close releases the netlink sockets; closing again does nothing.
// Installed state stays in the kernel, SAs in their grace period after
// DeleteChildSA too.
func (b *Backend) Close() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return
	}
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
