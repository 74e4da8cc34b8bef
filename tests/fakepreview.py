"""A board at the far end of a pty that only does the preview's part: it prints lines of text and
answers frame requests with packets from the firmware's own encoder (firmware/frame_wire.c through
ctypes) of a frame the test chose. The page test uses it where no lcd module is needed."""
from __future__ import annotations

import os
import threading
import time
import tty

import numpy as np

from framewire_c import FrameWireC


class FakePreviewBoard:
    def __init__(self, frame: np.ndarray, lines: list[str]) -> None:
        self.fw = FrameWireC()
        self.frame = frame
        self.frame_no = 1
        self.lines = lines
        self.requests = 0
        self.master, slave = os.openpty()
        tty.setraw(slave)
        self.path = os.ttyname(slave)
        self._slave = slave
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._threads = [threading.Thread(target=self._answer, daemon=True),
                         threading.Thread(target=self._talk, daemon=True)]
        for t in self._threads:
            t.start()

    def _write(self, data: bytes) -> None:
        with self._lock:           # a packet is never split by a text line, as on the board
            try:
                os.write(self.master, data)
            except OSError:
                if not self._stop.is_set():
                    raise

    def _answer(self) -> None:
        parser = self.fw.parser()
        while not self._stop.is_set():
            try:
                data = os.read(self.master, 256)
            except OSError:
                return
            if self._stop.is_set():
                return
            _text, reqs = parser.feed(data)
            for flags, have in reqs:
                self.requests += 1
                if have == self.frame_no:
                    self._write(self.fw.send_status(2, self.frame_no, self.frame.shape[1], self.frame.shape[0]))
                else:
                    self._write(self.fw.send_frame(self.frame, shift=flags & 3, allow_rle=not flags & 4,
                                                   frame_no=self.frame_no)[1])

    def _talk(self) -> None:
        while self.requests == 0 and not self._stop.is_set():   # the host has the port open
            time.sleep(0.01)
        for line in self.lines:
            if self._stop.is_set():
                return
            self._write(line.encode() + b"\r\n")
            self.frame_no += 1      # as if the script displayed a frame per line printed
            time.sleep(0.05)

    def close(self) -> None:
        self._stop.set()
        os.close(self.master)
        os.close(self._slave)
