// kpu_upload (0x2001): planar u8 N x C x H x W from (main) memory into the KPU row layout
// (docs/kmodel-spec.md 3.4) at the output offset, one map's layout bytes per batch. Also the
// layout helpers the kpu_conv2d download and the model input path use.
#include "ops_v4.h"

typedef struct { uint32_t groups, row_len, pitch; } layout_t;

static layout_t layout_of(int32_t w) {
    layout_t l;
    if (w <= 16) { l.groups = 4; l.row_len = 1; l.pitch = 16; }
    else if (w <= 32) { l.groups = 2; l.row_len = 1; l.pitch = 32; }
    else { l.groups = 1; l.row_len = ((uint32_t)w + 63) / 64; l.pitch = 64; }
    return l;
}

uint32_t kv4_map_bytes(int32_t w, int32_t h, int32_t c) {
    layout_t l = layout_of(w);
    uint32_t per_line = (uint32_t)c < l.groups ? (uint32_t)c : l.groups;
    uint32_t blocks = ((uint32_t)c + per_line - 1) / per_line;
    return l.row_len * (uint32_t)h * blocks * 64;
}

static void move_map(const uint8_t *planar_or_kpu, uint8_t *dst, const int32_t s[4], int up) {
    int32_t w = s[3], h = s[2], c = s[1];
    if (w % 64 == 0) {   // the layout is planar CHW then
        memcpy(dst, planar_or_kpu, (size_t)s[0] * c * h * w);
        return;
    }
    layout_t l = layout_of(w);
    size_t fmap = kv4_map_bytes(w, h, c);
    const uint8_t *src = planar_or_kpu;
    for (int32_t n = 0; n < s[0]; n++)
        for (int32_t ch = 0; ch < c; ch++) {
            size_t at = n * fmap + (size_t)(ch / l.groups) * l.row_len * h * 64 + (size_t)(ch % l.groups) * l.pitch;
            for (int32_t y = 0; y < h; y++, at += (size_t)l.row_len * 64) {
                if (up) {
                    memcpy(dst + at, src, w);
                    src += w;
                } else {
                    memcpy(dst, src + at, w);
                    dst += w;
                }
            }
        }
}

void kv4_upload_map(const uint8_t *src, uint8_t *dst, const int32_t shape[4]) { move_map(src, dst, shape, 1); }
void kv4_download_map(const uint8_t *src, uint8_t *dst, const int32_t shape[4]) { move_map(src, dst, shape, 0); }

int kv4_node_kpu_upload(const uint8_t *body, uint32_t size, kv4_env_t *env) {
    if (kv4_need_body(env, size, 48, "kpu_upload"))
        return -1;
    kv4_mr_t in = kv4_rd_mr(body), o = kv4_rd_mr(body + 16);
    kv4_shape_t s = kv4_rd_shape(body + 32);
    if (kv4_check_shape(env, &s, 32, "input shape"))
        return -1;
    if (s.d[3] > 1024 || s.d[2] > 512 || s.d[1] > 1024)
        return kv4_fail(env, 32, "map %dx%dx%d exceeds the KPU limits (1024 wide, 512 high, 1024 channels)",
            (int)s.d[1], (int)s.d[2], (int)s.d[3]);
    uint64_t touched = (uint64_t)s.d[0] * kv4_map_bytes(s.d[3], s.d[2], s.d[1]);
    kv4_mr_t span = o;
    span.size = (uint32_t)(touched > 0xFFFFFFFFu ? 0xFFFFFFFFu : touched);   // what is written, not what the range says
    if (kv4_check_mr(env, &in, 0, "input", KV4_DT_U8, kv4_count(&s), 0)
        || kv4_check_mr(env, &o, 16, "output", KV4_DT_U8, 0, 1)
        || kv4_check_mr(env, &span, 16, "uploaded map", KV4_DT_U8, touched, 1))
        return -1;
    if (env->run)
        kv4_upload_map(kv4_env_at(env, &in), kv4_env_at(env, &o), s.d);
    return 0;
}
