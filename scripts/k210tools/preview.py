"""The host preview's engine, shared by `k210 view` and `k210 snapshot`: one thread reads the board
(REPL text, or a script's output while it runs) with frame packets taken out of that stream, another
asks for the next frame whenever the last one has been answered (with snapshots on, every other
request asks for the camera's last snapshot instead of the LCD). Frames and text are kept here for
the caller (the HTTP page, the snapshot writer) under one lock."""
from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Callable

from . import framewire
from .errors import BoardError, K210Error
from .transport import Transport

OUTPUT_KEEP = 256 * 1024          # characters of board output kept for the page
FPS_WINDOW = 3.0                  # seconds the frame rates are measured over
REFRESH = 3.0                     # a frame unchanged this long (by number) is asked for afresh


@dataclass
class PreviewState:
    frame: framewire.Frame | None = None      # last LCD frame with pixels
    frame_no: int = 0
    none_seen: bool = False                   # the board answered "nothing to show"
    snap: framewire.Frame | None = None       # last camera snapshot with pixels (snapshots=True)
    snap_none: bool = False                   # the board has no snapshot to show
    snaps_got: int = 0                        # snapshots with pixels received
    output: str = ""
    output_total: int = 0                     # characters ever received (the page asks from here)
    running: bool = False                     # a script sent by the host is running
    finished: str = ""                        # how the last script ended ("" while none ended)
    error: str = ""                           # the last script's traceback or a link error
    frames_got: int = 0
    no_answer: str = ""                       # set when the board never answered a request
    corrupt: int = 0
    times: deque = field(default_factory=lambda: deque(maxlen=256))   # (t, frame_no) per new frame


class Preview:
    """Reads `t` in a background thread and keeps asking for frames (at most max_fps per second).
    shift: downscale 1 << shift on the board (0..3). snapshots: also ask for the camera's last
    snapshot (every other request). run(code) starts a script in the raw REPL."""

    def __init__(self, t: Transport, shift: int = 0, max_fps: float = 30.0, request_timeout: float | None = None,
                 snapshots: bool = False) -> None:
        self.t = t
        self.shift = shift
        self.snapshots = snapshots
        self._next_source = framewire.LCD
        self._snap_full_at = 0.0
        self.min_gap = 1.0 / max_fps if max_fps > 0 else 0.0
        self.request_timeout = request_timeout
        self.state = PreviewState()
        self.lock = threading.Lock()
        self.changed = threading.Condition(self.lock)
        self._code: bytes | None = None
        self._stop = threading.Event()
        self._cr = False
        self.demux = t.attach_frames(self._on_frame)
        self._asked_at = 0.0
        self._full_at = 0.0       # when the last frame with pixels came
        self._answered = threading.Event()
        self._answered.set()
        self._answers = 0         # answers received (0 after a timeout: the board has no frame protocol)
        self._threads = [threading.Thread(target=self._pump, name="k210-preview-read", daemon=True),
                         threading.Thread(target=self._ask, name="k210-preview-ask", daemon=True)]

    def start(self) -> "Preview":
        for th in self._threads:
            th.start()
        return self

    def close(self) -> None:
        self._stop.set()
        for th in self._threads:
            th.join(5.0)

    # ---- what the caller asks ----
    def run(self, code: bytes) -> None:
        """Starts code on the board (raw REPL; whatever ran is interrupted)."""
        with self.lock:
            self._code = code
            self.state.running = True
            self.state.finished = ""
            self.state.error = ""
            self.changed.notify_all()

    def interrupt(self) -> None:
        """Ctrl-C to the board: stops the running script."""
        self.t.write(b"\x03")

    def output_since(self, pos: int) -> tuple[str, int]:
        """(board output after character pos, the new pos); what fell out of the kept window is lost."""
        with self.lock:
            s = self.state
            start = s.output_total - len(s.output)
            return s.output[max(0, pos - start):], s.output_total

    def rates(self) -> tuple[float, float]:
        """(board fps: lcd.display() calls per second seen through frame_no, preview fps: new frames
        received per second), both over the last FPS_WINDOW seconds."""
        with self.lock:
            now = time.monotonic()
            pts = [(t, n) for t, n in self.state.times if now - t <= FPS_WINDOW]
        if len(pts) < 2 or pts[-1][0] == pts[0][0]:
            return 0.0, 0.0
        dt = pts[-1][0] - pts[0][0]
        return (pts[-1][1] - pts[0][1]) / dt, (len(pts) - 1) / dt

    def wait(self, predicate: Callable[[PreviewState], bool], timeout: float | None) -> bool:
        """Waits until predicate(state) holds (checked under the lock at every change)."""
        end = None if timeout is None else time.monotonic() + timeout
        with self.changed:
            while not predicate(self.state):
                left = None if end is None else end - time.monotonic()
                if left is not None and left <= 0:
                    return False
                self.changed.wait(left if left is not None else 1.0)
            return True

    # ---- threads ----
    def _on_frame(self, f: framewire.Frame) -> None:
        with self.changed:
            s = self.state
            if f.source == framewire.SNAPSHOT:
                if f.has_pixels:
                    self._snap_full_at = time.monotonic()
                    s.snap = f
                    s.snaps_got += 1
                s.snap_none = f.encoding == framewire.NONE
            elif f.has_pixels:
                self._full_at = time.monotonic()
                s.frame = f
                s.frame_no = f.frame_no
                s.none_seen = False
                s.frames_got += 1
                s.times.append((time.monotonic(), f.frame_no))
            elif f.encoding == framewire.NONE:
                s.none_seen = True
            self.changed.notify_all()
        self._answers += 1
        self._answered.set()

    def _text(self, data: bytes) -> None:
        if self._cr:
            data = b"\r" + data
        self._cr = data.endswith(b"\r")
        if self._cr:
            data = data[:-1]
        text = data.replace(b"\r\n", b"\n").decode(errors="replace")
        if not text:
            return
        with self.changed:
            s = self.state
            s.output = (s.output + text)[-OUTPUT_KEEP:]
            s.output_total += len(text)
            self.changed.notify_all()

    def _pump(self) -> None:
        try:
            while not self._stop.is_set():
                with self.lock:
                    code, self._code = self._code, None
                if code is None:
                    self._text(self.t.read_some(4096))
                    continue
                err = b""
                how = "finished"
                try:
                    self.t.exec_no_follow(code)
                    _out, err = self.t.follow(None, self._text)
                except BoardError as e:     # the board refused the code
                    err = e.traceback.encode()
                if err:
                    text = err.decode(errors="replace").replace("\r\n", "\n")
                    how = "interrupted" if "KeyboardInterrupt" in text else "raised"
                    self._text(err)
                with self.changed:
                    self.state.running = False
                    self.state.finished = how
                    self.state.error = err.decode(errors="replace").replace("\r\n", "\n")
                    self.changed.notify_all()
        except K210Error as e:
            with self.changed:
                self.state.running = False
                self.state.finished = "link lost"
                self.state.error = str(e)
                self.changed.notify_all()

    def _timeout(self) -> float:
        if self.request_timeout is not None:
            return self.request_timeout
        return 2.0 + self._line_seconds()

    def _line_seconds(self) -> float:
        """What one raw frame costs on the line at its baud rate (10 bits a byte)."""
        f = self.state.frame
        px = f.width * f.height if f else (320 >> self.shift) * (240 >> self.shift)
        return px * 2 * 10 / max(self.t.baudrate, 9600)

    def _ask(self) -> None:
        while not self._stop.is_set():
            self._answered.wait(0.05)
            now = time.monotonic()
            if self._answered.is_set():
                pass
            elif now - self._asked_at < self._timeout():
                continue
            elif self._answers == 0:
                # firmware without the frame protocol (MaixPy-v1, another MicroPython): the
                # request bytes reach its REPL as input, so do not send more of them
                with self.changed:
                    self.state.no_answer = (f"{self.t.name}: no answer to a frame request in {self._timeout():.0f}s; "
                                            "the preview needs the k210-kpu firmware (MaixPy-v1 has no frame protocol)")
                    self.changed.notify_all()
                return
            if now - self._asked_at < self.min_gap:
                time.sleep(self.min_gap - (now - self._asked_at))
            # lcd.clear() and lcd.draw_string() change the panel without a new frame number:
            # a frame unchanged by number for a while is asked for in full again (rarely on a
            # slow line, where a full frame holds the board's script up for seconds)
            source = self._next_source
            if self.snapshots:
                self._next_source = framewire.SNAPSHOT if source == framewire.LCD else framewire.LCD
            with self.lock:
                if source == framewire.SNAPSHOT:
                    # drawing on the snapshot keeps its number too: asked afresh the same way
                    f, full_at = self.state.snap, self._snap_full_at
                else:
                    f, full_at = self.state.frame, self._full_at
                stale = now - full_at > max(REFRESH, 4 * self._line_seconds())
                have = f.frame_no if f and not stale else framewire.NO_FRAME
                self.state.corrupt = self.demux.corrupt
            self._answered.clear()
            self._asked_at = time.monotonic()
            try:
                self.t.request_frame(self.shift, have=have, source=source)
            except K210Error:
                return
