"""select.poll on the board: stdin (bytes sent by the host wake a waiting poll), files, and
pollable Python classes (io.IOBase with ioctl), with upstream's register/modify/unregister,
poll/ipoll and one-shot rules."""
import pytest

POLL_SCRIPT = (
    "import select, sys\n"
    "p = select.poll()\n"
    "p.register(sys.stdin, select.POLLIN)\n"
    "print('ready')\n"
    "r = p.poll(20000)\n"
    "print([(o is sys.stdin, e) for o, e in r], repr(sys.stdin.read(3)))\n"
    "print(p.poll(0))\n"
)


@pytest.mark.qemu_subset
def test_stdin_poll_wakes_on_input(board):
    out = board.exec("import select, sys\np = select.poll()\np.register(sys.stdin)\n"
                     "print(p.poll(0) == [(sys.stdin, select.POLLOUT)])\n"
                     "p.modify(sys.stdin, select.POLLIN)\nprint(p.poll(0), p.poll(30))\n")
    assert out.splitlines() == ["True", "[] []"]
    t = board.t
    t.exec_no_follow(POLL_SCRIPT)
    t.read_until(b"ready", 10.0, what="waiting for the poll to start")
    t.write(b"xyz")
    out, err = t.follow(20.0)
    assert err == b""
    assert out.decode().replace("\r\n", "\n").split("\n")[1:3] == ["[(True, 1)] 'xyz'", "[]"]


def test_files_are_always_ready(board):
    out = board.exec(
        "import select, os, errno\n"
        "open('/sd/poll_r.txt', 'w').close()\n"
        "f = open('/sd/poll_w.txt', 'w'); g = open('/sd/poll_r.txt')\n"
        "p = select.poll()\n"
        "p.register(f, select.POLLOUT); p.register(g)\n"
        "print(sorted(e for o, e in p.poll(0)))\n"
        "p.modify(g, select.POLLIN)\n"
        "print(sorted(e for o, e in p.poll(0)))\n"
        "print(sorted((o is g, e) for o, e in p.ipoll(0, 1)), [(o is g, e) for o, e in p.ipoll(0, 1)], p.poll(0))\n"
        "p.register(g, select.POLLIN); print(len(p.poll(0)))\n"
        "p.unregister(f); p.unregister(g); p.unregister(g)\n"
        "try:\n    p.modify(f, select.POLLIN)\nexcept OSError as e:\n    print(e.errno == errno.ENOENT)\n"
        "p.register(g); g.close()\n"
        "try:\n    p.poll(0)\nexcept OSError as e:\n    print('closed', e.errno == errno.EBADF)\n"
        "f.close(); os.remove('/sd/poll_w.txt'); os.remove('/sd/poll_r.txt')\n")
    assert out.splitlines() == ["[4, 5]", "[1, 4]", "[(False, 4), (True, 1)] [] []", "1", "True", "closed True"]


def test_python_pollable_classes(board):
    out = board.exec(
        "import select, io\n"
        "class P(io.IOBase):\n"
        "    state = 0\n"
        "    def ioctl(self, cmd, arg):\n"
        "        if cmd == 3:\n"
        "            return self.state if self.state < 0 else self.state & (arg | 8)\n"
        "        return -22\n"
        "x = P(); p = select.poll(); p.register(x, select.POLLIN)\n"
        "print(p.poll(0)); x.state = 4; print(p.poll(0)); x.state = 5\n"
        "print([(o is x, e) for o, e in p.poll(0)])\n"
        "x.state = 8; print([(o is x, e) for o, e in p.poll(0)])\n"   # POLLERR is always reported
        "x.state = -1000\n"
        "try:\n    p.poll(0)\nexcept OSError as e:\n    print('OSError', e.errno)\n"
        "try:\n    p.register(5)\nexcept (OSError, TypeError) as e:\n    print(type(e).__name__)\n"
        "import uselect; print(uselect is select, select.POLLIN, select.POLLOUT, select.POLLERR, select.POLLHUP)\n")
    assert out.splitlines() == ["[]", "[]", "[(True, 1)]", "[(True, 8)]", "OSError 1000", "OSError",
                                "True 1 4 8 16"]


def test_ipoll_reuses_one_tuple(board):
    out = board.exec(
        "import select, sys\n"
        "class W(__import__('io').IOBase):\n"
        "    def ioctl(self, cmd, arg):\n"
        "        return arg & 4 if cmd == 3 else -22\n"
        "a, b = W(), W(); p = select.poll(); p.register(a); p.register(b)\n"
        "ids = set(id(t) for t in p.ipoll(0))\n"
        "print(len(ids), sorted(e for o, e in p.ipoll(0)))\n")
    assert out.strip() == "1 [4, 4]"
