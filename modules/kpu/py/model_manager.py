"""kmodels by path or flash offset: `with` blocks that deinit on exit, one-at-a-time switching
that always deinits before loading, and MemoryErrors that carry kpu.mem_info() figures."""
import gc

import kpu


def _num(v):
    if not isinstance(v, int):
        return str(v)
    s, neg = str(abs(v)), v < 0
    parts = []
    while len(s) > 3:
        parts.insert(0, s[-3:])
        s = s[:-3]
    parts.insert(0, s)
    return ("-" if neg else "") + ",".join(parts)


def mem_text(info=None):
    """kpu.mem_info() as one line 'key N B, ...' (nested dicts flattened as key.sub)."""
    info = kpu.mem_info() if info is None else info
    items = []
    for k in sorted(info):
        v = info[k]
        if isinstance(v, dict):
            for k2 in sorted(v):
                items.append("%s.%s %s" % (k, k2, _num(v[k2])))
        else:
            items.append("%s %s" % (k, _num(v)))
    return ", ".join(items)


def source_name(src):
    return "flash 0x%x" % src if isinstance(src, int) else str(src)


class Model:
    """A loaded kmodel. `with Model(src) as m:` deinits when the block ends, even on error."""

    def __init__(self, src, size=None):
        self.src = src
        self.handle = None
        try:
            self.handle = kpu.load(src) if size is None else kpu.load(src, size)
        except MemoryError as e:
            raise MemoryError("%s does not fit: %s [mem_info: %s]" % (source_name(src), e, mem_text()))

    def _h(self):
        if self.handle is None:
            raise ValueError("%s: model was deinit'ed; load it again" % source_name(self.src))
        return self.handle

    def forward(self, data, index=0, out=None):
        """Output `index` as an array of its own (it outlives the model, which a `with` block
        deinits); out= fills a caller's array instead, with no allocation."""
        if out is not None:
            return kpu.forward(self._h(), data, index, out=out)
        return kpu.forward(self._h(), data, index).copy()

    def netinfo(self):
        return kpu.netinfo(self._h())

    def set_outputs(self, idx, w, h, ch):
        return kpu.set_outputs(self._h(), idx, w, h, ch)

    def set_layers(self, n):
        return kpu.set_layers(self._h(), n)

    def deinit(self):
        if self.handle is not None:
            h, self.handle = self.handle, None
            kpu.deinit(h)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.deinit()
        return False

    def __repr__(self):
        return "<Model %s %s>" % (source_name(self.src), self.handle if self.handle is not None else "deinit'ed")


class Manager:
    """Keeps at most one model resident: switch() deinits the current one before loading."""

    def __init__(self):
        self.current = None

    def switch(self, src, size=None):
        before = None
        if self.current is not None:
            before = source_name(self.current.src)
            self.current.deinit()
            self.current = None
        gc.collect()
        try:
            self.current = Model(src, size)
        except MemoryError as e:
            raise MemoryError("switch %sto %s failed: %s" % ("from %s " % before if before else "", source_name(src), e))
        return self.current

    def close(self):
        if self.current is not None:
            self.current.deinit()
            self.current = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False
