// Drawing on plain images: rectangles, lines, circles, crosses and text, clipped to the image.
#include <stdlib.h>

#include "img.h"

uint32_t img_color(img_fmt_t f, unsigned r, unsigned g, unsigned b) {
    return f == IMG_RGB565 ? img_rgb565(r, g, b) : img_luma(r, g, b);
}

uint32_t img_get(const img_t *im, int x, int y) {
    size_t i = (size_t)y * (size_t)im->w + (size_t)x;
    return im->fmt == IMG_RGB565 ? ((const uint16_t *)im->px)[i] : ((const uint8_t *)im->px)[i];
}

void img_put(img_t *im, int x, int y, uint32_t c) {
    if (x < 0 || y < 0 || x >= im->w || y >= im->h) {
        return;
    }
    size_t i = (size_t)y * (size_t)im->w + (size_t)x;
    if (im->fmt == IMG_RGB565) {
        ((uint16_t *)im->px)[i] = (uint16_t)c;
    } else {
        ((uint8_t *)im->px)[i] = (uint8_t)c;
    }
}

void img_fill_rect(img_t *im, int x, int y, int w, int h, uint32_t c) {
    int x0 = x < 0 ? 0 : x, y0 = y < 0 ? 0 : y;
    int x1 = x + w > im->w ? im->w : x + w, y1 = y + h > im->h ? im->h : y + h;
    for (int yy = y0; yy < y1; yy++) {
        for (int xx = x0; xx < x1; xx++) {
            img_put(im, xx, yy, c);
        }
    }
}

void img_fill(img_t *im, uint32_t c) {
    img_fill_rect(im, 0, 0, im->w, im->h, c);
}

// Outline grows inwards from the rectangle's edge, as OpenMV draws it.
void img_draw_rect(img_t *im, int x, int y, int w, int h, uint32_t c, int thickness, bool fill) {
    if (fill || 2 * thickness >= w || 2 * thickness >= h) {
        img_fill_rect(im, x, y, w, h, c);
        return;
    }
    img_fill_rect(im, x, y, w, thickness, c);
    img_fill_rect(im, x, y + h - thickness, w, thickness, c);
    img_fill_rect(im, x, y + thickness, thickness, h - 2 * thickness, c);
    img_fill_rect(im, x + w - thickness, y + thickness, thickness, h - 2 * thickness, c);
}

// Bresenham; a thick line stamps a thickness x thickness square centred on each point.
void img_draw_line(img_t *im, int x0, int y0, int x1, int y1, uint32_t c, int thickness) {
    int dx = abs(x1 - x0), sx = x0 < x1 ? 1 : -1;
    int dy = -abs(y1 - y0), sy = y0 < y1 ? 1 : -1;
    int err = dx + dy;
    int lo = (thickness - 1) / 2;
    for (;;) {
        if (thickness <= 1) {
            img_put(im, x0, y0, c);
        } else {
            img_fill_rect(im, x0 - lo, y0 - lo, thickness, thickness, c);
        }
        if (x0 == x1 && y0 == y1) {
            break;
        }
        int e2 = 2 * err;
        if (e2 >= dy) {
            err += dy;
            x0 += sx;
        }
        if (e2 <= dx) {
            err += dx;
            y0 += sy;
        }
    }
}

// Every pixel whose centre lies within r + 0.5 of (cx, cy) and (for an outline) farther than
// r - thickness + 0.5: a plain distance test, so the shape is symmetric and easy to check.
void img_draw_circle(img_t *im, int cx, int cy, int r, uint32_t c, int thickness, bool fill) {
    long outer = (long)(2 * r + 1) * (2 * r + 1);   // (2d)^2 <= (2r + 1)^2
    int ri = r - thickness;
    long inner = ri >= 0 ? (long)(2 * ri + 1) * (2 * ri + 1) : -1;
    for (int y = cy - r; y <= cy + r; y++) {
        if (y < 0 || y >= im->h) {
            continue;
        }
        for (int x = cx - r; x <= cx + r; x++) {
            long d2 = 4L * ((long)(x - cx) * (x - cx) + (long)(y - cy) * (y - cy));
            if (d2 <= outer && (fill || d2 > inner)) {
                img_put(im, x, y, c);
            }
        }
    }
}

void img_draw_cross(img_t *im, int cx, int cy, int size, uint32_t c, int thickness) {
    img_draw_line(im, cx - size, cy, cx + size, cy, c, thickness);
    img_draw_line(im, cx, cy - size, cx, cy + size, c, thickness);
}

int img_draw_string(img_t *im, int x, int y, const char *s, size_t len, uint32_t c, int scale,
    int x_spacing, int y_spacing, bool has_bg, uint32_t bg) {
    int cx = x, cy = y, widest = 0;
    int adv = IMG_FONT_W * scale + x_spacing;
    for (size_t i = 0; i < len; i++) {
        unsigned ch = (unsigned char)s[i];
        if (ch == '\n') {
            cx = x;
            cy += IMG_FONT_H * scale + y_spacing;
            continue;
        }
        if (has_bg) {
            img_fill_rect(im, cx, cy, adv, IMG_FONT_H * scale, bg);
        }
        const uint8_t *g = img_font_glyph(ch);
        for (int row = 0; row < 7; row++) {
            for (int col = 0; col < 5; col++) {
                if (g[row] & (0x10 >> col)) {
                    img_fill_rect(im, cx + col * scale, cy + row * scale, scale, scale, c);
                }
            }
        }
        cx += adv;
        if (cx - x > widest) {
            widest = cx - x;
        }
    }
    return widest;
}
