// The KPU's convolution sum S (docs/kpu.md, "Convolution") over a band of rows:
// stride 1, "same" size, taps outside the map read pad_value.
// Bound: one call sums at most 1024 channels x 9 taps of u8 x u8 = 9216 x 65025 < 2^30, so
// int32 accumulators cannot overflow (16-bit weights are summed as two byte planes by the
// caller, each within the same bound).
// Speed: rows are contiguous in the row layout, so the inner loops run over x with the weights
// in registers; 1x1 takes four input channels per pass to cut accumulator traffic, 3x3 all nine
// taps per pass; the first and last column (which see padding) are done apart.
#include <string.h>

#include "kpu_sim.h"

// Inner loops run over fixed chunks of CHUNK columns with restrict pointers: a trip count the
// compiler knows lets -O2 (GCC's very-cheap vectoriser) use SIMD without runtime checks.
#define CHUNK 8

static void mac4(int32_t *restrict a, const uint8_t *restrict p0, const uint8_t *restrict p1,
    const uint8_t *restrict p2, const uint8_t *restrict p3,
    int32_t w0, int32_t w1, int32_t w2, int32_t w3, int W) {
    int x = 0;
    for (; x + CHUNK <= W; x += CHUNK) {
        for (int j = 0; j < CHUNK; j++) {
            a[x + j] += w0 * p0[x + j] + w1 * p1[x + j] + w2 * p2[x + j] + w3 * p3[x + j];
        }
    }
    for (; x < W; x++) {
        a[x] += w0 * p0[x] + w1 * p1[x] + w2 * p2[x] + w3 * p3[x];
    }
}

static void mac1(int32_t *restrict a, const uint8_t *restrict p0, int32_t w0, int W) {
    int x = 0;
    for (; x + CHUNK <= W; x += CHUNK) {
        for (int j = 0; j < CHUNK; j++) {
            a[x + j] += w0 * p0[x + j];
        }
    }
    for (; x < W; x++) {
        a[x] += w0 * p0[x];
    }
}

static void conv1x1(const kpu_sim_map_t *in, int i0, int i1, const uint8_t *w,
    size_t wstep_chan, int y0, int rows, int32_t *acc) {
    int W = in->w;
    int i = i0;
    for (; i + 4 <= i1; i += 4) {
        const uint8_t *wp = w + (size_t)(i - i0) * wstep_chan;
        int32_t w0 = wp[0], w1 = wp[wstep_chan], w2 = wp[2 * wstep_chan], w3 = wp[3 * wstep_chan];
        for (int r = 0; r < rows; r++) {
            mac4(acc + (size_t)r * (size_t)W,
                kpu_sim_map_row(in, i, y0 + r), kpu_sim_map_row(in, i + 1, y0 + r),
                kpu_sim_map_row(in, i + 2, y0 + r), kpu_sim_map_row(in, i + 3, y0 + r),
                w0, w1, w2, w3, W);
        }
    }
    for (; i < i1; i++) {
        int32_t w0 = w[(size_t)(i - i0) * wstep_chan];
        for (int r = 0; r < rows; r++) {
            mac1(acc + (size_t)r * (size_t)W, kpu_sim_map_row(in, i, y0 + r), w0, W);
        }
    }
}

static void mac9(int32_t *restrict a, const uint8_t *restrict q0, const uint8_t *restrict q1,
    const uint8_t *restrict q2, const int32_t k[9], int n) {
    int32_t k0 = k[0], k1 = k[1], k2 = k[2], k3 = k[3], k4 = k[4], k5 = k[5], k6 = k[6], k7 = k[7],
        k8 = k[8];
    int x = 0;
    for (; x + CHUNK <= n; x += CHUNK) {
        for (int j = 0; j < CHUNK; j++) {
            int u = x + j;
            a[u] += k0 * q0[u] + k1 * q0[u + 1] + k2 * q0[u + 2]
                + k3 * q1[u] + k4 * q1[u + 1] + k5 * q1[u + 2]
                + k6 * q2[u] + k7 * q2[u + 1] + k8 * q2[u + 2];
        }
    }
    for (; x < n; x++) {
        a[x] += k0 * q0[x] + k1 * q0[x + 1] + k2 * q0[x + 2]
            + k3 * q1[x] + k4 * q1[x + 1] + k5 * q1[x + 2]
            + k6 * q2[x] + k7 * q2[x + 1] + k8 * q2[x + 2];
    }
}

// One output row of one input channel, 3x3: rows r0 r1 r2 are y-1, y, y+1 (NULL = padding).
static void conv3x3_row(const uint8_t *r0, const uint8_t *r1, const uint8_t *r2,
    const int32_t k[9], int32_t pad, int W, const uint8_t *padrow, int32_t *a) {
    const uint8_t *q0 = r0 ? r0 : padrow, *q1 = r1 ? r1 : padrow, *q2 = r2 ? r2 : padrow;
    if (W == 1) {
        a[0] += pad * (k[0] + k[2] + k[3] + k[5] + k[6] + k[8])
            + k[1] * q0[0] + k[4] * q1[0] + k[7] * q2[0];
        return;
    }
    a[0] += pad * (k[0] + k[3] + k[6])
        + k[1] * q0[0] + k[2] * q0[1] + k[4] * q1[0] + k[5] * q1[1] + k[7] * q2[0] + k[8] * q2[1];
    // interior x = 1 .. W-2 reads columns x-1 .. x+1, all inside the row
    mac9(a + 1, q0, q1, q2, k, W - 2);
    int e = W - 1;
    a[e] += pad * (k[2] + k[5] + k[8])
        + k[0] * q0[e - 1] + k[1] * q0[e] + k[3] * q1[e - 1] + k[4] * q1[e]
        + k[6] * q2[e - 1] + k[7] * q2[e];
}

void kpu_sim_conv_band(const kpu_sim_map_t *in, int i0, int i1, int k, uint8_t pad,
    const uint8_t *w, size_t wstep_tap, size_t wstep_chan, int y0, int rows, int32_t *acc) {
    int W = in->w, H = in->h;
    memset(acc, 0, (size_t)rows * (size_t)W * sizeof(int32_t));
    if (k == 1) {
        conv1x1(in, i0, i1, w, wstep_chan, y0, rows, acc);
        return;
    }
    uint8_t padrow[KPU_MAX_WIDTH];
    memset(padrow, pad, (size_t)W);
    for (int i = i0; i < i1; i++) {
        const uint8_t *wp = w + (size_t)(i - i0) * wstep_chan;
        int32_t kk[9];
        for (int t = 0; t < 9; t++) {
            kk[t] = wp[(size_t)t * wstep_tap];
        }
        for (int r = 0; r < rows; r++) {
            int y = y0 + r;
            const uint8_t *r0 = y >= 1 ? kpu_sim_map_row(in, i, y - 1) : NULL;
            const uint8_t *r1 = kpu_sim_map_row(in, i, y);
            const uint8_t *r2 = y + 1 < H ? kpu_sim_map_row(in, i, y + 1) : NULL;
            conv3x3_row(r0, r1, r2, kk, pad, W, padrow, acc + (size_t)r * (size_t)W);
        }
    }
}
