// Package swanlab runs strongSwan's charon as a real IKEv2 peer inside
// network namespaces that a test creates, for the interop tests of the
// IKEv2 engine (issue 3). It follows /work/shared/strongswan-lab.md: the
// kernel has XFRM but no ESP, so charon uses kernel-libipsec (userspace
// ESP over a TUN device), which forces NAT-T (IKE floats to UDP/4500 and
// ESP is UDP-encapsulated, RFC 3948) even without a NAT.
//
// # Topology
//
// New(t) creates two namespaces, fxv-<pid>-<n>-a and fxv-<pid>-<n>-b,
// joined by a veth link named wan0 carrying AddrA (198.18.0.1/24) and
// AddrB (198.18.0.2/24) from the RFC 2544 benchmarking range. Nothing is
// created in the test's own namespace, and all traffic stays on that link.
// Namespace A is the slot of the appliance under test (the responder);
// namespace B is always strongSwan.
//
// StartCharon(ns, opts) starts one charon there with its own
// strongswan.conf (explicit plugin list, kernel-libipsec before
// kernel-netlink, no resolve/updown), its own /run for the compiled-in
// pid file, a VICI socket and a level-2 log under t.TempDir(). swanctl
// talks to it through that socket: Load (swanctl --load-all of a rendered
// Conn list), Initiate, Terminate, ListSAs (swanctl --list-sas --raw parsed
// into IKESA and ChildSA) and WaitSAs (bounded polling).
//
// # Hygiene
//
// Every command and wait is bounded. t.Cleanup stops each charon by PID
// (SIGTERM, then SIGKILL) and deletes the namespaces, also when the test
// fails, and then dumps charon's log into the test output. The harness
// skips the test, naming what is missing, when it is not root, when
// ip netns is unusable, or when charon, swanctl, the kernel-libipsec plugin
// or /dev/net/tun is missing; SWANLAB_REQUIRE=1 turns those skips into
// failures. The Debian packages are strongswan-charon, strongswan-swanctl,
// libstrongswan-standard-plugins (gcm, openssl), libstrongswan-extra-plugins
// (curve25519), libcharon-extra-plugins (kernel-libipsec) and iproute2.
//
// # Use in an interop test
//
// Once the engine speaks UDP, an interop test runs flexvpnd's engine in
// namespace A, listening on AddrA:500 and 4500 (it must support NAT-T and
// ESP-in-UDP to talk to this peer), and strongSwan in namespace B:
//
//	l := swanlab.New(t)
//	peer := l.StartCharon(l.NSB, swanlab.CharonOptions{})
//	err := peer.Load(swanlab.Conn{
//		Name: "s2s", LocalAddrs: swanlab.AddrB, RemoteAddrs: swanlab.AddrA,
//		Proposals: []string{"aes256gcm16-prfsha256-ecp256"},
//		LocalID:   "spoke.lab", RemoteID: swanlab.AddrA, PSK: "key",
//		Children: []swanlab.Child{{Name: "net", ESPProposals: []string{"aes256gcm16"},
//			LocalTS: []string{"0.0.0.0/0"}, RemoteTS: []string{"0.0.0.0/0"}}},
//	})
//	// start the engine inside l.NSA (e.g. via a netns-bound goroutine or
//	// l.Exec), then:
//	err = peer.Initiate("s2s", "net", 5*time.Second)
//	sas, err := peer.WaitSAs(5*time.Second, "INSTALLED net", func(s []swanlab.IKESA) bool { ... })
//
// For the responder direction, load a Conn on the strongSwan side and let
// the engine initiate; WaitSAs then observes charon's view of the result.
// The self-test (lab_test.go) shows both roles with two charons.
package swanlab
