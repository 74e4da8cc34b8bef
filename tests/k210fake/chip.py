"""A fresh copy of the K210 drivers built for the host (tests/hostlibs), wired to the register fakes."""
from __future__ import annotations

import ctypes
import os
import shutil
from pathlib import Path

import hostlibs
from k210fake import devices as dv

ROOT = Path(__file__).resolve().parents[2]
BUS_FN = ctypes.CFUNCTYPE(ctypes.c_uint64, ctypes.c_uint64, ctypes.c_int, ctypes.c_int, ctypes.c_uint64)
CPU_HZ, KPU_HZ = 400_000_000, 400_000_000


def hal_library(target: str) -> Path:
    """One of the K210-driver libraries of tests/hostlibs/CMakeLists.txt (drivers compiled with
    K210_FAKE_MMIO over the register fakes, SRAM in the host map), built by CMake."""
    return hostlibs.library(target)


class Chip:
    """A fresh copy of the drivers (their static state starts over) wired to fresh fakes."""

    def __init__(self, lib_path: Path, tmp: Path, sd: bool = True, flash: dv.W25Q128 | None = None,
                 kpu: dv.Kpu | None = None) -> None:
        copy = tmp / f"hal-{os.getpid()}-{id(self)}.so"
        shutil.copy(lib_path, copy)
        self.lib = ctypes.CDLL(str(copy))
        self.bus = dv.Bus()
        self.sysctl = dv.Sysctl()
        self.gpiohs = dv.Gpiohs()
        self.uarths = dv.Uarths()
        self.card = dv.SdCard(self.gpiohs, 7) if sd else dv.SpiDevice()
        self.flash = flash or dv.W25Q128()
        self.kpu = kpu or dv.Kpu()
        self.dmac = dv.Dmac(self.sysctl)
        self.rtc = dv.Rtc()
        self.spi1 = dv.Spi("spi1", False, self.card, self.sysctl, cs_from_ser=False)
        self.spi3 = dv.Spi("spi3", True, self.flash, self.sysctl, cs_from_ser=True)
        for base, size, block in [(0x02000000, 0x10000, dv.Clint()), (0x38000000, 0x1000, self.uarths),
                                  (0x38001000, 0x1000, self.gpiohs), (0x40800000, 0x100, self.kpu),
                                  (0x50000000, 0x1000, self.dmac), (0x502B0000, 0x1000, dv.Regs()),
                                  (0x50440000, 0x1000, self.sysctl), (0x53000000, 0x200, self.spi1),
                                  (0x54000000, 0x200, self.spi3), (0x50460000, 0x100, self.rtc)]:
            self.bus.attach(base, size, block)
        self.dmac.sources[0x40800030] = (22, self.kpu.pop_stream)   # SYSCTL_DMA_SELECT_AI_RX_REQ
        self.dmac.sources[0x54000060] = (6, self.spi3.pop_words)    # SPI3 DR: SYSCTL_DMA_SELECT_SSI3_RX_REQ
        self.lib.kpu_sim_sram.restype = ctypes.POINTER(ctypes.c_uint8)
        self.arena = self.lib.kpu_sim_sram()
        self.dmac.memory_write = self._dma_write
        self.callback = BUS_FN(self.bus.access)
        self.lib.fake_set_bus(self.callback)
        for fn, res, args in [("sysctl_clocks_init", ctypes.c_uint32, [ctypes.c_uint32, ctypes.c_uint32]),
                              ("uarths_init", ctypes.c_uint32, [ctypes.c_uint32, ctypes.c_uint32]),
                              ("sdcard_block_count", ctypes.c_uint32, None),
                              ("spiflash_size", ctypes.c_size_t, None)]:
            if hasattr(self.lib, fn):      # not every test library has every driver
                getattr(self.lib, fn).restype = res
                if args:
                    getattr(self.lib, fn).argtypes = args

    def _dma_write(self, bus_addr: int, data: bytes) -> None:
        off = bus_addr - 0x80000000
        assert 0 <= off and off + len(data) <= 8 << 20, f"DMA to {bus_addr:#x} outside SRAM"
        ctypes.memmove(ctypes.addressof(self.arena.contents) + off, data, len(data))

    def arena_bytes(self, off: int, n: int) -> bytes:
        return ctypes.string_at(ctypes.addressof(self.arena.contents) + off, n)

    def boot_clocks(self) -> int:
        cpu = self.lib.sysctl_clocks_init(CPU_HZ, KPU_HZ)
        self.lib.clint_init(ctypes.c_uint32(cpu // 50))
        return cpu

    def check(self) -> None:
        assert self.bus.errors == [], self.bus.errors
        assert getattr(self.card, "errors", []) == []


