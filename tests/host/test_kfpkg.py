"""`k210 kfpkg`: the package kflash reads. The oracle for flash-list.json is kflash 1.1.6's own
reading procedure (regex rewrite, json.loads, int(x, 0)), replayed here step by step."""
import hashlib
import json
import re
import zipfile

import pytest

from k210tools import kfpkg
from k210tools.cli import main
from k210tools.errors import K210Error


def kflash_reads(path):
    """What kflash 1.1.6 process() does with a .kfpkg (kflash.py, FMT_KFPKG branch)."""
    with zipfile.ZipFile(path) as z:
        text = z.read("flash-list.json").decode()
        doc = json.loads(re.sub(r'"address": (.*),', r'"address": "\1",', text))
        return [(int(f["address"], 0), f["bin"], f["sha256Prefix"], z.read(f["bin"])) for f in doc["files"]]


@pytest.fixture
def files(tmp_path):
    fw = tmp_path / "maixpy.bin"
    fw.write_bytes(bytes.fromhex("21a8efbeadde") + bytes(range(256)) * 40)
    model = tmp_path / "face.kmodel"
    model.write_bytes(b"\x03\x00\x00\x00" + bytes(5000))
    return fw, model


def test_kfpkg_firmware_prefixed_data_raw_and_kflash_can_read_it(tmp_path, files, capsys):
    fw, model = files
    out = tmp_path / "pkg.kfpkg"
    assert main(["kfpkg", str(out), f"{fw}@0", f"{model}@0x300000"]) == 0
    assert kflash_reads(out) == [(0, "maixpy.bin", True, fw.read_bytes()),
                                 (0x300000, "face.kmodel", False, model.read_bytes())]
    assert "wrote" in capsys.readouterr().out
    assert [(e.address, e.sha256_prefix) for e in kfpkg.read(out)] == [(0, True), (0x300000, False)]


def test_kfpkg_rejects_overlap_naming_both_files(tmp_path, files, capsys):
    fw, model = files
    big = tmp_path / "big.bin"
    big.write_bytes(bytes(0x5000))
    assert main(["kfpkg", str(tmp_path / "x.kfpkg"), f"{big}@0", f"{model}@0x4000"]) == 1
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0
    assert "big.bin (0x0-0x5024) overlaps face.kmodel (0x4000-" in err and "move face.kmodel to 0x6000" in err
    assert not (tmp_path / "x.kfpkg").exists()


def test_boot_header_counts_toward_overlap(tmp_path):
    a = kfpkg.Entry(0, "fw.bin", bytes(4096), True)        # 4096 + 37 B in flash
    b = kfpkg.Entry(4096, "m.kmodel", bytes(10), False)
    with pytest.raises(K210Error, match="overlaps m.kmodel"):
        kfpkg.check([a, b])
    kfpkg.check([kfpkg.Entry(0, "fw.bin", bytes(4096 - 37), True), b])


@pytest.mark.parametrize("spec,msg", [
    ("{m}@0x300100", "not 4 KiB aligned.*0x300000 or 0x301000"),
    ("{m}@0x1000000", "outside the 16 MiB flash"),
    ("{m}@zz", "not a number"),
    ("{m}", "give FILE@ADDRESS"),
    ("/nonexistent/file.bin@0x300000", "No such file"),
])
def test_kfpkg_bad_specs_are_one_line_errors(tmp_path, files, capsys, spec, msg):
    _, model = files
    assert main(["kfpkg", str(tmp_path / "x.kfpkg"), spec.format(m=model)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("k210: ") and err.count("\n") == 1 and re.search(msg, err)


def test_kfpkg_past_end_of_flash(tmp_path):
    with pytest.raises(K210Error, match="past the 16 MiB flash"):
        kfpkg.check([kfpkg.Entry(0xFFF000, "m", bytes(8192), False)])


def test_reader_accepts_kflash_quirks(tmp_path):
    p = tmp_path / "q.kfpkg"
    with zipfile.ZipFile(p, "w") as z:   # unquoted hex address, as kflash_gui users write it
        z.writestr("flash-list.json", '{"version": "0.1.0", "files": [\n{"address": 0x300000,\n'
                                      '"bin": "m.kmodel", "sha256Prefix": false}]}')
        z.writestr("m.kmodel", b"abc")
    assert kfpkg.read(p) == [kfpkg.Entry(0x300000, "m.kmodel", b"abc", False)]


def test_boot_image_matches_kflash_layout():
    data = b"firmware!"
    img = kfpkg.boot_image(data)
    assert img[0] == 0x02 and img[1:5] == (9).to_bytes(4, "little") and img[5:14] == data
    assert img[14:] == hashlib.sha256(img[:14]).digest()
