// PGM (P5) and PPM (P6) reader: binary, 8-bit (maxval <= 255, scaled to 0..255).
#include <stdio.h>

#include "img_codec.h"

typedef struct {
    int w, h, maxval, c;
    size_t data_off;
} pnm_t;

// Next decimal header field after whitespace and '#' comments; -1 if none.
static long field(const uint8_t *d, size_t n, size_t *pos) {
    while (*pos < n) {
        uint8_t ch = d[*pos];
        if (ch == '#') {
            while (*pos < n && d[*pos] != '\n') {
                (*pos)++;
            }
        } else if (ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n') {
            (*pos)++;
        } else {
            break;
        }
    }
    long v = -1;
    while (*pos < n && d[*pos] >= '0' && d[*pos] <= '9' && v < 100000) {
        v = (v < 0 ? 0 : v * 10) + (d[*pos] - '0');
        (*pos)++;
    }
    return v;
}

static int parse(const uint8_t *d, size_t n, pnm_t *p, char *err) {
    size_t pos = 2;
    long w = field(d, n, &pos), h = field(d, n, &pos), mx = field(d, n, &pos);
    if (w < 0 || h < 0 || mx < 0 || pos >= n) {
        snprintf(err, IMG_ERR_LEN, "PNM header truncated or not numeric before offset %u", (unsigned)pos);
        return -1;
    }
    if (w < 1 || h < 1 || w > IMG_MAX_SIDE || h > IMG_MAX_SIDE) {
        snprintf(err, IMG_ERR_LEN, "PNM size %ldx%ld is invalid (1..%d)", w, h, IMG_MAX_SIDE);
        return -1;
    }
    if (mx < 1 || mx > 255) {
        snprintf(err, IMG_ERR_LEN, "PNM maxval %ld; only 8-bit files (maxval 1..255) are read", mx);
        return -1;
    }
    p->w = (int)w;
    p->h = (int)h;
    p->maxval = (int)mx;
    p->c = d[1] == '5' ? 1 : 3;
    p->data_off = pos + 1;   // one whitespace byte ends the header
    size_t need = (size_t)w * (size_t)h * p->c;
    if (p->data_off + need > n) {
        snprintf(err, IMG_ERR_LEN, "PNM pixel data at offset %u needs %u bytes, the file has %u",
            (unsigned)p->data_off, (unsigned)need, (unsigned)(n - p->data_off));
        return -1;
    }
    return 0;
}

int img_pnm_probe(const uint8_t *d, size_t n, img_info_t *info, char *err) {
    pnm_t p;
    if (parse(d, n, &p, err) != 0) {
        return -1;
    }
    info->kind = IMG_FILE_PNM;
    info->w = p.w;
    info->h = p.h;
    info->gray = p.c == 1;
    return 0;
}

int img_pnm_decode(const uint8_t *d, size_t n, img_sink_t sink, void *ctx, char *err) {
    pnm_t p;
    if (parse(d, n, &p, err) != 0) {
        return -1;
    }
    uint8_t rgb[3 * 64];
    const uint8_t *src = d + p.data_off;
    for (int y = 0; y < p.h; y++) {
        for (int x0 = 0; x0 < p.w; x0 += 64) {
            int k = p.w - x0 < 64 ? p.w - x0 : 64;
            for (int i = 0; i < k; i++) {
                for (int ch = 0; ch < 3; ch++) {
                    unsigned v = src[((size_t)y * p.w + x0 + i) * p.c + (p.c == 3 ? ch : 0)];
                    v = v > (unsigned)p.maxval ? (unsigned)p.maxval : v;
                    rgb[3 * i + ch] = (uint8_t)(p.maxval == 255 ? v : (v * 255 + p.maxval / 2) / p.maxval);
                }
            }
            sink(ctx, x0, y, k, rgb);
        }
    }
    return 0;
}
