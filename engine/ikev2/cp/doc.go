// Package cp types the attributes of the IKEv2 Configuration payload (RFC
// 7296 sections 3.15 and 3.15.1, RFC 8598) and the Cisco private-use
// attributes an IOS FlexVPN peer exchanges, and recognises the vendor IDs
// that IOS sends (vendor.go).
//
// [Decode] turns the raw attribute list of a [wire.CP] into [Attributes];
// [Attributes.Encode] turns it back. Both are strict about the length of
// every attribute whose format is known, keep attributes of unknown types
// raw in [Attributes.Other], and keep zero-length attributes (what a
// CFG_REQUEST asks for, RFC 7296 section 3.15.1) in
// [Attributes.Requested].
//
// The numbers of the Cisco attributes come from public implementations of
// the Cisco Unity extensions (strongSwan, racoon, the INSIDE Secure IKEv2
// toolkit); that IOS uses the same numbers in IKEv2 for `banner`,
// `def-domain`, `split-dns`, `pfs` and `backup-gateway` is inferred, not
// confirmed from a capture: see docs/cisco-compat.md.
package cp
