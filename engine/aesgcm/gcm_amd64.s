//go:build amd64 && !purego && !aesgcm_stdlib

// AES-GCM (NIST SP 800-38D) with VAES and VPCLMULQDQ on 512-bit registers,
// for ESP (RFC 4106). Written for this package from the published
// technique (aggregated GHASH over precomputed powers of H, bit-reflected
// carry-less multiplication, Karatsuba, masked tails).
//
// The message is handled in 256-octet chunks, each four groups of four
// blocks (Z0-Z3 keystream, Z4-Z7 data): CTR encryption (section 6.5) of
// sixteen counter blocks and GHASH (section 6.4) of the sixteen ciphertext
// blocks in the aggregated form
//   X' = (X ^ C1)*H^16 ^ C2*H^15 ^ ... ^ C16*H^1,
// summing the unreduced 256-bit carry-less products (three per block pair
// by Karatsuba) and reducing once per chunk. The AES rounds of a chunk are
// interleaved with the multiplications of a GHASH in program order so that
// both execution units stay busy: when decrypting, the GHASH of the same
// chunk's input; when encrypting, of the previous chunk's output
// (software pipelining, with a last GHASH after the loop).
//
// The final 1-255 octets use byte masks (K1-K4): masked loads read zeros
// past the end without touching that memory, masked stores write only the
// message, and for its n blocks the hash powers start at htab[16-n] (the
// table is padded with zeros). Up to 128 octets take a two-group path.
//
// GHASH works on byte-reversed blocks (bit 127-i is the coefficient of
// x^i); the hash key powers carry a factor x^-1 (see hashKey in
// gcm_amd64.go), so a product needs no shift, and the reduction folds the
// low 128 bits of the 256-bit product twice by 64 bits with the constant
// 0xc2000000000000000000000000000001 (x^-1 reflected).
//
// Registers: Z16 the first round key, Z(31-rounds)..Z29 the middle ones and
// Z30 the last; Z31 the byte-reversal mask; Z12 the next four counters
// (byte-reversed, so the 32-bit counter is each lane's low doubleword);
// Z15 the GHASH state X (lane 0; upper lanes zero); Z8 a hash-key group;
// Z9/Z10/Z11 the low/middle/high product sums; Z13, Z14 scratch. AX is
// the key, SI/DI/R8 the input, output and octets left, R9 the offset of
// the hash powers, R10 the direction.

#include "textflag.h"

// Offsets in the Go type key.
#define HTAB 0
#define HKAR 512
#define RK 1024
#define ROUNDS 1264

// VPSHUFB mask reversing the octets of each 128-bit lane.
DATA bswap<>+0x00(SB)/8, $0x08090a0b0c0d0e0f
DATA bswap<>+0x08(SB)/8, $0x0001020304050607
DATA bswap<>+0x10(SB)/8, $0x08090a0b0c0d0e0f
DATA bswap<>+0x18(SB)/8, $0x0001020304050607
DATA bswap<>+0x20(SB)/8, $0x08090a0b0c0d0e0f
DATA bswap<>+0x28(SB)/8, $0x0001020304050607
DATA bswap<>+0x30(SB)/8, $0x08090a0b0c0d0e0f
DATA bswap<>+0x38(SB)/8, $0x0001020304050607
GLOBL bswap<>(SB), RODATA|NOPTR, $64

// x^-1 modulo the GCM polynomial, reflected: the reduction constant (its
// high half, x^63 + x^62 + x^57, is the one the multiplications use).
DATA gfpoly<>+0x00(SB)/8, $0x0000000000000001
DATA gfpoly<>+0x08(SB)/8, $0xc200000000000000
DATA gfpoly<>+0x10(SB)/8, $0x0000000000000001
DATA gfpoly<>+0x18(SB)/8, $0xc200000000000000
DATA gfpoly<>+0x20(SB)/8, $0x0000000000000001
DATA gfpoly<>+0x28(SB)/8, $0xc200000000000000
DATA gfpoly<>+0x30(SB)/8, $0x0000000000000001
DATA gfpoly<>+0x38(SB)/8, $0xc200000000000000
GLOBL gfpoly<>(SB), RODATA|NOPTR, $64

// Counter increments per lane: {1,2,3,4} from j0 to the first data
// counters, then 4, 8, 12 to the other groups and 16 to the next chunk.
DATA incfirst<>+0x00(SB)/8, $1
DATA incfirst<>+0x08(SB)/8, $0
DATA incfirst<>+0x10(SB)/8, $2
DATA incfirst<>+0x18(SB)/8, $0
DATA incfirst<>+0x20(SB)/8, $3
DATA incfirst<>+0x28(SB)/8, $0
DATA incfirst<>+0x30(SB)/8, $4
DATA incfirst<>+0x38(SB)/8, $0
GLOBL incfirst<>(SB), RODATA|NOPTR, $64

#define INCDATA(name, n) \
	DATA name+0x00(SB)/8, $n; \
	DATA name+0x08(SB)/8, $0; \
	DATA name+0x10(SB)/8, $n; \
	DATA name+0x18(SB)/8, $0; \
	DATA name+0x20(SB)/8, $n; \
	DATA name+0x28(SB)/8, $0; \
	DATA name+0x30(SB)/8, $n; \
	DATA name+0x38(SB)/8, $0; \
	GLOBL name(SB), RODATA|NOPTR, $64

INCDATA(inc4<>, 4)
INCDATA(inc8<>, 8)
INCDATA(inc12<>, 12)
INCDATA(inc16<>, 16)

// ROUND2 and ROUND4 apply one AES round with round key k to Z0-Z1 or Z0-Z3.
#define ROUND2(k) \
	VAESENC k, Z0, Z0; \
	VAESENC k, Z1, Z1

#define ROUND4(k) \
	VAESENC k, Z0, Z0; \
	VAESENC k, Z1, Z1; \
	VAESENC k, Z2, Z2; \
	VAESENC k, Z3, Z3

// GHACC adds the products of data group d and the hash keys at off from
// AX+R9 to Z9 (low halves), Z11 (high halves) and Z10 (Karatsuba middle:
// (d.lo^d.hi)*(h.lo^h.hi), corrected by GHFINISH).
#define GHACC(off, d) \
	VMOVDQU64 off(AX)(R9*1), Z8; \
	VPCLMULQDQ $0x00, Z8, d, Z13; \
	VPCLMULQDQ $0x11, Z8, d, Z14; \
	VPXORQ Z13, Z9, Z9; \
	VPXORQ Z14, Z11, Z11; \
	VPSHUFD $0x4e, d, Z13; \
	VPXORQ d, Z13, Z13; \
	VPCLMULQDQ $0x00, (HKAR+off)(AX)(R9*1), Z13, Z14; \
	VPXORQ Z14, Z10, Z10

// REDUCE folds the 256-bit sums lo + mi*2^64 + hi*2^128 (per lane) into
// hi modulo the GCM polynomial, clobbering lo, mi and t.
#define REDUCE(lo, mi, hi, t) \
	VPCLMULQDQ $0x10, gfpoly<>(SB), lo, t; \
	VPSHUFD $0x4e, lo, lo; \
	VPTERNLOGD $0x96, t, lo, mi; \
	VPCLMULQDQ $0x10, gfpoly<>(SB), mi, t; \
	VPSHUFD $0x4e, mi, mi; \
	VPTERNLOGD $0x96, t, mi, hi

// FOLD adds the four 128-bit lanes of z (y, x: its narrower names) into x.
#define FOLD(z, y, x) \
	VEXTRACTI64X4 $1, z, Y13; \
	VPXOR Y13, y, y; \
	VEXTRACTI128 $1, y, X13; \
	VPXOR X13, x, x

// GHFIRST starts the product sums with data group Z4 and the hash keys at
// AX+R9.
#define GHFIRST \
	VMOVDQU64 0(AX)(R9*1), Z8; \
	VPCLMULQDQ $0x00, Z8, Z4, Z9; \
	VPCLMULQDQ $0x11, Z8, Z4, Z11; \
	VPSHUFD $0x4e, Z4, Z13; \
	VPXORQ Z4, Z13, Z13; \
	VPCLMULQDQ $0x00, HKAR(AX)(R9*1), Z13, Z10

// GHFINISH turns the Karatsuba sums into the middle product, reduces the
// four lanes and adds them into X (X15).
#define GHFINISH \
	VPTERNLOGD $0x96, Z9, Z11, Z10; \
	REDUCE(Z9, Z10, Z11, Z13); \
	FOLD(Z11, Y11, X11); \
	VMOVDQA X11, X15

// GHASH16 sets X to the GHASH, continued from X, of the sixteen blocks in
// Z4-Z7 (byte-reversed) with the keys at AX+R9; GHASH8 of the eight in
// Z4-Z5. X enters as part of the first block.
#define GHASH16 \
	VPXORQ Z15, Z4, Z4; \
	GHFIRST; \
	GHACC(64, Z5); \
	GHACC(128, Z6); \
	GHACC(192, Z7); \
	GHFINISH

#define GHASH8 \
	VPXORQ Z15, Z4, Z4; \
	GHFIRST; \
	GHACC(64, Z5); \
	GHFINISH

// GHASH1 sets X to (X ^ X4)*H, X4 being one byte-reversed block.
#define GHASH1 \
	VPXOR X15, X4, X4; \
	VMOVDQU (HTAB+240)(AX), X8; \
	VPCLMULQDQ $0x00, X8, X4, X9; \
	VPCLMULQDQ $0x11, X8, X4, X11; \
	VPCLMULQDQ $0x01, X8, X4, X10; \
	VPCLMULQDQ $0x10, X8, X4, X13; \
	VPXOR X13, X10, X10; \
	REDUCE(X9, X10, X11, X13); \
	VMOVDQA X11, X15

// CTR4 sets Z0-Z3 to the next sixteen counter blocks and advances Z12.
#define CTR4 \
	VPSHUFB Z31, Z12, Z0; \
	VPADDD inc4<>(SB), Z12, Z1; \
	VPADDD inc8<>(SB), Z12, Z2; \
	VPADDD inc12<>(SB), Z12, Z3; \
	VPADDD inc16<>(SB), Z12, Z12; \
	VPSHUFB Z31, Z1, Z1; \
	VPSHUFB Z31, Z2, Z2; \
	VPSHUFB Z31, Z3, Z3

// AESFIRST4 applies the first round key and the rounds that only AES-192
// and AES-256 have, to Z0-Z3; l10 and l12 are labels unique to the use.
#define AESFIRST4(l10, l12) \
	VPXORQ Z16, Z0, Z0; \
	VPXORQ Z16, Z1, Z1; \
	VPXORQ Z16, Z2, Z2; \
	VPXORQ Z16, Z3, Z3; \
	CMPQ BX, $12; \
	JB   l10; \
	JE   l12; \
	ROUND4(Z17); \
	ROUND4(Z18); \
l12: \
	ROUND4(Z19); \
	ROUND4(Z20); \
l10:

// AESLAST4 applies the final round.
#define AESLAST4 \
	VAESENCLAST Z30, Z0, Z0; \
	VAESENCLAST Z30, Z1, Z1; \
	VAESENCLAST Z30, Z2, Z2; \
	VAESENCLAST Z30, Z3, Z3

// AES4 encrypts the counter blocks in Z0-Z3.
#define AES4(l10, l12) \
	AESFIRST4(l10, l12) \
	ROUND4(Z21); \
	ROUND4(Z22); \
	ROUND4(Z23); \
	ROUND4(Z24); \
	ROUND4(Z25); \
	ROUND4(Z26); \
	ROUND4(Z27); \
	ROUND4(Z28); \
	ROUND4(Z29); \
	AESLAST4

// AES4GHASH16 is AES4 with GHASH16 of Z4-Z7 (keys at AX+R9) interleaved
// in program order, so that the carry-less multiplications and the AES
// rounds, which use different execution units, are in flight together.
#define AES4GHASH16(l10, l12) \
	AESFIRST4(l10, l12) \
	ROUND4(Z21); \
	VPXORQ Z15, Z4, Z4; \
	GHFIRST; \
	ROUND4(Z22); \
	GHACC(64, Z5); \
	ROUND4(Z23); \
	GHACC(128, Z6); \
	ROUND4(Z24); \
	GHACC(192, Z7); \
	ROUND4(Z25); \
	GHFINISH; \
	ROUND4(Z26); \
	ROUND4(Z27); \
	ROUND4(Z28); \
	ROUND4(Z29); \
	AESLAST4

// CTR2, AESFIRST2, AESLAST2 and AES2 are CTR4 (without advancing),
// AESFIRST4, AESLAST4 and AES4 for the eight blocks of Z0-Z1.
#define CTR2 \
	VPSHUFB Z31, Z12, Z0; \
	VPADDD inc4<>(SB), Z12, Z1; \
	VPSHUFB Z31, Z1, Z1

#define AESFIRST2(l10, l12) \
	VPXORQ Z16, Z0, Z0; \
	VPXORQ Z16, Z1, Z1; \
	CMPQ BX, $12; \
	JB   l10; \
	JE   l12; \
	ROUND2(Z17); \
	ROUND2(Z18); \
l12: \
	ROUND2(Z19); \
	ROUND2(Z20); \
l10:

#define AESLAST2 \
	VAESENCLAST Z30, Z0, Z0; \
	VAESENCLAST Z30, Z1, Z1

#define AES2(l10, l12) \
	AESFIRST2(l10, l12) \
	ROUND2(Z21); \
	ROUND2(Z22); \
	ROUND2(Z23); \
	ROUND2(Z24); \
	ROUND2(Z25); \
	ROUND2(Z26); \
	ROUND2(Z27); \
	ROUND2(Z28); \
	ROUND2(Z29); \
	AESLAST2

// AES2GHASH16 is AES2 interleaved with GHASH16 of Z4-Z7, AES2GHASH8 with
// GHASH8 of Z4-Z5 (keys at AX+R9).
#define AES2GHASH16(l10, l12) \
	AESFIRST2(l10, l12) \
	ROUND2(Z21); \
	VPXORQ Z15, Z4, Z4; \
	GHFIRST; \
	ROUND2(Z22); \
	GHACC(64, Z5); \
	ROUND2(Z23); \
	GHACC(128, Z6); \
	ROUND2(Z24); \
	GHACC(192, Z7); \
	ROUND2(Z25); \
	GHFINISH; \
	ROUND2(Z26); \
	ROUND2(Z27); \
	ROUND2(Z28); \
	ROUND2(Z29); \
	AESLAST2

#define AES2GHASH8(l10, l12) \
	AESFIRST2(l10, l12) \
	ROUND2(Z21); \
	VPXORQ Z15, Z4, Z4; \
	GHFIRST; \
	ROUND2(Z22); \
	GHACC(64, Z5); \
	ROUND2(Z23); \
	GHFINISH; \
	ROUND2(Z24); \
	ROUND2(Z25); \
	ROUND2(Z26); \
	ROUND2(Z27); \
	ROUND2(Z28); \
	ROUND2(Z29); \
	AESLAST2

// XORSTORE4 XORs the whole chunk at SI into Z0-Z3 and stores it at DI.
#define XORSTORE4 \
	VPXORQ 0(SI), Z0, Z0; \
	VPXORQ 64(SI), Z1, Z1; \
	VPXORQ 128(SI), Z2, Z2; \
	VPXORQ 192(SI), Z3, Z3; \
	VMOVDQU64 Z0, 0(DI); \
	VMOVDQU64 Z1, 64(DI); \
	VMOVDQU64 Z2, 128(DI); \
	VMOVDQU64 Z3, 192(DI)

// BSWAP4 sets Z4-Z7 to the byte-reversed a, b, c, d.
#define BSWAP4(a, b, c, d) \
	VPSHUFB Z31, a, Z4; \
	VPSHUFB Z31, b, Z5; \
	VPSHUFB Z31, c, Z6; \
	VPSHUFB Z31, d, Z7

// NEXTCHUNK advances SI and DI by a chunk and counts it off R8.
#define NEXTCHUNK \
	ADDQ $256, SI; \
	ADDQ $256, DI; \
	SUBQ $256, R8

// TAILMASK sets k to the byte mask of group off/64 of a chunk with R8
// octets left (0 < R8 < 256): the low clamp(R8-off, 0, 64) bits. DX = -1.
#define TAILMASK(off, k) \
	MOVQ R8, CX; \
	SUBQ $off, CX; \
	XORQ R12, R12; \
	CMPQ CX, R12; \
	CMOVQLT R12, CX; \
	MOVQ $64, R12; \
	CMPQ CX, R12; \
	CMOVQGT R12, CX; \
	BZHIQ CX, DX, R12; \
	KMOVQ R12, k

// TAILMASKS sets the masks K1-K4 for the final, partial chunk of R8
// octets, TAILOFFSET R9 = 256 - 16*ceil(R8/16), the offset of H^n for its
// n blocks; TAILSETUP does both.
#define TAILMASKS \
	MOVQ $-1, DX; \
	TAILMASK(0, K1); \
	TAILMASK(64, K2); \
	TAILMASK(128, K3); \
	TAILMASK(192, K4)

#define TAILOFFSET \
	LEAQ 15(R8), R9; \
	ANDQ $-16, R9; \
	NEGQ R9; \
	ADDQ $256, R9

#define TAILSETUP \
	TAILMASKS; \
	TAILOFFSET

// FULLMASKS sets K1-K4 for a whole chunk and R9 to the offset of H^16.
#define FULLMASKS \
	MOVQ $-1, DX; \
	KMOVQ DX, K1; \
	KMOVQ DX, K2; \
	KMOVQ DX, K3; \
	KMOVQ DX, K4; \
	XORQ R9, R9

// func gcmAES(k *key, tag, j0 *[16]byte, dst, src, aad []byte, decrypt bool)
TEXT ·gcmAES(SB), NOSPLIT, $0-97
	MOVQ k+0(FP), AX
	MOVQ ROUNDS(AX), BX
	MOVQ tag+8(FP), R11
	MOVQ j0+16(FP), CX
	VMOVDQU64 bswap<>(SB), Z31

	// Round keys (see the register notes above).
	LEAQ RK(AX), DX
	VBROADCASTI32X4 0(DX), Z16
	CMPQ BX, $12
	JB   keys10
	JE   keys12
	VBROADCASTI32X4 16(DX), Z17
	VBROADCASTI32X4 32(DX), Z18
	ADDQ $32, DX

keys12:
	VBROADCASTI32X4 16(DX), Z19
	VBROADCASTI32X4 32(DX), Z20
	ADDQ $32, DX

keys10:
	VBROADCASTI32X4 16(DX), Z21
	VBROADCASTI32X4 32(DX), Z22
	VBROADCASTI32X4 48(DX), Z23
	VBROADCASTI32X4 64(DX), Z24
	VBROADCASTI32X4 80(DX), Z25
	VBROADCASTI32X4 96(DX), Z26
	VBROADCASTI32X4 112(DX), Z27
	VBROADCASTI32X4 128(DX), Z28
	VBROADCASTI32X4 144(DX), Z29
	VBROADCASTI32X4 160(DX), Z30

	// tag = E(K, j0) (section 7.1 step 6, before the GHASH is added).
	VMOVDQU (CX), X0
	VPXORQ X16, X0, X0
	CMPQ BX, $12
	JB   j0r10
	JE   j0r12
	VAESENC X17, X0, X0
	VAESENC X18, X0, X0

j0r12:
	VAESENC X19, X0, X0
	VAESENC X20, X0, X0

j0r10:
	VAESENC X21, X0, X0
	VAESENC X22, X0, X0
	VAESENC X23, X0, X0
	VAESENC X24, X0, X0
	VAESENC X25, X0, X0
	VAESENC X26, X0, X0
	VAESENC X27, X0, X0
	VAESENC X28, X0, X0
	VAESENC X29, X0, X0
	VAESENCLAST X30, X0, X0
	VMOVDQU X0, (R11)

	// First counters: inc32(j0) .. inc32(j0)+3 (section 7.1 step 3).
	VBROADCASTI32X4 (CX), Z12
	VPSHUFB Z31, Z12, Z12
	VPADDD incfirst<>(SB), Z12, Z12

	// X = GHASH of the additional data, zero-padded; ESP's 8 or 12
	// octets take the one-block path.
	VPXOR X15, X15, X15
	MOVQ aad_base+72(FP), SI
	MOVQ aad_len+80(FP), R8
	FULLMASKS
	TESTQ R8, R8
	JZ   crypt
	CMPQ R8, $16
	JA   aadloop
	TAILMASK(0, K1)
	VMOVDQU8.Z (SI), K1, X4
	VPSHUFB X31, X4, X4
	GHASH1
	JMP  crypt

aadloop:
	CMPQ R8, $256
	JAE  aadbody
	TAILSETUP

aadbody:
	VMOVDQU8.Z 0(SI), K1, Z4
	VMOVDQU8.Z 64(SI), K2, Z5
	VMOVDQU8.Z 128(SI), K3, Z6
	VMOVDQU8.Z 192(SI), K4, Z7
	VPSHUFB Z31, Z4, Z4
	VPSHUFB Z31, Z5, Z5
	VPSHUFB Z31, Z6, Z6
	VPSHUFB Z31, Z7, Z7
	GHASH16
	ADDQ $256, SI
	SUBQ $256, R8
	JG   aadloop

crypt:
	MOVQ dst_base+24(FP), DI
	MOVQ src_base+48(FP), SI
	MOVQ src_len+56(FP), R8
	MOVBQZX decrypt+96(FP), R10
	FULLMASKS
	CMPQ R8, $256
	JB   tail
	TESTQ R10, R10
	JNZ  decloop

	// Encryption of whole chunks is software-pipelined: each iteration
	// hashes the previous chunk's ciphertext while encrypting its own.
	CTR4
	AES4(enc10, enc12)
	XORSTORE4
	BSWAP4(Z0, Z1, Z2, Z3)
	NEXTCHUNK

encloop:
	CMPQ R8, $256
	JB   encdrain
	CTR4
	AES4GHASH16(encg10, encg12)
	XORSTORE4
	BSWAP4(Z0, Z1, Z2, Z3)
	NEXTCHUNK
	JMP  encloop

encdrain:
	TESTQ R8, R8
	JNZ  encfinal
	GHASH16
	JMP  lenblock

	// The final 1-255 octets are encrypted while the last whole chunk is
	// hashed (with the keys at AX+0), then hashed themselves.
encfinal:
	TAILMASKS
	CMPQ R8, $128
	JBE  encfinal2
	CTR4
	AES4GHASH16(ef10, ef12)
	JMP  enctail

encfinal2:
	CTR2
	AES2GHASH16(ef2r10, ef2r12)
	JMP  enctail

	// Decryption of whole chunks hashes each chunk's input while
	// decrypting it.
decloop:
	CMPQ R8, $256
	JB   tail
	VMOVDQU64 0(SI), Z4
	VMOVDQU64 64(SI), Z5
	VMOVDQU64 128(SI), Z6
	VMOVDQU64 192(SI), Z7
	BSWAP4(Z4, Z5, Z6, Z7)
	CTR4
	AES4GHASH16(decg10, decg12)
	XORSTORE4
	NEXTCHUNK
	JMP  decloop

	// The final 1-255 octets (all of a message shorter than a chunk),
	// with byte masks; Z0-Z3 (Z0-Z1 for up to 128 octets) their keystream.
tail:
	TESTQ R8, R8
	JZ   lenblock
	TAILSETUP
	TESTQ R10, R10
	JNZ  dectail
	CMPQ R8, $128
	JBE  enc2
	CTR4
	AES4(et10, et12)
	JMP  enctail

enc2:
	CTR2
	AES2(et2r10, et2r12)

enctail:
	TAILOFFSET
	VMOVDQU8.Z 0(SI), K1, Z4
	VMOVDQU8.Z 64(SI), K2, Z5
	VMOVDQU8.Z 128(SI), K3, Z6
	VMOVDQU8.Z 192(SI), K4, Z7
	VPXORQ Z4, Z0, Z0
	VPXORQ Z5, Z1, Z1
	VPXORQ Z6, Z2, Z2
	VPXORQ Z7, Z3, Z3
	VMOVDQU8 Z0, K1, 0(DI)
	VMOVDQU8 Z1, K2, 64(DI)
	VMOVDQU8 Z2, K3, 128(DI)
	VMOVDQU8 Z3, K4, 192(DI)
	VMOVDQU8.Z Z0, K1, Z4
	VMOVDQU8.Z Z1, K2, Z5
	VMOVDQU8.Z Z2, K3, Z6
	VMOVDQU8.Z Z3, K4, Z7
	BSWAP4(Z4, Z5, Z6, Z7)
	CMPQ R8, $128
	JBE  enchash8
	GHASH16
	JMP  lenblock

enchash8:
	GHASH8
	JMP  lenblock

	// Decryption hashes the input while decrypting it.
dectail:
	VMOVDQU8.Z 0(SI), K1, Z4
	VMOVDQU8.Z 64(SI), K2, Z5
	VMOVDQU8.Z 128(SI), K3, Z6
	VMOVDQU8.Z 192(SI), K4, Z7
	BSWAP4(Z4, Z5, Z6, Z7)
	CMPQ R8, $128
	JBE  dec2
	CTR4
	AES4GHASH16(dt10, dt12)
	JMP  decstore

dec2:
	CTR2
	AES2GHASH8(dt2r10, dt2r12)

decstore:
	VMOVDQU8.Z 0(SI), K1, Z4
	VMOVDQU8.Z 64(SI), K2, Z5
	VMOVDQU8.Z 128(SI), K3, Z6
	VMOVDQU8.Z 192(SI), K4, Z7
	VPXORQ Z4, Z0, Z0
	VPXORQ Z5, Z1, Z1
	VPXORQ Z6, Z2, Z2
	VPXORQ Z7, Z3, Z3
	VMOVDQU8 Z0, K1, 0(DI)
	VMOVDQU8 Z1, K2, 64(DI)
	VMOVDQU8 Z2, K3, 128(DI)
	VMOVDQU8 Z3, K4, 192(DI)

lenblock:
	// The length block len(A)*8 | len(C)*8 ends the GHASH (section 7.1
	// step 5); then tag ^= byte-reversed X (step 6).
	MOVQ aad_len+80(FP), DX
	SHLQ $3, DX
	MOVQ src_len+56(FP), CX
	SHLQ $3, CX
	VMOVQ CX, X4
	VPINSRQ $1, DX, X4, X4
	GHASH1
	VPSHUFB X31, X15, X15
	VPXOR (R11), X15, X15
	VMOVDQU X15, (R11)
	VZEROUPPER
	RET

// func powers(k *key)
// Sets htab[14]..htab[0] to H^2..H^16 from htab[15] = H: multiplying a key
// in the pre-shifted form by H (its own pre-shifted form) gives the next
// power in that form, H^(n+1)*x^-1.
TEXT ·powers(SB), NOSPLIT, $0-8
	MOVQ k+0(FP), AX
	VMOVDQU (HTAB+240)(AX), X8
	VMOVDQA X8, X4
	MOVQ $224, CX

powloop:
	VPCLMULQDQ $0x00, X8, X4, X9
	VPCLMULQDQ $0x11, X8, X4, X11
	VPCLMULQDQ $0x01, X8, X4, X10
	VPCLMULQDQ $0x10, X8, X4, X13
	VPXOR X13, X10, X10
	REDUCE(X9, X10, X11, X13)
	VMOVDQU X11, (HTAB)(AX)(CX*1)
	VMOVDQA X11, X4
	SUBQ $16, CX
	JGE  powloop
	RET
