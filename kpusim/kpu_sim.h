// Internals of the behavioural K210 KPU (the simulated side of modules/kpu/kpu/kpu_hw.h).
// One layer = decode + check the 12 argument words with the core's codec (kpu_sim_decode.c),
// then execute it in row bands (kpu_sim_exec.c): convolution (kpu_sim_conv.c),
// offset/BN/activation (kpu_sim_act.c), pooling (kpu_sim_pool.c), write-back in the AI SRAM row
// layout (kpu_sim_layout.c). Semantics: docs/kpu.md. Freestanding C: no libc beyond string.h.
#ifndef K210_KPU_SIM_H
#define K210_KPU_SIM_H

#include <stddef.h>
#include <stdint.h>

#include "kpu_args.h"     // the layer-argument codec, pool strides
#include "kpu_hw.h"
#include "kpu_layout.h"   // AI SRAM layout and KPU constants


// A feature map in AI SRAM (docs/kpu.md, "AI SRAM layout").
typedef struct {
    uint8_t *base;         // byte 0 of its first line
    uint32_t line;         // first line
    int c, h, w;           // channels, rows, columns
    int groups;            // channels sharing one 64-byte line (4, 2 or 1)
    int pitch;             // bytes between those channels' slots (16, 32, 64)
    int row_len;           // lines per row
    uint32_t lines;        // lines the whole map occupies
} kpu_sim_map_t;

// The layout of a C x H x W map at a line (fills every field but base).
void kpu_sim_map_init(kpu_sim_map_t *m, uint32_t line, int c, int h, int w);
// Start of row y of channel c (W contiguous bytes).
static inline uint8_t *kpu_sim_map_row(const kpu_sim_map_t *m, int c, int y) {
    return m->base + ((size_t)(c / m->groups) * (size_t)m->row_len * (size_t)m->h
                      + (size_t)y * (size_t)m->row_len) * KPU_LINE_BYTES
           + (size_t)(c % m->groups) * (size_t)m->pitch;
}

// The 16-segment activation table decoded (docs/kpu.md, "Activation"), plus the rule that picks a segment.
typedef struct {
    int64_t x_start[16];
    int32_t y_mul[16];
    uint8_t shift[16];
    uint8_t bias[16];
    int ascending;          // x_start non-decreasing: segment search may bisect
    kpu_act_rule_t rule;
    // For the fast engine's 32-bit lanes (kpu_sim_bnact.c), worked out once per layer: x_start
    // clamped to int32, and y_mul and shift with their common powers of two taken out, packed
    // with the bias as (y << 16) | (shift << 8) | bias.
    int32_t xs32[16];
    int32_t seg32[16];
    int monotone;           // non-decreasing in v wherever it is computed exactly (see the .c)
} kpu_sim_act_t;

void kpu_sim_act_decode(kpu_sim_act_t *a, const uint8_t table[144], kpu_act_rule_t rule);
// Activation of one BN output v -> u8 (rule a->rule).
uint8_t kpu_sim_act_apply(const kpu_sim_act_t *a, int64_t v);
// The same over n values.
void kpu_sim_act_apply_n(const kpu_sim_act_t *a, const int64_t *v, uint8_t *out, size_t n);
// The two carry shifts (exposed for tests): nncase 0.2 "banker" and SDK half-up (docs/kpu.md, "Rounding").
int64_t kpu_sim_round_banker(int64_t t, unsigned s);
int64_t kpu_sim_round_sdk(int64_t t, unsigned s);

// One BN entry (docs/kpu.md, "Batch norm").
typedef struct {
    int32_t mul;
    int32_t add;
    unsigned shift;
} kpu_sim_bn_t;
kpu_sim_bn_t kpu_sim_bn_decode(const uint8_t entry[8]);
// Nonzero when for every acc in [acc_min, acc_max] (inside int32) BN and the activation fit
// 32-bit lanes: |v| and every segment product below 2^31 - 256, segment shifts <= 30, an
// ascending table. There every path computes the exact integers, and the fast engine's
// 32-bit loops may run. *vmin, *vmax: the range of BN outputs v.
int kpu_sim_bn_act_fits32(const kpu_sim_act_t *a, kpu_sim_bn_t bn, int64_t acc_min, int64_t acc_max,
    int64_t *vmin, int64_t *vmax);

// Everything a layer needs, decoded and checked.
typedef struct {
    int depthwise;
    int k;                  // 1 or 3
    int pool;               // pool_type 0..9
    kpu_sim_map_t in;       // C_in x H x W
    kpu_sim_map_t out;      // C_out x OH x OW (after pooling)
    uint8_t pad_value;
    const uint8_t *weights; // [oc][ic][k][k] or [c][k][k]; u8, or u16 LE in 16-bit mode
    int weight_bytes;       // 1 or 2
    const uint8_t *bn;      // oc x 8 bytes
    kpu_sim_act_t act;
    unsigned shr_w, shr_x;
    int32_t arg_w, arg_x;
    int64_t arg_add;
    int send_data_out;
    uint32_t dma_bytes;     // dma_total_byte + 1
} kpu_sim_layer_t;

// Decodes args into *L; 0 or -EINVAL (what silicon would silently misread, see the .c).
int kpu_sim_decode(const uint64_t args[12], uint8_t *ai_sram, int eight_bit,
    kpu_act_rule_t rule, kpu_sim_layer_t *L);

// Runs a decoded layer; writes the output map, and its planar CHW copy to dma_out if not NULL.
void kpu_sim_exec(const kpu_sim_layer_t *L, uint8_t *dma_out);

// Sum over input channels [i0, i1) of the k x k convolution (stride 1, "same", pad_value outside)
// of conv rows [y0, y0+rows) into acc (rows x W int32, overwritten). Tap t of channel i uses
// weight byte w[(i - i0) * wstep_chan + t * wstep_tap].
void kpu_sim_conv_band(const kpu_sim_map_t *in, int i0, int i1, int k, uint8_t pad,
    const uint8_t *w, size_t wstep_tap, size_t wstep_chan, int y0, int rows, int32_t *acc);

// Pools conv rows src (rows_avail x W u8, first row = conv row y0, H = the map height) into
// out_rows x OW u8 at dst for pool types 0..9 (docs/kpu.md, "Pooling"). y0 is a multiple of the stride.
void kpu_sim_pool_band(int pool, const uint8_t *src, int y0, int rows_avail, int h, int w,
    uint8_t *dst, int out_rows, int ow);
// Pool strides and the extra conv row of types 8/9: kpu_pool_stride, kpu_pool_extra_row (kpu_args.h).

#endif
