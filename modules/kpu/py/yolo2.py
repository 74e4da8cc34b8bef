"""YOLOv2 region layer: decode a (anchors * (5 + classes)) x gh x gw output with anchors, then NMS.
Channel a*(5+C)+k of the planar output holds, for anchor a: k=0..3 tx, ty, tw, th, k=4 objectness,
k=5.. class logits. Box centre = ((col + sigmoid(tx)) / gw, (row + sigmoid(ty)) / gh), size =
(exp(tw) * anchor_w / gw, exp(th) * anchor_h / gh); score = sigmoid(obj) * softmax(class)."""
import math

from boxes import nms


def _sigmoid(x):
    return 1.0 / (1.0 + math.exp(-x))


def decode(out, gw, gh, anchors, classes, threshold=0.5, nms_value=0.3, img_w=1, img_h=1):
    """out: floats in planar CHW order. Returns [(x1, y1, x2, y2, score, classid, index)] in
    image units (img_w x img_h), best first, after per-class NMS. index = anchor*gh*gw + cell."""
    na = len(anchors) // 2
    stride = 5 + classes
    plane = gw * gh
    if len(out) != na * stride * plane:
        raise ValueError("yolo2.decode: %d values, expected %d anchors x (5 + %d) x %d x %d = %d"
                         % (len(out), na, classes, gh, gw, na * stride * plane))
    dets = []
    for a in range(na):
        base = a * stride * plane
        aw, ah = anchors[2 * a], anchors[2 * a + 1]
        for cell in range(plane):
            obj = _sigmoid(out[base + 4 * plane + cell])
            if obj <= threshold:  # score = obj * p(class) <= obj, so nothing here can pass
                continue
            logits = [out[base + (5 + c) * plane + cell] for c in range(classes)]
            m = max(logits)
            es = [math.exp(v - m) for v in logits]
            s = sum(es)
            best = 0
            for c in range(1, classes):
                if es[c] > es[best]:
                    best = c
            score = obj * es[best] / s
            if score <= threshold:
                continue
            row, col = cell // gw, cell % gw
            cx = (col + _sigmoid(out[base + cell])) / gw
            cy = (row + _sigmoid(out[base + plane + cell])) / gh
            w = math.exp(out[base + 2 * plane + cell]) * aw / gw
            h = math.exp(out[base + 3 * plane + cell]) * ah / gh
            dets.append(((cx - w / 2) * img_w, (cy - h / 2) * img_h, (cx + w / 2) * img_w,
                         (cy + h / 2) * img_h, score, best, a * plane + cell))
    return nms(dets, nms_value)
