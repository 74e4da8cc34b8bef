"""MaixPy's `from board import board_info`: the pads of this board's LEDs and BOOT key (from the
board folders' notes; the simulated board answers as a Maix Bit)."""
import os

# machine name (os.uname().machine) -> (LED_R, LED_G, LED_B, BOOT_KEY)
_PINS = (
    ("Maix Bit", (13, 12, 14, 16)),
    ("Maixduino", (13, 12, 14, 16)),
    ("Maix Dock", (14, 13, 12, 16)),
    ("Maix Go", (14, 12, 13, 16)),
    ("Maix Cube", (13, 12, 14, 16)),
    ("Maix Amigo", (14, 15, 17, 16)),
    ("Simulated K210 board", (13, 12, 14, 16)),
)


class _BoardInfo:
    def __init__(self, machine):
        for name, pins in _PINS:
            if name in machine:
                self.name = name
                self.LED_R, self.LED_G, self.LED_B, self.BOOT_KEY = pins
                return
        raise ImportError("board_info: no pin table for %r" % machine)


board_info = _BoardInfo(os.uname().machine)
