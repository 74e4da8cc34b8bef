"""Boxes as (x1, y1, x2, y2, score, classid): intersection over union and greedy hard NMS."""


def iou(a, b):
    iw = min(a[2], b[2]) - max(a[0], b[0])
    ih = min(a[3], b[3]) - max(a[1], b[1])
    if iw <= 0 or ih <= 0:
        return 0.0
    inter = iw * ih
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def nms(dets, iou_threshold, per_class=True):
    """Keeps the highest-scoring box, drops every later one overlapping it by more than
    iou_threshold (only within its class when per_class), repeats. Returns score-sorted."""
    order = sorted(dets, key=lambda d: -d[4])
    keep = []
    for d in order:
        ok = True
        for k in keep:
            if (not per_class or k[5] == d[5]) and iou(k, d) > iou_threshold:
                ok = False
                break
        if ok:
            keep.append(d)
    return keep
