"""A minimal kmodel v4 writer for tests (layout of docs/kmodel-formats.md, "kmodel v4"): header, io tables,
constants, node headers and bodies each padded to an 8-byte file offset."""
from __future__ import annotations

import struct
from dataclasses import dataclass, field

CONST, MAIN, KPU = 0, 1, 2
F32, U8 = 0, 1


def mr(memory: int, dtype: int, start: int, size: int) -> bytes:
    return struct.pack("<4I", memory, dtype, start, size)


def shape(*d: int) -> bytes:
    return struct.pack("<4i", *d)


@dataclass
class V4:
    main_mem: int
    inputs: list[tuple[bytes, tuple[int, int, int, int]]] = field(default_factory=list)
    outputs: list[bytes] = field(default_factory=list)
    constants: bytes = b""
    nodes: list[tuple[int, bytes]] = field(default_factory=list)
    target: int = 1
    version: int = 4

    def build(self, pad_last: bool = True) -> bytes:
        consts = self.constants + b"\0" * (-len(self.constants) % 8)
        head = struct.pack("<10I", 0x4B4D444C, self.version, 0, self.target, len(consts), self.main_mem,
                           len(self.nodes), len(self.inputs), len(self.outputs), 0xCCCCCCCC)
        tables = b"".join(r for r, _ in self.inputs) + b"".join(shape(*s) for _, s in self.inputs) + b"".join(self.outputs)
        start = len(head) + len(tables) + len(consts) + 8 * len(self.nodes)
        bodies, hdrs, off = [], [], start
        for i, (op, body) in enumerate(self.nodes):
            padded = body + b"\0" * (-(off + len(body)) % 8)
            hdrs.append(struct.pack("<2I", op, len(padded)))
            bodies.append(padded if pad_last or i < len(self.nodes) - 1 else body)
            off += len(padded)
        return head + tables + consts + b"".join(hdrs) + b"".join(bodies)
