#!/usr/bin/env python3
"""Convert ctok's measured vocabularies (pieces_*.json) into budgie's compact asset.

Usage: vendor_tokenizer.py PIECES_JSON OUT_GZ

The asset is a gzip stream of a small binary format (all integers little-endian):

    b"btok1\\n"
    u8  fold_quotes        1 when the family folds curly quotes (v3)
    u8  allcaps_min        0 when the family writes no caps marker (v4.7)
    u32 piece count, then per piece:  u8 length, bytes
    u32 byte-token count, then per token: u8 length, bytes

A piece is spelled in budgie's stream encoding: UTF-8 text in which each structural marker is
one byte that UTF-8 never uses (bow F8, eow F9, shift FA, caps FB). Every piece costs one token.
The contraction pieces are also written glued to the eow marker, as the encoder emits them.
Byte tokens are the partial UTF-8 prefixes of the byte fallback (each costs one token).
"""

import gzip
import json
import re
import struct
import sys

MARKERS = {"bow": 0xF8, "eow": 0xF9, "shift": 0xFA, "caps": 0xFB}
ATOM = re.compile(r"⟨(bow|eow|shift|caps|pad|0x[0-9A-Fa-f]{2})⟩|(.)", re.DOTALL)


def encode(piece: str) -> bytes:
    """The public notation (⟨bow⟩the⟨eow⟩, ⟨0xNN⟩ byte escapes) to stream bytes."""
    out = bytearray()
    pending = bytearray()  # ⟨0xNN⟩ runs decode as UTF-8 text
    for m in ATOM.finditer(piece):
        atom, char = m.groups()
        if atom and atom.startswith("0x"):
            pending.append(int(atom[2:], 16))
            continue
        if pending:
            out += bytes(pending).decode("utf-8").encode("utf-8")
            pending.clear()
        if atom == "pad":
            raise ValueError(f"frame atom inside a piece: {piece!r}")
        out += bytes([MARKERS[atom]]) if atom else char.encode("utf-8")
    if pending:
        out += bytes(pending).decode("utf-8").encode("utf-8")
    return bytes(out)


def main(src: str, dst: str) -> None:
    with open(src, encoding="utf-8") as fh:
        doc = json.load(fh)
    meta, tokens = doc["meta"], doc["tokens"]
    pieces = set()
    for group, entries in tokens.items():
        if group == "bytes_fallback":
            continue
        pieces.update(encode(p) for p in entries)
    # The file stores `'t`; the encoder writes the suffix closed by eow.
    pieces.update(encode(c) + bytes([MARKERS["eow"]]) for c in tokens["contractions"])
    byte_tokens = sorted(bytes.fromhex(h) for h in tokens["bytes_fallback"])

    body = bytearray(b"btok1\n")
    body += struct.pack("<BB", int(bool(meta["fold_quotes"])), meta["allcaps_min"] or 0)
    for items in (sorted(pieces), byte_tokens):
        body += struct.pack("<I", len(items))
        for item in items:
            if not 0 < len(item) < 256:
                raise ValueError(f"piece length {len(item)} out of range: {item!r}")
            body += struct.pack("<B", len(item)) + item
    with gzip.GzipFile(dst, "wb", compresslevel=9, mtime=0) as out:
        out.write(body)
    print(f"{dst}: {len(pieces)} pieces, {len(byte_tokens)} byte tokens, "
          f"{len(body)} bytes raw", file=sys.stderr)


if __name__ == "__main__":
    main(*sys.argv[1:])
