"""A kmodel v3 streamed from flash (`kpu.load(offset, stream=True)`, `k210 model info --stream`):
what stays resident, the buffers, the flash bytes one forward reads, and the predicted forward
time against the resident one.

The same rules as the firmware's modules/kpu/core/kpu_stream.c (docs/kpu-stream.md); the layer
fields are read here from the file. A test checks both agree on the shared models.
Resident: the file with the 128-aligned inside of every K210_CONV weight range cut out, the main
buffer, and a table of 120 + 44 B per streamed layer; buffers: 1 or 2 of the window (default the
largest layer, at most 64 KiB; a larger layer is read in groups of output channels, a multiple of
the channels sharing one AI SRAM line). Flash time per read: 2 µs set-up + (18 + 2 x bytes)
clocks of a quad-output read at spi_hz; with two buffers read k+1 runs while group k computes.
"""
from __future__ import annotations

import struct
from dataclasses import dataclass

from . import timing

DEFAULT_WINDOW = 65536
DEFAULT_SPI_HZ = 80_000_000
READ_HEAD_CLOCKS = 18
READ_SETUP_NS = 2000
STREAM_STRUCT = 120          # sizeof(kpu_stream_t) on LP64 (the host build and RV64 boards)
RANGE_BYTES = 44             # sizeof(kpu_stream_range_t)
K210_CONV = 10240


def _a(x: int) -> int:
    return (x + 127) // 128 * 128


@dataclass
class Range:
    layer: int
    off: int
    bytes: int
    oc: int
    step: int                # channels sharing one AI SRAM line of the output map
    depthwise: bool
    group: int = 0


@dataclass
class Plan:
    ranges: list[Range]
    resident: int            # the model block: resident image + main + table
    window: int              # bytes per buffer
    buffers: int
    flash: int               # bytes one forward reads
    reads: int               # reads per forward

    @property
    def charge(self) -> int:
        return self.resident + self.buffers * self.window if self.ranges else self.resident


def ranges(data: bytes) -> tuple[list[Range], int, int]:
    """The K210_CONV weight ranges of a v3 file, its declared image size and main_mem_usage."""
    flags, layers, main, outputs = (struct.unpack_from("<I", data, o)[0] for o in (4, 12, 20, 24))
    wbytes = 1 if flags & 1 else 2
    table = 28 + 8 * outputs
    body = table + 8 * layers
    out = []
    for i in range(layers):
        kind, size = struct.unpack_from("<II", data, table + 8 * i)
        if kind == K210_CONV:
            layer_off, weights_off = struct.unpack_from("<II", data, body + 8)
            w = struct.unpack_from("<12Q", data, layer_off)
            ic, oc = (w[2] & 0x3FF) + 1, ((w[2] >> 32) & 0x3FF) + 1
            k = 3 if (w[4] & 7) == 1 else 1
            dw = bool((w[0] >> 3) & 1)
            step = (w[8] >> 20) & 7
            out.append(Range(i, weights_off, oc * (1 if dw else ic) * k * k * wbytes, oc, step, dw))
        body += size
    return out, body, main


def split(rg: list[Range], window: int | None, swapped: bool = False) -> tuple[int, int]:
    """Sets each range's group (output channels per read) for window bytes per buffer (None: the
    largest layer, at most 64 KiB, at least what every layer needs); (window, reads per forward).
    ValueError with the figures where kpu.load refuses the window."""
    rnd = (lambda n: (n + 3) & ~3) if swapped else (lambda n: n)
    big = max((rnd(r.bytes) for r in rg), default=0)
    least = 0
    for r in rg:
        b = rnd(r.bytes)
        least = max(least, b if r.depthwise else min(b, rnd((4 if swapped else r.step) * (r.bytes // r.oc))))
    win = window if window else max(min(big, DEFAULT_WINDOW), least)
    reads = 0
    for r in rg:
        r.group = r.oc
        if rnd(r.bytes) > win:
            per_oc = r.bytes // r.oc
            step = 4 if swapped else r.step
            g = win // per_oc // step * step
            if r.depthwise or g == 0:
                need = rnd(r.bytes) if r.depthwise else rnd(step * per_oc)
                raise ValueError(f"window={win:,} B is smaller than layer {r.layer}'s "
                                 f"{'depthwise weights' if r.depthwise else 'smallest group of output channels'} "
                                 f"({need:,} B): use window>={need:,}")
            r.group = g
        reads += -(-r.oc // r.group)
    return win, reads


def plan(data: bytes, window: int | None = None, buffers: int = 2, swapped: bool = False) -> Plan:
    """The streamed load of a v3 file; ValueError (with the figures) where kpu.load refuses."""
    rg, image, main = ranges(data)
    cut = sum(max((r.off + r.bytes) // 128 * 128 - _a(r.off), 0) for r in rg)
    win, reads = split(rg, window, swapped)
    resident = _a(image - cut) + _a(main) + _a(STREAM_STRUCT + RANGE_BYTES * len(rg))
    return Plan(rg, resident, _a(win), buffers, sum(n for _, n in _reads(rg, swapped)), reads)


def _reads(rg: list[Range], swapped: bool = False) -> list[tuple[int, int]]:
    """(output channels, bytes) of every read of a forward, in order."""
    rnd = (lambda n: (n + 3) & ~3) if swapped else (lambda n: n)
    out = []
    for r in rg:
        for c0 in range(0, r.oc, r.group):
            ch = min(r.group, r.oc - c0)
            out.append((ch, rnd(r.bytes if r.group == r.oc else ch * (r.bytes // r.oc))))
    return out


def read_ns(n: int, spi_hz: int) -> int:
    return READ_SETUP_NS + (READ_HEAD_CLOCKS + 2 * n) * 1_000_000_000 // spi_hz


def predict_geometry(geo: list, p: Plan, spi_hz: int = DEFAULT_SPI_HZ) -> tuple[float, float, float]:
    """(resident ms, streamed ms, flash reading ms) of one forward over layer geometries
    (timing.Geometry), p.ranges naming the KPU layers that stream: the firmware's schedule (read
    0 starts with the forward; with two buffers read u+1 starts when group u starts, with one
    when group u+1 asks for it)."""
    resident = sum(timing.layer_ns(g) for g in geo)
    reads = _reads(p.ranges)
    first = {}
    u = 0
    for r in p.ranges:
        first[r.layer] = (u, -(-r.oc // r.group))
        u += first[r.layer][1]
    now = ready = total_read = 0
    for i, g in enumerate(geo):
        if i not in first:
            now += timing.layer_ns(g)
            continue
        u0, n = first[i]
        for u in range(u0, u0 + n):
            ch, nbytes = reads[u]
            rd = read_ns(nbytes, spi_hz)
            total_read += rd
            if u == 0:
                ready = rd
            elif p.buffers == 1:
                ready = now + rd
            now = max(now, ready)
            if p.buffers == 2 and u + 1 < len(reads):
                ready = now + read_ns(reads[u + 1][1], spi_hz)
            part = g if n == 1 else timing.Geometry(**{**g.__dict__, "out_shape": (ch, *g.out_shape[1:])})
            now += timing.layer_ns(part)
    return resident / 1e6, now / 1e6, total_read / 1e6


def predict(data: bytes, p: Plan, spi_hz: int = DEFAULT_SPI_HZ) -> tuple[float, float, float]:
    """predict_geometry for a v3 file."""
    return predict_geometry(timing.geometry(data), p, spi_hz)
