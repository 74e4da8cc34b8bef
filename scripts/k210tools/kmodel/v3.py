"""kmodel v3 (nncase 0.1): dataclasses, parse(bytes) -> Model, write(Model) -> bytes.

Written from the v3 format description (docs/kmodel-formats.md). Layout rules the writer obeys (absolute file
offsets): the first body starts right after the tables (always 4 mod 8), every body is padded to
a multiple of 8 and the padding is counted in its body_size; inside a K210_CONV body the 96-byte
layer argument is 8-aligned, weights and BN table 128-aligned, the activation table 256-aligned.
Like nncase 0.1, write() does not emit the last body's padding unless pad_tail=True, so the file
can be up to 7 bytes shorter than the header declares; parse() accepts that short tail (reads
zeros there) and ignores bytes after the last body (kept in Model.trailing).
Only struct is used so that the host package stays light.
"""
from __future__ import annotations

import struct
from dataclasses import dataclass, field, fields
from typing import Any, ClassVar, Dict, List, Optional, Sequence, Tuple, Type

HEADER = struct.Struct("<7I")
VERSION = 3
KLF_MAIN_MEM_OUT = 1
ACT_LINEAR, ACT_RELU, ACT_RELU6 = 0, 1, 2


def _put(word: int, value: int, lsb: int, width: int, signed: bool, what: str) -> int:
    lo, hi = (-(1 << (width - 1)), (1 << (width - 1)) - 1) if signed else (0, (1 << width) - 1)
    if not lo <= value <= hi:
        raise ValueError(f"{what} = {value} does not fit {width} bits ({lo}..{hi})")
    return word | ((value & ((1 << width) - 1)) << lsb)


def _get(word: int, lsb: int, width: int, signed: bool) -> int:
    v = (word >> lsb) & ((1 << width) - 1)
    return v - (1 << width) if signed and v >> (width - 1) else v


def _reserved_mask(layout: Sequence[Tuple[int, int, int]], word: int) -> int:
    used = 0
    for w, lsb, width in layout:
        if w == word:
            used |= ((1 << width) - 1) << lsb
    return ~used & 0xFFFFFFFFFFFFFFFF


# --- KPU layer argument: 12 x u64 (spec section 3.2) ---
def _bits(word: int, lsb: int, width: int, signed: bool = False) -> Any:
    """A layer-argument field: its place in the 12 u64 words (spec section 3.2); the value defaults to 0."""
    return field(default=0, metadata={"bits": (word, lsb, width, signed)})


@dataclass
class KpuLayerArgs:
    """The named fields of kpu_layer_argument_t, each with its (word, lsb, width, signed) place;
    pack() gives the 12 u64 words."""
    int_en: int = _bits(0, 0, 1)
    ram_flag: int = _bits(0, 1, 1)
    full_add: int = _bits(0, 2, 1)
    depth_wise_layer: int = _bits(0, 3, 1)
    image_src_addr: int = _bits(1, 0, 15)
    image_dst_addr: int = _bits(1, 32, 15)
    i_ch_num: int = _bits(2, 0, 10)
    o_ch_num: int = _bits(2, 32, 10)
    o_ch_num_coef: int = _bits(2, 48, 10)
    i_row_wid: int = _bits(3, 0, 10)
    i_col_high: int = _bits(3, 10, 9)
    o_row_wid: int = _bits(3, 32, 10)
    o_col_high: int = _bits(3, 42, 9)
    kernel_type: int = _bits(4, 0, 3)
    pad_type: int = _bits(4, 3, 1)
    pool_type: int = _bits(4, 4, 4)
    first_stride: int = _bits(4, 8, 1)
    bypass_conv: int = _bits(4, 9, 1)
    load_para: int = _bits(4, 10, 1)
    dma_burst_size: int = _bits(4, 16, 8)
    pad_value: int = _bits(4, 24, 8)
    bwsx_base_addr: int = _bits(4, 32, 32)
    load_coor: int = _bits(5, 0, 1)
    load_time: int = _bits(5, 1, 6)
    para_size: int = _bits(5, 15, 17)
    para_start_addr: int = _bits(5, 32, 32)
    coef_column_offset: int = _bits(6, 0, 4)
    coef_row_offset: int = _bits(6, 4, 12)
    channel_switch_addr: int = _bits(7, 0, 15)
    row_switch_addr: int = _bits(7, 16, 4)
    coef_size: int = _bits(7, 20, 8)
    coef_group: int = _bits(7, 28, 3)
    load_act: int = _bits(7, 31, 1)
    active_addr: int = _bits(7, 32, 32)
    wb_channel_switch_addr: int = _bits(8, 0, 15)
    wb_row_switch_addr: int = _bits(8, 16, 4)
    wb_group: int = _bits(8, 20, 3)
    shr_w: int = _bits(9, 0, 4)
    shr_x: int = _bits(9, 4, 4)
    arg_w: int = _bits(9, 8, 24, signed=True)
    arg_x: int = _bits(9, 32, 24, signed=True)
    arg_add: int = _bits(10, 0, 40, signed=True)
    send_data_out: int = _bits(11, 0, 1)
    channel_byte_num: int = _bits(11, 16, 16)
    dma_total_byte: int = _bits(11, 32, 32)

    def pack(self) -> List[int]:
        words = [0] * 12
        for name, w, lsb, width, signed in ARG_FIELDS:
            words[w] = _put(words[w], getattr(self, name), lsb, width, signed, f"kpu arg {name}")
        return words

    @classmethod
    def unpack(cls, words: Sequence[int]) -> "KpuLayerArgs":
        if len(words) != 12:
            raise ValueError(f"kpu layer argument needs 12 words, got {len(words)}")
        layout = [(w, lsb, width) for _, w, lsb, width, _ in ARG_FIELDS]
        for i, word in enumerate(words):
            if word & _reserved_mask(layout, i):
                raise ValueError(f"kpu layer argument word {i} = {word:#018x} sets reserved bits")
        return cls(**{n: _get(words[w], lsb, width, s) for n, w, lsb, width, s in ARG_FIELDS})

    def to_bytes(self) -> bytes:
        return struct.pack("<12Q", *self.pack())

    @classmethod
    def from_bytes(cls, data: bytes) -> "KpuLayerArgs":
        return cls.unpack(struct.unpack("<12Q", data))


# (name, word, lsb, width, signed) of every layer-argument field, in word order
ARG_FIELDS: Tuple[Tuple[str, int, int, int, bool], ...] = tuple(
    (f.name, *f.metadata["bits"]) for f in fields(KpuLayerArgs))


@dataclass
class BnEntry:
    """One output channel of the BN table: v = ((acc * norm_mul) >> norm_shift) + norm_add."""
    norm_mul: int = 1
    norm_add: int = 0
    norm_shift: int = 0

    def pack(self) -> int:
        w = _put(0, self.norm_mul, 0, 24, True, "bn norm_mul")
        w = _put(w, self.norm_add, 24, 32, True, "bn norm_add")
        return _put(w, self.norm_shift, 56, 4, False, "bn norm_shift")

    @classmethod
    def unpack(cls, word: int) -> "BnEntry":
        if word >> 60:
            raise ValueError(f"bn entry {word:#018x} sets reserved bits 60-63")
        return cls(_get(word, 0, 24, True), _get(word, 24, 32, True), _get(word, 56, 4, False))


@dataclass
class ActSegment:
    shift: int = 0      # shift_number, u8
    mul: int = 0        # y_mul, s16
    x_start: int = 0    # s36


@dataclass
class ActTable:
    """16 activation segments + 16 u8 biases (144 bytes)."""
    segments: List[ActSegment] = field(default_factory=lambda: [ActSegment() for _ in range(16)])
    bias: List[int] = field(default_factory=lambda: [0] * 16)
    SIZE: ClassVar[int] = 144

    def pack(self) -> List[int]:
        if len(self.segments) != 16 or len(self.bias) != 16:
            raise ValueError("activation table needs 16 segments and 16 biases")
        words = []
        for s in self.segments:
            w = _put(0, s.shift, 0, 8, False, "act shift_number")
            w = _put(w, s.mul, 8, 16, True, "act y_mul")
            words.append(_put(w, s.x_start, 24, 36, True, "act x_start"))
        for b in self.bias:
            if not 0 <= b <= 255:
                raise ValueError(f"act bias {b} is not a u8")
        words += [int.from_bytes(bytes(self.bias[:8]), "little"), int.from_bytes(bytes(self.bias[8:]), "little")]
        return words

    @classmethod
    def unpack(cls, words: Sequence[int]) -> "ActTable":
        segs = []
        for i, w in enumerate(words[:16]):
            if w >> 60:
                raise ValueError(f"activation segment {i} = {w:#018x} sets reserved bits 60-63")
            segs.append(ActSegment(_get(w, 0, 8, False), _get(w, 8, 16, True), _get(w, 24, 36, True)))
        bias = list(words[16].to_bytes(8, "little") + words[17].to_bytes(8, "little"))
        return cls(segs, bias)

    def to_bytes(self) -> bytes:
        return struct.pack("<18Q", *self.pack())

    @classmethod
    def from_bytes(cls, data: bytes) -> "ActTable":
        return cls.unpack(struct.unpack("<18Q", data))


# --- layer bodies ---------------------------------------------------------------------------
_FIELD_CODES = {"int": "I", "float": "f"}   # a fixed body's fields: u32 or f32 unless _raw() says


def _raw(code: str, default: Any = 0) -> Any:
    """A fixed-body field of another struct code than its type gives (i: s32, 256s: a table)."""
    return field(default=default, metadata={"code": code})


class Body:
    """Base of every layer body. Simple bodies are a fixed struct of their dataclass fields."""
    TYPE: ClassVar[int]

    @classmethod
    def fmt(cls) -> str:
        """The struct format of a fixed body: its dataclass fields in order."""
        return "<" + "".join(f.metadata.get("code") or _FIELD_CODES[str(f.type)] for f in fields(cls))  # type: ignore[arg-type]

    def encode(self, offset: int, eight_bit: bool) -> bytes:
        """Body bytes (without the trailing 8-byte padding) for a body starting at `offset`."""
        return struct.pack(self.fmt(), *(getattr(self, f.name) for f in fields(self)))  # type: ignore[arg-type]

    @classmethod
    def decode(cls, data: bytes, offset: int, eight_bit: bool) -> "Body":
        fmt = cls.fmt()
        _need(cls, data, struct.calcsize(fmt))
        return cls(*struct.unpack_from(fmt, data))  # type: ignore[call-arg]


def _need(cls: type, data: bytes, n: int) -> None:
    if len(data) < n:
        raise ValueError(f"{cls.__name__} body needs {n} bytes, body_size is {len(data)}")


@dataclass
class UnaryBody(Body):
    """The fields a body that reads one main-memory tensor and writes one starts with."""
    flags: int = 0
    in_: int = 0
    out: int = 0


@dataclass
class UploadBody(Body):
    """The fields a body that moves a main-memory tensor into AI SRAM starts with."""
    flags: int = 0
    in_: int = 0
    kpu_out: int = 0   # AI SRAM line


@dataclass
class Add(Body):
    TYPE: ClassVar[int] = 1
    flags: int = 0
    in_a: int = 0
    in_b: int = 0
    out: int = 0
    count: int = 0


@dataclass
class QuantizedAdd(Add):
    TYPE: ClassVar[int] = 2
    a_offset: int = _raw("i")
    a_mul: int = _raw("i")
    a_shift: int = _raw("i")
    b_offset: int = _raw("i")
    b_mul: int = _raw("i")
    b_shift: int = _raw("i")
    out_offset: int = _raw("i")
    out_mul: int = _raw("i")
    out_shift: int = _raw("i")


@dataclass
class GlobalAveragePool2D(UnaryBody):
    TYPE: ClassVar[int] = 5
    kernel_size: int = 0
    channels: int = 0


@dataclass
class QuantizedMaxPool2D(UnaryBody):
    TYPE: ClassVar[int] = 8
    in_w: int = 0
    in_h: int = 0
    in_c: int = 0
    out_w: int = 0
    out_h: int = 0
    out_c: int = 0
    kernel_w: int = 0
    kernel_h: int = 0
    stride_w: int = 0
    stride_h: int = 0
    pad_w: int = 0
    pad_h: int = 0


@dataclass
class AveragePool2D(QuantizedMaxPool2D):
    TYPE: ClassVar[int] = 9
    act: int = 0


@dataclass
class Quantize(UnaryBody):
    TYPE: ClassVar[int] = 11
    count: int = 0
    scale: float = 1.0
    bias: float = 0.0


@dataclass
class Dequantize(Quantize):
    TYPE: ClassVar[int] = 12


@dataclass
class Requantize(UnaryBody):
    TYPE: ClassVar[int] = 13
    count: int = 0
    table: bytes = _raw("256s", bytes(range(256)))


@dataclass
class L2Normalization(UnaryBody):
    TYPE: ClassVar[int] = 14
    channels: int = 0


@dataclass
class Softmax(L2Normalization):
    TYPE: ClassVar[int] = 15


@dataclass
class Logistic(L2Normalization):
    TYPE: ClassVar[int] = 25


@dataclass
class Concat(Body):
    TYPE: ClassVar[int] = 16
    flags: int = 0
    out: int = 0
    inputs: List[Tuple[int, int]] = field(default_factory=list)   # (start, size) in the main buffer

    def encode(self, offset: int, eight_bit: bool) -> bytes:
        return struct.pack("<3I", self.flags, self.out, len(self.inputs)) + b"".join(
            struct.pack("<2I", s, n) for s, n in self.inputs)

    @classmethod
    def decode(cls, data: bytes, offset: int, eight_bit: bool) -> "Body":
        _need(cls, data, 12)
        flags, out, n = struct.unpack_from("<3I", data)
        _need(cls, data, 12 + 8 * n)
        return cls(flags, out, [struct.unpack_from("<2I", data, 12 + 8 * i) for i in range(n)])


@dataclass
class QuantizedConcat(Concat):
    TYPE: ClassVar[int] = 17


@dataclass
class FullyConnected(UnaryBody):
    TYPE: ClassVar[int] = 18
    in_channels: int = 0
    out_channels: int = 0
    act: int = 0
    weights: bytes = b""   # f32 LE [out_channels][in_channels]
    bias: bytes = b""      # f32 LE [out_channels]

    def encode(self, offset: int, eight_bit: bool) -> bytes:
        if len(self.weights) != 4 * self.in_channels * self.out_channels or len(self.bias) != 4 * self.out_channels:
            raise ValueError(f"FullyConnected {self.in_channels}->{self.out_channels}: weights {len(self.weights)} B "
                             f"/ bias {len(self.bias)} B do not match")
        return struct.pack("<6I", self.flags, self.in_, self.out, self.in_channels, self.out_channels,
                           self.act) + self.weights + self.bias

    @classmethod
    def decode(cls, data: bytes, offset: int, eight_bit: bool) -> "Body":
        _need(cls, data, 24)
        head = struct.unpack_from("<6I", data)
        nw = 4 * head[3] * head[4]
        _need(cls, data, 24 + nw + 4 * head[4])
        return cls(*head, bytes(data[24:24 + nw]), bytes(data[24 + nw:24 + nw + 4 * head[4]]))


@dataclass
class TfFlatten(UnaryBody):
    TYPE: ClassVar[int] = 20
    width: int = 0
    height: int = 0
    channels: int = 0


@dataclass
class ResizeNearestNeighbor(UnaryBody):
    TYPE: ClassVar[int] = 22
    in_w: int = 0
    in_h: int = 0
    channels: int = 0
    out_w: int = 0
    out_h: int = 0
    align_corners: int = 0


@dataclass
class QuantizedResizeNearestNeighbor(ResizeNearestNeighbor):
    TYPE: ClassVar[int] = 23


@dataclass
class ChannelwiseDequantize(UnaryBody):
    TYPE: ClassVar[int] = 24
    channels: int = 0
    channel_size: int = 0
    params: List[Tuple[float, float]] = field(default_factory=list)   # (scale, bias) per channel

    def encode(self, offset: int, eight_bit: bool) -> bytes:
        if len(self.params) != self.channels:
            raise ValueError(f"ChannelwiseDequantize: {len(self.params)} params for {self.channels} channels")
        return struct.pack("<5I", self.flags, self.in_, self.out, self.channels, self.channel_size) + b"".join(
            struct.pack("<2f", s, b) for s, b in self.params)

    @classmethod
    def decode(cls, data: bytes, offset: int, eight_bit: bool) -> "Body":
        _need(cls, data, 20)
        head = struct.unpack_from("<5I", data)
        _need(cls, data, 20 + 8 * head[3])
        return cls(*head, [struct.unpack_from("<2f", data, 20 + 8 * i) for i in range(head[3])])


@dataclass
class K210AddPadding(UploadBody):
    TYPE: ClassVar[int] = 10241
    channels: int = 0


@dataclass
class K210RemovePadding(UnaryBody):
    TYPE: ClassVar[int] = 10242
    channels: int = 0


@dataclass
class K210Upload(UploadBody):
    TYPE: ClassVar[int] = 10243
    width: int = 0
    height: int = 0
    channels: int = 0


def _align(x: int, a: int) -> int:
    return (x + a - 1) // a * a


def conv_weight_bytes(args: KpuLayerArgs, eight_bit: bool) -> int:
    """Bytes of weights a K210_CONV layer with these arguments carries (spec 3.3)."""
    k2 = 9 if args.kernel_type == 1 else 1
    n = (args.o_ch_num + 1) * k2 * (1 if args.depth_wise_layer else args.i_ch_num + 1)
    return n if eight_bit else 2 * n


@dataclass
class K210Conv(Body):
    TYPE: ClassVar[int] = 10240
    flags: int = 0
    main_mem_out_address: int = 0
    args: KpuLayerArgs = field(default_factory=KpuLayerArgs)
    weights: bytes = b""          # u8 each (8-bit mode) or u16 LE (16-bit mode)
    bn: List[BnEntry] = field(default_factory=list)
    act: ActTable = field(default_factory=ActTable)

    def layout(self, offset: int) -> Tuple[int, int, int, int, int]:
        """(layer, weights, bn, act, end) absolute offsets for a body that starts at `offset`."""
        lay = _align(offset + 24, 8)
        w = _align(lay + 96, 128)
        bn = _align(w + len(self.weights), 128)
        act = _align(bn + 8 * len(self.bn), 256)
        return lay, w, bn, act, act + ActTable.SIZE

    def encode(self, offset: int, eight_bit: bool) -> bytes:
        need = conv_weight_bytes(self.args, eight_bit)
        if len(self.weights) != need:
            raise ValueError(f"K210Conv: {len(self.weights)} B of weights, the arguments need {need}")
        if len(self.bn) != self.args.o_ch_num + 1:
            raise ValueError(f"K210Conv: {len(self.bn)} BN entries for {self.args.o_ch_num + 1} output channels")
        lay, w, bn, act, end = self.layout(offset)
        out = bytearray(end - offset)
        struct.pack_into("<6I", out, 0, self.flags, self.main_mem_out_address, lay, w, bn, act)
        out[lay - offset:lay - offset + 96] = self.args.to_bytes()
        out[w - offset:w - offset + len(self.weights)] = self.weights
        out[bn - offset:bn - offset + 8 * len(self.bn)] = struct.pack(f"<{len(self.bn)}Q", *(b.pack() for b in self.bn))
        out[act - offset:end - offset] = self.act.to_bytes()
        return bytes(out)

    @classmethod
    def decode(cls, data: bytes, offset: int, eight_bit: bool) -> "Body":
        _need(cls, data, 24)
        flags, mmo, lay, w, bn, act = struct.unpack_from("<6I", data)
        end = offset + len(data)

        def block(name: str, at: int, n: int) -> bytes:
            if not (offset + 24 <= at and at + n <= end):
                raise ValueError(f"K210Conv {name} at file offset {at} (+{n} B) is outside the body "
                                 f"[{offset}, {end})")
            return bytes(data[at - offset:at - offset + n])

        args = KpuLayerArgs.from_bytes(block("layer argument", lay, 96))
        oc = args.o_ch_num + 1
        weights = block("weights", w, conv_weight_bytes(args, eight_bit))
        bnw = struct.unpack(f"<{oc}Q", block("BN table", bn, 8 * oc))
        table = ActTable.from_bytes(block("activation table", act, ActTable.SIZE))
        return cls(flags, mmo, args, weights, [BnEntry.unpack(x) for x in bnw], table)


BODY_TYPES: Dict[int, Type[Body]] = {c.TYPE: c for c in (
    Add, QuantizedAdd, GlobalAveragePool2D, QuantizedMaxPool2D, AveragePool2D, Quantize, Dequantize,
    Requantize, L2Normalization, Softmax, Concat, QuantizedConcat, FullyConnected, TfFlatten,
    ResizeNearestNeighbor, QuantizedResizeNearestNeighbor, ChannelwiseDequantize, Logistic,
    K210Conv, K210AddPadding, K210RemovePadding, K210Upload)}

LAYER_NAMES: Dict[int, str] = {
    0: "INVALID", 1: "ADD", 2: "QUANTIZED_ADD", 3: "GLOBAL_MAX_POOL2D", 4: "QUANTIZED_GLOBAL_MAX_POOL2D",
    5: "GLOBAL_AVERAGE_POOL2D", 6: "QUANTIZED_GLOBAL_AVERAGE_POOL2D", 7: "MAX_POOL2D",
    8: "QUANTIZED_MAX_POOL2D", 9: "AVERAGE_POOL2D", 10: "QUANTIZED_AVERAGE_POOL2D", 11: "QUANTIZE",
    12: "DEQUANTIZE", 13: "REQUANTIZE", 14: "L2_NORMALIZATION", 15: "SOFTMAX", 16: "CONCAT",
    17: "QUANTIZED_CONCAT", 18: "FULLY_CONNECTED", 19: "QUANTIZED_FULLY_CONNECTED",
    20: "TENSORFLOW_FLATTEN", 21: "QUANTIZED_TENSORFLOW_FLATTEN", 22: "RESIZE_NEAREST_NEIGHBOR",
    23: "QUANTIZED_RESIZE_NEAREST_NEIGHBOR", 24: "CHANNELWISE_DEQUANTIZE", 25: "LOGISTIC",
    10240: "K210_CONV", 10241: "K210_ADD_PADDING", 10242: "K210_REMOVE_PADDING", 10243: "K210_UPLOAD"}


@dataclass
class Output:
    address: int   # byte offset in the main buffer
    size: int      # bytes (element count x 4)


@dataclass
class Model:
    flags: int = 1                 # bit 0: 8-bit weights
    arch: int = 0
    max_start_address: int = 32768
    main_mem_usage: int = 0
    outputs: List[Output] = field(default_factory=list)
    layers: List[Body] = field(default_factory=list)
    name: str = "<model>"
    trailing: bytes = b""          # bytes after the last body (parse only; write ignores them)
    missing_tail: int = 0          # bytes of the last body's padding absent from the file (parse only)

    @property
    def eight_bit(self) -> bool:
        return bool(self.flags & 1)


def _layer_name(t: int) -> str:
    return LAYER_NAMES.get(t, f"unknown type {t}")


def parse(data: bytes, name: str = "<model>") -> Model:
    """Parse a kmodel v3 file; ValueError naming the file, offset and problem if malformed."""
    data = bytes(data)
    if len(data) < HEADER.size:
        raise ValueError(f"{name}: {len(data)} bytes is too short for a kmodel v3 header (28 B)")
    version, flags, arch, nlayers, max_start, main_mem, nout = HEADER.unpack_from(data)
    if data[:4] == b"LDMK":
        raise ValueError(f"{name}: offset 0: kmodel v{struct.unpack_from('<I', data, 4)[0]} (LDMK), not v3")
    if version == 0x03000000:
        raise ValueError(f"{name}: offset 0: byte-swapped kmodel v3 (model_le2be.py output); "
                         "use the original little-endian file")
    if version != VERSION:
        raise ValueError(f"{name}: offset 0: version {version}, expected 3")
    if arch != 0:
        raise ValueError(f"{name}: offset 8: arch {arch}, expected 0")
    if flags & ~1:
        raise ValueError(f"{name}: offset 4: flags {flags:#x} set bits other than bit 0")
    tables = HEADER.size + 8 * nout + 8 * nlayers
    if tables > len(data):
        raise ValueError(f"{name}: offset 12: {nout} outputs + {nlayers} layers need {tables} B of tables, "
                         f"file has {len(data)}")
    outputs = [Output(*struct.unpack_from("<2I", data, HEADER.size + 8 * i)) for i in range(nout)]
    heads = [struct.unpack_from("<2I", data, HEADER.size + 8 * nout + 8 * i) for i in range(nlayers)]
    end = tables + sum(s for _, s in heads)
    if len(data) < end - 7:
        raise ValueError(f"{name}: the layer table declares {end} B, file has {len(data)} "
                         f"({end - len(data)} B missing, at most 7 may be)")
    missing = max(0, end - len(data))
    padded = data + bytes(missing)
    layers: List[Body] = []
    off = tables
    for i, (t, size) in enumerate(heads):
        where = f"{name}: layer {i} ({_layer_name(t)}) at offset {off}"
        cls = BODY_TYPES.get(t)
        if cls is None:
            raise ValueError(f"{where}: layer type {t} has no runtime implementation")
        try:
            layers.append(cls.decode(padded[off:off + size], off, bool(flags & 1)))
        except (ValueError, struct.error) as e:
            raise ValueError(f"{where}, body_size {size}: {e}") from None
        off += size
    return Model(flags, arch, max_start, main_mem, outputs, layers, name, data[end:], missing)


def write(model: Model, pad_tail: bool = False) -> bytes:
    """Serialise a Model with the nncase 0.1 alignment rules (see module docstring)."""
    n = len(model.layers)
    off = HEADER.size + 8 * len(model.outputs) + 8 * n
    bodies: List[bytes] = []
    last_pad = 0
    for i, body in enumerate(model.layers):
        try:
            raw = body.encode(off, model.eight_bit)
        except (ValueError, struct.error) as e:
            raise ValueError(f"{model.name}: layer {i} ({_layer_name(body.TYPE)}): {e}") from None
        last_pad = _align(off + len(raw), 8) - off - len(raw)
        bodies.append(raw + bytes(last_pad))
        off += len(raw) + last_pad
    out = bytearray(HEADER.pack(VERSION, model.flags, model.arch, n, model.max_start_address,
                                model.main_mem_usage, len(model.outputs)))
    for o in model.outputs:
        out += struct.pack("<2I", o.address, o.size)
    for body, raw in zip(model.layers, bodies):
        out += struct.pack("<2I", body.TYPE, len(raw))
    out += b"".join(bodies)
    if not pad_tail:  # nncase 0.1 seeks over the last body's padding instead of writing it
        del out[len(out) - last_pad:]
    return bytes(out)
