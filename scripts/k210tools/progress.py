"""Progress of a long copy or flash. On a terminal: a tqdm bar on stderr. Elsewhere (a CI log, a
pipe): no bar frames at all, one summary line on stderr when the work ends."""
from __future__ import annotations

import sys
import time
from typing import Callable, TextIO

Update = Callable[[int], None]
Close = Callable[[], None]


def _size(n: float) -> str:
    for unit in ("B", "KiB", "MiB"):
        if n < 1024 or unit == "MiB":
            return f"{n:,.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} MiB"


def progress_bar(total: int, desc: str, enabled: bool = True,
                 stream: TextIO | None = None) -> tuple[Update, Close]:
    """(update, close) for `total` bytes. Disabled: both do nothing. stderr a terminal: a tqdm bar
    (shown after 1 s). Otherwise close() prints `desc: SIZE in T s, RATE/s` once, if all bytes went."""
    if not enabled:
        return (lambda n: None), (lambda: None)
    out = stream or sys.stderr
    if out.isatty():
        from tqdm import tqdm
        bar = tqdm(total=total, desc=desc, unit="B", unit_scale=True, unit_divisor=1024, leave=False,
                   mininterval=0.2, delay=1.0, file=out)
        return bar.update, bar.close
    done = [0]
    start = time.monotonic()

    def update(n: int) -> None:
        done[0] += n

    def close() -> None:
        if done[0] != total:
            return          # failed or interrupted: the error says so, in one line
        secs = time.monotonic() - start
        rate = f", {_size(done[0] / secs)}/s" if secs > 0 and done[0] else ""
        print(f"{desc}: {_size(done[0])} in {secs:.1f} s{rate}", file=out, flush=True)

    return update, close
