// The KPU's pooling stage on one channel's u8 conv output (docs/kpu.md, "Pooling").
// Strided types (1-7) only ever see windows inside the map because their output size is the
// floor of H/s x W/s; only the stride-1 types 8 and 9 reach past the last row/column:
// mean (8) replicates the edge, max (9) counts the missing taps as 0.
#include <string.h>

#include "kpu_sim.h"

static uint8_t max_window(const uint8_t *s, int w, int n) {
    uint8_t m = 0;
    for (int dy = 0; dy < n; dy++) {
        for (int dx = 0; dx < n; dx++) {
            uint8_t v = s[dy * w + dx];
            m = v > m ? v : m;
        }
    }
    return m;
}

static unsigned sum_window(const uint8_t *s, int w, int n) {
    unsigned t = 0;
    for (int dy = 0; dy < n; dy++) {
        for (int dx = 0; dx < n; dx++) {
            t += s[dy * w + dx];
        }
    }
    return t;
}

// 2x2 windows at stride 2 (the common max pool): the same maxima as max_window, in a loop of
// fixed shape the compiler vectorises.
static void max2x2_row(const uint8_t *restrict a, const uint8_t *restrict b, uint8_t *restrict o, int ow) {
    for (int x = 0; x < ow; x++) {
        uint8_t m0 = a[2 * x] > a[2 * x + 1] ? a[2 * x] : a[2 * x + 1];
        uint8_t m1 = b[2 * x] > b[2 * x + 1] ? b[2 * x] : b[2 * x + 1];
        o[x] = m0 > m1 ? m0 : m1;
    }
}

void kpu_sim_pool_band(int pool, const uint8_t *src, int y0, int rows_avail, int h, int w,
    uint8_t *dst, int out_rows, int ow) {
    int s = (int)kpu_pool_stride((uint32_t)pool);
    for (int r = 0; r < out_rows; r++) {
        const uint8_t *row = src + (size_t)(r * s) * (size_t)w;   // top row of the window
        uint8_t *o = dst + (size_t)r * (size_t)ow;
        switch (pool) {
            case 0:
                memcpy(o, row, (size_t)w);
                break;
            case 1: case 3:
                if (s == 2) {
                    max2x2_row(row, row + w, o, ow);
                    break;
                }
                for (int x = 0; x < ow; x++) {
                    o[x] = max_window(row + x * s, w, s);
                }
                break;
            case 2: case 4:
                for (int x = 0; x < ow; x++) {
                    o[x] = (uint8_t)(sum_window(row + x * s, w, s) / (unsigned)(s * s));
                }
                break;
            case 5: case 7:
                for (int x = 0; x < ow; x++) {
                    o[x] = row[x * s];
                }
                break;
            case 6:
                for (int x = 0; x < ow; x++) {
                    o[x] = row[x * 2 + 1];
                }
                break;
            default: {   // 8 mean / 9 max over (y..y+1) x (x..x+1), nothing before, 1 after
                int y = y0 + r;
                int has_below = y + 1 < h && r + 1 < rows_avail;
                const uint8_t *below = has_below ? row + w : NULL;
                for (int x = 0; x < ow; x++) {
                    int xr = x + 1 < w ? x + 1 : -1;
                    uint8_t a = row[x];
                    uint8_t b = xr >= 0 ? row[xr] : (pool == 8 ? a : 0);
                    uint8_t c, d;
                    if (below) {
                        c = below[x];
                        d = xr >= 0 ? below[xr] : (pool == 8 ? c : 0);
                    } else if (pool == 8) {
                        c = a;
                        d = b;
                    } else {
                        c = d = 0;
                    }
                    if (pool == 8) {
                        o[x] = (uint8_t)(((unsigned)a + b + c + d) / 4u);
                    } else {
                        uint8_t m = a > b ? a : b;
                        m = c > m ? c : m;
                        o[x] = d > m ? d : m;
                    }
                }
                break;
            }
        }
    }
}
