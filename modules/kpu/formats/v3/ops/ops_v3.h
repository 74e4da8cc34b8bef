// kmodel v3 CPU layers, one per file: plain functions of (inputs, outputs, parameters) with the
// exact arithmetic of the Kendryte SDK runtime (docs/kmodel-formats.md, "v3 layers"). The ops
// v4 shares (softmax, quantize, dequantize, requantize, concat, add, pooling, fully connected,
// logistic, resize) are in ../../../kernels/; run_layer maps the body fields to their params.
// f32 pointers must be 4-aligned (the loader checks the offsets).
#ifndef KPU_OPS_V3_H
#define KPU_OPS_V3_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    int32_t a_offset, a_mul, a_shift, b_offset, b_mul, b_shift, out_offset, out_mul, out_shift;
} kv3_qadd_params_t;

typedef struct {
    uint32_t in_w, in_h, channels, out_w, out_h;
} kv3_resize_params_t;

// The SDK's rounding right shift (kpu_carry_shift): half up, one below for negative odd halves.
int64_t kv3_carry_shift(int64_t v, int32_t shift);

void kv3_quantized_add(const uint8_t *a, const uint8_t *b, uint8_t *out, size_t count, const kv3_qadd_params_t *p);
void kv3_l2_normalization(const float *in, float *out, size_t channels);
void kv3_tensorflow_flatten(const float *in, float *out, size_t width, size_t height, size_t channels);
// elem: 4 for f32 (RESIZE_NEAREST_NEIGHBOR), 1 for u8 (QUANTIZED_...)
void kv3_resize_nearest_neighbor(const uint8_t *in, uint8_t *out, size_t elem, const kv3_resize_params_t *p);
// params: channels pairs {f32 scale, f32 bias}
void kv3_channelwise_dequantize(const uint8_t *in, float *out, size_t channels, size_t channel_size,
    const float *params);
// K210 data movement (ai = the 2 MiB AI SRAM, line = 64-byte line number)
void kv3_k210_upload(const uint8_t *in, uint8_t *ai, uint32_t line, size_t width, size_t height, size_t channels);
void kv3_k210_add_padding(const uint8_t *in, uint8_t *ai, uint32_t line, size_t channels);
void kv3_k210_remove_padding(const uint8_t *in, uint8_t *out, size_t channels);

#endif
