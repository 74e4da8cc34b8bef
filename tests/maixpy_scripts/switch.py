# MaixPy-v1 pattern for two models that do not fit together: load, run, deinit, load the next.
# The memory figures (kpu.mem_info) must come back to the same values after each deinit.
import gc
import KPU as kpu
import imgfile, imgops                                  # replaces: import sensor, image

dog = imgfile.load("/sd/dog.bmp")                       # replaces: sensor.reset() (one frame buffer, kept)
gc.collect()
start = kpu.mem_info()
for round_ in range(2):
    task = kpu.load("/sd/mnist.kmodel")
    img = imgops.invert(imgops.prepare(imgfile.load("/sd/m1.pgm"), 28, 28, 1))
    fmap = kpu.forward(task, img)
    plist = fmap[:]
    print("round %d mnist: %d" % (round_, plist.index(max(plist))))
    img = None                                         # images live in the ledger: mem_info counts them while they live
    kpu.deinit(task)
    gc.collect()
    task = kpu.load("/sd/yolo20.kmodel")
    kpu.init_yolo2(task, 0.5, 0.2, 5, (1.08, 1.19, 3.42, 4.41, 6.63, 11.38, 9.42, 5.11, 16.62, 10.52))
    objs = kpu.run_yolo2(task, dog) or []              # replaces: sensor.snapshot()
    print("round %d yolo: %s" % (round_, sorted(set(o.classid() for o in objs))))
    kpu.deinit(task)
    gc.collect()
    print("round %d memory back to start: %s" % (round_, kpu.mem_info() == start))
