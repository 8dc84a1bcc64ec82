// Package node is the IKE runtime of the engine: it owns a
// transport.Listener and a set of IKE SA actors (package ike), routes every
// received IKE message to its SA, drives the SAs' retransmission timers with
// the real clock and sends what the SAs return.
//
// All SAs live in one goroutine, the node's loop; the SAs themselves hold
// no locks. The transport's receive goroutines copy each message into a
// channel, and the public methods (AddPeer, Initiate, Delete, DeleteChild, Status) run as
// closures inside the loop.
//
// # Routing
//
// A message is routed by the IKE SPI that this node chose (RFC 7296 section
// 2.6): the Initiator flag tells which one it is (section 3.1). A message
// from the original initiator (flag I set) belongs to one of our responder
// SAs, found by its responder SPI; while that SPI is still zero it is an
// IKE_SA_INIT request (a new one, or a retransmission), found by the
// initiator SPI and the remote address, or, when it is a new request from a
// configured peer, answered by a new responder SA. A message from the
// original responder (flag I clear) belongs to one of our initiator SAs,
// found by its initiator SPI. Anything else is dropped (section 2.21).
//
// # Deletion
//
// Delete and DeleteChild start the INFORMATIONAL exchanges of RFC 7296
// section 1.4.1 in the SA's actor; Delete payloads from the peer are handled
// there too. Once an SA is deleted or failed and none of its exchanges
// runs, the node drops it from the routing tables; a deleted SA also leaves
// Status, a failed one stays there with its error.
//
// Not yet handled: expiring failed SAs from Status, lifetimes, NAT
// keepalives (RFC 3948 section 2.3), and a limit on half-open SAs (cookies,
// section 2.6).
// NAT traversal itself is done by package ike: the node hands it the local
// and remote address of every datagram and sets Config.NATPort of initiated
// SAs to its NAT-T port; Status reports the floated endpoints and the NAT
// state.
package node
