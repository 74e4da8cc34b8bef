"""`k210 flash` through kflash 1.1.6 against a fake K210 ISP on a pty (k210tools.testing.fakeisp): what the
fake recorded in its flash must equal the inputs at the right addresses."""
import os
import zlib

import pytest

from k210tools import boards, flash, kfpkg
from k210tools.cli import main
from k210tools.errors import K210Error
from k210tools.kmodel import v3
from k210tools.testing.fakeisp import FakeIsp


def kmodel(size: int) -> bytes:
    """A kmodel v3 file of exactly size bytes (>= 80): one FULLY_CONNECTED layer, then random bytes
    (kpu.load ignores what follows the last layer body), so --model's checks accept it."""
    fc = v3.FullyConnected(flags=0, in_=0, out=16, in_channels=2, out_channels=1, act=0,
                           weights=bytes(8), bias=bytes(4))
    head = v3.write(v3.Model(main_mem_usage=32, outputs=[v3.Output(16, 4)], layers=[fc]))
    assert len(head) <= size
    return head + os.urandom(size - len(head))


def byte_swapped(data: bytes) -> bytes:
    """What MaixPy's model_le2be.py makes of a model: every 32-bit word reversed."""
    return b"".join(data[i:i + 4][::-1] for i in range(0, len(data) - len(data) % 4, 4))


@pytest.fixture
def isp():
    dev = FakeIsp()
    yield dev
    dev.close()


@pytest.fixture
def fw(tmp_path):
    p = tmp_path / "fw.bin"
    p.write_bytes(os.urandom(150000))
    return p


def test_flash_firmware_and_model_via_cli(isp, fw, tmp_path, capsys):
    model = tmp_path / "m.kmodel"
    model.write_bytes(kmodel(70000))
    rc = main(["-p", isp.path, "flash", str(fw), "--model", f"{model}@0x300000", "--board", "MAIX_DOCK", "-q"])
    assert rc == 0, capsys.readouterr().err
    fwb = fw.read_bytes()
    assert isp.image(0, len(fwb) + 37) == kfpkg.boot_image(fwb)
    assert isp.image(0x300000, 70000) == model.read_bytes()
    assert isp.image(len(fwb) + 37, 4096) == b"\xff" * 4096          # nothing else touched
    assert isp.image(0x300000 + 70000, 4096) == b"\xff" * 4096
    assert isp.log.rebooted and isp.log.boot_address == 0x80000000
    assert isp.log.bauds == [1500000] and isp.log.flash_chip == 1
    stub = b"".join(isp.log.sram[a] for a in sorted(isp.log.sram))
    assert stub[:4] and zlib.crc32(stub) != 0 and len(stub) > 10000    # kflash's ISP stub went to SRAM
    assert "flashed" in capsys.readouterr().out


def test_plain_bin_goes_straight_to_kflash(isp, fw):
    p = flash.plan(fw, [], boards.board("MAIX_GO"), isp.path, 115200)
    assert p.source == fw
    flash.run(p)
    assert isp.image(0, len(fw.read_bytes()) + 37) == kfpkg.boot_image(fw.read_bytes())
    assert isp.log.bauds == []            # 115200: no baud change requested


def test_kfpkg_input_is_flashed_as_packaged(isp, fw, tmp_path):
    data = os.urandom(5000)
    (tmp_path / "d.bin").write_bytes(data)
    pkg = tmp_path / "p.kfpkg"
    kfpkg.write(pkg, [kfpkg.entry_from_spec(f"{fw}@0"), kfpkg.entry_from_spec(f"{tmp_path / 'd.bin'}@0x500000")])
    flash.run(flash.plan(pkg, [], None, isp.path, 1500000))
    assert isp.image(0x500000, 5000) == data


def test_frame_rejected_by_the_board_is_reported_not_skipped(fw):
    # kflash 1.1.6 logs a BAD_DATA_CHECKSUM reply and goes on with the next frame; we must fail.
    dev = FakeIsp(corrupt_write_reply_once=True)
    try:
        with pytest.raises(K210Error, match="kflash skipped it.*flash is incomplete"):
            flash.run(flash.plan(fw, [], boards.board("MAIX_BIT"), dev.path, 1500000))
        assert dev.image(0, 65536) == b"\xff" * 65536           # the hole kflash left
        assert dev.log.writes[0][0] == 65536
    finally:
        dev.close()


def test_no_device_answering_is_one_line_error(tmp_path, fw, capsys):
    import pty
    m, s = pty.openpty()
    try:
        rc = main(["-p", os.ttyname(s), "flash", str(fw), "--board", "MAIX_BIT", "-q"])
    finally:
        os.close(m)
        os.close(s)
    err = capsys.readouterr().err
    assert rc == 1 and err.startswith("k210: kflash:") and err.count("\n") == 1


def test_dry_run_prints_plan_and_touches_nothing(isp, fw, tmp_path, capsys):
    model = tmp_path / "m.kmodel"
    model.write_bytes(kmodel(100))
    assert main(["-p", isp.path, "flash", str(fw), "--model", f"{model}@0x300000", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "0x000000-0x024a14  fw.bin (150,000 B, firmware, boot header)" in out
    assert "0x300000-0x300063  m.kmodel (100 B, raw data)" in out
    assert isp.log.writes == [] and isp.log.sram == {}


@pytest.mark.parametrize("addr,msg", [
    ("0x100000", "overlaps the firmware area"),
    ("0xD00000", "overlaps the /flash filesystem"),
    ("0x0", "cannot go to 0x0"),
])
def test_models_refused_over_firmware_or_filesystem(fw, tmp_path, addr, msg):
    model = tmp_path / "m.kmodel"
    model.write_bytes(kmodel(100))
    with pytest.raises(K210Error, match=msg):
        flash.plan(fw, [f"{model}@{addr}"], None, "x", 1500000)
    if addr != "0x0":
        flash.plan(fw, [f"{model}@{addr}"], None, "x", 1500000, force=True)


@pytest.mark.parametrize("data,msg", [
    (byte_swapped(kmodel(100)), "offset 0: a byte-swapped kmodel"),
    (b"LDMK" + (5).to_bytes(4, "little") + bytes(92), "offset 8: unknown kmodel v5 layout"),
    (bytes(100), "offset 0: not a kmodel"),
], ids=["byte-swapped", "v5", "not-a-kmodel"])   # fixed ids: the bytes are random (xdist compares ids)
def test_flash_model_gets_the_model_push_checks(isp, fw, tmp_path, capsys, monkeypatch, data, msg):
    """`flash --model` refuses what `model push` refuses, with the same line, before touching flash."""
    monkeypatch.setenv("K210_SIM_DIR", str(tmp_path / "state"))
    model = tmp_path / "m.kmodel"
    model.write_bytes(data)
    rc = main(["-p", isp.path, "flash", str(fw), "--model", f"{model}@0x300000", "-q"])
    err = capsys.readouterr().err
    assert rc == 1 and err.startswith("k210: ") and err.count("\n") == 1 and msg in err, err
    assert isp.log.writes == [] and isp.log.sram == {}
    rc = main(["-p", "sim", "model", "push", str(model), "--sd", "/sd/m.kmodel"])
    push_err = capsys.readouterr().err
    assert rc == 1 and push_err.split(": ", 2)[2:] == err.split(": ", 2)[2:]   # same words after the name


def test_bad_baud_rejected(fw):
    with pytest.raises(K210Error, match="kflash rates are"):
        flash.plan(fw, [], None, "x", 1234)


def test_flash_to_sim_writes_its_flash_image(fw, tmp_path, monkeypatch):
    monkeypatch.setenv("K210_SIM_DIR", str(tmp_path / "state"))
    model = tmp_path / "m.kmodel"
    model.write_bytes(kmodel(3000))
    assert main(["-p", "sim", "flash", str(fw), "--model", f"{model}@0x400000"]) == 0
    img = (tmp_path / "state" / "flash.img").read_bytes()
    assert len(img) == 16 * 1024 * 1024
    assert img[:len(fw.read_bytes()) + 37] == kfpkg.boot_image(fw.read_bytes())
    assert img[0x400000:0x400000 + 3000] == model.read_bytes()


def test_goE_boards_switch_the_rom_baud_first(isp, fw):
    # kflash: goE/trainer at >= 1.5 Mbaud change the ROM's rate (FT2232 clock fudge), then the stub's
    flash.run(flash.plan(fw, [], boards.board("MAIX_AMIGO"), isp.path, 1500000))
    assert isp.log.bauds == [int(1500000 * 38.6 / 38), 1500000]
    assert isp.image(0, len(fw.read_bytes()) + 37) == kfpkg.boot_image(fw.read_bytes())
