"""What the CLI writes where (issue 17): `k210 cat` keeps binary files off a terminal (hex dump or
--force instead), and progress bars appear only on a terminal (elsewhere one summary line)."""
import io
import os
import pty
import subprocess
import sys

import pytest

from k210tools.cmd_files import hexdump, is_binary
from k210tools.progress import progress_bar
from clirun import k210, sim_state  # noqa: F401  (sim_state: autouse fixture)

BLOB = bytes(range(256)) * 4 + b"\x00tail"      # NULs and every control byte




def on_a_terminal(*argv: str) -> tuple[int, bytes, bytes]:
    """Runs `k210 -p sim ARGV` with stdout on a pty (a terminal) and stderr on a pipe."""
    master, slave = pty.openpty()
    p = subprocess.Popen([sys.executable, "-m", "k210tools.cli", "-p", "sim", *argv], stdout=slave,
                         stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
    os.close(slave)
    out = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:           # EIO: the child closed its end
            break
        if not chunk:
            break
        out += chunk
    err = p.stderr.read()
    p.wait(60)
    os.close(master)
    return p.returncode, out, err


@pytest.mark.parametrize("data,binary", [
    (b"hello\nworld\n", False),
    (b"tab\tcr\r\nformfeed\x0c colour \x1b[31mred\x1b[0m", False),
    ("caf\u00e9 \u00b5Python\n".encode(), False),
    (b"", False),
    (b"abc\x00def", True),            # NUL
    (b"\xff\xfe\x00\x01", True),      # not UTF-8
    (b"text then \x07 bell", True),
    (b"\xc3", True),                  # a cut UTF-8 sequence
])
def test_is_binary_hand_cases(data, binary):
    assert is_binary(data) is binary


def test_hexdump_layout():
    assert hexdump(b"Hello\x00\x7f" + bytes(range(0x41, 0x4b))) == (
        "00000000  48 65 6c 6c 6f 00 7f 41 42 43 44 45 46 47 48 49  |Hello..ABCDEFGHI|\n"
        "00000010  4a                                               |J|\n"
        "00000011\n")
    assert hexdump(b"") == "00000000\n"


def test_cat_binary_to_a_terminal_is_refused_with_the_ways_to_get_it(capfd, tmp_path):
    (tmp_path / "b.bin").write_bytes(BLOB)
    (tmp_path / "t.txt").write_bytes(b"plain text\n")
    assert k210(capfd, "cp", str(tmp_path / "b.bin"), ":/sd/b.bin")[0] == 0
    assert k210(capfd, "cp", str(tmp_path / "t.txt"), ":/sd/t.txt")[0] == 0
    rc, out, err = on_a_terminal("cat", "/sd/b.bin")
    assert rc == 1 and out == b"" and err.count(b"\n") == 1, (out, err)
    assert b"binary file (1,029 B)" in err and b"k210 cp :/sd/b.bin" in err and b"--hex" in err and b"--force" in err
    rc, out, err = on_a_terminal("cat", "/sd/t.txt")               # text still goes to the terminal
    assert rc == 0 and out.replace(b"\r\n", b"\n") == b"plain text\n"
    rc, out, err = on_a_terminal("cat", "--hex", "/sd/b.bin")
    assert rc == 0 and out.replace(b"\r\n", b"\n").decode() == hexdump(BLOB)
    rc, out, err = on_a_terminal("cat", "--force", "/sd/b.bin")
    assert rc == 0 and b"\x00tail" in out
    rc, out, err = k210(capfd, "cat", "/sd")
    assert rc == 1 and "is a directory" in err


def test_cat_binary_into_a_pipe_is_the_raw_bytes(sim_state, tmp_path, capfd):
    (tmp_path / "b.bin").write_bytes(BLOB)
    assert k210(capfd, "cp", str(tmp_path / "b.bin"), ":/sd/b.bin")[0] == 0
    p = subprocess.run([sys.executable, "-m", "k210tools.cli", "-p", "sim", "cat", "/sd/b.bin"],
                       capture_output=True, timeout=60)
    assert p.returncode == 0 and p.stdout == BLOB and p.stderr == b""


def test_cp_without_a_terminal_prints_one_summary_line_and_no_bar(capfd, tmp_path):
    data = os.urandom(300_000)
    (tmp_path / "big.bin").write_bytes(data)
    rc, out, err = k210(capfd, "cp", str(tmp_path / "big.bin"), ":/sd/big.bin")
    assert rc == 0 and out == ""
    assert err.count("\n") == 1 and "\r" not in err and "%|" not in err, err
    assert err.startswith("big.bin -> :/sd/big.bin: 293.0 KiB in ") and err.rstrip().endswith("/s")
    rc, out, err = k210(capfd, "cp", ":/sd/big.bin", str(tmp_path / "back.bin"))
    assert rc == 0 and err.count("\n") == 1 and err.startswith(":/sd/big.bin -> back.bin: 293.0 KiB in ")
    assert (tmp_path / "back.bin").read_bytes() == data
    assert k210(capfd, "cp", "-q", str(tmp_path / "big.bin"), ":/sd/big.bin") == (0, "", "")


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_on_a_terminal_is_a_tqdm_bar_and_no_summary():
    from tqdm import tqdm
    out = _Tty()
    update, close = progress_bar(1000, "x", stream=out)
    assert isinstance(update.__self__, tqdm)
    update(1000)
    close()
    assert "KiB" not in out.getvalue() and " in " not in out.getvalue()


def test_progress_summary_only_when_every_byte_went():
    out = io.StringIO()
    update, close = progress_bar(2048, "f -> :/sd/f", stream=out)
    update(1024)
    close()                                     # a failed copy: its error line says so, not this
    assert out.getvalue() == ""
    update, close = progress_bar(2048, "f -> :/sd/f", stream=out)
    update(1024)
    update(1024)
    close()
    assert out.getvalue().startswith("f -> :/sd/f: 2.0 KiB in ") and out.getvalue().count("\n") == 1
