// The kmodel v4 nodes (nncase 0.2 runtime semantics, docs/kmodel-formats.md, "v4 nodes").
// Each op file has kv4_node_<op>(), which decodes + validates a node body and, when env->run,
// resolves the memory ranges and calls the format-neutral kernel of ../../../kernels/ with its
// params (nnil_unary_method and the K210 nodes, which only v4 has, keep theirs here).
// Validation and execution share one decoder so what ran is exactly what was checked at load.
#ifndef KPU_OPS_V4_H
#define KPU_OPS_V4_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "../kmodel_v4.h"
#include "kernels.h"

typedef struct { int32_t zero_point; float scale; } kv4_quant_t;   // q = x*scale + zp

// Decode/run context of one node.
typedef struct kv4_env {
    uint8_t *base[3];       // const, main, kpu pools (used only when run)
    uint32_t size[3];
    int run;
    int kpu_ready;          // kpu_driver_begin done in this run
    uint32_t node, body_off;
    uint32_t visible;       // body bytes readable at `body` (the load check reads a window)
    const char *op;
    kmodel_err_t *err;
} kv4_env_t;

// --- body decoding (little endian, alignment-safe) ---
static inline uint32_t kv4_rd_u32(const uint8_t *p) {
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}
static inline int32_t kv4_rd_i32(const uint8_t *p) {
    return (int32_t)kv4_rd_u32(p);
}
static inline float kv4_rd_f32(const uint8_t *p) {
    uint32_t u = kv4_rd_u32(p);
    float f;
    memcpy(&f, &u, 4);
    return f;
}
static inline uint64_t kv4_rd_u64(const uint8_t *p) {
    return kv4_rd_u32(p) | ((uint64_t)kv4_rd_u32(p + 4) << 32);
}
static inline kv4_mr_t kv4_rd_mr(const uint8_t *p) {
    kv4_mr_t r = { kv4_rd_u32(p), kv4_rd_u32(p + 4), kv4_rd_u32(p + 8), kv4_rd_u32(p + 12) };
    return r;
}
static inline kernel_shape_t kv4_rd_shape(const uint8_t *p) {
    kernel_shape_t s = { { kv4_rd_i32(p), kv4_rd_i32(p + 4), kv4_rd_i32(p + 8), kv4_rd_i32(p + 12) } };
    return s;
}
static inline kernel_range_t kv4_rd_vrange(const uint8_t *p) {
    kernel_range_t v = { kv4_rd_f32(p), kv4_rd_f32(p + 4) };
    return v;
}
static inline kernel_padding_t kv4_rd_padding(const uint8_t *p) {
    kernel_padding_t v = { kv4_rd_i32(p), kv4_rd_i32(p + 4) };
    return v;
}
static inline kv4_quant_t kv4_rd_quant(const uint8_t *p) {
    kv4_quant_t q = { kv4_rd_i32(p), kv4_rd_f32(p + 4) };
    return q;
}


// --- validation helpers (check.c); each returns 0 or -1 with env->err set ---
int kv4_fail(kv4_env_t *env, uint32_t at, const char *fmt, ...);
int kv4_need_body(kv4_env_t *env, uint32_t size, uint64_t need, const char *what);
// A range the node uses: valid type/datatype (dtype < 0: any), inside its pool, at least
// need bytes, float ranges 4-byte aligned; writable ranges may not be constants.
int kv4_check_mr(kv4_env_t *env, const kv4_mr_t *r, uint32_t at, const char *what, int dtype, uint64_t need, int writable);
// Dims 1..2^24 and a product below 2^31.
int kv4_check_shape(kv4_env_t *env, const kernel_shape_t *s, uint32_t at, const char *what);
int kv4_check_f32_ptr(kv4_env_t *env, const uint8_t *p, uint32_t at, const char *what);
static inline uint8_t *kv4_env_at(kv4_env_t *env, const kv4_mr_t *r) {
    return env->base[r->type] + r->start;
}
static inline uint32_t kv4_dt_bytes(uint32_t dtype) {
    return dtype == KV4_DT_F32 ? 4 : 1;
}

// nnil: returns 0, or -1 for a program that under/overflows its stack or has a bad opcode
// (kv4_nnil_check finds these at load, so a checked program never fails).
int kv4_nnil_check(const uint8_t *code, size_t len, size_t *bad_at, const char **why);
void kv4_nnil_unary_method(const float *in, float *out, size_t count, const uint8_t *code, size_t len);
// K210
// kpu_upload's kernel is kv4_upload_map (kmodel_v4.h).
// Runs the stored layer `batches` times through kpu_driver_conv (kpu_hw seam) with the real addresses of
// its BN table, activation table and weights, then (main_out != NULL) downloads the output map
// from AI SRAM as planar CHW. Returns 0 or the seam's negative errno.
int kv4_kpu_conv2d(const uint64_t layer[12], int32_t batches, const uint8_t *bn, const uint8_t *act,
    const uint8_t *weights, const uint8_t *ai_sram, uint8_t *main_out);

// The head shared by conv2d and quantized_conv2d bodies (offsets 32..96) and its output size.
int kv4_conv2d_head(const uint8_t *body, kv4_env_t *env, kernel_conv2d_params_t *p, int32_t *out_h, int32_t *out_w);

// --- node entry points (decode, validate, run when env->run) ---
typedef int (*kv4_node_fn)(const uint8_t *body, uint32_t size, kv4_env_t *env);
int kv4_node_binary(const uint8_t *, uint32_t, kv4_env_t *);
int kv4_node_concat(const uint8_t *, uint32_t, kv4_env_t *);
int kv4_node_conv2d(const uint8_t *, uint32_t, kv4_env_t *);
int kv4_node_dequantize(const uint8_t *, uint32_t, kv4_env_t *);
int kv4_node_matmul(const uint8_t *, uint32_t, kv4_env_t *);
int kv4_node_pad(const uint8_t *, uint32_t, kv4_env_t *);
int kv4_node_quantize(const uint8_t *, uint32_t, kv4_env_t *);
int kv4_node_reduce(const uint8_t *, uint32_t, kv4_env_t *);
int kv4_node_reduce_window2d(const uint8_t *, uint32_t, kv4_env_t *);
int kv4_node_memory_copy(const uint8_t *, uint32_t, kv4_env_t *);
int kv4_node_resize_image(const uint8_t *, uint32_t, kv4_env_t *);
int kv4_node_softmax(const uint8_t *, uint32_t, kv4_env_t *);
int kv4_node_transpose(const uint8_t *, uint32_t, kv4_env_t *);
int kv4_node_strided_slice(const uint8_t *, uint32_t, kv4_env_t *);
int kv4_node_unary(const uint8_t *, uint32_t, kv4_env_t *);
int kv4_node_quantized_conv2d(const uint8_t *, uint32_t, kv4_env_t *);
int kv4_node_quantized_matmul(const uint8_t *, uint32_t, kv4_env_t *);
int kv4_node_quantized_binary(const uint8_t *, uint32_t, kv4_env_t *);
int kv4_node_table_lookup1d(const uint8_t *, uint32_t, kv4_env_t *);
int kv4_node_conv2d_transpose(const uint8_t *, uint32_t, kv4_env_t *);
int kv4_node_nnil_unary_method(const uint8_t *, uint32_t, kv4_env_t *);
int kv4_node_kpu_upload(const uint8_t *, uint32_t, kv4_env_t *);
int kv4_node_kpu_conv2d(const uint8_t *, uint32_t, kv4_env_t *);

#endif
