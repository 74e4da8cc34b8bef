// The KPU codec (kpu_args.h). Field positions: docs/kpu.md, "Layer argument".
#include <errno.h>
#include <stdio.h>

#include "kpu_args.h"
#include "kpu_layout.h"

// Bits [lo, lo + n) of a word, zero- or sign-extended; and the word with them replaced.
static uint64_t field(uint64_t w, unsigned lo, unsigned n) {
    return (w >> lo) & (n == 64 ? ~0ull : (1ull << n) - 1);
}
static int64_t sfield(uint64_t w, unsigned lo, unsigned n) {
    uint64_t v = field(w, lo, n), m = 1ull << (n - 1);
    return (int64_t)((v ^ m) - m);
}
static uint64_t put(uint64_t v, unsigned lo, unsigned n) {
    return (v & (n == 64 ? ~0ull : (1ull << n) - 1)) << lo;
}

// The bits each word defines; any other bit is reserved (no compiler sets one).
static const uint64_t defined_bits[KPU_ARGS_WORDS] = {
    0x000000000000000Full, 0x00007FFF00007FFFull, 0x03FF03FF000003FFull, 0x0007FFFF0007FFFFull,
    0xFFFFFFFFFFFF07FFull, 0xFFFFFFFFFFFF807Full, 0x000000000000FFFFull, 0xFFFFFFFFFFFF7FFFull,
    0x00000000007F7FFFull, 0x00FFFFFFFFFFFFFFull, 0x000000FFFFFFFFFFull, 0xFFFFFFFFFFFF0001ull,
};

void kpu_args_decode(const uint64_t w[KPU_ARGS_WORDS], kpu_args_t *a) {
    a->int_en = field(w[0], 0, 1);
    a->ram_flag = field(w[0], 1, 1);
    a->full_add = field(w[0], 2, 1);
    a->depthwise = field(w[0], 3, 1);
    a->src_line = field(w[1], 0, 15);
    a->dst_line = field(w[1], 32, 15);
    a->ic = field(w[2], 0, 10) + 1;
    a->oc = field(w[2], 32, 10) + 1;
    a->oc_per_load = field(w[2], 48, 10) + 1;
    a->iw = field(w[3], 0, 10) + 1;
    a->ih = field(w[3], 10, 9) + 1;
    a->ow = field(w[3], 32, 10) + 1;
    a->oh = field(w[3], 42, 9) + 1;
    a->kernel_type = field(w[4], 0, 3);
    a->pad_type = field(w[4], 3, 1);
    a->pool_type = field(w[4], 4, 4);
    a->first_stride = field(w[4], 8, 1);
    a->bypass_conv = field(w[4], 9, 1);
    a->load_para = field(w[4], 10, 1);
    a->dma_burst_size = field(w[4], 16, 8);
    a->pad_value = field(w[4], 24, 8);
    a->bn_addr = field(w[4], 32, 32);
    a->load_coor = field(w[5], 0, 1);
    a->load_time = field(w[5], 1, 6);
    a->para_size = field(w[5], 15, 17);
    a->weights_addr = field(w[5], 32, 32);
    a->coef_column_offset = field(w[6], 0, 4);
    a->coef_row_offset = field(w[6], 4, 12);
    a->chan_switch = field(w[7], 0, 15);
    a->row_switch = field(w[7], 16, 4);
    a->coef_size = field(w[7], 20, 8);
    a->coef_group = field(w[7], 28, 3);
    a->load_act = field(w[7], 31, 1);
    a->act_addr = field(w[7], 32, 32);
    a->wb_chan_switch = field(w[8], 0, 15);
    a->wb_row_switch = field(w[8], 16, 4);
    a->wb_group = field(w[8], 20, 3);
    a->shr_w = field(w[9], 0, 4);
    a->shr_x = field(w[9], 4, 4);
    a->arg_w = (int32_t)sfield(w[9], 8, 24);
    a->arg_x = (int32_t)sfield(w[9], 32, 24);
    a->arg_add = sfield(w[10], 0, 40);
    a->send_data_out = field(w[11], 0, 1);
    a->channel_byte_num = field(w[11], 16, 16);
    a->dma_total_byte = field(w[11], 32, 32);
}

void kpu_args_encode(const kpu_args_t *a, uint64_t w[KPU_ARGS_WORDS]) {
    w[0] = put(a->int_en, 0, 1) | put(a->ram_flag, 1, 1) | put(a->full_add, 2, 1) | put(a->depthwise, 3, 1);
    w[1] = put(a->src_line, 0, 15) | put(a->dst_line, 32, 15);
    w[2] = put(a->ic - 1, 0, 10) | put(a->oc - 1, 32, 10) | put(a->oc_per_load - 1, 48, 10);
    w[3] = put(a->iw - 1, 0, 10) | put(a->ih - 1, 10, 9) | put(a->ow - 1, 32, 10) | put(a->oh - 1, 42, 9);
    w[4] = put(a->kernel_type, 0, 3) | put(a->pad_type, 3, 1) | put(a->pool_type, 4, 4)
        | put(a->first_stride, 8, 1) | put(a->bypass_conv, 9, 1) | put(a->load_para, 10, 1)
        | put(a->dma_burst_size, 16, 8) | put(a->pad_value, 24, 8) | put(a->bn_addr, 32, 32);
    w[5] = put(a->load_coor, 0, 1) | put(a->load_time, 1, 6) | put(a->para_size, 15, 17)
        | put(a->weights_addr, 32, 32);
    w[6] = put(a->coef_column_offset, 0, 4) | put(a->coef_row_offset, 4, 12);
    w[7] = put(a->chan_switch, 0, 15) | put(a->row_switch, 16, 4) | put(a->coef_size, 20, 8)
        | put(a->coef_group, 28, 3) | put(a->load_act, 31, 1) | put(a->act_addr, 32, 32);
    w[8] = put(a->wb_chan_switch, 0, 15) | put(a->wb_row_switch, 16, 4) | put(a->wb_group, 20, 3);
    w[9] = put(a->shr_w, 0, 4) | put(a->shr_x, 4, 4) | put((uint64_t)(int64_t)a->arg_w, 8, 24)
        | put((uint64_t)(int64_t)a->arg_x, 32, 24);
    w[10] = put((uint64_t)a->arg_add, 0, 40);
    w[11] = put(a->send_data_out, 0, 1) | put(a->channel_byte_num, 16, 16) | put(a->dma_total_byte, 32, 32);
}

uint32_t kpu_pool_stride(uint32_t pool_type) {
    switch (pool_type) {
        case 1: case 2: case 5: case 6: return 2;
        case 3: case 4: case 7: return 4;
        default: return 1;   // 0 (no pooling), 8, 9
    }
}

#define WHY(...) (snprintf(why, why_len, __VA_ARGS__), -EINVAL)

static int map_in_range(const char *what, uint32_t line, uint32_t c, uint32_t h, uint32_t w, char *why, size_t why_len) {
    uint32_t lines = kpu_layout_lines(c, h, w);
    if (line + lines > KPU_LINES) {
        return WHY("%s map %lux%lux%lu at AI SRAM line %lu needs %lu lines, past the 2 MiB end (line %u)", what,
            (unsigned long)c, (unsigned long)h, (unsigned long)w, (unsigned long)line, (unsigned long)lines, KPU_LINES);
    }
    return 0;
}

int kpu_args_check(const uint64_t w[KPU_ARGS_WORDS], const kpu_args_t *a, const kpu_args_rules_t *rules,
    char *why, size_t why_len) {
    for (unsigned i = 0; i < KPU_ARGS_WORDS; i++) {
        if (w[i] & ~defined_bits[i]) {
            return WHY("reserved bits 0x%llx set in argument word %u (no compiler sets them)",
                (unsigned long long)(w[i] & ~defined_bits[i]), i);
        }
    }
    // Modes no compiler sets and no public source describes: their effect on silicon is unknown.
    if (a->ram_flag || a->full_add || a->pad_type || a->first_stride || a->bypass_conv || w[6] != 0
        || a->coef_size != 0) {
        return WHY("undocumented KPU mode set (ram_flag %lu, full_add %lu, pad_type %lu, first_stride %lu, "
            "bypass_conv %lu, kernel offsets 0x%llx, coef_size %lu)", (unsigned long)a->ram_flag,
            (unsigned long)a->full_add, (unsigned long)a->pad_type, (unsigned long)a->first_stride,
            (unsigned long)a->bypass_conv, (unsigned long long)w[6], (unsigned long)a->coef_size);
    }
    // With parameter loading off silicon would reuse the previous layer's weights/BN/activation.
    if (!a->load_para || !a->load_coor || !a->load_act) {
        return WHY("parameter loading off (load_para %lu, load_coor %lu, load_act %lu; compilers set all three)",
            (unsigned long)a->load_para, (unsigned long)a->load_coor, (unsigned long)a->load_act);
    }
    if (a->kernel_type > 1) {
        return WHY("kernel_type %lu (only 0 = 1x1 and 1 = 3x3 exist)", (unsigned long)a->kernel_type);
    }
    if (a->pool_type > 9) {
        return WHY("pool_type %lu (0..9 exist)", (unsigned long)a->pool_type);
    }
    if (a->depthwise && a->ic != a->oc) {
        return WHY("depthwise layer with %lu input and %lu output channels", (unsigned long)a->ic, (unsigned long)a->oc);
    }
    if (a->iw > KPU_MAX_WIDTH || a->ow > KPU_MAX_WIDTH) {
        return WHY("map width %lu exceeds %u (15 lines per row)", (unsigned long)(a->iw > a->ow ? a->iw : a->ow),
            KPU_MAX_WIDTH);
    }
    uint32_t s = kpu_pool_stride(a->pool_type);
    if (a->ow != a->iw / s || a->oh != a->ih / s || a->ow == 0 || a->oh == 0) {
        return WHY("output %lux%lu does not match pool_type %lu of the %lux%lu input (gives %lux%lu)",
            (unsigned long)a->ow, (unsigned long)a->oh, (unsigned long)a->pool_type, (unsigned long)a->iw,
            (unsigned long)a->ih, (unsigned long)(a->iw / s), (unsigned long)(a->ih / s));
    }
    // The layout fields must describe the layout every reader of AI SRAM uses (kpu_layout.h).
    if (a->chan_switch != kpu_layout_row_len(a->iw) * a->ih || a->row_switch != kpu_layout_row_len(a->iw)
        || a->coef_group != kpu_layout_groups(a->iw)) {
        return WHY("input layout fields (channel_switch %lu, row_switch %lu, coef_group %lu) do not describe "
            "a %lux%lu map", (unsigned long)a->chan_switch, (unsigned long)a->row_switch,
            (unsigned long)a->coef_group, (unsigned long)a->iw, (unsigned long)a->ih);
    }
    if (a->wb_chan_switch != kpu_layout_row_len(a->ow) * a->oh || a->wb_row_switch != kpu_layout_row_len(a->ow)
        || a->wb_group != kpu_layout_groups(a->ow)) {
        return WHY("write-back layout fields (channel_switch %lu, row_switch %lu, group %lu) do not describe "
            "a %lux%lu map", (unsigned long)a->wb_chan_switch, (unsigned long)a->wb_row_switch,
            (unsigned long)a->wb_group, (unsigned long)a->ow, (unsigned long)a->oh);
    }
    int r;
    if ((r = map_in_range("input", a->src_line, a->ic, a->ih, a->iw, why, why_len)) != 0
        || (r = map_in_range("output", a->dst_line, a->oc, a->oh, a->ow, why, why_len)) != 0) {
        return r;
    }
    // Silicon streams rows: an output overlapping the input would depend on its internal order.
    uint32_t in_lines = kpu_layout_lines(a->ic, a->ih, a->iw), out_lines = kpu_layout_lines(a->oc, a->oh, a->ow);
    if (a->src_line < a->dst_line + out_lines && a->dst_line < a->src_line + in_lines) {
        return WHY("input map (lines %lu..%lu) and output map (lines %lu..%lu) overlap in AI SRAM",
            (unsigned long)a->src_line, (unsigned long)(a->src_line + in_lines), (unsigned long)a->dst_line,
            (unsigned long)(a->dst_line + out_lines));
    }
    // Weight loads: oc_per_load channels per load, para_size bytes per full load, load_time + 1 loads.
    uint32_t n = a->oc_per_load, expect = n * kpu_args_weights_per_oc(a, rules->wbytes);
    int loads_ok = a->depthwise ? n == a->oc && a->load_time == 0
                                : n <= a->oc && a->load_time == (a->oc + n - 1) / n - 1;
    if (!loads_ok || a->para_size != expect || a->para_size > KPU_WEIGHT_LOAD_BYTES * rules->wbytes) {
        return WHY("weight loads (%lu channels per load, para_size %lu, load_time %lu) do not match %lu output "
            "channels (para_size %lu expected, at most %lu)", (unsigned long)n, (unsigned long)a->para_size,
            (unsigned long)a->load_time, (unsigned long)a->oc, (unsigned long)expect,
            (unsigned long)(KPU_WEIGHT_LOAD_BYTES * rules->wbytes));
    }
    if (rules->dma_out) {   // the stream is the whole pooled map, channel by channel
        uint32_t plane = a->ow * a->oh;
        if (plane > 65536 || a->channel_byte_num != plane - 1 || a->dma_total_byte != plane * a->oc - 1) {
            return WHY("DMA word (channel_byte_num %lu, dma_total_byte %lu) does not match the %lux%lux%lu output",
                (unsigned long)a->channel_byte_num, (unsigned long)a->dma_total_byte, (unsigned long)a->oc,
                (unsigned long)a->oh, (unsigned long)a->ow);
        }
    }
    return 0;
}

void kpu_args_channel_group(kpu_args_t *a, uint32_t c0, uint32_t g) {
    uint32_t per_oc = a->para_size / a->oc_per_load;
    uint32_t n = a->oc_per_load < g ? a->oc_per_load : g;
    a->dst_line += c0 / a->wb_group * a->wb_chan_switch;
    a->oc = g;
    a->oc_per_load = n;
    a->load_time = (g + n - 1) / n - 1;
    a->para_size = n * per_oc;
    if (a->dma_total_byte != 0) {
        a->dma_total_byte = (a->channel_byte_num + 1) * g - 1;
    }
}
