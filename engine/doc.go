// Package engine is the reconciler between the running-config and the live
// IKEv2 sessions, IPsec SAs and tunnel interfaces. The daemon compiles the
// running-config into a *spec.Spec after every committed change and hands
// the whole of it to Engine.Apply; the engine diffs it against the last one
// and changes only what changed, as IOS does:
//
//   - Adds come before deletes: new tunnel interfaces are ensured and start
//     initiating before removed ones are torn down.
//   - A static VTI (`interface TunnelN` with `tunnel destination` and
//     `tunnel protection ipsec profile P`) is ensured in the data plane
//     and initiates its IKE SA on its own (unless `responder-only`); after
//     a failure or a delete it initiates again with a bounded, jittered
//     exponential backoff. Its SAs are torn down when the tunnel goes, is
//     shut down, or changes destination, source, front-door VRF or
//     protection profile names.
//   - A profile with `virtual-template N` accepts many peers: each session
//     gets its own Virtual-AccessK interface (K allocated from 1, freed
//     when the session ends), cloned from Virtual-Template N.
//   - Anything else (a keyring entry, a lifetime, DPD) applies to the next
//     negotiation: established SAs are kept until they are rekeyed or
//     cleared, as IOS keeps them.
//
// As responder, the IKE proposals come from the `crypto ikev2 policy`
// matching the local address (Spec.PolicyFor), and once IDi arrives the
// profile from `match identity remote` and `match address local`
// (Spec.ProfileFor), the keys from its keyring (Profile.PSKs), and the
// tunnel: the static VTI whose destination is the peer and whose
// protection uses that profile, else a new Virtual-Access.
//
// Tunnel IDs (the TunnelID of CHILD SAs, the if_id of the kernel backend)
// are stable: TunnelN is N+1, Virtual-AccessK is VirtualAccessBase+K.
//
// Concurrency: Apply, Clear and the handling of SA events run one at a time
// under the engine's lock and may call into the IKE runtime (package node),
// whose goroutine never waits for the engine: its callbacks read the
// current spec through an atomic pointer, allocate Virtual-Access numbers
// under a leaf lock, and queue events for the engine's own goroutine.
package engine
