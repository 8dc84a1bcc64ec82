// Package esp implements the Encapsulating Security Payload (RFC 4303) on
// byte buffers: encapsulation and decapsulation for one Security
// Association, the anti-replay window with Extended Sequence Numbers
// (RFC 4303 section 3.4.3 and Appendix A), and per-SA counters. It does no
// I/O: the data plane reads and writes packets, routes inbound packets to
// their SA by SPI (see PeekSPI) and interprets the next-header value.
//
// Supported transforms:
//   - AES-GCM with a 16-octet ICV (RFC 4106), 128 or 256-bit keys;
//   - ChaCha20-Poly1305 (RFC 7634);
//   - AES-CBC (RFC 3602), 128/192/256-bit keys, with HMAC-SHA1-96 (RFC 2404)
//     or HMAC-SHA2-256-128, -384-192, -512-256 (RFC 4868).
//
// Steady-state Encap and Decap do not allocate; both are safe for concurrent
// use on the same SA.
package esp
