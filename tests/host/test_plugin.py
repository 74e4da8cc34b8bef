"""The k210tools pytest plugin, run as a user would: pytest on a small test file, in a subprocess."""
import subprocess
import sys
import textwrap

import pytest

from k210tools.simboard import sim_binary


@pytest.fixture
def run_pytest(tmp_path):
    try:
        sim_binary()
    except Exception as e:
        pytest.skip(str(e))

    def run(body, *args):
        (tmp_path / "test_inner.py").write_text(textwrap.dedent(body))
        p = subprocess.run([sys.executable, "-m", "pytest", "-rs", "-p", "no:cacheprovider",
                            "--rootdir", str(tmp_path), str(tmp_path / "test_inner.py"), *args],
                           capture_output=True, text=True, timeout=120, cwd=tmp_path)
        return p.returncode, p.stdout + p.stderr
    return run


def test_board_fixture_api_reset_between_tests_and_header(run_pytest):
    rc, out = run_pytest('''
        import pytest
        from k210tools.errors import BoardError

        def test_a(board):
            board.exec("leftover = 1")
            board.put(b"\\x00\\x03\\x04 data", "/sd/p.bin")
            assert board.get("/sd/p.bin") == b"\\x00\\x03\\x04 data"
            assert board.eval("[1, 'x', None]") == [1, "x", None]

        def test_b_fresh_interpreter_same_storage(board):
            assert board.eval("'leftover' in globals()") is False
            assert board.get("/sd/p.bin") == b"\\x00\\x03\\x04 data"
            with pytest.raises(BoardError, match="NameError"):
                board.exec("undefined_name")

        def test_c_restart_power_cycles(board):
            board.restart()
            assert board.get("/sd/p.bin").endswith(b"data")
    ''')
    assert rc == 0, out
    assert "3 passed" in out
    assert "board: simulated board (fresh state): k210-kpu 0.1.0 on MicroPython v1.23.0" in out


def test_hil_marker_is_skipped_with_reason_on_the_sim(run_pytest):
    rc, out = run_pytest('''
        import pytest

        @pytest.mark.hil
        def test_needs_hardware(board):
            raise AssertionError("must not run")

        def test_plain():
            pass
    ''')
    assert rc == 0, out
    assert "1 passed, 1 skipped" in out
    assert "hil: needs real hardware (run with --port /dev/ttyUSB0)" in out


def test_per_test_timeout_fails_the_test_and_the_board_recovers(run_pytest):
    rc, out = run_pytest('''
        def test_hangs(board):
            board.exec("while True:\\n    pass", timeout=None)

        def test_after(board):
            assert board.eval("2 + 3") == 5
    ''', "--board-timeout", "2")
    assert rc == 1, out
    assert "ran longer than --board-timeout=2s" in out
    assert "1 failed, 1 passed" in out


def test_port_option_reaches_a_real_port_path(run_pytest):
    rc, out = run_pytest('''
        def test_x(board):
            pass
    ''', "--port", "/dev/does-not-exist")
    assert rc == 0, out
    assert "/dev/does-not-exist: cannot open" in out and "1 skipped" in out


def test_port_qemu_runs_the_board_fixture_on_qemu_and_skips_sim_only_tests(run_pytest):
    from k210tools.qemuboard import qemu_available
    if not qemu_available():
        pytest.skip("build/qemu_virt/firmware.elf or qemu-system-riscv64 missing")
    rc, out = run_pytest('''
        import pytest

        @pytest.mark.qemu_subset
        def test_on_qemu(board):
            board.put(b"q data", "/sd/q.bin")
            board.restart()
            assert board.eval("__import__('os').uname().machine").startswith("QEMU virt")
            assert board.get("/sd/q.bin") == b"q data"

        @pytest.mark.sim_only("reads the sim's state directory")
        def test_sim_marked(board):
            raise AssertionError("must not run")

        def test_sim_factory_user(sim_factory):
            raise AssertionError("must not run")
    ''', "--port", "qemu")
    assert "board: QEMU_VIRT board (fresh state): k210-kpu" in out, out
    assert "sim only: reads the sim's state directory; --port qemu is in use" in out
    assert "sim only: it starts extra simulated boards; --port qemu is in use" in out
    assert rc == 0 and "1 passed, 2 skipped" in out, out
