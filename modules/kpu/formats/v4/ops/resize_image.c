// resize_image (0x0A): body -> kernel_resize_image; mode 0 bilinear, 1 nearest; f32 or u8 by
// the input datatype.
#include "kernels.h"
#include "ops_v4.h"

int kv4_node_resize_image(const uint8_t *body, uint32_t size, kv4_env_t *env) {
    if (kv4_need_body(env, size, 61, "resize_image")) {
        return -EINVAL;
    }
    kv4_mr_t in = kv4_rd_mr(body), o = kv4_rd_mr(body + 16);
    uint32_t mode = kv4_rd_u32(body + 56);
    if (mode > 1) {
        return kv4_fail(env, 56, "resize mode %u is not 0 (bilinear) or 1 (nearest)", (unsigned)mode);
    }
    kernel_resize_image_params_t p = { mode == 0 ? KERNEL_RESIZE_BILINEAR : KERNEL_RESIZE_NEAREST,
        in.dtype == KV4_DT_U8 ? KERNEL_U8 : KERNEL_F32, kv4_rd_shape(body + 32), kv4_rd_i32(body + 48),
        kv4_rd_i32(body + 52), body[60] != 0 };
    if (kv4_check_shape(env, &p.in_shape, 32, "input shape")) {
        return -EINVAL;
    }
    if (p.out_h < 1 || p.out_w < 1 || p.out_h > (1 << 16) || p.out_w > (1 << 16)) {
        return kv4_fail(env, 48, "output size %dx%d out of range", (int)p.out_h, (int)p.out_w);
    }
    if (in.dtype > KV4_DT_U8) {
        return kv4_check_mr(env, &in, 0, "input", -1, 0, 0);
    }
    uint32_t e = kv4_dt_bytes(in.dtype);
    if (kv4_check_mr(env, &in, 0, "input", -1, (uint64_t)e * kernel_count(&p.in_shape), 0)
        || kv4_check_mr(env, &o, 16, "output", (int)in.dtype,
            (uint64_t)e * p.in_shape.d[0] * p.in_shape.d[1] * p.out_h * p.out_w, 1)) {
        return -EINVAL;
    }
    if (env->run) {
        kernel_resize_image(kv4_env_at(env, &in), kv4_env_at(env, &o), &p);
    }
    return 0;
}
