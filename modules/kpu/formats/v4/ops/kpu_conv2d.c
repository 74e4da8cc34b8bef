// kpu_conv2d (0x2002): one KPU layer (docs/kmodel-spec.md 4.4). Body: main_mem_output range,
// batches, reserved, the 12-word layer, then BN table, activation table and weights, each after
// a skip count stored in the layer's three address fields. At run time those fields get the
// blocks' bus addresses and the words go to the KPU through the core's driver and the kpu_hw seam; a
// main-memory output is downloaded from AI SRAM as planar CHW, as the nncase 0.2 board runtime does.
#include <errno.h>

#include "kpu_driver.h"
#include "ops_v4.h"

static uint32_t bits(uint64_t w, unsigned lo, unsigned n) { return (uint32_t)((w >> lo) & ((1ull << n) - 1)); }

typedef struct {
    int32_t ic, oc, iw, ih, ow, oh, k, pool, depthwise;
} kpu_dims_t;

static kpu_dims_t dims_of(const uint64_t *w) {
    kpu_dims_t d;
    d.depthwise = bits(w[0], 3, 1);
    d.ic = (int32_t)bits(w[2], 0, 10) + 1;
    d.oc = (int32_t)bits(w[2], 32, 10) + 1;
    d.iw = (int32_t)bits(w[3], 0, 10) + 1;
    d.ih = (int32_t)bits(w[3], 10, 9) + 1;
    d.ow = (int32_t)bits(w[3], 32, 10) + 1;
    d.oh = (int32_t)bits(w[3], 42, 9) + 1;
    d.k = bits(w[4], 0, 3) == 1 ? 3 : 1;
    d.pool = (int32_t)bits(w[4], 4, 4);
    return d;
}

static int32_t pool_stride(int32_t pool) {
    static const int8_t s[10] = { 1, 2, 2, 4, 4, 2, 2, 4, 1, 1 };
    return s[pool];
}

int kv4_kpu_conv2d(const uint64_t layer[12], int32_t batches, const uint8_t *bn, const uint8_t *act,
    const uint8_t *weights, const uint8_t *ai_sram, uint8_t *main_out) {
    uint64_t w[12];
    memcpy(w, layer, sizeof(w));
    kpu_dims_t d = dims_of(w);
    uint32_t src0 = bits(w[1], 0, 15), dst0 = bits(w[1], 32, 15);
    uint32_t in_lines = kv4_map_bytes(d.iw, d.ih, d.ic) / 64, out_lines = kv4_map_bytes(d.ow, d.oh, d.oc) / 64;
    for (int32_t n = 0; n < batches; n++) {
        uint64_t src = src0 + (uint64_t)n * in_lines, dst = dst0 + (uint64_t)n * out_lines;
        w[1] = (w[1] & ~((0x7FFFull) | (0x7FFFull << 32))) | src | (dst << 32);
        uint8_t args[96];
        memcpy(args, w, sizeof(args));   // little endian, as the file and both targets
        // no DMA stream (dma_out NULL): the driver sets int_en and clears send_data_out
        int r = kpu_driver_conv(args, weights, bn, act, NULL, 0);
        if (r)
            return r;
    }
    if (main_out) {
        int32_t shape[4] = { batches, d.oc, d.oh, d.ow };
        kv4_download_map(ai_sram + (size_t)dst0 * 64, main_out, shape);
    }
    return 0;
}

int kv4_node_kpu_conv2d(const uint8_t *body, uint32_t size, kv4_env_t *env) {
    if (kv4_need_body(env, size, 120, "kpu_conv2d"))
        return -1;
    kv4_mr_t mo = kv4_rd_mr(body);
    int32_t batches = kv4_rd_i32(body + 16);
    uint64_t w[12];
    for (int i = 0; i < 12; i++)
        w[i] = kv4_rd_u64(body + 24 + 8 * i);
    kpu_dims_t d = dims_of(w);
    if (batches < 1 || batches > 1024)
        return kv4_fail(env, 16, "kpu_conv2d batches %d out of range 1..1024", (int)batches);
    uint32_t ktype = bits(w[4], 0, 3);
    if (ktype > 1)
        return kv4_fail(env, 24 + 32, "kernel_type %u (expected 0 = 1x1 or 1 = 3x3)", (unsigned)ktype);
    if (d.pool > 9)
        return kv4_fail(env, 24 + 32, "pool_type %d (expected 0..9)", (int)d.pool);
    if (d.depthwise && d.ic != d.oc)
        return kv4_fail(env, 24 + 16, "depthwise layer with %d input and %d output channels", (int)d.ic, (int)d.oc);
    if (d.ih > 512 || d.iw < 1)
        return kv4_fail(env, 24 + 24, "input map %dx%d out of the KPU range", (int)d.iw, (int)d.ih);
    int32_t ps = pool_stride(d.pool);
    if (d.ow != d.iw / ps || d.oh != d.ih / ps)
        return kv4_fail(env, 24 + 24, "output %dx%d does not match pool type %d on input %dx%d (expected %dx%d)",
            (int)d.ow, (int)d.oh, (int)d.pool, (int)d.iw, (int)d.ih, (int)(d.iw / ps), (int)(d.ih / ps));
    // fields the compilers always set the same way (spec 3.2); anything else would make silicon
    // do something no source documents, so refuse it here rather than at forward time
    if (bits(w[0], 1, 2) || bits(w[4], 3, 1) || bits(w[4], 8, 2) || w[6] != 0 || bits(w[7], 20, 8)
        || !bits(w[4], 10, 1) || !bits(w[5], 0, 1) || !bits(w[7], 31, 1))
        return kv4_fail(env, 24, "layer sets an undocumented KPU mode (ram_flag/full_add/pad_type/first_stride/bypass_conv/"
            "kernel_offset/coef_size) or clears parameter loading");
    if (d.iw > 960)
        return kv4_fail(env, 24 + 24, "input width %d exceeds 960 (15 lines per row)", (int)d.iw);
    uint32_t rl_in = ((uint32_t)d.iw + 63) / 64, rl_out = ((uint32_t)d.ow + 63) / 64;
    uint32_t g_in = d.iw <= 16 ? 4 : d.iw <= 32 ? 2 : 1, g_out = d.ow <= 16 ? 4 : d.ow <= 32 ? 2 : 1;
    if (bits(w[7], 0, 15) != rl_in * (uint32_t)d.ih || bits(w[7], 16, 4) != rl_in || bits(w[7], 28, 3) != g_in
        || bits(w[8], 0, 15) != rl_out * (uint32_t)d.oh || bits(w[8], 16, 4) != rl_out || bits(w[8], 20, 3) != g_out)
        return kv4_fail(env, 24 + 56, "layout fields (channel/row switch, group) do not describe the %dx%dx%d input and "
            "%dx%dx%d output maps", (int)d.ic, (int)d.ih, (int)d.iw, (int)d.oc, (int)d.oh, (int)d.ow);
    uint32_t per_oc = (uint32_t)(d.depthwise ? 1 : d.ic) * d.k * d.k, n = bits(w[2], 48, 10) + 1;
    uint32_t load_time = bits(w[5], 1, 6), para_size = bits(w[5], 15, 17);
    if ((d.depthwise ? (n != (uint32_t)d.oc || load_time != 0) : (n > (uint32_t)d.oc || load_time != ((uint32_t)d.oc + n - 1) / n - 1))
        || para_size != n * per_oc || para_size > 30720)
        return kv4_fail(env, 24 + 40, "weight loads (%u channels x %u B per load, %u loads) do not match %d output channels",
            (unsigned)n, (unsigned)per_oc, (unsigned)load_time + 1, (int)d.oc);
    uint64_t src_b = (uint64_t)bits(w[1], 0, 15) * 64, dst_b = (uint64_t)bits(w[1], 32, 15) * 64;
    uint64_t in_b = (uint64_t)batches * kv4_map_bytes(d.iw, d.ih, d.ic), out_b = (uint64_t)batches * kv4_map_bytes(d.ow, d.oh, d.oc);
    if (src_b < dst_b + out_b && dst_b < src_b + in_b)
        return kv4_fail(env, 24 + 8, "input map [%llu, %llu) and output map [%llu, %llu) overlap in AI SRAM",
            (unsigned long long)src_b, (unsigned long long)(src_b + in_b), (unsigned long long)dst_b, (unsigned long long)(dst_b + out_b));
    // BN table, activation table and weights after their skips, all inside the body
    uint64_t bn_at = 120 + (uint64_t)bits(w[4], 32, 32);
    uint64_t act_at = bn_at + 8ull * d.oc + bits(w[7], 32, 32);
    uint64_t w_at = act_at + 144 + bits(w[5], 32, 32);
    uint64_t wn = (uint64_t)d.oc * (d.depthwise ? 1 : d.ic) * d.k * d.k;
    if (w_at + wn > size)
        return kv4_fail(env, 24 + 32, "BN table (%u x 8 B at %llu), activation table (144 B at %llu) and weights (%llu B at %llu) "
            "do not fit the %u-byte body", (unsigned)d.oc, (unsigned long long)bn_at, (unsigned long long)act_at,
            (unsigned long long)wn, (unsigned long long)w_at, (unsigned)size);
    // input and output maps inside AI SRAM, for every batch
    uint64_t in_end = (uint64_t)bits(w[1], 0, 15) * 64 + (uint64_t)batches * kv4_map_bytes(d.iw, d.ih, d.ic);
    uint64_t out_end = (uint64_t)bits(w[1], 32, 15) * 64 + (uint64_t)batches * kv4_map_bytes(d.ow, d.oh, d.oc);
    if (in_end > env->size[KV4_MEM_KPU] || out_end > env->size[KV4_MEM_KPU])
        return kv4_fail(env, 24 + 8, "input map (ends at %llu) or output map (ends at %llu) past the %u-byte AI SRAM",
            (unsigned long long)in_end, (unsigned long long)out_end, (unsigned)env->size[KV4_MEM_KPU]);
    uint64_t out_bytes = (uint64_t)batches * d.oc * d.oh * d.ow;
    if (mo.size && kv4_check_mr(env, &mo, 0, "main_mem_output", KV4_DT_U8, out_bytes, 1))
        return -1;
    if (!env->run)
        return 0;
    if (!env->kpu_ready) {
        int r = kpu_driver_begin(KPU_ACT_RULE_NNCASE02, 8);   // v4: nncase 0.2 rule, 8-bit weights
        if (r)
            return kv4_fail(env, 24, "the KPU could not be started (error %d)", r);
        env->kpu_ready = 1;
    }
    int r = kv4_kpu_conv2d(w, batches, body + bn_at, body + act_at, body + w_at, env->base[KV4_MEM_KPU],
        mo.size ? kv4_env_at(env, &mo) : NULL);
    if (r)
        return kv4_fail(env, 24, "%s (%d)", r == -ENODEV ? "this firmware has no KPU behind the kpu_hw seam"
            : r == -ETIMEDOUT ? "the KPU did not finish in time" : r == -EINVAL ? "the KPU rejected the layer arguments"
            : r == -EFAULT ? "a weight table is outside SRAM" : "KPU error", r);
    return 0;
}
