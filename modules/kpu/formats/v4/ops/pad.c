// pad (0x05): out dim = in + before + after per NCHW axis; positions outside the input get the
// pad value; negative paddings crop. Element size from the input datatype.
#include "ops_v4.h"

void kv4_pad(const uint8_t *in, uint8_t *out, const kv4_pad_params_t *p) {
    const kernel_shape_t *s = &p->in_shape;
    int32_t od[4];
    for (int i = 0; i < 4; i++) {
        od[i] = s->d[i] + p->pad[i].before + p->pad[i].after;
    }
    size_t e = p->elem;
    for (int32_t d0 = 0; d0 < od[0]; d0++) {
        for (int32_t d1 = 0; d1 < od[1]; d1++) {
            for (int32_t d2 = 0; d2 < od[2]; d2++) {
                for (int32_t d3 = 0; d3 < od[3]; d3++, out += e) {
                    int32_t i0 = d0 - p->pad[0].before, i1 = d1 - p->pad[1].before;
                    int32_t i2 = d2 - p->pad[2].before, i3 = d3 - p->pad[3].before;
                    if (i0 < 0 || i0 >= s->d[0] || i1 < 0 || i1 >= s->d[1] || i2 < 0 || i2 >= s->d[2] || i3 < 0 || i3 >= s->d[3]) {
                        memcpy(out, p->value, e);
                    } else {
                        memcpy(out, in + kernel_offset(s, i0, i1, i2, i3) * e, e);
                    }
                }
            }
        }
    }
}

int kv4_node_pad(const uint8_t *body, uint32_t size, kv4_env_t *env) {
    if (kv4_need_body(env, size, 88, "pad")) {
        return -EINVAL;
    }
    kv4_mr_t in = kv4_rd_mr(body), o = kv4_rd_mr(body + 16);
    kv4_pad_params_t p;
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
        kv4_pad(kv4_env_at(env, &in), kv4_env_at(env, &o), &p);
    }
    return 0;
}
