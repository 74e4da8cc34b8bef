"""The .kfpkg format kflash writes in one go: a ZIP with flash-list.json and the files. The firmware
at 0 gets kflash's boot header (sha256Prefix true: flag + length + image + SHA-256); data files
(models) go raw (false), because kpu.load(0x300000) expects the bare kmodel there."""
from __future__ import annotations

import json
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

from .errors import K210Error

SECTOR = 4096
FLASH_BYTES = 16 * 1024 * 1024
BOOT_HEADER = 1 + 4 + 32        # flag, length, SHA-256 (kflash flash_firmware)
FIRMWARE_MAGIC = bytes.fromhex("21a8efbeadde")   # kflash_gui's "is firmware" hint


@dataclass(frozen=True)
class Entry:
    address: int
    name: str
    data: bytes
    sha256_prefix: bool

    @property
    def flash_bytes(self) -> int:
        """Bytes this entry occupies in flash (the boot header counts for firmware)."""
        return len(self.data) + (BOOT_HEADER if self.sha256_prefix else 0)

    @property
    def end(self) -> int:
        return self.address + self.flash_bytes

    def describe(self) -> str:
        kind = "firmware, boot header" if self.sha256_prefix else "raw data"
        return f"0x{self.address:06x}-0x{self.end - 1:06x}  {self.name} ({len(self.data):,} B, {kind})"


def parse_address(text: str, what: str) -> int:
    try:
        value = int(text, 0)
    except ValueError:
        raise K210Error(f"{what}: address {text!r} is not a number (use e.g. 0x300000)") from None
    if value < 0 or value >= FLASH_BYTES:
        raise K210Error(f"{what}: address 0x{value:x} is outside the 16 MiB flash (0x0-0xffffff)")
    if value % SECTOR:
        raise K210Error(f"{what}: address 0x{value:x} is not 4 KiB aligned (kflash needs sector "
                        f"addresses: use 0x{value - value % SECTOR:x} or 0x{value - value % SECTOR + SECTOR:x})")
    return value


def entry_from_spec(spec: str) -> Entry:
    """FILE@ADDR -> Entry; firmware (boot header) exactly when ADDR is 0."""
    if "@" not in spec:
        raise K210Error(f"{spec}: give FILE@ADDRESS (e.g. maixpy.bin@0 or face.kmodel@0x300000)")
    path_s, addr_s = spec.rsplit("@", 1)
    path = Path(path_s)
    address = parse_address(addr_s, spec)
    try:
        data = path.read_bytes()
    except OSError as e:
        raise K210Error(f"{path}: {e.strerror}") from None
    if not data:
        raise K210Error(f"{path}: empty file")
    return Entry(address, path.name, data, address == 0)


def check(entries: list[Entry]) -> None:
    """Rejects overlaps and entries past the end of flash, naming both files and the ranges."""
    ordered = sorted(entries, key=lambda e: e.address)
    for e in ordered:
        if e.end > FLASH_BYTES:
            raise K210Error(f"{e.name} at 0x{e.address:x} ends at 0x{e.end:x}, past the 16 MiB flash")
    for a, b in zip(ordered, ordered[1:]):
        if b.address < a.end:
            raise K210Error(f"{a.name} (0x{a.address:x}-0x{a.end - 1:x}) overlaps {b.name} "
                            f"(0x{b.address:x}-0x{b.end - 1:x}): move {b.name} to 0x{_round_up(a.end):x} or later")


def _round_up(n: int) -> int:
    return (n + SECTOR - 1) // SECTOR * SECTOR


def flash_list(entries: list[Entry]) -> str:
    # Address first and one key per line: kflash 1.1.6 rewrites '"address": X,' with a regex
    # before json.loads, so this form is the one both it and a real JSON parser accept.
    files = [{"address": e.address, "bin": e.name, "sha256Prefix": e.sha256_prefix} for e in entries]
    return json.dumps({"version": "0.1.0", "files": files}, indent=4) + "\n"


def write(out: Path, entries: list[Entry]) -> None:
    check(entries)
    names = [e.name for e in entries]
    dup = {n for n in names if names.count(n) > 1}
    if dup:
        raise K210Error(f"{out}: two files named {sorted(dup)[0]}: rename one (names are kept in the .kfpkg)")
    tmp = out.with_name(out.name + ".part")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("flash-list.json", flash_list(entries))
        for e in entries:
            z.writestr(e.name, e.data)
    tmp.replace(out)


def read(path: Path) -> list[Entry]:
    """Entries of a .kfpkg, accepting what kflash accepts (e.g. unquoted hex addresses)."""
    try:
        with zipfile.ZipFile(path) as z:
            try:
                text = z.read("flash-list.json").decode()
            except KeyError:
                raise K210Error(f"{path}: no flash-list.json at the top of the archive") from None
            fixed = re.sub(r'("address"\s*:\s*)(0[xX][0-9a-fA-F]+)', r'\1"\2"', text)
            try:
                doc = json.loads(fixed)
            except ValueError as e:
                raise K210Error(f"{path}: flash-list.json is not valid JSON ({e})") from None
            out = []
            for i, f in enumerate(doc.get("files", [])):
                try:
                    addr = f["address"]
                    addr = int(addr, 0) if isinstance(addr, str) else int(addr)
                    out.append(Entry(addr, f["bin"], z.read(f["bin"]), bool(f["sha256Prefix"])))
                except KeyError as e:
                    raise K210Error(f"{path}: flash-list.json file #{i} lacks {e}") from None
            return out
    except zipfile.BadZipFile:
        raise K210Error(f"{path}: not a .kfpkg (not a ZIP archive)") from None


def boot_image(data: bytes, dio: bool = True) -> bytes:
    """What kflash writes at 0 for a firmware: flag, u32 length, image, SHA-256 of those."""
    import hashlib
    head = bytes([0x02 if dio else 0x00]) + len(data).to_bytes(4, "little")
    return head + data + hashlib.sha256(head + data).digest()
