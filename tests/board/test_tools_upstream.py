"""The tools MicroPython users already have, against the simulated board on its pty: mpremote,
pyboard.py (from the pinned MicroPython sdist), adafruit-ampy and rshell (pinned in
requirements.lock). Each command runs with a bounded timeout; the board's files are checked by the
tool itself and by a second tool, never by the code under test alone."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from simproc import ROOT, SIM

VENV_BIN = Path(sys.executable).parent
PYBOARD = sorted((ROOT / "build" / "deps").glob("mpy_cross_v6_3-*/micropython/tools/pyboard.py"))
TIMEOUT = 90


@pytest.fixture(scope="module")
def pty(tmp_path_factory):
    """A simulated board of its own (fresh storage), served on a pty the tools open themselves."""
    if "--port" in sys.argv or not SIM.exists():
        pytest.skip("the tools run against the simulated board")
    state = tmp_path_factory.mktemp("tools-board")
    proc = subprocess.Popen([str(SIM), "--pty", "--state", str(state)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    path = proc.stdout.readline().decode().strip()
    if not path.startswith("/dev/"):
        proc.kill()
        raise RuntimeError(f"k210-sim printed no pty path: {path!r}")
    yield path
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()


def run(*cmd: str, cwd: Path | None = None) -> str:
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=TIMEOUT, cwd=cwd)
    assert p.returncode == 0, f"{' '.join(cmd)} exited {p.returncode}: {p.stdout[-800:]}{p.stderr[-800:]}"
    return p.stdout


def mpremote(port: str, *args: str) -> str:
    return run(sys.executable, "-m", "mpremote", "connect", port, *args)


def board_eval(port: str, expr: str) -> str:
    return mpremote(port, "exec", f"import os\nprint(repr({expr}))").strip()


def board_lacks(port: str, stmt: str) -> bool:
    """Whether stmt raises ImportError/AttributeError on the board (a module other work brings)."""
    p = subprocess.run([sys.executable, "-m", "mpremote", "connect", port, "exec", stmt],
                       capture_output=True, text=True, timeout=TIMEOUT)
    return "ImportError" in p.stdout + p.stderr or "AttributeError" in p.stdout + p.stderr


def test_mpremote_cp_recursive_then_ls(pty, tmp_path):
    tree = tmp_path / "tree"
    (tree / "sub").mkdir(parents=True)
    (tree / "a.txt").write_bytes(b"alpha\n")
    (tree / "sub" / "b.bin").write_bytes(bytes(range(256)) * 3)
    mpremote(pty, "cp", "-r", str(tree), ":/sd/")
    out = mpremote(pty, "ls", ":/sd/tree")
    assert out.split()[-4:] == ["0", "sub/", "6", "a.txt"]
    assert "768 b.bin" in " ".join(mpremote(pty, "ls", ":/sd/tree/sub").split())
    # mpremote ls with no path lists the current directory (os.listdir() with no argument): the
    # soft reset mpremote starts with puts it where a board starts, /sd
    assert "0 tree/" in " ".join(mpremote(pty, "ls").split())
    assert board_eval(pty, "(os.chdir('/sd/tree'), os.listdir())") == "(None, ['sub', 'a.txt'])"
    back = tmp_path / "back.bin"
    mpremote(pty, "cp", ":/sd/tree/sub/b.bin", str(back))
    assert back.read_bytes() == bytes(range(256)) * 3


def test_mpremote_df_lists_both_volumes(pty):
    lines = mpremote(pty, "df").strip().splitlines()
    assert lines[0].split() == ["filesystem", "size", "used", "avail", "use%", "mounted", "on"]
    rows = {line.split()[-1]: line.split() for line in lines[1:]}
    assert set(rows) == {"/flash", "/sd"}
    # the figures are the board's own statvfs: size = f_bsize * f_blocks
    st = eval(board_eval(pty, "os.statvfs('/sd')"))
    assert int(rows["/sd"][-5]) == st[0] * st[2]
    assert int(rows["/sd"][-3]) == st[0] * st[3]


def test_mpremote_run_streams_the_output(pty, tmp_path):
    script = tmp_path / "s.py"
    script.write_text("import os\nprint('sum', sum(range(10)), os.uname().sysname)\n")
    assert mpremote(pty, "run", str(script)).strip() == "sum 45 k210"


def test_mpremote_mount_import_and_read_from_the_host(pty, tmp_path):
    if board_lacks(pty, "import select; select.poll"):
        pytest.skip("mpremote mount's RemoteCommand polls stdin with select.poll, which lands with wt-mods")
    share = tmp_path / "share"
    share.mkdir()
    (share / "hostmod.py").write_text("def where():\n    return 'imported from the host'\n")
    (share / "data.txt").write_text("read through /remote\n")
    out = mpremote(pty, "mount", str(share), "exec",
                   "import os, hostmod\nprint(hostmod.where())\nprint(open('data.txt').read().strip())\n"
                   "print(os.getcwd(), sorted(os.listdir()))")
    lines = out.strip().splitlines()
    assert lines[-3:] == ["imported from the host", "read through /remote", "/remote ['data.txt', 'hostmod.py']"]


def test_mpremote_rtc(pty):
    if board_lacks(pty, "import machine; machine.RTC"):
        pytest.skip("machine.RTC lands with wt-mods")
    out = mpremote(pty, "rtc").strip()
    assert len(eval(out)) == 8


def test_pyboard_py_fs_ls(pty):
    if not PYBOARD:
        pytest.skip("build/deps holds no MicroPython sdist (run ./scripts/setup)")
    mpremote(pty, "exec", "import os\ntry:\n    os.mkdir('/sd/pb')\nexcept OSError:\n    pass\n"
             "f = open('/sd/pb/x.txt', 'w'); f.write('12345'); f.close(); os.chdir('/sd/pb')")
    # no path: the current directory, which pyboard.py's soft reset brought back to /sd
    out = run(sys.executable, str(PYBOARD[-1]), "-d", pty, "-f", "ls")
    assert "0 pb/" in " ".join(out.split())
    out = run(sys.executable, str(PYBOARD[-1]), "-d", pty, "-f", "ls", "/sd/pb")
    assert out.split()[-2:] == ["5", "x.txt"]


def test_ampy_mkdir_ls_rmdir(pty):
    ampy = str(VENV_BIN / "ampy")
    run(ampy, "-p", pty, "mkdir", "/sd/ampy_dir")
    assert "/sd/ampy_dir" in run(ampy, "-p", pty, "ls", "/sd").split()
    run(ampy, "-p", pty, "put", __file__, "/sd/ampy_dir/t.py")
    run(ampy, "-p", pty, "rmdir", "/sd/ampy_dir")
    assert "/sd/ampy_dir" not in run(ampy, "-p", pty, "ls", "/sd").split()
    assert "'ampy_dir'" not in board_eval(pty, "os.listdir('/sd')")


def test_rshell_rsync(pty, tmp_path):
    src = tmp_path / "rs"
    (src / "sub").mkdir(parents=True)
    (src / "one.txt").write_text("one\n")
    (src / "sub" / "two.txt").write_text("two two\n")
    out = run(str(VENV_BIN / "rshell"), "-p", pty, "--quiet", "--buffer-size", "128",
              "rsync", str(src), "/sd/rs")
    assert "Adding /sd/rs/sub/two.txt" in out
    assert board_eval(pty, "(open('/sd/rs/one.txt').read(), open('/sd/rs/sub/two.txt').read())") == \
        "('one\\n', 'two two\\n')"
