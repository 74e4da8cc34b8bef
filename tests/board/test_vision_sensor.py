"""sensor and lcd on the simulated board: the camera shows the shared dog/crowd images (exact
pixels at QVGA, nearest-neighbour at QQVGA, centre windows, mounting and flips, grayscale), the LCD
frame buffer file holds what lcd.display/clear/draw_string put there; bad input errors."""
import shutil
import subprocess

import numpy as np
import pytest

from simproc import SIM
from visionboard import (CROWD_CHW, CROWD_JPG, DOG, DOG_CHW, camera_board, chw, lcd_fb, luma, ppm, shared, to565,
                         widen565)

pytestmark = [pytest.mark.sim_only("starts simulated boards with a camera"),
              pytest.mark.skipif(not SIM.exists(), reason="build/sim/k210-sim not built")]

SNAP_AI = """
import sensor
sensor.reset()
sensor.set_pixformat(sensor.{fmt})
sensor.set_framesize(sensor.{size})
{extra}
img = sensor.snapshot()
with open('/sd/ai.bin', 'wb') as f:
    f.write(img)
print(img.width(), img.height())
"""


def snap(b, fmt="RGB565", size="QVGA", extra=""):
    wh = b.exec(SNAP_AI.format(fmt=fmt, size=size, extra=extra)).split()
    w, h = int(wh[0]), int(wh[1])
    a = np.frombuffer(b.get("/sd/ai.bin"), np.uint8)
    return a.reshape(3, h, w) if fmt == "RGB565" else a.reshape(h, w)


@pytest.fixture(scope="module")
def dogcam(tmp_path_factory):
    with camera_board(tmp_path_factory.mktemp("dogcam"), shared(DOG)) as b:
        yield b


def test_snapshot_ai_frame_is_the_scene(dogcam):
    ref = chw(DOG_CHW)
    assert np.array_equal(snap(dogcam), ref)                        # QVGA: the file's own pixels
    ys = (2 * np.arange(120) + 1) * 240 // 240
    xs = (2 * np.arange(160) + 1) * 320 // 320
    assert np.array_equal(snap(dogcam, size="QQVGA"), ref[:, ys][:, :, xs])
    win = snap(dogcam, extra="sensor.set_windowing((224, 224))")
    assert np.array_equal(win, ref[:, 8:232, 48:272])               # centre of the QVGA frame
    assert np.array_equal(snap(dogcam, fmt="GRAYSCALE"), luma(ref.transpose(1, 2, 0)))
    assert np.array_equal(snap(dogcam, extra="sensor.set_vflip(1)\nsensor.set_hmirror(1)"), ref[:, ::-1, ::-1])


def test_display_frame_matches_ai_frame_and_lcd(dogcam):
    out = dogcam.exec("import sensor, lcd\nsensor.reset()\nlcd.init()\nimg = sensor.snapshot()\n"
                      "lcd.display(img)\nprint(img.get_pixel(100, 50), lcd.width(), lcd.height())")
    ref = chw(DOG_CHW).transpose(1, 2, 0)
    assert out.startswith(str(tuple(int(v) for v in widen565(to565(ref[50, 100])))))
    assert out.split()[-2:] == ["320", "240"]


def test_mounting_makes_a_flipping_script_see_upright(tmp_path):
    with camera_board(tmp_path, shared(DOG), mount="vflip") as b:
        ref = chw(DOG_CHW)
        assert np.array_equal(snap(b), ref[:, ::-1])                    # upside down as mounted
        assert np.array_equal(snap(b, extra="sensor.set_vflip(1)"), ref)  # the script's flip undoes it


def test_directory_cycles_in_name_order(tmp_path):
    cam = tmp_path / "cam"
    cam.mkdir()
    shutil.copy(shared(CROWD_JPG), cam / "b_crowd.jpg")
    shutil.copy(shared(DOG), cam / "a_dog.bmp")
    with camera_board(tmp_path / "state", cam) as b:
        out = b.exec("import sensor\nsensor.reset()\n"
                     "for i in range(4):\n    print(sensor.snapshot().get_pixel(160, 120))")
    rows = out.strip().split("\n")
    dog = str(tuple(int(v) for v in widen565(to565(chw(DOG_CHW)[:, 120, 160]))))
    assert rows[0] == rows[2] == dog and rows[1] == rows[3] != dog


def test_larger_and_wider_files_fill_the_frame_like_a_lens(tmp_path):
    """A 640x480 file at QVGA is the whole scene at half size (not a corner); a 16:9 file keeps its
    aspect: scaled to the frame's height, its sides cut off equally. Oracle: the source pixel under
    each frame pixel's centre, in floating point."""
    rng = np.random.default_rng(14)
    big = rng.integers(0, 256, (480, 640, 3), np.uint8)
    wide = rng.integers(0, 256, (360, 640, 3), np.uint8)
    cam = tmp_path / "cam"
    cam.mkdir()
    (cam / "0_big.ppm").write_bytes(ppm(big))
    (cam / "1_wide.ppm").write_bytes(ppm(wide))

    def lens(src: np.ndarray, fw: int, fh: int) -> np.ndarray:
        h, w = src.shape[:2]
        scale = min(w / fw, h / fh)                     # source pixels per frame pixel
        x0, y0 = (w - fw * scale) / 2, (h - fh * scale) / 2
        xs = np.floor(x0 + (np.arange(fw) + 0.5) * scale).astype(int)
        ys = np.floor(y0 + (np.arange(fh) + 0.5) * scale).astype(int)
        return src[ys][:, xs].transpose(2, 0, 1)
    with camera_board(tmp_path / "state", cam) as b:
        assert np.array_equal(snap(b), lens(big, 320, 240))
        assert np.array_equal(snap(b), lens(wide, 320, 240))
        assert np.array_equal(snap(b, size="QQVGA"), lens(big, 160, 120))
        assert np.array_equal(snap(b, size="QQVGA"), lens(wide, 160, 120))


def png_bytes(pix: np.ndarray, ctype: int, palette: bytes = b"") -> bytes:
    """A PNG written here from the spec: every row uses filter (row % 5) (none, sub, up, average,
    Paeth), zlib from the standard library."""
    import struct
    import zlib
    h, w = pix.shape[:2]
    rows = pix.reshape(h, -1).astype(np.int32)
    bpp = rows.shape[1] // w
    raw = b""
    for y in range(h):
        f = y % 5
        x = rows[y]
        up = rows[y - 1] if y else np.zeros_like(x)
        a = np.concatenate([np.zeros(bpp, np.int32), x[:-bpp]])
        c = np.concatenate([np.zeros(bpp, np.int32), up[:-bpp]])
        if f == 4:
            p = a + up - c
            pa, pb, pc = np.abs(p - a), np.abs(p - up), np.abs(p - c)
            pred = np.where((pa <= pb) & (pa <= pc), a, np.where(pb <= pc, up, c))
        else:
            pred = [np.zeros_like(x), a, up, (a + up) // 2][f]
        raw += bytes([f]) + ((x - pred) & 255).astype(np.uint8).tobytes()

    def chunk(t, c):
        return struct.pack(">I", len(c)) + t + c + struct.pack(">I", zlib.crc32(t + c))
    extra = chunk(b"PLTE", palette) if palette else b""
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, ctype, 0, 0, 0)) + extra
            + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


def test_png_camera(tmp_path):
    """PNGs (our inflate, every filter type; RGB, RGBA, grey, palette) give the scene's pixels."""
    rgb = chw(DOG_CHW).transpose(1, 2, 0)
    cam = tmp_path / "cam"
    cam.mkdir()
    (cam / "0_rgb.png").write_bytes(png_bytes(rgb, 2))
    (cam / "1_rgba.png").write_bytes(png_bytes(np.dstack([rgb, np.full((240, 320), 7, np.uint8)]), 6))
    gray = luma(rgb)
    (cam / "2_gray.png").write_bytes(png_bytes(gray, 0))
    pal = np.random.default_rng(3).integers(0, 256, (256, 3), np.uint8)
    (cam / "3_pal.png").write_bytes(png_bytes(gray, 3, pal.tobytes()))
    with camera_board(tmp_path / "state", cam) as b:
        assert np.array_equal(snap(b), chw(DOG_CHW))
        assert np.array_equal(snap(b), chw(DOG_CHW))
        assert np.array_equal(snap(b), np.stack([gray] * 3))
        assert np.array_equal(snap(b), pal[gray].transpose(2, 0, 1))


def test_lcd_frame_buffer(tmp_path):
    state = tmp_path / "state"
    with camera_board(state, shared(DOG)) as b:
        b.exec("import sensor, lcd\nsensor.reset()\nsensor.set_framesize(sensor.QQVGA)\nlcd.init()\n"
               "lcd.clear(lcd.BLUE)\nimg = sensor.snapshot()\nlcd.display(img)\n"
               "lcd.draw_string(0, 0, 'AB', lcd.RED, lcd.WHITE)")
        fb, n = lcd_fb(state)
        ref = chw(DOG_CHW)
        small = ref[:, 1::2, 1::2].transpose(1, 2, 0)
        assert np.array_equal(fb[60:180, 80:240], to565(small))        # centred on the panel
        assert (fb[60:180, :80] == 0x001F).all() and (fb[:60, 12:] == 0x001F).all()
        cells = fb[0:8, 0:12]
        assert set(np.unique(cells)) == {0xF800, 0xFFFF} and n >= 4
        b.exec("import lcd\nlcd.rotation(1)\nprint(lcd.width(), lcd.height())")
        fb, _ = lcd_fb(state)
        assert fb.shape == (320, 240)


def test_bad_input_errors(dogcam):
    out = dogcam.exec(r"""
import sensor, lcd, image
def chk(f):
    try:
        f()
        print('no error')
    except Exception as e:
        print(type(e).__name__, e)
sensor.reset()
chk(lambda: sensor.set_framesize(99))
chk(lambda: sensor.set_framesize(sensor.SVGA))
chk(lambda: sensor.set_framesize(sensor.UXGA))
chk(lambda: sensor.set_pixformat(7))
chk(lambda: sensor.set_windowing((400, 300)))
lcd.init()
chk(lambda: lcd.display(image.Image(size=(640, 480))))
chk(lambda: lcd.rotation(5))
chk(lambda: lcd.draw_string(400, 0, 'x'))
""").strip().split("\n")
    assert out[0].startswith("ValueError sensor.set_framesize(99): unsupported frame size")
    assert out[1] == ("ValueError sensor.set_framesize(sensor.SVGA): 800x600 is not supported; "
                      "the largest frame is VGA (640x480)")
    assert out[2].startswith("ValueError sensor.set_framesize(sensor.UXGA): 1600x1200 is not supported")
    out = out[2:]
    assert out[1].startswith("ValueError sensor.set_pixformat(7): unsupported")
    assert out[2] == "ValueError sensor.set_windowing: window 400x300 does not fit the 320x240 frame (QVGA)"
    assert out[3].startswith("ValueError lcd.display: a 640x480 image does not fit the 320x240 panel")
    assert out[4] == "ValueError lcd.rotation(5): give 0..3 quarter turns"
    assert out[5] == "ValueError lcd.draw_string: (400, 0) is outside the 320x240 panel"


def test_camera_file_not_an_image_stops_the_board(tmp_path):
    bad = tmp_path / "notes.txt"
    bad.write_text("not a picture")
    r = subprocess.run([str(SIM), "--state", str(tmp_path), "--camera", str(bad)], capture_output=True, text=True,
                       timeout=20, stdin=subprocess.DEVNULL)
    assert r.returncode == 2
    assert f"camera file {bad}: not a BMP, PGM/PPM or JPEG file" in r.stderr
    # in a directory: the one bad file stops the board by its name, the images beside it do not help
    cam = tmp_path / "cam"
    cam.mkdir()
    shutil.copy(shared(DOG), cam / "a_dog.bmp")
    (cam / "b_notes.txt").write_text("not a picture")
    r = subprocess.run([str(SIM), "--state", str(tmp_path), "--camera", str(cam)], capture_output=True, text=True,
                       timeout=20, stdin=subprocess.DEVNULL)
    assert r.returncode == 2
    assert f"camera file {cam / 'b_notes.txt'}: not a BMP, PGM/PPM or JPEG file (starts with 6e 6f 74 20)" in r.stderr


def test_no_camera_says_how_to_give_one(board):
    out = board.exec("import sensor\ntry:\n    sensor.reset()\nexcept OSError as e:\n    print(e)")
    assert "--camera FILE|DIR" in out or "K210_SIM_CAMERA" in out


def test_soft_reset_frees_the_frame(dogcam):
    dogcam.reset()
    out = dogcam.exec("import kpu\nprint(kpu.mem_info()['free'])")
    free0 = int(out)
    out = dogcam.exec("import sensor, kpu\nsensor.reset()\nimg = sensor.snapshot()\nprint(kpu.mem_info()['free'])")
    assert int(out) == free0 - 153600 - 230400
    dogcam.reset()
    assert int(dogcam.exec("import kpu\nprint(kpu.mem_info()['free'])")) == free0
    out = dogcam.exec("import sensor\ntry:\n    sensor.snapshot()\nexcept RuntimeError as e:\n    print(e)")
    assert out.strip() == "sensor.snapshot: call sensor.reset() first"


def test_preview_copy_only_while_attached(dogcam):
    """lcd_shadow's copy: one 'lcd preview' ledger block while a preview is attached, none after."""
    out = dogcam.exec("import sensor, lcd, kpu\nsensor.reset()\nlcd.init()\n"
                      "blocks = lambda: dict(kpu.mem_info()['blocks']).get('lcd preview')\n"
                      "lcd.display(sensor.snapshot())\nprint(blocks())\nlcd.preview(True)\n"
                      "lcd.display(sensor.snapshot())\nprint(blocks())\nlcd.preview(False)\nprint(blocks())")
    assert out.split() == ["None", "153600", "None"]
