# MaixPy-v1 20-class YOLOv2 detection (init_yolo2 / run_yolo2), camera lines replaced by a BMP file.
import KPU as kpu
import imgfile                                          # replaces: import sensor, image, lcd

classes = ['aeroplane', 'bicycle', 'bird', 'boat', 'bottle', 'bus', 'car', 'cat', 'chair', 'cow',
           'diningtable', 'dog', 'horse', 'motorbike', 'person', 'pottedplant', 'sheep', 'sofa',
           'train', 'tvmonitor']
task = kpu.load("/sd/yolo20.kmodel")
anchor = (1.08, 1.19, 3.42, 4.41, 6.63, 11.38, 9.42, 5.11, 16.62, 10.52)
a = kpu.init_yolo2(task, 0.5, 0.2, 5, anchor)
img = imgfile.load("/sd/dog.bmp")                       # replaces: img = sensor.snapshot()
code = kpu.run_yolo2(task, img)
if code:
    for i in code:
        print("%s %.3f %s" % (classes[i.classid()], i.value(), i.rect()))
else:
    print("nothing found")
a = kpu.deinit(task)
