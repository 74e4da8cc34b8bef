"""FrameDemux (scripts/k210tools/framewire.py): frame packets leave the REPL byte stream, the text
around them is unchanged whatever the read boundaries; without an outstanding request nothing is
touched; damaged packets stay text."""
import numpy as np
import pytest

from framewire_c import FrameWireC
from k210tools import framewire


@pytest.fixture(scope="module")
def fw():
    return FrameWireC()


def _run(chunks, armed=1):
    frames = []
    d = framewire.FrameDemux(frames.append)
    for _ in range(armed):
        d.arm()
    text = b"".join(d.feed(c) for c in chunks) + d.flush()
    return text, frames, d


def test_packet_between_text_any_split(fw):
    px = np.arange(12, dtype=np.uint16).reshape(3, 4)
    pkt = fw.send_frame(px, frame_no=5)[1]
    stream = b"abc\r\n\x00def" + pkt + b"ghi>"
    for cut in range(0, len(stream), 3):
        for cut2 in (cut + 1, cut + 7, len(stream)):
            text, frames, d = _run([stream[:cut], stream[cut:cut2], stream[cut2:]])
            assert text == b"abc\r\n\x00defghi>"
            assert len(frames) == 1 and frames[0].frame_no == 5 and d.outstanding == 0
            assert np.array_equal(np.frombuffer(frames[0].pixels, "<u2").reshape(3, 4), px)


def test_byte_by_byte(fw):
    pkt = fw.send_frame(np.full((10, 10), 7, np.uint16), frame_no=2)[1]
    stream = b"x" + pkt + b"y"
    text, frames, _ = _run([stream[i:i + 1] for i in range(len(stream))])
    assert text == b"xy" and frames[0].encoding == framewire.RLE


def test_disarmed_leaves_magic_bytes_alone(fw):
    pkt = fw.send_frame(np.zeros((2, 2), np.uint16))[1]
    text, frames, _ = _run([b"a" + pkt + b"b"], armed=0)
    assert text == b"a" + pkt + b"b" and frames == []


def test_corrupt_packet_is_text(fw):
    pkt = bytearray(fw.send_frame(np.arange(4, dtype=np.uint16).reshape(2, 2), allow_rle=False)[1])
    pkt[22] ^= 0x40                                    # a pixel bit flipped on the line
    text, frames, d = _run([b"<" + bytes(pkt) + b">"])
    assert text == b"<" + bytes(pkt) + b">" and frames == [] and d.corrupt >= 1 and d.outstanding == 1


def test_implausible_header_is_text():
    fake = framewire.MAGIC + bytes([9, 0, 0, 0]) + bytes(12) + b"tail"
    text, frames, _ = _run([fake])
    assert text == fake and frames == []


def test_two_packets_status_and_frame(fw):
    a = fw.send_status(framewire.NONE)
    b = fw.send_frame(np.ones((1, 3), np.uint16), frame_no=9)[1]
    text, frames, d = _run([a + b"mid" + b], armed=2)
    assert text == b"mid" and [f.encoding for f in frames] == [framewire.NONE, framewire.RLE] and d.outstanding == 0
