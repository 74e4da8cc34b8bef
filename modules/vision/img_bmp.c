// BMP reader: uncompressed 24-bit and 32-bit (BI_RGB) files, bottom-up or top-down rows.
#include <stdio.h>

#include "img_codec.h"

static uint32_t le32(const uint8_t *p) {
    return p[0] | (p[1] << 8) | (p[2] << 16) | ((uint32_t)p[3] << 24);
}

typedef struct {
    uint32_t pix_off, stride;
    int w, h, bpp, top_down;
} bmp_t;

static int parse(const uint8_t *d, size_t n, bmp_t *b, char *err) {
    if (n < 54) {
        snprintf(err, IMG_ERR_LEN, "BMP header truncated (%u of 54 bytes)", (unsigned)n);
        return -1;
    }
    b->pix_off = le32(d + 10);
    int32_t w = (int32_t)le32(d + 18), h = (int32_t)le32(d + 22);
    b->bpp = d[28] | (d[29] << 8);
    uint32_t comp = le32(d + 30);
    if ((b->bpp != 24 && b->bpp != 32) || comp != 0) {
        snprintf(err, IMG_ERR_LEN, "BMP with %d bits per pixel, compression %u at offset 28; only uncompressed 24/32-bit is read",
            b->bpp, (unsigned)comp);
        return -1;
    }
    b->top_down = h < 0;
    if (h < 0) {
        h = -h;
    }
    if (w <= 0 || h <= 0 || w > IMG_MAX_SIDE || h > IMG_MAX_SIDE) {
        snprintf(err, IMG_ERR_LEN, "BMP size %ldx%ld at offset 18 is invalid (1..%d)", (long)w, (long)h, IMG_MAX_SIDE);
        return -1;
    }
    b->w = w;
    b->h = h;
    b->stride = ((uint32_t)w * (b->bpp / 8) + 3) & ~3u;
    uint64_t end = (uint64_t)b->pix_off + (uint64_t)b->stride * (uint32_t)(h - 1) + (uint32_t)w * (b->bpp / 8);
    if (end > n) {
        snprintf(err, IMG_ERR_LEN, "BMP pixel data at offset %u needs %llu bytes, the file has %u",
            (unsigned)b->pix_off, (unsigned long long)end, (unsigned)n);
        return -1;
    }
    return 0;
}

int img_bmp_probe(const uint8_t *d, size_t n, img_info_t *info, char *err) {
    bmp_t b;
    if (parse(d, n, &b, err) != 0) {
        return -1;
    }
    info->kind = IMG_FILE_BMP;
    info->w = b.w;
    info->h = b.h;
    info->gray = 0;
    return 0;
}

int img_bmp_decode(const uint8_t *d, size_t n, img_sink_t sink, void *ctx, char *err) {
    bmp_t b;
    if (parse(d, n, &b, err) != 0) {
        return -1;
    }
    uint8_t rgb[3 * 64];
    int step = b.bpp / 8;
    for (int y = 0; y < b.h; y++) {
        const uint8_t *row = d + b.pix_off + (size_t)b.stride * (size_t)(b.top_down ? y : b.h - 1 - y);
        for (int x0 = 0; x0 < b.w; x0 += 64) {
            int k = b.w - x0 < 64 ? b.w - x0 : 64;
            for (int i = 0; i < k; i++) {
                const uint8_t *p = row + (size_t)(x0 + i) * step;   // B, G, R
                rgb[3 * i] = p[2];
                rgb[3 * i + 1] = p[1];
                rgb[3 * i + 2] = p[0];
            }
            sink(ctx, x0, y, k, rgb);
        }
    }
    return 0;
}
