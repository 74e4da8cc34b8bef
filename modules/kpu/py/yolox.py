"""YOLOX head decode (the nncase yolox example's post-processing): the output is N rows of
(tx, ty, tw, th, objectness, class scores...) over the grids of strides 8, 16 and 32 (row-major
cells, stride 8 first); box centre = ((tx + col) * stride, (ty + row) * stride), size =
exp(tw/th) * stride, in input pixels; score = objectness x class score (both already
probabilities in the model); then class-wise NMS. Works on any float sequence: a kpu output
view, an array('f') or a list."""
import math

from boxes import nms

STRIDES = (8, 16, 32)
COCO = (
    "person", "bicycle", "car", "motorcycle", "airplane", "bus", "train", "truck", "boat", "traffic light",
    "fire hydrant", "stop sign", "parking meter", "bench", "bird", "cat", "dog", "horse", "sheep", "cow",
    "elephant", "bear", "zebra", "giraffe", "backpack", "umbrella", "handbag", "tie", "suitcase", "frisbee",
    "skis", "snowboard", "sports ball", "kite", "baseball bat", "baseball glove", "skateboard", "surfboard",
    "tennis racket", "bottle", "wine glass", "cup", "fork", "knife", "spoon", "bowl", "banana", "apple",
    "sandwich", "orange", "broccoli", "carrot", "hot dog", "pizza", "donut", "cake", "chair", "couch",
    "potted plant", "bed", "dining table", "toilet", "tv", "laptop", "mouse", "remote", "keyboard",
    "cell phone", "microwave", "oven", "toaster", "sink", "refrigerator", "book", "clock", "vase",
    "scissors", "teddy bear", "hair drier", "toothbrush")


def cells(size, strides=STRIDES):
    """Number of grid cells (output rows) for a size x size input: 1029 for 224."""
    return sum((size // s) * (size // s) for s in strides)


def decode(out, size=224, classes=80, threshold=0.3, nms_value=0.65, strides=STRIDES):
    """Returns [(x1, y1, x2, y2, score, classid, objectness)] in input pixels, best first, after
    class-wise NMS. A cell whose objectness is <= threshold is skipped (class scores are <= 1,
    so no score there can pass)."""
    row = 5 + classes
    n = cells(size, strides)
    if len(out) != n * row:
        raise ValueError("yolox.decode: %d values, expected %d cells x (5 + %d) = %d for a %d input"
                         % (len(out), n, classes, n * row, size))
    dets = []
    i = 0
    for s in strides:
        g = size // s
        for gy in range(g):
            for gx in range(g):
                obj = out[i + 4]
                if obj > threshold:
                    cx = (out[i] + gx) * s
                    cy = (out[i + 1] + gy) * s
                    w = math.exp(out[i + 2]) * s
                    h = math.exp(out[i + 3]) * s
                    x1, y1 = cx - w * 0.5, cy - h * 0.5
                    for c in range(classes):
                        p = obj * out[i + 5 + c]
                        if p > threshold:
                            dets.append((x1, y1, x1 + w, y1 + h, p, c, obj))
                i += row
    return nms(dets, nms_value, True)


def label(classid):
    return COCO[classid] if 0 <= classid < len(COCO) else "class %d" % classid
