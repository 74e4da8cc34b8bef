"""Numpy references of the kmodel v4 neutral ops, written from docs/kmodel-formats.md ("v4 nodes") and nncase 0.2
(float32 semantics; sums accumulate in the order the spec gives, each step rounded to f32)."""
from __future__ import annotations

import numpy as np

f32 = np.float32


def clamp(v: np.ndarray, lo: float, hi: float) -> np.ndarray:
    return np.minimum(np.maximum(v, f32(lo)), f32(hi)).astype(np.float32)


def broadcast_index(out_shape, in_shape):
    """Flat input index per output element: an index past the operand's dim reads 0."""
    idx = np.indices(out_shape).reshape(4, -1)
    red = [np.where(idx[i] >= in_shape[i], 0, idx[i]) for i in range(4)]
    return np.ravel_multi_index(red, in_shape)


def binary(a, b, op, a_shape, b_shape, out_shape, lo, hi):
    if tuple(a_shape) == tuple(b_shape):
        x, y = a[:np.prod(a_shape)], b[:np.prod(a_shape)]
    else:
        x, y = a[broadcast_index(out_shape, a_shape)], b[broadcast_index(out_shape, b_shape)]
    with np.errstate(all="ignore"):
        r = [x + y, x - y, x * y, x / y, np.where(y < x, y, x), np.where(x < y, y, x)][op]
    return clamp(r, lo, hi)


def out_size(size, f, s, d, before, after):
    return (size + before + after - ((f - 1) * d + 1) + s) // s


def conv2d(x, w, bias, in_shape, groups, oc, pad_h, pad_w, fh, fw, sh, sw, dh, dw, lo, hi):
    n, ic, h, wd = in_shape
    x = x.reshape(in_shape)
    oh, ow = out_size(h, fh, sh, dh, *pad_h), out_size(wd, fw, sw, dw, *pad_w)
    g_ic, g_oc = ic // groups, oc // groups
    w = w.reshape(oc, g_ic, fh, fw)
    out = np.empty((n, oc, oh, ow), np.float32)
    oy, ox = np.mgrid[0:oh, 0:ow]
    for b in range(n):
        for o in range(oc):
            g = o // g_oc
            v = np.full((oh, ow), bias[o], np.float32)
            for i in range(g_ic):
                for ky in range(fh):
                    for kx in range(fw):
                        iy = oy * sh - pad_h[0] + dh * ky
                        ix = ox * sw - pad_w[0] + dw * kx
                        ok = (iy >= 0) & (iy < h) & (ix >= 0) & (ix < wd)
                        t = (x[b, g * g_ic + i][np.clip(iy, 0, h - 1), np.clip(ix, 0, wd - 1)] * w[o, i, ky, kx]).astype(np.float32)
                        v = np.where(ok, (v + t).astype(np.float32), v)
            out[b, o] = clamp(v, lo, hi)
    return out.ravel()


def dequantize(q, zp, scale):
    s = f32(1) / f32(scale)
    z = f32(-zp) * s
    return (q.astype(np.float32) * s + z).astype(np.float32)


def matmul(a, b, bias, rows, cols, bcols, lo, hi):
    a = a[:rows * cols].reshape(rows, cols)
    b = b[:cols * bcols].reshape(cols, bcols)
    v = np.tile(bias.astype(np.float32), (rows, 1))
    for i in range(cols):
        v = (v + (a[:, i:i + 1] * b[i:i + 1, :]).astype(np.float32)).astype(np.float32)
    return clamp(v, lo, hi).ravel()


def pad(x, in_shape, paddings, value):
    x = x.reshape(in_shape)
    out_shape = [in_shape[i] + paddings[i][0] + paddings[i][1] for i in range(4)]
    out = np.full(out_shape, value, x.dtype)
    src, dst = [], []
    for i in range(4):
        b = paddings[i][0]
        lo, hi = max(0, b), min(out_shape[i], in_shape[i] + b)
        dst.append(slice(lo, hi))
        src.append(slice(lo - b, hi - b))
    out[tuple(dst)] = x[tuple(src)]
    return out.ravel()


def quantize(x, zp, scale):
    t = (x.astype(np.float32) * f32(scale) + f32(zp)).astype(np.float32)
    r = np.rint(t)                                      # pairs: round half to even
    if len(x) % 2:
        last = t[-1]
        r[-1] = np.sign(last) * np.floor(np.abs(last) + f32(0.5))   # roundf: half away from zero
    r = np.where(np.isnan(r), 255, r)
    return np.clip(r, 0, 255).astype(np.uint8)


def reduce(x, op, in_shape, out_shape, init, in_elems, out_elems):
    x = x[:np.prod(in_shape)].reshape(in_shape)
    out = np.full(np.prod(out_shape), init, np.float32)
    idx = broadcast_index(in_shape, out_shape)          # out index of each input element, input order
    flat = x.ravel()
    for k in range(flat.size):                          # fold in input order (float order matters)
        o = idx[k]
        a = out[o]
        v = flat[k]
        out[o] = f32(a + v) if op in (0, 3) else (v if (v < a if op == 1 else a < v) else a)
    if op == 0:
        mul = f32(out_elems) / f32(in_elems)
        out = (out * mul).astype(np.float32)
    return out


def reduce_window2d(x, op, in_shape, pad_h, pad_w, fh, fw, sh, sw, dh, dw, init, lo, hi):
    n, c, h, w = in_shape
    x = x.reshape(in_shape)
    oh, ow = out_size(h, fh, sh, dh, *pad_h), out_size(w, fw, sw, dw, *pad_w)
    out = np.empty((n, c, oh, ow), np.float32)
    for oy in range(oh):
        for ox in range(ow):
            v = np.full((n, c), init, np.float32)
            k = 0
            for ky in range(fh):
                for kx in range(fw):
                    iy, ix = oy * sh - pad_h[0] + dh * ky, ox * sw - pad_w[0] + dw * kx
                    if 0 <= iy < h and 0 <= ix < w:
                        t = x[:, :, iy, ix]
                        v = (v + t).astype(np.float32) if op in (0, 3) else (np.where(t < v, t, v) if op == 1 else np.where(v < t, t, v))
                        k += 1
            if op == 0:
                with np.errstate(all="ignore"):
                    v = (v / f32(k)).astype(np.float32)
            out[:, :, oy, ox] = clamp(v, lo, hi)
    return out.ravel()


def resize_image(x, in_shape, oh, ow, mode, align):
    n, c, h, w = in_shape
    x = x.reshape(in_shape)
    hs, ws = f32(h) / f32(oh), f32(w) / f32(ow)
    if mode == 0 and align and oh > 1:
        hs = f32(h - 1) / f32(oh - 1)
    if mode == 0 and align and ow > 1:
        ws = f32(w - 1) / f32(ow - 1)
    fy = (np.arange(oh, dtype=np.float32) * hs).astype(np.float32)
    fx = (np.arange(ow, dtype=np.float32) * ws).astype(np.float32)
    y0 = np.minimum(np.floor(fy).astype(np.int64), h - 1)
    x0 = np.minimum(np.floor(fx).astype(np.int64), w - 1)
    if mode == 1:
        return x[:, :, y0][:, :, :, x0].ravel()
    y1, x1 = np.minimum(y0 + 1, h - 1), np.minimum(x0 + 1, w - 1)
    dy = (fy - y0.astype(np.float32)).astype(np.float32)[:, None]
    dx = (fx - x0.astype(np.float32)).astype(np.float32)[None, :]
    one = f32(1)
    a0, a1 = ((one - dy) * (one - dx)).astype(np.float32), (dy * (one - dx)).astype(np.float32)
    a2, a3 = ((one - dy) * dx).astype(np.float32), (dy * dx).astype(np.float32)
    xf = x.astype(np.float32)
    v0, v1 = xf[:, :, y0][:, :, :, x0], xf[:, :, y1][:, :, :, x0]
    v2, v3 = xf[:, :, y0][:, :, :, x1], xf[:, :, y1][:, :, :, x1]
    r = ((((v0 * a0).astype(np.float32) + (v1 * a1)).astype(np.float32) + (v2 * a2)).astype(np.float32) + (v3 * a3)).astype(np.float32)
    return (r.astype(np.int64).astype(np.uint8) if x.dtype == np.uint8 else r).ravel()


def softmax(x, inner, outer, beta):
    x = x[:inner * outer].reshape(outer, inner)
    m = x.max(axis=1, keepdims=True)
    e = np.exp(((x - m) * f32(beta)).astype(np.float32)).astype(np.float32)
    s = np.zeros((outer, 1), np.float32)
    for i in range(inner):
        s = (s + e[:, i:i + 1]).astype(np.float32)
    return (e / s).astype(np.float32).ravel()


def transpose(x, in_shape, perm):
    return np.transpose(x[:np.prod(in_shape)].reshape(in_shape), perm).ravel()


def strided_slice(x, in_shape, begin, end, strides):
    x = x[:np.prod(in_shape)].reshape(in_shape)
    sl = []
    for b, e, s in zip(begin, end, strides):
        sl.append(slice(b, e if e >= 0 or s > 0 else None, s) if not (s < 0 and e < 0) else slice(b, None, s))
    return x[tuple(sl)].ravel()


UNARY = [np.abs, np.ceil, np.cos, np.exp, np.floor, np.log, np.negative,
         lambda a: (f32(1) / np.sqrt(a)).astype(np.float32), np.sin, lambda a: (a * a).astype(np.float32)]


def unary(x, op):
    with np.errstate(all="ignore"):
        return UNARY[op](x.astype(np.float32)).astype(np.float32)


def mcs(v, mul, shift):
    t = np.asarray(v, np.int64) * np.int64(mul)
    if shift > 0:
        t = (t + (np.int64(1) << np.int64(shift - 1))) >> np.int64(shift)
    return t.astype(np.int64).astype(np.int32)          # truncated to i32 like the runtime


def quantized_conv2d(x, w, bias, in_shape, groups, oc, pad_h, pad_w, fh, fw, sh, sw, dh, dw, in_off, f_off, mul, shift, out_off):
    n, ic, h, wd = in_shape
    x = x.reshape(in_shape).astype(np.int64)
    oh, ow = out_size(h, fh, sh, dh, *pad_h), out_size(wd, fw, sw, dw, *pad_w)
    g_ic, g_oc = ic // groups, oc // groups
    w = w.reshape(oc, g_ic, fh, fw).astype(np.int64)
    out = np.empty((n, oc, oh, ow), np.uint8)
    oy, ox = np.mgrid[0:oh, 0:ow]
    for b in range(n):
        for o in range(oc):
            g = o // g_oc
            acc = np.full((oh, ow), bias[o], np.int64)
            for i in range(g_ic):
                for ky in range(fh):
                    for kx in range(fw):
                        iy, ix = oy * sh - pad_h[0] + dh * ky, ox * sw - pad_w[0] + dw * kx
                        ok = (iy >= 0) & (iy < h) & (ix >= 0) & (ix < wd)
                        xv = x[b, g * g_ic + i][np.clip(iy, 0, h - 1), np.clip(ix, 0, wd - 1)]
                        acc = acc + np.where(ok, (xv + in_off) * (w[o, i, ky, kx] + f_off), 0)
            acc = acc.astype(np.int32)                  # i32 accumulator (wraps)
            out[b, o] = np.clip(mcs(acc, mul, shift).astype(np.int64) + out_off, 0, 255)
    return out.ravel()


def quantized_matmul(a, b, bias, rows, cols, bcols, a_off, b_off, mul, shift, out_off):
    a = a[:rows * cols].reshape(rows, cols).astype(np.int64) + a_off
    b = b[:cols * bcols].reshape(cols, bcols).astype(np.int64) + b_off
    acc = (a @ b + bias[None, :]).astype(np.int32)
    return np.clip(mcs(acc, mul, shift).astype(np.int64) + out_off, 0, 255).astype(np.uint8).ravel()


def quantized_binary(a, b, op, a_shape, b_shape, out_shape, a_off, a_mul, a_sh, b_off, b_mul, b_sh, o_off, o_mul, o_sh):
    if tuple(a_shape) == tuple(b_shape):
        x, y = a[:np.prod(a_shape)], b[:np.prod(a_shape)]
    else:
        x, y = a[broadcast_index(out_shape, a_shape)], b[broadcast_index(out_shape, b_shape)]
    va = mcs(x.astype(np.int64) + a_off, a_mul, a_sh).astype(np.int64)
    vb = mcs(y.astype(np.int64) + b_off, b_mul, b_sh).astype(np.int64)
    if op == 3:
        half = np.trunc(vb / 2).astype(np.int64)
        num = va + half
        safe = np.where(vb == 0, 1, vb)
        v = np.where(vb == 0, -1, np.trunc(num / safe).astype(np.int64))   # C division truncates; x/0 = -1 (RISC-V)
    else:
        v = [va + vb, va - vb, va * vb, None, np.minimum(va, vb), np.maximum(va, vb)][op]
    v = v.astype(np.int32)
    return np.clip(mcs(v, o_mul, o_sh).astype(np.int64) + o_off, 0, 255).astype(np.uint8)


def conv2d_transpose(x, w, in_shape, out_shape, groups, pad_h, pad_w, fh, fw, sh, sw, dh, dw, lo, hi):
    n, ic, h, wd = in_shape
    oc, oh, ow = out_shape[1:]
    x = x.reshape(in_shape)
    g_ic, g_oc = ic // groups, oc // groups
    w = w.reshape(oc, g_ic, fh, fw)
    out = np.zeros(out_shape, np.float32)
    for b in range(n):
        for g in range(groups):
            for i in range(g_ic):
                for iy in range(h):
                    for ix in range(wd):
                        v = x[b, g * g_ic + i, iy, ix]
                        for o in range(g_oc):
                            for ky in range(fh):
                                for kx in range(fw):
                                    y_, x_ = iy * sh - pad_h[0] + dh * ky, ix * sw - pad_w[0] + dw * kx
                                    if 0 <= y_ < oh and 0 <= x_ < ow:
                                        out[b, g * g_oc + o, y_, x_] = f32(out[b, g * g_oc + o, y_, x_] + f32(v * w[g * g_oc + o, i, ky, kx]))
    if not (lo == -np.finfo(np.float32).max and hi == np.finfo(np.float32).max):
        out = clamp(out, lo, hi)
    return out.ravel()


def nnil(x, code: bytes):
    """Run the nnil stack program per element (opcode 0x14)."""
    out = np.zeros_like(x, dtype=np.float32)
    un = {0x20: np.abs, 0x21: np.ceil, 0x22: np.cos, 0x23: np.exp, 0x24: np.floor, 0x25: np.log, 0x26: np.negative,
          0x27: lambda a: f32(1) / np.sqrt(a), 0x28: np.sin, 0x29: lambda a: a * a}
    bi = {0x40: lambda a, b: a + b, 0x41: lambda a, b: a - b, 0x42: lambda a, b: a * b, 0x43: lambda a, b: a / b,
          0x44: lambda a, b: b if b < a else a, 0x45: lambda a, b: b if a < b else a}
    for i, xv in enumerate(x.astype(np.float32)):
        st: list = []
        pc = 0
        while pc < len(code):
            op = code[pc]
            pc += 1
            if op == 0x01:
                st.append(st[-1])
            elif op == 0x02:
                st.pop()
            elif op == 0x03:
                st.append(xv)
            elif op == 0x04:
                st.append(f32(0))
            elif op == 0x05:
                st.append(f32(1))
            elif op == 0x06:
                st.append(np.frombuffer(code[pc:pc + 4], np.float32)[0])
                pc += 4
            elif op in un:
                with np.errstate(all="ignore"):
                    st.append(f32(un[op](st.pop())))
            elif op in bi:
                b_, a_ = st.pop(), st.pop()
                with np.errstate(all="ignore"):
                    st.append(f32(bi[op](a_, b_)))
            elif op == 0x80:
                hi_, lo_, v_ = st.pop(), st.pop(), st.pop()
                st.append(lo_ if v_ < lo_ else (hi_ if hi_ < v_ else v_))
            elif op == 0xA0:
                out[i] = st.pop()
                break
    return out
