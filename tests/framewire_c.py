"""ctypes access to firmware/frame_wire.c (the board's encoder and request recogniser), built by
tests/hostlibs. Used by the frame_wire unit tests and by the fake preview board of the page test."""
from __future__ import annotations

import ctypes

import numpy as np

from hostlibs import library

WRITE_FN = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.POINTER(ctypes.c_uint8), ctypes.c_size_t)


class Src(ctypes.Structure):
    _fields_ = [("px", ctypes.POINTER(ctypes.c_uint16)), ("w", ctypes.c_uint), ("h", ctypes.c_uint),
                ("stride", ctypes.c_uint), ("swap", ctypes.c_int), ("gray", ctypes.POINTER(ctypes.c_uint8)),
                ("source", ctypes.c_int)]


class Parser(ctypes.Structure):
    _fields_ = [("held", ctypes.c_uint8 * 8), ("n", ctypes.c_uint8)]


class Req(ctypes.Structure):
    _fields_ = [("flags", ctypes.c_uint8), ("have", ctypes.c_uint32)]


class FrameWireC:
    def __init__(self) -> None:
        self.lib = ctypes.CDLL(str(library("frame_wire")))
        self.lib.frame_wire_send_frame.restype = ctypes.c_int
        self.lib.frame_wire_send_frame.argtypes = [ctypes.POINTER(Src), ctypes.c_uint, ctypes.c_int,
                                                   ctypes.c_uint32, WRITE_FN, ctypes.c_void_p]
        self.lib.frame_wire_send_status.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_uint32, ctypes.c_uint,
                                                    ctypes.c_uint, WRITE_FN, ctypes.c_void_p]
        self.lib.frame_wire_rle_bytes.restype = ctypes.c_size_t
        self.lib.frame_wire_rle_bytes.argtypes = [ctypes.POINTER(Src), ctypes.c_uint]
        self.lib.frame_wire_req_feed.restype = ctypes.c_int
        self.lib.frame_wire_req_feed.argtypes = [ctypes.POINTER(Parser), ctypes.c_uint8, ctypes.POINTER(Req),
                                                 ctypes.POINTER(ctypes.c_uint8), ctypes.POINTER(ctypes.c_size_t)]

    @staticmethod
    def _src(px: np.ndarray, swap: bool = False, source: int = 0) -> tuple[Src, np.ndarray]:
        """px: h x w u16 RGB565 values, or h x w u8 luma (sent through the gray pointer)."""
        if px.dtype == np.uint8:
            a = np.ascontiguousarray(px)
            h, w = a.shape
            return Src(None, w, h, w, int(swap), a.ctypes.data_as(ctypes.POINTER(ctypes.c_uint8)), source), a
        a = np.ascontiguousarray(px, dtype=np.uint16)
        h, w = a.shape
        return Src(a.ctypes.data_as(ctypes.POINTER(ctypes.c_uint16)), w, h, w, int(swap), None, source), a

    def send_frame(self, px: np.ndarray, shift: int = 0, allow_rle: bool = True, frame_no: int = 1,
                   swap: bool = False, source: int = 0) -> tuple[int, bytes]:
        """(encoding or -errno, packet bytes) for the frame px (h x w u16 RGB565 values, or u8 luma)."""
        out = bytearray()

        def write(_ctx, data, n):
            out.extend(ctypes.string_at(data, n))

        src, keep = self._src(px, swap, source)
        r = self.lib.frame_wire_send_frame(ctypes.byref(src), shift, int(allow_rle), frame_no, WRITE_FN(write), None)
        del keep
        return r, bytes(out)

    def send_status(self, status: int, frame_no: int = 0, w: int = 0, h: int = 0, source: int = 0) -> bytes:
        out = bytearray()

        def write(_ctx, data, n):
            out.extend(ctypes.string_at(data, n))

        self.lib.frame_wire_send_status(status, source, frame_no, w, h, WRITE_FN(write), None)
        return bytes(out)

    def rle_bytes(self, px: np.ndarray, shift: int = 0) -> int:
        src, keep = self._src(px)
        return self.lib.frame_wire_rle_bytes(ctypes.byref(src), shift)

    def parser(self) -> "ReqParser":
        return ReqParser(self.lib)


class ReqParser:
    """Feeds bytes through frame_wire_req_feed: (input passed on, [(flags, have) requests])."""

    def __init__(self, lib) -> None:
        self.lib = lib
        self.p = Parser()

    def feed(self, data: bytes) -> tuple[bytes, list[tuple[int, int]]]:
        passed = bytearray()
        reqs = []
        out = (ctypes.c_uint8 * 8)()
        n = ctypes.c_size_t()
        req = Req()
        for c in data:
            if self.lib.frame_wire_req_feed(ctypes.byref(self.p), c, ctypes.byref(req), out, ctypes.byref(n)):
                reqs.append((req.flags, req.have))
            passed += bytes(out[:n.value])
        return bytes(passed), reqs
