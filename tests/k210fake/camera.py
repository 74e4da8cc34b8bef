"""Fakes of the K210 DVP (with its SCCB master) and of the OV2640, OV5640 and GC0328 sensors behind
it, written from the register descriptions (Kendryte K210 DVP registers; the OV2640/OV5640
datasheets' DSP window, zoom, timing and mirror/flip registers; the GC0328 datasheet's crop,
subsample and mirror/flip registers), not from the drivers under test.

A sensor looks at a fixed scene (coloured 8x8 blocks over its whole field of view) and sends the
part its registers select, mirrored/flipped by its registers combined with how it is mounted on
the board. The DVP writes what arrives as the display frame (each pixel pair as one 32-bit word,
left pixel in the high half: the layout MaixPy turns around with its reverse_u32pixel into
OpenMV's byte-swapped RGB565) and the three AI planes, at the addresses programmed, once a capture
is started; it checks that its programmed geometry and input format match what the sensor sends."""
from __future__ import annotations

import struct

from k210fake import devices as dv

DVP_BASE = 0x50430000


def scene(nx: float, ny: float) -> tuple[int, int, int]:
    """The scene at normalised field position (0..1, 0..1), left-to-right / top-to-bottom as a
    person standing behind the camera sees it."""
    bx, by = min(int(nx * 8), 7), min(int(ny * 8), 7)
    return bx * 32 + 16, by * 32 + 16, 220 if (bx + by) % 2 else 30


def rgb565(r: int, g: int, b: int) -> int:
    return ((r >> 3) << 11) | ((g >> 2) << 5) | (b >> 3)


def luma(r: int, g: int, b: int) -> int:
    return (r * 299 + g * 587 + b * 114) // 1000


class Sensor:
    """Common part: an SCCB slave with 8- or 16-bit register addresses. `mount_h`/`mount_v`: the
    board's mounting (the mirror/flip register values that show the scene upright)."""
    addr = 0
    reg16 = False

    def __init__(self, mount_h: int = 0, mount_v: int = 0) -> None:
        self.mount_h, self.mount_v = mount_h, mount_v
        self.ptr = 0
        self.writes: list[tuple[int, int]] = []   # (register, value) in order
        self.resets = 0
        self.reset_regs()

    # --- SCCB ---
    def sccb_write(self, payload: list[int]) -> None:
        n = 2 if self.reg16 else 1
        if len(payload) < n:
            raise AssertionError(f"{type(self).__name__}: {len(payload)}-byte register address")
        self.ptr = (payload[0] << 8 | payload[1]) if self.reg16 else payload[0]
        if len(payload) == n + 1:
            self.writes.append((self.ptr, payload[n]))
            self.write_reg(self.ptr, payload[n])
        elif len(payload) > n + 1:
            raise AssertionError(f"{type(self).__name__}: {len(payload)} bytes in one write")

    def sccb_read(self) -> int:
        return self.read_reg(self.ptr)

    # --- to be provided ---
    def reset_regs(self) -> None: ...
    def write_reg(self, reg: int, value: int) -> None: ...
    def read_reg(self, reg: int) -> int: ...

    def geometry(self) -> tuple[int, int, object]:
        """(width, height, fn(u, v) -> normalised (nx, ny) before mirror/flip)."""
        raise NotImplementedError

    def mirror_flip(self) -> tuple[int, int]:
        raise NotImplementedError

    def sends(self) -> str:
        """'yuv' or 'rgb565'."""
        raise NotImplementedError

    def image(self) -> tuple[int, int, list[tuple[int, int, int]]]:
        """What the sensor sends: width, height, pixels (r, g, b) row-major."""
        w, h, at = self.geometry()
        mh, mv = self.mirror_flip()
        # the mounting turns the scene; the register setting turns it back when they agree
        flip_x, flip_y = mh != self.mount_h, mv != self.mount_v
        px = []
        for v in range(h):
            for u in range(w):
                nx, ny = at(w - 1 - u if flip_x else u, h - 1 - v if flip_y else v)
                px.append(scene(nx, ny))
        return w, h, px


class Ov2640(Sensor):
    """Bank 0xFF (0 DSP, 1 sensor). Sensor bank: PIDH 0x0A = 0x26, PIDL 0x0B = 0x42, COM7 0x12
    (bit 7 soft reset; resolution bits 6:4: 4 = SVGA 800x600), REG04 0x04 (bit 7 mirror, bit 6
    flip, bit 4 VREF that must go with flip). DSP bank: R_BYPASS 0x05 (1 = bypassed), HSIZE8/VSIZE8
    0xC0/0xC1 (input size / 8), CTRLI 0x50, HSIZE 0x51 / VSIZE 0x52 (window / 4), XOFFL 0x53,
    YOFFL 0x54, VHYX 0x55 (V_SIZE[8] bit 7, YOFF[10:8] 6:4, H_SIZE[8] bit 3, XOFF[10:8] 2:0),
    TEST 0x57 (H_SIZE[9] bit 7), ZMOW 0x5A / ZMOH 0x5B (output / 4), ZMHH 0x5C (OUTW[9:8] 1:0,
    OUTH[8] bit 2), IMAGE_MODE 0xDA (bits 3:2 format: 0 YUV422, 2 RGB565)."""
    addr = 0x60

    def reset_regs(self) -> None:
        self.bank = 0
        self.r = {0: {0x05: 1}, 1: {0x0A: 0x26, 0x0B: 0x42, 0x04: 0x28, 0x12: 0x00}}

    def write_reg(self, reg: int, value: int) -> None:
        if reg == 0xFF:
            self.bank = value & 1
            return
        if self.bank == 1 and reg == 0x12 and value & 0x80:
            self.resets += 1
            self.reset_regs()
            self.bank = 1
            return
        if self.bank == 1 and reg in (0x0A, 0x0B):
            return                                          # read-only
        self.r[self.bank][reg] = value

    def read_reg(self, reg: int) -> int:
        if reg == 0xFF:
            return self.bank
        return self.r[self.bank].get(reg, 0)

    def dsp(self, reg: int) -> int:
        return self.r[0].get(reg, 0)

    def geometry(self):
        if (self.r[1].get(0x12, 0) >> 4) & 7 != 4:
            raise AssertionError(f"OV2640 not in SVGA (COM7 = {self.r[1].get(0x12, 0):#x})")
        if self.dsp(0x05) & 1:
            raise AssertionError("OV2640 DSP left bypassed")
        if self.dsp(0xC0) * 8 != 800 or self.dsp(0xC1) * 8 != 600:
            raise AssertionError("OV2640 DSP input size is not the SVGA array")
        vhyx = self.dsp(0x55)
        hs = (self.dsp(0x51) | ((vhyx >> 3) & 1) << 8 | ((self.dsp(0x57) >> 7) & 1) << 9) * 4
        vs = (self.dsp(0x52) | ((vhyx >> 7) & 1) << 8) * 4
        x0 = self.dsp(0x53) | (vhyx & 7) << 8
        y0 = self.dsp(0x54) | ((vhyx >> 4) & 7) << 8
        w = (self.dsp(0x5A) | (self.dsp(0x5C) & 3) << 8) * 4
        h = (self.dsp(0x5B) | ((self.dsp(0x5C) >> 2) & 1) << 8) * 4
        if x0 + hs > 800 or y0 + vs > 600 or hs == 0 or vs == 0:
            raise AssertionError(f"OV2640 window {hs}x{vs}+{x0}+{y0} outside the array")
        return w, h, lambda u, v: ((x0 + (u + 0.5) * hs / w) / 800, (y0 + (v + 0.5) * vs / h) / 600)

    def mirror_flip(self) -> tuple[int, int]:
        r4 = self.r[1].get(0x04, 0)
        if bool(r4 & 0x40) != bool(r4 & 0x10):
            raise AssertionError(f"OV2640 REG04 {r4:#x}: flip without VREF (or VREF without flip)")
        return (r4 >> 7) & 1, (r4 >> 6) & 1

    def sends(self) -> str:
        return "rgb565" if (self.dsp(0xDA) >> 2) & 3 == 2 else "yuv"


class Gc0328(Sensor):
    """Page select 0xFE (bit 7 = soft reset); chip id 0xF0 = 0x9D. Page 0: mirror/flip 0x17 (bit 0
    mirror, bit 1 flip); crop 0x50 (bit 0 enable), y0 0x51/0x52, x0 0x53/0x54, height 0x55/0x56,
    width 0x57/0x58 (high byte first), in output pixels; subsample 0x59 (0x11 1:1, 0x22 1:2,
    0x44 1:4) of the 640x480 field; output format 0x44 (0-3 YUV422 orders, 6 RGB565)."""
    addr = 0x42

    def reset_regs(self) -> None:
        self.page = 0
        self.r = {p: {} for p in range(4)}

    def write_reg(self, reg: int, value: int) -> None:
        if reg == 0xFE:
            if value & 0x80:
                self.resets += 1
                self.reset_regs()
            self.page = value & 3
            return
        if reg >= 0xF0:
            return
        self.r[self.page][reg] = value

    def read_reg(self, reg: int) -> int:
        if reg == 0xF0:
            return 0x9D
        if reg == 0xFE:
            return self.page
        return self.r[self.page].get(reg, 0)

    def p0(self, reg: int) -> int:
        return self.r[0].get(reg, 0)

    def geometry(self):
        ratio = {0x11: 1, 0x22: 2, 0x44: 4}.get(self.p0(0x59))
        if ratio is None:
            raise AssertionError(f"GC0328 subsample {self.p0(0x59):#x}")
        fw, fh = 640 // ratio, 480 // ratio
        if not self.p0(0x50) & 1:
            return fw, fh, lambda u, v: ((u + 0.5) / fw, (v + 0.5) / fh)
        y0, x0 = self.p0(0x51) << 8 | self.p0(0x52), self.p0(0x53) << 8 | self.p0(0x54)
        h, w = self.p0(0x55) << 8 | self.p0(0x56), self.p0(0x57) << 8 | self.p0(0x58)
        if x0 + w > fw or y0 + h > fh or not w or not h:
            raise AssertionError(f"GC0328 crop {w}x{h}+{x0}+{y0} outside {fw}x{fh}")
        return w, h, lambda u, v: ((x0 + u + 0.5) / fw, (y0 + v + 0.5) / fh)

    def mirror_flip(self) -> tuple[int, int]:
        return self.p0(0x17) & 1, (self.p0(0x17) >> 1) & 1

    def sends(self) -> str:
        return "rgb565" if self.p0(0x44) & 0xF == 6 else "yuv"


class Ov5640(Sensor):
    """16-bit registers. Chip id 0x300A/0x300B = 0x56 0x40; 0x3008 bit 7 soft reset. Array window
    X 0x3800/01..0x3804/05, Y 0x3802/03..0x3806/07; subsampling increments 0x3814/0x3815 (odd
    7:4 + even 3:0, step = sum / 2); ISP offsets 0x3810/11, 0x3812/13 into the subsampled image,
    the ISP input being what is left after an offset on both sides; output DVPHO 0x3808/09 x
    DVPVO 0x380A/0B. Flip 0x3820 bits 2:1, mirror 0x3821 bits 2:1 (both bits or neither).
    0x4300 format (0x6x RGB565, 0x3x YUV422)."""
    addr = 0x78
    reg16 = True

    def reset_regs(self) -> None:
        self.r = {0x300A: 0x56, 0x300B: 0x40}

    def write_reg(self, reg: int, value: int) -> None:
        if reg == 0x3008 and value & 0x80:
            self.resets += 1
            self.reset_regs()
            return
        if reg in (0x300A, 0x300B):
            return
        self.r[reg] = value

    def read_reg(self, reg: int) -> int:
        return self.r.get(reg, 0)

    def w16(self, reg: int) -> int:
        return self.r.get(reg, 0) << 8 | self.r.get(reg + 1, 0)

    def window(self) -> tuple[int, int, int, int, int, int]:
        """(sub_w, sub_h, x_off, y_off, in_w, in_h)"""
        xs = ((self.r.get(0x3814, 0x11) >> 4) + (self.r.get(0x3814, 0x11) & 0xF)) // 2
        ys = ((self.r.get(0x3815, 0x11) >> 4) + (self.r.get(0x3815, 0x11) & 0xF)) // 2
        sub_w = (self.w16(0x3804) - self.w16(0x3800) + 1) // xs
        sub_h = (self.w16(0x3806) - self.w16(0x3802) + 1) // ys
        xo, yo = self.w16(0x3810), self.w16(0x3812)
        return sub_w, sub_h, xo, yo, sub_w - 2 * xo, sub_h - 2 * yo

    def geometry(self):
        sub_w, sub_h, xo, yo, in_w, in_h = self.window()
        w, h = self.w16(0x3808), self.w16(0x380A)
        if in_w <= 0 or in_h <= 0 or not w or not h:
            raise AssertionError(f"OV5640 ISP window {in_w}x{in_h} -> {w}x{h}")
        return w, h, lambda u, v: ((xo + (u + 0.5) * in_w / w) / sub_w, (yo + (v + 0.5) * in_h / h) / sub_h)

    def mirror_flip(self) -> tuple[int, int]:
        m, f = (self.r.get(0x3821, 0) >> 1) & 3, (self.r.get(0x3820, 0) >> 1) & 3
        if m not in (0, 3) or f not in (0, 3):
            raise AssertionError(f"OV5640 mirror/flip bits half set ({m:#x}, {f:#x})")
        return int(m == 3), int(f == 3)

    def sends(self) -> str:
        return "rgb565" if self.r.get(0x4300, 0) >> 4 == 6 else "yuv"


class Dvp(dv.Regs):
    """K210 DVP. DVP_CFG 0x00 (AI out bit 2, display out bit 3, burst-4 bit 8, format 10:9: 0 RGB,
    1 YUV, 3 Y; bursts per line 19:12, lines 29:20), R/G/B planes 0x04/0x08/0x0C, CMOS_CFG 0x10
    (XCLK divider 7:0 with XCLK = APB1 / ((div + 1) * 2), XCLK enable bit 8, RESET pin bit 16,
    PWDN pin bit 24), SCCB_CFG 0x14 (bytes - 1 in 1:0, SCL low/high counts 15:8 / 23:16 in APB1
    cycles, read data 31:24), SCCB_CTL 0x18 (byte 0 = device address with bit 0 = write phase,
    then bytes 1-3), AXI 0x1C, STS 0x20 (frame start bit 0, finish bit 8, DVP_EN 16, SCCB_EN 24,
    each with a write-enable bit above it; writing a flag with its enable clears it, DVP_EN/SCCB_EN
    start), display frame 0x28. Needs the DVP clock (SYSCTL CLK_EN_PERI bit 3)."""
    name = "dvp"

    def __init__(self, sysctl: dv.Sysctl, sensors: list[Sensor], memory_write, frames: bool = True,
                 sccb_stuck: bool = False) -> None:
        super().__init__()
        self.sysctl, self.sensors = sysctl, {s.addr: s for s in sensors}
        self.memory_write = memory_write
        self.frames, self.sccb_stuck = frames, sccb_stuck
        self.sccb_busy = 0
        self.transactions: list[tuple[int, str, list[int]]] = []   # (address, "w"/"r", bytes)
        self.sccb_rates: list[float] = []
        self.captures: list[dict] = []
        self.flags = 0
        self.vsync_in = 0
        self.converting = False

    def apb1(self) -> float:
        return self.sysctl.cpu_hz() / (((self.sysctl.r.get(0x20, 0) >> 6) & 7) + 1)

    def _clock_on(self) -> None:
        if not self.sysctl.r.get(0x2C, 0) & (1 << 3):
            raise AssertionError("DVP register access with the DVP clock off")

    def sensor_running(self) -> bool:
        c = self.r.get(0x10, 0)
        return bool(c & (1 << 8)) and bool(c & (1 << 16)) and not c & (1 << 24)

    def xclk(self) -> float:
        return self.apb1() / (((self.r.get(0x10, 0) & 0xFF) + 1) * 2)

    def write(self, off: int, value: int, width: int) -> None:
        self._clock_on()
        if off == 0x20:
            self._sts(value)
            return
        super().write(off, value, width)

    def read(self, off: int, width: int) -> int:
        self._clock_on()
        if off == 0x20:
            return self._sts_read()
        return super().read(off, width)

    # --- SCCB ---
    def _sccb(self) -> None:
        cfg, ctl = self.r.get(0x14, 0), self.r.get(0x18, 0)
        lcnt, hcnt = (cfg >> 8) & 0xFF, (cfg >> 16) & 0xFF
        if not lcnt or not hcnt:
            raise AssertionError("SCCB started with no SCL timing")
        rate = self.apb1() / (lcnt + hcnt)
        self.sccb_rates.append(rate)
        if rate > 400_000:
            raise AssertionError(f"SCCB at {rate:.0f} Hz: above the 400 kHz SCCB maximum")
        if not self.sensor_running():
            raise AssertionError("SCCB used while the sensor has no XCLK, is in reset or powered down")
        n = (cfg & 3) + 1
        data = [(ctl >> (8 * i)) & 0xFF for i in range(n)]
        addr, write = data[0] & 0xFE, data[0] & 1
        dev = self.sensors.get(addr)
        if write:
            self.transactions.append((addr, "w", data[1:]))
            if dev:
                dev.sccb_write(data[1:])
        else:
            value = dev.sccb_read() if dev else 0xFF            # nobody drives SDA: pulled up
            self.transactions.append((addr, "r", [value]))
            self.r[0x14] = (cfg & 0x00FFFFFF) | value << 24

    # --- status and capture ---
    def _sts(self, value: int) -> None:
        start_seen = self.flags & 1
        for flag in (0, 8):                                     # frame start / finish: write 1 to clear
            if value & (1 << flag) and value & (2 << flag):
                self.flags &= ~(1 << flag)
        if value & (1 << 24) and value & (1 << 25):
            if self.sccb_stuck:
                self.sccb_busy = 1 << 60
            else:
                self._sccb()
                self.sccb_busy = 2
        if value & (1 << 16) and value & (1 << 17):
            if not start_seen:
                raise AssertionError("DVP_EN written before a frame start was seen")
            self.converting = True

    def _sts_read(self) -> int:
        v = self.flags
        if self.sccb_busy:
            self.sccb_busy -= 1
            v |= 1 << 24
        if self.frames and self.sensor_running() and not self.flags & 1 and not self.converting:
            self.vsync_in += 1
            if self.vsync_in >= 3:                              # a frame starts a little later
                self.flags |= 1
        if self.converting:
            self._deliver()
            self.converting = False
            self.vsync_in = 0
            self.flags |= 1 << 8
        return v

    def _deliver(self) -> None:
        cfg = self.r.get(0x00, 0)
        lines, bursts = (cfg >> 20) & 0x3FF, (cfg >> 12) & 0xFF
        per_line = bursts * (32 if cfg & (1 << 8) else 8)
        if cfg & (1 << 8) and (self.r.get(0x1C, 0) & 0xFF) != 3:
            raise AssertionError("DVP 4-beat bursts with the AXI master's length not set to 4")
        fmt = (cfg >> 9) & 3
        live = [s for s in self.sensors.values() if s.resets]   # the one the driver brought up
        if len(live) != 1:
            raise AssertionError(f"{len(live)} initialised sensors on the bus")
        sensor = live[0]
        w, h, px = sensor.image()
        if (w, h) != (per_line, lines):
            raise AssertionError(f"DVP expects {per_line}x{lines}, the sensor sends {w}x{h}")
        sends = sensor.sends()
        if fmt == 3:
            if sends != "yuv":
                raise AssertionError("DVP set to keep luma (Y) but the sensor sends RGB565")
        elif (fmt == 1) != (sends == "yuv") or fmt not in (0, 1):
            raise AssertionError(f"DVP format {fmt} but the sensor sends {sends}")
        cap = {"w": w, "h": h, "fmt": fmt, "display": None, "ai": None}
        if cfg & (1 << 3) and fmt != 3:
            raw = b"".join(struct.pack("<HH", rgb565(*px[i + 1]), rgb565(*px[i]))
                           for i in range(0, w * h, 2))         # (left << 16) | right words
            cap["display"] = self.r.get(0x28, 0)
            self.memory_write(self.r[0x28], raw)
        if cfg & (1 << 2):
            planes = ([bytes(luma(*p) for p in px)] * 3 if fmt == 3
                      else [bytes(p[c] for p in px) for c in range(3)])
            cap["ai"] = (self.r.get(0x04, 0), self.r.get(0x08, 0), self.r.get(0x0C, 0))
            for addr, plane in zip(cap["ai"], planes):
                self.memory_write(addr, plane)
        self.captures.append(cap)
