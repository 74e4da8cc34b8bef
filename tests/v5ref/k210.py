"""The v5 `k210` module (kmodel-v5-spec.md 6): kpu_upload, kpu_download, kpu_conv2d and copy on a
2 MiB AI SRAM array. The conv itself is tests/kpuref/kpu.run_layer (the numpy KPU written from
kmodel-spec.md 3.5, nncase >= 0.2 rule), fed the weights/BN/activation from the instruction's
memory ranges instead of the stored (zero) address fields."""
from __future__ import annotations

import struct
from typing import List, Optional, Sequence

import numpy as np

from k210tools.kmodel import v5, v5ops
from k210tools.kmodel.v5k210 import k210_conv_words, k210_decode, k210_ranges, kpu_rows
from k210tools.kmodel.v3 import KpuLayerArgs
from kpuref import kpu as kpuref
from kpuref import layout

AI_SRAM_BYTES = 2 * 1024 * 1024
_LOC_SHIFT = 24          # bus address the reference gives a memory range: location << 24 | start (32 bits)


def _shape4(body: bytes, off: int) -> List[int]:
    return list(struct.unpack_from("<4I", body, off))


class K210Module:
    """One k210 module of a loaded model: its .rdata, data pool and the shared AI SRAM."""

    def __init__(self, model: v5.Model, index: int, ai: Optional[np.ndarray] = None) -> None:
        self.model = model
        self.mod = model.modules[index]
        self.rdata = np.frombuffer(self.mod.section(model.data, ".rdata"), np.uint8)
        self.data = np.zeros(self.mod.pool(v5ops.LOC_DATA), np.uint8)
        self.ai = np.zeros(AI_SRAM_BYTES, np.uint8) if ai is None else ai
        self.text = self.mod.section(model.data, ".text")
        self.convs = 0

    # memory_at (spec 6.3): location 0/1 -> the bound tensor whose declared start equals the start
    def _at(self, r: v5.MemoryRange, ins: Sequence[np.ndarray], outs: Sequence[np.ndarray],
            fn: v5.Function) -> np.ndarray:
        if r.location in (v5ops.LOC_INPUT, v5ops.LOC_OUTPUT):
            decl = fn.inputs if r.location == v5ops.LOC_INPUT else fn.outputs
            bound = ins if r.location == v5ops.LOC_INPUT else outs
            for t, b in zip(decl, bound):
                if t.range.start == r.start:
                    return b[:r.size] if r.size else b
            raise ValueError(f"k210 fn {fn.index}: no {v5ops.LOCATIONS[r.location]} starts at {r.start}")
        if r.location == v5ops.LOC_RDATA:
            return self.rdata[r.start:r.start + r.size]
        if r.location == v5ops.LOC_DATA:
            return self.data[r.start:r.start + r.size]
        if r.location == v5ops.LOC_KPU:
            return self.ai[r.start:r.start + r.size]
        raise ValueError(f"k210 fn {fn.index}: memory location {r.location}")

    def run(self, fi: int, inputs: Sequence[np.ndarray], outputs: Sequence[np.ndarray]) -> None:
        """Run function fi with its inputs/outputs bound to contiguous uint8 arrays (outputs written)."""
        fn = self.mod.functions[fi]
        code = self.text[fn.entrypoint:fn.entrypoint + fn.text_size]
        for ins in k210_decode(code, self.mod, fn):
            getattr(self, "_" + ins.name)(ins, inputs, outputs, fn)

    def _kpu_upload(self, ins, inputs, outputs, fn) -> None:
        src_r, dst_r = k210_ranges(ins)
        n, c, h, w = _shape4(ins.body, 28)
        if dst_r.location != v5ops.LOC_KPU:
            raise ValueError(f"kpu_upload to {dst_r}: the destination is AI SRAM")
        src = self._at(src_r, inputs, outputs, fn)[:n * c * h * w].reshape(n, c, h, w)
        rows = kpu_rows(c, h, w)
        for b in range(n):
            self.ai[layout.addresses(0, c, h, w) + dst_r.start + b * rows * 64] = src[b]

    def _kpu_download(self, ins, inputs, outputs, fn) -> None:
        src_r, dst_r = k210_ranges(ins)
        n, c, h, w = _shape4(ins.body, 28)
        if src_r.location != v5ops.LOC_KPU:
            raise ValueError(f"kpu_download from {src_r}: the source is AI SRAM")
        dst = self._at(dst_r, inputs, outputs, fn)
        rows = kpu_rows(c, h, w)
        for b in range(n):
            dst[b * c * h * w:(b + 1) * c * h * w] = self.ai[layout.addresses(0, c, h, w) + src_r.start
                                                             + b * rows * 64].reshape(-1)

    def _copy(self, ins, inputs, outputs, fn) -> None:
        src_r, dst_r = k210_ranges(ins)
        shape = _shape4(ins.body, 28)
        s_in, s_out = _shape4(ins.body, 44), _shape4(ins.body, 60)
        dt = np.dtype(v5ops.DTYPES[src_r.dtype][1])
        src = self._at(src_r, inputs, outputs, fn).view(dt) if dt.itemsize == 1 else \
            np.frombuffer(self._at(src_r, inputs, outputs, fn).tobytes(), dt)
        idx = [np.arange(d) for d in shape]
        gi = np.ix_(*idx)
        off_in = sum(g * s for g, s in zip(gi, s_in))
        off_out = sum(g * s for g, s in zip(gi, s_out))
        dst = self._at(dst_r, inputs, outputs, fn)
        flat = np.frombuffer(dst.tobytes(), dt).copy()
        flat[off_out] = src[off_in]
        dst[:] = np.frombuffer(flat.tobytes(), np.uint8)

    def _kpu_conv2d(self, ins, inputs, outputs, fn) -> None:
        w_r, bn_r, act_r, out_r = k210_ranges(ins)
        (batches,) = struct.unpack_from("<I", ins.body, 52)
        a = KpuLayerArgs.unpack(k210_conv_words(ins))
        for r in (w_r, bn_r, act_r):
            if r.start >= 1 << _LOC_SHIFT:
                raise ValueError(f"kpu_conv2d range {r} starts past 16 MiB")
        srcs = {r.location << _LOC_SHIFT | r.start: self._at(r, inputs, outputs, fn) for r in (w_r, bn_r, act_r)}

        def read_main(addr: int, n: int) -> bytes:
            if addr not in srcs:
                raise ValueError(f"kpu_conv2d reads {addr:#x}, not one of its ranges")
            buf = srcs[addr]
            if n > buf.size:
                raise ValueError(f"kpu_conv2d needs {n} bytes at {addr:#x}, the range has {buf.size}")
            return buf[:n].tobytes()

        a.para_start_addr = w_r.location << _LOC_SHIFT | w_r.start
        a.bwsx_base_addr = bn_r.location << _LOC_SHIFT | bn_r.start
        a.active_addr = act_r.location << _LOC_SHIFT | act_r.start
        a.send_data_out = 0
        ic, ih, iw = a.i_ch_num + 1, a.i_col_high + 1, a.i_row_wid + 1
        oc, oh, ow = a.o_ch_num + 1, a.o_col_high + 1, a.o_row_wid + 1
        rows_in, rows_out = kpu_rows(ic, ih, iw), kpu_rows(oc, oh, ow)
        src0, dst0 = a.image_src_addr, a.image_dst_addr
        dst = self._at(out_r, inputs, outputs, fn) if out_r.size else None
        for b in range(batches):
            a.image_src_addr, a.image_dst_addr = src0 + b * rows_in, dst0 + b * rows_out
            words = a.pack()
            kpuref.run_layer(words, self.ai, read_main, rule="nncase02", eight_bit=True)
            self.convs += 1
            if dst is not None:
                y = layout.load(self.ai, a.image_dst_addr, oc, oh, ow, groups=a.wb_group,
                                row_len=a.wb_row_switch_addr, chan_lines=a.wb_channel_switch_addr)
                dst[b * y.size:(b + 1) * y.size] = y.reshape(-1)
