"""`k210 view`'s page in headless Chromium: a screenshot of the page must show the board's LCD
frame (pixels of a known pattern checked where the page puts the image) and the board's printed
output beside it. The board is tests/fakepreview.py (the firmware's encoder behind a pty); the same
page on the simulated board's lcd module: tests/board/test_view_frames.py."""
from __future__ import annotations

import json
import shutil
import subprocess
import threading
import time
import urllib.request

import numpy as np
import pytest

import pngread
from fakepreview import FakePreviewBoard
from k210tools.preview import Preview
from k210tools.serial_transport import SerialTransport
from k210tools.viewserver import ViewServer

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
LCD_X, LCD_Y = 16, 48          # where the page's stylesheet puts the LCD image
QUADS = {(0, 0): 0xF800, (0, 1): 0x07E0, (1, 0): 0x001F, (1, 1): 0xFFFF}   # red green / blue white
RGB = {0xF800: (255, 0, 0), 0x07E0: (0, 255, 0), 0x001F: (0, 0, 255), 0xFFFF: (255, 255, 255)}


def pattern(w=320, h=240):
    px = np.zeros((h, w), np.uint16)
    for (qy, qx), c in QUADS.items():
        px[qy * h // 2:(qy + 1) * h // 2, qx * w // 2:(qx + 1) * w // 2] = c
    px[h // 2 - 2:h // 2 + 2, :] = 0       # a black bar between the rows: not a solid block
    return px


def screenshot(url: str, out, size=(1200, 640)) -> np.ndarray:
    if CHROMIUM is None:
        pytest.skip("chromium is not installed (./scripts/setup installs Debian's chromium)")
    cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
           "--force-device-scale-factor=1", f"--window-size={size[0]},{size[1]}",
           "--virtual-time-budget=3000", f"--screenshot={out}", url]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert out.exists(), f"chromium wrote no screenshot: {r.stderr[-2000:]}"
    return pngread.read(out.read_bytes())


def dump_dom(url: str) -> str:
    cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--virtual-time-budget=3000", "--dump-dom", url]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120).stdout


@pytest.fixture
def view():
    fake = FakePreviewBoard(pattern(), [f"printed line {i}" for i in range(12)])
    t = SerialTransport.open(fake.path, name="fake")
    p = Preview(t, 0).start()
    server = ViewServer(p, "fake", 0, scale=2)
    th = threading.Thread(target=server.serve_forever, daemon=True)
    th.start()
    assert p.wait(lambda s: s.frame is not None and s.output.count("\n") >= 12, 20)
    yield server, fake
    server.shutdown()
    p.close()
    t.close()
    fake.close()


def test_state_and_png_routes(view):
    server, fake = view
    st = json.loads(urllib.request.urlopen(server.url + "state?since=0").read())
    assert (st["width"], st["height"], st["panel_w"]) == (320, 240, 320)
    assert st["frame_no"] >= 1 and "printed line 11" in st["output"]
    png = pngread.read(urllib.request.urlopen(server.url + "frame.png").read())
    assert png.shape == (240, 320, 3)
    assert tuple(png[60, 80]) == (255, 0, 0) and tuple(png[180, 240]) == (255, 255, 255)
    tail = json.loads(urllib.request.urlopen(server.url + f"state?since={st['output_total']}").read())
    assert tail["output"] == "" and not tail["output_reset"]
    assert urllib.request.urlopen(server.url).read().startswith(b"<!doctype html>")
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(server.url + "nothing")
    assert e.value.code == 404


def test_page_in_headless_chromium(view, tmp_path):
    server, fake = view
    shot = screenshot(server.url, tmp_path / "page.png")
    zoom = 2
    for (qy, qx), c in QUADS.items():
        # the centre of each quadrant, in page pixels
        x = LCD_X + zoom * (qx * 160 + 80)
        y = LCD_Y + zoom * (qy * 120 + 60)
        got = shot[y, x, :3].astype(int)
        assert np.abs(got - RGB[c]).max() <= 8, f"quadrant {(qy, qx)} at page ({x},{y}): {got}, want {RGB[c]}"
    # the black bar between the two rows of quadrants, 4 LCD rows = 8 page rows high
    assert shot[LCD_Y + zoom * 120, LCD_X + 100, :3].max() <= 8
    # outside the image: the page's background, not LCD pixels
    assert np.abs(shot[LCD_Y + zoom * 240 + 80, LCD_X + 100, :3].astype(int) - (0x20, 0x23, 0x2a)).max() <= 8
    dom = dump_dom(server.url)
    assert "printed line 11" in dom and "fps" in dom


def test_board_without_the_frame_protocol_is_asked_once():
    import os
    import tty
    master, slave = os.openpty()
    tty.setraw(slave)
    t = SerialTransport.open(os.ttyname(slave), name="silent")
    p = Preview(t, 0, request_timeout=0.5).start()
    try:
        assert p.wait(lambda s: bool(s.no_answer), 10)
        assert "k210-kpu firmware" in p.state.no_answer
        time.sleep(1.0)
        got = os.read(master, 4096)
        assert got == b"\x1b\x1bF\x00\xff\xff\xff\xff"     # one request, no more
    finally:
        p.close()
        t.close()
        os.close(master)
        os.close(slave)
