// Package wire encodes and decodes IKEv2 messages: the fixed header and every
// payload of RFC 7296 section 3, plus the Encrypted Fragment payload of
// RFC 7383 section 2.5.
//
// Decoders are strict about every length field and never panic: a datagram
// either decodes completely or yields an error that says what is wrong. A
// decoded payload re-encodes to exactly the octets it came from; fields the
// RFC marks RESERVED ("MUST be sent as zero; MUST be ignored on receipt") are
// ignored by every other part of the engine but kept in the structs so that
// this holds for any input. Decoded payloads alias the input buffer.
//
// The package does no cryptography: the Encrypted payload (SK) and the
// Encrypted Fragment payload (SKF) keep their bodies opaque, and
// [EncryptedSpan] gives the associated data and body views that the AEAD and
// encrypt-then-MAC code need (RFC 7296 section 3.14, RFC 5282 section 5).
// After decryption, [DecodePayloads] decodes the inner payload chain.
//
// Which payloads each exchange carries, and how many of each, is declared
// once in the table behind [Check] and [CheckInner] (RFC 7296 sections 1
// and 2).
package wire
