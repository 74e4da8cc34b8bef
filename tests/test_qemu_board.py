"""The QEMU_VIRT board: the cross-compiled firmware (core, port, kpu module, behavioural KPU) on
real RISC-V instructions under qemu-system-riscv64. A fast subset of the board checks: REPL,
platform, storage on /sd and /flash, resets, Ctrl-C, clocks, and the memory ledger."""
from __future__ import annotations

import json

import pytest

from qemuproc import QEMU_ELF, QemuProcess, qemu_available

pytestmark = pytest.mark.skipif(not qemu_available(), reason="build/qemu_virt/firmware.elf or qemu-system-riscv64 missing")


@pytest.fixture(scope="module")
def qemu(tmp_path_factory):
    q = QemuProcess(tmp_path_factory.mktemp("qemu-state"))
    yield q
    q.close()


def run(q: QemuProcess, code: str, timeout: float = 30.0) -> str:
    out, err = q.raw_exec(code, timeout)
    assert err == b"", err.decode(errors="replace")
    return out.decode().replace("\r\n", "\n")


def test_identity_and_arithmetic(qemu):
    out = run(qemu, "import sys, os\nprint(sys.platform)\nprint(os.uname().machine)\n"
                    "print(2**100, 1/3, sum(i*i for i in range(1000)))")
    platform, machine, maths = out.strip().splitlines()
    assert platform == "k210" and machine.startswith("QEMU virt")
    assert maths == "1267650600228229401496703205376 0.3333333333333333 332833500"


def test_files_on_sd_and_flash_survive_soft_and_machine_reset(qemu):
    data = bytes(range(256)) * 40
    run(qemu, f"open('/sd/q.bin', 'wb').write({data!r})\nopen('/flash/q.txt', 'w').write('flash ok')")
    qemu.enter_raw()
    qemu.write(b"\x04")                                   # soft reset
    qemu.read_until(b"soft reboot\r\n")
    assert run(qemu, "print(open('/sd/q.bin','rb').read() == " + repr(data) + ", open('/flash/q.txt').read())").strip() == "True flash ok"
    qemu.enter_raw()
    qemu.write(b"import machine\r\nmachine.reset()\r\n\x04")   # storage remounted, same files
    qemu.read_until(b"soft reboot\r\n")
    assert run(qemu, "import os; print(os.stat('/sd/q.bin')[6], os.listdir('/flash'))").strip() == "10240 ['q.txt']"


def test_ctrl_c_interrupts_a_running_loop(qemu):
    qemu.enter_raw()
    qemu.write(b"\x05A\x01")
    assert qemu.read_exact(2) == b"R\x01"
    qemu.read_exact(3)
    qemu.write(b"n = 0\nwhile True:\n    n += 1\n\x04")
    qemu.read_until(b"\x04", 10)                          # compiled, now running
    qemu.write(b"\x03")                                    # the UART interrupt raises it
    out = qemu.read_until(b"\x04>", 10)
    assert b"KeyboardInterrupt" in out


def test_ticks_follow_the_timer(qemu):
    ms = int(run(qemu, "import time\nt = time.ticks_ms()\ntime.sleep_ms(300)\nprint(time.ticks_diff(time.ticks_ms(), t))"))
    assert 300 <= ms < 3000


def test_mem_info_matches_the_link_report(qemu):
    report = json.loads((QEMU_ELF.parent / "memory.json").read_text())
    info = eval(run(qemu, "import kpu; print(kpu.mem_info())"))   # a dict literal from the board
    assert info["total"] == 8 << 20
    assert info["image"] == report["image"] and info["stacks"] == report["stacks"]
    assert info["gc_heap"] == report["gc_heap_default"] and info["pool"] == report["model_pool"]
    assert info["ai_sram"] == report["ai_sram"]


def test_storage_persists_across_a_qemu_restart_and_ctrl_c_at_reset_skips_main(tmp_path):
    state = tmp_path / "state"
    q = QemuProcess(state)
    run(q, "with open('/flash/main.py', 'w') as f:\n    f.write('print(\"MAIN\" + \"RAN\")\\n')\n"
           "with open('/sd/keep.txt', 'w') as f:\n    f.write('kept')\n")
    q.close()                                             # saves /flash and /sd into the images
    q = QemuProcess(state, serial_mode="tcp")             # every byte from reset on
    boot = q.read_until(b">>> ", 30)
    assert b"MAINRAN" in boot and b"skipped" not in boot
    assert run(q, "print(open('/sd/keep.txt').read())").strip() == "kept"
    q.close()
    q = QemuProcess(state, serial_mode="tcp")
    q.write(b"\x03")                                      # Ctrl-C within 200 ms of reset
    boot = q.read_until(b">>> ", 30)
    q.close(save=False)
    assert b"k210: Ctrl-C at boot: main.py skipped" in boot and b"MAINRAN" not in boot
