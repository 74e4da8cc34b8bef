"""The K210 drivers (firmware/k210/*.c) compiled for the host against recording fakes of the
register blocks (tests/k210fake/devices.py, written from the datasheets): clocks, UART divisor,
SD card SPI-mode initialisation and block I/O, W25Q128 command bytes, and the KPU FIFO and DMA."""
from __future__ import annotations

import ctypes
import errno
from pathlib import Path

import pytest

from k210fake import devices as dv
from k210fake.chip import CPU_HZ, KPU_HZ, Chip, hal_library

@pytest.fixture(scope="session")
def hal_lib() -> Path:
    return hal_library("k210hal")   # every driver of firmware/k210 over the fakes


@pytest.fixture
def chip(hal_lib, tmp_path):
    c = Chip(hal_lib, tmp_path)
    yield c
    c.check()


def within(value: float, target: float, rel: float) -> bool:
    return abs(value - target) <= rel * target


# --- clocks ---

def test_pll_registers_decode_to_the_requested_clocks(chip):
    cpu = chip.boot_clocks()
    s = chip.sysctl
    assert within(s.cpu_hz(), CPU_HZ, 0.01) and within(s.kpu_hz(), KPU_HZ, 0.01)
    assert cpu == int(s.cpu_hz())                          # what board_cpu_freq() will report
    for n in (0, 1):
        assert 350e6 <= s.vco_hz(n) <= 1750e6              # the PLL's VCO range
        assert IN0_REF_OK(s.r[0x08 + 4 * n])
    assert s.param_write_while_running == []
    # the CPU ran from the crystal while PLL0 was reprogrammed and was moved back after it locked
    sel = [v & 1 for v in chip.bus.writes("sysctl", 0x20)]
    assert 0 in sel and sel[-1] == 1
    prev = dv.Sysctl().r[0x20]                            # the power-up value
    for v in chip.bus.writes("sysctl", 0x20):             # ACLK divider only changed on the crystal
        if (prev ^ v) & 0b110:
            assert not v & 1
        prev = v
    assert chip.sysctl.r[0x2C] & (1 << 2), "AI clock (KPU and AI SRAM) is not enabled"
    assert chip.sysctl.r[0x28] & 0b110 == 0b110, "SRAM0/SRAM1 clocks"


def IN0_REF_OK(reg: int) -> bool:
    """The reference (26 MHz / (clkr+1)) must stay above ~13.7 MHz: clkr must be 0."""
    return reg & 0xF == 0


@pytest.mark.parametrize("target", [100e6, 200e6, 416e6, 600e6, 800e6, 1000e6])
def test_pll_compute_any_frequency(hal_lib, tmp_path, target):
    c = Chip(hal_lib, tmp_path)
    c.lib.sysctl_pll_set.restype = ctypes.c_uint32
    got = c.lib.sysctl_pll_set(1, ctypes.c_uint32(int(target)))
    assert got == int(c.sysctl.pll_hz(1))
    assert within(c.sysctl.pll_hz(1), target, 0.02)
    c.check()


# --- UARTHS ---

@pytest.mark.parametrize("baud", [115200, 1_500_000])
def test_uarths_divisor(chip, baud):
    cpu = chip.boot_clocks()
    got = chip.lib.uarths_init(cpu, baud)
    div = chip.uarths.r[0x18]
    f = chip.sysctl.cpu_hz()                             # UARTHS is clocked by the CPU clock
    actual = f / (div + 1)
    assert within(actual, baud, 0.01)
    # and it is the best divisor the 16-bit field allows
    assert abs(actual - baud) <= min(abs(f / (div + 2) - baud), abs(f / div - baud))
    assert got == int(chip.sysctl.cpu_hz()) // (div + 1)
    assert chip.uarths.r[0x08] & 1 and chip.uarths.r[0x0C] & 1   # TX and RX enabled


def test_uarths_rejects_impossible_rates(chip):
    cpu = chip.boot_clocks()
    assert chip.lib.uarths_init(cpu, 400_000_000) == 0   # divisor below 1
    assert chip.lib.uarths_init(cpu, 1000) == 0          # divisor beyond 16 bits


# --- SD card ---

def test_sd_init_sequence_and_clocks(chip):
    chip.boot_clocks()
    assert chip.lib.sdcard_init() == 0
    cmds = [c for c, _ in chip.card.commands]
    assert chip.card.clocks_before_cmd0 >= 74
    assert cmds[0] == 0 and cmds[1] == 8
    i = 2
    while cmds[i] == 55 and cmds[i + 1] == 141:          # CMD55 + ACMD41 until ready
        i += 2
    assert i == 2 + 2 * chip.card.ready_after
    assert cmds[i:] == [58, 16, 9]
    assert dict(chip.card.commands)[8] == 0x1AA
    assert all(arg & (1 << 30) for c, arg in chip.card.commands if c == 141)   # HCS
    assert chip.lib.sdcard_block_count() == chip.card.blocks
    # identification at <= 400 kHz, data transfer at <= 25 MHz afterwards
    init_frames = chip.spi1.sclk_at_frame
    assert max(init_frames[:-1]) <= 400_000
    assert chip.spi1.sclk() <= 25_000_000 and chip.spi1.sclk() > 10_000_000
    assert chip.gpiohs.level(7) == 1                      # card deselected when idle


def test_sd_block_write_then_read(chip):
    chip.boot_clocks()
    assert chip.lib.sdcard_init() == 0
    data = bytes((i * 7 + 3) & 0xFF for i in range(3 * 512))
    n0 = len(chip.card.commands)
    assert chip.lib.sdcard_write(5, data, 3) == 0
    assert bytes(chip.card.data[5 * 512:8 * 512]) == data
    buf = ctypes.create_string_buffer(3 * 512)
    assert chip.lib.sdcard_read(5, buf, 3) == 0
    assert buf.raw == data
    assert chip.card.commands[n0:] == [(24, 5), (24, 6), (24, 7), (17, 5), (17, 6), (17, 7)]   # block addresses
    assert chip.lib.sdcard_read(chip.card.blocks - 1, buf, 2) == -errno.EINVAL


def test_sd_absent_card_is_enodev_without_hanging(hal_lib, tmp_path):
    c = Chip(hal_lib, tmp_path, sd=False)
    c.boot_clocks()
    assert c.lib.sdcard_init() == -errno.ENODEV
    buf = ctypes.create_string_buffer(512)
    assert c.lib.sdcard_read(0, buf, 1) == -errno.ENODEV
    c.check()


# --- SPI flash ---

def test_flash_jedec_program_erase_read(chip):
    chip.boot_clocks()
    assert chip.lib.spiflash_init() == 0
    assert chip.lib.spiflash_size() == 16 << 20
    assert chip.flash.frames[0] == (0x9F, None, 0)
    assert chip.spi3.sclk() <= 50_000_000                 # 0x03 reads are specified to 50 MHz
    page = bytes((i ^ 0x5A) for i in range(256))
    n0 = len(chip.flash.frames)
    assert chip.lib.spiflash_program(0x300100, page, 256) == 0
    frames = chip.flash.frames[n0:]
    assert frames[0] == (0x06, None, 0) and frames[1][0] == 0x05          # write enable, WEL checked
    assert frames[2] == (0x02, 0x300100, 256)
    assert all(f[0] == 0x05 for f in frames[3:]) and len(frames) > 3     # busy polled
    assert bytes(chip.flash.mem[0x300100:0x300200]) == page
    # a second program can only clear bits (NOR)
    assert chip.lib.spiflash_program(0x300100, b"\x0f" * 16, 16) == 0
    assert bytes(chip.flash.mem[0x300100:0x300110]) == bytes(b & 0x0F for b in page[:16])
    n0 = len(chip.flash.frames)
    assert chip.lib.spiflash_erase_sector(0x300000) == 0
    frames = chip.flash.frames[n0:]
    assert frames[0][0] == 0x06 and frames[2] == (0x20, 0x300000, 0)
    assert bytes(chip.flash.mem[0x300000:0x301000]) == b"\xff" * 4096
    chip.flash.mem[0x123456:0x123456 + 300] = bytes(range(256)) + bytes(44)
    buf = ctypes.create_string_buffer(300)
    n0 = len(chip.flash.frames)
    assert chip.lib.spiflash_read(0x123456, buf, 300) == 0
    assert buf.raw == bytes(range(256)) + bytes(44)
    assert chip.flash.frames[n0:] == [(0x03, 0x123456, 0)]


def test_flash_rejects_page_crossing_and_misaligned_erase(chip):
    chip.boot_clocks()
    assert chip.lib.spiflash_init() == 0
    n0 = len(chip.flash.frames)
    assert chip.lib.spiflash_program(0x3000F0, b"\0" * 32, 32) == -errno.EINVAL
    assert chip.lib.spiflash_erase_sector(0x300100) == -errno.EINVAL
    assert chip.flash.frames[n0:] == []                  # nothing reached the chip


def test_flash_stuck_busy_times_out(hal_lib, tmp_path):
    c = Chip(hal_lib, tmp_path)
    c.boot_clocks()
    assert c.lib.spiflash_init() == 0
    c.flash.stuck_busy = True                             # the erase never finishes
    assert c.lib.spiflash_erase_sector(0x301000) == -errno.ETIMEDOUT
    # a busy chip ignores the next write enable: the driver reports it instead of programming
    assert c.lib.spiflash_program(0x301000, b"\0", 1) == -errno.EIO
    assert not any(f[0] == 0x02 for f in c.flash.frames)
    c.check()


def test_flash_absent_is_enodev(hal_lib, tmp_path):
    c = Chip(hal_lib, tmp_path, flash=dv.SpiDevice())    # MISO floats high
    c.boot_clocks()
    assert c.lib.spiflash_init() == -errno.ENODEV
    assert c.lib.spiflash_size() == 0
    c.check()


# --- KPU ---

def layer_words(send_out: bool, out_bytes: int = 0) -> list[int]:
    """A 3x3 conv layer's 12 words with BN/weights/act tables inside SRAM."""
    bn, weights, act = 0x80100000, 0x80100100, 0x80100800
    w = [0] * 12
    w[1] = 100 | (200 << 32)
    w[2] = 3 | (7 << 32) | (7 << 48)
    w[3] = 15 | (15 << 10) | (15 << 32) | (15 << 42)
    w[4] = 1 | (1 << 10) | (15 << 16) | (bn << 32)
    w[5] = 1 | (216 << 15) | (weights << 32)
    w[7] = 16 | (1 << 16) | (4 << 28) | (1 << 31) | (act << 32)
    w[8] = 16 | (1 << 16) | (4 << 20)
    w[9] = 5 | (3 << 4) | (100 << 8) | (7 << 32)
    w[10] = 12345
    if send_out:
        w[11] = 1 | ((16 * 16 - 1) << 16) | ((out_bytes - 1) << 32)
    return w


def run_layer(chip, words, out_off=None, out_bytes=0, timeout_ms=50) -> int:
    arr = (ctypes.c_uint64 * 12)(*words)
    dst = None if out_off is None else ctypes.addressof(chip.arena.contents) + out_off
    chip.lib.kpu_hw_run_layer.argtypes = [ctypes.POINTER(ctypes.c_uint64), ctypes.c_void_p, ctypes.c_size_t, ctypes.c_uint32]
    return chip.lib.kpu_hw_run_layer(arr, dst, out_bytes, timeout_ms)


def test_kpu_fifo_gets_the_argument_words(chip):
    chip.boot_clocks()
    assert chip.lib.kpu_hw_init() == 0
    assert chip.sysctl.r[0x2C] & (1 << 2)                 # AI clock on
    assert chip.kpu.r[0x28] == 10 | (1 << 4)              # FIFO thresholds full 10 / empty 1
    assert chip.kpu.r[0x40] == 1                          # eight_bit_mode: u8 weights by default
    chip.lib.kpu_hw_set_weight_bits(16)
    assert chip.kpu.r[0x40] == 0
    chip.lib.kpu_hw_set_weight_bits(8)
    assert chip.kpu.r[0x40] == 1
    words = layer_words(False)
    assert run_layer(chip, words) == 0
    # int_en (bit 0 of word 0) is how completion is signalled; everything else is the caller's
    assert chip.kpu.layers == [[words[0] | 1] + words[1:]]
    assert chip.kpu.raw == 0                              # calc_done cleared for the next layer


def test_kpu_output_streamed_by_dma(chip):
    chip.boot_clocks()
    n = 16 * 16 * 8 - 3                                   # not a multiple of 8: the last beat is padded
    out = bytes((i * 13) & 0xFF for i in range(n))
    chip.kpu.next_output = out
    assert run_layer(chip, layer_words(True, n), out_off=0x200000, out_bytes=n) == 0
    t = chip.dmac.transfers[-1]
    assert t["sar"] == 0x40800030 and t["src_fixed"] and not t["dst_fixed"]
    assert t["dar"] == 0x80200000 and t["src_width"] == t["dst_width"] == 3   # 64-bit beats
    assert t["beats"] == (n + 7) // 8 and t["tt_fc"] == 2
    assert chip.arena_bytes(0x200000, n) == out
    assert chip.kpu.layers[-1] == layer_words(True, n)    # completes by DMA: words untouched


def test_kpu_timeout_and_bad_words(hal_lib, tmp_path):
    c = Chip(hal_lib, tmp_path, kpu=dv.Kpu(complete=False))
    c.boot_clocks()
    assert run_layer(c, layer_words(False), timeout_ms=5) == -errno.ETIMEDOUT
    bad = layer_words(False)
    bad[5] = (bad[5] & 0xFFFFFFFF) | (0x10000000 << 32)   # weights outside SRAM
    n_layers = len(c.kpu.layers)
    assert run_layer(c, bad) == -errno.EINVAL
    assert run_layer(c, layer_words(True, 64)) == -errno.EINVAL   # send_data_out without a buffer
    assert len(c.kpu.layers) == n_layers                  # nothing reached the FIFO
    c.check()


# --- SPI flash background reads (quad I/O by DMA: the weights of a streamed model) ---

def _bg_read(chip, offset: int, n: int, at: int = 0x200000) -> tuple[int, int, bytes]:
    """spiflash_read_start into SRAM at `at` (host arena), then wait: (start, wait, bytes)."""
    ptr = ctypes.addressof(chip.arena.contents) + at
    r0 = chip.lib.spiflash_read_start(ctypes.c_uint32(offset), ctypes.c_void_p(ptr), ctypes.c_size_t(n))
    r1 = chip.lib.spiflash_read_wait()
    return r0, r1, chip.arena_bytes(at, n)


def test_flash_background_read_is_quad_io_by_dma_and_sets_qe_once(chip):
    chip.boot_clocks()
    assert chip.lib.spiflash_init() == 0
    data = bytes((i * 7 + 3) & 0xFF for i in range(1000))
    chip.flash.mem[0x300004:0x300004 + 1000] = data
    assert _bg_read(chip, 0x300004, 1000) == (0, 0, data)
    qe = [f for f in chip.flash.frames if f[0] == 0x01]
    assert len(qe) == 1 and chip.flash.s2 & 2                   # QE written once, then kept
    assert chip.flash.frames[-1] == (0xEB, 0x300004, 0)
    assert chip.spi3.enhanced_reads[-1] == (2, 0x300004 << 8, 250)   # quad, address word, 250 frames
    t = chip.dmac.transfers[-1]
    assert (t["sar"], t["request"], t["src_width"], t["dst_width"], t["beats"]) == (0x54000060, 6, 2, 2, 248)
    assert t["dar"] == 0x80200000
    assert max(chip.spi3.sclk_at_frame[-250:]) <= 80_000_000  # quad reads at most 80 MHz
    # a second read: no new status write, and the plain commands still work afterwards
    data2 = bytes(range(256)) * 4
    chip.flash.mem[0x400000:0x400400] = data2
    assert _bg_read(chip, 0x400000, 1024, at=0x210000) == (0, 0, data2)
    assert len([f for f in chip.flash.frames if f[0] == 0x01]) == 1
    buf = ctypes.create_string_buffer(16)
    assert chip.lib.spiflash_read(0x300004, buf, 16) == 0 and buf.raw == data[:16]
    chip.check()


def test_flash_background_read_of_unaligned_bytes_reads_at_start(chip):
    chip.boot_clocks()
    assert chip.lib.spiflash_init() == 0
    chip.flash.mem[0x300001:0x300008] = b"abcdefg"
    n0 = len(chip.dmac.transfers)
    assert _bg_read(chip, 0x300001, 7) == (0, 0, b"abcdefg")
    assert chip.flash.frames[-1] == (0x03, 0x300001, 0) and len(chip.dmac.transfers) == n0
    chip.check()


def test_flash_background_read_wait_is_bounded(chip):
    chip.boot_clocks()
    assert chip.lib.spiflash_init() == 0
    chip.dmac.sources[0x54000060] = (6, lambda n: None)        # the DMA never gets its data
    r0, r1, _ = _bg_read(chip, 0x300000, 4096)
    assert (r0, r1) == (0, -errno.ETIMEDOUT)
    assert chip.spi3.r.get(0x08) == 0 and chip.spi3.r.get(0x10) == 0   # SSI disabled, SS0 released
