"""The frame wire format of the host preview (docs/host-protocol.md section 8), host side: the
request bytes, the packet decoder and FrameDemux, which takes packets out of the REPL byte stream
the transport reads, leaving the text around them exactly as it was. A frame is the board's LCD or
its camera's last snapshot (LCD / SNAPSHOT, the header's source byte)."""
from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass
from typing import Callable

MAGIC = b"\x00\xfbKF"
HEAD = struct.Struct("<BBBBHHII")      # version, encoding, shift, source, w, h, frame_no, payload length
HEAD_BYTES = len(MAGIC) + HEAD.size    # 20
VERSION = 1
RAW, RLE, UNCHANGED, NONE = 0, 1, 2, 3
LCD, SNAPSHOT = 0, 1                   # sources
NO_FRAME = 0xFFFFFFFF
MAX_SIDE = 4096                        # larger than any K210 panel; a header beyond it is not ours


def request(shift: int = 0, raw_only: bool = False, have: int = NO_FRAME, source: int = LCD) -> bytes:
    """The 8 bytes that ask the board for its LCD frame (or, source SNAPSHOT, its camera's last
    snapshot): ESC ESC 'F' flags have(u32 LE)."""
    if not 0 <= shift <= 3:
        raise ValueError(f"downscale shift {shift}: give 0..3 (1x, 2x, 4x, 8x smaller)")
    if source not in (LCD, SNAPSHOT):
        raise ValueError(f"frame source {source}: give framewire.LCD or framewire.SNAPSHOT")
    flags = shift | (4 if raw_only else 0) | (8 if source == SNAPSHOT else 0)
    return b"\x1b\x1bF" + bytes([flags]) + struct.pack("<I", have & 0xFFFFFFFF)


@dataclass(frozen=True)
class Frame:
    """One answer of the board. encoding RAW/RLE: pixels holds w*h RGB565 values (r in bits 15-11)
    as u16 LE bytes; UNCHANGED: the host's frame is current; NONE: the board has nothing to show.
    source: LCD, or SNAPSHOT (the camera's last snapshot; a firmware without it answers LCD)."""
    encoding: int
    shift: int
    width: int
    height: int
    frame_no: int
    pixels: bytes = b""
    wire_bytes: int = 0
    source: int = LCD

    @property
    def has_pixels(self) -> bool:
        return self.encoding in (RAW, RLE)

    def rgb888(self) -> bytes:
        """w*h*3 bytes R, G, B, each 5/6-bit channel widened by repeating its top bits."""
        out = bytearray(len(self.pixels) // 2 * 3)
        vals = struct.unpack(f"<{len(self.pixels) // 2}H", self.pixels)
        for i, v in enumerate(vals):
            r, g, b = v >> 11, (v >> 5) & 0x3F, v & 0x1F
            out[3 * i] = (r << 3) | (r >> 2)
            out[3 * i + 1] = (g << 2) | (g >> 4)
            out[3 * i + 2] = (b << 3) | (b >> 2)
        return bytes(out)


class FrameFormatError(ValueError):
    pass


def rle_decode(payload: bytes, pixels: int) -> bytes:
    """PackBits over 16-bit pixels: c < 128: c+1 literal pixels follow; c >= 128: the next pixel
    repeats c-126 times. Raises FrameFormatError if the payload does not give exactly `pixels`."""
    out = bytearray()
    i, n = 0, len(payload)
    while i < n:
        c = payload[i]
        i += 1
        if c < 128:
            k = (c + 1) * 2
            if i + k > n:
                raise FrameFormatError(f"RLE literal of {c + 1} pixels at payload offset {i - 1} runs past the end")
            out += payload[i:i + k]
            i += k
        else:
            if i + 2 > n:
                raise FrameFormatError(f"RLE run at payload offset {i - 1} has no pixel")
            out += payload[i:i + 2] * (c - 126)
            i += 2
    if len(out) != pixels * 2:
        raise FrameFormatError(f"RLE payload gives {len(out) // 2} pixels, the header says {pixels}")
    return bytes(out)


def _plausible(enc: int, ver: int, source: int, w: int, h: int, length: int) -> bool:
    if ver != VERSION or source not in (LCD, SNAPSHOT) or w > MAX_SIDE or h > MAX_SIDE:
        return False
    if enc == RAW:
        return length == w * h * 2 and length > 0
    if enc == RLE:
        return 0 < length <= w * h * 3   # worst case: 1 control byte per pixel + 2
    return enc in (UNCHANGED, NONE) and length == 0


def parse_at(buf: bytes | bytearray, i: int) -> tuple[Frame | None, int]:
    """Tries a packet starting at buf[i] (which holds MAGIC). Returns (frame, end) for a whole valid
    packet, (None, -1) if more bytes are needed, (None, 0) if these bytes are not a packet."""
    if len(buf) - i < HEAD_BYTES:
        return None, -1
    ver, enc, shift, source, w, h, frame_no, length = HEAD.unpack_from(buf, i + len(MAGIC))
    if not _plausible(enc, ver, source, w, h, length):
        return None, 0
    end = i + HEAD_BYTES + length + 4
    if len(buf) < end:
        return None, -1
    body = bytes(buf[i + len(MAGIC):end - 4])
    (crc,) = struct.unpack_from("<I", buf, end - 4)
    if zlib.crc32(body) != crc:
        return None, 0
    payload = body[HEAD.size:]
    try:
        pixels = rle_decode(payload, w * h) if enc == RLE else payload
    except FrameFormatError:
        return None, 0
    return Frame(enc, shift, w, h, frame_no, pixels, end - i, source), end


class FrameDemux:
    """Splits what the board sends into REPL text and frame packets.

    Armed (a request is outstanding), it looks for MAGIC; a whole packet with a good CRC becomes a
    Frame handed to on_frame, everything else goes on as text unchanged. Disarmed, bytes pass
    straight through: a program printing the magic bytes by chance is never touched while nobody
    asked for a frame. A partial packet is held back until the rest arrives."""

    def __init__(self, on_frame: Callable[[Frame], None]) -> None:
        self.on_frame = on_frame
        self.outstanding = 0      # requests sent and not answered
        self.corrupt = 0          # packets seen whose CRC or layout failed (counted, passed as text)
        self._held = bytearray()

    def arm(self) -> None:
        self.outstanding += 1

    def feed(self, data: bytes) -> bytes:
        """Returns the text part of what has arrived so far (held bytes are not returned yet)."""
        if not self._held and (self.outstanding == 0 or MAGIC[0] not in data):
            return data
        buf = self._held + data
        self._held = bytearray()
        text = bytearray()
        i = 0
        while i < len(buf):
            j = buf.find(MAGIC, i) if self.outstanding else -1
            if j < 0:
                # keep a tail that may be the beginning of the magic
                tail = len(buf)
                if self.outstanding:
                    for k in range(min(len(MAGIC) - 1, len(buf) - i), 0, -1):
                        if bytes(buf[len(buf) - k:]) == MAGIC[:k]:
                            tail = len(buf) - k
                            break
                text += buf[i:tail]
                self._held = buf[tail:]
                break
            text += buf[i:j]
            frame, end = parse_at(buf, j)
            if end < 0:
                self._held = buf[j:]
                break
            if frame is None:
                self.corrupt += 1
                text += buf[j:j + 1]      # not a packet: the byte is text; look again after it
                i = j + 1
                continue
            self.outstanding = max(0, self.outstanding - 1)
            self.on_frame(frame)
            i = end
        return bytes(text)

    def flush(self) -> bytes:
        """Gives up on a held partial packet (the line went quiet): its bytes are text after all."""
        held, self._held = bytes(self._held), bytearray()
        return held

    @property
    def holding(self) -> bool:
        return bool(self._held)
