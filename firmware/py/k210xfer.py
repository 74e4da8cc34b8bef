# Board side of `k210 cp` (host: scripts/k210tools/transfer.py). Raw blocks over the REPL UART
# with a one-byte acknowledgement per block, so the wire carries about one byte per payload byte.
# Host -> board blocks are framed as A5 <u16 LE length> <data>; any other header aborts the copy
# (the host's way to cancel, and how a stuck copy is unblocked). Ctrl-C is off while bytes flow.
# A received file goes to PATH.part, is CRC-32 checked as a whole, then replaces PATH: a failed
# copy leaves the old file as it was.
import sys
import os
import micropython
from binascii import crc32

ACK = b"\x06"
SYNC = b"\x16"


def _switch(baud):
    # Announce at the old rate, switch, then prove the new rate works both ways.
    import machine
    old = machine.repl_baud()
    sys.stdout.buffer.write(b"B")
    machine.repl_baud(baud)
    if sys.stdin.buffer.read(1) != SYNC:
        machine.repl_baud(old)
        raise OSError("baud switch to %d failed: no sync from the host" % baud)
    sys.stdout.buffer.write(SYNC)
    return old


def _exists(path):
    try:
        os.stat(path)
        return True
    except OSError:
        return False


def _replace(tmp, path):
    old = path + ".old"
    had = _exists(path)
    if had:
        if _exists(old):
            os.remove(old)
        os.rename(path, old)
    try:
        os.rename(tmp, path)
    except OSError:
        if had:
            os.rename(old, path)
        raise
    if had:
        os.remove(old)


def recv(path, size, crc, block=2048, baud=0):
    inp = sys.stdin.buffer
    out = sys.stdout.buffer
    tmp = path + ".part"
    f = open(tmp, "wb")
    buf = bytearray(block)
    mv = memoryview(buf)
    hdr = bytearray(3)
    c = 0
    n = 0
    old = 0
    micropython.kbd_intr(-1)
    try:
        if baud:
            old = _switch(baud)
        out.write(ACK)
        while n < size:
            inp.readinto(hdr)
            k = hdr[1] | hdr[2] << 8
            if hdr[0] != 0xA5 or k == 0 or k > block or k > size - n:
                raise OSError("copy to %s aborted by the host after %d of %d bytes" % (path, n, size))
            inp.readinto(mv[:k])
            f.write(mv[:k])
            c = crc32(mv[:k], c)
            n += k
            out.write(ACK)
        f.close()
        if c != crc:
            raise ValueError("copy to %s: CRC-32 %08x of the received bytes, the host sent %08x" % (path, c, crc))
        _replace(tmp, path)
        if old:
            _switch(old)
            old = 0
    except BaseException:
        f.close()
        if _exists(tmp):
            os.remove(tmp)
        if old:
            import machine
            machine.repl_baud(old)
        raise
    finally:
        micropython.kbd_intr(3)


def send(path, block=2048, baud=0):
    inp = sys.stdin.buffer
    out = sys.stdout.buffer
    size = os.stat(path)[6]
    f = open(path, "rb")
    buf = bytearray(block)
    mv = memoryview(buf)
    c = 0
    n = 0
    old = 0
    micropython.kbd_intr(-1)
    try:
        if baud:
            old = _switch(baud)
        out.write(ACK + size.to_bytes(4, "little"))
        while n < size:
            k = f.readinto(mv[:min(block, size - n)])
            if not k:
                raise OSError("%s shrank to %d bytes while being read" % (path, n))
            out.write(mv[:k])
            c = crc32(mv[:k], c)
            n += k
            if inp.read(1) != ACK:
                raise OSError("copy from %s aborted by the host after %d of %d bytes" % (path, n, size))
        out.write(c.to_bytes(4, "little"))
        if old:
            _switch(old)
            old = 0
    except BaseException:
        if old:
            import machine
            machine.repl_baud(old)
        raise
    finally:
        f.close()
        micropython.kbd_intr(3)
