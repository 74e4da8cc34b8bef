// Format-neutral CPU kernels shared by every kmodel format (v3, v4; v5 next): one op per file, a
// plain function of (inputs, outputs, params) with no file-format type in its signature, in the
// style of nncase's reference kernels. Where two runtimes round differently the params say which
// arithmetic to reproduce (docs/kmodel-formats.md, "CPU kernels"). f32 pointers are 4-aligned.
#ifndef KPU_KERNELS_H
#define KPU_KERNELS_H

#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

// --- common parameter types (nncase's: NCHW shapes, a fused activation clamp, padding) ---
typedef enum { KERNEL_F32, KERNEL_U8 } kernel_dtype_t;
typedef struct { int32_t d[4]; } kernel_shape_t;            // NCHW
typedef struct { float lo, hi; } kernel_range_t;             // fused activation: clamp to lo..hi
typedef struct { int32_t before, after; } kernel_padding_t;
#define KERNEL_NO_CLAMP ((kernel_range_t) { -INFINITY, INFINITY })

static inline size_t kernel_count(const kernel_shape_t *s) {
    return (size_t)s->d[0] * s->d[1] * s->d[2] * s->d[3];
}
static inline size_t kernel_offset(const kernel_shape_t *s, int32_t a, int32_t b, int32_t c, int32_t d) {
    return (((size_t)a * s->d[1] + b) * s->d[2] + c) * s->d[3] + d;
}
// NaN passes through (both comparisons are false), as in the runtimes.
static inline float kernel_clamp(float v, kernel_range_t r) {
    return v < r.lo ? r.lo : (r.hi < v ? r.hi : v);
}

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

// f32 a op b, element-wise with broadcasting (an index past an operand's dim reads index 0;
// equal shapes take a flat loop over a_shape), then the clamp. The op order is nncase's.
typedef enum {
    KERNEL_BINARY_ADD, KERNEL_BINARY_SUB, KERNEL_BINARY_MUL, KERNEL_BINARY_DIV, KERNEL_BINARY_MIN, KERNEL_BINARY_MAX,
} kernel_binary_op_t;
typedef struct {
    kernel_binary_op_t op;
    kernel_shape_t a_shape, b_shape, out_shape;
    kernel_range_t act;
} kernel_binary_params_t;
void kernel_binary(const float *a, const float *b, float *out, const kernel_binary_params_t *p);

// f32 element-wise function.
typedef enum {
    KERNEL_UNARY_ABS, KERNEL_UNARY_CEIL, KERNEL_UNARY_COS, KERNEL_UNARY_EXP, KERNEL_UNARY_FLOOR, KERNEL_UNARY_LOG,
    KERNEL_UNARY_NEG, KERNEL_UNARY_RSQRT, KERNEL_UNARY_SIN, KERNEL_UNARY_SQUARE,
    KERNEL_UNARY_LOGISTIC,       // 1 / (1 + exp(-x))
    KERNEL_UNARY_SQRT, KERNEL_UNARY_ROUND, KERNEL_UNARY_TANH, KERNEL_UNARY_SIGN,   // nncase 1.x (round: half to even)
} kernel_unary_op_t;
void kernel_unary(const float *in, float *out, size_t count, kernel_unary_op_t op);

// The fold of reduce and reduce_window2d (nncase's order).
// PROD: nncase 1.x REDUCE_PROD (kernel_strided_reduce only).
typedef enum { KERNEL_REDUCE_MEAN, KERNEL_REDUCE_MIN, KERNEL_REDUCE_MAX, KERNEL_REDUCE_SUM, KERNEL_REDUCE_PROD } kernel_reduce_op_t;
// acc folded with x: min and max as std::min(acc, x) / std::max(acc, x); mean and sum add.
static inline float kernel_reduce_fold(kernel_reduce_op_t op, float acc, float x) {
    return op == KERNEL_REDUCE_MIN ? (x < acc ? x : acc) : op == KERNEL_REDUCE_MAX ? (acc < x ? x : acc)
        : op == KERNEL_REDUCE_PROD ? acc * x : acc + x;
}
// How a mean turns the sum into the result: the runtimes differ in the last bit.
typedef enum {
    KERNEL_MEAN_DIVIDE,          // sum / (in_elems / out_elems)         (the SDK runtime, v3)
    KERNEL_MEAN_SCALE,           // sum * ((float)out_elems / in_elems)  (nncase 0.2, v4)
} kernel_mean_t;

// f32: out (out_shape) starts at init; every input element, in input order, folds into the
// output element whose index is its own with the reduced axes (out dim 1) at 0. A mean then
// rescales the first out_elems outputs (in_elems / out_elems: what the runtime counts).
typedef struct {
    kernel_reduce_op_t op;
    kernel_shape_t in_shape, out_shape;
    float init;
    kernel_mean_t mean;
    size_t in_elems, out_elems;
} kernel_reduce_params_t;
void kernel_reduce(const float *in, float *out, const kernel_reduce_params_t *p);

// Pooling over each channel of an NCHW map: window filter_h x filter_w at (o * stride -
// pad.before), taps dilation apart, clipped to the input; the fold starts at init; a mean
// divides by the number of in-range taps; then the clamp. u8 maps fold as floats and store
// the result truncated. out_h/out_w are the caller's (each runtime sizes the output its way).
typedef struct {
    kernel_reduce_op_t op;
    kernel_dtype_t dtype;
    kernel_shape_t in_shape;
    int32_t out_h, out_w;
    kernel_padding_t pad_h, pad_w;
    int32_t filter_h, filter_w, stride_h, stride_w, dilation_h, dilation_w;
    float init;
    kernel_range_t act;
} kernel_reduce_window2d_params_t;
void kernel_reduce_window2d(const void *in, void *out, const kernel_reduce_window2d_params_t *p);

// f32 out[r][c] = sum_i a[r][i] * b[i][c] (i ascending) with bias[c], then the clamp.
// b_transposed: b is stored [b_cols][a_cols] (a fully-connected layer's weights).
typedef enum {
    KERNEL_BIAS_FIRST,           // the sum starts at bias[c]         (nncase 0.2, v4)
    KERNEL_BIAS_LAST,            // bias[c] added after the sum from 0 (the SDK runtime, v3)
} kernel_bias_order_t;
typedef struct {
    int32_t a_rows, a_cols, b_cols;
    bool b_transposed;
    kernel_bias_order_t bias_order;
    kernel_range_t act;
} kernel_matmul_params_t;
void kernel_matmul(const float *a, const float *b, float *out, const float *bias, const kernel_matmul_params_t *p);

// Resize each channel of an NCHW map to out_h x out_w. Nearest: source min(floor(o * in/out),
// in-1), a copy of the element. Bilinear: scale in/out, or (in-1)/(out-1) with align_corners;
// 4-neighbour weights in f32; a u8 result is truncated. KERNEL_RESIZE_NNCASE1 (kmodel v5) adds
// nncase 1.x's rules: half-pixel centres, align_corners for nearest too (rounding the source),
// the second bilinear neighbour at ceil, and a u8 result rounded half up.
typedef enum { KERNEL_RESIZE_BILINEAR, KERNEL_RESIZE_NEAREST } kernel_resize_mode_t;
typedef enum { KERNEL_RESIZE_NNCASE0, KERNEL_RESIZE_NNCASE1 } kernel_resize_rules_t;
typedef struct {
    kernel_resize_mode_t mode;
    kernel_dtype_t dtype;
    kernel_shape_t in_shape;
    int32_t out_h, out_w;
    bool align_corners;
    bool half_pixel;             // nncase 1.x only
    kernel_resize_rules_t rules;
} kernel_resize_image_params_t;
void kernel_resize_image(const uint8_t *in, uint8_t *out, const kernel_resize_image_params_t *p);

// --- helpers of the kernels below ---
// nncase runtime::mul_and_carry_shift (round half up, result truncated to i32). shift <= 62.
static inline int32_t kernel_mul_carry_shift(int32_t v, int32_t mul, uint32_t shift) {
    int64_t t = (int64_t)v * mul;
    if (shift > 0) {
        t = (t + ((int64_t)1 << (shift - 1))) >> shift;
    }
    return (int32_t)(uint32_t)(uint64_t)t;
}
// A little-endian u32 at any alignment (biases stored in a file's body).
static inline uint32_t kernel_le_u32(const uint8_t *p) {
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}
static inline int32_t kernel_max_i32(int32_t a, int32_t b) {
    return a > b ? a : b;
}
static inline int32_t kernel_min_i32(int32_t a, int32_t b) {
    return a < b ? a : b;
}
// Output size of a windowed op (nncase's get_windowed_output_size): (size + pads - dilated
// filter + stride) / stride.
// Computed in 64 bits: a file's fields can be any int32, and the callers compare the result with
// the declared shape (an out-of-range size saturates and fails that check instead of overflowing).
static inline int32_t kernel_windowed(int32_t size, int32_t filter, int32_t stride, int32_t dilation, kernel_padding_t pad) {
    int64_t eff = ((int64_t)filter - 1) * dilation + 1;
    int64_t r = ((int64_t)size + pad.before + pad.after - eff + stride) / stride;
    return r > INT32_MAX ? INT32_MAX : r < INT32_MIN ? INT32_MIN : (int32_t)r;
}

// --- nncase 0.2 kernels (kmodel v4; v5 reuses them): params, then the kernels ---
typedef struct {
    kernel_shape_t in_shape; int32_t groups, out_channels;
    kernel_padding_t pad_h, pad_w; int32_t filter_h, filter_w, stride_h, stride_w, dilation_h, dilation_w;
    kernel_range_t act;
} kernel_conv2d_params_t;
typedef struct { kernel_shape_t in_shape, perm; uint32_t elem; } kernel_transpose_params_t;
typedef struct { kernel_shape_t in_shape, begin, end, strides; uint32_t elem; } kernel_strided_slice_params_t;
typedef struct {
    int32_t in_offset, filter_offset, out_mul, out_shift, out_offset;
} kernel_qargs_t;
typedef struct {
    uint32_t op; kernel_shape_t a_shape, b_shape, out_shape;
    int32_t a_offset, a_mul, a_shift, b_offset, b_mul, b_shift, out_offset, out_mul, out_shift;
} kernel_quantized_binary_params_t;
typedef struct {
    kernel_shape_t in_shape, out_shape; int32_t groups;
    kernel_padding_t pad_h, pad_w; int32_t filter_h, filter_w, stride_h, stride_w, dilation_h, dilation_w;
    kernel_range_t act;
} kernel_conv2d_transpose_params_t;

void kernel_conv2d(const float *in, float *out, const float *weights, const float *bias, const kernel_conv2d_params_t *p);
void kernel_memory_copy(const uint8_t *in, uint8_t *out, size_t words);
void kernel_transpose(const uint8_t *in, uint8_t *out, const kernel_transpose_params_t *p);
// Elements an axis of the slice [b, e) step s keeps (s != 0).
int32_t kernel_strided_slice_count(int32_t b, int32_t e, int32_t s);
void kernel_strided_slice(const uint8_t *in, uint8_t *out, const kernel_strided_slice_params_t *p);
void kernel_quantized_conv2d(const uint8_t *in, uint8_t *out, const uint8_t *weights, const uint8_t *bias_le,
    const kernel_conv2d_params_t *p, const kernel_qargs_t *q);
void kernel_quantized_matmul(const uint8_t *a, const uint8_t *b, uint8_t *out, const uint8_t *bias_le,
    int32_t a_rows, int32_t a_cols, int32_t b_cols, const kernel_qargs_t *q);
void kernel_quantized_binary(const uint8_t *a, const uint8_t *b, uint8_t *out, const kernel_quantized_binary_params_t *p);
void kernel_conv2d_transpose(const float *in, float *out, const float *weights, const kernel_conv2d_transpose_params_t *p);

// --- strided N-d kernels (kmodel v5: nncase 1.x passes every tensor as shape + element strides) ---
// An iteration space of `rank` dims; each operand walks it with its own element strides (a
// stride may be 0: broadcast), starting at its base pointer.
#define KERNEL_ND_MAX 8
typedef struct {
    uint32_t rank;
    uint32_t shape[KERNEL_ND_MAX];
    int64_t in_stride[KERNEL_ND_MAX], out_stride[KERNEL_ND_MAX];
} kernel_nd_t;
static inline size_t kernel_nd_count(const kernel_nd_t *nd) {
    size_t n = 1;
    for (uint32_t i = 0; i < nd->rank; i++) {
        n *= nd->shape[i];
    }
    return n;
}
// Advances idx (row-major, last dim fastest) and the two element offsets; false after the last.
static inline bool kernel_nd_next(const kernel_nd_t *nd, uint32_t *idx, int64_t *in_off, int64_t *out_off) {
    for (int32_t i = (int32_t)nd->rank - 1; i >= 0; i--) {
        if (++idx[i] < nd->shape[i]) {
            *in_off += nd->in_stride[i];
            *out_off += nd->out_stride[i];
            return true;
        }
        *in_off -= nd->in_stride[i] * (int64_t)(idx[i] - 1);
        *out_off -= nd->out_stride[i] * (int64_t)(idx[i] - 1);
        idx[i] = 0;
    }
    return false;
}
// Element types of nncase 1.x (datatype_t) the strided kernels read and write.
typedef enum {
    KERNEL_DT_I8 = 0, KERNEL_DT_I16, KERNEL_DT_I32, KERNEL_DT_I64, KERNEL_DT_U8, KERNEL_DT_U16, KERNEL_DT_U32,
    KERNEL_DT_U64, KERNEL_DT_F16, KERNEL_DT_F32, KERNEL_DT_F64, KERNEL_DT_BF16,
} kernel_dt_t;
// Bytes of an element (0 for a value that is not a datatype).
uint32_t kernel_dt_bytes(uint32_t dt);

// Element copy of elem-byte elements (copy, transpose, slice: the caller folds the permutation
// or the slice's begin/step into the base pointer and the strides).
void kernel_strided_copy(const uint8_t *in, uint8_t *out, uint32_t elem, const kernel_nd_t *nd);
// u8/i8 -> f32: y = (f32)x * scale + bias (two roundings).
void kernel_strided_dequantize(const uint8_t *in, bool in_signed, float *out, float scale, float bias, const kernel_nd_t *nd);
// f32 -> u8/i8: t = x * scale + bias, rounded half to even (an odd last element of a
// contiguous run rounds half away under KERNEL_ROUND_PAIRS_EVEN), clamped to the type.
void kernel_strided_quantize(const float *in, uint8_t *out, bool out_signed, float scale, float bias,
    kernel_rounding_t rounding, const kernel_nd_t *nd);
// Element cast as C's static_cast between i8/u8/i16/u16/i32/u32/f32 (float -> int truncates).
void kernel_strided_convert(const uint8_t *in, uint32_t in_dt, uint8_t *out, uint32_t out_dt, const kernel_nd_t *nd);

// f32 a op b over the output shape of `rank` dims; a and b read their own element at the output
// index with each coordinate past their dim replaced by 0 (broadcast), then the clamp.
typedef enum {
    KERNEL_BINARY_ND_ADD, KERNEL_BINARY_ND_SUB, KERNEL_BINARY_ND_MUL, KERNEL_BINARY_ND_DIV, KERNEL_BINARY_ND_MIN,
    KERNEL_BINARY_ND_MAX, KERNEL_BINARY_ND_POW,
} kernel_binary_nd_op_t;
typedef struct {
    kernel_binary_nd_op_t op;
    uint32_t rank;
    uint32_t out_shape[KERNEL_ND_MAX], a_shape[KERNEL_ND_MAX], b_shape[KERNEL_ND_MAX];
    int64_t a_stride[KERNEL_ND_MAX], b_stride[KERNEL_ND_MAX], out_stride[KERNEL_ND_MAX];
    kernel_range_t act;
} kernel_binary_nd_params_t;
void kernel_binary_nd(const float *a, const float *b, float *out, const kernel_binary_nd_params_t *p);

// f32 reduce (mean, min, max, sum, prod) over any axes of a strided tensor: nd walks the input (in_stride) and maps each
// element to its output (out_stride 0 on the reduced axes, the bits of `reduced`). An output
// starts at init, folds its inputs in input order (kernel_reduce_fold), and a mean then divides
// by mean_count (input count / output count, as nncase 1.x).
typedef struct {
    kernel_nd_t nd;
    uint32_t reduced;
    kernel_reduce_op_t op;
    float init, mean_count;
} kernel_strided_reduce_params_t;
void kernel_strided_reduce(const float *in, float *out, const kernel_strided_reduce_params_t *p);

// Pad (or, with a negative padding, crop) each axis of a strided tensor of elem-byte elements.
// Axis d keeps input elements [first, first + keep) and puts before[d] (>= 0) new ones ahead of
// them; the output is out_shape with out_stride. Reflect/symmetric/edge mirror about the kept
// part; the caller keeps every padding within one reflection (reflect: pad < keep; symmetric:
// pad <= keep; edge: keep >= 1).
typedef enum { KERNEL_PAD_CONSTANT, KERNEL_PAD_REFLECT, KERNEL_PAD_SYMMETRIC, KERNEL_PAD_EDGE } kernel_pad_mode_t;
typedef struct {
    uint32_t rank, elem;
    kernel_pad_mode_t mode;
    uint32_t out_shape[KERNEL_ND_MAX];
    int64_t in_stride[KERNEL_ND_MAX], out_stride[KERNEL_ND_MAX];
    int64_t first[KERNEL_ND_MAX], keep[KERNEL_ND_MAX], before[KERNEL_ND_MAX];
    uint8_t value[8];            // the constant, as an element
} kernel_strided_pad_params_t;
void kernel_strided_pad(const uint8_t *in, uint8_t *out, const kernel_strided_pad_params_t *p);

// Gather elem-byte elements along one input axis: nd walks the output (out_stride); its axes
// axis .. axis + index_rank - 1 walk the contiguous i32 indices (in_stride 0 there), the others
// carry the input's strides; index k reads input coordinate indices[k] (stride axis_stride).
// Returns -1, or the position of the first index outside [0, axis_dim) (then nothing is written).
typedef struct {
    kernel_nd_t nd;
    uint32_t axis, index_rank, index_count, axis_dim, elem;
    int64_t axis_stride;
} kernel_strided_gather_params_t;
int64_t kernel_strided_gather(const uint8_t *in, uint8_t *out, const int32_t *indices, const kernel_strided_gather_params_t *p);

#endif
