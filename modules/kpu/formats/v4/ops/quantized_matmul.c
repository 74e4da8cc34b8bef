// quantized_matmul (0x10): acc = bias[c] + sum_i (a + a_off)(b + b_off) (i32, wrapping),
// out = clamp(mcs(acc, mul, shift) + out_off, 0, 255).
#include "kernels.h"
#include "ops_v4.h"

int kv4_node_quantized_matmul(const uint8_t *body, uint32_t size, kv4_env_t *env) {
    if (kv4_need_body(env, size, 80, "quantized_matmul")) {
        return -EINVAL;
    }
    kv4_mr_t a = kv4_rd_mr(body), b = kv4_rd_mr(body + 16), o = kv4_rd_mr(body + 32);
    int32_t rows = kv4_rd_i32(body + 48), cols = kv4_rd_i32(body + 52), bcols = kv4_rd_i32(body + 56);
    // a_offset, b_offset map onto the in/filter offsets of the shared quant args
    kernel_qargs_t q = { kv4_rd_i32(body + 60), kv4_rd_i32(body + 64), kv4_rd_i32(body + 68), kv4_rd_i32(body + 72), kv4_rd_i32(body + 76) };
    if (rows < 1 || cols < 1 || bcols < 1 || rows > (1 << 24) || cols > (1 << 24) || bcols > (1 << 24)) {
        return kv4_fail(env, 48, "quantized_matmul %d x %d by %d x %d", (int)rows, (int)cols, (int)cols, (int)bcols);
    }
    if (q.out_shift < 0 || q.out_shift > 62) {
        return kv4_fail(env, 72, "output_shift %d out of range 0..62", (int)q.out_shift);
    }
    if (kv4_need_body(env, size, 80 + 4ull * bcols, "quantized_matmul bias")
        || kv4_check_mr(env, &a, 0, "input a", KV4_DT_U8, (uint64_t)rows * cols, 0)
        || kv4_check_mr(env, &b, 16, "input b", KV4_DT_U8, (uint64_t)cols * bcols, 0)
        || kv4_check_mr(env, &o, 32, "output", KV4_DT_U8, (uint64_t)rows * bcols, 1)) {
        return -EINVAL;
    }
    if (env->run) {
        kernel_quantized_matmul(kv4_env_at(env, &a), kv4_env_at(env, &b), kv4_env_at(env, &o), body + 80, rows, cols, bcols, &q);
    }
    return 0;
}
