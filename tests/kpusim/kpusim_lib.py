"""ctypes driver for the behavioural KPU (kpusim/) on the host, no firmware.

Loads the kpusim_host library that CMake builds (tests/hostlibs: kpusim + the host SRAM map of
kpusim/kpu_sim_sram.c), and offers its SRAM plus test layers whose arguments and tables are
packed by the host tools' codec (k210tools.kmodel.v3, written from docs/kpu.md; not the C code).
"""
from __future__ import annotations

import ctypes
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests"))
import hostlibs  # noqa: E402
from k210tools.kmodel.v3 import ActSegment, ActTable, BnEntry, KpuLayerArgs  # noqa: E402
SRAM_BASE = 0x80000000
AI_BYTES = 2 * 1024 * 1024
SRAM_BYTES = 6 * 1024 * 1024
EINVAL = 22
RULE02, RULE01 = 0, 1


def build_library() -> Path:
    """The behavioural KPU (kpusim/) over the host SRAM map, as CMake builds it (tests/hostlibs)."""
    return hostlibs.library("kpusim_host")


@dataclass
class LayerArgs(KpuLayerArgs):
    """kpu_layer_argument_t packed by the host tools' codec (k210tools.kmodel.v3, written from
    docs/kpu.md and independent of the C code under test here), with the defaults a test layer
    wants and raw bits OR-ed into words (reserved bits, to test their refusal)."""
    load_para: int = 1
    dma_burst_size: int = 15
    load_coor: int = 1
    load_act: int = 1
    extra: dict = field(default_factory=dict)   # word index -> raw bits OR-ed in

    def pack(self) -> list[int]:
        return [w | self.extra.get(i, 0) for i, w in enumerate(super().pack())]


def row_layout(w: int) -> tuple[int, int, int]:
    """(groups, pitch, row_len) of the AI SRAM layout (docs/kpu.md) for width w."""
    if w <= 16:
        return 4, 16, 1
    if w <= 32:
        return 2, 32, 1
    return 1, 64, (w + 63) // 64


def pixel_offset(line: int, c: int, y: int, x: int, h: int, w: int) -> int:
    """Byte offset in AI SRAM of pixel (c, y, x) of an h x w map at a line (docs/kpu.md, "AI SRAM layout")."""
    g, pitch, rl = row_layout(w)
    return line * 64 + (c // g) * rl * h * 64 + y * rl * 64 + (c % g) * pitch + x


def map_lines(c: int, h: int, w: int) -> int:
    g, _, rl = row_layout(w)
    return rl * h * -(-c // g)


# kpusim/kpu_sim_fast.h KPU_SIM_KERNELS_* (3: AVX-512: the 16-lane BN loop, and the byte-product
# kernels where the CPU has AVX-512 VNNI)
KERNELS_AVX2, KERNELS_VNNI, KERNELS_AVX512 = 1, 2, 3


def select_kernels(lib, which: str) -> None:
    """Runs the layers that follow on the best SIMD ("simd"), the AVX-VNNI ("vnni": 256-bit
    vpdpwssd, 8-lane BN), the plain AVX2 ("avx2") or the portable ("portable") kernels of
    kpusim/kpu_sim_kernels.c; skips the test when this CPU has no SIMD kernels, and "vnni" or
    "avx2" when the best set is that one already (the "simd" run covers it)."""
    import pytest
    best = lib.kpu_sim_select_kernels(KERNELS_AVX512)
    if which == "vnni":
        if best < KERNELS_AVX512:
            pytest.skip("this CPU has no AVX-512: the simd run is the AVX-VNNI one, if it has that")
        if lib.kpu_sim_select_kernels(KERNELS_VNNI) < KERNELS_VNNI:
            pytest.skip("this CPU has AVX-512 but no AVX-VNNI")
        return
    if which == "avx2":
        if best <= KERNELS_AVX2:
            pytest.skip("the simd run is the plain AVX2 one on this CPU (or it has no AVX2)")
        # plain AVX2 kernels and the 8-lane BN + activation loop (no VNNI, no AVX-512)
        lib.kpu_sim_select_kernels(KERNELS_AVX2)
        return
    if not lib.kpu_sim_select_kernel(1 if which == "portable" else 0):
        pytest.skip("this CPU has no AVX2: only the portable kernels run here")


def select_threads(lib, n: int) -> None:
    """Runs the layers that follow on n threads (kpusim/kpu_sim_threads.h). With n > 1 every
    layer, however small, is cut into parts, so the tests' small layers take the threaded path."""
    lib.kpu_sim_set_threads(n)
    lib.kpu_sim_set_min_parallel_work(0 if n > 1 else 1 << 18)


class KpuSim:
    """The library plus its two arenas. Main-memory buffers are bump-allocated per test."""

    def __init__(self, lib_path: Path):
        self.lib = ctypes.CDLL(str(lib_path))
        self.lib.kpu_sim_sram.restype = ctypes.c_void_p
        self.lib.kpu_hw_ai_sram.restype = ctypes.POINTER(ctypes.c_uint8)
        self.lib.kpu_hw_run_layer.argtypes = [ctypes.POINTER(ctypes.c_uint64), ctypes.c_void_p,
                                              ctypes.c_size_t, ctypes.c_uint32]
        self.lib.kpu_hw_set_act_rule.argtypes = [ctypes.c_int]
        self.lib.kpu_hw_set_weight_bits.argtypes = [ctypes.c_int]
        self.lib.kpu_sim_round_banker.restype = ctypes.c_int64
        self.lib.kpu_sim_round_banker.argtypes = [ctypes.c_int64, ctypes.c_uint]
        self.lib.kpu_sim_round_sdk.restype = ctypes.c_int64
        self.lib.kpu_sim_round_sdk.argtypes = [ctypes.c_int64, ctypes.c_uint]
        self.lib.kpu_sim_set_threads.argtypes = [ctypes.c_int]
        self.lib.kpu_sim_set_min_parallel_work.argtypes = [ctypes.c_int64]
        sram = self.lib.kpu_sim_sram()            # 6 MiB general SRAM, then the 2 MiB AI SRAM
        self._sram = (ctypes.c_uint8 * SRAM_BYTES).from_address(sram)
        self._ai = (ctypes.c_uint8 * AI_BYTES).from_address(sram + SRAM_BYTES)
        self.sram = memoryview(self._sram).cast("B")
        self.ai = memoryview(self._ai).cast("B")
        self.reset()

    def reset(self) -> None:
        ctypes.memset(self._ai, 0, AI_BYTES)
        self._next = 0
        assert self.lib.kpu_hw_init() == 0

    def put(self, data: bytes, align: int = 128) -> int:
        """Copies data into general SRAM; returns its bus address (0x80...)."""
        off = -(-self._next // align) * align
        assert off + len(data) <= SRAM_BYTES
        self.sram[off:off + len(data)] = data
        self._next = off + len(data)
        return SRAM_BASE + off

    def rule(self, r: int) -> None:
        self.lib.kpu_hw_set_act_rule(r)

    def weight_bits(self, b: int) -> None:
        self.lib.kpu_hw_set_weight_bits(b)

    def run(self, words: list[int], dma_bytes: int | None = None) -> tuple[int, bytes | None]:
        arr = (ctypes.c_uint64 * 12)(*words)
        if dma_bytes is None:
            return self.lib.kpu_hw_run_layer(arr, None, 0, 1000), None
        buf = (ctypes.c_uint8 * max(dma_bytes, 1))()
        rc = self.lib.kpu_hw_run_layer(arr, buf, dma_bytes, 1000)
        return rc, bytes(buf)[:dma_bytes]


# --- building test layers (tables encoded from docs/kpu.md, "Tables") ---

def bn_entry(mul: int, shift: int, add: int) -> bytes:
    return BnEntry(mul, add, shift).pack().to_bytes(8, "little")


def act_table(segments: list[tuple[int, int, int, int]]) -> bytes:
    """16 x (x_start, y_mul, shift, bias) -> the 144-byte table."""
    return ActTable([ActSegment(sh, mul, xs) for xs, mul, sh, _ in segments], [b for *_, b in segments]).to_bytes()


SEG_LOW = -(1 << 35)
SEG_HIGH = (1 << 35) - 1

# acc -> acc for 0 <= acc <= 255 under both rules (with BN mul 1, shift 0, add -1):
# v = acc - 1; segment 1 starts at -1 so acc >= 1 maps to (v + 1) * 1; acc = 0 lands in
# segment 0 (strict rule) or at t = 0 of segment 1 (non-strict): 0 either way.
IDENTITY_ACT = [(SEG_LOW, 0, 0, 0), (-1, 1, 0, 0)] + [(SEG_HIGH, 0, 0, 255)] * 14
IDENTITY_BN = (1, 0, -1)


def store_map(ai: memoryview, line: int, chw: list[list[list[int]]]) -> None:
    """Writes a C x H x W map (nested lists or a numpy array) into AI SRAM (docs/kpu.md, "AI SRAM layout")."""
    c, h, w = len(chw), len(chw[0]), len(chw[0][0])
    for ci in range(c):
        for y in range(h):
            off = pixel_offset(line, ci, y, 0, h, w)
            ai[off:off + w] = bytes(int(v) for v in chw[ci][y])


def load_map(ai: memoryview, line: int, c: int, h: int, w: int) -> list[list[list[int]]]:
    out = []
    for ci in range(c):
        rows = []
        for y in range(h):
            off = pixel_offset(line, ci, y, 0, h, w)
            rows.append(list(ai[off:off + w]))
        out.append(rows)
    return out


POOL_STRIDE = {0: 1, 1: 2, 2: 2, 3: 4, 4: 4, 5: 2, 6: 2, 7: 4, 8: 1, 9: 1}


def conv_layer(sim: "KpuSim", *, c: int, h: int, w: int, oc: int, k: int = 1,
               depthwise: bool = False, pool: int = 0, weights: bytes,
               bn: list[tuple[int, int, int]], act: list[tuple[int, int, int, int]],
               src: int = 0, dst: int | None = None, pad_value: int = 0,
               shr_w: int = 0, shr_x: int = 0, arg_w: int = 0, arg_x: int = 0, arg_add: int = 0,
               send: bool = False, weight_bytes: int = 1, **overrides) -> LayerArgs:
    """Puts weights/BN/act into general SRAM and returns consistent layer arguments."""
    s = POOL_STRIDE[pool]
    ow, oh = w // s, h // s
    g, _, rl = row_layout(w)
    og, _, orl = row_layout(ow)
    if dst is None:
        dst = src + map_lines(c, h, w)
    per_oc = (1 if depthwise else c) * k * k * weight_bytes
    if depthwise:
        n, loads = oc, 1
    else:
        n = min(oc, (30720 * weight_bytes) // per_oc)
        loads = -(-oc // n)
    a = LayerArgs(
        depth_wise_layer=int(depthwise), image_src_addr=src, image_dst_addr=dst,
        i_ch_num=c - 1, o_ch_num=oc - 1, o_ch_num_coef=n - 1,
        i_row_wid=w - 1, i_col_high=h - 1, o_row_wid=ow - 1, o_col_high=oh - 1,
        kernel_type=1 if k == 3 else 0, pool_type=pool, pad_value=pad_value,
        bwsx_base_addr=sim.put(b"".join(bn_entry(*e) for e in bn)),
        load_time=loads - 1, para_size=n * per_oc,
        para_start_addr=sim.put(weights),
        channel_switch_addr=rl * h, row_switch_addr=rl, coef_group=g,
        active_addr=sim.put(act_table(act), 256),
        wb_channel_switch_addr=orl * oh, wb_row_switch_addr=orl, wb_group=og,
        shr_w=shr_w, shr_x=shr_x, arg_w=arg_w, arg_x=arg_x, arg_add=arg_add,
        send_data_out=int(send), channel_byte_num=ow * oh - 1, dma_total_byte=ow * oh * oc - 1)
    for key, val in overrides.items():
        setattr(a, key, val)
    return a
