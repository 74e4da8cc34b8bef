"""Run a whole kmodel v3 with the numpy reference: K210_CONV through kpu.run_layer, CPU layers
through cpu.py, on a zeroed main buffer (main_mem_usage bytes) and a zeroed 2 MiB AI SRAM."""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import List, Optional, Union

import numpy as np

from k210tools.kmodel import v3 as fmt

from . import cpu, kpu, layout

# synthetic main-memory addresses under which run_model exposes a conv layer's weights/BN/act
WEIGHTS_AT, BN_AT, ACT_AT = 0x1000_0000, 0x2000_0000, 0x3000_0000


@dataclass
class Result:
    layers: List[np.ndarray]     # per layer: u8 (planar CHW for maps) or float32, as kpu.forward returns it
    outputs: List[np.ndarray]    # model outputs (float32), from the output table
    main: np.ndarray             # final main buffer
    ai_sram: np.ndarray          # final AI SRAM


def conv_words(body: fmt.K210Conv) -> List[int]:
    """The 12 words the driver pushes: addresses patched, send_data_out for main-memory output."""
    args = replace(body.args, para_start_addr=WEIGHTS_AT, bwsx_base_addr=BN_AT, active_addr=ACT_AT,
                   send_data_out=int(bool(body.flags & fmt.KLF_MAIN_MEM_OUT)) or body.args.send_data_out)
    return args.pack()


def conv_reader(body: fmt.K210Conv):
    bn = b"".join(e.pack().to_bytes(8, "little") for e in body.bn)
    blobs = {WEIGHTS_AT: body.weights, BN_AT: bn, ACT_AT: body.act.to_bytes()}

    def read_main(addr: int, n: int) -> bytes:
        for base, blob in blobs.items():
            if base <= addr and addr + n <= base + len(blob):
                return blob[addr - base:addr - base + n]
        raise ValueError(f"KPU read of {n} B at {addr:#x} is outside the layer's weights/BN/act")
    return read_main


def run_conv(body: fmt.K210Conv, main: np.ndarray, ai: np.ndarray, rule: str, eight_bit: bool) -> np.ndarray:
    out = kpu.run_layer(conv_words(body), ai, conv_reader(body), rule=rule, eight_bit=eight_bit)
    a = body.args
    if out is None:
        return layout.load(ai, a.image_dst_addr, a.o_ch_num + 1, a.o_col_high + 1, a.o_row_wid + 1,
                           groups=a.wb_group, row_len=a.wb_row_switch_addr, chan_lines=a.wb_channel_switch_addr)
    if body.flags & fmt.KLF_MAIN_MEM_OUT:
        cpu.put_main(main, body.main_mem_out_address, out)
    return out


def load_input(m: fmt.Model, data: Union[bytes, np.ndarray], main: np.ndarray, ai: np.ndarray) -> None:
    first = m.layers[0] if m.layers else None
    raw = np.frombuffer(bytes(data), dtype=np.uint8) if not isinstance(data, np.ndarray) else data
    if isinstance(first, fmt.K210Conv):
        a = first.args
        shape = (a.i_ch_num + 1, a.i_col_high + 1, a.i_row_wid + 1)
        raw = raw.view(np.uint8).reshape(-1)
        if raw.size != np.prod(shape):
            raise ValueError(f"{m.name}: input must be {shape} u8 CHW = {np.prod(shape)} B, got {raw.size}")
        layout.store(ai, a.image_src_addr, raw.reshape(shape))
    elif isinstance(first, fmt.FullyConnected):
        x = np.asarray(raw).view(np.uint8).reshape(-1)
        if x.size != 4 * first.in_channels:
            raise ValueError(f"{m.name}: input must be {first.in_channels} f32 = {4 * first.in_channels} B")
        cpu.put_main(main, first.in_, x)
    else:
        raise ValueError(f"{m.name}: first layer must be K210_CONV or FULLY_CONNECTED")


def run_model(model_bytes: bytes, input: Union[bytes, np.ndarray], rule: str = "nncase02",
              n_layers: Optional[int] = None, name: str = "<model>") -> Result:
    """Execute a kmodel v3 (all layers, or the first n_layers); per-layer and final outputs."""
    m = fmt.parse(model_bytes, name)
    main = np.zeros(m.main_mem_usage, dtype=np.uint8)
    ai = np.zeros(layout.AI_SRAM_BYTES, dtype=np.uint8)
    load_input(m, input, main, ai)
    outs: List[np.ndarray] = []
    for i, body in enumerate(m.layers[:n_layers] if n_layers else m.layers):
        try:
            if isinstance(body, fmt.K210Conv):
                outs.append(run_conv(body, main, ai, rule, m.eight_bit))
            else:
                outs.append(cpu.CPU_LAYERS[type(body)](body, main, ai))
        except ValueError as e:
            raise ValueError(f"{name}: layer {i} ({fmt.LAYER_NAMES[body.TYPE]}): {e}") from None
    finals = [main[o.address:o.address + o.size].view("<f4").astype(np.float32) for o in m.outputs]
    return Result(outs, finals, main, ai)

