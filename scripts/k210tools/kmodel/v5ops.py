"""kmodel v5 (nncase 1.x) operation tables: stackvm opcodes, the TENSOR funct numbering of each
nncase minor version ("epoch"), the operand fields of every tensor op, datatypes and enum ids.

Written from docs kmodel-v5-spec.md sections 4, 5 and 8 and checked against the opcode.h of each
nncase tag (v1.0.0-beta1 .. v1.9.0). Nothing in a v5 file records the compiler version, so a reader
decodes the code under every epoch and keeps those that decode cleanly (v5code.detect_epochs).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, Optional, Sequence, Tuple

# ---- datatypes (datatype_t, identical in every 1.x) ----
DTYPES: Dict[int, Tuple[str, str]] = {   # id -> (name, numpy dtype string)
    0: ("i8", "<i1"), 1: ("i16", "<i2"), 2: ("i32", "<i4"), 3: ("i64", "<i8"), 4: ("u8", "<u1"),
    5: ("u16", "<u2"), 6: ("u32", "<u4"), 7: ("u64", "<u8"), 8: ("f16", "<f2"), 9: ("f32", "<f4"),
    10: ("f64", "<f8"), 11: ("bf16", "<u2"),
}
DT_U8, DT_F32, DT_I32 = 4, 9, 2


def dtype_size(dt: int) -> int:
    return {0: 1, 1: 2, 2: 4, 3: 8, 4: 1, 5: 2, 6: 4, 7: 8, 8: 2, 9: 4, 10: 8, 11: 2}[dt]


def dtype_name(dt: int) -> str:
    return DTYPES[dt][0] if dt in DTYPES else f"datatype {dt}"


# memory_location_t
LOCATIONS = {0: "input", 1: "output", 2: "rdata", 3: "data", 4: "shared_data", 64: "kpu"}
LOC_INPUT, LOC_OUTPUT, LOC_RDATA, LOC_DATA, LOC_SHARED, LOC_KPU = 0, 1, 2, 3, 4, 64

# ---- stackvm opcodes: byte -> (name, immediate struct format after the opcode byte) ----
_T10 = ("I1", "I2", "I4", "I", "U1", "U2", "U4", "U", "BR2", "R4")
_T6 = ("I1", "I2", "I4", "I", "BR2", "R4")
OPCODES: Dict[int, Tuple[str, str]] = {0x00: ("NOP", ""), 0x01: ("LDNULL", ""), 0x02: ("LDC_I4", "<i"),
                                       0x03: ("LDC_I4_0", ""), 0x04: ("LDC_I4_1", ""), 0x05: ("LDC_R4", "<f")}
for _i, _t in enumerate(_T10):
    OPCODES[0x06 + _i] = (f"LDIND_{_t}", "")
for _i, _t in enumerate(_T6):
    OPCODES[0x10 + _i] = (f"STIND_{_t}", "")
OPCODES[0x16] = ("LEA_GP", "<Bi")
OPCODES[0x17] = ("LEA_BUFFER", "<BBI")
for _i, _t in enumerate(_T10):
    OPCODES[0x18 + _i] = (f"LDELEM_{_t}", "")
for _i, _t in enumerate(_T6):
    OPCODES[0x22 + _i] = (f"STELEM_{_t}", "")
OPCODES[0x28] = ("LDARG", "<I")
for _i in range(6):
    OPCODES[0x29 + _i] = (f"LDARG_{_i}", "")
OPCODES.update({0x2F: ("DUP", ""), 0x30: ("POP", ""), 0x31: ("STSHAPE", "<BB"), 0x32: ("STPADDINGS", "<BB")})
for _i, _n in enumerate(("NEG", "ADD", "SUB", "MUL", "DIV", "DIV_U", "REM", "REM_U", "AND", "OR", "XOR", "NOT",
                         "SHL", "SHR", "SHR_U", "CLT", "CLT_U", "CLE", "CLE_U", "CEQ", "CGE", "CGE_U", "CGT",
                         "CGT_U", "CNE")):
    OPCODES[0x33 + _i] = (_n, "")
for _i, _t in enumerate(_T10):
    OPCODES[0x4C + _i] = (f"CONV_{_t}", "")
OPCODES.update({0x56: ("BR", "<i"), 0x57: ("BR_TRUE", "<i"), 0x58: ("BR_FALSE", "<i"), 0x59: ("RET", ""),
                0x5A: ("CALL", "<Bi"), 0x5B: ("ECALL", "<B"), 0x5C: ("THROW", ""), 0x5D: ("BREAK", ""),
                0x5E: ("TENSOR", "<H")})
OPCODE_BY_NAME = {n: op for op, (n, _) in OPCODES.items()}
# the 1.x runtime has no implementation for these (spec 4.2): a file using them cannot run
UNSUPPORTED_OPCODES = {"LEA_GP", "LDARG", "LDARG_0", "LDARG_1", "LDARG_2", "LDARG_3", "LDARG_4", "LDARG_5",
                       "CALL", "ECALL", "THROW", "BREAK"}

# ---- TENSOR funct numbering per epoch (names in id order; id = index) ----
_PRE = ("BATCH_TO_SPACE", "BINARY", "BROADCAST", "CALL", "CLAMP", "CONV2D", "CONV2D_TRANSPOSE", "CONVERT", "COPY",
        "DEQUANTIZE", "GATHER", "GATHER_ND", "LOGISTIC", "LUT1D", "MATMUL", "ONEHOT", "PAD", "QUANTIZE", "REDUCE",
        "REDUCE_WINDOW2D", "RESIZE_IMAGE", "SLICE", "SOFTMAX", "SPACE_TO_BATCH", "TAKE", "TRANSPOSE", "UNARY")
_V10 = ("BATCH_TO_SPACE", "BINARY", "BROADCAST", "CALL", "CLAMP", "CONV2D", "CONV2D_TRANSPOSE", "CONVERT", "COPY",
        "CUMSUM", "DEQUANTIZE", "GATHER", "GATHER_ND", "HARDMAX", "LOGISTIC", "LUT1D", "MATMUL", "ONEHOT", "PAD",
        "QUANTIZE", "REDUCE", "REDUCE_ARG", "REDUCE_WINDOW2D", "RESIZE_IMAGE", "SLICE", "SOFTMAX", "SPACE_TO_BATCH",
        "TAKE", "TRANSPOSE", "UNARY")
_V11 = ("BATCH_TO_SPACE", "BINARY", "BROADCAST", "CALL", "CLAMP", "CONV2D", "CONV2D_TRANSPOSE", "CONVERT", "COPY",
        "CUMSUM", "DEQUANTIZE", "GATHER", "GATHER_ND", "HARDMAX", "LOGISTIC", "LUT1D", "MATMUL", "ONEHOT", "PAD",
        "QUANTIZE", "RANDOM_NORMAL", "RANDOM_UNIFORM", "REDUCE", "REDUCE_ARG", "REDUCE_PROD", "REDUCE_WINDOW2D",
        "RESIZE_IMAGE", "SLICE", "SOFTMAX", "SPACE_TO_BATCH", "TAKE", "TERNARY", "TRANSPOSE", "UNARY")
_V12 = _V11[:26] + ("RESIZE_IMAGE", "ROI_ALIGN", "SIGMOID", "SLICE", "SOFTMAX", "SPACE_TO_BATCH", "TAKE", "TERNARY",
                    "TOPK", "TRANSPOSE", "TRILU", "UNARY")
_V13 = _V12[:11] + ("EQUAL",) + _V12[11:]
_V16 = ("BATCH_TO_SPACE", "BINARY", "BROADCAST", "CALL", "COMPARE") + _V13[4:11] + _V13[12:]
_V171 = _V16 + ("GRU", "TFLITE_DETECTION_POSTPROCESS")
_V172 = _V171 + ("COMPRESS",)
_V18 = _V171 + ("LAYER_NORMALIZATION", "COMPRESS", "GATHER_ELEMENTS")

_U_PRE = ("abs", "ceil", "cos", "exp", "floor", "log", "neg", "round", "rsqrt", "sin", "sqrt", "square", "tanh",
          "bitwise_not", "logical_not")
_U_10 = ("abs", "acos", "asin") + _U_PRE[1:]
_U_11 = _U_10[:11] + ("sign",) + _U_10[11:]
_U_172 = _U_11 + ("erf",)

BINARY_OPS = ("add", "sub", "mul", "div", "min", "max", "pow", "floor_div", "floor_mod", "bitwise_and",
              "bitwise_or", "bitwise_xor", "logical_and", "logical_or", "logical_xor")
REDUCE_OPS = ("mean", "min", "max", "sum")
PAD_MODES = ("constant", "reflect", "symmetric", "edge")
RESIZE_MODES = ("bilinear", "nearest")


@dataclass(frozen=True)
class Epoch:
    """One numbering/layout of the stackvm tensor ops, shared by a range of nncase releases."""
    name: str                    # "1.0-pre", "1.6-1.7.0", ...
    tags: str                    # the nncase tags it covers
    functs: Tuple[str, ...]
    unary: Tuple[str, ...]
    padding_entries: int         # 2 = (before, after); 3 = (before, after, interior)
    binary_dest: bool            # BINARY carries rshape_dest (1.4+)
    matmul: Optional[str]        # None (no decoder), "1.3", "1.4"
    softmax: bool                # SOFTMAX has a decoder (1.6+)
    space_to_batch: bool         # SPACE_TO_BATCH has a decoder (1.7.2+)
    order: int                   # newer = larger

    def funct_name(self, funct: int) -> Optional[str]:
        return self.functs[funct] if funct < len(self.functs) else None

    def funct_id(self, name: str) -> int:
        return self.functs.index(name)


EPOCHS: Tuple[Epoch, ...] = (
    Epoch("1.0-pre", "v1.0.0-beta1, beta2, master to 2021-09 (4a33c552)", _PRE, _U_PRE, 2, False, None, False, False, 0),
    Epoch("1.0-rc1", "v1.0.0-rc1", _PRE, _U_10, 2, False, None, False, False, 1),
    Epoch("1.0", "v1.0.0", _V10, _U_10, 2, False, None, False, False, 2),
    Epoch("1.1", "v1.1.0", _V11, _U_11, 3, False, None, False, False, 3),
    Epoch("1.2", "v1.2.0", _V12, _U_11, 3, False, None, False, False, 4),
    Epoch("1.3", "v1.3.0", _V13, _U_11, 3, False, "1.3", False, False, 5),
    Epoch("1.4-1.5", "v1.4.0, v1.5.0", _V13, _U_11, 3, True, "1.4", False, False, 6),
    Epoch("1.6-1.7.0", "v1.6.0, v1.7.0", _V16, _U_11, 3, True, "1.4", True, False, 7),
    Epoch("1.7.1", "v1.7.1", _V171, _U_11, 3, True, "1.4", True, False, 8),
    Epoch("1.7.2", "v1.7.2", _V172, _U_172, 3, True, "1.4", True, True, 9),
    Epoch("1.8", "v1.8.0", _V18, _U_172, 3, True, "1.4", True, True, 10),
    Epoch("1.9", "v1.9.0", _V18, _U_172, 3, True, "1.4", True, True, 11),
)
EPOCH_BY_NAME = {e.name: e for e in EPOCHS}

# ---- operand fields after the u16 funct: (name, struct code) ----
# "B" = u8 (datatypes, registers, enums, bools), "H" = u16, "I" = u32, "i" = i32, "f" = f32, "q" = i64
_SH = ("rshape_src", "B")
_SS = ("rstride_src", "B")
_SD = ("rstride_dest", "B")
_DT = ("datatype", "B")
_CLAMP = (("clamp_low", "f"), ("clamp_high", "f"))
_FIELDS: Dict[str, Tuple[Tuple[str, str], ...]] = {
    "BATCH_TO_SPACE": (_DT, _SH, _SS, _SD, ("rshape_block", "B"), ("rpad_crops", "B")),
    "BROADCAST": (_DT, _SH, _SS, ("rshape_dest", "B"), _SD),
    "CALL": (("function_id", "I"), ("module_id", "H"), ("num_src", "B"), ("num_dst", "B")),
    "COMPARE": (_DT, ("rshape_src1", "B"), ("rstride_src1", "B"), ("rshape_src2", "B"), ("rstride_src2", "B"),
                ("rshape_dest", "B"), _SD, ("compare_op", "B")),
    "CONV2D": (_DT, _SH, _SS, ("rshape_kernel", "B"), ("rstride_kernel", "B"), ("rstride_bias", "B"), _SD,
               ("groups", "H"), ("stride_h", "H"), ("stride_w", "H"), ("dilation_h", "H"), ("dilation_w", "H")) + _CLAMP,
    "CONVERT": (("in_datatype", "B"), ("dst_datatype", "B"), _SH, _SS, _SD),
    "COPY": (_DT, ("rshape", "B"), _SS, _SD),
    "CUMSUM": (_DT, _SH, ("axis", "i"), ("exclusive", "B"), ("reverse", "B")),
    "DEQUANTIZE": (("in_datatype", "B"), ("dst_datatype", "B"), _SH, _SS, _SD),
    "EQUAL": (_DT, ("rshape_src1", "B"), ("rstride_src1", "B"), ("rshape_src2", "B"), ("rstride_src2", "B"), _SD),
    "GATHER": (_DT, _SH, ("rshape_dest", "B"), _SS, _SD, ("rshape_indices", "B"), ("axis", "B")),
    "GATHER_ND": (_DT, _SH, ("rshape_dest", "B"), _SS, _SD, ("rshape_indices", "B"), ("batch_dims", "B")),
    "HARDMAX": (_DT, _SH, _SS, ("axis", "i")),
    "LUT1D": (_DT, _SH, _SS, _SD, ("table_len", "H")),
    "ONEHOT": (_DT, ("rshape_indices", "B"), ("rshape_dest", "B"), _SD, ("axis", "B"), ("onehot_mode", "B")),
    "PAD": (_DT, _SH, _SS, _SD, ("rpaddings", "B"), ("pad_mode", "B")),
    "QUANTIZE": (("in_datatype", "B"), ("dst_datatype", "B"), _SH, _SS, _SD),
    "RANDOM_NORMAL": (("datatype_dest", "B"), ("rshape_dest", "B"), ("mean", "f"), ("std", "f"), ("seed", "f")),
    "RANDOM_UNIFORM": (("datatype_dest", "B"), ("rshape_dest", "B"), ("low", "f"), ("high", "f"), ("seed", "f")),
    "REDUCE": (_DT, _SH, _SS, _SD, ("reduce_op", "B"), ("rshape_axis", "B"), ("keep_dims", "B")),
    "REDUCE_ARG": (("datatype_src", "B"), _SH, _SS, ("datatype_dest", "B"), _SD, ("reduce_arg_op", "B"),
                   ("rshape_axis", "B"), ("keep_dims", "B"), ("select_last_idx", "B")),
    "REDUCE_WINDOW2D": (_DT, ("reduce_op", "B"), _SH, _SS, _SD, ("filter_h", "H"), ("filter_w", "H"),
                        ("stride_h", "H"), ("stride_w", "H"), ("dilation_h", "H"), ("dilation_w", "H")) + _CLAMP,
    "RESIZE_IMAGE": (_DT, _SH, _SS, _SD, ("align_corners", "B"), ("half_pixel_centers", "B"), ("mode", "B")),
    "ROI_ALIGN": (_DT, _SH, ("rshape_dest", "B"), ("mode", "B"), ("spatial_scale", "f"), ("sampling_ratio", "q")),
    "SLICE": (_DT, _SH, _SS, _SD, ("rbegins", "B"), ("rends", "B"), ("rstrides", "B")),
    "SOFTMAX": (_DT, _SH, _SS, _SD, ("axis", "i"), ("beta", "f")),
    "SPACE_TO_BATCH": (_DT, _SH, _SS, _SD, ("rshape_block", "B"), ("rpad_crops", "B")),
    "TERNARY": (_DT, ("rshape_src1", "B"), ("rstride_src1", "B"), ("rshape_src2", "B"), ("rstride_src2", "B"),
                ("rshape_src3", "B"), ("rstride_src3", "B"), _SD),
    "TOPK": (_DT, _SH, _SS, ("rshape_dest1", "B"), ("rstride_dest1", "B"), ("rshape_dest2", "B"),
             ("rstride_dest2", "B"), ("k", "q"), ("axis", "i"), ("largest", "B"), ("sorted", "B")),
    "TRANSPOSE": (_DT, _SH, _SS, _SD, ("rshape_perm", "B")),
    "TRILU": (_DT, _SH, ("upper", "B"), ("k", "q")),
    "UNARY": (_DT, _SH, _SS, _SD, ("unary_op", "B")),
    "TFLITE_DETECTION_POSTPROCESS": (("box_shape_src", "B"), ("score_shape_src", "B"), ("anchor_shape_src", "B"),
                                     ("max_detections", "i"), ("max_classes_per_detection", "i"),
                                     ("detections_per_class", "i"), ("use_regular_nms", "B"),
                                     ("nms_score_threshold", "f"), ("nms_iou_threshold", "f"), ("num_classes", "i"),
                                     ("y_scale", "f"), ("x_scale", "f"), ("h_scale", "f"), ("w_scale", "f")),
    "LAYER_NORMALIZATION": (_DT, ("input_shape", "B"), ("axis", "i"), ("epsilon", "f")),
    "COMPRESS": (("input_shape_src", "B"), ("condition_shape_src", "B"), ("axis", "f")),
    "GATHER_ELEMENTS": (("input_shape_src", "B"), ("indices_shape_src", "B"), ("axis", "i")),
}
_BINARY_OLD = (_DT, ("rshape_src1", "B"), ("rstride_src1", "B"), ("rshape_src2", "B"), ("rstride_src2", "B"), _SD,
               ("binary_op", "B")) + _CLAMP
_BINARY_NEW = _BINARY_OLD[:5] + (("rshape_dest", "B"),) + _BINARY_OLD[5:]
_MATMUL_13 = (("rshape_src1", "B"), ("rshape_src2", "B")) + _CLAMP
_MATMUL_14 = (("rshape_src1", "B"), ("rstride_src1", "B"), ("rshape_src2", "B"), ("rstride_src2", "B"),
              ("rshape_dest", "B"), _SD) + _CLAMP
_SIGMOID_OLD = (_DT, _SH, _SS)
_SIGMOID_NEW = (_DT, _SH, _SS, _SD)
_REDUCE_PROD_OLD = (_SH, _SS, _SD, ("rshape_axes", "B"), ("keep_dims", "B"))
_REDUCE_PROD_NEW = (_DT,) + _REDUCE_PROD_OLD
_GRU_OLD = (("input_shape_src", "B"), ("w_shape_src", "B"), ("direction", "B"))
_GRU_NEW = _GRU_OLD + (("linear_before_reset", "B"),)

# ops with an id but no decoder in any 1.x runtime (spec 5.2)
NO_DECODER = {"CLAMP", "CONV2D_TRANSPOSE", "LOGISTIC", "TAKE"}
# what the stack holds for each op, bottom -> top ("addr", "real", "int", "scalar" of the op's
# datatype, "padding"), for the ops whose stack use is fixed
STACK: Dict[str, Tuple[str, ...]] = {
    "DEQUANTIZE": ("addr", "addr", "real", "real"), "QUANTIZE": ("addr", "addr", "real", "real"),
    "CONVERT": ("addr", "addr"), "COPY": ("addr", "addr"), "TRANSPOSE": ("addr", "addr"), "SLICE": ("addr", "addr"),
    "BINARY": ("addr", "addr", "addr"), "REDUCE_WINDOW2D": ("addr", "real", "addr", "padding", "padding"),
    "RESIZE_IMAGE": ("int", "int", "addr", "addr"), "CONV2D": ("addr", "addr", "addr", "addr", "padding", "padding"),
    "MATMUL": ("addr", "addr", "addr", "addr"), "REDUCE": ("addr", "addr", "scalar"), "PAD": ("addr", "addr", "scalar"),
    "SOFTMAX": ("addr", "addr"), "GATHER": ("addr", "addr", "addr"), "UNARY": ("addr", "addr"),
    "SIGMOID": ("addr", "addr"), "REDUCE_PROD": ("addr", "addr"),
}


def fields(epoch: Epoch, name: str) -> Optional[Tuple[Tuple[str, str], ...]]:
    """The operand fields of op `name` in this epoch; None when that runtime has no decoder."""
    if name in NO_DECODER:
        return None
    if name == "BINARY":
        return _BINARY_NEW if epoch.binary_dest else _BINARY_OLD
    if name == "MATMUL":
        return {None: None, "1.3": _MATMUL_13, "1.4": _MATMUL_14}[epoch.matmul]
    if name == "SOFTMAX":
        return _FIELDS["SOFTMAX"] if epoch.softmax else None
    if name == "SPACE_TO_BATCH":
        return _FIELDS["SPACE_TO_BATCH"] if epoch.space_to_batch else None
    if name == "SIGMOID":
        return _SIGMOID_NEW if epoch.order >= EPOCH_BY_NAME["1.3"].order else _SIGMOID_OLD
    if name == "REDUCE_PROD":
        return _REDUCE_PROD_NEW if epoch.order >= EPOCH_BY_NAME["1.6-1.7.0"].order else _REDUCE_PROD_OLD
    if name == "GRU":
        return _GRU_NEW if epoch.name == "1.9" else _GRU_OLD
    return _FIELDS.get(name)


def struct_format(flds: Sequence[Tuple[str, str]]) -> str:
    return "<" + "".join(code for _, code in flds)


# ---- the k210 module's instructions (spec 6.3) ----
K210_OPS = {0: ("kpu_upload", 44), 1: ("kpu_download", 44), 2: ("kpu_conv2d", 152), 3: ("copy", 76)}
