"""Ultra-Light-Fast-Generic-Face-Detector (RFB-320 / slim-320) prior boxes and decode.
Priors: per stride s, a ceil(W/s) x ceil(H/s) grid, centres ((i + 0.5) * s / W, (j + 0.5) * s / H),
one prior per min_box (m / W, m / H), all clipped to [0, 1]; order level, row, column, min_box.
Decode: centre += delta * 0.1 * prior size, size = prior size * exp(delta * 0.2)."""
import array
import math

from boxes import nms

STRIDES = (8, 16, 32, 64)
MIN_BOXES = ((10, 16, 24), (32, 48), (64, 96), (128, 192, 256))


def _clip(v):
    return 0.0 if v < 0 else 1.0 if v > 1 else v


def priors(w=320, h=240, strides=STRIDES, min_boxes=MIN_BOXES):
    """Flat array('f') of (cx, cy, w, h) per prior (4420 priors for 320x240: 70 KB, not 4420 tuples)."""
    n = 0
    for s, mbs in zip(strides, min_boxes):
        n += (-(-w // s)) * (-(-h // s)) * len(mbs)
    out = array.array("f", bytearray(16 * n))  # preallocated: growing it fragments a small heap
    k = 0
    for s, mbs in zip(strides, min_boxes):
        fw, fh = -(-w // s), -(-h // s)
        for j in range(fh):
            for i in range(fw):
                cx, cy = _clip((i + 0.5) * s / w), _clip((j + 0.5) * s / h)
                for m in mbs:
                    out[k] = cx
                    out[k + 1] = cy
                    out[k + 2] = _clip(m / w)
                    out[k + 3] = _clip(m / h)
                    k += 4
    return out


def decode(boxes, scores, w=320, h=240, threshold=0.7, iou_threshold=0.3, prior_list=None,
           center_variance=0.1, size_variance=0.2):
    """boxes: 4 floats per prior (dx, dy, dw, dh); scores: 2 per prior (background, face).
    Returns [(x1, y1, x2, y2, score, 0)] in pixels, best first, after hard NMS."""
    pri = prior_list if prior_list is not None else priors(w, h)
    n = len(pri) // 4
    if len(boxes) != 4 * n or len(scores) != 2 * n:
        raise ValueError("ultraface.decode: %d box and %d score values for %d priors (need %d and %d)"
                         % (len(boxes), len(scores), n, 4 * n, 2 * n))
    dets = []
    for i in range(n):
        sc = scores[2 * i + 1]
        if sc <= threshold:
            continue
        pcx, pcy, pw, ph = pri[4 * i], pri[4 * i + 1], pri[4 * i + 2], pri[4 * i + 3]
        cx = pcx + boxes[4 * i] * center_variance * pw
        cy = pcy + boxes[4 * i + 1] * center_variance * ph
        bw = pw * math.exp(boxes[4 * i + 2] * size_variance)
        bh = ph * math.exp(boxes[4 * i + 3] * size_variance)
        dets.append((_clip(cx - bw / 2) * w, _clip(cy - bh / 2) * h, _clip(cx + bw / 2) * w,
                     _clip(cy + bh / 2) * h, sc, 0))
    return nms(dets, iou_threshold, per_class=False)
