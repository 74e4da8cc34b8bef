"""The real board's KPU seam receives exactly the argument words the behavioural KPU consumes:
every K210_CONV layer of real v3 models goes through the shared driver (modules/kpu/kpu_driver.c)
twice - once into firmware/k210/kpu_hw_k210.c over the register fakes, once into the simulated
KPU (kpusim/kpu_sim*.c) - and the FIFO writes must equal the words the simulation ran."""
from __future__ import annotations

import ctypes
import shutil
import struct
from pathlib import Path

import pytest

from k210fake.chip import Chip, hal_library
from realmodels import model_path

K210_CONV = 10240
MODEL_AT = 0x100000          # both libraries get the model file here in their SRAM arena
DMA_AT = 0x500000            # main-memory outputs
RULE_NNCASE01 = 1


def conv_layers(data: bytes) -> list[dict]:
    """K210_CONV bodies of a kmodel v3, read from the format (docs/kmodel-formats.md, "kmodel v3")."""
    version, flags, _arch, n_layers, _maxs, _main, n_out = struct.unpack_from("<7I", data, 0)
    assert version == 3
    table = 28 + 8 * n_out
    body = table + 8 * n_layers
    layers = []
    for i in range(n_layers):
        kind, size = struct.unpack_from("<2I", data, table + 8 * i)
        if kind == K210_CONV:
            lflags, mm_out, arg_off, w_off, bn_off, act_off = struct.unpack_from("<6I", data, body)
            words = struct.unpack_from("<12Q", data, arg_off)
            layers.append({"index": i, "args": data[arg_off:arg_off + 96], "weights": w_off, "bn": bn_off,
                           "act": act_off, "dma_bytes": (words[11] >> 32) + 1 if lflags & 1 else 0})
        body += size
    return layers, 8 if flags & 1 else 16


@pytest.fixture(scope="module")
def libs():
    # the shared driver into kpu_hw_k210.c over the fakes, and into kpusim with a word recorder
    return hal_library("kpuwords_board"), hal_library("kpuwords_sim")


def put_model(lib, data: bytes) -> int:
    lib.kpu_sim_sram.restype = ctypes.POINTER(ctypes.c_uint8)
    base = ctypes.addressof(lib.kpu_sim_sram().contents)
    ctypes.memmove(base + MODEL_AT, data, len(data))
    return base


def push_layers(lib, base: int, layers: list[dict], weight_bits: int) -> list[int]:
    lib.kpu_driver_conv.argtypes = [ctypes.c_char_p, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p,
                                    ctypes.c_void_p, ctypes.c_size_t]
    assert lib.kpu_driver_begin(RULE_NNCASE01, weight_bits) == 0
    results = []
    for L in layers:
        dma = base + DMA_AT if L["dma_bytes"] else None
        results.append(lib.kpu_driver_conv(L["args"], base + MODEL_AT + L["weights"], base + MODEL_AT + L["bn"],
                                           base + MODEL_AT + L["act"], dma, L["dma_bytes"]))
    return results


@pytest.mark.parametrize("model", ["yolo20class_nncase01_v3.kmodel", "facedetect_maixpy_0x300000_v3.kmodel",
                                   "mnist_maixpy_v3.kmodel"])
def test_fifo_words_equal_the_simulated_kpus(libs, tmp_path, model):
    data = model_path(model).read_bytes()
    layers, bits = conv_layers(data)
    assert layers
    board_path, sim_path = libs

    fresh = tmp_path / "sim.so"                          # a private copy: its recorder starts empty
    shutil.copy(sim_path, fresh)
    sim = ctypes.CDLL(str(fresh))
    sim_base = put_model(sim, data)
    assert push_layers(sim, sim_base, layers, bits) == [0] * len(layers)
    sim.recorded_words.restype = ctypes.POINTER(ctypes.c_uint64)
    consumed = [list(sim.recorded_words(i)[:12]) for i in range(sim.recorded_layers())]

    chip = Chip(board_path, tmp_path)
    chip.boot_clocks()
    chip.kpu.next_output = bytes(max(L["dma_bytes"] for L in layers) or 1)
    board_base = put_model(chip.lib, data)
    assert push_layers(chip.lib, board_base, layers, bits) == [0] * len(layers)
    chip.check()

    assert len(consumed) == len(layers) == len(chip.kpu.layers)
    for i, (fifo, ran) in enumerate(zip(chip.kpu.layers, consumed)):
        assert fifo == ran, f"{model} layer {layers[i]['index']}: FIFO {fifo} != simulated {ran}"
    assert chip.kpu.r[0x40] == (1 if bits == 8 else 0)    # eight_bit_mode as the model says
