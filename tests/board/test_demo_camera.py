"""The demo's camera part (scripts/k210tools/board_scripts/demo_camera.py) on a simulated board whose
camera shows the dog picture: the detector's three boxes are drawn, and the LCD frame the preview
reads back over the REPL line equals the simulated panel's own frame buffer (lcd.fb), pixel for
pixel: two independent ways out of the board."""
import ast

import numpy as np

from k210tools.preview import Preview
from visionboard import DOG, camera_board, lcd_fb, shared

SCRIPT = "scripts/k210tools/board_scripts/demo_camera.py"


def test_demo_camera_frame_equals_the_panel(tmp_path):
    from k210tools.boards import ROOT
    model = shared("yolo20class_nncase01_v3.kmodel").read_bytes()
    state = tmp_path / "state"
    with camera_board(state, shared(DOG), fps=30) as b:
        b.exec("import os\ntry:\n os.mkdir('/sd/demo')\nexcept OSError:\n pass")
        b.put(model, "/sd/demo/yolo20.kmodel")
        p = Preview(b.t).start()
        try:
            p.run(b"FRAMES = 2\n" + (ROOT / SCRIPT).read_bytes())
            assert p.wait(lambda st: bool(st.finished), 120), p.state.output[-2000:]
            assert p.state.finished == "finished", p.state.error
            # the panel keeps the last frame: the preview gets it after the script ended
            assert p.wait(lambda st: st.frame is not None and st.frame_no >= 2, 20)
            f = p.state.frame
        finally:
            p.close()
            b.t.detach_frames()
        result = next(ast.literal_eval(ln[7:]) for ln in p.state.output.splitlines() if ln.startswith("RESULT "))
    assert {"dog", "bicycle", "car"} <= set(result["found"]) and result["frames"] == 2
    fb, _updates = lcd_fb(state)
    got = np.frombuffer(f.pixels, "<u2").reshape(f.height, f.width)
    assert got.shape == (240, 320) and np.array_equal(got, fb)
    assert (got == 0xF800).sum() > 1000        # the red boxes are on the frame
