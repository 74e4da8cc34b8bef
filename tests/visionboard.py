"""Shared by the vision tests: a simulated board with a camera (K210_SIM_CAMERA* in the launched
process's environment), the LCD frame buffer file (lcd.fb) as numpy, and RGB565 helpers written
from the format (5/6/5 bits, widened by repeating the top bits), independent of the firmware."""
from __future__ import annotations

import contextlib
import os
import struct
from pathlib import Path

import numpy as np

from k210tools.board import Board
from realmodels import model_path

DOG = "yolo20class_dog_320x240.bmp"
DOG_CHW = "yolo20class_dog_320x240_rgb_chw.bin"
CROWD_JPG = "facedetect_crowd_320x240.jpg"
CROWD_CHW = "facedetect_crowd_320x240_rgb_chw.bin"


def shared(name: str) -> Path:
    """A file of the shared model directory (the running test is skipped if it is missing)."""
    return model_path(name)


def chw(name: str) -> np.ndarray:
    """A shared *_rgb_chw.bin as (3, 240, 320) uint8."""
    return np.fromfile(model_path(name), np.uint8).reshape(3, 240, 320)


def to565(rgb: np.ndarray) -> np.ndarray:
    """(..., 3) uint8 -> RGB565 values."""
    r, g, b = (rgb[..., i].astype(np.uint16) for i in range(3))
    return ((r & 0xF8) << 8) | ((g & 0xFC) << 3) | (b >> 3)


def widen565(p: np.ndarray) -> np.ndarray:
    """RGB565 values -> (..., 3) uint8 with each channel's top bits repeated into the low bits."""
    p = p.astype(np.uint16)
    r5, g6, b5 = p >> 11, (p >> 5) & 63, p & 31
    return np.stack([(r5 << 3) | (r5 >> 2), (g6 << 2) | (g6 >> 4), (b5 << 3) | (b5 >> 2)], -1).astype(np.uint8)


def luma(rgb: np.ndarray) -> np.ndarray:
    """BT.601 integer luma (77 R + 150 G + 29 B + 128) >> 8."""
    r, g, b = (rgb[..., i].astype(np.int32) for i in range(3))
    return ((77 * r + 150 * g + 29 * b + 128) >> 8).astype(np.uint8)


def ppm(rgb: np.ndarray) -> bytes:
    h, w = rgb.shape[:2]
    return b"P6\n%d %d\n255\n" % (w, h) + np.ascontiguousarray(rgb, np.uint8).tobytes()


def read_pnm(data: bytes) -> np.ndarray:
    """A P5/P6 file from image.save -> (h, w) or (h, w, 3)."""
    parts = data.split(b"\n", 3)
    w, h = map(int, parts[1].split())
    a = np.frombuffer(parts[3], np.uint8)
    return a.reshape(h, w) if parts[0] == b"P5" else a.reshape(h, w, 3)


def lcd_fb(state: Path) -> tuple[np.ndarray, int]:
    """The panel as (h, w) RGB565 and the update count, from the state directory's lcd.fb."""
    d = (state / "lcd.fb").read_bytes()
    assert d[:4] == b"K2FB"
    w, h, n = struct.unpack_from("<HHI", d, 4)
    return np.frombuffer(d, np.uint16, w * h, 16).reshape(h, w), n


@contextlib.contextmanager
def camera_board(state: Path, camera: Path | str, mount: str = "none", fps: int = 1000):
    """A simulated board whose camera shows `camera` (a high frame rate keeps tests fast)."""
    env = {"K210_SIM_CAMERA": str(camera), "K210_SIM_CAMERA_MOUNT": mount, "K210_SIM_CAMERA_FPS": str(fps)}
    old = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        b = Board.connect("sim", state_dir=state)
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    try:
        yield b
    finally:
        b.close()
