#!/usr/bin/env python3
"""Writes the GGUF seeds of Fuzz/corpus/gguf: headers of a few hundred bytes with the metadata
the truncation reads (architecture, block_count, alignment), a few other value types and tiny
tensors, no weights. Run from the repository root: python3 Fuzz/make-gguf-seeds.py"""
import struct

def string(s):
    b = s.encode()
    return struct.pack("<Q", len(b)) + b

def kv(key, vtype, payload):
    return string(key) + struct.pack("<I", vtype) + payload

def gguf(blocks, tensors, version=3, alignment=32, extra=b"", extra_count=0):
    meta = [kv("general.architecture", 8, string("llama")),
            kv("llama.block_count", 4, struct.pack("<I", blocks)),
            kv("general.alignment", 4, struct.pack("<I", alignment)),
            kv("general.name", 8, string("seed")),
            kv("llama.rope.freq_base", 6, struct.pack("<f", 10000.0)),
            kv("tokenizer.ggml.tokens", 9, struct.pack("<IQ", 8, 2) + string("a") + string("b")),
            kv("tokenizer.ggml.scores", 9, struct.pack("<IQ", 6, 2) + struct.pack("<ff", 0.0, -1.0))]
    out = b"GGUF" + struct.pack("<IQQ", version, len(tensors), len(meta) + extra_count) + b"".join(meta) + extra
    offset = 0
    for name, size in tensors:
        out += string(name) + struct.pack("<I", 1) + struct.pack("<Q", size // 4) + struct.pack("<I", 0) + struct.pack("<Q", offset)
        offset += (size + alignment - 1) // alignment * alignment
    out += b"\0" * (-len(out) % alignment)
    for _, size in tensors:
        out += b"\1" * size + b"\0" * (-size % alignment)
    return out

seeds = {
    "three-blocks": gguf(3, [("token_embd.weight", 8), ("blk.0.attn_q.weight", 8), ("blk.1.attn_q.weight", 4),
                             ("blk.2.attn_q.weight", 4), ("output_norm.weight", 4)]),
    "one-block": gguf(1, [("blk.0.ffn_up.weight", 4)]),
    "no-tensors-v2": gguf(4, [], version=2, alignment=8),
    "extra-types": gguf(2, [("blk.1.x", 4), ("blk.0.x", 4)],
                        extra=kv("x.bool", 7, b"\1") + kv("x.u64", 10, struct.pack("<Q", 7))
                        + kv("x.nested", 9, struct.pack("<IQ", 9, 1) + struct.pack("<IQ", 4, 1) + struct.pack("<I", 5)),
                        extra_count=3),
}
for name, data in seeds.items():
    with open(f"Fuzz/corpus/gguf/{name}", "wb") as f:
        f.write(data)
