# Runs on the board: the 20-class YOLOv2 on the camera (on the simulated board the camera shows the
# dog picture: $K210_SIM_CAMERA), each box and its label drawn on the frame, the frame on the LCD,
# the fps printed. FRAMES frames (the demo sets it), or until Ctrl-C when it is 0 (`k210 view`).
import gc
import time

import lcd
import sensor
import KPU as kpu

try:
    FRAMES
except NameError:
    FRAMES = 0

CLASSES = ("aeroplane", "bicycle", "bird", "boat", "bottle", "bus", "car", "cat", "chair", "cow",
           "diningtable", "dog", "horse", "motorbike", "person", "pottedplant", "sheep", "sofa",
           "train", "tvmonitor")
ANCHORS = (1.08, 1.19, 3.42, 4.41, 6.63, 11.38, 9.42, 5.11, 16.62, 10.52)

lcd.init()
sensor.reset()
sensor.set_pixformat(sensor.RGB565)
sensor.set_framesize(sensor.QVGA)
sensor.run(1)
task = kpu.load("/sd/demo/yolo20.kmodel")
kpu.init_yolo2(task, 0.5, 0.2, 5, ANCHORS)
clock = time.clock()
found = set()
n = 0
try:
    while FRAMES == 0 or n < FRAMES:
        clock.tick()
        img = sensor.snapshot()
        objs = kpu.run_yolo2(task, img) or ()
        names = []
        for o in objs:
            name = CLASSES[o.classid()]
            img.draw_rectangle(o.rect(), color=(255, 0, 0), thickness=2)
            img.draw_string(o.x() + 3, o.y() + 3, "%s %.2f" % (name, o.value()), color=(255, 255, 0), scale=2)
            names.append(name)
            found.add(name)
        lcd.display(img)
        n += 1
        print("frame %d: %s; %.1f fps" % (n, ", ".join(names) or "nothing", clock.fps()))
finally:
    kpu.deinit(task)
    gc.collect()
print("RESULT " + repr({"found": sorted(found), "frames": n, "fps": clock.fps()}))
