// Package ike runs IKE SAs (RFC 7296): the IKE_SA_INIT and IKE_AUTH
// exchanges with pre-shared keys, and the first CHILD SA created inside
// IKE_AUTH, whose keys go to a dataplane.Dataplane.
//
// An IKE SA is an actor: an *SA whose methods are called from one goroutine
// (Initiate, HandleDatagram, Tick), with its clock and randomness injected
// through Env, so two peers run in one process without sockets or sleeps.
//
// Each exchange is a set of tasks (ikeInit, ikeAuth, childCreate) in the
// style of strongSwan: a task builds the payloads it owns into an outgoing
// message and processes them from the incoming one. The task manager, not
// the tasks, owns the message IDs, the retransmission schedule, the cached
// last response and the window of one outstanding request (RFC 7296 section
// 2.1 and 2.3). A task that rejects a message returns a *NotifyError, which
// the manager turns into a Notify payload (section 3.10.1).
//
// INFORMATIONAL requests are answered (empty: a liveness check), and an
// initiator that rejects the responder's AUTH says so in one (section
// 2.21.2).
//
// NAT traversal (RFC 7296 section 2.23): IKE_SA_INIT carries the
// NAT_DETECTION_SOURCE_IP and NAT_DETECTION_DESTINATION_IP hashes of the
// addresses the datagram travels between (HandleDatagram's local and from);
// when either side is found behind a NAT, the initiator moves to UDP 4500
// (Config.NATPort locally) for IKE_AUTH on, the responder follows the
// addresses of authenticated requests, and CHILD SAs are handed to the data
// plane UDP-encapsulated (RFC 3948). Responses always go back to where the
// request came from (section 2.11).
//
// Deletion (RFC 7296 sections 1.4.1 and 3.11): SA.Delete and SA.DeleteChild
// send INFORMATIONAL requests with Delete payloads; received ones remove
// the named CHILD SAs, answered with the paired SPIs (nothing for SAs we
// are deleting ourselves), or the whole IKE SA.
//
// Rekeying (RFC 7296 sections 1.3.2, 1.3.3, 2.8, 2.18): CREATE_CHILD_SA
// rekeys a CHILD SA (N(REKEY_SA), new SPIs, a KE payload when the ESP
// proposals carry a D-H group: PFS) make-before-break, the rekey's
// initiator deleting the old CHILD SA once the new one is installed; it
// also creates new CHILD SAs a peer asks for. An IKE SA rekey gives the SA
// new keys, SPIs and role (the rekey's initiator is the new IKE SA's) while
// the SA stays the same Go object: the replaced IKE SA is kept beside it,
// still answering, until its Delete exchange completes (LiveSPIs,
// RetiredSPIs tell a router which SPIs lead to the SA). Simultaneous rekeys
// are resolved by the lowest of the four nonces (section 2.8.1). Soft and
// hard expiry come from Config.Lifetime and ChildConfig.Lifetime; the IKE
// SA's initiator rekeys between 85% and 90% of a lifetime, the responder
// between 90% and 95%.
//
// Dead peer detection (section 2.4, Config.DPD): an empty INFORMATIONAL
// request when the peer has been silent for the interval, retransmitted
// on its own schedule; without an answer the SA fails with ErrDPDTimeout.
//
// All timers run on Env.Now through NextTimer and Tick.
//
// Not yet implemented: lifetimes in kilobytes, NAT keepalives,
// fragmentation.
package ike
