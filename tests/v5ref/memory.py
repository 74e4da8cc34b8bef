"""Flat memory of the reference: named byte buffers at distinct fake machine addresses, and
strided tensor reads/writes (strides in elements, as the stackvm shape registers hold them)."""
from __future__ import annotations

from typing import Dict, List, Sequence, Tuple

import numpy as np

SPAN = 1 << 32          # each buffer owns [base, base + SPAN)


def default_strides(shape: Sequence[int]) -> Tuple[int, ...]:
    out, acc = [], 1
    for d in reversed(list(shape)):
        out.append(acc)
        acc *= int(d)
    return tuple(reversed(out))


class Memory:
    def __init__(self) -> None:
        self.bufs: List[Tuple[str, np.ndarray]] = []
        self.by_name: Dict[str, int] = {}

    def add(self, name: str, buf: np.ndarray) -> int:
        """Register a uint8 buffer (kept by reference); returns its base address."""
        if buf.dtype != np.uint8 or buf.ndim != 1:
            raise TypeError(f"{name}: buffers are 1-D uint8")
        self.bufs.append((name, buf))
        self.by_name[name] = len(self.bufs) - 1
        return len(self.bufs) * SPAN

    def base(self, name: str) -> int:
        return (self.by_name[name] + 1) * SPAN

    def buf(self, name: str) -> np.ndarray:
        return self.bufs[self.by_name[name]][1]

    def resolve(self, addr: int, nbytes: int) -> Tuple[np.ndarray, int, str]:
        k, off = divmod(int(addr), SPAN)
        if not 1 <= k <= len(self.bufs):
            raise ValueError(f"address {addr:#x} is in no buffer")
        name, buf = self.bufs[k - 1]
        if off + nbytes > buf.size:
            raise ValueError(f"access [{off}, {off + nbytes}) outside {name} ({buf.size} bytes)")
        return buf, off, name

    def _index(self, shape: Sequence[int], strides: Sequence[int]) -> np.ndarray:
        if len(shape) != len(strides):
            raise ValueError(f"shape {list(shape)} with strides {list(strides)}")
        idx = np.zeros([int(d) for d in shape], np.int64)
        for i, (d, s) in enumerate(zip(shape, strides)):
            if d > 1:
                sh = [1] * len(shape)
                sh[i] = int(d)
                idx = idx + (np.arange(int(d), dtype=np.int64) * int(s)).reshape(sh)
        return idx

    def read(self, addr: int, dtype, shape: Sequence[int], strides: Sequence[int]) -> np.ndarray:
        dt = np.dtype(dtype)
        idx = self._index(shape, strides)
        if idx.size == 0:
            return np.zeros([int(d) for d in shape], dt)
        if idx.min() < 0:
            raise ValueError("negative stride offsets are not modelled")
        n = int(idx.max()) + 1
        buf, off, _ = self.resolve(addr, n * dt.itemsize)
        flat = np.frombuffer(buf[off:off + n * dt.itemsize].tobytes(), dt)
        return flat[idx]

    def write(self, addr: int, values: np.ndarray, strides: Sequence[int]) -> None:
        dt = values.dtype
        idx = self._index(values.shape, strides)
        if idx.size == 0:
            return
        n = int(idx.max()) + 1
        buf, off, _ = self.resolve(addr, n * dt.itemsize)
        flat = np.frombuffer(buf[off:off + n * dt.itemsize].tobytes(), dt).copy()
        flat[idx] = values
        buf[off:off + n * dt.itemsize] = np.frombuffer(flat.tobytes(), np.uint8)

    def read_scalar(self, addr: int, dtype) -> np.generic:
        dt = np.dtype(dtype)
        buf, off, _ = self.resolve(addr, dt.itemsize)
        return np.frombuffer(buf[off:off + dt.itemsize].tobytes(), dt)[0]

    def write_scalar(self, addr: int, dtype, value) -> None:
        dt = np.dtype(dtype)
        buf, off, _ = self.resolve(addr, dt.itemsize)
        buf[off:off + dt.itemsize] = np.frombuffer(np.array([value]).astype(dt).tobytes(), np.uint8)
