// Package node is the IKE runtime of the engine: it owns a
// transport.Listener and a set of IKE SA actors (package ike), routes every
// received IKE message to its SA, drives the SAs' retransmission timers with
// the real clock and sends what the SAs return.
//
// The SAs hold no locks: one mutex makes whoever holds it their single
// owner for one step. A step is a received message, run at once on the
// receive goroutine of its socket (no hand-off to another goroutine: that
// wake-up per datagram cost more than the IKE work), the SAs whose
// deadline came, run by the node's timer goroutine, or a public method
// (AddPeer, Initiate, InitiateSA, Delete, DeleteChild, DeleteWhere,
// Status). The datagrams a step produces are queued and sent when it
// ends, those answering one batch of received messages in one sendmmsg(2)
// call per socket (transport.Listener.SendBatch). The SAs with a deadline (their own timer, or the expiry of a half-open or
// failed SA) sit in a heap, and only the SAs a step touched are looked at
// after it, so that a hub with tens of thousands of SAs costs O(log n) per
// message or timer.
//
// # The engine's hooks
//
// Every SA has an ID, never reused, and a tag (the Peer name, or the tag
// given by InitiateSA or by Responder.Resolve, such as "Tunnel0" or
// "Virtual-Access3"). A Responder answers the IKE_SA_INIT requests no Peer
// matches, in two steps as IOS does: the proposals by local address at
// IKE_SA_INIT, the rest of the configuration by the initiator's identity
// at IKE_AUTH (ike.Config.Resolve). Config.OnEvent is told when an SA is
// established, fails or is gone.
//
// # Routing
//
// A message is routed by the IKE SPI that this node chose (RFC 7296 section
// 2.6): the Initiator flag tells which one it is (section 3.1). A message
// from the original initiator (flag I set) belongs to one of our responder
// SAs, found by its responder SPI; while that SPI is still zero it is an
// IKE_SA_INIT request (a new one, or a retransmission), found by the
// initiator SPI and the remote address, or, when it is a new request from a
// configured peer or one the Responder takes, answered by a new responder
// SA. A message from the
// original responder (flag I clear) belongs to one of our initiator SAs,
// found by its initiator SPI. Anything else is dropped (section 2.21).
//
// # Deletion
//
// Delete and DeleteChild start the INFORMATIONAL exchanges of RFC 7296
// section 1.4.1 in the SA's actor; Delete payloads from the peer are handled
// there too. Once an SA is deleted or failed and none of its exchanges
// runs, the node drops it from the routing tables; a deleted SA also leaves
// Status, a failed one stays there with its error for FailedLinger. A
// responder SA that IKE_AUTH does not complete within HalfOpenTimeout is
// dropped. DeleteWhere deletes established SAs with their peer and drops
// the others at once.
//
// NAT traversal itself is done by package ike: the node hands it the local
// and remote address of every datagram and sets Config.NATPort of initiated
// SAs to its NAT-T port; Status reports the floated endpoints and the NAT
// state.
package node
