"""MaixPy-v1 `KPU` API (`import KPU as kpu`) on top of this firmware's C `kpu` module.
forward/run_yolo2 take an image.Image (a sensor.snapshot() or a loaded file: its AI frame, read
in place), a planar.Image, a path to a .bmp/.pgm/.ppm file (resized to the model input), bytes of
the exact input, or a list of floats.
As in MaixPy, a forward runs the model once and every output of that run is read in place
(forward's fmap, get_output(net, i)) until the model runs again: keep values with fm.data().copy()."""
import array

import image as _image

import kpu as _kpu
import imgfile
import imgops
import yolo2
from planar import Image

load = _kpu.load
mem_info = _kpu.mem_info


class _Fmap:
    """A model output: indexing, slices (-> tuple), len and MaixPy's accessor methods."""

    def __init__(self, data, index, w, h, ch):
        self._d = data
        self._i = index
        self._w, self._h, self._ch = w, h, ch
        self._tc = "f" if len(data) and isinstance(data[0], float) else "B"

    def __getitem__(self, k):
        if isinstance(k, slice):
            return tuple(self._d[k])
        return self._d[k]

    def __len__(self):
        return len(self._d)

    def size(self):
        return len(self._d) * (4 if self._tc == "f" else 1)

    def index(self):
        return self._i

    def w(self):
        return self._w

    def h(self):
        return self._h

    def ch(self):
        return self._ch

    def typecode(self):
        return self._tc

    def data(self):
        return self._d


def fmap(fm, ch=None):
    """MaixPy's kpu.fmap(fmap, ch) makes an image of one channel: there is no image module here."""
    raise NotImplementedError(
        "KPU.fmap(fmap, ch) is not supported: it makes an OpenMV image of one channel and this "
        "firmware has no image module; read the channel from the fmap itself "
        "(fm[ch * fm.w() * fm.h():(ch + 1) * fm.w() * fm.h()]) or use fm.data()")


def _shape3(shape):
    """(c, h, w) from a netinfo shape: (c, h, w) or (n, c, h, w); None if not a shape."""
    if isinstance(shape, (tuple, list)):
        if len(shape) == 4:
            return tuple(shape[1:])
        if len(shape) == 3:
            return tuple(shape)
    return None


_outputs = {}   # id(net) -> {idx: (w, h, ch)} from set_outputs
_yolo = {}      # id(net) -> (threshold, nms, anchors)


def _input_shape(net):
    # checked here because a dead or wrong net has no input_shape to read
    if not isinstance(net, _kpu.Model):
        raise TypeError("KPU: expected a model from kpu.load, got %s" % type(net).__name__)
    if not net.live:
        raise ValueError("KPU: model %s was deinitialised (kpu.deinit or soft reset); load it again" % net.source)
    return tuple(net.input_shape)   # (c, h, w)


def _input_bytes(net, img):
    if isinstance(img, _image.Image):
        c, h, w = _input_shape(net)
        ic = 3 if img.format() == _image.RGB565 else 1
        if (ic, img.height(), img.width()) != (c, h, w):
            raise ValueError("check img format err! image is %dx%dx%d (w x h x ch), model input is %dx%dx%d"
                             % (img.width(), img.height(), ic, w, h, c))
        return img   # its buffer is the AI frame: no copy
    if isinstance(img, Image):
        c, h, w = _input_shape(net)
        if (img.c, img.h, img.w) != (c, h, w):
            raise ValueError("check img format err! image is %dx%dx%d (w x h x ch), model input is %dx%dx%d"
                             % (img.w, img.h, img.c, w, h, c))
        return img.data
    if isinstance(img, list):
        return array.array("f", img)
    return img


def load_flash(addr, is_dual_buf, batch_size, spi_speed):
    """MaixPy's load_flash: the model at flash offset addr stays in flash and its KPU weights are
    read during each forward (kpu.load(addr, stream=True)). Files word-byte-swapped by MaixPy's
    model_le2be.py and files as nncase wrote them both load: the loader tells them apart by the
    header's first word. is_dual_buf: 1 = two buffers (the next layer is read during the current
    one), 0 = one. batch_size: bytes per buffer with two buffers (a layer larger than that runs in
    groups of output channels); 0 = the largest layer. spi_speed: the flash clock in Hz."""
    for a in (addr, is_dual_buf, batch_size, spi_speed):
        if not isinstance(a, int):
            raise TypeError("load_flash arg format error: task=kpu.load_flash(flash_addr, is_dual_buf, batch_size, spi_speed)")
    if batch_size < 0:
        raise ValueError("load_flash: batch_size=%d must be >= 0 (bytes per buffer, 0 = the largest layer)" % batch_size)
    window = batch_size if is_dual_buf and batch_size > 0 else None
    try:
        return _kpu.load(addr, stream=True, buffers=2 if is_dual_buf else 1, window=window, spi_hz=spi_speed or None)
    except ValueError as e:
        if window is not None and "window=" in str(e):
            raise ValueError("load_flash: batch_size=%d is the buffer size here: %s" % (batch_size, e))
        raise


def forward(net, img, out_index=0):
    if isinstance(img, str):
        # an image file, resized to the model input; both images are freed once the run is done
        c, h, w = _input_shape(net)
        src = imgfile.load(img)
        try:
            x = imgops.prepare(src, w, h, c)
            try:
                out = _kpu.forward(net, x.data, out_index)
            finally:
                x.release()
        finally:
            src.release()
    else:
        out = _kpu.forward(net, _input_bytes(net, img), out_index)
    return _fmap(net, out, out_index)


def _fmap(net, out, out_index):
    shp = _outputs.get(id(net), {}).get(out_index)
    if shp is None:
        shp = _fmap_shape(_kpu.netinfo(net), len(out))
    return _Fmap(out, out_index, shp[0], shp[1], shp[2])


def _fmap_shape(info, n):
    """(w, h, ch) of an n-value output: the last layer's shape, or, when that is flat (e.g. a
    CHANNELWISE_DEQUANTIZE seen as ch x 1 x (h*w)), the latest 2-D map with n values (as MaixPy
    takes the last conv layer's)."""
    last = _shape3(info[-1].get("out_shape"))
    for d in reversed(info):
        s3 = _shape3(d.get("out_shape"))
        if s3 is not None and s3[0] * s3[1] * s3[2] == n and s3[1] > 1:
            return (s3[2], s3[1], s3[0])
    if last is not None and last[0] * last[1] * last[2] == n:
        return (last[2], last[1], last[0])
    return (1, 1, n)


def get_output(net, idx):
    """Output idx of the last forward, read in place (the model does not run again)."""
    return _fmap(net, _kpu.get_output(net, idx), idx)


def set_outputs(net, idx, w, h, ch):
    ok = _kpu.set_outputs(net, idx, w, h, ch)
    if ok:
        _outputs.setdefault(id(net), {})[idx] = (w, h, ch)
    return ok


def set_layers(net, n):
    return _kpu.set_layers(net, n)


class netinfo_find:
    """One layer of netinfo(), with MaixPy's accessors."""

    def __init__(self, d):
        self._d = d
        ci, hi, wi = _shape3(d.get("in_shape")) or (0, 0, 0)
        co, ho, wo = _shape3(d.get("out_shape")) or (0, 0, 0)
        self._s = (wi, hi, ci, wo, ho, co)

    def index(self):
        return self._d["index"]

    def type(self):
        return self._d["type"]

    def wi(self):
        return self._s[0]

    def hi(self):
        return self._s[1]

    def chi(self):
        return self._s[2]

    def wo(self):
        return self._s[3]

    def ho(self):
        return self._s[4]

    def cho(self):
        return self._s[5]

    def dw(self):
        return int(self._d.get("depthwise", 0))

    def kernel_type(self):
        # MaixPy: 0 = 1x1, 1 = 3x3; the C netinfo gives the kernel size (absent on CPU layers)
        return 1 if self._d.get("kernel", 1) == 3 else 0

    def pool_type(self):
        return self._d.get("pool", 0)

    def para_size(self):
        return self._d.get("bytes", 0)

    def __repr__(self):
        return "{index: %d, type: %s, in: %dx%dx%d, out: %dx%dx%d, bytes: %d}" % (
            (self.index(), self.type()) + self._s + (self.para_size(),))


def netinfo(net):
    return [netinfo_find(d) for d in _kpu.netinfo(net)]


class yolo2_find:
    """One run_yolo2 detection (pixel box in the model input's frame)."""

    def __init__(self, x, y, w, h, classid, value, index, objnum):
        self._r = (x, y, w, h)
        self._c, self._v, self._i, self._n = classid, value, index, objnum

    def rect(self):
        return self._r

    def x(self):
        return self._r[0]

    def y(self):
        return self._r[1]

    def w(self):
        return self._r[2]

    def h(self):
        return self._r[3]

    def classid(self):
        return self._c

    def value(self):
        return self._v

    def index(self):
        return self._i

    def objnum(self):
        return self._n

    def __repr__(self):
        return "{x: %d, y: %d, w: %d, h: %d, value: %.3f, classid: %d, index: %d, objnum: %d}" % (
            self._r + (self._v, self._c, self._i, self._n))


def init_yolo2(net, threshold, nms_value, anchor_num, anchor):
    if not 0 <= threshold <= 1:
        raise ValueError("threshold only support 0 to 1")
    if not 0 <= nms_value <= 1:
        raise ValueError("nms_value only support 0 to 1")
    if anchor_num <= 0:
        raise ValueError("anchor_number should > 0")
    if len(anchor) != 2 * anchor_num:
        raise ValueError("init_yolo2: %d anchor values for anchor_num %d (need %d)" % (len(anchor), anchor_num, 2 * anchor_num))
    _yolo[id(net)] = (threshold, nms_value, tuple(anchor))
    return True


def run_yolo2(net, img):
    """List of yolo2_find, or None when nothing is found (as MaixPy)."""
    args = _yolo.get(id(net))
    if args is None:
        raise ValueError("run_yolo2: call init_yolo2(net, ...) first")
    thr, nms_v, anchors = args
    fm = forward(net, img)
    c, ih, iw = _input_shape(net)
    na = len(anchors) // 2
    classes = fm.ch() // na - 5
    if fm.ch() % na or classes < 1:
        raise ValueError("run_yolo2: output has %d channels, not %d anchors x (5 + classes)" % (fm.ch(), na))
    dets = yolo2.decode(fm.data(), fm.w(), fm.h(), anchors, classes, thr, nms_v, iw, ih)
    if not dets:
        return None
    n = len(dets)
    out = []
    for d in dets:
        x1, y1 = int(d[0] + 0.5), int(d[1] + 0.5)
        out.append(yolo2_find(x1, y1, int(d[2] + 0.5) - x1, int(d[3] + 0.5) - y1, d[5], d[4], d[6], n))
    return out


def deinit(net):
    _outputs.pop(id(net), None)
    _yolo.pop(id(net), None)
    _kpu.deinit(net)
    return True


def fmap_free(fm):
    return None


def memtest():
    info = _kpu.mem_info()
    for k in sorted(info):
        print("###%s: %s" % (k, info[k]))
