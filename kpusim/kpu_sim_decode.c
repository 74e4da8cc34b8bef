// Decoding and checking the 12 layer-argument words (docs/kmodel-spec.md 3.2).
// Silicon takes whatever it is given: a field out of range, a pointer outside SRAM or a mode
// nobody documented makes it read or write the wrong bytes without any error. The behavioural
// KPU instead refuses such words with -EINVAL, so a driver or loader bug shows up as an error
// on the simulated board rather than as silently different numbers.
#include <errno.h>
#include <string.h>

#include "kpu_sim.h"
#include "kpu_mem.h"

static uint32_t bits(uint64_t w, unsigned lo, unsigned hi) {
    return (uint32_t)((w >> lo) & ((((uint64_t)1) << (hi - lo + 1)) - 1));
}

static int64_t sbits(uint64_t w, unsigned lo, unsigned hi) {
    unsigned n = hi - lo + 1;
    uint64_t v = (w >> lo) & ((((uint64_t)1) << n) - 1);
    uint64_t m = (uint64_t)1 << (n - 1);
    return (int64_t)((v ^ m) - m);
}

// Masks of the bits each word defines; anything else is reserved and must be 0.
static const uint64_t defined_bits[12] = {
    0xFull,                                   // int_en, ram_flag, full_add, depth_wise_layer
    0x00007FFF00007FFFull,                    // image_src_addr, image_dst_addr
    0x03FF03FF000003FFull,                    // i_ch_num, o_ch_num, o_ch_num_coef
    0x0007FFFF0007FFFFull,                    // i_row_wid, i_col_high, o_row_wid, o_col_high
    0xFFFFFFFFFFFF07FFull,                    // kernel/pool cfg, burst, pad_value, bwsx_base_addr
    0xFFFFFFFFFFFF807Full,                    // load_coor, load_time, para_size, para_start_addr
    0x000000000000FFFFull,                    // coef_column_offset, coef_row_offset
    0xFFFFFFFFFFFF7FFFull,                    // channel/row switch, coef_size/group, load_act, active_addr
    0x00000000007F7FFFull,                    // wb_channel_switch_addr, wb_row_switch_addr, wb_group
    0x00FFFFFFFFFFFFFFull,                    // shr_w, shr_x, arg_w, arg_x
    0x000000FFFFFFFFFFull,                    // arg_add
    0xFFFFFFFFFFFF0001ull,                    // send_data_out, channel_byte_num, dma_total_byte
};

// Weights, BN and activation tables live in general SRAM (cached 0x80... or uncached 0x40...
// alias); AI SRAM holds only feature maps, so a parameter pointer into it is a driver bug.
static const uint8_t *param_ptr(uint32_t addr, size_t n, const uint8_t *ai_sram) {
    const uint8_t *p = kpu_mem_cpu_ptr(addr, n);
    if (p == NULL) {
        return NULL;
    }
    if (ai_sram != NULL && p + n > ai_sram && p < ai_sram + (size_t)KPU_SIM_LINES * KPU_SIM_LINE_BYTES) {
        return NULL;
    }
    return p;
}

// The layout fields the compiler writes must describe the spec 3.4 layout of the map: the
// behavioural KPU (and every reader of AI SRAM: uploads, downloads, the reference) uses that
// layout, so words that describe another one would be read differently by silicon.
static int layout_matches(const kpu_sim_map_t *m, uint32_t chan_switch, uint32_t row_switch,
    uint32_t group) {
    return chan_switch == (uint32_t)m->row_len * (uint32_t)m->h
        && row_switch == (uint32_t)m->row_len
        && group == (uint32_t)m->groups;
}

int kpu_sim_decode(const uint64_t args[12], uint8_t *ai_sram, int eight_bit,
    kpu_act_rule_t rule, kpu_sim_layer_t *L) {
    memset(L, 0, sizeof(*L));
    for (int i = 0; i < 12; i++) {
        if (args[i] & ~defined_bits[i]) {
            return -EINVAL;   // reserved bits: no compiler sets them, meaning unknown
        }
    }
    // Modes the compilers never set and no public source describes (spec 3.5, 7.2): ram_flag,
    // full_add (one raw accumulator per channel instead of a map), pad_type, first_stride,
    // bypass_conv, kernel offsets, coef_size. Their effect on silicon is unknown, so there is
    // nothing to be bit-exact with.
    if (bits(args[0], 1, 1) || bits(args[0], 2, 2)
        || bits(args[4], 3, 3) || bits(args[4], 8, 8) || bits(args[4], 9, 9)
        || args[6] != 0 || bits(args[7], 20, 27) != 0) {
        return -EINVAL;
    }
    // Parameter loading is always on in compiled layers; with it off silicon would reuse
    // whatever the previous layer left in its weight/BN/activation buffers.
    if (bits(args[4], 10, 10) != 1 || bits(args[5], 0, 0) != 1 || bits(args[7], 31, 31) != 1) {
        return -EINVAL;
    }

    L->depthwise = (int)bits(args[0], 3, 3);
    uint32_t kernel_type = bits(args[4], 0, 2);
    if (kernel_type > 1) {
        return -EINVAL;   // only 1x1 (0) and 3x3 (1) exist
    }
    L->k = kernel_type ? 3 : 1;
    L->pool = (int)bits(args[4], 4, 7);
    if (L->pool > 9) {
        return -EINVAL;
    }
    L->pad_value = (uint8_t)bits(args[4], 24, 31);

    int ic = (int)bits(args[2], 0, 9) + 1;
    int oc = (int)bits(args[2], 32, 41) + 1;
    int iw = (int)bits(args[3], 0, 9) + 1, ih = (int)bits(args[3], 10, 18) + 1;
    int ow = (int)bits(args[3], 32, 41) + 1, oh = (int)bits(args[3], 42, 50) + 1;
    if (iw > KPU_SIM_MAX_ROW_LEN * 64 || ow > KPU_SIM_MAX_ROW_LEN * 64) {
        return -EINVAL;   // a row wider than 15 lines cannot be addressed (4-bit row switch)
    }
    if (L->depthwise && oc != ic) {
        return -EINVAL;
    }
    int s = kpu_sim_pool_stride(L->pool);
    if (ow != iw / s || oh != ih / s) {
        return -EINVAL;   // silicon would write a map of another size than the words declare
    }

    // Feature maps: inside the 2 MiB, in the layout their switch fields describe, disjoint
    // (silicon streams rows; an overlapping output would depend on its internal order).
    kpu_sim_map_init(&L->in, bits(args[1], 0, 14), ic, ih, iw);
    kpu_sim_map_init(&L->out, bits(args[1], 32, 46), oc, oh, ow);
    if (!layout_matches(&L->in, bits(args[7], 0, 14), bits(args[7], 16, 19), bits(args[7], 28, 30))
        || !layout_matches(&L->out, bits(args[8], 0, 14), bits(args[8], 16, 19), bits(args[8], 20, 22))) {
        return -EINVAL;
    }
    if (L->in.line + L->in.lines > KPU_SIM_LINES || L->out.line + L->out.lines > KPU_SIM_LINES) {
        return -EINVAL;
    }
    if (L->in.line < L->out.line + L->out.lines && L->out.line < L->in.line + L->in.lines) {
        return -EINVAL;
    }
    L->in.base = ai_sram + (size_t)L->in.line * KPU_SIM_LINE_BYTES;
    L->out.base = ai_sram + (size_t)L->out.line * KPU_SIM_LINE_BYTES;

    // Weight loads (spec 3.2): n output channels per load, para_size bytes per full load,
    // load_time + 1 loads. Inconsistent figures make silicon load the wrong weights.
    L->weight_bytes = eight_bit ? 1 : 2;
    size_t per_oc = (size_t)(L->depthwise ? 1 : ic) * (size_t)(L->k * L->k) * (size_t)L->weight_bytes;
    uint32_t n = bits(args[2], 48, 57) + 1;
    uint32_t para_size = bits(args[5], 15, 31);
    uint32_t load_time = bits(args[5], 1, 6);
    if (L->depthwise) {
        if (n != (uint32_t)oc || load_time != 0) {
            return -EINVAL;
        }
    } else if (n > (uint32_t)oc || load_time != ((uint32_t)oc + n - 1) / n - 1) {
        return -EINVAL;
    }
    if (para_size != n * per_oc || para_size > KPU_SIM_WEIGHT_LOAD * (uint32_t)L->weight_bytes) {
        return -EINVAL;
    }

    L->weights = param_ptr(bits(args[5], 32, 63), (size_t)oc * per_oc, ai_sram);
    L->bn = param_ptr(bits(args[4], 32, 63), (size_t)oc * 8, ai_sram);
    const uint8_t *act = param_ptr(bits(args[7], 32, 63), 144, ai_sram);
    if (L->weights == NULL || L->bn == NULL || act == NULL) {
        return -EINVAL;
    }
    kpu_sim_act_decode(&L->act, act, rule);

    L->shr_w = bits(args[9], 0, 3);
    L->shr_x = bits(args[9], 4, 7);
    L->arg_w = (int32_t)sbits(args[9], 8, 31);
    L->arg_x = (int32_t)sbits(args[9], 32, 55);
    L->arg_add = sbits(args[10], 0, 39);

    // DMA output: the stream is the whole pooled map, channel by channel.
    L->send_data_out = (int)bits(args[11], 0, 0);
    L->dma_bytes = bits(args[11], 32, 63) + 1;
    if (L->send_data_out) {
        uint32_t plane = (uint32_t)ow * (uint32_t)oh;
        if (plane > 65536 || bits(args[11], 16, 31) != plane - 1
            || L->dma_bytes != plane * (uint32_t)oc) {
            return -EINVAL;
        }
    }
    return 0;
}
