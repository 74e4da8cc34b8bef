"""Real v3 models through the KPU driver and the behavioural KPU: YOLO finds the dog, bicycle and
car; outputs equal the numpy reference (tests/kpuref, written from the spec) for both activation
rules; set_layers exposes every layer; SD and flash give identical results."""
import binascii

import numpy as np
import pytest

from kpu_board import FLASH_MODELS, model_bytes, put_model, to_flash
from kpuref import v3 as ref
from realmodels import model_path

YOLO = "yolo20class_nncase01_v3.kmodel"
MNIST = "mnist_maixpy_v3.kmodel"
FACE = "facedetect_maixpy_0x300000_v3.kmodel"
DOG = "yolo20class_dog_320x240_rgb_chw.bin"
CROWD = "facedetect_crowd_320x240_rgb_chw.bin"
VOC = ("aeroplane bicycle bird boat bottle bus car cat chair cow diningtable dog horse motorbike "
       "person pottedplant sheep sofa train tvmonitor").split()
YOLO_ANCHORS = [1.08, 1.19, 3.42, 4.41, 6.63, 11.38, 9.42, 5.11, 16.62, 10.52]


def mnist_digit() -> bytes:
    """A hand-drawn '7'-like stroke on a 28x28 black background (MaixPy inverts to white-on-black)."""
    img = np.zeros((28, 28), np.uint8)
    img[5:8, 6:22] = 255
    for y in range(8, 24):
        x = 21 - (y - 8) // 2
        img[y, x - 1:x + 2] = 255
    return img.tobytes()


def run_on_board(board, load_arg: str, input_remote: str | None, input_bytes: bytes | None = None,
                 extra: str = "", layers: int = 0) -> np.ndarray:
    """forward on the board; returns the output as float32 or uint8 (array typecode). A file input
    is given to forward as its path (streamed into the model's input buffer, no GC copy)."""
    get_input = repr(input_remote) if input_remote else f"{input_bytes!r}"
    out = board.exec(
        "import kpu, binascii\n"
        f"m = kpu.load({load_arg}{extra})\n"
        f"kpu.set_layers(m, {layers})\n"
        f"o = kpu.forward(m, {get_input})\n"
        "print('f' if len(bytes(o)) != len(o) else 'B')\n"
        "print(binascii.b2a_base64(bytes(o), newline=False).decode())\n"
        "kpu.deinit(m)\n", timeout=120)
    tc, data = out.strip().split("\n")
    return np.frombuffer(binascii.a2b_base64(data), np.float32 if tc == "f" else np.uint8)


def yolo_decode(out: np.ndarray, thr: float = 0.5, nms: float = 0.2) -> list:
    """YOLOv2 region layer (Kendryte's layout: anchor-major channels x, y, w, h, obj, 20 classes)."""
    gh, gw = 7, 10
    o = out.reshape(5, 25, gh, gw).astype(np.float64)
    sig = lambda v: 1 / (1 + np.exp(-v))  # noqa: E731
    boxes = []
    for a in range(5):
        for r in range(gh):
            for c in range(gw):
                t = o[a, :, r, c]
                p = np.exp(t[5:] - t[5:].max())
                p = p / p.sum() * sig(t[4])
                box = ((c + sig(t[0])) / gw, (r + sig(t[1])) / gh,
                       np.exp(t[2]) * YOLO_ANCHORS[2 * a] / gw, np.exp(t[3]) * YOLO_ANCHORS[2 * a + 1] / gh)
                boxes.append((box, p))

    def iou(a, b):
        ix = max(0.0, min(a[0] + a[2] / 2, b[0] + b[2] / 2) - max(a[0] - a[2] / 2, b[0] - b[2] / 2))
        iy = max(0.0, min(a[1] + a[3] / 2, b[1] + b[3] / 2) - max(a[1] - a[3] / 2, b[1] - b[3] / 2))
        return ix * iy / (a[2] * a[3] + b[2] * b[3] - ix * iy)

    found = []
    for k, name in enumerate(VOC):
        kept = []
        for box, p in sorted((b for b in boxes if b[1][k] > thr), key=lambda b: -b[1][k]):
            if all(iou(box, q) <= nms for q in kept):
                kept.append(box)
                found.append((name, float(p[k]), box))
    return found


@pytest.fixture
def yolo(board):
    return put_model(board, YOLO), put_model(board, DOG)


def test_yolo_finds_dog_bicycle_car(board, yolo):
    out = run_on_board(board, repr(yolo[0]), yolo[1])
    assert out.shape == (8750,)
    names = sorted(name for name, _, _ in yolo_decode(out))
    assert names == ["bicycle", "car", "dog"]


def test_yolo_equals_numpy_reference_and_flash_copy(board, yolo):
    sd = run_on_board(board, repr(yolo[0]), yolo[1])
    expect = ref.run_model(model_bytes(YOLO), model_path(DOG).read_bytes(), rule="nncase01").outputs[0]
    np.testing.assert_array_equal(sd, expect)
    to_flash(board, yolo[0], FLASH_MODELS)
    flash = run_on_board(board, hex(FLASH_MODELS), yolo[1])
    np.testing.assert_array_equal(flash, sd)


@pytest.mark.parametrize("rule", ["nncase01", "nncase02"])
def test_face_detector_matches_reference_in_both_rules(board, rule):
    model, img = put_model(board, FACE), put_model(board, CROWD)
    const = "kpu.ACT_RULE_NNCASE01" if rule == "nncase01" else "kpu.ACT_RULE_NNCASE02"
    out = run_on_board(board, repr(model), img, extra=f", act_rule={const}")
    expect = ref.run_model(model_bytes(FACE), model_path(CROWD).read_bytes(), rule=rule).outputs[0]
    assert out.shape == (9000,)
    np.testing.assert_array_equal(out, expect)


def test_every_mnist_layer_through_set_layers_matches_reference(board):
    model = put_model(board, MNIST)
    digit = mnist_digit()
    expect = ref.run_model(model_bytes(MNIST), digit, rule="nncase01")
    info = board.eval(f"__import__('kpu').netinfo(__import__('kpu').load({model!r}))")
    assert len(info) == len(expect.layers) == 11
    for i, layer in enumerate(info):
        got = run_on_board(board, repr(model), None, digit, layers=i + 1)
        want = expect.layers[i]
        assert got.dtype == (np.float32 if layer["out_type"] == "f" else np.uint8), layer
        want = np.asarray(want).reshape(-1).astype(got.dtype)
        if i > 0 and info[i - 1]["type"] == "K210_ADD_PADDING":
            # only pixel (0,0) of a padded map is defined; the other 15 hold stale AI SRAM bytes
            got, want = got.reshape(-1, 16)[:, 0], want.reshape(-1, 16)[:, 0]
        if layer["type"] in ("SOFTMAX", "LOGISTIC", "L2_NORMALIZATION"):
            # expf/sqrtf of the board's libm vs numpy: a few ulp (kmodel-spec.md 7.5)
            np.testing.assert_allclose(got, want, rtol=1e-6, atol=0, err_msg=str(layer))
        else:
            np.testing.assert_array_equal(got, want, err_msg=str(layer))
    probs = run_on_board(board, repr(model), None, digit)
    np.testing.assert_allclose(probs, expect.outputs[0], rtol=1e-6, atol=0)
    assert probs.sum() == pytest.approx(1.0, abs=1e-5)


def test_interleaved_models_share_ai_sram_correctly(board, yolo):
    mnist = put_model(board, MNIST)
    face = put_model(board, FACE)
    digit = mnist_digit()
    out = board.exec(
        "import kpu\n"
        f"y = kpu.load({yolo[0]!r}); f = kpu.load({face!r}); n = kpu.load({mnist!r})\n"
        f"dog = crowd = {yolo[1]!r}\n"   # a path: read into each model's input buffer
        f"d = {digit!r}\n"
        "a = bytes(kpu.forward(n, d)); b = bytes(kpu.forward(y, dog)); c = bytes(kpu.forward(f, crowd))\n"
        "a2 = bytes(kpu.forward(n, d)); c2 = bytes(kpu.forward(f, crowd)); b2 = bytes(kpu.forward(y, dog))\n"
        "print(a == a2, b == b2, c == c2)\n"
        "for m in (y, f, n):\n"
        "    kpu.deinit(m)\n", timeout=120)
    assert out.strip() == "True True True"
