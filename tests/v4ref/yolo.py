"""YOLOv2 region decoder (as the nncase 20-class example's region_layer does it, written from
its description in models/README.md): output [anchors*(5+classes)][H][W] planar, sigmoid on
x, y, objectness, exp on w, h scaled by the anchor, softmax over classes, score = obj * p,
per-class NMS."""
from __future__ import annotations

import numpy as np

VOC = ["aeroplane", "bicycle", "bird", "boat", "bottle", "bus", "car", "cat", "chair", "cow", "diningtable",
       "dog", "horse", "motorbike", "person", "pottedplant", "sheep", "sofa", "train", "tvmonitor"]
ANCHORS_20 = [1.08, 1.19, 3.42, 4.41, 6.63, 11.38, 9.42, 5.11, 16.62, 10.52]


def sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def iou(a: np.ndarray, b: np.ndarray) -> float:
    """Boxes as (cx, cy, w, h)."""
    ax0, ay0, ax1, ay1 = a[0] - a[2] / 2, a[1] - a[3] / 2, a[0] + a[2] / 2, a[1] + a[3] / 2
    bx0, by0, bx1, by1 = b[0] - b[2] / 2, b[1] - b[3] / 2, b[0] + b[2] / 2, b[1] + b[3] / 2
    iw = max(0.0, min(ax1, bx1) - max(ax0, bx0))
    ih = max(0.0, min(ay1, by1) - max(ay0, by0))
    inter = iw * ih
    union = a[2] * a[3] + b[2] * b[3] - inter
    return inter / union if union > 0 else 0.0


def decode(out: np.ndarray, w: int, h: int, classes: int, anchors: list[float], threshold: float,
           nms: float) -> list[tuple[str, float, tuple[float, float, float, float]]]:
    na = len(anchors) // 2
    t = out.astype(np.float64).reshape(na, 5 + classes, h, w)
    gy, gx = np.mgrid[0:h, 0:w]
    dets = []
    for a in range(na):
        bx = (gx + sigmoid(t[a, 0])) / w
        by = (gy + sigmoid(t[a, 1])) / h
        bw = np.exp(t[a, 2]) * anchors[2 * a] / w
        bh = np.exp(t[a, 3]) * anchors[2 * a + 1] / h
        obj = sigmoid(t[a, 4])
        cls = t[a, 5:]
        p = np.exp(cls - cls.max(axis=0))
        p = p / p.sum(axis=0)
        score = obj * p
        for c, y, x in zip(*np.nonzero(score > threshold)):
            dets.append((int(c), float(score[c, y, x]), np.array([bx[y, x], by[y, x], bw[y, x], bh[y, x]])))
    kept = []
    for c in sorted({d[0] for d in dets}):
        cand = sorted((d for d in dets if d[0] == c), key=lambda d: -d[1])
        while cand:
            best = cand.pop(0)
            kept.append((VOC[c] if classes == 20 else str(c), best[1], tuple(best[2])))
            cand = [d for d in cand if iou(best[2], d[2]) <= nms]
    return kept
