"""The six K210 board builds (made by ./scripts/setup): memory reports that account for the
6 MiB exactly and agree with the ELF, a kflash-ready .kfpkg, a boot image laid out for the boot
ROM, and a link that refuses a split beyond 6 MiB with a clear message."""
from __future__ import annotations

import json
import subprocess
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BOARDS = ["MAIX_BIT", "MAIX_DOCK", "MAIX_GO", "MAIXDUINO", "MAIX_AMIGO", "MAIX_CUBE"]
SRAM = 6 << 20


def build_dir(board: str) -> Path:
    d = ROOT / "build" / board.lower()
    if not (d / "memory.json").exists():
        pytest.skip(f"{board} is not built (./scripts/setup builds it when the riscv64 toolchain is present)")
    return d


def nm(elf: Path) -> dict[str, int]:
    out = subprocess.run(["riscv64-unknown-elf-nm", str(elf)], check=True, capture_output=True, text=True).stdout
    return {p[2]: int(p[0], 16) for p in (line.split() for line in out.splitlines()) if len(p) == 3}


def sections(elf: Path) -> dict[str, tuple[int, int]]:
    out = subprocess.run(["riscv64-unknown-elf-readelf", "-SW", str(elf)], check=True, capture_output=True, text=True).stdout
    found = {}
    for line in out.splitlines():
        parts = line.replace("[ ", "[").split()
        if len(parts) > 6 and parts[0].startswith("[") and parts[1].startswith("."):
            found[parts[1]] = (int(parts[3], 16), int(parts[5], 16))   # address, size
    return found


@pytest.mark.parametrize("board", BOARDS)
def test_memory_report_adds_up_and_matches_the_elf(board):
    d = build_dir(board)
    r = json.loads((d / "memory.json").read_text())
    assert r["image"] + r["stacks"] + r["gc_heap_default"] + r["model_pool"] == SRAM
    sec = sections(d / "firmware.elf")
    # independent of the report's symbols: the loaded sections and .bss from readelf
    assert sec[".text"][0] == 0x80000000 and r["text"] >= sec[".text"][1]
    bss_end = sec[".bss"][0] + sec[".bss"][1]
    assert r["image"] == ((bss_end - 0x80000000 + 4095) & ~4095)
    assert sec[".stacks"][1] == r["stacks"] == r["stack_hart0"] + r["stack_hart1"] + r["stack_irq"]
    assert r["firmware_bin"] == (d / "firmware.bin").stat().st_size
    assert r["text"] + r["rodata"] + r["data"] == r["firmware_bin"]   # the ROM copies exactly this
    assert r["model_pool"] > 4 << 20                       # MaixPy leaves ~2-4 MiB; we must beat it
    text = (d / "memory.txt").read_text()
    assert f"{r['model_pool']:,} B" in text and "largest loadable model" in text


@pytest.mark.parametrize("board", BOARDS)
def test_kfpkg_holds_the_firmware_at_zero_with_boot_header(board):
    d = build_dir(board)
    with zipfile.ZipFile(d / "firmware.kfpkg") as z:
        listing = json.loads(z.read("flash-list.json"))
        assert listing["files"] == [{"address": 0, "bin": "firmware.bin", "sha256Prefix": True}]
        assert z.read("firmware.bin") == (d / "firmware.bin").read_bytes()


@pytest.mark.parametrize("board", BOARDS)
def test_boot_image_starts_with_the_reset_code(board):
    d = build_dir(board)
    syms = nm(d / "firmware.elf")
    assert syms["_start"] == 0x80000000
    out = subprocess.run(["riscv64-unknown-elf-readelf", "-h", str(d / "firmware.elf")], check=True,
                         capture_output=True, text=True).stdout
    assert "Entry point address:               0x80000000" in out
    # hart 1 parks, hart 0 reads mhartid first: `csrw mie,zero; csrr t0,mhartid`
    word = int.from_bytes((d / "firmware.bin").read_bytes()[4:8], "little")
    assert word == 0xF14022F3


def test_link_refuses_a_split_beyond_6_mib(tmp_path):
    d = build_dir("MAIX_BIT")
    link = (d / "CMakeFiles" / "firmware.dir" / "link.txt").read_text().strip()
    # the same linker script, preprocessed by the build with a GC heap default the SRAM cannot
    # hold (target k210_ldscript_oversize), then CMake's own link rule with it
    subprocess.run(["cmake", "--build", str(d), "--target", "k210_ldscript_oversize"], check=True,
                   capture_output=True)
    script = d / "k210-oversize.ld"
    cmd = link.replace(str(d / "k210.ld"), str(script)).replace("-o firmware.elf", f"-o {tmp_path / 'x.elf'}")
    cmd = cmd.replace(f"-Wl,-Map={d / 'firmware.map'}", f"-Wl,-Map={tmp_path / 'x.map'}")
    r = subprocess.run(cmd, shell=True, cwd=d, capture_output=True, text=True)
    assert r.returncode != 0
    assert "exceed the 6 MiB general SRAM" in r.stderr


@pytest.mark.parametrize("board", BOARDS)
def test_firmware_bin_is_within_the_400_kb_budget(board):
    d = build_dir(board)
    size = (d / "firmware.bin").stat().st_size
    assert size <= 400_000, f"{board}: firmware.bin is {size:,} B (the build's own guard should have stopped it)"


def test_postlink_stops_a_firmware_over_its_size_limit(tmp_path):
    d = build_dir("MAIX_BIT")
    size = (d / "firmware.bin").stat().st_size

    def postlink(limit: int) -> subprocess.CompletedProcess:
        return subprocess.run(["python3", str(ROOT / "firmware" / "k210" / "postlink.py"), "--board", "MAIX_BIT",
                               "--elf", str(d / "firmware.elf"), "--bin", str(d / "firmware.bin"),
                               "--out", str(tmp_path), "--max-bin", str(limit)], capture_output=True, text=True)

    over = postlink(size - 1)
    assert over.returncode != 0
    assert f"MAIX_BIT: firmware.bin is {size:,} B, over the {size - 1:,} B limit by 1 B" in over.stderr, over.stderr
    assert postlink(size).returncode == 0          # exactly at the limit is allowed
