// pad (0x05): out dim = in + before + after per NCHW axis; positions outside the input get the
// pad value; negative paddings crop. Element size from the input datatype. Runs on
// kernel_strided_pad (constant mode).
#include <string.h>

#include "kernels.h"
#include "ops_v4.h"

int kv4_node_pad(const uint8_t *body, uint32_t size, kv4_env_t *env) {
    if (kv4_need_body(env, size, 88, "pad")) {
        return -EINVAL;
    }
    kv4_mr_t in = kv4_rd_mr(body), o = kv4_rd_mr(body + 16);
    kernel_shape_t is = kv4_rd_shape(body + 32), os;
    if (kv4_check_shape(env, &is, 32, "input shape")) {
        return -EINVAL;
    }
    kernel_strided_pad_params_t p;   // the v5 kernel: constant mode over contiguous NCHW
    memset(&p, 0, sizeof(p));
    p.rank = 4;
    p.mode = KERNEL_PAD_CONSTANT;
    for (int i = 0; i < 4; i++) {
        kernel_padding_t pad = kv4_rd_padding(body + 48 + 8 * i);
        int64_t d = (int64_t)is.d[i] + pad.before + pad.after;
        if (pad.before < -(1 << 24) || pad.before > (1 << 24) || pad.after < -(1 << 24) || pad.after > (1 << 24) || d < 1
            || d > (1 << 24)) {
            return kv4_fail(env, 48 + 8 * i, "padding (%d, %d) of dimension %d (size %d) gives %lld",
                (int)pad.before, (int)pad.after, i, (int)is.d[i], (long long)d);
        }
        os.d[i] = (int32_t)d;
        p.out_shape[i] = (uint32_t)d;
        p.first[i] = pad.before < 0 ? -(int64_t)pad.before : 0;   // a negative padding crops
        p.keep[i] = is.d[i] - p.first[i] - (pad.after < 0 ? -(int64_t)pad.after : 0);
        p.before[i] = pad.before > 0 ? pad.before : 0;
    }
    int64_t si = 1, so = 1;   // contiguous NCHW strides
    for (int i = 3; i >= 0; i--) {
        p.in_stride[i] = si;
        p.out_stride[i] = so;
        si *= is.d[i];
        so *= os.d[i];
    }
    if (in.dtype > KV4_DT_U8) {
        return kv4_check_mr(env, &in, 0, "input", -1, 0, 0);
    }
    p.elem = kv4_dt_bytes(in.dtype);
    memcpy(p.value, body + 84, 4);   // the scalar's storage, read as the input's type
    if (kv4_check_shape(env, &os, 48, "padded shape")
        || kv4_check_mr(env, &in, 0, "input", -1, (uint64_t)p.elem * kernel_count(&is), 0)
        || kv4_check_mr(env, &o, 16, "output", (int)in.dtype, (uint64_t)p.elem * kernel_count(&os), 1)) {
        return -EINVAL;
    }
    if (env->run) {
        kernel_strided_pad(kv4_env_at(env, &in), kv4_env_at(env, &o), &p);
    }
    return 0;
}
