"""The preview end to end on a board with the lcd module: frames the script displayed come back
pixel-exact (and downscaled as asked), unchanged frames cost a header, the preview's copy is a
ledger block only once a host asked, `k210 view`'s page in headless Chromium shows the LCD; on a
board with a camera the last snapshot comes the same way (no copy) and shows in the page's second
panel."""
import shutil
import subprocess
import threading

import numpy as np
import pytest

import pngread
from k210tools import framewire
from k210tools.preview import Preview
from k210tools.viewserver import ViewServer
from visionboard import DOG, DOG_CHW, camera_board, chw, luma, shared, to565, widen565

# four quadrants (red, green / blue, white) and a 1-pixel checker row at y=100 an RGB565 oracle can
# name exactly; displayed in a loop until Ctrl-C
SCRIPT = b"""
import image, lcd
lcd.init()
img = image.Image(size=(320, 240))
img.draw_rectangle(0, 0, 160, 120, color=(255, 0, 0), fill=True)
img.draw_rectangle(160, 0, 160, 120, color=(0, 255, 0), fill=True)
img.draw_rectangle(0, 120, 160, 120, color=(0, 0, 255), fill=True)
img.draw_rectangle(160, 120, 160, 120, color=(255, 255, 255), fill=True)
for x in range(0, 320, 2):
    img.set_pixel(x, 100, (0, 0, 0))
n = 0
while True:
    lcd.display(img)
    n += 1
"""


def expected() -> np.ndarray:
    px = np.zeros((240, 320), np.uint16)
    px[:120, :160], px[:120, 160:] = 0xF800, 0x07E0
    px[120:, :160], px[120:, 160:] = 0x001F, 0xFFFF
    px[100, 0::2] = 0
    return px


@pytest.fixture
def preview(board):
    made = []

    def make(shift=0):
        p = Preview(board.t, shift).start()
        made.append(p)
        return p

    yield make
    for p in made:
        p.interrupt()
        p.wait(lambda st: not st.running, 10)
        p.close()
    board.t.detach_frames()
    board.t.enter_raw()


def _pixels(f):
    return np.frombuffer(f.pixels, "<u2").reshape(f.height, f.width)


@pytest.mark.parametrize("shift", [0, 1, 2])
def test_frames_pixel_exact_and_downscaled(preview, shift):
    p = preview(shift)
    p.run(SCRIPT)
    assert p.wait(lambda st: st.frame is not None and st.frame_no >= 3, 30), p.state.error
    f = p.state.frame
    assert (f.width, f.height, f.shift) == (320 >> shift, 240 >> shift, shift)
    assert np.array_equal(_pixels(f), expected()[::1 << shift, ::1 << shift])
    assert p.state.corrupt == 0


def test_unchanged_frame_costs_a_header(board):
    got = []
    board.t.attach_frames(got.append)
    try:
        board.exec("import image, lcd\nlcd.init()\nimg = image.Image(size=(320, 240))\nlcd.display(img)\n")
        board.t.request_frame()                     # attaches the preview: the next draw is kept
        board.exec("lcd.display(img)")
        board.t.request_frame()
        board.exec("pass")
        f = got[-1]
        assert f.has_pixels and f.encoding == framewire.RLE and f.wire_bytes < 2000   # all black: runs
        board.t.request_frame(have=f.frame_no)
        board.exec("pass")
        assert got[-1].encoding == framewire.UNCHANGED and got[-1].frame_no == f.frame_no
        assert got[-1].wire_bytes == framewire.HEAD_BYTES + 4
    finally:
        board.t.detach_frames()


def test_preview_copy_is_a_ledger_block(board):
    blocks = board.eval("[b for b in __import__('kpu').mem_info().get('blocks', []) if 'lcd preview' in str(b)]")
    got = []
    board.t.attach_frames(got.append)
    try:
        board.exec("import image, lcd\nlcd.init()\nimg = image.Image(size=(320, 240))\n")
        board.t.request_frame()
        board.exec("lcd.display(img)")
        after = board.eval("[b for b in __import__('kpu').mem_info().get('blocks', []) if 'lcd preview' in str(b)]")
        assert len(after) == 1 and str(320 * 240 * 2) in str(after[0]).replace(",", ""), after
        assert blocks == []          # soft reset freed it; nothing drawn since
    finally:
        board.t.detach_frames()


@pytest.mark.skipif(shutil.which("chromium") is None, reason="chromium is not installed (./scripts/setup installs it)")
def test_view_page_on_the_board(board, preview, tmp_path):
    p = preview(0)
    p.run(SCRIPT)
    assert p.wait(lambda st: st.frame is not None and st.frame_no >= 3, 30), p.state.error
    server = ViewServer(p, "sim", 0, scale=2, code=SCRIPT)
    th = threading.Thread(target=server.serve_forever, daemon=True)
    th.start()
    try:
        out = tmp_path / "page.png"
        subprocess.run(["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                        "--force-device-scale-factor=1", "--window-size=1200,640", "--virtual-time-budget=3000",
                        f"--screenshot={out}", server.url], capture_output=True, timeout=120)
        shot = pngread.read(out.read_bytes())[:, :, :3].astype(int)
    finally:
        server.shutdown()
    lcd_x, lcd_y, zoom = 16, 48, 2                  # where the page puts the image, page pixels per LCD pixel
    for (y, x), rgb in {(60, 80): (255, 0, 0), (60, 240): (0, 255, 0), (180, 80): (0, 0, 255),
                        (180, 240): (255, 255, 255)}.items():
        got = shot[lcd_y + zoom * y + 1, lcd_x + zoom * x + 1]
        assert np.abs(got - rgb).max() <= 8, ((y, x), got)
    # the checker row: black and red alternate every LCD pixel (2 page pixels)
    row = lcd_y + zoom * 100 + 1
    assert shot[row, lcd_x + zoom * 10 + 1].max() <= 8 and shot[row, lcd_x + zoom * 11 + 1, 0] >= 247


def test_changes_without_a_new_frame_number_show_up(preview):
    # lcd.clear() draws without lcd.display(): the frame number stays, the preview asks afresh
    p = preview(2)
    p.wait(lambda st: st.none_seen or st.frame is not None, 10)      # attached before the script draws
    p.run(b"import lcd, time\nlcd.init()\nlcd.clear(lcd.RED)\ntime.sleep_ms(500)\nlcd.clear(lcd.BLUE)\n"
          b"while True:\n time.sleep_ms(50)\n")
    first = lambda st: st.frame is not None and _pixels(st.frame)[0, 0] in (0xF800, 0x001F)   # noqa: E731
    assert p.wait(first, 10), p.state.error
    assert p.wait(lambda st: st.frame is not None and _pixels(st.frame)[0, 0] == 0x001F, 15)


# ---- the camera's last snapshot (the page's second panel) ----

SNAP_SCRIPT = SCRIPT.replace(b"n = 0\n", b"import sensor\nsensor.reset()\nn = 0\n").replace(
    b"    lcd.display(img)\n", b"    sensor.snapshot()\n    lcd.display(img)\n")


@pytest.mark.sim_only("starts a simulated board with a camera")
def test_snapshot_frames(tmp_path):
    """Asked with the snapshot flag, the board sends the frame the last snapshot filled: none before
    the first, then the scene's RGB565 pixels (a GRAYSCALE frame as 5/6/5 greys), unchanged by
    number until the next snapshot; no ledger block is added for it."""
    got = []
    with camera_board(tmp_path / "state", shared(DOG)) as b:
        b.t.attach_frames(got.append)
        try:
            b.t.request_frame(source=framewire.SNAPSHOT)
            b.exec("import sensor, kpu\nsensor.reset()")
            assert got[-1].encoding == framewire.NONE and got[-1].source == framewire.SNAPSHOT
            b.exec("img = sensor.snapshot()")
            blocks = b.eval("len(kpu.mem_info()['blocks'])")     # the frame's pixels and AI planes
            b.t.request_frame(source=framewire.SNAPSHOT)
            b.exec("pass")
            f = got[-1]
            assert f.has_pixels and f.source == framewire.SNAPSHOT and (f.width, f.height) == (320, 240)
            scene = chw(DOG_CHW).transpose(1, 2, 0)
            assert np.array_equal(_pixels(f), to565(scene))
            assert b.eval("len(kpu.mem_info()['blocks'])") == blocks == 2
            b.t.request_frame(source=framewire.SNAPSHOT, have=f.frame_no)
            b.exec("pass")
            assert got[-1].encoding == framewire.UNCHANGED and got[-1].frame_no == f.frame_no
            b.exec("sensor.set_pixformat(sensor.GRAYSCALE)\nimg = sensor.snapshot()")
            b.t.request_frame(1, source=framewire.SNAPSHOT, have=f.frame_no)
            b.exec("pass")
            g = got[-1]
            assert g.frame_no == f.frame_no + 1 and (g.width, g.height, g.shift) == (160, 120, 1)
            y = luma(scene)[::2, ::2].astype(np.uint16)
            assert np.array_equal(_pixels(g), ((y & 0xF8) << 8) | ((y & 0xFC) << 3) | (y >> 3))
        finally:
            b.t.detach_frames()


@pytest.mark.sim_only("starts a simulated board with a camera")
@pytest.mark.skipif(shutil.which("chromium") is None, reason="chromium is not installed (./scripts/setup installs it)")
def test_view_page_shows_the_last_snapshot(tmp_path):
    """`k210 view`'s page on a camera board: the LCD panel shows the quadrants the script displays,
    the snapshot panel below it the camera's scene (the shared dog image), both in headless Chromium."""
    with camera_board(tmp_path / "state", shared(DOG)) as b:
        p = Preview(b.t, 0, snapshots=True).start()
        try:
            p.run(SNAP_SCRIPT)
            assert p.wait(lambda st: st.frame is not None and st.snap is not None and st.frame_no >= 3, 30), \
                p.state.error
            server = ViewServer(p, "sim", 0, scale=1, code=SNAP_SCRIPT)
            th = threading.Thread(target=server.serve_forever, daemon=True)
            th.start()
            try:
                out = tmp_path / "page.png"
                subprocess.run(["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                                "--force-device-scale-factor=1", "--window-size=900,700", "--virtual-time-budget=3000",
                                f"--screenshot={out}", server.url], capture_output=True, timeout=120)
                shot = pngread.read(out.read_bytes())[:, :, :3].astype(int)
            finally:
                server.shutdown()
        finally:
            p.interrupt()
            p.wait(lambda st: not st.running, 10)
            p.close()
            b.t.detach_frames()
    lx, ly = ViewServer.LCD_AT
    for (y, x), rgb in {(60, 80): (255, 0, 0), (60, 240): (0, 255, 0), (180, 80): (0, 0, 255),
                        (180, 240): (255, 255, 255)}.items():
        assert np.abs(shot[ly + y, lx + x] - rgb).max() <= 8, ((y, x), shot[ly + y, lx + x])
    sy = ViewServer.SNAP_TOP + 240
    scene = widen565(to565(chw(DOG_CHW).transpose(1, 2, 0))).astype(int)
    panel = shot[sy:sy + 240, lx:lx + 320]
    assert np.abs(panel - scene).max() <= 8, np.abs(panel - scene).max()
