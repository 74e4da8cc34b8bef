"""kpu.LedgerBuf: pixel/tensor memory in the ledger pool behind a small GC object. Its bytes are
charged to the pool (kpu.mem_info() 'buffers' and 'blocks'), not the GC heap; it is freed by
release(), by its finaliser, or by a soft reset, and a released object raises naming its tag."""
import pytest


def test_block_is_in_the_pool_not_the_gc_heap(board):
    out = board.eval(
        "(lambda kpu, gc: (gc.collect(), kpu.mem_info(), gc.mem_free(),"
        " (lambda b: (gc.collect(), kpu.mem_info(), gc.mem_free(), len(b), repr(b), b.tag, b.live))"
        "(kpu.LedgerBuf(230400, 'image 320x240 rgb')))[1:])(__import__('kpu'), __import__('gc'))")
    before, gc_before, (_, mid, gc_mid, n, r, tag, live) = out
    assert n == 230400 and tag == "image 320x240 rgb" and live is True
    assert r == "<kpu.LedgerBuf 'image 320x240 rgb' 230400 B>"
    charged = (230400 + 127) // 128 * 128
    assert mid["buffers"] == before["buffers"] + charged
    assert mid["free"] == before["free"] - charged
    assert ("image 320x240 rgb", charged) in mid["blocks"]
    assert mid["models"] == before["models"] and mid["models_bytes"] == before["models_bytes"]
    assert mid["pool"] == mid["models_bytes"] + mid["buffers"] + mid["free"] + mid["pool_align"]
    # the GC object is small: far less than one KiB of heap for a 230 KB buffer
    assert 0 <= gc_before - gc_mid < 1024


def test_release_finaliser_and_soft_reset_free_the_block(board):
    out = board.exec(
        "import kpu, gc\n"
        "gc.collect()\n"
        "b0 = kpu.mem_info()\n"
        "b = kpu.LedgerBuf(1000)\n"
        "b.release()\n"
        "b.release()\n"   # idempotent
        "print(kpu.mem_info() == b0, b.live, repr(b))\n"
        "for i in range(50):\n"
        "    kpu.LedgerBuf(100000, 'frame %d' % i)\n"   # dropped: the finaliser frees each
        "gc.collect()\n"
        "print(kpu.mem_info() == b0)\n"
        "keep = kpu.LedgerBuf(4096, 'kept')\n")
    assert out.split("\n")[0] == "True False <kpu.LedgerBuf 'buffer' 1000 B (released)>"
    assert out.split("\n")[1] == "True"
    board.reset()
    info = board.eval("__import__('kpu').mem_info()")
    assert info["buffers"] == 0 and info["blocks"] == []


def test_buffer_protocol_read_write_and_indexing(board):
    out = board.exec(
        "import kpu\n"
        "b = kpu.LedgerBuf(8, 'px')\n"
        "mv = memoryview(b)\n"
        "mv[:] = bytes(range(10, 18))\n"
        "b[7] = 255\n"
        "print(bytes(b), b[0], b[-1], bytearray(b)[3])\n"
        "b.release()\n")
    assert out.strip() == r"b'\n\x0b\x0c\r\x0e\x0f\x10\xff' 10 255 13"


@pytest.mark.parametrize("use", ["len(b)", "bytes(b)", "memoryview(b)", "b[0]", "b[0] = 1"])
def test_released_buffer_raises_naming_its_tag(board, use):
    out = board.exec(
        "import kpu\n"
        "b = kpu.LedgerBuf(64, 'image 8x8 gray')\n"
        "b.release()\n"
        "try:\n"
        f"    {use}\n"
        "    print('no error')\n"
        "except ValueError as e:\n"
        "    print('ValueError', e)\n")
    assert out.startswith("ValueError") and "'image 8x8 gray'" in out and "released" in out


def test_pool_exhausted_is_an_exact_memory_error_and_loses_nothing(board):
    out = board.exec(
        "import kpu, gc\n"
        "gc.collect()\n"
        "b0 = kpu.mem_info()\n"
        "try:\n"
        "    kpu.LedgerBuf(b0['free'] + 128, 'too big')\n"
        "    print('no error')\n"
        "except MemoryError as e:\n"
        "    print(e)\n"
        "gc.collect()\n"
        "print(kpu.mem_info() == b0)\n"
        "try:\n"
        "    kpu.LedgerBuf(0)\n"
        "except ValueError as e:\n"
        "    print(e)\n")
    lines = out.strip().split("\n")
    free = board.eval("__import__('kpu').mem_info()['free']")
    assert lines[0].startswith("kpu.LedgerBuf 'too big': ")
    assert f"{free + 128:,} B asked, {free:,} B free" in lines[0] and f"(largest block {free:,} B)" in lines[0]
    assert lines[1] == "True"
    assert "must be > 0" in lines[2]


def test_unreachable_buffers_are_collected_before_memory_error(board):
    # three dropped buffers of 40% of the pool each: the third only fits after the collection
    out = board.exec(
        "import kpu, gc\n"
        "gc.collect()\n"
        "b0 = kpu.mem_info()\n"
        "n = b0['free'] * 2 // 5\n"
        "for i in range(6):\n"
        "    b = kpu.LedgerBuf(n, 'big')\n"
        "    b = None\n"
        "gc.collect()\n"
        "print(kpu.mem_info() == b0)\n")
    assert out.strip() == "True"
