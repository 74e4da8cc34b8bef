"""`k210 snapshot` and `k210 view` on the simulated board: their errors (one line, naming what to do)
and the parts that need no lcd module. Frames of the lcd module: tests/board/test_view_frames.py."""
import json
import threading
import time
import urllib.request

from clirun import k210, sim_state  # noqa: F401  (sim_state: autouse fixture)
from k210tools.cli import main


def one_line_error(err):
    return err.startswith("k210: ") and err.count("\n") == 1 and "Traceback" not in err


def test_snapshot_needs_png_name(capfd, tmp_path):
    rc, _out, err = k210(capfd, "snapshot", str(tmp_path / "a.jpg"))
    assert rc == 1 and one_line_error(err) and "a.jpg" in err and ".png" in err


def test_snapshot_after_must_be_positive(capfd, tmp_path):
    script = tmp_path / "s.py"
    script.write_text("print(1)\n")
    rc, _out, err = k210(capfd, "snapshot", str(tmp_path / "a.png"), str(script), "--after", "0")
    assert rc == 1 and one_line_error(err) and "--after 0" in err


def test_snapshot_missing_script(capfd, tmp_path):
    rc, _out, err = k210(capfd, "snapshot", str(tmp_path / "a.png"), str(tmp_path / "none.py"))
    assert rc == 1 and one_line_error(err) and "none.py" in err


def test_snapshot_of_a_board_showing_nothing(capfd, tmp_path):
    rc, _out, err = k210(capfd, "snapshot", str(tmp_path / "a.png"))
    assert rc == 1 and one_line_error(err) and "no LCD frame" in err
    assert not (tmp_path / "a.png").exists()


def test_snapshot_script_that_displays_nothing(capfd, tmp_path):
    script = tmp_path / "s.py"
    script.write_text("print('hello from the board')\n")
    rc, out, err = k210(capfd, "snapshot", str(tmp_path / "a.png"), str(script), "--timeout", "20")
    assert rc == 1 and one_line_error(err) and "displaying 0 of 1 frames" in err
    assert "hello from the board" in out
    assert not (tmp_path / "a.png").exists()


def test_snapshot_script_that_raises(capfd, tmp_path):
    script = tmp_path / "s.py"
    script.write_text("raise ValueError('bad value 42')\n")
    rc, out, err = k210(capfd, "snapshot", str(tmp_path / "a.png"), str(script), "--timeout", "20")
    assert rc == 1 and "raised" in err and "bad value 42" in out


def test_view_serves_the_scripts_output(capfd, tmp_path):
    script = tmp_path / "s.py"
    script.write_text("import time\nfor i in range(5):\n print('tick', i)\n time.sleep_ms(10)\n")
    port = {}

    def run():
        port["rc"] = main(["-p", "sim", "view", str(script), "--no-browser", "--http-port", "0", "--duration", "6"])

    th = threading.Thread(target=run)
    th.start()
    url = None
    end = time.monotonic() + 20
    while url is None and time.monotonic() < end:
        time.sleep(0.1)
        out, _err = capfd.readouterr()
        for word in out.split():
            if word.startswith("http://127.0.0.1:"):
                url = word
    assert url, "k210 view printed no address"
    st = {}
    while time.monotonic() < end:
        st = json.loads(urllib.request.urlopen(url + "state").read())
        if st["finished"]:
            break
        time.sleep(0.1)
    assert st["finished"] == "finished" and "tick 4" in st["output"] and st["none"] is True
    th.join(30)
    assert port["rc"] == 0


def test_view_bad_zoom(capfd):
    rc, _out, err = k210(capfd, "view", "--zoom", "0", "--no-browser")
    assert rc == 1 and one_line_error(err) and "--zoom 0" in err


QUADS = b"""
import image, lcd
lcd.init()
img = image.Image(size=(320, 240))
img.draw_rectangle(0, 0, 160, 120, color=(255, 0, 0), fill=True)
img.draw_rectangle(160, 120, 160, 120, color=(255, 255, 255), fill=True)
n = 0
while True:
    lcd.display(img)
    n += 1
    if n == 3:
        print('three frames shown')
"""


def test_snapshot_from_the_simulated_board(capfd, tmp_path):
    import numpy as np
    import pngread
    script = tmp_path / "quads.py"
    script.write_bytes(QUADS)
    out = tmp_path / "lcd.png"
    rc, stdout, err = k210(capfd, "snapshot", str(out), str(script), "--after", "3")
    assert rc == 0, err
    assert "frame #" in err and "KeyboardInterrupt" not in stdout
    px = pngread.read(out.read_bytes())
    assert px.shape == (240, 320, 3)
    want = np.zeros((240, 320, 3), np.uint8)
    want[:120, :160] = (255, 0, 0)
    want[120:, 160:] = (255, 255, 255)
    assert np.array_equal(px, want)
    # the same at a quarter of the size: every 4th pixel of every 4th row
    rc, _stdout, err = k210(capfd, "snapshot", str(out), str(script), "--scale", "4")
    assert rc == 0, err
    assert np.array_equal(pngread.read(out.read_bytes()), want[::4, ::4])
