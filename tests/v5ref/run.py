"""Run a whole kmodel v5 file with the reference: run_model(data, inputs) -> the entry function's
outputs as numpy arrays of their declared shapes and datatypes.

    python -m v5ref.run MODEL.kmodel INPUT.bin [OUT.bin]     (from tests/)
"""
from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence

import numpy as np

from k210tools.kmodel import v5, v5ops

from .k210 import K210Module
from .memory import Memory
from .stackvm import StackVM


@dataclass
class Run:
    outputs: List[np.ndarray]
    tensor_ops: List[str] = field(default_factory=list)
    calls: int = 0
    kpu_convs: int = 0
    max_stack: int = 0
    seconds: float = 0.0


def _as_bytes(x, t: v5.Tensor) -> np.ndarray:
    b = np.frombuffer(bytes(x) if not isinstance(x, np.ndarray) else x.tobytes(), np.uint8)
    if b.size != t.nbytes:
        raise ValueError(f"input of {b.size} bytes, the model wants {t.nbytes} ({v5ops.dtype_name(t.range.dtype)} "
                         f"{list(t.shape)})")
    return b.copy()


def run_model(data: bytes, inputs: Sequence, model: Optional[v5.Model] = None, tail_roundf: bool = False) -> Run:
    t0 = time.perf_counter()
    model = model or v5.parse(data)
    entry = model.entry
    if len(inputs) != len(entry.inputs):
        raise ValueError(f"{len(inputs)} inputs given, the model has {len(entry.inputs)}")
    mem = Memory()
    ai = np.zeros(2 * 1024 * 1024, np.uint8)
    in_addr: Dict[int, int] = {}
    out_addr: Dict[int, int] = {}
    for i, (t, x) in enumerate(zip(entry.inputs, inputs)):
        in_addr[t.range.start] = mem.add(f"input{i}", _as_bytes(x, t))
    for i, t in enumerate(entry.outputs):
        out_addr[t.range.start] = mem.add(f"output{i}", np.zeros(t.nbytes, np.uint8))
    k210s: Dict[int, K210Module] = {}
    vms: Dict[int, StackVM] = {}
    stats = Run([])

    def call(module: int, function: int, ins, outs) -> None:
        mod = model.modules[module]
        if mod.type != "k210":
            raise ValueError(f"TENSOR.CALL into a {mod.type} module is not modelled")
        k = k210s.setdefault(module, K210Module(model, module, ai))
        fn = mod.functions[function]
        bound_in = []
        for (addr, dt, shape, strides), t in zip(ins, fn.inputs):
            x = mem.read(addr, np.dtype(v5ops.DTYPES[dt][1]), shape, strides)
            if x.nbytes != t.nbytes:
                raise ValueError(f"CALL k210 fn {function}: input of {x.nbytes} B for a {t.nbytes}-B tensor")
            bound_in.append(np.frombuffer(x.tobytes(), np.uint8).copy())
        bound_out = [np.zeros(t.nbytes, np.uint8) for t in fn.outputs]
        k.run(function, bound_in, bound_out)
        for (addr, dt, shape, strides), b in zip(outs, bound_out):
            mem.write(addr, np.frombuffer(b.tobytes(), np.dtype(v5ops.DTYPES[dt][1])).reshape(shape), strides)
        stats.calls += 1

    for m in model.modules:
        if m.type == "stackvm":
            vms[m.index] = StackVM(model, m.index, mem, call, tail_roundf)
    vm = vms[model.entry_module]
    vm.run(model.entry_function, in_addr, out_addr)
    for i, t in enumerate(entry.outputs):
        raw = mem.buf(f"output{i}")
        stats.outputs.append(np.frombuffer(raw.tobytes(), np.dtype(v5ops.DTYPES[t.range.dtype][1])).reshape(t.shape))
    stats.tensor_ops = [op for _, op in vm.trace]
    stats.kpu_convs = sum(k.convs for k in k210s.values())
    stats.max_stack = vm.max_depth
    stats.seconds = time.perf_counter() - t0
    return stats


def main(argv: Sequence[str]) -> int:
    if len(argv) < 2:
        print(__doc__.strip().splitlines()[-1].strip(), file=sys.stderr)
        return 2
    data = open(argv[0], "rb").read()
    r = run_model(data, [open(argv[1], "rb").read()])
    print(f"{len(r.tensor_ops)} tensor ops, {r.calls} k210 calls, {r.kpu_convs} KPU convs, {r.seconds:.2f} s")
    for i, o in enumerate(r.outputs):
        print(f"output {i}: {o.dtype} {list(o.shape)} min {o.min()} max {o.max()}")
    if len(argv) > 2:
        open(argv[2], "wb").write(b"".join(o.tobytes() for o in r.outputs))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
