"""The stackvm tensor ops of kmodel v5 as plain numpy functions on dense arrays, written from
kmodel-v5-spec.md section 5 (nncase 1.x reference semantics). Every float op computes in f32,
one rounding per operation in the order the spec gives, unless noted (CONV2D / MATMUL sums are
exact in float64 then rounded once: the board's summation order differs anyway, compare those
with a tolerance; REDUCE folds in input order as the spec defines, so it compares exactly).
Independent of the C kernels they check."""
from __future__ import annotations

from typing import Optional, Sequence, Tuple

import numpy as np

F32 = np.float32
INT_RANGE = {np.dtype(np.uint8): (0, 255), np.dtype(np.int8): (-128, 127), np.dtype(np.int16): (-32768, 32767),
             np.dtype(np.uint16): (0, 65535), np.dtype(np.int32): (-2 ** 31, 2 ** 31 - 1)}
UNARY = {
    "abs": np.abs, "acos": np.arccos, "asin": np.arcsin, "ceil": np.ceil, "cos": np.cos, "exp": np.exp,
    "floor": np.floor, "log": np.log, "neg": np.negative, "round": np.rint,
    "rsqrt": lambda v: F32(1) / np.sqrt(v), "sign": np.sign, "sin": np.sin, "sqrt": np.sqrt,
    "square": lambda v: v * v, "tanh": np.tanh, "logical_not": lambda v: (v == 0).astype(F32),
}


def clamp(x: np.ndarray, low: float, high: float) -> np.ndarray:
    """The fused clamp of BINARY / CONV2D / MATMUL / REDUCE_WINDOW2D (±inf = none): min(max(x, low), high)."""
    return np.minimum(np.maximum(x, F32(low)), F32(high)).astype(x.dtype)


def dequantize(x: np.ndarray, scale: float, bias: float) -> np.ndarray:
    """y = f32(x) * scale + bias, separate f32 multiply and add."""
    return (x.astype(F32) * F32(scale)) + F32(bias)


def quantize(x: np.ndarray, scale: float, bias: float, out: np.dtype, tail_roundf: bool = False) -> np.ndarray:
    """q = round(x * scale + bias) clamped to the output type; half to even, except (tail_roundf, the
    K210 build on a contiguous odd-length tensor) the last element rounds half away from zero."""
    t = (x.astype(F32) * F32(scale)) + F32(bias)
    q = np.rint(t)
    if tail_roundf and t.size % 2 == 1:
        flat = q.reshape(-1)
        last = t.reshape(-1)[-1]
        flat[-1] = np.sign(last) * np.floor(np.abs(last) + F32(0.5))
        q = flat.reshape(t.shape)
    lo, hi = INT_RANGE[np.dtype(out)]
    return np.clip(q, lo, hi).astype(out)


def convert(x: np.ndarray, out: np.dtype) -> np.ndarray:
    """C static_cast: float -> int truncates toward zero."""
    if np.issubdtype(x.dtype, np.floating) and np.issubdtype(np.dtype(out), np.integer):
        return np.trunc(x).astype(out)
    return x.astype(out)


def copy(x: np.ndarray) -> np.ndarray:
    return x.copy()


def _signed(v: int) -> int:
    v = int(v) & 0xFFFFFFFFFFFFFFFF
    if v >= 1 << 63:
        return v - (1 << 64)
    if v >= 1 << 31 and v < 1 << 32:      # a 32-bit register value
        return v - (1 << 32)
    return v


def slice_(x: np.ndarray, begins: Sequence[int], ends: Sequence[int], steps: Sequence[int]) -> np.ndarray:
    """numpy x[b:e:s] per dim; register values >= 2**31 are negative (steps, and ends of negative steps)."""
    idx = []
    for d, (b, e, s) in enumerate(zip(begins, ends, steps)):
        b, e, s = _signed(b), _signed(e), _signed(s)
        if s == 0:
            raise ValueError(f"slice step 0 on dim {d}")
        if s > 0:
            idx.append(np.arange(b, min(e, x.shape[d]), s))
        else:
            idx.append(np.arange(min(b, x.shape[d] - 1), e, s))
    return x[np.ix_(*idx)] if idx else x.copy()


def _bshape(a: Tuple[int, ...], b: Tuple[int, ...]) -> Tuple[int, ...]:
    n = max(len(a), len(b))
    a, b = (1,) * (n - len(a)) + tuple(a), (1,) * (n - len(b)) + tuple(b)
    out = []
    for i, (p, q) in enumerate(zip(a, b)):
        if p != q and 1 not in (p, q):
            raise ValueError(f"binary: shapes {a} and {b} do not broadcast (dim {i})")
        out.append(max(p, q))
    return tuple(out)


BINARY = ("add", "sub", "mul", "div", "min", "max", "pow")


def binary(op: str, a: np.ndarray, b: np.ndarray, low: float = -np.inf, high: float = np.inf,
           out_shape: Optional[Tuple[int, ...]] = None) -> np.ndarray:
    """f32 elementwise op with right-aligned broadcasting, then the clamp."""
    shape = _bshape(a.shape, b.shape) if out_shape is None else tuple(out_shape)
    a = np.broadcast_to(a.reshape((1,) * (len(shape) - a.ndim) + a.shape), shape).astype(F32)
    b = np.broadcast_to(b.reshape((1,) * (len(shape) - b.ndim) + b.shape), shape).astype(F32)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        r = {"add": np.add, "sub": np.subtract, "mul": np.multiply, "div": np.divide, "min": np.minimum,
             "max": np.maximum, "pow": np.power}[op](a, b)
    return clamp(r.astype(F32), low, high)


def reduce(op: str, x: np.ndarray, axes: Sequence[int], init: float, keep_dims: bool) -> np.ndarray:
    """Every output starts at `init` and folds its inputs one by one in input (row-major) order,
    each step rounded to f32 (spec 5.1 and its common float rule); mean then divides by the fold
    count (input count / output count). "prod" (REDUCE_PROD) multiplies."""
    axes = tuple(sorted(int(a) for a in axes))
    if op not in ("mean", "sum", "min", "max", "prod"):
        raise ValueError(f"reduce op {op!r}")
    kept = [i for i in range(x.ndim) if i not in axes]
    # kept axes first, the reduced ones last in their order: the last axis walks one output's
    # inputs in the order the input visits them
    xs = x.astype(F32).transpose(kept + list(axes)).reshape([x.shape[i] for i in kept] + [-1])
    acc = np.full(xs.shape[:-1], F32(init), F32)
    for k in range(xs.shape[-1]):
        v = xs[..., k]
        if op in ("mean", "sum"):
            acc = (acc + v).astype(F32)
        elif op == "prod":
            acc = (acc * v).astype(F32)
        elif op == "min":
            acc = np.where(v < acc, v, acc).astype(F32)       # std::min(acc, v)
        else:
            acc = np.where(acc < v, v, acc).astype(F32)       # std::max(acc, v)
    if op == "mean":
        acc = (acc / F32(xs.shape[-1])).astype(F32)
    r = acc.reshape([1 if i in axes else x.shape[i] for i in range(x.ndim)])
    return r if keep_dims else r.reshape([x.shape[i] for i in kept])


def out_size(n: int, before: int, after: int, k: int, stride: int, dilation: int) -> int:
    return (n + before + after - ((k - 1) * dilation + 1) + stride) // stride


def reduce_window2d(op: str, x: np.ndarray, init: float, fh: int, fw: int, sh: int, sw: int,
                    pad_h: Tuple[int, int], pad_w: Tuple[int, int], dh: int = 1, dw: int = 1,
                    low: float = -np.inf, high: float = np.inf) -> np.ndarray:
    """NCHW f32 pooling: taps outside the input are skipped; mean divides by the in-range taps."""
    n, c, h, w = x.shape
    oh = out_size(h, pad_h[0], pad_h[1], fh, sh, dh)
    ow = out_size(w, pad_w[0], pad_w[1], fw, sw, dw)
    acc = np.full((n, c, oh, ow), F32(init), F32)
    cnt = np.zeros((oh, ow), np.int64)
    x = x.astype(F32)
    for ky in range(fh):
        iy = np.arange(oh) * sh - pad_h[0] + ky * dh
        for kx in range(fw):
            ix = np.arange(ow) * sw - pad_w[0] + kx * dw
            ok = (iy[:, None] >= 0) & (iy[:, None] < h) & (ix[None, :] >= 0) & (ix[None, :] < w)
            v = x[:, :, np.clip(iy, 0, h - 1)][:, :, :, np.clip(ix, 0, w - 1)]
            if op in ("mean", "sum"):
                r = acc + v
            elif op == "min":
                r = np.minimum(acc, v)
            elif op == "max":
                r = np.maximum(acc, v)
            else:
                raise ValueError(f"reduce_window2d op {op!r}")
            acc = np.where(ok, r, acc).astype(F32)
            cnt += ok
    if op == "mean":
        acc = (acc / np.maximum(cnt, 1).astype(F32)).astype(F32)
    return clamp(acc, low, high)


def resize_image(x: np.ndarray, out_h: int, out_w: int, mode: str, align_corners: bool = False,
                 half_pixel: bool = False) -> np.ndarray:
    """NCHW resize, nearest or bilinear, coordinates computed in f32 (spec 5.1)."""
    n, c, h, w = x.shape

    def scale(i: int, o: int) -> np.float32:
        if align_corners and o > 1:
            return F32(i - 1) / F32(o - 1)
        return F32(i) / F32(o)

    sy, sx = scale(h, out_h), scale(w, out_w)
    if mode == "nearest":
        def near(o: int, s: np.float32, n_in: int) -> np.ndarray:
            v = (np.arange(o, dtype=F32) + (F32(0.5) if half_pixel else F32(0))) * s
            i = (np.sign(v) * np.floor(np.abs(v) + F32(0.5))) if align_corners else np.floor(v)
            i = np.minimum(i.astype(np.int64), n_in - 1)
            return np.maximum(i, 0) if half_pixel else i
        return x[:, :, near(out_h, sy, h)][:, :, :, near(out_w, sx, w)].copy()
    if mode != "bilinear":
        raise ValueError(f"resize mode {mode!r}")

    def coords(o: int, s: np.float32, n_in: int):
        v = (np.arange(o, dtype=F32) + F32(0.5)) * s - F32(0.5) if half_pixel else np.arange(o, dtype=F32) * s
        i0 = np.maximum(np.floor(v), 0).astype(np.int64)
        i1 = np.minimum(np.ceil(v), n_in - 1).astype(np.int64)
        return i0, i1, (v - i0.astype(F32)).astype(F32)

    y0, y1, fy = coords(out_h, sy, h)
    x0, x1, fx = coords(out_w, sx, w)
    xf = x.astype(F32)
    fy, fx = fy[:, None], fx[None, :]
    one = F32(1)
    # weights first, then v0*a0 + v1*a1 + v2*a2 + v3*a3 left to right, each step in f32
    a0, a1 = ((one - fy) * (one - fx)).astype(F32), (fy * (one - fx)).astype(F32)
    a2, a3 = ((one - fy) * fx).astype(F32), (fy * fx).astype(F32)

    def px(yi, xi):
        return xf[:, :, yi][:, :, :, xi]
    r = px(y0, x0) * a0
    r = (r + px(y1, x0) * a1).astype(F32)
    r = (r + px(y0, x1) * a2).astype(F32)
    r = (r + px(y1, x1) * a3).astype(F32)
    if np.issubdtype(x.dtype, np.integer):
        return np.trunc(r + F32(0.5)).astype(x.dtype)
    return r


def transpose(x: np.ndarray, perm: Sequence[int]) -> np.ndarray:
    return np.ascontiguousarray(x.transpose([int(p) for p in perm]))


def conv2d(x: np.ndarray, w: np.ndarray, bias: np.ndarray, groups: int, sh: int, sw: int,
           pad_h: Tuple[int, int], pad_w: Tuple[int, int], dh: int = 1, dw: int = 1,
           low: float = -np.inf, high: float = np.inf) -> np.ndarray:
    """NCHW f32 grouped conv, kernel [OC, IC/groups, KH, KW], outside taps are zero."""
    n, c, h, wd = x.shape
    oc, icg, kh, kw = w.shape
    if c != icg * groups or oc % groups:
        raise ValueError(f"conv2d: {c} input channels, kernel {w.shape}, groups {groups}")
    oh = out_size(h, pad_h[0], pad_h[1], kh, sh, dh)
    ow = out_size(wd, pad_w[0], pad_w[1], kw, sw, dw)
    xp = np.zeros((n, c, h + pad_h[0] + pad_h[1] + kh * dh, wd + pad_w[0] + pad_w[1] + kw * dw))
    xp[:, :, pad_h[0]:pad_h[0] + h, pad_w[0]:pad_w[0] + wd] = x
    ocg = oc // groups
    out = np.zeros((n, oc, oh, ow))
    for g in range(groups):
        xs = xp[:, g * icg:(g + 1) * icg]
        for ky in range(kh):
            for kx in range(kw):
                tap = xs[:, :, ky * dh:ky * dh + oh * sh:sh, kx * dw:kx * dw + ow * sw:sw][:, :, :oh, :ow]
                out[:, g * ocg:(g + 1) * ocg] += np.einsum("nchw,oc->nohw", tap, w[g * ocg:(g + 1) * ocg, :, ky, kx])
    out += bias.reshape(1, oc, 1, 1)
    return clamp(out.astype(F32), low, high)


def matmul(a: np.ndarray, b: np.ndarray, bias: np.ndarray, low: float = -np.inf, high: float = np.inf) -> np.ndarray:
    """a [.., M, K] @ b [.., K, N] + bias[N] (batch dims broadcast), then clamp."""
    r = np.matmul(a.astype(np.float64), b.astype(np.float64)) + bias.astype(np.float64)
    return clamp(r.astype(F32), low, high)


PAD_MODES = ("constant", "reflect", "symmetric", "edge")


def pad(x: np.ndarray, paddings: Sequence[Tuple[int, int]], mode: str, value=0) -> np.ndarray:
    """numpy.pad per mode; a negative before/after crops."""
    if mode not in PAD_MODES:
        raise ValueError(f"pad mode {mode!r}")
    crop = tuple(slice(max(-b, 0), x.shape[i] - max(-a, 0)) for i, (b, a) in enumerate(paddings))
    x = x[crop]
    widths = [(max(b, 0), max(a, 0)) for b, a in paddings]
    if mode == "constant":
        return np.pad(x, widths, mode="constant", constant_values=np.array(value).astype(x.dtype))
    return np.pad(x, widths, mode=mode)


def concat(xs: Sequence[np.ndarray], axis: int) -> np.ndarray:
    """CONCAT has no stackvm tensor op in nncase 1.x (the compiler lowers it to COPY into slices of
    the output); this is the semantics those copies must give."""
    return np.concatenate(xs, axis=axis)


def softmax(x: np.ndarray, axis: int, beta: float = 1.0) -> np.ndarray:
    """exp((x - max) * beta) / sum, each step in f32."""
    x = x.astype(F32)
    m = x.max(axis=axis, keepdims=True)
    e = np.exp(((x - m) * F32(beta)).astype(F32)).astype(F32)
    s = np.zeros(m.shape, F32)
    for i in range(x.shape[axis]):       # sum in index order, f32 (as the reference kernel)
        s = (s + np.take(e, [i], axis=axis)).astype(F32)
    return (e / s).astype(F32)


def gather(x: np.ndarray, indices: np.ndarray, axis: int) -> np.ndarray:
    """out = in[..., indices, ...] along axis (indices i32, shape inserted in place of that axis)."""
    if indices.size and (indices.min() < 0 or indices.max() >= x.shape[axis]):
        raise ValueError(f"gather index outside [0, {x.shape[axis]})")
    return np.take(x, indices.astype(np.int64), axis=axis)


def unary(op: str, x: np.ndarray) -> np.ndarray:
    if op not in UNARY:
        raise ValueError(f"unary op {op!r} is not modelled")
    with np.errstate(divide="ignore", invalid="ignore"):
        return UNARY[op](x.astype(F32)).astype(F32)
