"""CanMV-K210's `from maix import KPU`: a model object with load_kmodel, run_with_output and the
YOLOv2 region layer, over this firmware's C `kpu` module (one run per frame, outputs read in place)
and image.Image (its AI frame is the input, no copy). Feature extraction returns the first output
as a list of floats."""
import kpu as _kpu
import image as _image
import yolo2 as _yolo2


class KPU:
    def __init__(self):
        self._m = None
        self._out = None
        self._yolo = None

    def _model(self, fn):
        if self._m is None:
            raise ValueError("KPU.%s: call load_kmodel() first" % fn)
        return self._m

    def load_kmodel(self, src, size=None):
        """A path on /sd or /flash, or a flash offset (size is then the model's length or None)."""
        if self._m is not None:
            self.deinit()
        self._m = _kpu.load(src) if size is None else _kpu.load(src, size)
        return True

    def init_yolo2(self, anchor, anchor_num=5, img_w=320, img_h=240, net_w=320, net_h=240, layer_w=10,
                   layer_h=8, threshold=0.7, nms_value=0.3, classes=1):
        if len(anchor) != 2 * anchor_num:
            raise ValueError("KPU.init_yolo2: %d anchor values for anchor_num %d (need %d)"
                             % (len(anchor), anchor_num, 2 * anchor_num))
        if not 0 <= threshold <= 1 or not 0 <= nms_value <= 1:
            raise ValueError("KPU.init_yolo2: threshold %r and nms_value %r must be within 0..1" % (threshold, nms_value))
        self._yolo = (tuple(anchor), img_w, img_h, net_w, net_h, layer_w, layer_h, threshold, nms_value, classes)
        return True

    def run_with_output(self, img, get_feature=False):
        """One run of the model on img (an image.Image of the model's input size, its AI frame)."""
        m = self._model("run_with_output")
        if isinstance(img, _image.Image):
            c, h, w = m.input_shape
            ic = 3 if img.format() == _image.RGB565 else 1
            if (ic, img.height(), img.width()) != (c, h, w):
                raise ValueError("KPU.run_with_output: image is %dx%dx%d (w x h x ch), the model input is %dx%dx%d"
                                 % (img.width(), img.height(), ic, w, h, c))
        self._out = _kpu.forward(m, img)
        return list(self._out) if get_feature else None

    def get_outputs(self):
        """Every output of the last run as lists of floats."""
        m = self._model("get_outputs")
        if self._out is None:
            raise ValueError("KPU.get_outputs: call run_with_output() first")
        return [list(_kpu.get_output(m, i)) for i in range(m.outputs)]

    def regionlayer_yolo2(self):
        """[[x, y, w, h, classid, prob], ...] in img_w x img_h pixels, best first."""
        if self._yolo is None:
            raise ValueError("KPU.regionlayer_yolo2: call init_yolo2() first")
        if self._out is None:
            raise ValueError("KPU.regionlayer_yolo2: call run_with_output() first")
        anchor, img_w, img_h, net_w, net_h, lw, lh, thr, nms_v, classes = self._yolo
        dets = _yolo2.decode(self._out, lw, lh, anchor, classes, thr, nms_v, img_w, img_h)
        out = []
        for d in dets:
            x1, y1 = int(d[0] + 0.5), int(d[1] + 0.5)
            out.append([x1, y1, int(d[2] + 0.5) - x1, int(d[3] + 0.5) - y1, d[5], d[4]])
        return out

    def deinit(self):
        if self._m is not None and self._m.live:
            _kpu.deinit(self._m)
        self._m = self._out = None
        return True
