"""Kept for tests that import from it: the board fixture's classes now live in k210tools."""
from k210tools.board import Board
from k210tools.errors import BoardError

__all__ = ["Board", "BoardError"]
