"""Fakes of the K210's SPI0 in octal (8080) mode and of the LCD controllers behind it (Sitronix
ST7789V, Ilitek ILI9486), written from their datasheets, not from the drivers under test.

SPI0 (DesignWare SSI): CTRLR0 frame size 20:16 (bits - 1), transfer mode 9:8 (1 = transmit
only), frame format 22:21 (3 = octal); SPI_CTRLR0 (0xF4) transfer type 1:0 (2 = instruction and
address in the frame format); SER bit 3 = SS3 (the panel's CS); frames leave MSB first, one byte
per WR strobe, while SSIENR = 1 and SS3 is selected, a few per status read. D/CX (GPIOHS 31)
must not change while frames are still queued; RESX is GPIOHS 30.

The panel: SWRESET 0x01, SLPOUT 0x11, NORON 0x13, INVON 0x21, DISPON 0x29, CASET 0x2A / RASET
0x2B (start and end, 16 bits each), RAMWR 0x2C (pixels follow, 16 bits each, high byte first
with COLMOD 0x55), MADCTL 0x36 (MY 0x80 reverses the row address, MX 0x40 the column address,
MV 0x20 exchanges them: the CASET range then runs along the memory's rows), COLMOD 0x3A.
Timing: 5 ms after RESX or SWRESET before the next command, 120 ms after SWRESET before SLPOUT,
5 ms after SLPOUT before the next command."""
from __future__ import annotations

import numpy as np

from k210fake import devices as dv

SPI0_BASE = 0x52000000
DCX, RST = 31, 30


class Panel:
    def __init__(self, kind: str, gram_cols: int, gram_rows: int, vis_cols: int, vis_rows: int,
                 now, max_wr_hz: float) -> None:
        self.kind, self.gram_cols, self.gram_rows = kind, gram_cols, gram_rows
        self.vis_cols, self.vis_rows = vis_cols, vis_rows
        self.now, self.max_wr_hz = now, max_wr_hz
        self.gram = np.zeros((gram_rows, gram_cols), dtype=np.int32) - 1   # -1: never written
        self.commands: list[tuple[float, int, list[int]]] = []              # (ms, cmd, params)
        self.errors: list[str] = []
        self.cmd: int | None = None
        self.params: list[int] = []
        self.sleeping, self.madctl, self.colmod, self.on, self.inverted = True, 0, 0, False, False
        self.window = (0, gram_cols - 1, 0, gram_rows - 1)
        self.reset_at = 0.0
        self.swreset_at: float | None = None
        self.slpout_at: float | None = None
        self.last_cmd_at = -1e9
        self.rst_low_at: float | None = None
        self.hard_resets = 0
        self.pix: list[int] = []
        self.xy = (0, 0)

    # --- pins ---
    def resx(self, level: int) -> None:
        t = self.now()
        if level == 0:
            self.rst_low_at = t
        elif self.rst_low_at is not None:
            if t - self.rst_low_at < 0.01:
                self.errors.append(f"RESX low for {t - self.rst_low_at:.3f} ms (>= 10 us)")
            self.hard_resets += 1
            self.reset_at = t
            self.sleeping, self.madctl, self.colmod, self.on = True, 0, 0, False
            self.rst_low_at = None

    # --- bus ---
    def byte(self, dcx: int, b: int) -> None:
        if dcx == 0:
            self._command(b)
        else:
            self._data(b)

    def _command(self, c: int) -> None:
        t = self.now()
        for since, what in ((self.reset_at, "reset"), (self.swreset_at, "SWRESET"), (self.slpout_at, "SLPOUT")):
            if since is not None and since >= self.last_cmd_at and t - since < 5.0:
                self.errors.append(f"command {c:#04x} {t - since:.1f} ms after {what} (needs 5 ms)")
        self._finish()
        self.cmd, self.params, self.last_cmd_at = c, [], t
        self.commands.append((t, c, self.params))
        if c == 0x01:
            self.swreset_at = t
            self.sleeping, self.madctl, self.colmod, self.on = True, 0, 0, False
        elif c == 0x11:
            if self.swreset_at is not None and t - self.swreset_at < 120.0:
                self.errors.append(f"SLPOUT {t - self.swreset_at:.1f} ms after SWRESET (needs 120 ms)")
            self.sleeping, self.slpout_at = False, t
        elif c == 0x29:
            self.on = True
        elif c == 0x21:
            self.inverted = True
        elif c == 0x2C:
            xs, xe, ys, ye = self.window
            self.xy, self.pix = (xs, ys), []
            if self.colmod & 0x7 != 5:
                self.errors.append(f"RAMWR with COLMOD {self.colmod:#x} (not 16-bit pixels)")
            if self.sleeping:
                self.errors.append("RAMWR while asleep")

    def _finish(self) -> None:
        c, p = self.cmd, self.params
        if c in (0x2A, 0x2B):
            if len(p) != 4:
                self.errors.append(f"{'CASET' if c == 0x2A else 'RASET'} with {len(p)} bytes")
                return
            s, e = p[0] << 8 | p[1], p[2] << 8 | p[3]
            xs, xe, ys, ye = self.window
            self.window = (s, e, ys, ye) if c == 0x2A else (xs, xe, s, e)
        elif c == 0x36 and len(p) == 1:
            self.madctl = p[0]
        elif c == 0x3A and len(p) == 1:
            self.colmod = p[0]

    def _data(self, b: int) -> None:
        if self.cmd is None:
            self.errors.append("data before any command")
            return
        if self.cmd != 0x2C:
            self.params.append(b)   # applied when the next command starts (_finish)
            return
        self.pix.append(b)
        if len(self.pix) == 2:
            self._pixel(self.pix[0] << 8 | self.pix[1])
            self.pix = []

    def _pixel(self, value: int) -> None:
        xs, xe, ys, ye = self.window
        x, y = self.xy
        if y > ye:
            self.errors.append("more pixels than the window holds")
            return
        row, col = (x, y) if self.madctl & 0x20 else (y, x)
        if self.madctl & 0x80:
            row = self.gram_rows - 1 - row
        if self.madctl & 0x40:
            col = self.gram_cols - 1 - col
        if not (0 <= row < self.gram_rows and 0 <= col < self.gram_cols):
            self.errors.append(f"pixel at memory row {row} column {col}: outside the frame memory")
        else:
            self.gram[row, col] = value
        x += 1
        if x > xe:
            x, y = xs, y + 1
        self.xy = (x, y)

    def glass(self) -> np.ndarray:
        """What the glass shows (memory rows x columns in MADCTL = 0 order)."""
        return self.gram[:self.vis_rows, :self.vis_cols]

    def hidden_writes(self) -> int:
        """Pixels written to memory the glass does not show."""
        g = self.gram.copy()
        g[:self.vis_rows, :self.vis_cols] = -1
        return int((g != -1).sum())


class LcdGpiohs(dv.Gpiohs):
    """GPIOHS with the panel's RESX (30) and D/CX (31) lines."""

    def __init__(self) -> None:
        super().__init__()
        self.panel: Panel | None = None
        self.spi: Spi0Lcd | None = None

    def write(self, off: int, value: int, width: int) -> None:
        old = [self.level(n) for n in (RST, DCX)]
        super().write(off, value, width)
        new = [self.level(n) for n in (RST, DCX)]
        if self.spi is not None and old[1] != new[1] and self.spi.txq:
            raise AssertionError(f"D/CX changed with {len(self.spi.txq)} frames still queued")
        if old[0] != new[0] and new[0] is not None and self.panel is not None:
            self.panel.resx(new[0])


class Spi0Lcd(dv.Regs):
    name = "spi0"
    DEPTH = 32
    PER_READ = 4

    def __init__(self, sysctl: dv.Sysctl, gpiohs: LcdGpiohs, panel: Panel) -> None:
        super().__init__()
        self.sysctl, self.gpiohs, self.panel = sysctl, gpiohs, panel
        self.txq: list[tuple[int, int]] = []   # (value, bits)
        self.frames_by_bits: dict[int, int] = {}

    def active(self) -> bool:
        return bool(self.r.get(0x08, 0)) and bool(self.r.get(0x10, 0) & (1 << 3))

    def wr_hz(self) -> float:
        baud = self.r.get(0x14, 0)
        return self.sysctl.spi_hz(0) / baud if baud else 0.0

    def _drain(self, n: int) -> None:
        if not self.active():
            return
        if self.sysctl.r.get(0x54, 0) & (1 << 10) == 0:
            raise AssertionError("SPI0 data pads not routed to the DVP/LCD pads (SYSCTL MISC bit 10)")
        for _ in range(min(n, len(self.txq))):
            value, bits = self.txq.pop(0)
            hz = self.wr_hz()
            if not 0 < hz <= self.panel.max_wr_hz:
                raise AssertionError(f"WR strobe at {hz / 1e6:.2f} MHz (panel allows {self.panel.max_wr_hz / 1e6:.2f})")
            dcx = self.gpiohs.level(DCX)
            if dcx is None:
                raise AssertionError("D/CX not driven")
            if dcx == 0 and bits != 8:
                raise AssertionError(f"command sent as a {bits}-bit frame")
            self.frames_by_bits[bits] = self.frames_by_bits.get(bits, 0) + 1
            for k in range(bits // 8 - 1, -1, -1):
                self.panel.byte(dcx, (value >> (8 * k)) & 0xFF)

    def write(self, off: int, value: int, width: int) -> None:
        if off == 0x00 and self.r.get(0x08, 0):
            raise AssertionError("spi0: CTRLR0 written while enabled")
        if off == 0x08 and value == 0 and self.txq:
            raise AssertionError(f"spi0 disabled with {len(self.txq)} frames unsent")
        if off == 0x60:
            if not self.r.get(0x08, 0):
                raise AssertionError("spi0: DR written while disabled")
            c0 = self.r.get(0x00, 0)
            if (c0 >> 21) & 3 != 3 or (c0 >> 8) & 3 != 1:
                raise AssertionError(f"spi0 not octal transmit-only (CTRLR0 {c0:#x})")
            if self.r.get(0xF4, 0) & 3 != 2:
                raise AssertionError("spi0: instruction/address not in the octal frame format")
            if len(self.txq) >= self.DEPTH:
                raise AssertionError("spi0: TX FIFO overrun")
            bits = ((c0 >> 16) & 0x1F) + 1
            self.txq.append((value & ((1 << bits) - 1) if bits < 32 else value & 0xFFFFFFFF, bits))
            return
        super().write(off, value, width)

    def read(self, off: int, width: int) -> int:
        self._drain(self.PER_READ)
        if off == 0x20:
            return len(self.txq)
        if off == 0x28:
            return 0b10 | (0b100 if not self.txq else 0) | (1 if self.txq and self.active() else 0)
        return super().read(off, width)
