# MaixPy-v1 mnist example (machine_vision/mnist), camera lines replaced by a PGM file.
# Everything from kpu.load on is the MaixPy script as written for the board.
import KPU as kpu
import imgfile, imgops                                  # replaces: import sensor, image, lcd

task = kpu.load("/sd/mnist.kmodel")
for name in ("/sd/m0.pgm", "/sd/m1.pgm", "/sd/m2.pgm"):
    img = imgfile.load(name)                            # replaces: img = sensor.snapshot()
    img1 = imgops.prepare(img, 28, 28, 1)               # replaces: img.to_grayscale(1); img.resize(28, 28)
    img1 = imgops.invert(img1)                          # replaces: img1.invert(); img1.pix_to_ai()
    fmap = kpu.forward(task, img1)
    plist = fmap[:]
    pmax = max(plist)
    max_index = plist.index(pmax)
    print("%s: %d: %.3f" % (name, max_index, pmax))
a = kpu.deinit(task)
