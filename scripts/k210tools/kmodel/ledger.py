"""The charge kpu.load makes for a model: the host twin of kmodel_plan_charge
(modules/kpu/core/kmodel.c; docs/memory.md, "The charge of a model"). Every format's host reader
calls it, as every format's C loader calls the one C function."""
from __future__ import annotations

from typing import List, Tuple

BLOCK = 128                      # ledger block (modules/kpu/core/kpu_ledger.h)


def blocks(n: int) -> int:
    """n rounded up to whole ledger blocks (A(n) of docs/memory.md)."""
    return (n + BLOCK - 1) // BLOCK * BLOCK


def charge_parts(image_bytes: int, main_bytes: int, state_bytes: int, image_align: int = BLOCK) -> List[Tuple[str, int]]:
    """The one ledger block of a model, part by part: pad + A(image), A(main), A(state). pad is
    image_align - 128 when the file asks for more than the ledger's 128-B alignment (the block
    reserves the worst case, so the image can start on it)."""
    return [("image", max(0, image_align - BLOCK) + blocks(image_bytes)), ("main", blocks(main_bytes)),
            ("state", blocks(state_bytes))]


def charge(image_bytes: int, main_bytes: int, state_bytes: int, image_align: int = BLOCK) -> int:
    return sum(b for _, b in charge_parts(image_bytes, main_bytes, state_bytes, image_align))
