// Decoding and checking the 12 layer-argument words for the behavioural KPU, through the core's
// codec (modules/kpu/kpu/kpu_args.c; docs/kpu.md, "Layer argument").
// Silicon takes whatever it is given: a field out of range, a pointer outside SRAM or a mode
// nobody documented makes it read or write the wrong bytes without any error. The behavioural
// KPU instead refuses such words with -EINVAL, so a driver or loader bug shows up as an error
// on the simulated board rather than as silently different numbers.
#include <errno.h>
#include <string.h>

#include "kpu_sim.h"

// Weights, BN and activation tables live in general SRAM (cached 0x80... or uncached 0x40...
// alias); AI SRAM holds only feature maps, so a parameter pointer into it is a driver bug.
static const uint8_t *param_ptr(uint32_t addr, size_t n, const uint8_t *ai_sram) {
    const uint8_t *p = kpu_mem_cpu_ptr(addr, n);
    if (p == NULL) {
        return NULL;
    }
    if (ai_sram != NULL && p + n > ai_sram && p < ai_sram + K210_AI_SRAM_BYTES) {
        return NULL;
    }
    return p;
}

int kpu_sim_decode(const uint64_t args[12], uint8_t *ai_sram, int eight_bit,
    kpu_act_rule_t rule, kpu_sim_layer_t *L) {
    memset(L, 0, sizeof(*L));
    kpu_args_t a;
    kpu_args_decode(args, &a);
    // What the compilers emit and the KPU can address, as the loaders check it at load; the DMA
    // word only when the layer streams its output.
    kpu_args_rules_t rules = { .wbytes = eight_bit ? 1 : 2, .dma_out = a.send_data_out != 0 };
    char why[256];
    if (kpu_args_check(args, &a, &rules, why, sizeof(why)) != 0) {
        return -EINVAL;
    }
    L->depthwise = (int)a.depthwise;
    L->k = (int)kpu_args_kernel(&a);
    L->pool = (int)a.pool_type;
    L->pad_value = (uint8_t)a.pad_value;
    kpu_sim_map_init(&L->in, a.src_line, (int)a.ic, (int)a.ih, (int)a.iw);
    kpu_sim_map_init(&L->out, a.dst_line, (int)a.oc, (int)a.oh, (int)a.ow);
    L->in.base = ai_sram + (size_t)L->in.line * KPU_LINE_BYTES;
    L->out.base = ai_sram + (size_t)L->out.line * KPU_LINE_BYTES;

    L->weight_bytes = (int)rules.wbytes;
    L->weights = param_ptr(a.weights_addr, (size_t)a.oc * kpu_args_weights_per_oc(&a, rules.wbytes), ai_sram);
    L->bn = param_ptr(a.bn_addr, (size_t)a.oc * 8, ai_sram);
    const uint8_t *act = param_ptr(a.act_addr, 144, ai_sram);
    if (L->weights == NULL || L->bn == NULL || act == NULL) {
        return -EINVAL;
    }
    kpu_sim_act_decode(&L->act, act, rule);

    L->shr_w = a.shr_w;
    L->shr_x = a.shr_x;
    L->arg_w = a.arg_w;
    L->arg_x = a.arg_x;
    L->arg_add = a.arg_add;
    L->send_data_out = (int)a.send_data_out;
    L->dma_bytes = a.dma_total_byte + 1;
    return 0;
}
