#!/usr/bin/env python3
"""Generate reference ESP packets (RFC 4303) for engine/esp tests.

An implementation independent of the Go code: python3 with the
'cryptography' package (48.0.0 when generated) for AES-GCM,
ChaCha20-Poly1305 and AES-CBC, and the standard library hmac module.
Keys, IVs and payloads are derived from fixed seeds, so re-running the
script reproduces reference.json byte for byte:

    python3 gen_reference.py > reference.json
"""
import hashlib, hmac, json, struct
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM, ChaCha20Poly1305

def det(label, n):
    out = b""
    i = 0
    while len(out) < n:
        out += hashlib.sha256(f"{label}/{i}".encode()).digest()
        i += 1
    return out[:n]

HMACS = {  # name: (hash, key length, ICV length) per RFC 2404 / RFC 4868
    "sha1-96": (hashlib.sha1, 20, 12),
    "sha256-128": (hashlib.sha256, 32, 16),
    "sha384-192": (hashlib.sha384, 48, 24),
    "sha512-256": (hashlib.sha512, 64, 32),
}

def trailer(plen, nh, align):
    pad = (align - (plen + 2) % align) % align
    return bytes(range(1, pad + 1)) + bytes([pad, nh])

def aead_packet(cipher, key, spi, seq, esn, payload, nh):
    k, salt = key[:-4], key[-4:]
    iv = struct.pack(">Q", seq)  # RFC 4106 section 3.1: IV = sequence number
    hdr = struct.pack(">II", spi, seq & 0xffffffff)
    aad = struct.pack(">IQ", spi, seq) if esn else hdr
    a = AESGCM(k) if cipher == "aes-gcm-16" else ChaCha20Poly1305(k)
    return hdr + iv + a.encrypt(salt + iv, payload + trailer(len(payload), nh, 4), aad)

def cbc_packet(integ, ekey, ikey, spi, seq, esn, iv, payload, nh):
    h, _, icvlen = HMACS[integ]
    pt = payload + trailer(len(payload), nh, 16)
    enc = Cipher(algorithms.AES(ekey), modes.CBC(iv)).encryptor()
    body = struct.pack(">II", spi, seq & 0xffffffff) + iv + enc.update(pt) + enc.finalize()
    covered = body + (struct.pack(">I", seq >> 32) if esn else b"")
    return body + hmac.new(ikey, covered, h).digest()[:icvlen]

cases = []
payload_lens = [0, 1, 13, 14, 15, 16, 61, 100]
aeads = [("aes-gcm-16", 20), ("aes-gcm-16", 36), ("chacha20-poly1305", 36)]
cbcs = [(16, "sha1-96"), (24, "sha256-128"), (32, "sha256-128"), (32, "sha384-192"), (32, "sha512-256"), (16, "sha512-256")]
n = 0
for esn in (False, True):
    for cipher, klen in aeads:
        for plen in payload_lens[::3] if esn else payload_lens:
            name = f"{cipher}-{klen*8-32}-esn{int(esn)}-len{plen}"
            key = det(name + "/key", klen)
            spi = 0x100 + n
            seq = (0x1_0000_0000 * (n + 1) + 7) if esn else (n * 1000 + 1)
            payload, nh = det(name + "/payload", plen), 4 if n % 2 else 41
            cases.append(dict(name=name, cipher=cipher, integrity="", enc_key=key.hex(), integ_key="",
                              spi=spi, seq=seq, esn=esn, iv="", next_header=nh, payload=payload.hex(),
                              packet=aead_packet(cipher, key, spi, seq, esn, payload, nh).hex()))
            n += 1
    for klen, integ in cbcs:
        for plen in payload_lens[::3] if esn else payload_lens:
            name = f"aes-cbc-{klen*8}-{integ}-esn{int(esn)}-len{plen}"
            ekey, ikey = det(name + "/ekey", klen), det(name + "/ikey", HMACS[integ][1])
            iv = det(name + "/iv", 16)
            spi = 0x100 + n
            seq = (0x1_0000_0000 * (n + 1) + 7) if esn else (n * 1000 + 1)
            payload, nh = det(name + "/payload", plen), 4 if n % 2 else 41
            cases.append(dict(name=name, cipher="aes-cbc", integrity=integ, enc_key=ekey.hex(), integ_key=ikey.hex(),
                              spi=spi, seq=seq, esn=esn, iv=iv.hex(), next_header=nh, payload=payload.hex(),
                              packet=cbc_packet(integ, ekey, ikey, spi, seq, esn, iv, payload, nh).hex()))
            n += 1
print(json.dumps(cases, indent=1))
