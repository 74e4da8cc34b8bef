"""Board tests of the frozen input/post-processing helpers against hand-computed cases."""
import math
import struct

import pytest

from boardfix import BoardError
from realmodels import model_path  # noqa: E402



def bmp24(w, h, rows_top_down, top_down=False):
    """A 24-bit BMP whose pixels are rows_top_down[y][x] = (r, g, b)."""
    stride = (w * 3 + 3) & ~3
    order = rows_top_down if top_down else rows_top_down[::-1]
    pix = b"".join(bytes(sum(([b, g, r] for r, g, b in row), [])).ljust(stride, b"\0") for row in order)
    head = struct.pack("<2sIHHI", b"BM", 54 + len(pix), 0, 0, 54)
    dib = struct.pack("<IiiHHIIiiII", 40, w, -h if top_down else h, 1, 24, 0, len(pix), 2835, 2835, 0, 0)
    return head + dib + pix


RGB_3x2 = [[(1, 2, 3), (4, 5, 6), (7, 8, 9)], [(10, 11, 12), (13, 14, 15), (16, 17, 18)]]
# planar R, G, B of RGB_3x2, rows top first
PLANAR_3x2 = bytes([1, 4, 7, 10, 13, 16, 2, 5, 8, 11, 14, 17, 3, 6, 9, 12, 15, 18])


@pytest.mark.parametrize("top_down", [False, True])
def test_bmp_reads_planar_rgb(board, top_down):
    board.put(bmp24(3, 2, RGB_3x2, top_down), "/sd/t.bmp")
    got = board.eval("(lambda i: (i.w, i.h, i.c, bytes(i.data)))(__import__('imgfile').load('/sd/t.bmp'))")
    assert got == (3, 2, 3, PLANAR_3x2)


def test_bmp_rejects_8bit_with_reason(board):
    data = bytearray(bmp24(3, 2, RGB_3x2))
    data[28] = 8
    board.put(bytes(data), "/sd/p.bmp")
    with pytest.raises(BoardError, match=r"/sd/p.bmp: BMP with 8 bits per pixel"):
        board.exec("import imgfile; imgfile.load('/sd/p.bmp')")


def test_pgm_with_comment_and_ppm(board):
    board.put(b"P5\n# made by hand\n3 2\n255\n" + bytes([0, 50, 100, 150, 200, 255]), "/sd/a.pgm")
    board.put(b"P6 2 1 255\n" + bytes([1, 2, 3, 4, 5, 6]), "/sd/b.ppm")
    got = board.eval("[(i.w, i.h, i.c, bytes(i.data)) for i in map(__import__('imgfile').load, ['/sd/a.pgm', '/sd/b.ppm'])]")
    assert got == [(3, 2, 1, bytes([0, 50, 100, 150, 200, 255])), (2, 1, 3, bytes([1, 4, 2, 5, 3, 6]))]


def test_pnm_errors_name_file_and_value(board):
    board.put(b"P5\n2 1\n65535\n" + bytes(4), "/sd/w.pgm")
    with pytest.raises(BoardError, match=r"/sd/w.pgm: PNM maxval 65535"):
        board.exec("import imgfile; imgfile.load('/sd/w.pgm')")
    board.put(b"P6\n2 2\n255\n" + bytes(5), "/sd/s.ppm")
    with pytest.raises(BoardError, match=r"/sd/s.ppm: PNM pixel data has 5 of 12 bytes"):
        board.exec("import imgfile; imgfile.load('/sd/s.ppm')")
    board.put(b"GIF89a", "/sd/x.gif")
    with pytest.raises(BoardError, match=r"/sd/x.gif: not a BMP"):
        board.exec("import imgfile; imgfile.load('/sd/x.gif')")


def test_save_pnm_round_trip(board):
    out = board.exec(
        "import imgfile\nfrom planar import Image\n"
        "imgfile.save_pnm(Image(2, 1, 3, bytearray([1, 4, 2, 5, 3, 6])), '/sd/o.ppm')\n"
        "print(open('/sd/o.ppm', 'rb').read())")
    assert out.strip() == repr(b"P6\n2 1\n255\n\x01\x02\x03\x04\x05\x06")


def test_grayscale_bt601_integer(board):
    # (77 R + 150 G + 29 B + 128) >> 8: red 77, green 149, blue 29, white 255
    got = board.eval("bytes(__import__('imgops').grayscale(__import__('planar').Image(4, 1, 3, "
                     "bytearray([255, 0, 0, 255, 0, 255, 0, 255, 0, 0, 255, 255]))).data)")
    assert got == bytes([77, 149, 29, 255])


def test_resize_nearest_down_and_up(board):
    got = board.exec(
        "import imgops\nfrom planar import Image\n"
        "print(bytes(imgops.resize_nearest(Image(4, 1, 1, bytearray([10, 20, 30, 40])), 2, 1).data))\n"
        "print(bytes(imgops.resize_nearest(Image(2, 2, 1, bytearray([10, 20, 30, 40])), 4, 3).data))")
    down, up = got.split()
    assert down == repr(bytes([10, 30]))
    # rows 0, 0, 1 (y * 2 // 3); columns 0, 0, 1, 1
    assert up == repr(bytes([10, 10, 20, 20, 10, 10, 20, 20, 30, 30, 40, 40]))


def test_resize_bilinear_half_pixel(board):
    # 2 -> 4: source positions -0.25 (clamped 0), 0.25, 0.75, 1.25 (clamped 1) -> 0, 25, 75, 100
    got = board.eval("bytes(__import__('imgops').resize_bilinear(__import__('planar').Image(2, 1, 1, "
                     "bytearray([0, 100])), 4, 1).data)")
    assert got == bytes([0, 25, 75, 100])
    # 2x2 -> 1x1 averages the four pixels: (10 + 20 + 30 + 41) / 4 = 25.25 -> 25
    got = board.eval("bytes(__import__('imgops').resize_bilinear(__import__('planar').Image(2, 2, 1, "
                     "bytearray([10, 20, 30, 41])), 1, 1).data)")
    assert got == bytes([25])


def test_letterbox_pads_and_reports_offsets(board):
    out = board.eval(
        "(lambda r: (bytes(r[0].data), r[1], r[2], r[3]))(__import__('imgops').letterbox("
        "__import__('planar').Image(4, 2, 1, bytearray([1, 2, 3, 4, 5, 6, 7, 8])), 4, 4, pad=9))")
    assert out == (bytes([9] * 4 + [1, 2, 3, 4, 5, 6, 7, 8] + [9] * 4), 1.0, 0, 1)


def test_prepare_gray_to_rgb_and_invert(board):
    out = board.exec(
        "import imgops\nfrom planar import Image\n"
        "i = imgops.prepare(Image(1, 1, 1, bytearray([7])), 2, 1, 3)\n"
        "print(i.w, i.h, i.c, bytes(i.data), bytes(imgops.invert(i).data))")
    assert out.split() == ["2", "1", "3", repr(bytes([7] * 6)), repr(bytes([248] * 6))]


def test_softmax_top_k_labels(board):
    board.put(b"# digits\nzero\none\n\ntwo\n", "/sd/l.txt")
    board.put(b"cat, dog ,bird\n", "/sd/c.txt")
    out = board.exec(
        "import postproc, math\n"
        "print(repr([round(v, 9) for v in postproc.softmax([0.0, math.log(3)])]))\n"
        "print(repr(postproc.top_k([0.1, 0.7, 0.1, 0.7], 3, ['a', 'b', 'c', 'd'])))\n"
        "print(repr(postproc.load_labels('/sd/l.txt')), repr(postproc.load_labels('/sd/c.txt')))\n"
        "print(postproc.argmax([3, 9, 9, 1]))")
    lines = out.strip().split("\n")
    assert lines[0] == "[0.25, 0.75]"
    assert lines[1] == "[(1, 0.7, 'b'), (3, 0.7, 'd'), (0, 0.1, 'a')]"
    assert lines[2] == "['zero', 'one', 'two'] ['cat', 'dog', 'bird']"
    assert lines[3] == "1"


def test_iou_and_nms(board):
    out = board.exec(
        "import boxes\n"
        "print(boxes.iou((0, 0, 2, 2), (1, 1, 3, 3)))\n"
        "d = [(0, 0, 10, 10, 0.9, 0), (1, 0, 11, 10, 0.8, 0), (1, 0, 11, 10, 0.7, 1), (20, 20, 30, 30, 0.6, 0)]\n"
        "print(repr(boxes.nms(d, 0.5)))\nprint(repr(boxes.nms(d, 0.5, per_class=False)))")
    iou, per_cls, all_cls = out.strip().split("\n")
    assert float(iou) == pytest.approx(1 / 7)   # overlap 1, union 4 + 4 - 1
    # (1,0,11,10) vs (0,0,10,10): inter 90, union 110 -> 0.818 > 0.5: the 0.8 box goes
    assert per_cls == "[(0, 0, 10, 10, 0.9, 0), (1, 0, 11, 10, 0.7, 1), (20, 20, 30, 30, 0.6, 0)]"
    assert all_cls == "[(0, 0, 10, 10, 0.9, 0), (20, 20, 30, 30, 0.6, 0)]"


def test_yolo2_decode_hand_case(board):
    # 1 anchor (1, 1), 2 classes, grid 2x1: channels tx ty tw th obj c0 c1, each 2 cells.
    # Cell 1: tx = ty = tw = 0, th = ln 2, obj logit 10, class logits (0, ln 3).
    out = [0, 0, 0, 0, 0, 0, 0, math.log(2), -10, 10, 0, 0, 0, math.log(3)]
    got = board.eval("__import__('yolo2').decode(%r, 2, 1, (1, 1), 2, 0.5, 0.3, 100, 50)" % (out,))
    assert len(got) == 1
    x1, y1, x2, y2, score, cls, index = got[0]
    # centre (0.75, 0.5), size (0.5, 2) of the grid -> pixels on a 100x50 image
    assert (x1, y1, x2, y2) == pytest.approx((50, -25, 100, 75))
    assert score == pytest.approx(0.75 / (1 + math.exp(-10)))
    assert (cls, index) == (1, 1)


def test_yolo2_decode_rejects_wrong_size(board):
    with pytest.raises(BoardError, match=r"yolo2.decode: 3 values, expected 1 anchors x \(5 \+ 2\)"):
        board.exec("__import__('yolo2').decode([0, 0, 0], 2, 1, (1, 1), 2)")


def test_ultraface_decode_matches_reference_tensor(board):
    # nncase's RFB-320 example output; the model directory's README.md section 3: 4420 priors, 114 above 0.3,
    # 95 after hard NMS at 0.3, best (184.5, 23.8)-(189.6, 33.6) at 0.992
    board.put(str(model_path("facedetect_rfb320_crowd_expected_boxes_scores_f32.bin")), "/sd/face.bin")
    board.exec("import array\n_a = array.array('f', bytearray(106080))\nopen('/sd/face.bin', 'rb').readinto(_a)")
    out = board.eval(
        "(lambda f: (lambda b, s: (len(__import__('ultraface').priors()) // 4, sum(1 for i in range(4420) if s[2*i+1] > 0.3), "
        "__import__('ultraface').decode(b, s, 320, 240, 0.3, 0.3)))(f[:17680], f[17680:]))"
        "(memoryview(_a))")
    n_priors, above, dets = out
    assert (n_priors, above, len(dets)) == (4420, 114, 95)
    assert dets[0][:4] == pytest.approx((184.5, 23.8, 189.6, 33.6), abs=0.06)
    assert dets[0][4] == pytest.approx(0.992, abs=0.0005)
