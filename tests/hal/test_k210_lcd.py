"""The K210 LCD drivers (firmware/k210: lcd_bus.c, lcd_st7789.c, lcd_ili9486.c, lcd_k210.c)
compiled for the host against the SPI0-octal and panel fakes of tests/k210fake/lcd.py, one
library per panel: the Maix Bit/Dock/Go/Maixduino ST7789 320x240, the Cube's 240x240 IPS ST7789
(frame memory larger than the glass) and the Amigo's ILI9486 480x320.

Checked against the panels' datasheets: the command stream and its timing, where the pixels land
in the frame memory (every pixel on the glass, none outside it, in every rotation), and that the
four rotations turn the picture by quarter turns and the mirrored forms reflect it."""
from __future__ import annotations

import ctypes
import errno
from pathlib import Path

import numpy as np
import pytest

from k210fake import devices as dv
from k210fake import lcd
from k210fake.chip import Chip, hal_library

PANELS = {
    # name: (fake kind, memory cols, rows, glass cols, rows, size in rotation 0, IPS, max WR rate)
    "st7789_320x240": ("st7789", 240, 320, 240, 320, (320, 240), False, 1 / 66e-9),
    "st7789_240x240": ("st7789", 240, 320, 240, 240, (240, 240), True, 1 / 66e-9),
    "ili9486_480x320": ("ili9486", 320, 480, 320, 480, (480, 320), False, 1 / 50e-9),
}
BUF_OFF = 0x100000


class Info(ctypes.Structure):
    _fields_ = [("width", ctypes.c_uint16), ("height", ctypes.c_uint16)]


class LcdChip(Chip):
    def __init__(self, lib: Path, tmp: Path, name: str) -> None:
        super().__init__(lib, tmp)
        kind, gc, gr, vc, vr, _, _, max_wr = PANELS[name]
        self.clint = next(b for _, _, b in self.bus.blocks if isinstance(b, dv.Clint))
        self.panel = lcd.Panel(kind, gc, gr, vc, vr, self.now_ms, max_wr)
        self.gpio = lcd.LcdGpiohs()
        self.gpio.panel = self.panel
        self.bus.blocks = [(b, s, self.gpio if b == 0x38001000 else blk) for b, s, blk in self.bus.blocks]
        self.gpio.bus = self.bus
        self.spi0 = lcd.Spi0Lcd(self.sysctl, self.gpio, self.panel)
        self.gpio.spi = self.spi0
        self.bus.attach(lcd.SPI0_BASE, 0x200, self.spi0)
        self.lib.lcd_hw_draw.argtypes = [ctypes.c_uint, ctypes.c_uint, ctypes.c_uint, ctypes.c_uint, ctypes.c_void_p]
        self.cpu = self.boot_clocks()
        self.info = Info()

    def now_ms(self) -> float:
        return self.clint.mtime / (self.cpu / 50) * 1000

    def init(self, freq: int = 0) -> int:
        return self.lib.lcd_hw_init(freq, ctypes.byref(self.info))

    def direction(self, rotation: int, mirror: int = 0) -> int:
        return self.lib.lcd_hw_direction(rotation, mirror, ctypes.byref(self.info))

    def draw(self, x: int, y: int, pixels: np.ndarray) -> int:
        h, w = pixels.shape
        off = ctypes.addressof(self.arena.contents) + BUF_OFF
        ctypes.memmove(off, pixels.astype("<u2").tobytes(), 2 * w * h)
        return self.lib.lcd_hw_draw(x, y, w, h, off)

    def fpioa_func(self, io: int) -> int:
        blk = next(b for base, _, b in self.bus.blocks if base == 0x502B0000)
        return blk.r.get(4 * io, 0) & 0xFF

    def check(self) -> None:
        super().check()
        assert self.panel.errors == []


@pytest.fixture(scope="session")
def libs() -> dict[str, Path]:
    return {name: hal_library(f"k210lcd_{name}") for name in PANELS}


@pytest.fixture(params=list(PANELS))
def chip(request, libs, tmp_path):
    c = LcdChip(libs[request.param], tmp_path, request.param)
    c.name = request.param
    yield c
    c.check()


def test_init_sequence_and_timing(chip):
    assert chip.init() == 0
    _, _, _, _, _, size, ips, _ = PANELS[chip.name]
    assert (chip.info.width, chip.info.height) == size
    p = chip.panel
    assert p.hard_resets == 1
    cmds = [c for _, c, _ in p.commands]
    assert cmds[0] == 0x01                                   # SWRESET first
    i_slpout = cmds.index(0x11)
    if p.kind == "ili9486":                                  # the Amigo panel's own settings
        assert {0xF1, 0xF2, 0xF8, 0xF9, 0xC1, 0xC5, 0xE0, 0xE1} <= set(cmds[1:i_slpout])
    params = {c: prm for _, c, prm in p.commands}
    assert params[0x3A] == [0x55]                            # 16-bit pixels
    assert (0x21 in cmds) == ips                             # IPS glass is inverted
    assert cmds[-1] == 0x29 and p.on and not p.sleeping
    assert chip.sysctl.r[0x54] & (1 << 10)                   # SPI0 data on the DVP/LCD pads
    assert chip.sysctl.r[0x6C] & 0xC0 == 0xC0                # banks 6 and 7 at 1.8 V
    funcs = {io: chip.fpioa_func(io) for io in (36, 37, 38, 39)}
    assert funcs == {36: 15, 37: 24 + 30, 38: 24 + 31, 39: 17}   # SS3, GPIOHS30, GPIOHS31, SCLK
    # MADCTL of rotation 0: MaixPy's default on these boards (MY|MV; the Amigo's MV|BGR)
    assert params[0x36] == ([0x28] if p.kind == "ili9486" else [0xA0])


def test_fill_covers_exactly_the_glass_in_every_rotation(chip):
    assert chip.init() == 0
    rotations = range(4) if chip.name == "st7789_240x240" else [0, 1]
    for r in rotations:
        chip.panel.gram[:] = -1
        assert chip.direction(r) == 0
        assert chip.lib.lcd_hw_fill(0x1234 + r) == 0
        assert (chip.panel.glass() == 0x1234 + r).all(), f"rotation {r}: part of the glass not written"
        assert chip.panel.hidden_writes() == 0, f"rotation {r}: pixels outside the glass"
    assert chip.spi0.frames_by_bits.get(32, 0) > 0           # pixel pairs as 32-bit frames


def corners(chip, w: int, h: int) -> dict[str, tuple[int, int]]:
    """Glass (row, col) of the logical pixels (0,0), (1,0), (0,1), (w-1,0) and (w-1,h-1)."""
    chip.panel.gram[:] = -1
    marks = {"o": (0, 0, 0x1111), "x": (1, 0, 0x2222), "y": (0, 1, 0x3333), "tr": (w - 1, 0, 0x5555),
             "far": (w - 1, h - 1, 0x4444)}
    for x, y, v in marks.values():
        assert chip.draw(x, y, np.array([[v]])) == 0
    g = chip.panel.glass()
    out = {}
    for k, (_, _, v) in marks.items():
        rows, cols = np.nonzero(g == v)
        assert len(rows) == 1, f"marker {k} written {len(rows)} times"
        out[k] = (int(rows[0]), int(cols[0]))
    return out


def handedness(c: dict[str, tuple[int, int]]) -> int:
    dx = (c["x"][0] - c["o"][0], c["x"][1] - c["o"][1])
    dy = (c["y"][0] - c["o"][0], c["y"][1] - c["o"][1])
    assert sorted(map(abs, dx + dy)) == [0, 0, 1, 1], "x and y steps are not unit steps along the glass"
    return dx[0] * dy[1] - dx[1] * dy[0]


def test_rotations_are_quarter_turns_and_mirror_reflects(chip):
    assert chip.init() == 0
    p = chip.panel
    glass_corners = {(0, 0), (0, p.vis_cols - 1), (p.vis_rows - 1, 0), (p.vis_rows - 1, p.vis_cols - 1)}
    seen, hands = [], set()
    for r in range(4):
        assert chip.direction(r) == 0
        w, h = chip.info.width, chip.info.height
        assert {w, h} == {p.vis_cols, p.vis_rows}
        c = corners(chip, w, h)
        assert c["o"] in glass_corners and c["far"] in glass_corners
        assert c["far"] == (p.vis_rows - 1 - c["o"][0], p.vis_cols - 1 - c["o"][1])   # opposite corner
        seen.append(c["o"])
        hands.add(handedness(c))
        assert chip.direction(r, 1) == 0
        m = corners(chip, chip.info.width, chip.info.height)
        assert handedness(m) == -handedness(c)                # a reflection, not a turn
        assert m["o"] == c["tr"]                              # left and right exchanged
    assert len(hands) == 1                                    # no rotation mirrors the picture
    assert len(set(seen)) == 4                                # the top-left visits every corner
    for r in range(4):                                        # a half turn takes it to the opposite corner
        a, b = seen[r], seen[(r + 2) % 4]
        assert b == (p.vis_rows - 1 - a[0], p.vis_cols - 1 - a[1])


def test_rectangle_lands_in_order(chip):
    assert chip.init() == 0
    c = corners(chip, chip.info.width, chip.info.height)
    ox, oy = c["o"]
    dx = (c["x"][0] - ox, c["x"][1] - oy)
    dy = (c["y"][0] - ox, c["y"][1] - oy)
    chip.panel.gram[:] = -1
    rng = np.random.default_rng(7)
    block = rng.integers(0, 0x10000, size=(5, 7))            # 35 pixels: ends with a 16-bit frame
    x0, y0 = 10, 20
    assert chip.draw(x0, y0, block) == 0
    g = chip.panel.glass()
    for v in range(5):
        for u in range(7):
            x, y = x0 + u, y0 + v
            assert g[ox + x * dx[0] + y * dy[0], oy + x * dx[1] + y * dy[1]] == block[v, u]
    assert (g != -1).sum() == 35
    assert chip.spi0.frames_by_bits.get(16, 0) >= 1


def test_asked_rate_is_capped_by_the_panel(chip):
    assert chip.init(80_000_000) == 0
    assert chip.lib.lcd_hw_fill(0x0F0F) == 0                 # the fake checks every WR strobe's rate
    assert 0.5 * PANELS[chip.name][7] < chip.spi0.wr_hz() <= PANELS[chip.name][7]


def test_draw_outside_the_panel_is_einval(chip):
    assert chip.lib.lcd_hw_fill(0) == -errno.ENODEV          # before init
    assert chip.init() == 0
    w, h = chip.info.width, chip.info.height
    n = len(chip.panel.commands)
    one = np.zeros((1, 1))
    assert chip.draw(w, 0, one) == -errno.EINVAL
    assert chip.draw(0, h, one) == -errno.EINVAL
    assert chip.draw(w - 1, h - 1, np.zeros((2, 2))) == -errno.EINVAL
    assert chip.lib.lcd_hw_direction(4, 0, ctypes.byref(chip.info)) == -errno.EINVAL
    assert len(chip.panel.commands) == n                     # nothing reached the panel


def test_stuck_bus_times_out(libs, tmp_path):
    c = LcdChip(libs["st7789_320x240"], tmp_path, "st7789_320x240")
    assert c.init() == 0
    c.spi0.PER_READ = 0                                      # the FIFO stops draining
    assert c.lib.lcd_hw_fill(0xFFFF) == -errno.ETIMEDOUT
    assert [e for e in c.bus.errors if "frames unsent" not in e] == []   # it gave up and disabled SPI0
    assert c.panel.errors == []
