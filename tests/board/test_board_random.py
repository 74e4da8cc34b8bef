"""random on the board: repeatable after seed(), every draw inside its range, every value of a
small range reached with roughly equal counts, and the errors upstream raises."""
import pytest


@pytest.mark.qemu_subset
def test_seed_repeats_and_ranges_hold(board):
    out = board.exec(
        "import random, urandom\n"
        "def seq():\n"
        "    return [random.getrandbits(32), random.randint(-5, 5), random.randrange(3, 30, 3),\n"
        "            random.choice('xyz'), random.random(), random.uniform(2, 4)]\n"
        "random.seed(42); a = seq(); random.seed(42); b = seq(); random.seed(43); c = seq()\n"
        "print(a == b, a != c, urandom is random)\n"
        "random.seed(0); print(random.getrandbits(16) != 0 or random.getrandbits(16) != 0, random.getrandbits(0))\n"
        "ok = True\n"
        "for i in range(2000):\n"
        "    ok &= 0 <= random.getrandbits(5) < 32 and 0 <= random.randrange(7) < 7\n"
        "    ok &= random.randrange(2, 1, -1) in (1, 2) and random.randrange(1, 9, 2) in (1, 3, 5, 7)\n"
        "    ok &= -3 <= random.randint(-3, 3) <= 3 and 0.0 <= random.random() < 1.0\n"
        "    ok &= -1.0 <= random.uniform(-1, 1) <= 1.0 and random.choice([4, 5]) in (4, 5)\n"
        "    ok &= 0 <= random.randrange(1 << 40) < 1 << 40\n"
        "print(bool(ok))\n"
    )
    assert out.splitlines() == ["True True True", "True 0", "True"]


def test_draws_are_spread_evenly(board):
    # 6000 rolls of a die: each face expected 1000 times; a sound generator stays within +-15 %
    # (about 5 standard deviations); a biased or stuck one does not
    out = board.exec(
        "import random\n"
        "random.seed(7); faces = [0] * 6\n"
        "for _ in range(6000):\n"
        "    faces[random.randint(1, 6) - 1] += 1\n"
        "print(faces)\n"
        "random.seed(9); print(sum(random.getrandbits(32) >> b & 1 for _ in range(500) for b in range(32)))\n")
    counts, bits = (eval(line) for line in out.splitlines())
    assert all(850 <= c <= 1150 for c in counts) and sum(counts) == 6000
    assert 7600 <= bits <= 8400    # 16000 bits, half of them ones


def test_seed_none_and_no_argument_differ_between_calls(board):
    out = board.exec(
        "import random, time\n"
        "random.seed(); a = [random.getrandbits(32) for _ in range(4)]\n"
        "time.sleep_ms(2); random.seed(None); b = [random.getrandbits(32) for _ in range(4)]\n"
        "print(a != b)\n")
    assert out.strip() == "True"


@pytest.mark.parametrize("call, exc", [
    ("random.getrandbits(-1)", "ValueError"), ("random.getrandbits(33)", "ValueError"),
    ("random.randrange(0)", "ValueError"), ("random.randrange(2, 1)", "ValueError"),
    ("random.randrange(2, 1, 0)", "ValueError"), ("random.randrange(2, 1, 1)", "ValueError"),
    ("random.randint(2, 1)", "ValueError"), ("random.choice([])", "IndexError"),
])
def test_errors(board, call, exc):
    out = board.exec(f"import random\ntry:\n    {call}\nexcept Exception as e:\n    print(type(e).__name__, e)\n")
    assert out.startswith(exc + " ")
