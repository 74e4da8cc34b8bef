"""Resize (nearest, bilinear), letterbox, grayscale and channel conversion on planar.Image.
Results are new images whose pixels are kpu.LedgerBufs (ledger pool, not the GC heap)."""
from planar import Image


def grayscale(img):
    """BT.601 luma in integers: (77 R + 150 G + 29 B + 128) >> 8."""
    if img.c == 1:
        return img
    n = img.w * img.h
    d = img.data
    out = Image(img.w, img.h, 1)
    o = out.data
    for p in range(n):
        o[p] = (77 * d[p] + 150 * d[n + p] + 29 * d[2 * n + p] + 128) >> 8
    return out


def to_rgb(img):
    """Gray -> 3 equal planes; RGB unchanged."""
    if img.c == 3:
        return img
    n = img.w * img.h
    out = Image(img.w, img.h, 3)
    o = memoryview(out.data)
    for ch in range(3):
        o[ch * n:(ch + 1) * n] = img.data
    return out


def resize_nearest(img, w, h):
    """Destination (x, y) takes source (x * sw // w, y * sh // h)."""
    sw, sh = img.w, img.h
    out = Image(w, h, img.c)
    d, o = img.data, out.data
    xs = [x * sw // w for x in range(w)]
    for ch in range(img.c):
        sbase, dbase = ch * sw * sh, ch * w * h
        for y in range(h):
            srow = sbase + (y * sh // h) * sw
            drow = dbase + y * w
            for x in range(w):
                o[drow + x] = d[srow + xs[x]]
    return out


def _taps(dst, src):
    # Half-pixel centres (align_corners=False): s = (i + 0.5) * src / dst - 0.5, clamped to the map.
    # Weights are in 1/256 steps so the result is integer and reproducible.
    taps = []
    for i in range(dst):
        s = (i + 0.5) * src / dst - 0.5
        if s < 0:
            s = 0.0
        i0 = int(s)
        if i0 >= src - 1:
            taps.append((src - 1, src - 1, 0))
        else:
            taps.append((i0, i0 + 1, int((s - i0) * 256 + 0.5)))
    return taps


def resize_bilinear(img, w, h):
    """Bilinear with half-pixel centres; weights quantised to 1/256, result rounded half up."""
    sw, sh = img.w, img.h
    out = Image(w, h, img.c)
    d, o = img.data, out.data
    tx, ty = _taps(w, sw), _taps(h, sh)
    for ch in range(img.c):
        sbase, dbase = ch * sw * sh, ch * w * h
        for y in range(h):
            y0, y1, fy = ty[y]
            r0, r1 = sbase + y0 * sw, sbase + y1 * sw
            drow = dbase + y * w
            for x in range(w):
                x0, x1, fx = tx[x]
                top = d[r0 + x0] * (256 - fx) + d[r0 + x1] * fx
                bot = d[r1 + x0] * (256 - fx) + d[r1 + x1] * fx
                o[drow + x] = (top * (256 - fy) + bot * fy + 32768) >> 16
    return out


def resize(img, w, h, method="bilinear"):
    if (w, h) == (img.w, img.h):
        return img
    if method == "nearest":
        return resize_nearest(img, w, h)
    if method == "bilinear":
        return resize_bilinear(img, w, h)
    raise ValueError("imgops.resize: method %r, use 'nearest' or 'bilinear'" % (method,))


def letterbox(img, w, h, pad=0, method="bilinear"):
    """Scales to fit w x h keeping the aspect ratio, centres it on a pad-filled canvas.
    Returns (image, scale, dx, dy): a source point p maps to p * scale + (dx, dy)."""
    scale = min(w / img.w, h / img.h)
    nw = max(1, min(w, int(img.w * scale + 0.5)))
    nh = max(1, min(h, int(img.h * scale + 0.5)))
    inner = resize(img, nw, nh, method)
    dx, dy = (w - nw) // 2, (h - nh) // 2
    out = Image(w, h, img.c)
    o, src = memoryview(out.data), memoryview(inner.data)
    if pad:
        row = bytes([pad]) * w
        for r in range(h * img.c):
            o[r * w:(r + 1) * w] = row
    for ch in range(img.c):
        for y in range(nh):
            s = ch * nw * nh + y * nw
            t = ch * w * h + (y + dy) * w + dx
            o[t:t + nw] = src[s:s + nw]
    return out, scale, dx, dy


def prepare(img, w, h, c, method="bilinear"):
    """The bytes a model with a c x h x w u8 input wants, from any planar.Image."""
    if c == 1:
        img = grayscale(img)
    elif c == 3:
        img = to_rgb(img)
    else:
        raise ValueError("imgops.prepare: models take 1 or 3 channel images, not %d" % c)
    return resize(img, w, h, method)


def invert(img):
    """255 - v on every byte (MNIST-style models want white digits on black)."""
    d = img.data
    out = Image(img.w, img.h, img.c)
    o = out.data
    for i in range(len(d)):
        o[i] = 255 - d[i]
    return out
