"""Just enough of the kmodel v3 format (docs/kmodel-formats.md, "kmodel v3") to pull the K210_CONV
layers out of a real model for the behavioural-KPU tests and benchmark: the 12 words, the
weights/BN/act blocks, the main-memory output flag. (The full parser is k210tools.kmodel.v3.)"""
from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

K210_CONV = 10240
CHANNELWISE_DEQUANTIZE = 24


@dataclass
class ConvLayer:
    index: int
    words: list[int]
    weights: bytes
    bn: bytes
    act: bytes
    main_out: int | None       # main-buffer offset when the output goes to main memory


@dataclass
class Model:
    flags: int
    convs: list[ConvLayer]
    layers: list[tuple[int, bytes]]   # (type, body) of every layer


def field(w: int, lo: int, hi: int) -> int:
    return (w >> lo) & ((1 << (hi - lo + 1)) - 1)


def parse(path: Path) -> Model:
    b = path.read_bytes() + bytes(8)      # the last body may run up to 7 bytes past EOF
    _ver, flags, _arch, nl, _msa, _mmu, noc = struct.unpack_from("<7I", b, 0)
    off = 28 + 8 * noc
    heads = [struct.unpack_from("<2I", b, off + 8 * i) for i in range(nl)]
    pos = off + 8 * nl
    convs, layers = [], []
    for i, (typ, size) in enumerate(heads):
        body = b[pos:pos + size]
        layers.append((typ, body))
        if typ == K210_CONV:
            fl, mmo, lo, wo, bo, ao = struct.unpack_from("<6I", b, pos)
            words = list(struct.unpack_from("<12Q", b, lo))
            dw = field(words[0], 3, 3)
            k = 3 if field(words[4], 0, 2) == 1 else 1
            ic, oc = field(words[2], 0, 9) + 1, field(words[2], 32, 41) + 1
            wbytes = (1 if dw else ic) * oc * k * k * (1 if flags & 1 else 2)
            convs.append(ConvLayer(i, words, b[wo:wo + wbytes], b[bo:bo + 8 * oc], b[ao:ao + 144],
                                   mmo if fl & 1 else None))
        pos += size
    return Model(flags, convs, layers)


def patched(words: list[int], weights: int, bn: int, act: int, send: bool) -> list[int]:
    """What the driver does at run time: real addresses in, send_data_out per the flag."""
    w = list(words)
    w[4] = (w[4] & 0xFFFFFFFF) | (bn << 32)
    w[5] = (w[5] & 0xFFFFFFFF) | (weights << 32)
    w[7] = (w[7] & 0xFFFFFFFF) | (act << 32)
    w[11] = (w[11] & ~1) | int(send)
    return w


def parse_v4_convs(path: Path) -> list[ConvLayer]:
    """The kpu_conv2d nodes (opcode 0x2002) of a kmodel v4 (docs/kmodel-formats.md, "v4 kpu_conv2d"): in the stored
    arguments the three address fields are skip counts from the end of the 96-byte argument."""
    b = path.read_bytes() + bytes(8)
    _ident, _ver, _flags, _target, consts, _mm, nodes, n_in, n_out, _r = struct.unpack_from("<10I", b, 0)
    pos = 40 + 16 * n_in + 16 * n_in + 16 * n_out + consts
    heads = [struct.unpack_from("<2I", b, pos + 8 * i) for i in range(nodes)]
    pos += 8 * nodes
    convs = []
    for i, (op, size) in enumerate(heads):
        if op == 0x2002:
            words = list(struct.unpack_from("<12Q", b, pos + 24))
            mm_size = struct.unpack_from("<I", b, pos + 12)[0]
            oc = field(words[2], 32, 41) + 1
            ic = field(words[2], 0, 9) + 1
            k = 3 if field(words[4], 0, 2) == 1 else 1
            nw = (1 if field(words[0], 3, 3) else ic) * oc * k * k
            at = pos + 24 + 96 + field(words[4], 32, 63)
            bn = b[at:at + 8 * oc]
            at += 8 * oc + field(words[7], 32, 63)
            act = b[at:at + 144]
            at += 144 + field(words[5], 32, 63)
            convs.append(ConvLayer(i, words, b[at:at + nw], bn, act, 0 if mm_size else None))
        pos += size
    return convs
