// Package ikecrypto holds the IKEv2 cryptographic transforms and key
// schedule (RFC 7296): the pseudo-random functions and prf+ (section 2.13),
// SKEYSEED and the SK_* keys (section 2.14), CHILD SA keying material
// (section 2.17), IKE SA rekeying (section 2.18), the pre-shared-key AUTH
// computation (section 2.15), the Diffie-Hellman and ECDH groups (sections
// 2.12 and 3.4, RFC 3526, RFC 5903, RFC 8031) and the protection of the
// Encrypted payload (section 3.14, RFC 5282, RFC 7634).
//
// The package knows nothing about message encoding: transforms are named by
// their IANA numbers (the "Internet Key Exchange Version 2 (IKEv2)
// Parameters" registry) and every function takes and returns plain byte
// slices, so the wire package maps its payloads onto these types.
//
// Randomness is always injected as an io.Reader, so tests are deterministic.
// Values are not safe for concurrent use unless stated otherwise.
package ikecrypto
