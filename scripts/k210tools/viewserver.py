"""`k210 view`'s page: a localhost HTTP server showing the board's LCD (live, refreshed as new frames
arrive), below it the camera's last snapshot (when the preview asks for snapshots), the frame rates
and the board's printed output beside them, like the MaixPy IDE's frame buffer pane. Routes: /
(the page), /frame.png (the current LCD frame), /snapshot.png (the last snapshot), /state (JSON the
page polls), POST /stop (Ctrl-C to the script), POST /run (starts the script given on the command
line again)."""
from __future__ import annotations

import json
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

from . import png
from .preview import Preview

PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>k210 view: {name}</title>
<style>
 body {{ margin: 0; font: 14px sans-serif; background: #20232a; color: #ddd; }}
 header {{ height: 32px; line-height: 32px; padding: 0 16px; background: #111; }}
 header b {{ color: #fff; }}
 #lcdbox {{ position: absolute; left: 16px; top: 48px; }}
 #lcd, #snap {{ display: block; image-rendering: pixelated; background: #000; }}
 #info {{ margin-top: 8px; }}
 #snapbox {{ position: absolute; left: 16px; top: {snap_top}px; }}
 .caption {{ margin-top: 8px; }}
 #out {{ position: absolute; top: 48px; right: 16px; bottom: 16px; left: {out_left}px; margin: 0;
        padding: 8px; overflow: auto; background: #000; color: #9f9; font: 13px monospace;
        white-space: pre-wrap; }}
 button {{ margin-right: 8px; }}
</style></head>
<body>
<header><b>k210 view</b> &middot; {name} &middot; <span id="status">connecting</span></header>
<div id="lcdbox">
 <img id="lcd" alt="LCD" width="{disp_w}" height="{disp_h}">
 <div id="info"><span id="fps">-</span><br><span id="size"></span><br><br>
  <button id="stop">Stop (Ctrl-C)</button><button id="run" {run_attr}>Run again</button>
  <a href="/frame.png" download="lcd.png" style="color:#8cf">save frame</a></div>
</div>
<div id="snapbox" {snap_attr}>
 <img id="snap" alt="last snapshot" width="{disp_w}" height="{disp_h}">
 <div class="caption">camera: last snapshot <span id="snapinfo"></span>
  <a href="/snapshot.png" download="snapshot.png" style="color:#8cf">save</a></div>
</div>
<pre id="out"></pre>
<script>
const S = {scale};
let frameNo = -1, snapNo = -1, outTotal = 0;
const lcd = document.getElementById('lcd'), snap = document.getElementById('snap'), out = document.getElementById('out');
async function tick() {{
  try {{
    const r = await fetch('/state?since=' + outTotal, {{cache: 'no-store'}});
    const s = await r.json();
    if (s.frame_no !== null && s.frame_no !== frameNo) {{
      frameNo = s.frame_no;
      lcd.width = s.width * S; lcd.height = s.height * S;
      lcd.src = '/frame.png?n=' + frameNo;
    }}
    if (s.snap_key !== null && s.snap_key !== snapNo) {{
      snapNo = s.snap_key;
      snap.width = s.snap_w * S; snap.height = s.snap_h * S;
      snap.src = '/snapshot.png?n=' + snapNo;
    }}
    document.getElementById('snapinfo').textContent = s.snap_no === null
      ? (s.snap_none ? '(none since reset)' : '') : ('#' + s.snap_no);
    document.getElementById('fps').textContent =
      'board ' + s.board_fps.toFixed(1) + ' fps, preview ' + s.preview_fps.toFixed(1) + ' fps';
    document.getElementById('size').textContent = s.frame_no === null ? (s.none ? 'the board shows no LCD frame yet' : '')
      : (s.panel_w + 'x' + s.panel_h + ' frame #' + s.frame_no + (s.shift ? ' (sent 1/' + (1 << s.shift) + ')' : ''));
    document.getElementById('status').textContent = s.no_answer || (s.running ? 'running' : (s.finished || 'idle'));
    if (s.output) {{
      const atEnd = out.scrollTop + out.clientHeight >= out.scrollHeight - 4;
      out.textContent = (outTotal === 0 || s.output_reset) ? s.output : out.textContent + s.output;
      outTotal = s.output_total;
      if (atEnd) out.scrollTop = out.scrollHeight;
    }}
  }} catch (e) {{
    document.getElementById('status').textContent = 'k210 view stopped';
  }}
  setTimeout(tick, 100);
}}
document.getElementById('stop').onclick = () => fetch('/stop', {{method: 'POST'}});
document.getElementById('run').onclick = () => fetch('/run', {{method: 'POST'}});
tick();
</script></body></html>
"""


class ViewServer:
    """Serves one Preview on 127.0.0.1:port (0: any free port; .port says which)."""

    LCD_AT = (16, 48)        # page position of the LCD panel's top-left pixel
    SNAP_TOP = 48 + 128      # the snapshot panel's top, plus the LCD panel's height (room for the info)

    def __init__(self, preview: Preview, name: str, port: int = 8210, scale: int = 2,
                 panel: tuple[int, int] = (320, 240), code: bytes | None = None) -> None:
        self.preview = preview
        self.name = name
        self.scale = scale
        self.code = code
        self._png: dict[str, tuple[int, bytes]] = {}
        self._png_lock = threading.Lock()
        disp_w, disp_h = panel[0] * scale, panel[1] * scale
        self.page = PAGE.format(name=name, scale=scale, disp_w=disp_w, disp_h=disp_h,
                                out_left=disp_w + 48, run_attr="" if code else "disabled",
                                snap_attr="" if preview.snapshots else 'hidden',
                                snap_top=self.SNAP_TOP + disp_h).encode()
        handler = _handler(self)
        self.httpd = ThreadingHTTPServer(("127.0.0.1", port), handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def serve_forever(self) -> None:
        self.httpd.serve_forever(poll_interval=0.2)

    def shutdown(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def frame_png(self, which: str = "lcd") -> bytes | None:
        """The last LCD frame ("lcd") or camera snapshot ("snap") as PNG, or None if none came."""
        with self.preview.lock:
            s = self.preview.state
            # frames received so far: a frame asked afresh can bring new pixels under the same number
            f, serial = (s.frame, s.frames_got) if which == "lcd" else (s.snap, s.snaps_got)
        if f is None:
            return None
        with self._png_lock:
            got = self._png.get(which)
            if got is None or got[0] != serial:
                got = self._png[which] = (serial, png.encode_rgb(f.width, f.height, f.rgb888()))
            return got[1]

    def state_json(self, since: int) -> bytes:
        board_fps, preview_fps = self.preview.rates()
        with self.preview.lock:
            s = self.preview.state
            f = s.frame
            start = s.output_total - len(s.output)
            reset = since < start or since > s.output_total
            text = s.output if reset else s.output[since - start:]
            d = {
                "frame_no": f.frame_no if f else None,
                "width": f.width if f else 0, "height": f.height if f else 0,
                "shift": f.shift if f else 0,
                "panel_w": (f.width << f.shift) if f else 0, "panel_h": (f.height << f.shift) if f else 0,
                "none": s.none_seen, "running": s.running, "finished": s.finished, "no_answer": s.no_answer,
                "snap_no": s.snap.frame_no if s.snap else None, "snap_key": s.snaps_got if s.snap else None,
                "snap_w": s.snap.width if s.snap else 0, "snap_h": s.snap.height if s.snap else 0,
                "snap_none": s.snap_none,
                "board_fps": board_fps, "preview_fps": preview_fps, "frames": s.frames_got,
                "corrupt": s.corrupt, "output": text, "output_total": s.output_total, "output_reset": reset,
            }
        return json.dumps(d).encode()


def _handler(view: ViewServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args) -> None:   # quiet: the terminal shows board output
            pass

        def _send(self, status: int, ctype: str, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            u = urlparse(self.path)
            if u.path == "/":
                self._send(HTTPStatus.OK, "text/html; charset=utf-8", view.page)
            elif u.path == "/frame.png":
                data = view.frame_png()
                if data is None:
                    self._send(HTTPStatus.SERVICE_UNAVAILABLE, "text/plain",
                               b"no LCD frame yet: the board has not called lcd.display() since reset\n")
                else:
                    self._send(HTTPStatus.OK, "image/png", data)
            elif u.path == "/snapshot.png":
                data = view.frame_png("snap")
                if data is None:
                    self._send(HTTPStatus.SERVICE_UNAVAILABLE, "text/plain",
                               b"no snapshot yet: the board has not called sensor.snapshot() since reset "
                               b"(or k210 view was started without snapshots)\n")
                else:
                    self._send(HTTPStatus.OK, "image/png", data)
            elif u.path == "/state":
                since = parse_qs(u.query).get("since", ["0"])[0]
                self._send(HTTPStatus.OK, "application/json",
                           view.state_json(int(since) if since.isdigit() else 0))
            else:
                self._send(HTTPStatus.NOT_FOUND, "text/plain", f"{u.path}: no such page (try /)\n".encode())

        def do_POST(self) -> None:
            u = urlparse(self.path)
            if u.path == "/stop":
                view.preview.interrupt()
                self._send(HTTPStatus.OK, "text/plain", b"interrupted\n")
            elif u.path == "/run" and view.code is not None:
                if view.preview.state.running:
                    view.preview.interrupt()     # the new run starts once this one has ended
                view.preview.run(view.code)
                self._send(HTTPStatus.OK, "text/plain", b"started\n")
            else:
                self._send(HTTPStatus.NOT_FOUND, "text/plain", f"{u.path}: nothing to do here\n".encode())

    return Handler
