"""Fakes of the K210's register blocks and of the chips on its buses, written from datasheet
facts (K210 register map as in docs/kpu.md "Memory and registers" and the Kendryte datasheet; the SD
Physical Layer Simplified Specification's SPI mode; the Winbond W25Q128 datasheet), not from the
drivers under test. Every register access is logged; protocol violations go to Bus.errors
(exceptions cannot cross the ctypes callback)."""
from __future__ import annotations

from dataclasses import dataclass, field

IN0_HZ = 26_000_000


class Bus:
    """Dispatches each access to the block whose address range holds it."""

    def __init__(self) -> None:
        self.blocks: list[tuple[int, int, object]] = []
        self.log: list[tuple[str, str, int, int]] = []   # (block, "r"/"w", offset, value)
        self.errors: list[str] = []

    def attach(self, base: int, size: int, block: object) -> None:
        self.blocks.append((base, size, block))
        block.bus = self

    def access(self, addr: int, width: int, write: int, value: int) -> int:
        for base, size, block in self.blocks:
            if base <= addr < base + size:
                off = addr - base
                try:
                    if write:
                        self.log.append((block.name, "w", off, value))
                        block.write(off, value, width)
                        return 0
                    v = block.read(off, width)
                    self.log.append((block.name, "r", off, v))
                    return v
                except Exception as e:  # noqa: BLE001 - reported by the test, not swallowed
                    self.errors.append(f"{block.name} {'write' if write else 'read'} +{off:#x}: {e!r}")
                    return 0
        self.errors.append(f"access to unmapped address {addr:#x}")
        return 0

    def writes(self, name: str, off: int | None = None) -> list[int]:
        return [v for b, k, o, v in self.log if b == name and k == "w" and (off is None or o == off)]


class Regs:
    name = "regs"

    def __init__(self) -> None:
        self.r: dict[int, int] = {}

    def read(self, off: int, width: int) -> int:
        return self.r.get(off, 0)

    def write(self, off: int, value: int, width: int) -> None:
        self.r[off] = value


class Sysctl(Regs):
    """PLLn at 0x08/0x0C/0x10: clkr 0-3, clkf 4-9, clkod 10-13, reset 20, pwrd 21, bypass 23,
    out_en 25. A PLL locks once powered and its reset has been pulsed; PLL_LOCK (0x18) then shows
    bits 0-1 (PLL0), bit 8 (PLL1), bit 16 (PLL2)."""
    name = "sysctl"

    def __init__(self) -> None:
        super().__init__()
        self.locked = [False, False, False]
        self.reset_seen = [False, False, False]
        self.param_write_while_running: list[int] = []
        # as the boot ROM may leave it: CPU on PLL0 (26 MHz x 30 / 1) through ACLK divider 1
        self.r[0x08] = (29 << 4) | (29 << 14) | (1 << 21) | (1 << 25)
        self.locked[0] = True
        self.r[0x20] = 0b011

    def write(self, off: int, value: int, width: int) -> None:
        if off in (0x08, 0x0C, 0x10):
            n = (off - 0x08) // 4
            old = self.r.get(off, 0)
            if (old ^ value) & 0xFFFFF and old & (1 << 25):
                self.param_write_while_running.append(n)   # parameters changed with the output on
            if not value & (1 << 21):
                self.locked[n] = self.reset_seen[n] = False
            elif value & (1 << 20):
                self.reset_seen[n] = True
            elif self.reset_seen[n]:
                self.locked[n] = True
            if n == 0 and (value & (1 << 25)) and not self.locked[0]:
                raise AssertionError("PLL0 output enabled before it locked")
        super().write(off, value, width)

    def read(self, off: int, width: int) -> int:
        if off == 0x18:
            return (3 if self.locked[0] else 0) | (0x100 if self.locked[1] else 0) | (0x10000 if self.locked[2] else 0)
        return super().read(off, width)

    # --- decoding, from the clock tree's formulas ---
    def pll_hz(self, n: int) -> float:
        v = self.r.get(0x08 + 4 * n, 0)
        if not (v & (1 << 21)) or not (v & (1 << 25)):
            return 0.0
        r, f, od = (v & 0xF) + 1, ((v >> 4) & 0x3F) + 1, ((v >> 10) & 0xF) + 1
        return IN0_HZ * f / (r * od)

    def vco_hz(self, n: int) -> float:
        v = self.r.get(0x08 + 4 * n, 0)
        return IN0_HZ * (((v >> 4) & 0x3F) + 1) / ((v & 0xF) + 1)

    def cpu_hz(self) -> float:
        sel = self.r.get(0x20, 0)
        if not sel & 1:
            return IN0_HZ
        return self.pll_hz(0) / (2 << ((sel >> 1) & 3))

    def kpu_hz(self) -> float:
        return self.pll_hz(1) / (((self.r.get(0x38, 0) >> 8) & 0xF) + 1)

    def spi_hz(self, n: int) -> float:
        th = (self.r.get(0x3C, 0) >> (8 * n)) & 0xFF
        src = self.pll_hz(0)
        if n == 3 and not (self.r.get(0x20, 0) >> 12) & 1:
            src = IN0_HZ
        return src / ((th + 1) * 2)


class Clint(Regs):
    """mtime (0xBFF8) advances on every read, so every bounded wait in a driver terminates."""
    name = "clint"
    STEP = 200

    def __init__(self) -> None:
        super().__init__()
        self.mtime = 0

    def read(self, off: int, width: int) -> int:
        if off == 0xBFF8:
            self.mtime += self.STEP
            return self.mtime
        return super().read(off, width)


class Uarths(Regs):
    """TXDATA (0x00) bit 31 = full on read; DIV (0x18): baud = f_cpu / (div + 1)."""
    name = "uarths"

    def __init__(self) -> None:
        super().__init__()
        self.tx = bytearray()

    def write(self, off: int, value: int, width: int) -> None:
        if off == 0x00:
            self.tx.append(value & 0xFF)
        super().write(off, value, width)

    def read(self, off: int, width: int) -> int:
        if off == 0x00:
            return 0                   # never full
        if off == 0x04:
            return 1 << 31             # RX empty
        return super().read(off, width)


class Gpiohs(Regs):
    """OUTPUT_VAL 0x0C, OUTPUT_EN 0x08: the level of line n is driven only when enabled."""
    name = "gpiohs"

    def level(self, n: int) -> int | None:
        if not (self.r.get(0x08, 0) >> n) & 1:
            return None                # not driven (a pull-up keeps CS high)
        return (self.r.get(0x0C, 0) >> n) & 1


class SpiDevice:
    def select(self, on: bool) -> None:
        pass

    def exchange(self, mosi: int) -> int:
        return 0xFF


class Spi(Regs):
    """DesignWare SSI master. CTRLR0 fields: SPI0-2 dfs 16-20, tmod 8-9; SPI3 dfs 0-4, tmod 10-11.
    Frames move only while SSIENR = 1 and SER != 0; TMOD 0 = TX and RX, 1 = TX only, 2 = RX only,
    3 = EEPROM (send the TX FIFO, then receive CTRLR1 + 1 frames). FIFOs 32 deep; disabling the
    SSI empties them. `cs_from_ser`: the device's chip select is the controller's SS0 (SPI3);
    otherwise a GPIO selects it and the device sees every frame.
    Enhanced receive (FRF != 0, TMOD 2): the TX FIFO's first two entries are the instruction
    (SPI_CTRLR0 inst_l 2 = 8 bits) and the address (addr_l 8 = 32 bits), then wait_cycles dummy
    clocks, then CTRLR1 + 1 frames; a 32-bit frame packs four device bytes, the first in bits
    31-24 (shifted in MSB first). `pop_words` serves the DMA (RX request) from the RX FIFO."""

    DEPTH = 32

    def __init__(self, name: str, spi3: bool, device: SpiDevice, sysctl: Sysctl, cs_from_ser: bool) -> None:
        super().__init__()
        self.name, self.spi3, self.dev, self.sysctl, self.cs_from_ser = name, spi3, device, sysctl, cs_from_ser
        self.txq: list[int] = []
        self.rxq: list[int] = []
        self.rx_pending = 0
        self.active = False
        self.sclk_at_frame: list[float] = []    # SCLK of each frame moved
        self.enhanced_reads: list[tuple[int, int, int]] = []   # (frf, address word, frames)

    def _field(self, lo3: int, lo: int, bits: int) -> int:
        return (self.r.get(0x00, 0) >> (lo3 if self.spi3 else lo)) & ((1 << bits) - 1)

    def tmod(self) -> int:
        return self._field(10, 8, 2)

    def sclk(self) -> float:
        baud = self.r.get(0x14, 0)
        return self.sysctl.spi_hz(3 if self.spi3 else 1) / baud if baud else 0.0

    def _set_active(self) -> None:
        active = bool(self.r.get(0x08, 0)) and self.r.get(0x10, 0) != 0
        if active != self.active:
            self.active = active
            if self.cs_from_ser:
                self.dev.select(active)
        self._run()

    def frf(self) -> int:
        return self._field(22, 21, 2)

    def _frame(self, mosi: int) -> int:
        dfs = self._field(0, 16, 5)
        self.sclk_at_frame.append(self.sclk())
        if dfs == 31 and self.frf() != 0:
            w = 0
            for _ in range(4):
                w = w << 8 | self.dev.exchange(0)
            return w
        if dfs != 7:
            raise AssertionError(f"{self.name}: frames are not 8 bits (dfs field {dfs})")
        return self.dev.exchange(mosi)

    def _enhanced_head(self) -> None:
        """Instruction, address and dummy clocks of an enhanced receive (TX FIFO: inst, addr)."""
        x = self.r.get(0xF4, 0)
        inst_l, addr_l, wait = (x >> 8) & 3, (x >> 2) & 0xF, (x >> 11) & 0x1F
        if inst_l != 2 or addr_l not in (6, 8) or len(self.txq) < 2:
            raise AssertionError(f"{self.name}: enhanced read set-up inst_l {inst_l} addr_l {addr_l}, "
                                 f"{len(self.txq)} TX entries")
        self.dev.exchange(self.txq.pop(0) & 0xFF)
        addr = self.txq.pop(0)
        for k in reversed(range(addr_l // 2)):
            self.dev.exchange((addr >> (8 * k)) & 0xFF)
        lines = {1: 2, 2: 4, 3: 8}[self.frf()]
        for _ in range(wait * lines // 8):     # dummy clocks as the bytes they would carry
            self.dev.exchange(0)
        self.rx_pending = self.r.get(0x04, 0) + 1
        self.enhanced_reads.append((self.frf(), addr, self.rx_pending))

    def _run(self) -> None:
        if not self.active:
            return
        mode = self.tmod()
        if mode == 2 and self.frf() != 0 and self.txq:
            self._enhanced_head()
        while self.txq:
            miso = self._frame(self.txq.pop(0))
            if mode == 0:
                if len(self.rxq) >= self.DEPTH:
                    raise AssertionError(f"{self.name}: RX FIFO overrun")
                self.rxq.append(miso)
            if mode == 3 and not self.txq:
                self.rx_pending = self.r.get(0x04, 0) + 1
        if mode in (2, 3):
            # receive frames as fast as the FIFO is drained (the clock is free-running in silicon;
            # a driver that reads too slowly would overrun - not modelled)
            while self.rx_pending and len(self.rxq) < self.DEPTH:
                self.rxq.append(self._frame(0x00))
                self.rx_pending -= 1

    def write(self, off: int, value: int, width: int) -> None:
        super().write(off, value, width)
        if off == 0x08 and value == 0:
            self.txq.clear()
            self.rxq.clear()
            self.rx_pending = 0
        if off == 0x60:
            if not self.r.get(0x08, 0):
                raise AssertionError(f"{self.name}: DR written while the SSI is disabled")
            if len(self.txq) >= self.DEPTH:
                raise AssertionError(f"{self.name}: TX FIFO overrun")
            self.txq.append(value & (0xFFFFFFFF if self._field(0, 16, 5) == 31 else 0xFF))
        if off in (0x08, 0x10, 0x60):
            self._set_active()
        if off == 0x00 and self.r.get(0x08, 0):
            raise AssertionError(f"{self.name}: CTRLR0 written while enabled")

    def pop_words(self, nbytes: int) -> bytes | None:
        """The DMA reading DR (32-bit beats): the next nbytes / 4 received frames, as memory
        holds them (little-endian words); None until the frame has started."""
        if not self.active:
            return None
        out = []
        while len(out) < nbytes // 4:
            if not self.rxq:
                if not self.rx_pending:
                    return None
                self._run()
            out.append(self.rxq.pop(0))
        return b"".join(w.to_bytes(4, "little") for w in out)

    def read(self, off: int, width: int) -> int:
        self._run()
        if off == 0x20:
            return len(self.txq)
        if off == 0x24:
            return len(self.rxq)
        if off == 0x28:   # SR: busy 0, TFNF 1, TFE 2, RFNE 3
            return 0b10 | (0b100 if not self.txq else 0) | (0b1000 if self.rxq else 0) | (1 if (self.txq or self.rx_pending) and self.active else 0)
        if off == 0x60:
            if not self.rxq:
                raise AssertionError(f"{self.name}: DR read with the RX FIFO empty")
            v = self.rxq.pop(0)
            self._run()
            return v
        return super().read(off, width)


def crc7(data: bytes) -> int:
    crc = 0
    for b in data:
        for i in range(7, -1, -1):
            bit = ((b >> i) & 1) ^ ((crc >> 6) & 1)
            crc = (crc << 1) & 0x7F
            if bit:
                crc ^= 0x09
    return (crc << 1) | 1


def crc16_ccitt(data: bytes) -> int:
    crc = 0
    for b in data:
        crc ^= b << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) & 0xFFFF if crc & 0x8000 else (crc << 1) & 0xFFFF
    return crc


class SdCard(SpiDevice):
    """An SDHC card (CSD v2, block addressing) in SPI mode, selected by a GPIOHS line.
    Commands are 6 bytes 01cccccc + 32-bit argument + CRC7|1; CMD0 and CMD8 must carry a valid CRC.
    R1 follows after one 0xFF byte. Idle until ACMD41 (with HCS) has been sent `ready_after` times.
    Reads: R1, 0xFF, token 0xFE, 512 bytes, CRC16. Writes: R1; then token 0xFE, 512 bytes, 2 CRC
    bytes; data response 0x05, busy (0x00) for a few bytes."""

    def __init__(self, gpiohs: Gpiohs, cs_line: int, blocks: int = 2048, ready_after: int = 3) -> None:
        self.gpiohs, self.cs_line = gpiohs, cs_line
        self.data = bytearray(512 * blocks)
        self.blocks = blocks
        self.ready_after = ready_after
        self.acmd41 = 0
        self.idle = True
        self.spi_mode = False
        self.app = False
        self.out: list[int] = []
        self.cmd: list[int] = []
        self.commands: list[tuple[int, int]] = []   # (index, arg); ACMDs as 100 + index
        self.clocks_before_cmd0 = 0
        self.writing: dict | None = None
        self.errors: list[str] = []

    def selected(self) -> bool:
        return self.gpiohs.level(self.cs_line) == 0

    def exchange(self, mosi: int) -> int:
        if not self.selected():
            if not self.commands:
                self.clocks_before_cmd0 += 8
            self.cmd.clear()
            return 0xFF
        out = self.out.pop(0) if self.out else 0xFF
        if self.writing is not None:
            self._write_phase(mosi)
            return out
        if not self.cmd and (mosi & 0xC0) != 0x40:
            return out
        self.cmd.append(mosi)
        if len(self.cmd) == 6:
            frame, self.cmd = bytes(self.cmd), []
            self._command(frame)
        return out

    def _r1(self) -> int:
        return 0x01 if self.idle else 0x00

    def _command(self, f: bytes) -> None:
        idx, arg = f[0] & 0x3F, int.from_bytes(f[1:5], "big")
        app, self.app = self.app, False
        self.commands.append((100 + idx if app else idx, arg))
        if idx in (0, 8) and crc7(f[:5]) != f[5]:
            self.out = [0xFF, self._r1() | 0x08]      # CRC error
            return
        if idx == 0:
            self.spi_mode, self.idle, self.acmd41 = True, True, 0
            self.out = [0xFF, 0x01]
        elif not self.spi_mode:
            self.errors.append(f"CMD{idx} before CMD0")
        elif idx == 8:
            self.out = [0xFF, self._r1(), 0x00, 0x00, (arg >> 8) & 0x0F, arg & 0xFF]
        elif idx == 55:
            self.app = True
            self.out = [0xFF, self._r1()]
        elif app and idx == 41:
            if arg & (1 << 30):
                self.acmd41 += 1
                if self.acmd41 >= self.ready_after:
                    self.idle = False
            self.out = [0xFF, self._r1()]
        elif idx == 58:
            ocr = 0x00FF8000 | ((1 << 31) | (1 << 30) if not self.idle else 0)
            self.out = [0xFF, self._r1(), *ocr.to_bytes(4, "big")]
        elif self.idle:
            self.out = [0xFF, 0x05]                    # illegal in idle state
        elif idx == 16:
            self.out = [0xFF, 0x00 if arg == 512 else 0x40]
        elif idx == 9:
            csd = bytearray(16)
            csd[0] = 0x40                               # CSD structure v2
            c_size = self.blocks // 1024 - 1
            csd[7], csd[8], csd[9] = (c_size >> 16) & 0x3F, (c_size >> 8) & 0xFF, c_size & 0xFF
            csd[15] = crc7(bytes(csd[:15]))
            self.out = [0xFF, 0x00, 0xFF, 0xFE, *csd, 0xFF, 0xFF]
        elif idx == 17:
            if arg >= self.blocks:
                self.out = [0xFF, 0x40]
                return
            blk = bytes(self.data[arg * 512:(arg + 1) * 512])
            self.out = [0xFF, 0x00, 0xFF, 0xFF, 0xFE, *blk, *crc16_ccitt(blk).to_bytes(2, "big")]
        elif idx == 24:
            if arg >= self.blocks:
                self.out = [0xFF, 0x40]
                return
            self.out = [0xFF, 0x00]
            self.writing = {"lba": arg, "buf": bytearray(), "started": False}
        else:
            self.out = [0xFF, 0x04]                    # illegal command

    def _write_phase(self, mosi: int) -> None:
        w = self.writing
        if not w["started"]:
            if mosi == 0xFE:
                w["started"] = True
            elif mosi != 0xFF:
                self.errors.append(f"write: {mosi:#x} before the start token")
            return
        w["buf"].append(mosi)
        if len(w["buf"]) == 514:
            lba = w["lba"]
            self.data[lba * 512:(lba + 1) * 512] = w["buf"][:512]
            self.writing = None
            self.out = [0x05, 0x00, 0x00, 0x00]        # accepted, then busy


class W25Q128(SpiDevice):
    """Winbond W25Q128 (16 MiB): 0x9F -> EF 40 18; 0x03 read; 0x06 sets WEL at CS high; 0x05 status
    (bit 0 BUSY, bit 1 WEL); 0x20 erases the 4 KiB sector (needs WEL, exactly 4 bytes); 0x02 programs
    up to 256 bytes wrapping inside the page, bits only go 1 -> 0; instructions other than 0x05 are
    ignored while BUSY; 0x4B + 4 dummy bytes -> 64-bit unique id; 0x35 status register 2 (bit 1
    QE), 0x01 s1 s2 writes it (needs WEL, then BUSY); 0xEB (quad I/O read): 3 address bytes, a mode
    byte and 4 dummy clocks (2 bytes' time), then data, which is 0xFF while QE is clear."""

    def __init__(self, busy_polls: int = 3, stuck_busy: bool = False) -> None:
        self.mem = bytearray(b"\xff" * (16 << 20))
        self.frame: list[int] = []
        self.selected = False
        self.wel = False
        self.busy = 0
        self.busy_polls = busy_polls
        self.stuck_busy = stuck_busy
        self.frames: list[tuple[int, int | None, int]] = []   # (opcode, address, data bytes)
        self.uid = bytes(range(0x10, 0x18))
        self.s2 = 0                      # status register 2: bit 1 QE (quad enable)

    def select(self, on: bool) -> None:
        if on:
            self.frame = []
        elif self.selected:
            self._finish()
        self.selected = on

    def _addr(self) -> int:
        return int.from_bytes(bytes(self.frame[1:4]), "big")

    def exchange(self, mosi: int) -> int:
        if not self.selected:
            return 0xFF
        self.frame.append(mosi)
        op, n = self.frame[0], len(self.frame)
        if op == 0x05 and n >= 2:
            v = (1 if self.busy else 0) | (2 if self.wel else 0)
            if self.busy and not self.stuck_busy:
                self.busy -= 1
            return v
        if self.busy:
            return 0xFF
        if op == 0x9F and n >= 2:
            return (0xEF, 0x40, 0x18)[(n - 2) % 3]
        if op == 0x35 and n >= 2:
            return self.s2
        if op == 0xEB and n >= 8:
            # instruction, 3 address bytes, mode byte, 2 dummy bytes (4 quad clocks), then data;
            # without QE, IO2/IO3 are /WP and /HOLD: nothing usable comes back
            return self.mem[(self._addr() + n - 8) % len(self.mem)] if self.s2 & 2 else 0xFF
        if op == 0x03 and n >= 5:
            return self.mem[(self._addr() + n - 5) % len(self.mem)]
        if op == 0x4B and n >= 6:
            return self.uid[(n - 6) % 8]
        return 0xFF

    def _finish(self) -> None:
        if not self.frame:
            return
        op = self.frame[0]
        addr = self._addr() if op in (0x03, 0x20, 0x02, 0xEB) and len(self.frame) >= 4 else None
        self.frames.append((op, addr, max(0, len(self.frame) - 4) if op == 0x02 else 0))
        if self.busy and op != 0x05:
            return
        if op == 0x06 and len(self.frame) == 1:
            self.wel = True
        elif op == 0x01 and len(self.frame) == 3 and self.wel:
            self.s2 = self.frame[2]
            self.wel, self.busy = False, self.busy_polls
        elif op == 0x20 and len(self.frame) == 4 and self.wel:
            base = addr & ~0xFFF
            self.mem[base:base + 4096] = b"\xff" * 4096
            self.wel, self.busy = False, self.busy_polls
        elif op == 0x02 and len(self.frame) > 4 and self.wel:
            page = addr & ~0xFF
            for i, b in enumerate(self.frame[4:]):
                a = page + ((addr + i) & 0xFF)
                self.mem[a] &= b
            self.wel, self.busy = False, self.busy_polls


class Dmac(Regs):
    """DW AXI DMAC: channel n registers at 0x100 + 0x100 n (SAR +0, DAR +8, BLOCK_TS +0x10 = beats-1,
    CTL +0x18, CFG +0x20, INTSTATUS +0x88 bit 1 = transfer done); CHEN (0x18) bit n enables channel
    n when its write-enable bit n+8 is set. Peripheral sources are served through `sources`."""
    name = "dmac"

    def __init__(self, sysctl: Sysctl) -> None:
        super().__init__()
        self.sysctl = sysctl
        self.sources: dict[int, tuple[int, object]] = {}   # src address -> (request number, provider)
        self.transfers: list[dict] = []
        self.pending: dict[int, tuple[dict, object]] = {}
        self.memory_write = None   # callable(bus_addr, bytes)

    def write(self, off: int, value: int, width: int) -> None:
        super().write(off, value, width)
        if off == 0x18:
            for n in range(6):
                if (value >> (n + 8)) & 1 and (value >> n) & 1:
                    self._run(n)

    def _run(self, n: int) -> None:
        base = 0x100 + 0x100 * n
        sar, dar = self.r.get(base, 0), self.r.get(base + 8, 0)
        beats = self.r.get(base + 0x10, 0) + 1
        ctl, cfg = self.r.get(base + 0x18, 0), self.r.get(base + 0x20, 0)
        if not self.r.get(0x10, 0) & 1:
            raise AssertionError("DMA channel enabled with the controller off (CFG.dmac_en)")
        sel = self.sysctl.r.get(0x64, 0) >> (6 * n) & 0x3F if n < 5 else self.sysctl.r.get(0x68, 0) & 0x3F
        t = {
            "channel": n, "sar": sar, "dar": dar, "beats": beats,
            "src_width": (ctl >> 8) & 7, "dst_width": (ctl >> 11) & 7,
            "src_fixed": (ctl >> 4) & 1, "dst_fixed": (ctl >> 6) & 1,
            "tt_fc": (cfg >> 32) & 7, "src_hs_sw": (cfg >> 35) & 1, "src_per": (cfg >> 39) & 0xF,
            "request": sel,
        }
        self.transfers.append(t)
        if sar not in self.sources:
            raise AssertionError(f"DMA from {sar:#x}: no device there")
        request, provider = self.sources[sar]
        if t["src_hs_sw"] or t["src_per"] != n or sel != request:
            raise AssertionError(f"DMA channel {n} not paced by the device's request {request}: {t}")
        self.pending[n] = (t, provider)
        self._progress(n)

    def _progress(self, n: int) -> None:
        """A hardware-paced transfer moves once its device has produced the data."""
        if n not in self.pending:
            return
        t, provider = self.pending[n]
        data = provider(t["beats"] * (1 << t["src_width"]))
        if data is None:
            return
        del self.pending[n]
        self.memory_write(t["dar"], data)
        base = 0x100 + 0x100 * n
        self.r[base + 0x88] = self.r.get(base + 0x88, 0) | 2

    def read(self, off: int, width: int) -> int:
        if off >= 0x100 and (off - 0x100) % 0x100 == 0x88:
            self._progress((off - 0x100) // 0x100)
        return super().read(off, width)


class Kpu(Regs):
    """KPU registers (64 bit): layer_argument_fifo 0x00 takes 12 words per layer; interrupt_raw
    0x10 bit 0 = calc_done (raised when word 0 has int_en set); interrupt_clear 0x20;
    fifo_data_out 0x30 streams the output of a send_data_out layer (to the DMA)."""
    name = "kpu"

    def __init__(self, complete: bool = True) -> None:
        super().__init__()
        self.words: list[int] = []
        self.layers: list[list[int]] = []
        self.complete = complete
        self.raw = 0
        self.stream = bytearray()
        self.next_output = b""

    def write(self, off: int, value: int, width: int) -> None:
        if width != 8:
            raise AssertionError(f"KPU register +{off:#x} written with {width}-byte access")
        if off == 0x00:
            self.words.append(value)
            if len(self.words) == 12:
                layer, self.words = self.words, []
                self.layers.append(layer)
                if layer[11] & 1:
                    self.stream += self.next_output
                if self.complete and layer[0] & 1:
                    self.raw |= 1
        elif off == 0x20:
            self.raw &= ~value
        super().write(off, value, width)

    def read(self, off: int, width: int) -> int:
        if off == 0x10:
            return self.raw
        return super().read(off, width)

    def pop_stream(self, n: int) -> bytes | None:
        if len(self.stream) + 7 < n or not self.stream:
            return None                                # not produced yet
        out = bytes(self.stream[:n]).ljust(n, b"\0")   # the last beat is padded
        del self.stream[:n]
        return out


class Rtc(Regs):
    """K210 RTC: DATE (0x00) week 0-2 (0 = Sunday), day 8-12, month 16-19, year % 100 20-31;
    TIME (0x04) second 10-15, minute 16-21, hour 24-28; INITIAL_COUNT (0x10); REGISTER_CTRL
    (0x1C) read enable 0, write enable 1, timer field masks 13-20; EXTENDED (0x28) century 0-4,
    leap 5. Time fields may only be written in setting mode (write enable alone) with their mask
    bits open, and only read in running mode (read enable alone). `tick()` advances one second
    with the calendar's carries; `tick_after_time_reads` ticks right after that many TIME reads
    (a second boundary inside a driver's read sequence)."""
    name = "rtc"

    def __init__(self) -> None:
        super().__init__()
        self.time_reads = 0
        self.tick_after_time_reads: set[int] = set()

    def mode(self) -> str:
        return {0: "pause", 1: "running", 2: "setting"}.get(self.r.get(0x1C, 0) & 3, "invalid")

    def write(self, off: int, value: int, width: int) -> None:
        if off in (0x00, 0x04, 0x10, 0x28):
            if self.mode() != "setting":
                raise AssertionError(f"RTC +{off:#x} written in {self.mode()} mode")
            if off in (0x00, 0x04) and (self.r.get(0x1C, 0) >> 13) & 0xFE != 0xFE:
                raise AssertionError("RTC time written with its fields masked (REGISTER_CTRL 13-20)")
        super().write(off, value, width)

    def read(self, off: int, width: int) -> int:
        if off in (0x00, 0x04, 0x28) and self.mode() != "running":
            raise AssertionError(f"RTC +{off:#x} read in {self.mode()} mode")
        v = super().read(off, width)
        if off == 0x04:
            self.time_reads += 1
            if self.time_reads in self.tick_after_time_reads:
                self.tick()
        return v

    def calendar(self) -> tuple[int, int, int, int, int, int, int]:
        """(year, month, day, hour, minute, second, week) as the registers hold them."""
        d, t, e = self.r.get(0x00, 0), self.r.get(0x04, 0), self.r.get(0x28, 0)
        return ((e & 0x1F) * 100 + (d >> 20), (d >> 16) & 0xF, (d >> 8) & 0x1F,
                (t >> 24) & 0x1F, (t >> 16) & 0x3F, (t >> 10) & 0x3F, d & 7)

    def tick(self) -> None:
        import datetime as _dt
        y, mo, d, h, mi, s, _ = self.calendar()
        n = _dt.datetime(y, mo, d, h, mi, s) + _dt.timedelta(seconds=1)
        self.r[0x00] = (n.isoweekday() % 7) | n.day << 8 | n.month << 16 | (n.year % 100) << 20
        self.r[0x04] = n.second << 10 | n.minute << 16 | n.hour << 24
        leap = n.year % 4 == 0 and (n.year % 100 != 0 or n.year % 400 == 0)
        self.r[0x28] = n.year // 100 | int(leap) << 5
