"""The K210 camera drivers (firmware/k210: dvp.c, sccb.c, sensor_*.c, camera_k210.c) compiled for
the host against the register fakes of tests/k210fake/camera.py: sensor probing by chip id over
SCCB, frames of every standard size and a centred window delivered through the DVP into the
display frame and the planar AI frame at once, mirror/flip relative to the board's mounting,
grayscale, and bounded waits when the sensor or the bus does not answer.

The expected pictures are computed here from the scene and the geometry of a centred crop of the
mode (QQVGA/QVGA/VGA), not from the drivers' register arithmetic. The test library is built for a
board whose camera is mounted like the Maix boards' OV2640 (mirror register set when upright)."""
from __future__ import annotations

import ctypes
import errno
from pathlib import Path

import numpy as np
import pytest

from k210fake import camera as cam
from k210fake.chip import Chip, hal_library

MOUNT_H, MOUNT_V = 1, 0   # tests/k210fake/board.h: BOARD_CAMERA_HMIRROR / BOARD_CAMERA_VFLIP
DISPLAY_OFF, AI_OFF = 0x100000, 0x200000
MODES = [(80, 60), (160, 120), (320, 240), (640, 480)]


class Cfg(ctypes.Structure):
    _fields_ = [("width", ctypes.c_uint16), ("height", ctypes.c_uint16), ("grayscale", ctypes.c_uint8),
                ("hmirror", ctypes.c_uint8), ("vflip", ctypes.c_uint8)]


@pytest.fixture(scope="session")
def cam_lib() -> Path:
    return hal_library("k210cam")


class CamChip(Chip):
    def __init__(self, lib: Path, tmp: Path, sensors: list[cam.Sensor], **dvp_args) -> None:
        super().__init__(lib, tmp)
        self.sensors = sensors
        self.dvp = cam.Dvp(self.sysctl, sensors, self._dma_write, **dvp_args)
        self.bus.attach(cam.DVP_BASE, 0x100, self.dvp)
        self.fpioa = next(b for base, _, b in self.bus.blocks if base == 0x502B0000)
        self.lib.camera_hw_configure.argtypes = [ctypes.POINTER(Cfg)]
        self.lib.camera_hw_snapshot.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_uint32]
        self.boot_clocks()

    def init(self) -> tuple[int, int]:
        ident = ctypes.c_uint32(0)
        return self.lib.camera_hw_init(ctypes.byref(ident)), ident.value

    def configure(self, w: int, h: int, gray: int = 0, hmirror: int = 0, vflip: int = 0) -> int:
        return self.lib.camera_hw_configure(ctypes.byref(Cfg(w, h, gray, hmirror, vflip)))

    def ptr(self, off: int) -> int:
        return ctypes.addressof(self.arena.contents) + off

    def snapshot(self, display: bool = True, ai: bool = True, timeout_ms: int = 200) -> int:
        return self.lib.camera_hw_snapshot(self.ptr(DISPLAY_OFF) if display else None,
                                           self.ptr(AI_OFF) if ai else None, timeout_ms)

    def display(self, w: int, h: int) -> np.ndarray:
        return np.frombuffer(self.arena_bytes(DISPLAY_OFF, 2 * w * h), dtype="<u2").reshape(h, w)

    def ai(self, w: int, h: int) -> np.ndarray:
        return np.frombuffer(self.arena_bytes(AI_OFF, 3 * w * h), dtype=np.uint8).reshape(3, h, w)


def expected(w: int, h: int) -> np.ndarray:
    """The upright scene as a centred w x h crop of the smallest standard mode holding it:
    (h, w, 3) uint8."""
    mw, mh = next(m for m in MODES if w <= m[0] and h <= m[1])
    out = np.zeros((h, w, 3), dtype=np.uint8)
    for v in range(h):
        for u in range(w):
            out[v, u] = cam.scene(((mw - w) / 2 + u + 0.5) / mw, ((mh - h) / 2 + v + 0.5) / mh)
    return out


def to565(img: np.ndarray) -> np.ndarray:
    r, g, b = (img[..., c].astype(np.uint16) for c in range(3))
    return ((r >> 3) << 11) | ((g >> 2) << 5) | (b >> 3)


def sensor(kind: str) -> cam.Sensor:
    return {"ov2640": cam.Ov2640, "gc0328": cam.Gc0328, "ov5640": cam.Ov5640}[kind](MOUNT_H, MOUNT_V)


# --- probing ---

@pytest.mark.parametrize("kind,ident", [("ov2640", 0x2642), ("gc0328", 0x9D), ("ov5640", 0x5640)])
def test_probe_finds_the_fitted_sensor(cam_lib, tmp_path, kind, ident):
    s = sensor(kind)
    c = CamChip(cam_lib, tmp_path, [s])
    assert c.init() == (0, ident)
    assert s.resets >= 1 and len(s.writes) > 100            # soft reset, then its initial table
    others = {0x60, 0x42, 0x78} - {s.addr}
    # addresses tried before this one: a chip-id probe (register address, OV2640 bank select),
    # the pulled-up bus read back, nothing else written
    probes = [t for t in c.dvp.transactions if t[0] in others]
    assert len(probes) <= 8
    assert all(t[2] == [0xFF] if t[1] == "r" else len(t[2]) <= 2 and t[2] in ([0x0A], [0x0B], [0xFF, 0x01], [0x30, 0x0A], [0x30, 0x0B], [0xF0])
               for t in probes), probes
    assert 0 < c.dvp.xclk() <= 24_000_000
    assert all(300_000 < r <= 400_000 for r in c.dvp.sccb_rates)
    assert c.dvp.apb1() <= 204e6
    # the pads (function numbers from the K210's FPIOA table) and their 1.8 V banks
    funcs = {io: c.fpioa.r.get(4 * io, 0) & 0xFF for io in range(40, 48)}
    assert funcs == {40: 147, 41: 146, 42: 133, 43: 135, 44: 134, 45: 136, 46: 132, 47: 137}
    assert c.sysctl.r[0x6C] & 0xC0 == 0xC0
    c.check()


def test_no_sensor_is_enodev_and_powered_down(cam_lib, tmp_path):
    c = CamChip(cam_lib, tmp_path, [])
    assert c.init()[0] == -errno.ENODEV
    assert c.dvp.r[0x10] & (1 << 24)                        # PWDN high
    assert c.configure(320, 240) == -errno.ENODEV
    assert c.snapshot() == -errno.ENODEV
    c.check()


def test_stuck_sccb_times_out(cam_lib, tmp_path):
    c = CamChip(cam_lib, tmp_path, [sensor("ov2640")], sccb_stuck=True)
    assert c.init()[0] == -errno.ETIMEDOUT
    c.check()


# --- frames ---

@pytest.mark.parametrize("kind", ["ov2640", "gc0328"])
@pytest.mark.parametrize("size", [(160, 120), (320, 240), (224, 224), (168, 120)])
def test_snapshot_delivers_display_and_ai_frames(cam_lib, tmp_path, kind, size):
    w, h = size
    c = CamChip(cam_lib, tmp_path, [sensor(kind)])
    assert c.init()[0] == 0
    assert c.configure(w, h) == 0
    assert c.snapshot() == 0
    want = expected(w, h)
    assert np.array_equal(c.display(w, h), to565(want))    # native RGB565, pixel order
    assert np.array_equal(c.ai(w, h), want.transpose(2, 0, 1))
    cap = c.dvp.captures[-1]
    assert cap["fmt"] == 1                                  # YUV in: the DVP converts
    assert cap["display"] == 0x80000000 + DISPLAY_OFF
    assert cap["ai"] == tuple(0x80000000 + AI_OFF + k * w * h for k in range(3))
    cfg = c.dvp.r[0x00]
    assert bool(cfg & (1 << 8)) == (w % 32 == 0)            # 4-beat bursts when a line holds whole ones
    c.check()


@pytest.mark.parametrize("size", [(640, 480), (80, 60), (64, 64), (128, 128), (240, 240)])
def test_other_sizes_ov2640(cam_lib, tmp_path, size):
    w, h = size
    c = CamChip(cam_lib, tmp_path, [sensor("ov2640")])
    assert c.init()[0] == 0 and c.configure(w, h) == 0 and c.snapshot() == 0
    assert np.array_equal(c.ai(w, h), expected(w, h).transpose(2, 0, 1))
    c.check()


def test_gc0328_has_no_qqqvga(cam_lib, tmp_path):
    c = CamChip(cam_lib, tmp_path, [sensor("gc0328")])
    assert c.init()[0] == 0
    assert c.configure(80, 60) == -errno.EINVAL
    assert c.configure(64, 64) == 0                         # a window of QQVGA
    c.check()


@pytest.mark.parametrize("kind", ["ov2640", "gc0328", "ov5640"])
def test_mirror_and_flip_are_relative_to_the_mounting(cam_lib, tmp_path, kind):
    w, h = 160, 120
    c = CamChip(cam_lib, tmp_path, [sensor(kind)])
    assert c.init()[0] == 0
    pics = {}
    for hm in (0, 1):
        for vf in (0, 1):
            assert c.configure(w, h, hmirror=hm, vflip=vf) == 0 and c.snapshot(display=False) == 0
            pics[hm, vf] = c.ai(w, h).copy()
    up = pics[0, 0]
    if kind != "ov5640":                                    # exact crop geometry: compare with the scene
        assert np.array_equal(up, expected(w, h).transpose(2, 0, 1))
    assert np.array_equal(pics[1, 0], up[:, :, ::-1])
    assert np.array_equal(pics[0, 1], up[:, ::-1, :])
    assert np.array_equal(pics[1, 1], up[:, ::-1, ::-1])
    c.check()


def test_grayscale_is_luma_in_both_frames(cam_lib, tmp_path):
    w, h = 320, 240
    c = CamChip(cam_lib, tmp_path, [sensor("gc0328")])
    assert c.init()[0] == 0 and c.configure(w, h, gray=1) == 0
    assert c.snapshot() == 0
    want = expected(w, h).astype(np.int32)
    luma = ((want[..., 0] * 299 + want[..., 1] * 587 + want[..., 2] * 114) // 1000).astype(np.uint8)
    ai = np.frombuffer(c.arena_bytes(AI_OFF, w * h), dtype=np.uint8).reshape(h, w)
    disp = np.frombuffer(c.arena_bytes(DISPLAY_OFF, w * h), dtype=np.uint8).reshape(h, w)
    assert np.array_equal(ai, luma) and np.array_equal(disp, luma)
    assert c.dvp.captures[-1]["fmt"] == 3
    c.check()


@pytest.mark.parametrize("size", [(320, 240), (224, 224), (160, 120)])
def test_ov5640_window_keeps_the_mode_scale_and_is_centred(cam_lib, tmp_path, size):
    w, h = size
    s = sensor("ov5640")
    c = CamChip(cam_lib, tmp_path, [s])
    assert c.init()[0] == 0 and c.configure(w, h) == 0
    sub_w, sub_h, xo, yo, in_w, in_h = s.window()
    mw, mh = next(m for m in MODES if w <= m[0] and h <= m[1])
    assert (s.w16(0x3808), s.w16(0x380A)) == (w, h)
    assert abs(in_w / w - 640 / mw) < 0.02 * 640 / mw      # the mode's scale, both ways
    assert abs(in_h / h - 480 / mh) < 0.03 * 480 / mh
    assert xo * 2 + in_w == sub_w and yo * 2 + in_h == sub_h
    assert c.snapshot() == 0 and c.dvp.captures[-1]["fmt"] == 0   # RGB565 in
    c.check()


# --- errors and bounded waits ---

def test_no_frames_times_out(cam_lib, tmp_path):
    c = CamChip(cam_lib, tmp_path, [sensor("ov2640")], frames=False)
    assert c.init()[0] == 0 and c.configure(320, 240) == 0
    assert c.snapshot(timeout_ms=20) == -errno.ETIMEDOUT
    c.check()


def test_bad_configuration_and_buffers(cam_lib, tmp_path):
    c = CamChip(cam_lib, tmp_path, [sensor("ov2640")])
    assert c.init()[0] == 0
    assert c.snapshot() == -errno.EINVAL                    # not configured yet
    for w, h in [(100, 120), (320, 242), (800, 600), (0, 240), (648, 480)]:
        assert c.configure(w, h) == -errno.EINVAL, (w, h)
    assert c.configure(320, 240) == 0
    outside = ctypes.create_string_buffer(320 * 240 * 2)    # host memory: no DVP could reach it
    assert c.lib.camera_hw_snapshot(ctypes.addressof(outside), None, 100) == -errno.EFAULT
    assert c.lib.camera_hw_snapshot(c.ptr(DISPLAY_OFF + 4), None, 100) == -errno.EINVAL   # not 8-byte aligned
    assert c.dvp.captures == []
    c.check()
