"""The K210 RTC driver (firmware/k210/rtc.c) compiled for the host against the register fake
(tests/k210fake/devices.py Rtc): clocks and reset, the setting/running mode protocol, the field
encoding checked against Python's calendar, validation, and reads across a second boundary."""
from __future__ import annotations

import calendar
import ctypes
import datetime as dt
import errno

import pytest

from k210fake.chip import Chip, hal_library

PERI_RTC = 1 << 29


class DateTime(ctypes.Structure):
    _fields_ = [("year", ctypes.c_uint16), ("month", ctypes.c_uint8), ("mday", ctypes.c_uint8),
                ("wday", ctypes.c_uint8), ("hour", ctypes.c_uint8), ("minute", ctypes.c_uint8),
                ("second", ctypes.c_uint8)]


@pytest.fixture(scope="session")
def rtc_lib():
    return hal_library("k210rtc")   # the RTC driver and the clocks it needs, over the fakes


@pytest.fixture
def chip(rtc_lib, tmp_path):
    c = Chip(rtc_lib, tmp_path, sd=False)
    c.boot_clocks()
    c.lib.rtc_init()
    yield c
    c.check()


def to_struct(t: dt.datetime) -> DateTime:
    return DateTime(t.year, t.month, t.day, t.weekday(), t.hour, t.minute, t.second)


def test_init_clocks_resets_and_runs(chip):
    s = chip.sysctl
    assert s.r[0x2C] & PERI_RTC and s.r[0x28] & (1 << 4), "RTC and APB1 clocks"
    resets = chip.bus.writes("sysctl", 0x34)
    assert any(v & PERI_RTC for v in resets) and not resets[-1] & PERI_RTC, "reset pulsed then released"
    assert chip.rtc.r[0x10] == 26_000_000          # one second = one IN0 second
    assert chip.rtc.mode() == "running"


@pytest.mark.parametrize("when", [dt.datetime(2024, 2, 29, 12, 30, 45), dt.datetime(1970, 1, 1),
                                  dt.datetime(2099, 12, 31, 23, 59, 59), dt.datetime(2100, 3, 1, 7, 8, 9),
                                  dt.datetime(2031, 6, 15, 0, 0, 1)])
def test_set_encodes_fields_and_reads_back(chip, when):
    assert chip.lib.rtc_set(ctypes.byref(to_struct(when))) == 0
    year, month, day, hour, minute, second, week = chip.rtc.calendar()
    assert (year, month, day, hour, minute, second) == (when.year, when.month, when.day, when.hour,
                                                        when.minute, when.second)
    assert week == when.isoweekday() % 7            # the counter's week starts on Sunday
    assert (chip.rtc.r[0x28] >> 5) & 1 == int(calendar.isleap(when.year))
    assert chip.rtc.mode() == "running"
    # setting mode is held while the clock advances (the counter samples on its 26 MHz clock)
    log = chip.bus.log
    last_data = max(i for i, e in enumerate(log) if e[0] == "rtc" and e[1] == "w" and e[2] in (0, 4, 0x28))
    back_to_run = next(i for i, e in enumerate(log) if i > last_data and e[:3] == ("rtc", "w", 0x1C))
    assert any(e[0] == "clint" and e[1] == "r" for e in log[last_data:back_to_run])
    got = DateTime()
    assert chip.lib.rtc_get(ctypes.byref(got)) == 0
    assert (got.year, got.month, got.mday, got.wday, got.hour, got.minute, got.second) == \
        (when.year, when.month, when.day, when.weekday(), when.hour, when.minute, when.second)


@pytest.mark.parametrize("fields", [(2023, 2, 29, 0, 0, 0), (2024, 13, 1, 0, 0, 0), (2024, 4, 31, 0, 0, 0),
                                    (2024, 1, 1, 24, 0, 0), (2024, 1, 1, 0, 60, 0), (2024, 1, 0, 0, 0, 0),
                                    (3200, 1, 1, 0, 0, 0)])
def test_invalid_dates_write_nothing(chip, fields):
    y, mo, d, h, mi, s = fields
    before = len(chip.bus.writes("rtc"))
    assert chip.lib.rtc_set(ctypes.byref(DateTime(y, mo, d, 0, h, mi, s))) == -errno.EINVAL
    assert len(chip.bus.writes("rtc")) == before


def test_read_across_midnight_is_consistent(chip):
    assert chip.lib.rtc_set(ctypes.byref(to_struct(dt.datetime(2024, 12, 31, 23, 59, 59)))) == 0
    chip.rtc.tick_after_time_reads = {chip.rtc.time_reads + 1}   # the year turns after the 1st TIME read
    got = DateTime()
    assert chip.lib.rtc_get(ctypes.byref(got)) == 0
    assert (got.year, got.month, got.mday, got.hour, got.minute, got.second, got.wday) == (2025, 1, 1, 0, 0, 0, 2)


def test_counter_changing_under_every_read_is_eio(chip):
    assert chip.lib.rtc_set(ctypes.byref(to_struct(dt.datetime(2024, 5, 5, 5, 5, 5)))) == 0
    chip.rtc.tick_after_time_reads = set(range(chip.rtc.time_reads + 1, chip.rtc.time_reads + 40, 2))
    assert chip.lib.rtc_get(ctypes.byref(DateTime())) == -errno.EIO


def test_get_before_init_is_eio(rtc_lib, tmp_path):
    c = Chip(rtc_lib, tmp_path, sd=False)
    c.boot_clocks()
    assert c.lib.rtc_get(ctypes.byref(DateTime())) == -errno.EIO   # paused: nothing read
    c.check()
