// strided_slice (0x0D): per axis from begin toward end (exclusive) by stride, negative strides
// allowed; the five masks of the body are ignored (the runtime ignores them too).
#include "kernels.h"
#include "ops_v4.h"

int kv4_node_strided_slice(const uint8_t *body, uint32_t size, kv4_env_t *env) {
    if (kv4_need_body(env, size, 116, "strided_slice")) {
        return -EINVAL;
    }
    kv4_mr_t in = kv4_rd_mr(body), o = kv4_rd_mr(body + 16);
    kernel_strided_slice_params_t p = { kv4_rd_shape(body + 32), kv4_rd_shape(body + 48), kv4_rd_shape(body + 64), kv4_rd_shape(body + 80), 0 };
    if (kv4_check_shape(env, &p.in_shape, 32, "input shape")) {
        return -EINVAL;
    }
    uint64_t out_n = 1;
    for (int i = 0; i < 4; i++) {
        int32_t b = p.begin.d[i], e = p.end.d[i], s = p.strides.d[i];
        if (s == 0) {
            return kv4_fail(env, 80 + 4 * i, "stride of axis %d is 0", i);
        }
        int32_t c = kernel_strided_slice_count(b, e, s);
        if (c > 0) {
            int64_t last = (int64_t)b + (int64_t)(c - 1) * s;
            if (b < 0 || b >= p.in_shape.d[i] || last < 0 || last >= p.in_shape.d[i]) {
                return kv4_fail(env, 48 + 4 * i, "axis %d slice %d:%d:%d leaves the input (size %d)", i, (int)b, (int)e, (int)s,
                    (int)p.in_shape.d[i]);
            }
        }
        out_n *= (uint64_t)c;
    }
    if (in.dtype > KV4_DT_U8) {
        return kv4_check_mr(env, &in, 0, "input", -1, 0, 0);
    }
    p.elem = kv4_dt_bytes(in.dtype);
    if (kv4_check_mr(env, &in, 0, "input", -1, (uint64_t)p.elem * kernel_count(&p.in_shape), 0)
        || kv4_check_mr(env, &o, 16, "output", (int)in.dtype, p.elem * out_n, 1)) {
        return -EINVAL;
    }
    if (env->run) {
        kernel_strided_slice(kv4_env_at(env, &in), kv4_env_at(env, &o), &p);
    }
    return 0;
}
