"""The KPU codec of the core (modules/kpu/kpu/kpu_args.c) against the independent field packer
of kpusim.py (LayerArgs, written from the field table of docs/kpu.md), and its checks on
hand-made layers: every field round-trips, and each check names the field it refuses."""
from __future__ import annotations

import ctypes
import random

import pytest

from k210tools.kmodel.v3 import ARG_FIELDS
from kpusim_lib import LayerArgs, map_lines

U32 = ctypes.c_uint32
FIELDS = [  # kpu_args_t in order, with the LayerArgs field each mirrors and its stored offset
    ("int_en", "int_en", 0), ("ram_flag", "ram_flag", 0), ("full_add", "full_add", 0),
    ("depthwise", "depth_wise_layer", 0), ("src_line", "image_src_addr", 0), ("dst_line", "image_dst_addr", 0),
    ("ic", "i_ch_num", 1), ("oc", "o_ch_num", 1), ("oc_per_load", "o_ch_num_coef", 1),
    ("iw", "i_row_wid", 1), ("ih", "i_col_high", 1), ("ow", "o_row_wid", 1), ("oh", "o_col_high", 1),
    ("kernel_type", "kernel_type", 0), ("pad_type", "pad_type", 0), ("pool_type", "pool_type", 0),
    ("first_stride", "first_stride", 0), ("bypass_conv", "bypass_conv", 0), ("load_para", "load_para", 0),
    ("dma_burst_size", "dma_burst_size", 0), ("pad_value", "pad_value", 0), ("bn_addr", "bwsx_base_addr", 0),
    ("load_coor", "load_coor", 0), ("load_time", "load_time", 0), ("para_size", "para_size", 0),
    ("weights_addr", "para_start_addr", 0), ("coef_column_offset", "coef_column_offset", 0),
    ("coef_row_offset", "coef_row_offset", 0), ("chan_switch", "channel_switch_addr", 0),
    ("row_switch", "row_switch_addr", 0), ("coef_size", "coef_size", 0), ("coef_group", "coef_group", 0),
    ("load_act", "load_act", 0), ("act_addr", "active_addr", 0), ("wb_chan_switch", "wb_channel_switch_addr", 0),
    ("wb_row_switch", "wb_row_switch_addr", 0), ("wb_group", "wb_group", 0), ("shr_w", "shr_w", 0),
    ("shr_x", "shr_x", 0),
]


class Args(ctypes.Structure):
    _fields_ = ([(n, U32) for n, _, _ in FIELDS] + [("arg_w", ctypes.c_int32), ("arg_x", ctypes.c_int32),
                ("arg_add", ctypes.c_int64), ("send_data_out", U32), ("channel_byte_num", U32),
                ("dma_total_byte", U32)])


class Rules(ctypes.Structure):
    _fields_ = [("wbytes", U32), ("dma_out", ctypes.c_int)]


SIGNED = {"arg_w": "arg_w", "arg_x": "arg_x", "arg_add": "arg_add"}
TAIL = [("send_data_out", "send_data_out"), ("channel_byte_num", "channel_byte_num"),
        ("dma_total_byte", "dma_total_byte")]


@pytest.fixture
def lib(kpusim):
    so = kpusim.lib
    so.kpu_args_check.argtypes = [ctypes.POINTER(ctypes.c_uint64), ctypes.POINTER(Args), ctypes.POINTER(Rules),
                                  ctypes.c_char_p, ctypes.c_size_t]
    return so


def words_of(la: LayerArgs):
    return (ctypes.c_uint64 * 12)(*la.pack())


def random_args(rng: random.Random) -> LayerArgs:
    la = LayerArgs()
    for name, _word, _lsb, width, _signed in ARG_FIELDS:
        v = rng.randrange(1 << width)
        if name in SIGNED:
            v -= 1 << (width - 1)
        setattr(la, name, v)
    return la


def test_decode_and_encode_every_field(lib):
    rng = random.Random(12)
    for _ in range(200):
        la = random_args(rng)
        a = Args()
        lib.kpu_args_decode(words_of(la), ctypes.byref(a))
        for cname, pyname, plus in FIELDS:
            assert getattr(a, cname) == getattr(la, pyname) + plus, cname
        for cname, pyname in list(SIGNED.items()) + TAIL:
            assert getattr(a, cname) == getattr(la, pyname), cname
        out = (ctypes.c_uint64 * 12)()
        lib.kpu_args_encode(ctypes.byref(a), out)
        assert list(out) == la.pack()


def conv(ic=8, h=16, w=16, oc=8, k3=True, pool=0, dw=False, src=0, dst=1000) -> LayerArgs:
    """A layer as nncase emits it (8-bit weights): layout fields from the layout of docs/kpu.md."""
    s = {0: 1, 1: 2, 2: 2, 3: 4, 4: 4, 5: 2, 6: 2, 7: 4, 8: 1, 9: 1}[pool]
    oh, ow = h // s, w // s
    g = lambda x: 4 if x <= 16 else 2 if x <= 32 else 1   # noqa: E731
    rl = lambda x: -(-x // 64)                            # noqa: E731
    per_oc = (1 if dw else ic) * (9 if k3 else 1)
    n = oc if dw else min(oc, 30720 // per_oc)
    return LayerArgs(depth_wise_layer=int(dw), image_src_addr=src, image_dst_addr=dst, i_ch_num=ic - 1,
                     o_ch_num=oc - 1, o_ch_num_coef=n - 1, i_row_wid=w - 1, i_col_high=h - 1, o_row_wid=ow - 1,
                     o_col_high=oh - 1, kernel_type=int(k3), pool_type=pool, load_time=-(-oc // n) - 1,
                     para_size=n * per_oc, channel_switch_addr=rl(w) * h, row_switch_addr=rl(w), coef_group=g(w),
                     wb_channel_switch_addr=rl(ow) * oh, wb_row_switch_addr=rl(ow), wb_group=g(ow))


def check(lib, la: LayerArgs, wbytes=1, dma_out=0) -> str:
    w = words_of(la)
    a = Args()
    lib.kpu_args_decode(w, ctypes.byref(a))
    why = ctypes.create_string_buffer(256)
    r = lib.kpu_args_check(w, ctypes.byref(a), ctypes.byref(Rules(wbytes, dma_out)), why, 256)
    assert r in (0, -22) and (r == 0) == (why.value == b"")   # -EINVAL always with a reason
    return why.value.decode()


@pytest.mark.parametrize("layer", [conv(), conv(pool=1), conv(w=100, h=20, pool=3), conv(dw=True, pool=9),
                                   conv(ic=3, w=320, h=240, oc=16, k3=True, pool=1, src=0, dst=4000)])
def test_compiler_layers_pass(lib, layer):
    assert check(lib, layer) == ""


@pytest.mark.parametrize("edit,words", [
    (lambda la: setattr(la, "full_add", 1), ["undocumented KPU mode", "full_add 1"]),
    (lambda la: la.extra.update({4: 1 << 12}), ["reserved bits 0x1000", "word 4"]),
    (lambda la: setattr(la, "load_act", 0), ["parameter loading off", "load_act 0"]),
    (lambda la: setattr(la, "kernel_type", 2), ["kernel_type 2"]),
    (lambda la: setattr(la, "pool_type", 12), ["pool_type 12"]),
    (lambda la: setattr(la, "o_row_wid", 3), ["output 4x16 does not match pool_type 0"]),
    (lambda la: setattr(la, "channel_switch_addr", 17), ["input layout fields", "channel_switch 17"]),
    (lambda la: setattr(la, "wb_group", 2), ["write-back layout fields", "group 2"]),
    (lambda la: setattr(la, "image_dst_addr", 8), ["overlap in AI SRAM"]),
    (lambda la: setattr(la, "image_src_addr", 32766), ["input map 8x16x16", "past the 2 MiB end"]),
    (lambda la: setattr(la, "para_size", 8 * 72 + 1), ["weight loads", "para_size 577"]),
    (lambda la: setattr(la, "load_time", 1), ["weight loads", "load_time 1"]),
])
def test_refusals_name_the_field(lib, edit, words):
    la = conv()
    edit(la)
    why = check(lib, la)
    for w in words:
        assert w in why, why


def test_sixteen_bit_weights_double_the_load(lib):
    la = conv(ic=64, oc=64)          # 64 x 576 B per channel: 53 channels per 8-bit load
    assert check(lib, la) == ""
    assert "weight loads" in check(lib, la, wbytes=2)   # para_size is counted in 16-bit weights
    la.para_size *= 2
    assert check(lib, la, wbytes=2) == ""


def test_dma_word_checked_only_when_streaming(lib):
    la = conv(pool=1)                # 8 x 8 x 8 output
    assert check(lib, la, dma_out=1).startswith("DMA word")
    la.channel_byte_num, la.dma_total_byte = 64 - 1, 512 - 1
    assert check(lib, la, dma_out=1) == ""
    assert map_lines(8, 8, 8) == 16
