"""The frame wire format (docs/host-protocol.md section 8; LCD frames and camera snapshots): the board's C encoder and request
recogniser (firmware/frame_wire.c through tests/hostlibs) against packets written out by hand from
the spec, and against the host's decoder (scripts/k210tools/framewire.py), a separate implementation."""
import struct
import zlib

import numpy as np
import pytest

from framewire_c import FrameWireC
from k210tools import framewire


@pytest.fixture(scope="module")
def fw():
    return FrameWireC()


def _packet(enc, shift, w, h, no, payload, source=0):
    """A packet built by hand from the spec: magic, header, payload, CRC-32 of header + payload."""
    body = bytes([1, enc, shift, source]) + struct.pack("<HHII", w, h, no, len(payload)) + payload
    return b"\x00\xfbKF" + body + struct.pack("<I", zlib.crc32(body))


def test_raw_2x2_exact_bytes(fw):
    px = np.array([[0xF800, 0x07E0], [0x001F, 0xFFFF]])          # red, green / blue, white
    enc, pkt = fw.send_frame(px, allow_rle=False, frame_no=7)
    assert enc == framewire.RAW
    assert pkt == _packet(0, 0, 2, 2, 7, bytes.fromhex("00f8e0071f00ffff"))


def test_rle_hand_encoded(fw):
    # A A A B C: a run of 3 (control 3+126 = 0x81) then 2 literals (control 1)
    px = np.array([[0x1234, 0x1234, 0x1234, 0xABCD, 0x0001]])
    assert fw.rle_bytes(px) == 3 + 1 + 4
    enc, pkt = fw.send_frame(px, frame_no=1)
    # 8 payload bytes against 10 raw: RLE
    assert enc == framewire.RLE
    assert pkt == _packet(1, 0, 5, 1, 1, bytes.fromhex("81 3412 01 cdab 0100"))


def test_rle_not_used_when_larger(fw):
    px = np.arange(16, dtype=np.uint16).reshape(4, 4)            # all different: literals cost more
    assert fw.rle_bytes(px) == 16 * 2 + 1
    enc, pkt = fw.send_frame(px)
    assert enc == framewire.RAW
    assert pkt == _packet(0, 0, 4, 4, 1, px.astype("<u2").tobytes())


def test_long_runs_split_at_129_and_literals_at_128(fw):
    px = np.concatenate([np.full(300, 5), np.arange(1000, 1200)]).astype(np.uint16).reshape(1, 500)
    # 300 = 129 + 129 + 42 (3 runs of 3 bytes), 200 literals = 128 + 72 (2 controls + 400 bytes)
    assert fw.rle_bytes(px) == 3 * 3 + 2 + 400
    f, _ = framewire.parse_at(fw.send_frame(px)[1], 0)
    assert np.array_equal(np.frombuffer(f.pixels, "<u2"), px.ravel())


def test_status_packets(fw):
    assert fw.send_status(framewire.NONE) == _packet(3, 0, 0, 0, 0, b"")
    assert fw.send_status(framewire.UNCHANGED, 41, 320, 240) == _packet(2, 0, 320, 240, 41, b"")


@pytest.mark.parametrize("shift", [0, 1, 2, 3])
@pytest.mark.parametrize("kind", ["noise", "blocks", "gradient"])
def test_round_trip_through_host_decoder(fw, shift, kind):
    rng = np.random.default_rng(shift)
    if kind == "noise":
        px = rng.integers(0, 65536, (240, 320), dtype=np.uint16)
    elif kind == "blocks":
        px = np.kron(rng.integers(0, 65536, (6, 8)), np.ones((40, 40))).astype(np.uint16)
    else:
        px = (np.arange(320)[None, :] // 7 + np.arange(240)[:, None] // 5).astype(np.uint16)
    enc, pkt = fw.send_frame(px, shift=shift, frame_no=99)
    f, end = framewire.parse_at(pkt, 0)
    assert end == len(pkt) and f.frame_no == 99 and f.shift == shift
    want = px[::1 << shift, ::1 << shift]       # nearest: the top-left pixel of each block
    assert (f.height, f.width) == want.shape
    assert np.array_equal(np.frombuffer(f.pixels, "<u2").reshape(want.shape), want)
    smaller = fw.rle_bytes(px, shift) < want.size * 2
    assert enc == (framewire.RLE if smaller else framewire.RAW)
    assert smaller == (kind != "noise" and not (kind == "gradient" and shift == 3))   # 8-px steps: no runs


def test_swapped_source(fw):
    px = np.array([[0x00F8, 0xE007]])                            # bytes exchanged in memory
    f, _ = framewire.parse_at(fw.send_frame(px, allow_rle=False, swap=True)[1], 0)
    assert np.frombuffer(f.pixels, "<u2").tolist() == [0xF800, 0x07E0]


def test_odd_sizes_downscale(fw):
    px = np.arange(7 * 5, dtype=np.uint16).reshape(5, 7)
    f, _ = framewire.parse_at(fw.send_frame(px, shift=3, allow_rle=False)[1], 0)
    assert (f.width, f.height) == (1, 1) and np.frombuffer(f.pixels, "<u2").tolist() == [0]


def test_bad_arguments_rejected(fw):
    px = np.zeros((2, 2))
    assert fw.send_frame(px, shift=4)[0] == -22
    assert fw.send_frame(np.zeros((0, 4)))[0] == -22


def test_snapshot_source_and_gray_frames(fw):
    """A GRAYSCALE snapshot goes out as RGB565 greys (5/6/5 top bits of the luma), source byte 1."""
    luma = np.array([[0, 255, 0x84]], np.uint8)
    enc, pkt = fw.send_frame(luma, allow_rle=False, frame_no=3, source=framewire.SNAPSHOT)
    grey = [0x0000, 0xFFFF, (0x80 << 8) | (0x84 << 3) | (0x84 >> 3)]
    assert pkt == _packet(0, 0, 3, 1, 3, struct.pack("<3H", *grey), source=1)
    f, _ = framewire.parse_at(pkt, 0)
    assert f.source == framewire.SNAPSHOT and np.frombuffer(f.pixels, "<u2").tolist() == grey
    assert fw.send_status(framewire.NONE, source=1) == _packet(3, 0, 0, 0, 0, b"", source=1)
    # an unknown source byte is not a packet of ours
    bad = _packet(3, 0, 0, 0, 0, b"", source=2)
    assert framewire.parse_at(bad, 0) == (None, 0)


def test_snapshot_request_flag(fw):
    req = framewire.request(1, have=5, source=framewire.SNAPSHOT)
    assert req == b"\x1b\x1bF\x09\x05\x00\x00\x00"
    assert fw.parser().feed(req) == (b"", [(9, 5)])
    with pytest.raises(ValueError, match="frame source 3"):
        framewire.request(source=3)


def test_rgb888_widening():
    f = framewire.Frame(framewire.RAW, 0, 3, 1, 1, struct.pack("<3H", 0xF800, 0x07E0, 0x0841))
    assert f.rgb888() == bytes([255, 0, 0, 0, 255, 0, 8, 8, 8])


# ---- the request recogniser ----

def test_request_recognised_and_removed(fw):
    p = fw.parser()
    req = framewire.request(2, raw_only=True, have=0x01020304)
    assert req == b"\x1b\x1bF\x06\x04\x03\x02\x01"
    passed, reqs = p.feed(b"print(1)\r" + req + b"x=2\r")
    assert passed == b"print(1)\rx=2\r"
    assert reqs == [(6, 0x01020304)]


def test_every_byte_value_passes_unchanged(fw):
    data = bytes(range(256)) * 4 + b"\x1b[A\x1b\x1b[B\x1bF\x1b\x1b\x1bxy"
    passed, reqs = fw.parser().feed(data)
    assert passed == data and reqs == []


def test_request_after_stray_escapes(fw):
    # ESC ESC ESC F ...: the first ESC is input, the request still follows
    passed, reqs = fw.parser().feed(b"a\x1b" + framewire.request() + b"b")
    assert passed == b"a\x1bb" and reqs == [(0, 0xFFFFFFFF)]


def test_request_split_across_feeds(fw):
    p = fw.parser()
    req = framewire.request(1)
    got = [p.feed(req[i:i + 1]) for i in range(len(req))]
    assert all(g[0] == b"" for g in got) and got[-1][1] == [(1, 0xFFFFFFFF)]


def test_host_request_shift_checked():
    with pytest.raises(ValueError, match="shift 4"):
        framewire.request(4)
