"""Small kmodel v5 test models written with k210tools.kmodel.v5write: one per stackvm tensor op
(plus a CONCAT lowered to COPYs as nncase does, a few epochs) and K210 conv chains. Each Case
carries its input bytes; expected outputs come from the reference (run.run_model), whose ops are
checked by hand-computed cases in tests/host/test_v5_host.py."""
from __future__ import annotations

import copy
import struct
from dataclasses import dataclass
from typing import List, Tuple

import numpy as np

from k210tools.kmodel import v5ops
from k210tools.kmodel import v5write as W
from k210tools.kmodel.v5write import Asm, TensorDecl, strides_of
from kpuref import gen, kpu, layout

IN, OUT, RD, DATA = v5ops.LOC_INPUT, v5ops.LOC_OUTPUT, v5ops.LOC_RDATA, v5ops.LOC_DATA
F32, U8 = v5ops.DT_F32, v5ops.DT_U8


@dataclass
class Case:
    name: str
    model: bytes
    inputs: List[bytes]
    rtol: float = 1e-6        # float outputs: board vs reference (summation order may differ); 0: bit-exact


def _f32(rng: np.random.Generator, shape, lo=-4.0, hi=4.0) -> np.ndarray:
    return rng.uniform(lo, hi, shape).astype(np.float32)


def _io(shape_in, shape_out, dt_in=F32, dt_out=F32):
    return [TensorDecl(dt_in, tuple(shape_in))], [TensorDecl(dt_out, tuple(shape_out))]


def _unary_case(epoch: str, shape, op_name: str, rng) -> Case:
    e = v5ops.EPOCH_BY_NAME[epoch]
    a = Asm(epoch)
    st = strides_of(shape)
    a.tensor("UNARY", [("addr", IN, 0), ("addr", OUT, 0)], {"rshape_src": shape, "rstride_src": st, "rstride_dest": st},
             datatype=F32, unary_op=e.unary.index(op_name))
    x = _f32(rng, shape, 0.1, 3.0) if op_name in ("sqrt", "rsqrt", "log") else _f32(rng, shape)
    return Case(f"unary_{op_name}_{epoch}", W.stackvm_model(a, *_io(shape, shape)), [x.tobytes()])


def cpu_cases(seed: int = 5) -> List[Case]:
    rng = np.random.default_rng(seed)
    cases: List[Case] = []
    s4 = (1, 3, 6, 8)
    st4 = strides_of(s4)

    # DEQUANTIZE u8 -> f32, QUANTIZE f32 -> u8 (with exact .5 ties), CONVERT f32 -> i32
    a = Asm("1.9")
    a.tensor("DEQUANTIZE", [("addr", IN, 0), ("addr", OUT, 0), ("real", 0.0173), ("real", -1.25)],
             {"rshape_src": s4, "rstride_src": st4, "rstride_dest": st4}, in_datatype=U8, dst_datatype=F32)
    cases.append(Case("dequantize", W.stackvm_model(a, *_io(s4, s4, U8, F32)),
                      [rng.integers(0, 256, s4, dtype=np.uint8).tobytes()]))
    a = Asm("1.9")
    a.tensor("QUANTIZE", [("addr", IN, 0), ("addr", OUT, 0), ("real", 2.0), ("real", 3.0)],
             {"rshape_src": s4, "rstride_src": st4, "rstride_dest": st4}, in_datatype=F32, dst_datatype=U8)
    xq = (rng.integers(-10, 140, s4) / 4.0).astype(np.float32)        # x*2+3 hits .5 ties
    cases.append(Case("quantize", W.stackvm_model(a, *_io(s4, s4, F32, U8)), [xq.tobytes()]))
    a = Asm("1.9")       # kpu.forward hands out u8 and f32 tensors only: f32 -> u8 (truncation)
    a.tensor("CONVERT", [("addr", IN, 0), ("addr", OUT, 0)], {"rshape_src": s4, "rstride_src": st4, "rstride_dest": st4},
             in_datatype=F32, dst_datatype=U8)
    cases.append(Case("convert_f32_u8", W.stackvm_model(a, *_io(s4, s4, F32, U8)), [_f32(rng, s4, 0, 255.9).tobytes()]))

    # COPY with a transposing destination stride; CONCAT as two COPYs into output slices
    s3 = (2, 3, 4)
    a = Asm("1.9")
    a.tensor("COPY", [("addr", IN, 0), ("addr", OUT, 0)], {"rshape": s3, "rstride_src": strides_of(s3),
                                                           "rstride_dest": (1, 2, 6)}, datatype=F32)
    cases.append(Case("copy_strided", W.stackvm_model(a, *_io(s3, s3)), [_f32(rng, s3).tobytes()]))
    a = Asm("1.9")
    sa, sb, so = (1, 2, 3, 4), (1, 3, 3, 4), (1, 5, 3, 4)
    a.tensor("COPY", [("addr", IN, 0), ("addr", OUT, 0)], {"rshape": sa, "rstride_src": strides_of(sa),
                                                           "rstride_dest": strides_of(so)}, datatype=F32)
    a.tensor("COPY", [("addr", RD, 0), ("addr", OUT, 4 * 24)], {"rshape": sb, "rstride_src": strides_of(sb),
                                                               "rstride_dest": strides_of(so)}, datatype=F32)
    cases.append(Case("concat_as_copies", W.stackvm_model(a, *_io(sa, so), rdata=_f32(rng, sb).tobytes()),
                      [_f32(rng, sa).tobytes()]))

    # SLICE: step 2 on W, negative step on H
    a = Asm("1.9")
    neg = (1 << 32) - 1
    a.tensor("SLICE", [("addr", IN, 0), ("addr", OUT, 0)],
             {"rshape_src": s4, "rstride_src": st4, "rstride_dest": strides_of((1, 2, 3, 4)),
              "rbegins": (0, 1, 5, 1), "rends": (1, 3, 2, 8), "rstrides": (1, 1, neg, 2)}, datatype=F32)
    cases.append(Case("slice", W.stackvm_model(a, *_io(s4, (1, 2, 3, 4))), [_f32(rng, s4).tobytes()]))

    # BINARY: broadcast against an rdata constant, every op, fused clamp; also the <= 1.3 layout
    cst = _f32(rng, (1, 3, 1, 1), 0.5, 2.0)
    for op in ("add", "sub", "mul", "div", "min", "max", "pow"):
        a = Asm("1.9")
        a.tensor("BINARY", [("addr", IN, 0), ("addr", RD, 0), ("addr", OUT, 0)],
                 {"rshape_src1": s4, "rstride_src1": st4, "rshape_src2": (1, 3, 1, 1), "rstride_src2": (3, 1, 1, 1),
                  "rshape_dest": s4, "rstride_dest": st4}, datatype=F32, binary_op=v5ops.BINARY_OPS.index(op),
                 clamp_low=-6.0 if op != "pow" else float("-inf"), clamp_high=6.0 if op != "pow" else float("inf"))
        x = _f32(rng, s4, 0.2, 3.0) if op == "pow" else _f32(rng, s4)
        cases.append(Case(f"binary_{op}", W.stackvm_model(a, *_io(s4, s4), rdata=cst.tobytes()), [x.tobytes()], 1e-5))
    a = Asm("1.0-pre")
    a.tensor("BINARY", [("addr", IN, 0), ("addr", RD, 0), ("addr", OUT, 0)],
             {"rshape_src1": s4, "rstride_src1": st4, "rshape_src2": (1, 3, 1, 1), "rstride_src2": (3, 1, 1, 1),
              "rstride_dest": st4}, datatype=F32, binary_op=1)
    cases.append(Case("binary_sub_1.0-pre", W.stackvm_model(a, *_io(s4, s4), rdata=cst.tobytes()),
                      [_f32(rng, s4).tobytes()]))

    # REDUCE (compared exactly: the fold order is the spec's): mean over H, W keeping dims; max over
    # C dropping it; sum over the non-adjacent N and H of a strided (transposed) input; min over all
    a = Asm("1.9")
    a.tensor("REDUCE", [("addr", IN, 0), ("addr", OUT, 0), ("real", 0.0)],
             {"rshape_src": s4, "rstride_src": st4, "rstride_dest": (3, 1, 1, 1), "rshape_axis": (2, 3)},
             datatype=F32, reduce_op=0, keep_dims=1)
    cases.append(Case("reduce_mean", W.stackvm_model(a, *_io(s4, (1, 3, 1, 1))), [_f32(rng, s4).tobytes()], 0.0))
    a = Asm("1.9")
    a.tensor("REDUCE", [("addr", IN, 0), ("addr", OUT, 0), ("real", float("-inf"))],
             {"rshape_src": s4, "rstride_src": st4, "rstride_dest": (48, 8, 1), "rshape_axis": (1,)},
             datatype=F32, reduce_op=2, keep_dims=0)
    cases.append(Case("reduce_max", W.stackvm_model(a, *_io(s4, (1, 6, 8))), [_f32(rng, s4).tobytes()], 0.0))
    s5 = (2, 3, 4, 5)       # read through strides of a [2, 5, 4, 3] buffer (axes 1 and 3 swapped)
    a = Asm("1.9")
    a.tensor("REDUCE", [("addr", IN, 0), ("addr", OUT, 0), ("real", 0.5)],
             {"rshape_src": s5, "rstride_src": (60, 1, 3, 12), "rstride_dest": (1, 3), "rshape_axis": (2, 0)},
             datatype=F32, reduce_op=3, keep_dims=0)
    cases.append(Case("reduce_sum_strided", W.stackvm_model(a, *_io((120,), (3, 5))),
                      [_f32(rng, (120,), -1e3, 1e3).tobytes()], 0.0))
    a = Asm("1.9")
    a.tensor("REDUCE", [("addr", IN, 0), ("addr", OUT, 0), ("real", float("inf"))],
             {"rshape_src": s4, "rstride_src": st4, "rstride_dest": (1, 1, 1, 1), "rshape_axis": (0, 1, 2, 3)},
             datatype=F32, reduce_op=1, keep_dims=1)
    cases.append(Case("reduce_min_all", W.stackvm_model(a, *_io(s4, (1, 1, 1, 1))), [_f32(rng, s4).tobytes()], 0.0))
    # REDUCE_PROD over W (1.6+ layout with a datatype; 1.1-1.5 without: 1.2 here)
    for epoch in ("1.9", "1.2"):
        a = Asm(epoch)
        extra = {"datatype": F32} if epoch == "1.9" else {}
        a.tensor("REDUCE_PROD", [("addr", IN, 0), ("addr", OUT, 0)],
                 {"rshape_src": s4, "rstride_src": st4, "rstride_dest": (18, 6, 1, 1), "rshape_axes": (3,)},
                 keep_dims=1, **extra)
        cases.append(Case(f"reduce_prod_{epoch}", W.stackvm_model(a, *_io(s4, (1, 3, 6, 1))),
                          [_f32(rng, s4, 0.5, 1.5).tobytes()], 0.0))

    # REDUCE_WINDOW2D: max 3x3 s1 pad 1 (1.9 paddings), mean 2x2 s2 pad (0,1) (1.0-pre paddings)
    for epoch, op, k, s, pad, oshape in (("1.9", 2, 3, 1, (1, 1), (1, 3, 6, 8)),
                                         ("1.0-pre", 0, 2, 2, (0, 1), (1, 3, 3, 4)),
                                         ("1.9", 0, 3, 2, (1, 1), (1, 3, 3, 4))):
        a = Asm(epoch)
        a.tensor("REDUCE_WINDOW2D", [("addr", IN, 0), ("real", float("-inf") if op == 2 else 0.0), ("addr", OUT, 0),
                                     ("padding", *pad), ("padding", *pad)],
                 {"rshape_src": s4, "rstride_src": st4, "rstride_dest": strides_of(oshape)}, datatype=F32, reduce_op=op,
                 filter_h=k, filter_w=k, stride_h=s, stride_w=s)
        cases.append(Case(f"reduce_window2d_{v5ops.REDUCE_OPS[op]}{k}x{k}s{s}_{epoch}",
                          W.stackvm_model(a, *_io(s4, oshape)), [_f32(rng, s4).tobytes()], 1e-5))

    # RESIZE_IMAGE: nearest x2 (yolox), nearest with half-pixel centres / aligned corners, bilinear
    # plain / half-pixel / aligned corners (f32, compared exactly: the spec fixes the f32 order),
    # bilinear on u8 (+ 0.5, truncated)
    for mode, ac, hp, oh, ow in ((1, 0, 0, 12, 16), (1, 0, 1, 9, 5), (1, 1, 0, 11, 13), (0, 0, 0, 4, 11),
                                 (0, 0, 1, 9, 5), (0, 1, 0, 11, 13)):
        a = Asm("1.9")
        a.tensor("RESIZE_IMAGE", [("int", oh), ("int", ow), ("addr", IN, 0), ("addr", OUT, 0)],
                 {"rshape_src": s4, "rstride_src": st4, "rstride_dest": strides_of((1, 3, oh, ow))},
                 datatype=F32, align_corners=ac, half_pixel_centers=hp, mode=mode)
        tag = "_hpc" if hp else "_ac" if ac else ""
        cases.append(Case(f"resize_{v5ops.RESIZE_MODES[mode]}{tag}_{oh}x{ow}", W.stackvm_model(a, *_io(s4, (1, 3, oh, ow))),
                          [_f32(rng, s4).tobytes()], 0.0))
    a = Asm("1.9")
    a.tensor("RESIZE_IMAGE", [("int", 7), ("int", 13), ("addr", IN, 0), ("addr", OUT, 0)],
             {"rshape_src": s4, "rstride_src": st4, "rstride_dest": strides_of((1, 3, 7, 13))},
             datatype=U8, align_corners=0, half_pixel_centers=1, mode=0)
    cases.append(Case("resize_bilinear_u8_hpc_7x13", W.stackvm_model(a, *_io(s4, (1, 3, 7, 13), U8, U8)),
                      [rng.integers(0, 256, s4, dtype=np.uint8).tobytes()]))

    # TRANSPOSE NCHW -> NHWC
    a = Asm("1.9")
    a.tensor("TRANSPOSE", [("addr", IN, 0), ("addr", OUT, 0)],
             {"rshape_src": s4, "rstride_src": st4, "rstride_dest": strides_of((1, 6, 8, 3)), "rshape_perm": (0, 2, 3, 1)},
             datatype=F32)
    cases.append(Case("transpose", W.stackvm_model(a, *_io(s4, (1, 6, 8, 3))), [_f32(rng, s4).tobytes()]))

    # CONV2D: 3x3 pad 1 stride 1 (4 out channels), depthwise 3x3 stride 2, 1x1 with clamp (relu6)
    for name, oc, groups, k, stride, pad, clamp in (("conv3x3", 4, 1, 3, 1, (1, 1), None),
                                                    ("dwconv3x3s2", 3, 3, 3, 2, (1, 1), None),
                                                    ("conv1x1_relu6", 5, 1, 1, 1, (0, 0), (0.0, 6.0))):
        wshape = (oc, 3 // groups, k, k)
        w, b = _f32(rng, wshape, -1, 1), _f32(rng, (oc,), -1, 1)
        oh = (6 + 2 * pad[0] - k) // stride + 1
        ow = (8 + 2 * pad[0] - k) // stride + 1
        oshape = (1, oc, oh, ow)
        a = Asm("1.9")
        extra = {} if clamp is None else {"clamp_low": clamp[0], "clamp_high": clamp[1]}
        a.tensor("CONV2D", [("addr", IN, 0), ("addr", RD, 0), ("addr", RD, w.nbytes), ("addr", OUT, 0),
                            ("padding", *pad), ("padding", *pad)],
                 {"rshape_src": s4, "rstride_src": st4, "rshape_kernel": wshape, "rstride_kernel": strides_of(wshape),
                  "rstride_bias": (1,), "rstride_dest": strides_of(oshape)},
                 datatype=F32, groups=groups, stride_h=stride, stride_w=stride, **extra)
        cases.append(Case(name, W.stackvm_model(a, *_io(s4, oshape), rdata=w.tobytes() + b.tobytes()),
                          [_f32(rng, s4).tobytes()], 1e-5))

    # MATMUL [4, 8] x [8, 5] + bias
    bm, bias = _f32(rng, (8, 5), -1, 1), _f32(rng, (5,), -1, 1)
    a = Asm("1.9")
    a.tensor("MATMUL", [("addr", IN, 0), ("addr", RD, 0), ("addr", RD, bm.nbytes), ("addr", OUT, 0)],
             {"rshape_src1": (4, 8), "rstride_src1": (8, 1), "rshape_src2": (8, 5), "rstride_src2": (5, 1),
              "rshape_dest": (4, 5), "rstride_dest": (5, 1)})
    cases.append(Case("matmul", W.stackvm_model(a, *_io((4, 8), (4, 5)), rdata=bm.tobytes() + bias.tobytes()),
                      [_f32(rng, (4, 8)).tobytes()], 1e-5))

    # PAD: constant / reflect / symmetric / edge (1.9: 3-entry paddings); u8 with a crop (a negative
    # padding) and the 1.0-pre 2-entry paddings; a strided (NHWC-viewed) output
    for mode in range(4):
        pads = [(0, 0), (0, 0), (1, 2), (2, 1)]
        oshape = (1, 3, 9, 11)
        a = Asm("1.9")
        a.tensor("PAD", [("addr", IN, 0), ("addr", OUT, 0), ("real", 1.5)],
                 {"rshape_src": s4, "rstride_src": st4, "rstride_dest": strides_of(oshape), "rpaddings": pads},
                 datatype=F32, pad_mode=mode)
        cases.append(Case(f"pad_{v5ops.PAD_MODES[mode]}", W.stackvm_model(a, *_io(s4, oshape)), [_f32(rng, s4).tobytes()],
                          0.0))
    for mode in range(4):
        pads = [(0, 0), (1, -1), (-2, 3), (3, 0)]
        oshape = (1, 3, 7, 11)
        a = Asm("1.0-pre")
        a.tensor("PAD", [("addr", IN, 0), ("addr", OUT, 0), ("int", 7)],
                 {"rshape_src": s4, "rstride_src": st4, "rstride_dest": (231, 1, 33, 3), "rpaddings": pads},
                 datatype=U8, pad_mode=mode)
        cases.append(Case(f"pad_u8_crop_{v5ops.PAD_MODES[mode]}_1.0-pre", W.stackvm_model(a, *_io(s4, (1, 7, 11, 3), U8, U8)),
                          [rng.integers(0, 256, s4, dtype=np.uint8).tobytes()]))

    # SOFTMAX over the last axis (1.6+), GATHER along axis 1 with rdata indices
    a = Asm("1.9")
    a.tensor("SOFTMAX", [("addr", IN, 0), ("addr", OUT, 0)], {"rshape_src": (4, 10), "rstride_src": (10, 1),
                                                              "rstride_dest": (10, 1)}, datatype=F32, axis=-1, beta=1.0)
    cases.append(Case("softmax", W.stackvm_model(a, *_io((4, 10), (4, 10))), [_f32(rng, (4, 10)).tobytes()], 1e-5))
    idx = np.array([2, 0, 2, 1], np.int32)
    a = Asm("1.9")
    a.tensor("GATHER", [("addr", IN, 0), ("addr", OUT, 0), ("addr", RD, 0)],
             {"rshape_src": s4, "rshape_dest": (1, 4, 6, 8), "rstride_src": st4, "rstride_dest": strides_of((1, 4, 6, 8)),
              "rshape_indices": (4,)}, datatype=F32, axis=1)
    cases.append(Case("gather", W.stackvm_model(a, *_io(s4, (1, 4, 6, 8)), rdata=idx.tobytes()),
                      [_f32(rng, s4).tobytes()], 0.0))
    # GATHER of u8 along the last axis with 2-D indices (output rank 5), and along axis 0 of a
    # [6, 5] f32 matrix with the indices computed into the data pool (checked when the op runs)
    idx2 = np.array([[7, 0, 3], [3, 3, 1]], np.int32)
    a = Asm("1.9")
    a.tensor("GATHER", [("addr", IN, 0), ("addr", OUT, 0), ("addr", RD, 0)],
             {"rshape_src": s4, "rshape_dest": (1, 3, 6, 2, 3), "rstride_src": st4,
              "rstride_dest": strides_of((1, 3, 6, 2, 3)), "rshape_indices": (2, 3)}, datatype=U8, axis=3)
    cases.append(Case("gather_u8_last_axis", W.stackvm_model(a, *_io(s4, (1, 3, 6, 2, 3), U8, U8), rdata=idx2.tobytes()),
                      [rng.integers(0, 256, s4, dtype=np.uint8).tobytes()]))
    cases.append(Case("gather_computed_indices", gather_computed((5, 0, 5)), [_f32(rng, (6, 5)).tobytes()], 0.0))

    for op in ("abs", "neg", "exp", "sqrt", "round", "floor", "ceil", "square", "tanh", "sign"):
        cases.append(_unary_case("1.9", s4, op, rng))
    cases.append(Case("scalar_loop", scalar_program(), [np.array([3.0], np.float32).tobytes()]))
    return cases


def scalar_program() -> bytes:
    """The scalar instructions: LDIND/STIND, integer and real arithmetic, CONV_*, a BR_TRUE loop and
    RET. out = [in * 2.5, 1 + 2 + 3 + 4 + 5 (the loop), 7 / 2 (integer), (int)-1.5] as f32."""
    a = Asm("1.9")
    a.lea_buffer(OUT, 0).lea_buffer(IN, 0).raw("LDIND_R4").ldc_r4(2.5).raw("MUL").raw("STIND_R4")
    a.lea_buffer(DATA, 0).ldc_i4(0).raw("STIND_I4")
    a.lea_buffer(DATA, 4).ldc_i4(5).raw("STIND_I4")
    loop = len(a.code)
    a.lea_buffer(DATA, 0).lea_buffer(DATA, 0).raw("LDIND_I4").lea_buffer(DATA, 4).raw("LDIND_I4").raw("ADD")
    a.raw("STIND_I4")
    a.lea_buffer(DATA, 4).lea_buffer(DATA, 4).raw("LDIND_I4").ldc_i4(1).raw("SUB").raw("STIND_I4")
    a.lea_buffer(DATA, 4).raw("LDIND_I4")
    a.raw("BR_TRUE", loop - (len(a.code) + 5))
    a.lea_buffer(OUT, 4).lea_buffer(DATA, 0).raw("LDIND_I4").raw("CONV_R4").raw("STIND_R4")
    a.lea_buffer(OUT, 8).ldc_i4(7).ldc_i4(2).raw("DIV").raw("CONV_R4").raw("STIND_R4")
    a.lea_buffer(OUT, 12).ldc_r4(-1.5).raw("CONV_I4").raw("CONV_R4").raw("STIND_R4")
    a.raw("RET").raw("NOP")
    return W.stackvm_model(a, [TensorDecl(F32, (1,))], [TensorDecl(F32, (4,))], data_pool=8)


def gather_computed(indices: Tuple[int, int, int]) -> bytes:
    """GATHER of rows of a [6, 5] f32 input with three indices the code stores into the data pool
    (known only when it runs: the runtime checks them then)."""
    a = Asm("1.9")
    for k, v in enumerate(indices):
        a.lea_buffer(DATA, 4 * k).ldc_i4(v).raw("STIND_I4")
    a.tensor("GATHER", [("addr", IN, 0), ("addr", OUT, 0), ("addr", DATA, 0)],
             {"rshape_src": (6, 5), "rshape_dest": (3, 5), "rstride_src": (5, 1), "rstride_dest": (5, 1),
              "rshape_indices": (3,)}, datatype=F32, axis=0)
    return W.stackvm_model(a, *_io((6, 5), (3, 5)), data_pool=16)


def ambiguous_unary() -> bytes:
    """UNARY written with the 1.0-pre ids: it decodes under 1.0-pre and 1.0-rc1 with different
    unary ops (rc1 inserted acos/asin), so the compiler version cannot be determined (spec 8)."""
    return _unary_case("1.0-pre", (1, 4), "exp", np.random.default_rng(0)).model


def refused_cases() -> List[Tuple[str, bytes, str]]:
    """Models kpu.load must refuse at load: (name, bytes, text the message must contain, case
    insensitive). CLAMP / LOGISTIC have funct ids but no decoder in any 1.x runtime."""
    out = []
    s = (1, 4)
    for op in ("CLAMP", "LOGISTIC"):     # ids exist, no decoder in any 1.x runtime
        a = Asm("1.9")
        a.tensor("COPY", [("addr", IN, 0), ("addr", OUT, 0)], {"rshape": s, "rstride_src": (4, 1), "rstride_dest": (4, 1)},
                 datatype=F32)
        a.ldc_i4(0)
        a.raw("TENSOR", a.epoch.funct_id(op))
        out.append((f"op_{op.lower()}", W.stackvm_model(a, *_io(s, s)), op))
    a = Asm("1.9")
    a.raw("TENSOR", 200)
    out.append(("funct_200", W.stackvm_model(a, *_io(s, s)), "200"))
    return out


def bad_value_cases() -> List[Tuple[str, bytes, str]]:
    """Models whose code decodes but whose op values the runtime cannot take: kpu.load refuses
    them naming the op, the place and the value (as refused_cases). The host parser reads only the
    structure, so these are the C loader's checks."""
    out = []
    s, s4 = (1, 4), (1, 3, 6, 8)
    a = Asm("1.9")
    a.tensor("GATHER", [("addr", IN, 0), ("addr", OUT, 0), ("addr", RD, 0)],
             {"rshape_src": s4, "rshape_dest": (1, 2, 6, 8), "rstride_src": strides_of(s4),
              "rstride_dest": strides_of((1, 2, 6, 8)), "rshape_indices": (2,)}, datatype=F32, axis=1)
    out.append(("gather_index_3", W.stackvm_model(a, *_io(s4, (1, 2, 6, 8)), rdata=np.array([1, 3], np.int32).tobytes()),
                "GATHER: index 3 at .rdata+4 is outside axis 1 of size 3"))
    a = Asm("1.9")
    a.tensor("PAD", [("addr", IN, 0), ("addr", OUT, 0), ("real", 0.0)],
             {"rshape_src": s, "rstride_src": (4, 1), "rstride_dest": (10, 1), "rpaddings": [(0, 0), (4, 2)]},
             datatype=F32, pad_mode=1)
    out.append(("pad_reflect_too_far", W.stackvm_model(a, *_io(s, (1, 10))), "PAD: axis 1 of 4: padding (4, 2)"))
    a = Asm("1.9")
    a.tensor("REDUCE", [("addr", IN, 0), ("addr", OUT, 0), ("real", 0.0)],
             {"rshape_src": s, "rstride_src": (4, 1), "rstride_dest": (1,), "rshape_axis": (2,)},
             datatype=F32, reduce_op=3, keep_dims=0)
    out.append(("reduce_axis_2", W.stackvm_model(a, *_io(s, (1,))), "REDUCE: axis 2 is not a distinct axis"))
    return out


def k210_cases(seed: int = 11) -> List[Case]:
    """K210 conv chains through the k210 module (upload, convs, download), u8 out or f32 via
    DEQUANTIZE. The conv arguments come from tests/kpuref/gen (random layers calibrated on their
    actual input, which tests/kpuref computes layer by layer here)."""
    rng = np.random.default_rng(seed)
    cases = []
    for name, (c, h, w), chain, deq in (
            ("k210_one_conv", (3, 16, 20), [dict(pool=0, k3=True, dw=False, oc=8)], None),
            ("k210_chain_pool_dw", (4, 24, 24), [dict(pool=1, k3=True, dw=False, oc=6), dict(pool=0, k3=True, dw=True),
                                                 dict(pool=0, k3=False, dw=False, oc=10)], (0.05, -2.0)),
            ("k210_wide", (2, 12, 70), [dict(pool=2, k3=True, dw=False, oc=3)], None)):
        x = rng.integers(0, 256, (c, h, w), dtype=np.uint8)
        convs = []
        cur, line = x, 0
        ai = np.zeros(2 << 20, np.uint8)
        layout.store(ai, 0, x)
        for spec in chain:
            cc, hh, ww = cur.shape
            dst = line + layout.lines(cc, hh, ww)
            cv = gen.random_conv(rng, cc, hh, ww, src=line, dst=dst, x=cur, **spec)
            convs.append(W.Conv(cv.args, cv.weights, cv.bn, cv.act))
            oc, oh, ow = cv.args.o_ch_num + 1, cv.args.o_col_high + 1, cv.args.o_row_wid + 1
            mem = {1: cv.weights, 2: struct.pack(f"<{len(cv.bn)}Q", *[b.pack() for b in cv.bn]), 3: cv.act.to_bytes()}
            a = copy.deepcopy(cv.args)           # the stored layer keeps its address fields 0
            a.para_start_addr, a.bwsx_base_addr, a.active_addr = 1, 2, 3
            kpu.run_layer(a.pack(), ai, lambda ad, n: mem[ad][:n])
            cur = layout.load(ai, dst, oc, oh, ow)
            line = dst
        cases.append(Case(name, W.k210_conv_model(convs, dequantize=deq), [x.tobytes()], 1e-6))
    return cases


def all_cases() -> List[Case]:
    return cpu_cases() + k210_cases()
