"""YOLOv2 region-layer decode (sigmoid x/y/objectness, softmax classes, anchors, per-class NMS)."""
from __future__ import annotations

from typing import List, NamedTuple, Sequence

import numpy as np

VOC = ("aeroplane", "bicycle", "bird", "boat", "bottle", "bus", "car", "cat", "chair", "cow", "diningtable",
       "dog", "horse", "motorbike", "person", "pottedplant", "sheep", "sofa", "train", "tvmonitor")
YOLO20_ANCHORS = (1.08, 1.19, 3.42, 4.41, 6.63, 11.38, 9.42, 5.11, 16.62, 10.52)
FACE_ANCHORS = (1.889, 2.5245, 2.9465, 3.94056, 3.99987, 5.3658, 5.155437, 6.92275, 6.718375, 9.01025)


class Box(NamedTuple):
    cls: int
    prob: float
    x: float   # centre, fraction of the image
    y: float
    w: float
    h: float


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def _iou(a: np.ndarray, b: np.ndarray) -> float:
    ix = max(0.0, min(a[0] + a[2] / 2, b[0] + b[2] / 2) - max(a[0] - a[2] / 2, b[0] - b[2] / 2))
    iy = max(0.0, min(a[1] + a[3] / 2, b[1] + b[3] / 2) - max(a[1] - a[3] / 2, b[1] - b[3] / 2))
    inter = ix * iy
    union = a[2] * a[3] + b[2] * b[3] - inter
    return inter / union if union > 0 else 0.0


def decode(out: np.ndarray, grid_w: int, grid_h: int, classes: int, anchors: Sequence[float],
           threshold: float, nms: float) -> List[Box]:
    """out: float array [anchors*(5+classes)][grid_h][grid_w] (CHW)."""
    na = len(anchors) // 2
    t = np.asarray(out, dtype=np.float64).reshape(na, 5 + classes, grid_h, grid_w)
    gy, gx = np.mgrid[0:grid_h, 0:grid_w]
    aw = np.array(anchors[0::2])[:, None, None]
    ah = np.array(anchors[1::2])[:, None, None]
    bx = (gx + _sigmoid(t[:, 0])) / grid_w
    by = (gy + _sigmoid(t[:, 1])) / grid_h
    bw = np.exp(t[:, 2]) * aw / grid_w
    bh = np.exp(t[:, 3]) * ah / grid_h
    obj = _sigmoid(t[:, 4])
    logits = t[:, 5:]
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    prob = obj[:, None] * e / e.sum(axis=1, keepdims=True)          # (na, classes, h, w)
    boxes = np.stack([bx, by, bw, bh], -1).reshape(-1, 4)           # (na*h*w, 4)
    probs = prob.transpose(0, 2, 3, 1).reshape(-1, classes).copy()
    probs[probs <= threshold] = 0.0
    for c in range(classes):                                        # per-class NMS, best first
        order = np.argsort(-probs[:, c], kind="stable")
        for i, bi in enumerate(order):
            if probs[bi, c] == 0:
                break
            for bj in order[i + 1:]:
                if probs[bj, c] and _iou(boxes[bi], boxes[bj]) > nms:
                    probs[bj, c] = 0.0
    found = []
    for i in range(len(boxes)):
        c = int(np.argmax(probs[i]))
        if probs[i, c] > threshold:
            found.append(Box(c, float(probs[i, c]), *map(float, boxes[i])))
    return sorted(found, key=lambda b: -b.prob)
