"""AI SRAM feature-map row layout (kmodel-spec.md 3.4).

Pixel (c, y, x) of a map starting at line L lives at byte
L*64 + (c // groups) * chan_lines * 64 + y * row_len * 64 + (c % groups) * (64 // groups) + x,
with groups/row_len from the width (<=16: 4/1, <=32: 2/1, else 1/ceil(W/64)) and chan_lines =
row_len * H. The KPU takes groups/row_len/chan_lines from the layer arguments, so they can be given.
"""
from __future__ import annotations

from typing import Optional, Tuple

import numpy as np

AI_SRAM_BYTES = 2 * 1024 * 1024
LINE = 64


def geometry(w: int) -> Tuple[int, int]:
    """(groups = channels per line, row_len = lines per row) for a map of width w."""
    if w <= 16:
        return 4, 1
    if w <= 32:
        return 2, 1
    return 1, (w + LINE - 1) // LINE


def lines(c: int, h: int, w: int) -> int:
    """Lines a C x H x W map occupies."""
    groups, row_len = geometry(w)
    return row_len * h * -(-c // min(c, groups))


def addresses(line: int, c: int, h: int, w: int, groups: Optional[int] = None, row_len: Optional[int] = None,
              chan_lines: Optional[int] = None) -> np.ndarray:
    """Byte address in AI SRAM of every pixel, shape (c, h, w)."""
    g0, r0 = geometry(w)
    groups = g0 if groups is None else groups
    row_len = r0 if row_len is None else row_len
    chan_lines = row_len * h if chan_lines is None else chan_lines
    if groups not in (1, 2, 4) or row_len < 1 or w > row_len * LINE // groups:
        raise ValueError(f"row layout groups={groups} row_len={row_len} cannot hold width {w}")
    ci = np.arange(c, dtype=np.int64)
    base = line * LINE + (ci // groups) * chan_lines * LINE + (ci % groups) * (LINE // groups)
    addr = (base[:, None, None] + (np.arange(h, dtype=np.int64) * row_len * LINE)[None, :, None]
            + np.arange(w, dtype=np.int64)[None, None, :])
    if c and h and w and (addr.min() < 0 or addr.max() >= AI_SRAM_BYTES):
        raise ValueError(f"map {c}x{h}x{w} at line {line} runs outside the 2 MiB AI SRAM")
    return addr


def store(ai_sram: np.ndarray, line: int, chw: np.ndarray, **geo: int) -> None:
    """Write a planar (c, h, w) u8 map into AI SRAM at `line` in the row layout."""
    c, h, w = chw.shape
    ai_sram[addresses(line, c, h, w, **geo)] = chw


def load(ai_sram: np.ndarray, line: int, c: int, h: int, w: int, **geo: int) -> np.ndarray:
    """Read a (c, h, w) u8 map stored at `line` in the row layout (planar copy)."""
    return ai_sram[addresses(line, c, h, w, **geo)]
