"""ctypes view of the v4 C code built by build.py: parse, bind buffers, run, call single kernels.
The KPU behind the seam is a Python callable (the numpy reference) or absent."""
from __future__ import annotations

import ctypes as C
import shutil
import tempfile
from pathlib import Path
from typing import Callable

import numpy as np

from build import library

ARENA_BYTES = 6 * 1024 * 1024
AI_BYTES = 2 * 1024 * 1024
SRAM_BASE = 0x80000000


class Header(C.Structure):
    _fields_ = [(n, C.c_uint32) for n in (
        "flags", "target", "const_bytes", "main_mem", "n_nodes", "n_inputs", "n_outputs",
        "inputs_off", "shapes_off", "outputs_off", "const_off", "nodes_off", "bodies_off",
        "declared_bytes", "used_bytes")]


class Err(C.Structure):
    """kmodel_err_t (core/kmodel.h), the one error type of both formats."""
    _fields_ = [("kind", C.c_int), ("err", C.c_int), ("msg", C.c_char * 400)]


class Model(C.Structure):
    _fields_ = [("file", C.c_void_p), ("h", Header), ("main_mem", C.c_void_p), ("ai_sram", C.c_void_p)]


class MR(C.Structure):
    _fields_ = [("type", C.c_uint32), ("dtype", C.c_uint32), ("start", C.c_uint32), ("size", C.c_uint32)]


class NodeInfo(C.Structure):
    _fields_ = [("opcode", C.c_uint32), ("name", C.c_char_p), ("out", MR), ("out_shape", C.c_int32 * 4),
                ("out_is_kpu_map", C.c_uint8), ("body_off", C.c_uint32), ("body_size", C.c_uint32)]


LAYER_CB = C.CFUNCTYPE(C.c_int, C.POINTER(C.c_uint64), C.c_int)


class V4Error(Exception):
    pass


class Lib:
    """One loaded library with its arena (6 MiB 'SRAM' at 0x80000000) and AI SRAM."""

    def __init__(self, kpu: str = "numpy") -> None:
        """kpu="numpy": KPU layers go to self.layer_fn (e.g. the numpy reference);
        kpu="sim": they run on the behavioural KPU of kpusim/ (its static arenas)."""
        self.kind = kpu
        # A private copy: each Lib has its own SRAM and callback (dlopen shares one per path).
        self._dir = tempfile.TemporaryDirectory(prefix="kv4-")
        copy = Path(self._dir.name) / f"lib-{kpu}.so"
        shutil.copy(library(kpu), copy)
        self.so = C.CDLL(str(copy))
        self.layer_fn: Callable[[list[int], int], int] | None = None
        self._cb = LAYER_CB(self._layer)
        # Both libraries keep their SRAM in the host SRAM map (kpusim/kpu_sim_sram.c): 6 MiB
        # general SRAM, then the 2 MiB AI SRAM.
        self.so.kpu_sim_sram.restype = C.c_void_p
        sram = self.so.kpu_sim_sram()
        self.arena = np.ctypeslib.as_array((C.c_uint8 * ARENA_BYTES).from_address(sram))
        self.ai = np.ctypeslib.as_array((C.c_uint8 * AI_BYTES).from_address(sram + ARENA_BYTES))
        if kpu == "numpy":
            self.so.kpu_hw_callback_set(self._cb)
        self.so.kpu_hw_init()
        self.so.kv4_op_name.restype = C.c_char_p
        self.so.kv4_at.restype = C.c_void_p

    def select_kernels(self, which: str) -> None:
        """kpu="sim": the SIMD ("simd") or portable ("portable") kernels of kpusim/; skips the
        test when this CPU has no SIMD kernels."""
        import pytest
        if not self.so.kpu_sim_select_kernel(1 if which == "portable" else 0):
            pytest.skip("this CPU has no AVX2: only the portable kernels run here")

    @staticmethod
    def ptr(a: np.ndarray) -> C.c_void_p:
        return C.c_void_p(a.ctypes.data)

    def _layer(self, args, rule: int) -> int:
        if self.layer_fn is None:
            return -5
        return self.layer_fn([args[i] for i in range(12)], rule)

    def read_bus(self, addr: int, n: int) -> bytes:
        off = addr - SRAM_BASE
        if off < 0 or off + n > ARENA_BYTES:
            raise V4Error(f"bus address {addr:#x}+{n} outside the arena")
        return self.arena[off:off + n].tobytes()

    def parse(self, data: bytes) -> Header:
        h, e = Header(), Err()
        buf = np.frombuffer(data, np.uint8).copy()
        if self.so.kv4_parse(self.ptr(buf), C.c_size_t(len(data)), C.byref(h), C.byref(e)):
            raise V4Error(e.msg.decode())
        return h


class Loaded:
    """A model placed in the arena the way the firmware will: file at 0, main memory after it."""

    def __init__(self, lib: Lib, data: bytes) -> None:
        self.lib = lib
        n = len(data)
        main_at = (n + 255) // 256 * 256
        lib.arena[:n] = np.frombuffer(data, np.uint8)
        self.m = Model()
        self.h = lib.parse(data)
        if main_at + self.h.main_mem > ARENA_BYTES:
            raise V4Error("model does not fit the test arena")
        lib.arena[main_at:main_at + self.h.main_mem] = 0
        self.m.file = lib.arena.ctypes.data
        self.m.h = self.h
        self.m.main_mem = lib.arena.ctypes.data + main_at
        self.m.ai_sram = lib.ai.ctypes.data
        e = Err()
        self._e = e
        if lib.so.kv4_parse(C.c_void_p(self.m.file), C.c_size_t(n), C.byref(self.m.h), C.byref(e)):
            raise V4Error(e.msg.decode())

    def set_input(self, data: bytes, i: int = 0) -> None:
        e = Err()
        buf = np.frombuffer(data, np.uint8).copy()
        if self.lib.so.kv4_set_input(C.byref(self.m), i, self.lib.ptr(buf), C.c_size_t(len(data)), C.byref(e)):
            raise V4Error(e.msg.decode())

    def run(self, n: int = 0) -> None:
        e = Err()
        if self.lib.so.kv4_run(C.byref(self.m), n, C.byref(e)):
            raise V4Error(e.msg.decode())

    def run_nodes(self, first: int, end: int) -> None:
        e = Err()
        if self.lib.so.kv4_run_nodes(C.byref(self.m), first, end, C.byref(e)):
            raise V4Error(e.msg.decode())

    def range_bytes(self, mr: MR) -> bytes:
        p = self.lib.so.kv4_at(C.byref(self.m), C.byref(mr))
        if not p:
            raise V4Error("range outside its pool")
        return C.string_at(p, mr.size)

    def output(self, i: int = 0) -> np.ndarray:
        mr = self.lib.so.kv4_output
        mr.restype = MR
        r = mr(C.c_void_p(self.m.file), C.byref(self.m.h), i)
        raw = self.range_bytes(r)
        return np.frombuffer(raw, np.float32 if r.dtype == 0 else np.uint8).copy()

    def node_info(self, i: int) -> NodeInfo:
        info = NodeInfo()
        if self.lib.so.kv4_node_info(C.c_void_p(self.m.file), C.byref(self.m.h), i, C.byref(info)):
            raise V4Error(f"no node {i}")
        return info

    def node_output(self, i: int) -> np.ndarray:
        """Node i's output as the board's set_layers gives it: u8 maps planar CHW, floats as f32."""
        info = self.node_info(i)
        raw = np.frombuffer(self.range_bytes(info.out), np.uint8)
        if info.out_is_kpu_map:
            shape = (C.c_int32 * 4)(*info.out_shape)
            n = int(np.prod(list(info.out_shape)))
            out = np.zeros(n, np.uint8)
            src = raw.copy()         # keep a reference: the C call reads it
            self.lib.so.kv4_download_map(self.lib.ptr(src), self.lib.ptr(out), shape)
            return out
        return raw.view(np.float32).copy() if info.out.dtype == 0 else raw.copy()
