// kpu_upload (0x2001): planar u8 N x C x H x W from (main) memory into the KPU row layout
// (kpu_layout.h; docs/kpu.md, "AI SRAM layout") at the output offset, one map's layout bytes per
// batch. Also the batched layout helpers the kpu_conv2d download and the model input path use.
#include "kpu_layout.h"
#include "ops_v4.h"

uint32_t kv4_map_bytes(int32_t w, int32_t h, int32_t c) {
    return kpu_layout_lines((uint32_t)c, (uint32_t)h, (uint32_t)w) * KPU_LINE_BYTES;
}

// N maps, one after another in the layout (each kv4_map_bytes long).
void kv4_upload_map(const uint8_t *src, uint8_t *dst, const int32_t s[4]) {
    size_t plane = (size_t)s[1] * s[2] * s[3], fmap = kv4_map_bytes(s[3], s[2], s[1]);
    for (int32_t n = 0; n < s[0]; n++) {
        kpu_layout_store(dst + n * fmap, 0, src + n * plane, (uint32_t)s[1], (uint32_t)s[2], (uint32_t)s[3]);
    }
}

void kv4_download_map(const uint8_t *src, uint8_t *dst, const int32_t s[4]) {
    size_t plane = (size_t)s[1] * s[2] * s[3], fmap = kv4_map_bytes(s[3], s[2], s[1]);
    for (int32_t n = 0; n < s[0]; n++) {
        kpu_layout_load(src + n * fmap, 0, dst + n * plane, (uint32_t)s[1], (uint32_t)s[2], (uint32_t)s[3]);
    }
}

int kv4_node_kpu_upload(const uint8_t *body, uint32_t size, kv4_env_t *env) {
    if (kv4_need_body(env, size, 48, "kpu_upload")) {
        return -EINVAL;
    }
    kv4_mr_t in = kv4_rd_mr(body), o = kv4_rd_mr(body + 16);
    kernel_shape_t s = kv4_rd_shape(body + 32);
    if (kv4_check_shape(env, &s, 32, "input shape")) {
        return -EINVAL;
    }
    if (s.d[3] > 1024 || s.d[2] > 512 || s.d[1] > 1024) {
        return kv4_fail(env, 32, "map %dx%dx%d exceeds the KPU limits (1024 wide, 512 high, 1024 channels)",
            (int)s.d[1], (int)s.d[2], (int)s.d[3]);
    }
    uint64_t touched = (uint64_t)s.d[0] * kv4_map_bytes(s.d[3], s.d[2], s.d[1]);
    kv4_mr_t span = o;
    span.size = (uint32_t)(touched > 0xFFFFFFFFu ? 0xFFFFFFFFu : touched);   // what is written, not what the range says
    if (kv4_check_mr(env, &in, 0, "input", KV4_DT_U8, kernel_count(&s), 0)
        || kv4_check_mr(env, &o, 16, "output", KV4_DT_U8, 0, 1)
        || kv4_check_mr(env, &span, 16, "uploaded map", KV4_DT_U8, touched, 1)) {
        return -EINVAL;
    }
    if (env->run) {
        kv4_upload_map(kv4_env_at(env, &in), kv4_env_at(env, &o), s.d);
    }
    return 0;
}
