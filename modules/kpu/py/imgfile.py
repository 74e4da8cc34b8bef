"""Read BMP (24-bit), PGM (P5) and PPM (P6) files into planar CHW u8 images; write PGM/PPM.
The pixels go into the image's kpu.LedgerBuf (ledger pool); only a row buffer is on the GC heap."""
import struct

from planar import Image


def load(path):
    """Reads a .bmp/.pgm/.ppm file (format from its first bytes) into a planar.Image."""
    try:
        f = open(path, "rb")
    except OSError as e:
        # the board's OSError carries only the number: name the file
        raise OSError(e.errno, "imgfile.load: cannot open %s" % path)
    with f:
        magic = f.read(2)
        f.seek(0)
        if magic == b"BM":
            return _read_bmp(f, path)
        if magic in (b"P5", b"P6"):
            return _read_pnm(f, path)
    raise ValueError("%s: not a BMP, PGM (P5) or PPM (P6) file (starts with %r)" % (path, magic))


def _read_bmp(f, path):
    head = f.read(54)
    if len(head) < 54:
        raise ValueError("%s: BMP header truncated (%d of 54 bytes)" % (path, len(head)))
    pix_off = struct.unpack_from("<I", head, 10)[0]
    w, h, planes, bpp, comp = struct.unpack_from("<iiHHI", head, 18)
    if bpp != 24 or comp != 0:
        raise ValueError("%s: BMP with %d bits per pixel, compression %d; only uncompressed 24-bit is read"
                         % (path, bpp, comp))
    if w <= 0 or h == 0:
        raise ValueError("%s: BMP size %dx%d at offset 18 is invalid" % (path, w, h))
    top_down = h < 0
    h = -h if top_down else h
    stride = (w * 3 + 3) & ~3
    img = Image(w, h, 3)
    d = img.data
    n = w * h
    f.seek(pix_off)
    row = bytearray(stride)
    for r in range(h):
        got = f.readinto(row)
        if got < w * 3:
            img.release()
            raise ValueError("%s: BMP pixel data ends in row %d of %d (offset %d)" % (path, r, h, pix_off + r * stride))
        y = r if top_down else h - 1 - r
        o = y * w
        # BMP rows are BGR triplets; planes are R, G, B.
        for x in range(w):
            i = 3 * x
            d[o + x] = row[i + 2]
            d[n + o + x] = row[i + 1]
            d[2 * n + o + x] = row[i]
    return img


def _pnm_tokens(f, count):
    out = []
    tok = b""
    while len(out) < count:
        ch = f.read(1)
        if not ch:
            break
        if ch == b"#":
            while ch and ch != b"\n":
                ch = f.read(1)
            ch = b" "
        if ch in b" \t\r\n":
            if tok:
                out.append(tok)
                tok = b""
        else:
            tok += ch
    return out


def _read_pnm(f, path):
    toks = _pnm_tokens(f, 4)
    if len(toks) < 4:
        raise ValueError("%s: PNM header truncated" % path)
    try:
        w, h, maxval = int(toks[1]), int(toks[2]), int(toks[3])
    except ValueError:
        raise ValueError("%s: PNM header %r is not numeric" % (path, toks))
    if maxval < 1 or maxval > 255:
        raise ValueError("%s: PNM maxval %d; only 8-bit files (maxval <= 255) are read" % (path, maxval))
    c = 1 if toks[0] == b"P5" else 3
    if w <= 0 or h <= 0:
        raise ValueError("%s: PNM size %dx%d is invalid" % (path, w, h))
    img = Image(w, h, c)
    d = img.data
    n = w * h
    if c == 1:
        got = f.readinto(d)
        if got != n:
            img.release()
            raise ValueError("%s: PNM pixel data has %d of %d bytes" % (path, got, n))
        return img
    row = bytearray(3 * w)
    for y in range(h):  # interleaved RGB rows -> planes
        got = f.readinto(row)
        if got != 3 * w:
            img.release()
            raise ValueError("%s: PNM pixel data has %d of %d bytes" % (path, y * 3 * w + got, 3 * n))
        o = y * w
        for x in range(w):
            d[o + x] = row[3 * x]
            d[n + o + x] = row[3 * x + 1]
            d[2 * n + o + x] = row[3 * x + 2]
    return img


def save_pnm(img, path):
    """Writes a planar.Image as PGM (1 channel) or PPM (3 channels)."""
    n = img.w * img.h
    with open(path, "wb") as f:
        f.write(b"P%d\n%d %d\n255\n" % (5 if img.c == 1 else 6, img.w, img.h))
        if img.c == 1:
            f.write(img.data)
            return
        d = img.data
        row = bytearray(3 * img.w)
        for y in range(img.h):
            o = y * img.w
            for x in range(img.w):
                row[3 * x] = d[o + x]
                row[3 * x + 1] = d[n + o + x]
                row[3 * x + 2] = d[2 * n + o + x]
            f.write(row)
