"""The 16 MiB SPI flash as Maix boards use it (firmware/flash_layout.h, docs/host-tools.md "Flash layout"), and
the rule for where a model may go: above the firmware image and below the /flash filesystem."""
from __future__ import annotations

from .errors import K210Error

SECTOR = 4096
FLASH_BYTES = 16 * 1024 * 1024
MODELS_LOWEST = 0x300000     # Sipeed's advice: data at or above 3 MiB survives a larger firmware
# /flash (FAT, 0xD00000 up) and, just below it, the power-loss journal of its block updates
FS_START, FS_END = 0xCF8000, 0x1000000   # firmware/flash_layout.h: FLASH_JOURNAL_OFFSET .. end


def firmware_end(header: bytes) -> int:
    """End of the firmware kflash wrote at 0, from its boot header (flag, u32 length); 0 if none."""
    if len(header) < 5 or header[0] not in (0, 1, 2, 3):
        return 0
    n = int.from_bytes(header[1:5], "little")
    return 5 + n + 32 if 0 < n < FLASH_BYTES else 0


def protected_firmware_end(fw_end: int) -> int:
    """Models stay out of [0, this): the real image's end or 3 MiB, whichever is higher."""
    return max(MODELS_LOWEST, (fw_end + SECTOR - 1) // SECTOR * SECTOR)


def check_model_range(address: int, length: int, name: str, fw_end: int = 0, force: bool = False) -> None:
    if address % SECTOR:
        lo = address - address % SECTOR
        raise K210Error(f"{name}: flash offset 0x{address:x} is not 4 KiB (sector) aligned: "
                        f"use 0x{lo:x} or 0x{lo + SECTOR:x}")
    end = address + length
    if address < 0 or end > FLASH_BYTES:
        raise K210Error(f"{name}: 0x{address:x}-0x{end - 1:x} is outside the 16 MiB flash (0x0-0xffffff)")
    if force:
        return
    fw = protected_firmware_end(fw_end)
    if address < fw:
        what = f"the firmware image (0x0-0x{fw_end - 1:x})" if fw_end > MODELS_LOWEST else \
            f"the firmware area (0x0-0x{fw - 1:x}, kept free for firmware updates)"
        raise K210Error(f"{name}: 0x{address:x}-0x{end - 1:x} overlaps {what}; use 0x{fw:x} or "
                        "higher, or --force")
    if end > FS_START and address < FS_END:
        raise K210Error(f"{name}: 0x{address:x}-0x{end - 1:x} overlaps the /flash filesystem and its journal "
                        f"(0x{FS_START:x}-0x{FS_END - 1:x}); a model must end by 0x{FS_START:x}, or use --force")
