// pad (0x05): out dim = in + before + after per NCHW axis; positions outside the input get the
// pad value; negative paddings crop. Element size from the input datatype.
#include "kernels.h"
#include "ops_v4.h"

int kv4_node_pad(const uint8_t *body, uint32_t size, kv4_env_t *env) {
    if (kv4_need_body(env, size, 88, "pad")) {
        return -EINVAL;
    }
    kv4_mr_t in = kv4_rd_mr(body), o = kv4_rd_mr(body + 16);
    kernel_pad_params_t p;
    p.in_shape = kv4_rd_shape(body + 32);
    if (kv4_check_shape(env, &p.in_shape, 32, "input shape")) {
        return -EINVAL;
    }
    kernel_shape_t os;
    for (int i = 0; i < 4; i++) {
        p.pad[i] = kv4_rd_padding(body + 48 + 8 * i);
        int64_t d = (int64_t)p.in_shape.d[i] + p.pad[i].before + p.pad[i].after;
        if (p.pad[i].before < -(1 << 24) || p.pad[i].before > (1 << 24) || p.pad[i].after < -(1 << 24)
            || p.pad[i].after > (1 << 24) || d < 1 || d > (1 << 24)) {
            return kv4_fail(env, 48 + 8 * i, "padding (%d, %d) of dimension %d (size %d) gives %lld",
                (int)p.pad[i].before, (int)p.pad[i].after, i, (int)p.in_shape.d[i], (long long)d);
        }
        os.d[i] = (int32_t)d;
    }
    if (in.dtype > KV4_DT_U8) {
        return kv4_check_mr(env, &in, 0, "input", -1, 0, 0);
    }
    p.elem = kv4_dt_bytes(in.dtype);
    memcpy(p.value, body + 84, 4);   // the scalar's storage, read as the input's type
    if (kv4_check_shape(env, &os, 48, "padded shape")
        || kv4_check_mr(env, &in, 0, "input", -1, (uint64_t)p.elem * kernel_count(&p.in_shape), 0)
        || kv4_check_mr(env, &o, 16, "output", (int)in.dtype, (uint64_t)p.elem * kernel_count(&os), 1)) {
        return -EINVAL;
    }
    if (env->run) {
        kernel_pad(kv4_env_at(env, &in), kv4_env_at(env, &o), &p);
    }
    return 0;
}
