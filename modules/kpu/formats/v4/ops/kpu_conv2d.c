// kpu_conv2d (0x2002): one KPU layer (docs/kmodel-formats.md, "v4 kpu_conv2d"). Body: main_mem_output range,
// batches, reserved, the 12-word layer, then BN table, activation table and weights, each after
// a skip count stored in the layer's three address fields. At run time those fields get the
// blocks' bus addresses and the words go to the KPU through the core's driver and the kpu_hw seam; a
// main-memory output is downloaded from AI SRAM as planar CHW, as the nncase 0.2 board runtime does.
#include <errno.h>

#include "kpu_args.h"
#include "kpu_driver.h"
#include "kpu_layout.h"
#include "ops_v4.h"

int kv4_kpu_conv2d(const uint64_t layer[12], int32_t batches, const uint8_t *bn, const uint8_t *act,
    const uint8_t *weights, const uint8_t *ai_sram, uint8_t *main_out) {
    uint64_t w[12];
    memcpy(w, layer, sizeof(w));
    kpu_args_t a;
    kpu_args_decode(w, &a);
    uint32_t src0 = a.src_line, dst0 = a.dst_line;
    uint32_t in_lines = kpu_layout_lines(a.ic, a.ih, a.iw), out_lines = kpu_layout_lines(a.oc, a.oh, a.ow);
    for (int32_t n = 0; n < batches; n++) {
        a.src_line = src0 + (uint32_t)n * in_lines;
        a.dst_line = dst0 + (uint32_t)n * out_lines;
        kpu_args_encode(&a, w);
        uint8_t args[96];
        memcpy(args, w, sizeof(args));   // little endian, as the file and both targets
        // no DMA stream (dma_out NULL): the driver sets int_en and clears send_data_out
        int r = kpu_driver_conv(args, weights, bn, act, NULL, 0);
        if (r) {
            return r;
        }
    }
    if (main_out) {
        int32_t shape[4] = { batches, (int32_t)a.oc, (int32_t)a.oh, (int32_t)a.ow };
        kv4_download_map(ai_sram + (size_t)dst0 * KPU_LINE_BYTES, main_out, shape);
    }
    return 0;
}

int kv4_node_kpu_conv2d(const uint8_t *body, uint32_t size, kv4_env_t *env) {
    if (kv4_need_body(env, size, 120, "kpu_conv2d")) {
        return -EINVAL;
    }
    kv4_mr_t mo = kv4_rd_mr(body);
    int32_t batches = kv4_rd_i32(body + 16);
    uint64_t w[12];
    for (int i = 0; i < 12; i++) {
        w[i] = kv4_rd_u64(body + 24 + 8 * i);
    }
    kpu_args_t a;
    kpu_args_decode(w, &a);
    if (batches < 1 || batches > 1024) {
        return kv4_fail(env, 16, "kpu_conv2d batches %d out of range 1..1024", (int)batches);
    }
    // the words as the compilers emit them, one map each (v4: 8-bit weights, never a DMA stream)
    char why[256];
    kpu_args_rules_t rules = { .wbytes = 1, .dma_out = 0 };
    if (kpu_args_check(w, &a, &rules, why, sizeof(why))) {
        return kv4_fail(env, 24, "%s", why);
    }
    // every batch's maps: disjoint and inside AI SRAM
    uint64_t src_b = (uint64_t)a.src_line * KPU_LINE_BYTES, dst_b = (uint64_t)a.dst_line * KPU_LINE_BYTES;
    uint64_t in_b = (uint64_t)batches * kv4_map_bytes(a.iw, a.ih, a.ic), out_b = (uint64_t)batches * kv4_map_bytes(a.ow, a.oh, a.oc);
    if (src_b < dst_b + out_b && dst_b < src_b + in_b) {
        return kv4_fail(env, 24 + 8, "input map [%llu, %llu) and output map [%llu, %llu) overlap in AI SRAM",
            (unsigned long long)src_b, (unsigned long long)(src_b + in_b), (unsigned long long)dst_b, (unsigned long long)(dst_b + out_b));
    }
    // the skips in the address fields: BN table, activation table and weights inside the body
    uint64_t bn_at = 120 + (uint64_t)a.bn_addr;
    uint64_t act_at = bn_at + 8ull * a.oc + a.act_addr;
    uint64_t w_at = act_at + 144 + a.weights_addr;
    uint64_t wn = (uint64_t)a.oc * kpu_args_weights_per_oc(&a, 1);
    if (w_at + wn > size) {
        return kv4_fail(env, 24 + 32, "BN table (%u x 8 B at %llu), activation table (144 B at %llu) and weights (%llu B at %llu) "
            "do not fit the %u-byte body", (unsigned)a.oc, (unsigned long long)bn_at, (unsigned long long)act_at,
            (unsigned long long)wn, (unsigned long long)w_at, (unsigned)size);
    }
    uint64_t in_end = src_b + in_b, out_end = dst_b + out_b;
    if (in_end > env->size[KV4_MEM_KPU] || out_end > env->size[KV4_MEM_KPU]) {
        return kv4_fail(env, 24 + 8, "input map (ends at %llu) or output map (ends at %llu) past the %u-byte AI SRAM",
            (unsigned long long)in_end, (unsigned long long)out_end, (unsigned)env->size[KV4_MEM_KPU]);
    }
    uint64_t out_bytes = (uint64_t)batches * a.oc * a.oh * a.ow;
    if (mo.size && kv4_check_mr(env, &mo, 0, "main_mem_output", KV4_DT_U8, out_bytes, 1)) {
        return -EINVAL;
    }
    if (!env->run) {
        return 0;
    }
    if (!env->kpu_ready) {
        int r = kpu_driver_begin(KPU_ACT_RULE_NNCASE02, 8);   // v4: nncase 0.2 rule, 8-bit weights
        if (r) {
            return kv4_fail(env, 24, "the KPU could not be started (error %d)", r);
        }
        env->kpu_ready = 1;
    }
    int r = kv4_kpu_conv2d(w, batches, body + bn_at, body + act_at, body + w_at, env->base[KV4_MEM_KPU],
        mo.size ? kv4_env_at(env, &mo) : NULL);
    if (r) {
        return kv4_fail(env, 24, "%s (%d)", r == -ENODEV ? "this firmware has no KPU behind the kpu_hw seam"
            : r == -ETIMEDOUT ? "the KPU did not finish in time" : r == -EINVAL ? "the KPU rejected the layer arguments"
            : r == -EFAULT ? "a weight table is outside SRAM" : "KPU error", r);
    }
    return 0;
}
