// Package transport is the UDP socket layer of the IKEv2 engine: it listens
// on the IKE port (500, RFC 7296 section 2) and the NAT-T port (4500,
// RFC 3948 section 2 and RFC 7296 section 2.23) on the configured local
// addresses, classifies every received datagram, and sends IKE messages and
// NAT-keepalives from the right local address.
//
// On the NAT-T port a datagram is an IKE message behind the four-octet
// non-ESP marker, an ESP packet (non-zero SPI first), or a one-octet
// NAT-keepalive (RFC 3948 sections 2.2 and 2.3); on the IKE port it can only
// be an IKE message. IKE messages go to a [Handler] with the local and remote
// address and port; ESP packets go to an optional [ESPHandler]; keepalives
// are dropped; anything that is not even a valid IKE header is dropped and
// counted ([Stats]) without creating per-peer state.
//
// Each socket has one receive goroutine, which reads up to 16 datagrams per
// recvmmsg(2) call and hands them to the handlers on that goroutine; a
// [BatchHandler] is told when a batch ends, so that it can answer the whole
// batch with one sendmmsg(2) call per socket ([Listener.SendBatch]). On a
// busy responder this costs one system call and one goroutine wake-up per
// batch rather than per datagram.
//
// The local (destination) address of every datagram is learned from the
// IP_PKTINFO / IPV6_PKTINFO control message, so a socket bound to the
// wildcard address still answers from the address the peer used. The package
// is Linux-specific and does not import the IKE SA state machine: the engine
// implements [Handler].
package transport
