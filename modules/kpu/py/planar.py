"""Planar CHW u8 images: the layout a K210 model's KPU input expects (c planes of h rows of w)."""
import kpu


class Image:
    """c planes of h rows of w bytes, back to back in .data: a kpu.LedgerBuf (ledger pool, not the
    GC heap; freed with the image, or now by release()), which kpu.forward reads in place."""

    def __init__(self, w, h, c, data=None):
        if w <= 0 or h <= 0 or c not in (1, 3):
            raise ValueError("planar.Image: bad shape %dx%dx%d (need w, h > 0 and 1 or 3 channels)" % (w, h, c))
        n = w * h * c
        if data is None:
            data = kpu.LedgerBuf(n, "image %dx%d %s" % (w, h, "gray" if c == 1 else "rgb"))
        elif len(data) != n:
            raise ValueError("planar.Image: %d bytes for a %dx%dx%d image, need %d" % (len(data), w, h, c, n))
        self.w = w
        self.h = h
        self.c = c
        self.data = data

    def release(self):
        """Frees the pixels now (a LedgerBuf); the image cannot be used afterwards."""
        if isinstance(self.data, kpu.LedgerBuf):
            self.data.release()

    def width(self):
        return self.w

    def height(self):
        return self.h

    def plane(self, ch):
        n = self.w * self.h
        return memoryview(self.data)[ch * n:(ch + 1) * n]

    def pixel(self, x, y):
        n = self.w * self.h
        o = y * self.w + x
        if self.c == 1:
            return self.data[o]
        return (self.data[o], self.data[n + o], self.data[2 * n + o])

    def __repr__(self):
        return "<planar.Image %dx%d %s>" % (self.w, self.h, "gray" if self.c == 1 else "rgb")
