"""The two errors the tools raise: K210Error (one readable line for the user) and BoardError
(code run on the board raised; the message is the board's traceback)."""
from __future__ import annotations


class K210Error(Exception):
    """A failure the user can act on; the CLI prints str(e) as one line and exits 1."""


class BoardError(K210Error):
    """Code run on the board raised; the message is the board's traceback text."""

    def __init__(self, traceback: str) -> None:
        super().__init__(traceback)
        self.traceback = traceback

    @property
    def last_line(self) -> str:
        lines = [x for x in self.traceback.strip().splitlines() if x.strip()]
        return lines[-1] if lines else "board raised an exception"
