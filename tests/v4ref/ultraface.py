"""Ultra-Light face detector post-processing (RFB-320): priors for 320x240, strides 8/16/32/64,
min boxes per models/README.md section 3, centre variance 0.1, size variance 0.2, score =
scores[i*2+1], hard NMS."""
from __future__ import annotations

import math

import numpy as np

MIN_BOXES = [[10, 16, 24], [32, 48], [64, 96], [128, 192, 256]]
STRIDES = [8, 16, 32, 64]


def priors(w: int = 320, h: int = 240) -> np.ndarray:
    out = []
    for stride, boxes in zip(STRIDES, MIN_BOXES):
        fw, fh = math.ceil(w / stride), math.ceil(h / stride)
        for y in range(fh):
            for x in range(fw):
                for b in boxes:
                    out.append(((x + 0.5) / fw, (y + 0.5) / fh, b / w, b / h))
    return np.clip(np.array(out, np.float64), 0.0, 1.0)


def decode(boxes: np.ndarray, scores: np.ndarray, threshold: float = 0.3, iou_thr: float = 0.3,
           w: int = 320, h: int = 240) -> list[tuple[float, tuple[float, float, float, float]]]:
    pr = priors(w, h)
    b = boxes.astype(np.float64).reshape(-1, 4)
    s = scores.astype(np.float64).reshape(-1, 2)[:, 1]
    cx = b[:, 0] * 0.1 * pr[:, 2] + pr[:, 0]
    cy = b[:, 1] * 0.1 * pr[:, 3] + pr[:, 1]
    bw = np.exp(b[:, 2] * 0.2) * pr[:, 2]
    bh = np.exp(b[:, 3] * 0.2) * pr[:, 3]
    x0, y0 = np.clip((cx - bw / 2) * w, 0, w), np.clip((cy - bh / 2) * h, 0, h)
    x1, y1 = np.clip((cx + bw / 2) * w, 0, w), np.clip((cy + bh / 2) * h, 0, h)
    idx = [i for i in np.argsort(-s, kind="stable") if s[i] > threshold]
    kept: list[tuple[float, tuple[float, float, float, float]]] = []
    while idx:
        i = idx.pop(0)
        kept.append((float(s[i]), (x0[i], y0[i], x1[i], y1[i])))
        rest = []
        for j in idx:
            iw = max(0.0, min(x1[i], x1[j]) - max(x0[i], x0[j]))
            ih = max(0.0, min(y1[i], y1[j]) - max(y0[i], y0[j]))
            inter = iw * ih
            union = (x1[i] - x0[i]) * (y1[i] - y0[i]) + (x1[j] - x0[j]) * (y1[j] - y0[j]) - inter
            if union <= 0 or inter / union <= iou_thr:
                rest.append(j)
        idx = rest
    return kept
