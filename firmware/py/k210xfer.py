# Board side of `k210 cp` (host: scripts/k210tools/transfer.py). Raw blocks over the REPL UART
# with a one-byte acknowledgement per block, so the wire carries about one byte per payload byte.
# Host -> board blocks are framed as A5 <u16 LE length> <data>; any other header aborts the copy
# (the host's way to cancel, and how a stuck copy is unblocked). Ctrl-C and the preview's frame
# requests are off while bytes flow (machine.repl_binary).
# A received file goes to PATH.part, is CRC-32 checked as a whole, then replaces PATH: a failed
# copy leaves the old file as it was.
import sys
import os
import machine
from binascii import crc32

ACK = b"\x06"
SYNC = b"\x16"


def _switch(baud):
    # Announce at the old rate, switch, then prove the new rate works both ways.
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


def _start(baud):
    # Ctrl-C and frame requests off (machine.repl_binary), then the switch to baud (0: none);
    # returns the old rate, or 0.
    machine.repl_binary(True)
    try:
        return _switch(baud) if baud else 0
    except BaseException:
        machine.repl_binary(False)
        raise


def _stop(old, ok):
    # The old rate back (announced to the host after a good copy, at once after an error), then
    # the REPL's usual mode.
    try:
        if old and ok:
            _switch(old)
        elif old:
            machine.repl_baud(old)
    finally:
        machine.repl_binary(False)


def _io(size):
    # The REPL's binary streams and a buffer of size bytes (a memoryview: sliced without copies)
    return sys.stdin.buffer, sys.stdout.buffer, memoryview(bytearray(size))


def _block(inp, hdr, n):
    # One host -> board block header: its length, or 0 when the host aborted (or sent a block of
    # more than n bytes)
    inp.readinto(hdr)
    k = hdr[1] | hdr[2] << 8
    return k if hdr[0] == 0xA5 and 0 < k <= n else 0


def recv(path, size, crc, block=2048, baud=0):
    tmp = path + ".part"
    f = open(tmp, "wb")
    inp, out, mv = _io(block)
    hdr = bytearray(3)
    c = 0
    n = 0
    try:
        old = _start(baud)
        try:
            out.write(ACK)
            while n < size:
                k = _block(inp, hdr, min(block, size - n))
                if not k:
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
        except BaseException:
            _stop(old, False)
            raise
        _stop(old, True)
    except BaseException:
        f.close()
        if _exists(tmp):
            os.remove(tmp)
        raise


def send(path, block=2048, baud=0):
    size = os.stat(path)[6]
    f = open(path, "rb")
    inp, out, mv = _io(block)
    c = 0
    n = 0
    try:
        old = _start(baud)
        try:
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
        except BaseException:
            _stop(old, False)
            raise
        _stop(old, True)
    finally:
        f.close()


def flash_recv(offset, size, crc, block=2048, baud=0):
    # Raw SPI flash write for `k210 model push --flash`: whole 4 KiB sectors (erase, program), the
    # last sector keeps its old bytes past the end; then everything is read back and CRC-checked.
    fl = machine.Flash()
    S = fl.SECTOR_SIZE
    if offset % S or S % block:
        raise ValueError("flash_recv: offset 0x%x must be sector aligned, block %d must divide %d" % (offset, block, S))
    inp, out, smv = _io(S)
    hdr = bytearray(3)
    fill = 0
    addr = offset
    c = 0
    n = 0
    old = _start(baud)
    try:
        out.write(ACK)
        while n < size:
            k = _block(inp, hdr, min(block, size - n, S - fill))
            if not k:
                raise OSError("flash write at 0x%x aborted by the host after %d of %d bytes; "
                              "0x%x-0x%x is partly written" % (offset, n, size, offset, offset + size - 1))
            inp.readinto(smv[fill:fill + k])
            c = crc32(smv[fill:fill + k], c)
            fill += k
            n += k
            if fill == S or n == size:
                if fill < S:
                    fl.readinto(addr + fill, smv[fill:])
                fl.erase(addr, S)
                fl.write(addr, smv)
                addr += S
                fill = 0
            out.write(ACK)
    except BaseException:
        _stop(old, False)
        raise
    _stop(old, True)
    if c != crc:
        raise ValueError("flash write at 0x%x: CRC-32 %08x of the received bytes, the host sent %08x" % (offset, c, crc))
    back = 0
    a = offset
    left = size
    while left:
        k = min(S, left)
        fl.readinto(a, smv[:k])
        back = crc32(smv[:k], back)
        a += k
        left -= k
    if back != crc:
        raise OSError("flash at 0x%x-0x%x reads back CRC-32 %08x, wrote %08x" % (offset, offset + size - 1, back, crc))
    print("%08x" % back)
