"""Storage faults on the simulated board: no SD card, an unreadable or corrupt SD image, a full
SD card during write-temp-then-rename. The board boots, /flash works, the REPL answers, and the
messages name the cause."""
from __future__ import annotations

import os

from simproc import SimProcess


def exec_ok(sim: SimProcess, code: str) -> str:
    out, err = sim.raw_exec(code, timeout=60)
    assert not err, err.decode(errors="replace")
    return out.decode().replace("\r\n", "\n")


def boot_banner(sim: SimProcess) -> str:
    """What the board printed from power-up to its first prompt."""
    return sim.read_until(b">>> ", timeout=30).decode(errors="replace")


def flash_still_works(sim: SimProcess) -> None:
    out = exec_ok(sim, "with open('/flash/t.txt', 'w') as f:\n    f.write('ok')\n"
                       "with open('/flash/t.txt') as f:\n    print(f.read())\n")
    assert out.strip() == "ok"


def test_no_sd_card(tmp_path):
    sim = SimProcess(tmp_path, "--no-sd")
    try:
        banner = boot_banner(sim)
        assert "/sd" not in banner     # an empty slot is normal: nothing to complain about
        out = exec_ok(sim, "import os, errno\nprint(os.listdir('/'), os.getcwd())\n"
                           "try:\n    open('/sd/x.txt', 'w')\nexcept OSError as e:\n    print(errno.errorcode[e.errno])\n")
        assert out.split("\n")[:2] == ["['flash'] /flash", "ENODEV"]   # no such device: the slot is empty
        flash_still_works(sim)
    finally:
        sim.close()


def test_sd_image_that_cannot_be_opened(tmp_path):
    (tmp_path / "sd.img").mkdir()       # a directory where the card image should be
    sim = SimProcess(tmp_path)
    try:
        banner = boot_banner(sim)
        assert "/sd" not in exec_ok(sim, "import os\nprint(os.listdir('/'))\n")
        flash_still_works(sim)
    finally:
        sim.close()
        stderr_line = sim.proc.stderr.read().decode()
    assert f"cannot open {tmp_path}/sd.img: Is a directory" in stderr_line, stderr_line
    assert "Traceback" not in banner


def test_sd_image_with_garbage_boot_sector_is_named_and_not_formatted(tmp_path):
    img = tmp_path / "sd.img"
    junk = bytes((i * 151 + 7) & 255 for i in range(512))
    with open(img, "wb") as f:
        f.write(junk)
        f.truncate(8 << 20)
    sim = SimProcess(tmp_path)
    try:
        banner = boot_banner(sim)
        assert "k210: /sd not mounted: no FAT filesystem on it" in banner, banner
        assert "formatting /sd" not in banner
        assert exec_ok(sim, "import os\nprint(os.listdir('/'))\n").strip() == "['flash']"
        flash_still_works(sim)
    finally:
        sim.close()
    with open(img, "rb") as f:
        assert f.read(512) == junk       # a damaged card is never wiped


def test_empty_sd_image_is_named(tmp_path):
    (tmp_path / "sd.img").write_bytes(b"")
    sim = SimProcess(tmp_path)
    try:
        boot_banner(sim)
        flash_still_works(sim)
    finally:
        sim.close()
    assert f"SD card image {tmp_path}/sd.img is empty" in sim.proc.stderr.read().decode()


def test_sd_full_during_replace_keeps_the_old_file(tmp_path):
    sim = SimProcess(tmp_path, "--sd-size", "1")
    try:
        boot_banner(sim)
        out = exec_ok(sim, """
import os, errno
old = b'old contents ' * 40
with open('/sd/cfg.txt', 'wb') as f:
    f.write(old)
try:
    with open('/sd/cfg.tmp', 'wb') as f:
        for i in range(2000):
            f.write(bytes([i & 255]) * 1024)
    os.rename('/sd/cfg.tmp', '/sd/cfg.txt')
    print('no error')
except OSError as e:
    print(errno.errorcode[e.errno])
    os.remove('/sd/cfg.tmp')
print(open('/sd/cfg.txt', 'rb').read() == old, os.statvfs('/sd')[3] > 0)
""")
        assert out.split("\n")[:2] == ["ENOSPC", "True True"]
    finally:
        sim.close()
