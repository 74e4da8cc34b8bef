"""The command registry: what a `k210` subcommand is (Command) and what its handler gets (Session).
cmd_*.py modules each export COMMANDS; cli.py collects them. Nothing here imports a command module,
so the commands and the entry point never import each other."""
from __future__ import annotations

import argparse
import os
from dataclasses import dataclass
from typing import Callable

from .board import Board


class Session:
    """Lazily connected board for one CLI invocation."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self._board: Board | None = None

    @property
    def board(self) -> Board:
        return self.connect()

    def connect(self, raw: bool = True) -> Board:
        """The board, connected on first use; raw False leaves a running program running (the
        preview's frames need no raw REPL)."""
        if self._board is None:
            port = self.args.port or os.environ.get("K210_PORT") or None
            if port and port.startswith(("id:", "usb:")):   # a board picked by USB serial or location
                from .farm import resolve
                port = resolve([port])[0]
            self._board = Board.connect(port, self.args.baud, getattr(self.args, "board", None),
                                        maixpy_sim=self.args.maixpy_sim, raw=raw)
        return self._board

    def close(self) -> None:
        if self._board is not None:
            self._board.close()
            self._board = None


Handler = Callable[[argparse.Namespace, Session], int]


@dataclass(frozen=True)
class Command:
    """One subcommand: its name, one-line help, the builder of its arguments and its handler."""
    name: str
    help: str
    build: Callable[[argparse.ArgumentParser], None]
    run: Handler
