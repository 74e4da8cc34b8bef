// Whole-image operations on plain images: resize, crop, format conversion, invert, AI planes.
#include <string.h>

#include "img.h"

static void get_rgb(const img_t *im, size_t i, uint8_t *r, uint8_t *g, uint8_t *b) {
    if (im->fmt == IMG_RGB565) {
        img_rgb565_to_rgb888(((const uint16_t *)im->px)[i], r, g, b);
    } else {
        *r = *g = *b = ((const uint8_t *)im->px)[i];
    }
}

void img_resize(const img_t *src, img_t *dst) {
    size_t bpp = img_bpp(src->fmt);
    for (int y = 0; y < dst->h; y++) {
        int sy = (int)(((2 * (long)y + 1) * src->h) / (2L * dst->h));
        for (int x = 0; x < dst->w; x++) {
            int sx = (int)(((2 * (long)x + 1) * src->w) / (2L * dst->w));
            size_t si = (size_t)sy * src->w + sx, di = (size_t)y * dst->w + x;
            if (bpp == 2) {
                ((uint16_t *)dst->px)[di] = ((const uint16_t *)src->px)[si];
            } else {
                ((uint8_t *)dst->px)[di] = ((const uint8_t *)src->px)[si];
            }
        }
    }
}

void img_crop(const img_t *src, int x, int y, img_t *dst) {
    size_t bpp = img_bpp(src->fmt);
    for (int r = 0; r < dst->h; r++) {
        memcpy((uint8_t *)dst->px + (size_t)r * dst->w * bpp,
            (const uint8_t *)src->px + ((size_t)(y + r) * src->w + x) * bpp, (size_t)dst->w * bpp);
    }
}

void img_convert(const img_t *src, img_t *dst) {
    size_t n = (size_t)src->w * src->h;
    if (src->fmt == dst->fmt) {
        memmove(dst->px, src->px, n * img_bpp(src->fmt));
        return;
    }
    for (size_t i = 0; i < n; i++) {
        uint8_t r, g, b;
        get_rgb(src, i, &r, &g, &b);
        if (dst->fmt == IMG_RGB565) {
            ((uint16_t *)dst->px)[i] = img_rgb565(r, g, b);
        } else {
            ((uint8_t *)dst->px)[i] = img_luma(r, g, b);
        }
    }
}

void img_invert(img_t *im) {
    size_t n = (size_t)im->w * im->h;
    for (size_t i = 0; i < n; i++) {
        if (im->fmt == IMG_RGB565) {
            ((uint16_t *)im->px)[i] ^= 0xffff;
        } else {
            ((uint8_t *)im->px)[i] ^= 0xff;
        }
    }
}

void img_to_ai(const img_t *im, uint8_t *ai) {
    size_t n = (size_t)im->w * im->h;
    if (im->fmt == IMG_GRAYSCALE) {
        memcpy(ai, im->px, n);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        img_rgb565_to_rgb888(((const uint16_t *)im->px)[i], &ai[i], &ai[n + i], &ai[2 * n + i]);
    }
}

void img_from_rgb888(img_t *dst, const uint8_t *rgb, size_t stride) {
    for (int y = 0; y < dst->h; y++) {
        const uint8_t *p = rgb + (size_t)y * stride;
        for (int x = 0; x < dst->w; x++, p += 3) {
            size_t i = (size_t)y * dst->w + x;
            if (dst->fmt == IMG_RGB565) {
                ((uint16_t *)dst->px)[i] = img_rgb565(p[0], p[1], p[2]);
            } else {
                ((uint8_t *)dst->px)[i] = img_luma(p[0], p[1], p[2]);
            }
        }
    }
}
