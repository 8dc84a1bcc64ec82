// Package engine is the reconciler between the running-config and the live
// IKEv2 sessions, IPsec SAs and tunnel interfaces. Its IKEv2 and data-plane
// parts arrive with the protocol and data-plane issues; for now the module
// layout reserves its place (see docs/ARCHITECTURE.md).
package engine
