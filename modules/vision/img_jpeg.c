// Baseline JPEG decoder (ITU-T T.81 sequential DCT, Huffman, 8-bit; SOF0/SOF1), written from the
// standard: 1 or 3 components, any sampling factors up to 2x2, restart intervals. Chroma is
// upsampled by replication. Progressive and arithmetic-coded files are refused by name.
// State lives on the caller's stack (about 3 KB); pixels go to the sink one MCU row span at a time.
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "img_codec.h"

static const uint8_t zigzag[64] = {
    0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21, 28,
    35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
};

typedef struct {
    uint8_t present;
    uint8_t symbols[256];
    int32_t maxcode[18];    // largest code of each length, -1 if none
    int32_t valptr[17];     // index of the first symbol of each length minus its first code
} huff_t;

typedef struct {
    uint8_t id, h, v, tq, td, ta;
    int pred;               // DC predictor
} comp_t;

typedef struct {
    const uint8_t *d;
    size_t n, pos;
    uint32_t bitbuf;
    int nbits;
    int hit_marker;
    uint16_t q[4][64];
    uint8_t q_present[4];
    huff_t dc[4], ac[4];
    comp_t comp[3];
    int ncomp, w, h, hmax, vmax, restart;
    size_t scan_pos;        // the entropy-coded data
    int scomp[3], nscomp;
    char *err;
} jpeg_t;

static int fail(jpeg_t *j, const char *msg, size_t off) {
    snprintf(j->err, IMG_ERR_LEN, "JPEG: %s at offset %u", msg, (unsigned)off);
    return -1;
}

static unsigned be16(const uint8_t *p) {
    return (p[0] << 8) | p[1];
}

static int read_dqt(jpeg_t *j, const uint8_t *s, size_t len, size_t off) {
    size_t i = 0;
    while (i < len) {
        int pq = s[i] >> 4, tq = s[i] & 15;
        size_t need = 1 + 64 * (pq ? 2 : 1);
        if (tq > 3 || pq > 1 || i + need > len) {
            return fail(j, "bad quantisation table (DQT)", off + i);
        }
        for (int k = 0; k < 64; k++) {
            j->q[tq][zigzag[k]] = pq ? be16(s + i + 1 + 2 * k) : s[i + 1 + k];
        }
        j->q_present[tq] = 1;
        i += need;
    }
    return 0;
}

static int read_dht(jpeg_t *j, const uint8_t *s, size_t len, size_t off) {
    size_t i = 0;
    while (i < len) {
        if (i + 17 > len) {
            return fail(j, "truncated Huffman table (DHT)", off + i);
        }
        int tc = s[i] >> 4, th = s[i] & 15;
        if (tc > 1 || th > 3) {
            return fail(j, "bad Huffman table class/id (DHT)", off + i);
        }
        huff_t *h = tc ? &j->ac[th] : &j->dc[th];
        int total = 0;
        for (int l = 0; l < 16; l++) {
            total += s[i + 1 + l];
        }
        if (total > 256 || i + 17 + total > len) {
            return fail(j, "Huffman table with too many symbols (DHT)", off + i);
        }
        memcpy(h->symbols, s + i + 17, total);
        // canonical codes: lengths in order, each length's codes consecutive (T.81 annex C)
        int32_t code = 0, k = 0;
        for (int l = 1; l <= 16; l++) {
            int cnt = s[i + l];
            h->valptr[l] = k - code;
            code += cnt;
            k += cnt;
            h->maxcode[l] = cnt ? code - 1 : -1;
            if (code > (1 << l)) {
                return fail(j, "Huffman table with impossible code lengths (DHT)", off + i);
            }
            code <<= 1;
        }
        h->maxcode[17] = 0x7fffffff;
        h->present = 1;
        i += 17 + total;
    }
    return 0;
}

static int read_sof(jpeg_t *j, const uint8_t *s, size_t len, size_t off) {
    if (len < 6 || s[0] != 8) {
        return fail(j, "only 8-bit samples are supported (SOF precision)", off);
    }
    j->h = be16(s + 1);
    j->w = be16(s + 3);
    j->ncomp = s[5];
    if (j->w < 1 || j->h < 1 || j->w > IMG_MAX_SIDE || j->h > IMG_MAX_SIDE) {
        return fail(j, "image size out of range 1..4096 (SOF)", off + 1);
    }
    if ((j->ncomp != 1 && j->ncomp != 3) || len < 6 + 3u * j->ncomp) {
        return fail(j, "only 1 or 3 components are supported (SOF)", off + 5);
    }
    j->hmax = j->vmax = 1;
    for (int c = 0; c < j->ncomp; c++) {
        comp_t *cp = &j->comp[c];
        cp->id = s[6 + 3 * c];
        cp->h = s[7 + 3 * c] >> 4;
        cp->v = s[7 + 3 * c] & 15;
        cp->tq = s[8 + 3 * c];
        if (cp->h < 1 || cp->h > 2 || cp->v < 1 || cp->v > 2 || cp->tq > 3) {
            return fail(j, "sampling factor above 2 or bad table (SOF)", off + 7 + 3 * c);
        }
        j->hmax = cp->h > j->hmax ? cp->h : j->hmax;
        j->vmax = cp->v > j->vmax ? cp->v : j->vmax;
    }
    if (j->ncomp == 1) {
        j->comp[0].h = j->comp[0].v = 1;   // a single component is never interleaved
        j->hmax = j->vmax = 1;
    }
    return 0;
}

static int read_sos(jpeg_t *j, const uint8_t *s, size_t len, size_t off) {
    if (len < 1 || s[0] != j->ncomp || len < 4 + 2u * s[0]) {
        return fail(j, "scan must hold every component (progressive or multi-scan files are not supported)", off);
    }
    j->nscomp = s[0];
    for (int k = 0; k < j->nscomp; k++) {
        int id = s[1 + 2 * k], c;
        for (c = 0; c < j->ncomp && j->comp[c].id != id; c++) {
        }
        if (c == j->ncomp) {
            return fail(j, "scan names an unknown component", off + 1 + 2 * k);
        }
        j->comp[c].td = s[2 + 2 * k] >> 4;
        j->comp[c].ta = s[2 + 2 * k] & 15;
        if (j->comp[c].td > 3 || j->comp[c].ta > 3 || !j->dc[j->comp[c].td].present || !j->ac[j->comp[c].ta].present
            || !j->q_present[j->comp[c].tq]) {
            return fail(j, "scan uses a Huffman or quantisation table that was not defined", off + 2 + 2 * k);
        }
        j->scomp[k] = c;
    }
    return 0;
}

// Walks the markers up to the first scan; j->scan_pos is where its entropy-coded data starts.
static int parse(jpeg_t *j) {
    size_t p = 2;
    int have_sof = 0;
    for (;;) {
        while (p < j->n && j->d[p] == 0xff && p + 1 < j->n && j->d[p + 1] == 0xff) {
            p++;   // fill bytes
        }
        if (p + 4 > j->n || j->d[p] != 0xff) {
            return fail(j, "expected a marker (file truncated or not a JPEG)", p);
        }
        uint8_t m = j->d[p + 1];
        size_t len = be16(j->d + p + 2);
        if (len < 2 || p + 2 + len > j->n) {
            return fail(j, "marker segment runs past the end of the file", p);
        }
        const uint8_t *s = j->d + p + 4;
        size_t off = p + 4;
        len -= 2;
        switch (m) {
            case 0xc0:
            case 0xc1:
                if (read_sof(j, s, len, off) != 0) {
                    return -1;
                }
                have_sof = 1;
                break;
            case 0xc2:
            case 0xc6:
            case 0xca:
            case 0xce:
                return fail(j, "progressive JPEG is not supported; save it as baseline", p);
            case 0xc3:
            case 0xc5:
            case 0xc7:
            case 0xc9:
            case 0xcb:
            case 0xcd:
            case 0xcf:
                return fail(j, "lossless, hierarchical or arithmetic-coded JPEG is not supported; save it as baseline", p);
            case 0xc4:
                if (read_dht(j, s, len, off) != 0) {
                    return -1;
                }
                break;
            case 0xdb:
                if (read_dqt(j, s, len, off) != 0) {
                    return -1;
                }
                break;
            case 0xdd:
                if (len < 2) {
                    return fail(j, "bad restart interval (DRI)", off);
                }
                j->restart = be16(s);
                break;
            case 0xda:
                if (!have_sof) {
                    return fail(j, "scan before the frame header (no SOF0)", p);
                }
                if (read_sos(j, s, len, off) != 0) {
                    return -1;
                }
                j->scan_pos = p + 2 + len + 2;
                return 0;
            case 0xd9:
                return fail(j, "end of image before any scan", p);
            default:
                break;   // APPn, COM and others carry nothing we need
        }
        p += 2 + len + 2;
    }
}

static void fill_bits(jpeg_t *j) {
    while (j->nbits <= 24) {
        uint32_t byte = 0;
        if (!j->hit_marker && j->pos < j->n) {
            byte = j->d[j->pos];
            if (byte == 0xff) {
                uint8_t nx = j->pos + 1 < j->n ? j->d[j->pos + 1] : 0xd9;
                if (nx == 0) {
                    j->pos += 2;
                } else {
                    j->hit_marker = 1;   // a marker: feed zeros until the caller handles it
                    byte = 0;
                }
            } else {
                j->pos++;
            }
        }
        j->bitbuf |= byte << (24 - j->nbits);
        j->nbits += 8;
    }
}

static int get_bits(jpeg_t *j, int n) {
    if (n == 0) {
        return 0;
    }
    fill_bits(j);
    int v = (int)(j->bitbuf >> (32 - n));
    j->bitbuf <<= n;
    j->nbits -= n;
    return v;
}

static int decode_huff(jpeg_t *j, const huff_t *h) {
    fill_bits(j);
    int32_t code = 0;
    for (int l = 1; l <= 16; l++) {
        code = (code << 1) | (int32_t)(j->bitbuf >> 31);
        j->bitbuf <<= 1;
        j->nbits--;
        if (code <= h->maxcode[l]) {
            return h->symbols[(h->valptr[l] + code) & 0xff];
        }
    }
    return -1;
}

// T.81 F.2.2.1: the value of an s-bit difference.
static int extend(int v, int s) {
    return s && v < (1 << (s - 1)) ? v - (1 << s) + 1 : v;
}

static int decode_block(jpeg_t *j, comp_t *c, int coef[64]) {
    memset(coef, 0, 64 * sizeof(int));
    int s = decode_huff(j, &j->dc[c->td]);
    if (s < 0 || s > 11) {
        return -1;
    }
    c->pred += extend(get_bits(j, s), s);
    const uint16_t *q = j->q[c->tq];
    coef[0] = c->pred * q[0];
    for (int k = 1; k < 64;) {
        int rs = decode_huff(j, &j->ac[c->ta]);
        if (rs < 0) {
            return -1;
        }
        int r = rs >> 4, sz = rs & 15;
        if (sz == 0) {
            if (r != 15) {
                break;   // end of block
            }
            k += 16;
            continue;
        }
        k += r;
        if (k > 63) {
            return -1;
        }
        coef[zigzag[k]] = extend(get_bits(j, sz), sz) * q[zigzag[k]];
        k++;
    }
    return 0;
}

// Separable float IDCT (T.81 A.3.3), output level-shifted and clamped.
static void idct(const int coef[64], uint8_t out[64], const float *cosv) {
    float tmp[64];
    for (int y = 0; y < 8; y++) {
        for (int x = 0; x < 8; x++) {
            float s = 0;
            for (int u = 0; u < 8; u++) {
                s += cosv[x * 8 + u] * (float)coef[y * 8 + u];
            }
            tmp[y * 8 + x] = s;
        }
    }
    for (int x = 0; x < 8; x++) {
        for (int y = 0; y < 8; y++) {
            float s = 0;
            for (int v = 0; v < 8; v++) {
                s += cosv[y * 8 + v] * tmp[v * 8 + x];
            }
            int p = (int)lrintf(s / 4.0f + 128.0f);
            out[y * 8 + x] = (uint8_t)(p < 0 ? 0 : p > 255 ? 255 : p);
        }
    }
}

int img_jpeg_probe(const uint8_t *d, size_t n, img_info_t *info, char *err) {
    jpeg_t j;
    memset(&j, 0, sizeof(j));
    j.d = d;
    j.n = n;
    j.err = err;
    if (parse(&j) != 0) {
        return -1;
    }
    info->kind = IMG_FILE_JPEG;
    info->w = j.w;
    info->h = j.h;
    info->gray = j.ncomp == 1;
    return 0;
}

static uint8_t clamp8(int v) {
    return (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
}

int img_jpeg_decode(const uint8_t *d, size_t n, img_sink_t sink, void *ctx, char *err) {
    jpeg_t j;
    memset(&j, 0, sizeof(j));
    j.d = d;
    j.n = n;
    j.err = err;
    if (parse(&j) != 0) {
        return -1;
    }
    float cosv[64];   // cosv[x*8+u] = C(u) cos((2x+1) u pi / 16)
    for (int x = 0; x < 8; x++) {
        for (int u = 0; u < 8; u++) {
            cosv[x * 8 + u] = (float)((u ? 1.0 : M_SQRT1_2) * cos((2 * x + 1) * u * M_PI / 16));
        }
    }
    int mcu_w = 8 * j.hmax, mcu_h = 8 * j.vmax;
    int mcus_x = (j.w + mcu_w - 1) / mcu_w, mcus_y = (j.h + mcu_h - 1) / mcu_h;
    // one MCU's samples per component, at most 2x2 blocks of 8x8
    uint8_t blocks[3][4][64];
    int coef[64];
    uint8_t rgb[3 * 16];
    j.pos = j.scan_pos;
    int todo = j.restart;
    for (int my = 0; my < mcus_y; my++) {
        for (int mx = 0; mx < mcus_x; mx++) {
            if (j.restart && todo == 0) {
                // RSTn: byte-align, skip the marker, reset the predictors
                j.bitbuf = 0;
                j.nbits = 0;
                if (j.pos + 1 < j.n && j.d[j.pos] == 0xff && (j.d[j.pos + 1] & 0xf8) == 0xd0) {
                    j.pos += 2;
                } else {
                    return fail(&j, "expected a restart marker", j.pos);
                }
                j.hit_marker = 0;
                for (int c = 0; c < j.ncomp; c++) {
                    j.comp[c].pred = 0;
                }
                todo = j.restart;
            }
            for (int k = 0; k < j.nscomp; k++) {
                comp_t *c = &j.comp[j.scomp[k]];
                for (int b = 0; b < c->h * c->v; b++) {
                    if (decode_block(&j, c, coef) != 0) {
                        return fail(&j, "corrupt entropy-coded data", j.pos);
                    }
                    idct(coef, blocks[j.scomp[k]][b], cosv);
                }
            }
            todo--;
            int x0 = mx * mcu_w, y0 = my * mcu_h;
            for (int yy = 0; yy < mcu_h && y0 + yy < j.h; yy++) {
                int span = mcu_w < j.w - x0 ? mcu_w : j.w - x0;
                for (int xx = 0; xx < span; xx++) {
                    int v[3];
                    for (int c = 0; c < j.ncomp; c++) {
                        // this component's sample under the luma position (replicated upsampling)
                        int sx = xx * j.comp[c].h / j.hmax, sy = yy * j.comp[c].v / j.vmax;
                        v[c] = blocks[c][(sy / 8) * j.comp[c].h + sx / 8][(sy % 8) * 8 + sx % 8];
                    }
                    if (j.ncomp == 1) {
                        rgb[3 * xx] = rgb[3 * xx + 1] = rgb[3 * xx + 2] = (uint8_t)v[0];
                    } else {
                        // JFIF YCbCr -> RGB in 16.16 fixed point
                        int cb = v[1] - 128, cr = v[2] - 128, y = v[0] << 16;
                        rgb[3 * xx] = clamp8((y + 91881 * cr + 32768) >> 16);
                        rgb[3 * xx + 1] = clamp8((y - 22554 * cb - 46802 * cr + 32768) >> 16);
                        rgb[3 * xx + 2] = clamp8((y + 116130 * cb + 32768) >> 16);
                    }
                }
                sink(ctx, x0, y0 + yy, span, rgb);
            }
        }
    }
    return 0;
}
