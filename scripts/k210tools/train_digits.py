"""Train the demo's digit CNN with numpy (manual backprop, fixed seed) on scikit-learn's bundled
8x8 digits. The net is shaped for the KPU: 16x16x1 u8 input (8x8 upscaled 2x, nearest), two
3x3 conv + ReLU + 2x2 max-pool layers (KPU), then a 256 -> 10 fully connected layer (CPU).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, Tuple

import numpy as np

SEED = 0
N_BOARD = 20          # held-out images pushed to the board as PGM files


@dataclass
class Digits:
    """u8 8x8 images (0..255) and labels, split into train / held-out test."""
    train_x: np.ndarray
    train_y: np.ndarray
    test_x: np.ndarray
    test_y: np.ndarray


def load_digits_u8() -> Digits:
    from sklearn.datasets import load_digits  # bundled with scikit-learn: no download

    d = load_digits()
    imgs = np.round(d.images * 255.0 / 16.0).astype(np.uint8)   # 0..16 -> 0..255
    rng = np.random.default_rng(SEED)
    order = rng.permutation(len(imgs))
    n_test = 360
    te, tr = order[:n_test], order[n_test:]
    return Digits(imgs[tr], d.target[tr], imgs[te], d.target[te])


def upscale(u8: np.ndarray) -> np.ndarray:
    """(N, 8, 8) u8 -> (N, 1, 16, 16) floats q/255 (pixel duplication = nearest resize)."""
    up = u8.repeat(2, axis=1).repeat(2, axis=2)
    return (up.astype(np.float32) / 255.0)[:, None]


# --- layers -------------------------------------------------------------------------------
def im2col(x: np.ndarray) -> np.ndarray:
    """(N, C, H, W) -> (N, H, W, C*9) patches of a 3x3 'same' conv with zero padding."""
    n, c, h, w = x.shape
    p = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
    cols = np.empty((n, h, w, c, 3, 3), dtype=x.dtype)
    for ky in range(3):
        for kx in range(3):
            cols[..., ky, kx] = p[:, :, ky:ky + h, kx:kx + w].transpose(0, 2, 3, 1)
    return cols.reshape(n, h, w, c * 9)


def col2im(dcols: np.ndarray, c: int) -> np.ndarray:
    n, h, w, _ = dcols.shape
    d = dcols.reshape(n, h, w, c, 3, 3)
    dp = np.zeros((n, c, h + 2, w + 2), dtype=dcols.dtype)
    for ky in range(3):
        for kx in range(3):
            dp[:, :, ky:ky + h, kx:kx + w] += d[..., ky, kx].transpose(0, 3, 1, 2)
    return dp[:, :, 1:-1, 1:-1]


def conv_fwd(x: np.ndarray, w: np.ndarray, b: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    cols = im2col(x)
    y = cols @ w.reshape(w.shape[0], -1).T + b
    return y.transpose(0, 3, 1, 2), cols


def pool_fwd(x: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    n, c, h, w = x.shape
    r = x.reshape(n, c, h // 2, 2, w // 2, 2)
    y = r.max(axis=(3, 5))
    mask = r == y[:, :, :, None, :, None]
    return y, mask


def pool_bwd(dy: np.ndarray, mask: np.ndarray) -> np.ndarray:
    n, c, h2, _, w2, _ = mask.shape
    m = mask / np.maximum(mask.sum(axis=(3, 5), keepdims=True), 1)
    return (m * dy[:, :, :, None, :, None]).reshape(n, c, h2 * 2, w2 * 2)


Params = Dict[str, np.ndarray]


def init_params(rng: np.random.Generator) -> Params:
    def he(*shape: int) -> np.ndarray:
        fan_in = int(np.prod(shape[1:]))
        return (rng.standard_normal(shape) * np.sqrt(2.0 / fan_in)).astype(np.float32)

    return {"w1": he(8, 1, 3, 3), "b1": np.zeros(8, np.float32),
            "w2": he(16, 8, 3, 3), "b2": np.zeros(16, np.float32),
            "w3": he(10, 256), "b3": np.zeros(10, np.float32)}


def forward(p: Params, x: np.ndarray, keep: bool = False):
    """Returns logits (and the activations needed for backprop / calibration when keep)."""
    z1, c1 = conv_fwd(x, p["w1"], p["b1"])
    a1 = np.maximum(z1, 0)
    h1, m1 = pool_fwd(a1)
    z2, c2 = conv_fwd(h1, p["w2"], p["b2"])
    a2 = np.maximum(z2, 0)
    h2, m2 = pool_fwd(a2)
    f = h2.reshape(len(x), -1)                      # CHW order, as DEQUANTIZE hands it to FC
    logits = f @ p["w3"].T + p["b3"]
    if not keep:
        return logits
    return logits, dict(c1=c1, z1=z1, m1=m1, h1=h1, c2=c2, z2=z2, m2=m2, h2=h2, f=f)


def grads(p: Params, x: np.ndarray, y: np.ndarray) -> Tuple[float, Params]:
    logits, a = forward(p, x, keep=True)
    z = logits - logits.max(axis=1, keepdims=True)
    prob = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    n = len(x)
    loss = float(-np.log(prob[np.arange(n), y] + 1e-12).mean())
    d = prob
    d[np.arange(n), y] -= 1
    d /= n
    g: Params = {"w3": d.T @ a["f"], "b3": d.sum(0)}
    dh2 = (d @ p["w3"]).reshape(a["h2"].shape)
    dz2 = pool_bwd(dh2, a["m2"]) * (a["z2"] > 0)
    dz2c = dz2.transpose(0, 2, 3, 1)                 # (N, H, W, O)
    g["w2"] = (dz2c.reshape(-1, 16).T @ a["c2"].reshape(-1, 72)).reshape(p["w2"].shape)
    g["b2"] = dz2c.sum(axis=(0, 1, 2))
    dh1 = col2im(dz2c @ p["w2"].reshape(16, -1), 8)
    dz1 = pool_bwd(dh1, a["m1"]) * (a["z1"] > 0)
    dz1c = dz1.transpose(0, 2, 3, 1)
    g["w1"] = (dz1c.reshape(-1, 8).T @ a["c1"].reshape(-1, 9)).reshape(p["w1"].shape)
    g["b1"] = dz1c.sum(axis=(0, 1, 2))
    return loss, g


def train(data: Digits, epochs: int = 15, batch: int = 32, lr: float = 0.005) -> Params:
    """Adam with a fixed seed: the same data always gives the same weights."""
    rng = np.random.default_rng(SEED)
    p = init_params(rng)
    m = {k: np.zeros_like(v) for k, v in p.items()}
    v = {k: np.zeros_like(v) for k, v in p.items()}
    x, y = upscale(data.train_x), data.train_y
    t = 0
    for ep in range(epochs):
        order = rng.permutation(len(x))
        step = lr * (0.5 if ep >= epochs * 2 // 3 else 1.0)
        for i in range(0, len(x), batch):
            idx = order[i:i + batch]
            _, g = grads(p, x[idx], y[idx])
            t += 1
            for k in p:
                m[k] = 0.9 * m[k] + 0.1 * g[k]
                v[k] = 0.999 * v[k] + 0.001 * g[k] ** 2
                mh, vh = m[k] / (1 - 0.9 ** t), v[k] / (1 - 0.999 ** t)
                p[k] = (p[k] - step * mh / (np.sqrt(vh) + 1e-8)).astype(np.float32)
    return p


def accuracy(p: Params, u8: np.ndarray, y: np.ndarray) -> float:
    return float((forward(p, upscale(u8)).argmax(axis=1) == y).mean())
