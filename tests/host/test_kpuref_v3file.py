"""kmodel v3 parse/write (scripts/k210tools/kmodel/v3.py) against real files and hand-built models."""
import os
import struct

import pytest

import kpuref  # noqa: F401  (makes k210tools importable from the source tree)
from k210tools.kmodel import v3
from realmodels import MODELS, model_names, need_models  # noqa: E402

REAL = [str(MODELS / n) if isinstance(n, str) else n for n in model_names("*_v3.kmodel")]


def test_real_models_present():
    need_models()
    assert len(REAL) == 4, REAL


@pytest.mark.parametrize("path", REAL, ids=os.path.basename)
def test_real_roundtrip(path):
    data = open(path, "rb").read()
    m = v3.parse(data, path)
    out = v3.write(m)
    # nncase 0.1 omits the last body's padding: the file is exactly what write() gives
    assert out == data
    padded = v3.write(m, pad_tail=True)
    assert padded[:len(data)] == data and len(padded) == len(data) + m.missing_tail
    assert len(padded) % 8 == 0
    assert m.trailing == b""


def test_real_short_tails():
    need_models()
    tails = {os.path.basename(p): v3.parse(open(p, "rb").read()).missing_tail for p in REAL}
    assert tails == {"iris_nncase01_v3.kmodel": 4, "yolo20class_nncase01_v3.kmodel": 4,
                     "mnist_maixpy_v3.kmodel": 0, "facedetect_maixpy_0x300000_v3.kmodel": 0}


def _act():
    t = v3.ActTable()
    t.segments = [v3.ActSegment(shift=i, mul=-3 * i + 7, x_start=-(1 << 35) + i * 12345) for i in range(16)]
    t.bias = [17 * i for i in range(16)]
    return t


def _conv(oc=3, ic=2, k3=True, dw=False, flags=0):
    args = v3.KpuLayerArgs(i_ch_num=ic - 1, o_ch_num=oc - 1, o_ch_num_coef=oc - 1, kernel_type=int(k3),
                           depth_wise_layer=int(dw), arg_w=-5, arg_x=-(1 << 23), arg_add=-(1 << 39),
                           i_row_wid=7, i_col_high=7, o_row_wid=7, o_col_high=7, image_dst_addr=32767)
    nw = v3.conv_weight_bytes(args, True)
    bn = [v3.BnEntry(norm_mul=-(1 << 23) + i, norm_add=(1 << 31) - 1 - i, norm_shift=15 - i) for i in range(oc)]
    return v3.K210Conv(flags=flags, main_mem_out_address=64, args=args, weights=bytes(i % 251 for i in range(nw)),
                       bn=bn, act=_act())


def _every_body():
    fc = v3.FullyConnected(0, 0, 16, 3, 2, v3.ACT_RELU6, struct.pack("<6f", *range(6)), struct.pack("<2f", -1, 1))
    return [
        _conv(), _conv(oc=4, ic=4, k3=False, dw=True, flags=1),
        v3.Add(0, 0, 8, 16, 5), v3.QuantizedAdd(0, 0, 8, 16, 5, -1, 2, 3, -4, 5, 6, 7, -8, 9),
        v3.GlobalAveragePool2D(0, 0, 8, 16, 2), v3.QuantizedMaxPool2D(0, 0, 64, 4, 4, 2, 2, 2, 2, 2, 2, 2, 2, 0, 0),
        v3.AveragePool2D(0, 0, 64, 4, 4, 2, 2, 2, 2, 3, 3, 2, 2, 1, 1, v3.ACT_RELU), v3.Quantize(0, 0, 8, 4, 0.5, -1.25),
        v3.Dequantize(0, 8, 0, 4, 0.25, 3.0), v3.Requantize(0, 0, 8, 4, bytes(255 - i for i in range(256))),
        v3.L2Normalization(0, 0, 8, 2), v3.Softmax(0, 0, 8, 2), v3.Logistic(0, 0, 8, 2),
        v3.Concat(0, 64, [(0, 8), (16, 24)]), v3.QuantizedConcat(0, 64, [(1, 1)]), fc,
        v3.TfFlatten(0, 0, 64, 2, 3, 4), v3.ResizeNearestNeighbor(0, 0, 64, 2, 2, 3, 4, 4, 1),
        v3.QuantizedResizeNearestNeighbor(0, 0, 64, 2, 2, 3, 5, 3, 0),
        v3.ChannelwiseDequantize(0, 0, 64, 2, 9, [(0.5, -1.0), (2.0, 3.5)]),
        v3.K210AddPadding(0, 0, 100, 3), v3.K210RemovePadding(0, 0, 8, 3), v3.K210Upload(0, 0, 200, 5, 6, 7),
    ]


def test_every_body_type_roundtrips():
    m = v3.Model(flags=1, max_start_address=100, main_mem_usage=128, outputs=[v3.Output(0, 12), v3.Output(16, 8)],
                 layers=_every_body())
    assert {type(b) for b in m.layers} == set(v3.BODY_TYPES.values())
    data = v3.write(m)
    back = v3.parse(data)
    assert back.layers == m.layers and back.outputs == m.outputs
    assert (back.flags, back.main_mem_usage, back.max_start_address) == (1, 128, 100)
    assert v3.write(back) == data


def test_writer_alignment_rules():
    m = v3.Model(layers=[v3.Softmax(0, 0, 8, 2), _conv(), _conv(oc=5, ic=1), v3.Add(0, 0, 8, 16, 2)])
    data = v3.write(m, pad_tail=True)
    nl, no = 4, 0
    off = 28 + 8 * no + 8 * nl
    assert off % 8 == 4
    for i in range(nl):
        t, size = struct.unpack_from("<2I", data, 28 + 8 * i)
        assert (off + size) % 8 == 0
        if t == v3.K210Conv.TYPE:
            _, _, lay, w, bn, act = struct.unpack_from("<6I", data, off)
            assert lay % 8 == 0 and w % 128 == 0 and bn % 128 == 0 and act % 256 == 0
            assert off + 24 <= lay < w < bn < act and act + 144 <= off + size
            words = struct.unpack_from("<12Q", data, lay)
            assert words == tuple(m.layers[i].args.pack())
        off += size
    assert off == len(data)
    assert len(v3.write(m)) == len(data) - 4   # Add body is 20 B: its 4 B padding is omitted


def test_16bit_weights():
    c = _conv(oc=2, ic=3, k3=False)
    c.weights = bytes(2 * 6)
    m = v3.Model(flags=0, layers=[c])
    assert v3.parse(v3.write(m)).layers[0].weights == c.weights
    c.weights = bytes(6)
    with pytest.raises(ValueError, match="the arguments need 12"):
        v3.write(m)


def test_field_packing_positions():
    a = v3.KpuLayerArgs(image_dst_addr=1, o_ch_num_coef=2, pad_value=0xAB, bwsx_base_addr=0xDEADBEEF,
                        para_size=0x1FFFF, arg_x=-1, arg_add=-2, dma_total_byte=0xFFFFFFFF, depth_wise_layer=1)
    w = a.pack()
    assert w[0] == 8 and w[1] == 1 << 32 and w[2] == 2 << 48
    assert w[4] == (0xAB << 24) | (0xDEADBEEF << 32)
    assert w[5] == 0x1FFFF << 15
    assert w[9] == 0xFFFFFF << 32 and w[10] == (1 << 40) - 2 and w[11] == 0xFFFFFFFF << 32
    assert v3.KpuLayerArgs.unpack(w) == a
    assert v3.BnEntry(-1, -1, 15).pack() == 0x0FFFFFFFFFFFFFFF
    with pytest.raises(ValueError, match="i_ch_num = 1024"):
        v3.KpuLayerArgs(i_ch_num=1024).pack()
    with pytest.raises(ValueError, match="reserved"):
        v3.KpuLayerArgs.unpack([1 << 63] + [0] * 11)
    with pytest.raises(ValueError, match="reserved"):
        v3.BnEntry.unpack(1 << 62)


def _errors(data, match):
    with pytest.raises(ValueError, match=match):
        v3.parse(data, "x.kmodel")


def test_parse_errors():
    good = v3.write(v3.Model(layers=[v3.Softmax(0, 0, 8, 2), v3.Dequantize(0, 0, 8, 4, 1.0, 0.0)]), pad_tail=True)
    _errors(good[:20], "too short")
    _errors(b"LDMK" + struct.pack("<I", 4) + bytes(40), "kmodel v4")
    _errors(struct.pack(">I", 3) + good[4:], "byte-swapped")
    _errors(struct.pack("<I", 1) + good[4:], "version 1")
    _errors(good[:8] + struct.pack("<I", 1) + good[12:], "arch 1")
    _errors(good[:len(good) - 8], r"8 B missing, at most 7")
    v3.parse(good[:len(good) - 7])
    bad_type = good[:28] + struct.pack("<I", 3) + good[32:]
    _errors(bad_type, r"layer 0 \(GLOBAL_MAX_POOL2D\) at offset 44: layer type 3 has no runtime")
    bad_size = good[:32] + struct.pack("<I", 8) + good[36:]
    _errors(bad_size, r"layer 0 \(SOFTMAX\) at offset 44, body_size 8: Softmax body needs 16 bytes")
    conv = bytearray(v3.write(v3.Model(layers=[_conv()])))
    struct.pack_into("<I", conv, 36 + 12, len(conv) + 64)   # weights offset past the end
    _errors(bytes(conv), "weights at file offset")


def test_trailing_bytes_kept():
    good = v3.write(v3.Model(layers=[v3.Softmax(0, 0, 8, 2)]), pad_tail=True)
    m = v3.parse(good + b"\xff" * 8)
    assert m.trailing == b"\xff" * 8 and m.missing_tail == 0
