# Runs on the board: the 20-class YOLOv2 (nncase 0.1, kmodel v3) on the dog picture, read from a
# 24-bit BMP with the frozen reader, decoded with the frozen region layer + NMS.
import gc

import kpu
import imgfile
import yolo2
from model_manager import Model, mem_text

D = "/sd/demo/"
CLASSES = ("aeroplane", "bicycle", "bird", "boat", "bottle", "bus", "car", "cat", "chair", "cow",
           "diningtable", "dog", "horse", "motorbike", "person", "pottedplant", "sheep", "sofa",
           "train", "tvmonitor")
ANCHORS = (1.08, 1.19, 3.42, 4.41, 6.63, 11.38, 9.42, 5.11, 16.62, 10.52)

img = imgfile.load(D + "dog.bmp")
print("input: dog.bmp %dx%d RGB -> planar CHW %d bytes" % (img.w, img.h, len(img.data)))
gc.collect()
before = kpu.mem_info()
with Model(D + "yolo20.kmodel") as m:
    print("memory after load:   " + mem_text())
    out = m.forward(img.data)
    dets = yolo2.decode(out, 10, 7, ANCHORS, 20, 0.5, 0.2, img.w, img.h)
del out
gc.collect()
after = kpu.mem_info()
print("%-10s %6s  %s" % ("class", "score", "box (x1, y1, x2, y2) in pixels"))
for d in dets:
    print("%-10s %6.3f  (%4d, %4d, %4d, %4d)" % (CLASSES[d[5]], d[4], round(d[0]), round(d[1]), round(d[2]), round(d[3])))
print("RESULT " + repr({"dets": [(CLASSES[d[5]], d[4], d[:4]) for d in dets], "before": before, "after": after}))
