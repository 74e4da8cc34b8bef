// PNG reader for the simulated camera: chunks (CRC not checked: the camera trusts local files),
// zlib inflate written from RFC 1950/1951, scanline filters 0-4 (PNG spec 9.2), then RGB888.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "img_codec.h"
#include "sim_png.h"

static uint32_t be32(const uint8_t *p) {
    return ((uint32_t)p[0] << 24) | (p[1] << 16) | (p[2] << 8) | p[3];
}

// --- inflate ---

typedef struct {
    const uint8_t *d;
    size_t n, pos;
    uint32_t bit;           // bits not yet used of d[pos], LSB first
    int nbit;
    uint8_t *out;
    size_t out_n, out_len;
} inflate_t;

typedef struct {
    uint16_t count[16];     // codes of each length
    uint16_t sym[320];      // symbols in canonical order
} huff_t;

static int bits(inflate_t *s, int need, uint32_t *v) {
    uint32_t val = 0;
    for (int i = 0; i < need; i++) {
        if (s->nbit == 0) {
            if (s->pos >= s->n) {
                return -1;
            }
            s->bit = s->d[s->pos++];
            s->nbit = 8;
        }
        val |= (s->bit & 1) << i;
        s->bit >>= 1;
        s->nbit--;
    }
    *v = val;
    return 0;
}

static int build(huff_t *h, const uint8_t *len, int n) {
    uint16_t offs[16];
    memset(h->count, 0, sizeof(h->count));
    for (int i = 0; i < n; i++) {
        h->count[len[i]]++;
    }
    h->count[0] = 0;
    offs[1] = 0;
    for (int l = 1; l < 15; l++) {
        offs[l + 1] = offs[l] + h->count[l];
    }
    for (int i = 0; i < n; i++) {
        if (len[i]) {
            h->sym[offs[len[i]]++] = (uint16_t)i;
        }
    }
    return 0;
}

// Canonical decode, one bit at a time (RFC 1951 3.2.2: codes of a length are consecutive).
static int decode(inflate_t *s, const huff_t *h) {
    int code = 0, first = 0, index = 0;
    for (int l = 1; l < 16; l++) {
        uint32_t b;
        if (bits(s, 1, &b) != 0) {
            return -1;
        }
        code |= (int)b;
        int count = h->count[l];
        if (code - count < first) {
            return h->sym[index + (code - first)];
        }
        index += count;
        first += count;
        first <<= 1;
        code <<= 1;
    }
    return -1;
}

static const uint16_t len_base[29] = { 3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258 };
static const uint8_t len_extra[29] = { 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0 };
static const uint16_t dist_base[30] = { 1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577 };
static const uint8_t dist_extra[30] = { 0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13 };

static int codes(inflate_t *s, const huff_t *lit, const huff_t *dist) {
    for (;;) {
        int sym = decode(s, lit);
        if (sym < 0) {
            return -1;
        }
        if (sym < 256) {
            if (s->out_len >= s->out_n) {
                return -1;
            }
            s->out[s->out_len++] = (uint8_t)sym;
        } else if (sym == 256) {
            return 0;
        } else {
            sym -= 257;
            if (sym >= 29) {
                return -1;
            }
            uint32_t e, de;
            if (bits(s, len_extra[sym], &e) != 0) {
                return -1;
            }
            size_t len = len_base[sym] + e;
            int ds = decode(s, dist);
            if (ds < 0 || ds >= 30 || bits(s, dist_extra[ds], &de) != 0) {
                return -1;
            }
            size_t d = dist_base[ds] + de;
            if (d > s->out_len || s->out_len + len > s->out_n) {
                return -1;
            }
            for (size_t i = 0; i < len; i++, s->out_len++) {
                s->out[s->out_len] = s->out[s->out_len - d];
            }
        }
    }
}

static int inflate_block_dynamic(inflate_t *s) {
    static const uint8_t order[19] = { 16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15 };
    uint32_t hlit, hdist, hclen;
    if (bits(s, 5, &hlit) || bits(s, 5, &hdist) || bits(s, 4, &hclen)) {
        return -1;
    }
    hlit += 257;
    hdist += 1;
    hclen += 4;
    uint8_t lens[320] = { 0 };
    for (uint32_t i = 0; i < hclen; i++) {
        uint32_t v;
        if (bits(s, 3, &v)) {
            return -1;
        }
        lens[order[i]] = (uint8_t)v;
    }
    huff_t lencode, lit, dist;
    build(&lencode, lens, 19);
    uint32_t idx = 0;
    memset(lens, 0, sizeof(lens));
    while (idx < hlit + hdist) {
        int sym = decode(s, &lencode);
        uint32_t rep;
        uint8_t val = 0;
        if (sym < 0) {
            return -1;
        }
        if (sym < 16) {
            lens[idx++] = (uint8_t)sym;
            continue;
        }
        if (sym == 16) {
            if (idx == 0 || bits(s, 2, &rep)) {
                return -1;
            }
            val = lens[idx - 1];
            rep += 3;
        } else if (sym == 17) {
            if (bits(s, 3, &rep)) {
                return -1;
            }
            rep += 3;
        } else {
            if (bits(s, 7, &rep)) {
                return -1;
            }
            rep += 11;
        }
        if (idx + rep > hlit + hdist) {
            return -1;
        }
        while (rep--) {
            lens[idx++] = val;
        }
    }
    build(&lit, lens, (int)hlit);
    build(&dist, lens + hlit, (int)hdist);
    return codes(s, &lit, &dist);
}

static int inflate_all(inflate_t *s) {
    uint32_t last, type;
    do {
        if (bits(s, 1, &last) || bits(s, 2, &type)) {
            return -1;
        }
        if (type == 0) {
            s->nbit = 0;   // stored: byte-aligned LEN, NLEN, then raw bytes
            if (s->pos + 4 > s->n) {
                return -1;
            }
            size_t len = s->d[s->pos] | (s->d[s->pos + 1] << 8);
            s->pos += 4;
            if (s->pos + len > s->n || s->out_len + len > s->out_n) {
                return -1;
            }
            memcpy(s->out + s->out_len, s->d + s->pos, len);
            s->pos += len;
            s->out_len += len;
        } else if (type == 1) {
            uint8_t lens[320];
            huff_t lit, dist;
            for (int i = 0; i < 288; i++) {
                lens[i] = i < 144 ? 8 : i < 256 ? 9 : i < 280 ? 7 : 8;
            }
            build(&lit, lens, 288);
            memset(lens, 5, 30);
            build(&dist, lens, 30);
            if (codes(s, &lit, &dist) != 0) {
                return -1;
            }
        } else if (type == 2) {
            if (inflate_block_dynamic(s) != 0) {
                return -1;
            }
        } else {
            return -1;
        }
    } while (!last);
    return 0;
}

// --- PNG ---

static int paeth(int a, int b, int c) {
    int p = a + b - c, pa = abs(p - a), pb = abs(p - b), pc = abs(p - c);
    return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

int sim_png_decode(const uint8_t *d, size_t n, uint8_t **rgb_out, int *w_out, int *h_out, char *err) {
    if (n < 33 || memcmp(d + 12, "IHDR", 4) != 0) {
        snprintf(err, IMG_ERR_LEN, "PNG: no IHDR chunk at offset 12");
        return -1;
    }
    uint32_t w = be32(d + 16), h = be32(d + 20);
    int depth = d[24], ctype = d[25], interlace = d[28];
    static const int chans[7] = { 1, 0, 3, 1, 2, 0, 4 };
    if (w < 1 || h < 1 || w > IMG_MAX_SIDE || h > IMG_MAX_SIDE || depth != 8 || ctype > 6 || chans[ctype] == 0
        || interlace != 0) {
        snprintf(err, IMG_ERR_LEN, "PNG: %ux%u, depth %d, colour type %d, interlace %d: only 8-bit non-interlaced is read",
            (unsigned)w, (unsigned)h, depth, ctype, interlace);
        return -1;
    }
    int c = chans[ctype];
    // gather the IDAT payloads (they form one zlib stream) and the palette
    uint8_t *z = malloc(n), pal[768] = { 0 };
    size_t zn = 0;
    for (size_t p = 8; p + 12 <= n;) {
        uint32_t len = be32(d + p);
        if (p + 12 + (size_t)len > n) {
            free(z);
            snprintf(err, IMG_ERR_LEN, "PNG: chunk at offset %u runs past the end", (unsigned)p);
            return -1;
        }
        if (memcmp(d + p + 4, "IDAT", 4) == 0) {
            memcpy(z + zn, d + p + 8, len);
            zn += len;
        } else if (memcmp(d + p + 4, "PLTE", 4) == 0) {
            memcpy(pal, d + p + 8, len < 768 ? len : 768);
        } else if (memcmp(d + p + 4, "IEND", 4) == 0) {
            break;
        }
        p += 12 + len;
    }
    size_t stride = (size_t)w * c, raw_n = (stride + 1) * h;
    uint8_t *raw = malloc(raw_n);
    inflate_t s = { .d = z, .n = zn, .pos = 2, .out = raw, .out_n = raw_n };
    if (zn < 2 || (z[0] & 15) != 8 || inflate_all(&s) != 0 || s.out_len != raw_n) {
        free(z);
        free(raw);
        snprintf(err, IMG_ERR_LEN, "PNG: the compressed image data is corrupt or short (%u of %u bytes)",
            (unsigned)s.out_len, (unsigned)raw_n);
        return -1;
    }
    free(z);
    uint8_t *rgb = malloc((size_t)w * h * 3);
    for (uint32_t y = 0; y < h; y++) {
        uint8_t *row = raw + y * (stride + 1) + 1, *up = y ? row - (stride + 1) : NULL;
        int f = row[-1];
        if (f > 4) {
            free(raw);
            free(rgb);
            snprintf(err, IMG_ERR_LEN, "PNG: row %u has filter type %d (0..4)", (unsigned)y, f);
            return -1;
        }
        for (size_t i = 0; i < stride; i++) {
            int a = i >= (size_t)c ? row[i - c] : 0, b = up ? up[i] : 0, cc = up && i >= (size_t)c ? up[i - c] : 0;
            int add = f == 1 ? a : f == 2 ? b : f == 3 ? (a + b) / 2 : f == 4 ? paeth(a, b, cc) : 0;
            row[i] = (uint8_t)(row[i] + add);
        }
        for (uint32_t x = 0; x < w; x++) {
            uint8_t *o = rgb + ((size_t)y * w + x) * 3, *px = row + (size_t)x * c;
            if (ctype == 3) {
                memcpy(o, pal + 3 * px[0], 3);
            } else if (c <= 2) {
                o[0] = o[1] = o[2] = px[0];
            } else {
                memcpy(o, px, 3);
            }
        }
    }
    free(raw);
    *rgb_out = rgb;
    *w_out = (int)w;
    *h_out = (int)h;
    return 0;
}
