// kmodel v3 (nncase 0.1): file layout, layer types and K210 layer-argument fields
// (docs/kmodel-formats.md, "kmodel v3"). Shared by the checker, the executor and netinfo.
#ifndef KPU_KMODEL_V3_H
#define KPU_KMODEL_V3_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "kmodel.h"
#include "kpu_args.h"

#define KV3_HEADER_BYTES     (28u)
#define KV3_FLAG_8BIT        (1u)
#define KV3_LF_MAIN_MEM_OUT  (1u)

enum {
    KV3_ADD = 1, KV3_QUANTIZED_ADD = 2, KV3_GLOBAL_AVERAGE_POOL2D = 5, KV3_QUANTIZED_MAX_POOL2D = 8,
    KV3_AVERAGE_POOL2D = 9, KV3_QUANTIZE = 11, KV3_DEQUANTIZE = 12, KV3_REQUANTIZE = 13,
    KV3_L2_NORMALIZATION = 14, KV3_SOFTMAX = 15, KV3_CONCAT = 16, KV3_QUANTIZED_CONCAT = 17,
    KV3_FULLY_CONNECTED = 18, KV3_TENSORFLOW_FLATTEN = 20, KV3_RESIZE_NEAREST_NEIGHBOR = 22,
    KV3_QUANTIZED_RESIZE_NEAREST_NEIGHBOR = 23, KV3_CHANNELWISE_DEQUANTIZE = 24, KV3_LOGISTIC = 25,
    KV3_K210_CONV = 10240, KV3_K210_ADD_PADDING = 10241, KV3_K210_REMOVE_PADDING = 10242,
    KV3_K210_UPLOAD = 10243,
};

// Name of a layer type (also for the types no runtime implements); NULL if unknown.
const char *kv3_type_name(uint32_t type);
// True for the types the K210 runtime executes.
bool kv3_type_supported(uint32_t type);
// The fixed part of a body (bytes before any variable-length data).
uint32_t kv3_fixed_bytes(uint32_t type);

static inline uint32_t kv3_u32(const uint8_t *p) {
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}
static inline float kv3_f32(const uint8_t *p) {
    float v;
    memcpy(&v, p, 4);
    return v;
}

// The decoded K210_CONV layer (head of the body + the argument words through the KPU codec).
typedef struct {
    uint32_t flags, main_out, layer_off, weights_off, bn_off, act_off;
    uint64_t w[12];
    kpu_args_t args;
    uint32_t ic, ih, iw, oc, oh, ow;
    uint32_t kernel;             // 1 or 3
    uint32_t pool, depthwise;
    uint32_t src_line, dst_line;
    uint32_t wbytes;             // 1 (8-bit weights) or 2 (16-bit)
    uint32_t weight_bytes;       // oc*ic*k*k (depthwise oc*k*k) * wbytes
} kv3_conv_t;

// Decodes a K210_CONV from its 24-byte head and 96-byte argument (no checks); wbytes from the
// header's flags (1 = 8-bit weights, 2 = 16-bit).
void kv3_conv_decode(const uint8_t head[24], const uint8_t args[96], uint32_t wbytes, kv3_conv_t *c);

// Where a layer's output lives after it ran.
typedef struct {
    kmodel_tensor_t t;
    bool in_ai;                  // true: AI SRAM map at `line`; false: main buffer at `offset`
    uint32_t line, offset;
    bool padded;                 // K210_ADD_PADDING: only pixel (0,0) of each 4x4 channel holds data
} kv3_out_t;

// Fills in/out/where for layer body `body` (fixed part in bounds); used by check and run.
// conv: the decoded K210_CONV for that type, else unused.
void kv3_layer_io(uint32_t type, const uint8_t *body, const kv3_conv_t *conv, kmodel_tensor_t *in, kv3_out_t *out);

int kv3_check(kmodel_src_t *src, kmodel_plan_t *plan, kmodel_err_t *e);
// The K210_CONV weight ranges of a checked file (kmodel_format_t.stream_ranges).
int kv3_stream_ranges(kmodel_src_t *src, struct kpu_stream_range_tag *out, uint32_t *n, kmodel_err_t *e);

#endif
