// Format-neutral CPU kernels shared by every kmodel format (v3, v4; v5 next): one op per file, a
// plain function of (inputs, outputs, params) with no file-format type in its signature, in the
// style of nncase's reference kernels. Where two runtimes round differently the params say which
// arithmetic to reproduce (docs/kmodel-formats.md, "CPU kernels"). f32 pointers are 4-aligned.
#ifndef KPU_KERNELS_H
#define KPU_KERNELS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

// softmax over `outer` rows of `inner` floats: e = exp((x - max) * beta), out = e / sum(e), the
// sum in element order. sdk_max_floor: the max starts at FLT_MIN instead of the first element
// (the Kendryte SDK runtime of kmodel v3 does that, so all-negative rows differ).
typedef struct {
    float beta;
    bool sdk_max_floor;
} kernel_softmax_params_t;
void kernel_softmax(const float *in, float *out, size_t inner, size_t outer, const kernel_softmax_params_t *p);

// f32 -> u8: t = (x - sub) * mul + add, rounded, clamped to 0..255.
typedef enum {
    KERNEL_ROUND_HALF_AWAY,      // roundf on every element (the SDK runtime, v3)
    KERNEL_ROUND_PAIRS_EVEN,     // half to even for element pairs, roundf for an odd last one
                                 // (the RISC-V build of the nncase 0.2 runtime, v4)
} kernel_rounding_t;
typedef struct {
    float sub, mul, add;
    kernel_rounding_t rounding;
    uint8_t nan_value;           // what NaN becomes (0 for v3's clamp, 255 for fcvt's saturation)
} kernel_quantize_params_t;
void kernel_quantize(const float *in, uint8_t *out, size_t count, const kernel_quantize_params_t *p);

// u8 -> f32: x = q * scale + bias (two roundings: the files' runtimes have no fused multiply-add).
void kernel_dequantize(const uint8_t *in, float *out, size_t count, float scale, float bias);

// For each of `outer` blocks, the n inputs' blocks of sizes[i] bytes one after another (a byte
// copy, any datatype; input i's block o starts at inputs[i] + o * sizes[i]). Inputs may overlap
// the output (memmove).
void kernel_concat(uint8_t *out, const uint8_t *const *inputs, const size_t *sizes, size_t n, size_t outer);

// u8 -> u8 through a 256-entry table.
void kernel_table_lookup(const uint8_t *in, uint8_t *out, size_t count, const uint8_t table[256]);

#endif
