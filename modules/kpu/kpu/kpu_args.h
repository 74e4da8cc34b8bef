// The KPU codec: the 12 64-bit words of a layer argument (docs/kpu.md, "Layer argument") as
// named fields, encoded, decoded and checked against what the compilers (nncase 0.1 and 0.2)
// emit. v3 and v4 check their layers with it at load, the driver patches addresses with it,
// kpusim decodes the words it runs with it, and the fuzzer reaches it through the formats.
#ifndef KPU_ARGS_H
#define KPU_ARGS_H

#include <stddef.h>
#include <stdint.h>

#define KPU_ARGS_WORDS (12)

// Counts (channels, widths, heights, channels per load) are stored minus one in the words; here
// they are the real numbers. Addresses are as stored (bus addresses, or 0 / skips in a file).
typedef struct {
    uint32_t int_en, ram_flag, full_add, depthwise;                 // word 0
    uint32_t src_line, dst_line;                                    // 1: image_src/dst_addr (AI SRAM lines)
    uint32_t ic, oc, oc_per_load;                                   // 2: i_ch_num, o_ch_num, o_ch_num_coef
    uint32_t iw, ih, ow, oh;                                        // 3: i_row_wid, i_col_high, o_row_wid, o_col_high
    uint32_t kernel_type, pad_type, pool_type, first_stride;        // 4
    uint32_t bypass_conv, load_para, dma_burst_size, pad_value;
    uint32_t bn_addr;                                               //    bwsx_base_addr
    uint32_t load_coor, load_time, para_size, weights_addr;         // 5: para_start_addr = weights
    uint32_t coef_column_offset, coef_row_offset;                   // 6
    uint32_t chan_switch, row_switch, coef_size, coef_group;        // 7: input map layout
    uint32_t load_act, act_addr;
    uint32_t wb_chan_switch, wb_row_switch, wb_group;               // 8: output map layout
    uint32_t shr_w, shr_x;                                          // 9
    int32_t arg_w, arg_x;
    int64_t arg_add;                                                // 10
    uint32_t send_data_out, channel_byte_num, dma_total_byte;       // 11 (the last two stored as is)
} kpu_args_t;

void kpu_args_decode(const uint64_t w[KPU_ARGS_WORDS], kpu_args_t *a);
// Bits no field defines stay 0.
void kpu_args_encode(const kpu_args_t *a, uint64_t w[KPU_ARGS_WORDS]);

// The layer's kernel size (1 or 3), pool stride (1, 2 or 4) and output size after pooling.
static inline uint32_t kpu_args_kernel(const kpu_args_t *a) {
    return a->kernel_type == 1 ? 3 : 1;
}
uint32_t kpu_pool_stride(uint32_t pool_type);
// Pool types 8 and 9 (stride 1, 2x2 window) read one conv row past their output row.
static inline uint32_t kpu_pool_extra_row(uint32_t pool_type) {
    return pool_type == 8 || pool_type == 9;
}
// Weight bytes of one output channel (wbytes = 1 for 8-bit weights, 2 for 16-bit).
static inline uint32_t kpu_args_weights_per_oc(const kpu_args_t *a, uint32_t wbytes) {
    uint32_t k = kpu_args_kernel(a);
    return (a->depthwise ? 1 : a->ic) * k * k * wbytes;
}

// Narrows a decoded (non-depthwise) layer to its output channels [c0, c0 + g): the output map
// starts at channel c0's line (c0 a multiple of wb_group), loads of at most the file's channels
// per load, the DMA word for g channels. Weights, BN and DMA addresses are the caller's (offset
// by c0). A streamed layer larger than its buffer runs as such groups (core/kpu_stream.h).
void kpu_args_channel_group(kpu_args_t *a, uint32_t c0, uint32_t g);

// What kpu_args_check should hold the words to.
typedef struct {
    uint32_t wbytes;        // 1 or 2 (v3 header flag bit 0 clear: 16-bit weights)
    int dma_out;            // the layer streams its output to main memory: check the DMA word
} kpu_args_rules_t;

// Checks decoded words against what the compilers emit and what the KPU can address: reserved
// bits and undocumented modes clear, kernel and pool types that exist, an output size that the
// pool gives, layout fields describing the maps, both maps inside AI SRAM and disjoint, weight
// loads that cover the output channels, the DMA word when it streams. Addresses are not looked
// at (a file stores 0 or skips there). 0, or -EINVAL with why (naming the field and values).
int kpu_args_check(const uint64_t w[KPU_ARGS_WORDS], const kpu_args_t *a, const kpu_args_rules_t *rules,
    char *why, size_t why_len);

#endif
