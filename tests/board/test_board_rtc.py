"""machine.RTC and the time functions that follow it, on the board: upstream's 8-tuple, the
weekday computed from the date (Python's calendar as the oracle), time.time/localtime/mktime
agreeing with the RTC, the setting kept across a soft reset, and range errors."""
import calendar
import datetime as dt
import time

import pytest


def restore_host_time(board) -> None:
    """Sets the board back to the host's time (other tests compare the two on the sim)."""
    now = dt.datetime.now(dt.timezone.utc)
    board.exec(f"import machine\nmachine.RTC().datetime({(now.year, now.month, now.day, 0, now.hour, now.minute, now.second, 0)})")


@pytest.fixture
def rtc_board(board):
    yield board
    restore_host_time(board)


def test_datetime_reads_the_wall_clock(board):
    """The simulated board starts from the host's clock; a K210 or QEMU board (no backup battery)
    from 2024-01-01 00:00:00 at power-up, counting on from there."""
    sim = "Simulated" in board.eval("__import__('os').uname().machine")
    before = time.time()
    t = board.eval("__import__('machine').RTC().datetime()")
    after = time.time()
    assert len(t) == 8 and 0 <= t[7] < 1_000_000
    secs = calendar.timegm((t[0], t[1], t[2], t[4], t[5], t[6]))
    if sim:
        assert int(before) - 1 <= secs <= after + 1
    else:
        assert calendar.timegm((2024, 1, 1, 0, 0, 0)) <= secs < calendar.timegm((2024, 1, 2, 0, 0, 0))
    assert t[3] == dt.date(t[0], t[1], t[2]).weekday()


@pytest.mark.qemu_subset
@pytest.mark.parametrize("when", [dt.datetime(2031, 2, 3, 4, 5, 6), dt.datetime(2024, 2, 29, 23, 59, 58),
                                  dt.datetime(1999, 12, 31, 12, 0, 0), dt.datetime(2100, 3, 1, 0, 0, 0)])
def test_set_then_time_functions_agree(rtc_board, when):
    wrong_weekday = (when.weekday() + 3) % 7
    out = rtc_board.exec(
        "import machine, time\n"
        f"r = machine.RTC(); r.datetime({(when.year, when.month, when.day, wrong_weekday, when.hour, when.minute, when.second, 0)})\n"
        "t = r.datetime(); now = time.time(); lt = time.localtime(); g = time.gmtime(now)\n"
        "print(t[:7]); print(now); print(lt[:8]); print(g == lt or g[:5] == lt[:5])\n"
        f"print(time.mktime({(when.year, when.month, when.day, when.hour, when.minute, when.second, 0, 0)}))\n")
    lines = out.splitlines()
    epoch = calendar.timegm(when.timetuple())
    got = eval(lines[0])
    # the clock runs on between set and read: allow two seconds
    assert abs(calendar.timegm((got[0], got[1], got[2], got[4], got[5], got[6])) - epoch) <= 2
    assert got[3] == when.weekday()
    assert abs(int(lines[1]) - epoch) <= 2
    lt = eval(lines[2])
    assert abs(calendar.timegm(lt[:6]) - epoch) <= 2 and lt[6] == dt.date(*lt[:3]).weekday()
    assert lt[7] == dt.date(*lt[:3]).timetuple().tm_yday
    assert lines[3] == "True" and int(lines[4]) == epoch


def test_setting_survives_a_soft_reset(rtc_board):
    rtc_board.exec("import machine\nmachine.RTC().datetime((2040, 7, 8, 0, 9, 10, 11, 0))")
    rtc_board.reset()
    t = rtc_board.eval("__import__('machine').RTC().datetime()[:3]")
    assert t == (2040, 7, 8)


@pytest.mark.parametrize("tup, word", [
    ((2024, 13, 1, 0, 0, 0, 0, 0), "month 13"), ((2023, 2, 29, 0, 0, 0, 0, 0), "day 29 out of range 1..28"),
    ((2024, 1, 1, 0, 24, 0, 0, 0), "hours 24"), ((2024, 1, 1, 0, 0, 60, 0, 0), "minutes 60"),
    ((2024, 1, 1, 0, 0, 0, 60, 0), "seconds 60"), ((1969, 1, 1, 0, 0, 0, 0, 0), "year 1969"),
    ((2024, 1, 1, 0, 0, 0, 0), "got 7 items"),
])
def test_bad_datetimes_are_refused(board, tup, word):
    out = board.exec("import machine, time\nb = time.time()\n"
                     f"try:\n    machine.RTC().datetime({tup})\nexcept ValueError as e:\n    print(e)\n"
                     "print(time.time() - b)\n")
    msg, drift = out.splitlines()
    assert word in msg
    assert 0 <= int(drift) <= 1    # the clock was left alone


def test_rtc_object(board):
    out = board.exec("import machine\nprint(machine.RTC() is machine.RTC(0))\n"
                     "try:\n    machine.RTC(1)\nexcept ValueError as e:\n    print(e)\n")
    assert out.splitlines() == ["True", "RTC(1): the board has only RTC 0"]
