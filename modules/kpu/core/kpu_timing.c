// Predicted silicon time of a layer (see scripts/k210tools/kmodel/timing.py for the full
// argument; the two must give the same numbers).
// KPU layer: the KPU streams its input map one 64-byte AI SRAM line per clock through the 3x3
// window against one output channel's weights; a line holds 64 columns of one row, or the
// rows of 2 (W <= 32) or 4 (W <= 16) channels (docs/kpu.md, "AI SRAM layout"). So a normal
// convolution costs (input lines) x (output channels) clocks, a depthwise one (input lines);
// kernel size does not change it and pooling is in the write-back pipeline. Plus a fixed cost
// per layer and, for an output to main memory, the CPU's copy of it.
// CPU layer: a per-element cost for its op on a 400 MHz RV64 core.
#include <string.h>

#include "kpu_timing.h"

#define KPU_LAYER_CYCLES 4000u
#define KPU_CYCLES_PER_LINE 1u
#define MAIN_OUT_CYCLES_PER_BYTE 4u
#define CPU_LAYER_CYCLES 2000u
#define CPU_CYCLES_DEFAULT 10u

typedef struct {
    const char *name;
    uint16_t cycles;
} op_cost_t;

// Per output (or input, whichever is larger) element.
static const op_cost_t per_element[] = {
    { "DEQUANTIZE", 8 }, { "dequantize", 8 }, { "QUANTIZE", 12 }, { "quantize", 12 }, { "REQUANTIZE", 6 },
    { "SOFTMAX", 60 }, { "softmax", 60 }, { "LOGISTIC", 60 }, { "L2_NORMALIZATION", 20 },
    { "CONCAT", 2 }, { "QUANTIZED_CONCAT", 2 }, { "concat", 2 }, { "memory_copy", 2 }, { "transpose", 6 },
    { "pad", 3 }, { "strided_slice", 4 }, { "resize_image", 8 }, { "RESIZE_NEAREST_NEIGHBOR", 8 },
    { "QUANTIZED_RESIZE_NEAREST_NEIGHBOR", 6 }, { "binary", 10 }, { "quantized_binary", 12 }, { "ADD", 10 },
    { "QUANTIZED_ADD", 12 }, { "unary", 40 }, { "table_lookup1d", 4 }, { "reduce", 8 }, { "reduce_window2d", 20 },
    { "K210_ADD_PADDING", 4 }, { "K210_REMOVE_PADDING", 4 }, { "K210_UPLOAD", 2 }, { "kpu_upload", 2 },
    { "TENSORFLOW_FLATTEN", 3 }, { "GLOBAL_AVERAGE_POOL2D", 6 }, { "QUANTIZED_MAX_POOL2D", 12 },
    { "AVERAGE_POOL2D", 12 }, { "CHANNELWISE_DEQUANTIZE", 8 },
    // convolutions the KPU cannot do (3x3 depthwise stride 2): about 9 MACs per output element
    { "conv2d", 40 }, { "quantized_conv2d", 50 }, { "conv2d_transpose", 40 },
};

// Per multiply-accumulate (input elements x output elements).
static const op_cost_t per_mac[] = {
    { "FULLY_CONNECTED", 4 }, { "matmul", 4 }, { "quantized_matmul", 6 },
};

static int find(const op_cost_t *t, size_t n, const char *name) {
    for (size_t i = 0; name != NULL && i < n; i++) {
        if (strcmp(t[i].name, name) == 0) {
            return (int)t[i].cycles;
        }
    }
    return -1;
}

static uint64_t quarter_lines_per_row(uint32_t w) {
    return w <= 16 ? 1 : w <= 32 ? 2 : 4 * (uint64_t)((w + 63) / 64);
}

static uint64_t elems(const kmodel_tensor_t *t) {
    return (uint64_t)t->c * t->h * t->w;
}

uint64_t kpu_timing_cycles(const kmodel_layer_info_t *info) {
    if (info->on_kpu) {
        uint64_t quarters = (uint64_t)info->in.h * quarter_lines_per_row(info->in.w) * info->in.c;
        uint64_t passes = info->depthwise ? 1 : info->out.c;
        uint64_t cycles = KPU_LAYER_CYCLES + quarters * passes * KPU_CYCLES_PER_LINE / 4;
        if (info->main_out) {
            cycles += elems(&info->out) * MAIN_OUT_CYCLES_PER_BYTE * (KPU_TIMING_KPU_HZ / 1000u)
                / (KPU_TIMING_CPU_HZ / 1000u);
        }
        return cycles;
    }
    uint64_t n_in = elems(&info->in), n_out = elems(&info->out);
    int mac = find(per_mac, sizeof(per_mac) / sizeof(per_mac[0]), info->name);
    if (mac >= 0) {
        return CPU_LAYER_CYCLES + n_in * n_out * (uint64_t)mac;
    }
    int per = find(per_element, sizeof(per_element) / sizeof(per_element[0]), info->name);
    return CPU_LAYER_CYCLES + (n_in > n_out ? n_in : n_out) * (uint64_t)(per >= 0 ? per : (int)CPU_CYCLES_DEFAULT);
}

uint64_t kpu_timing_ns(const kmodel_layer_info_t *info) {
    uint64_t hz = info->on_kpu ? KPU_TIMING_KPU_HZ : KPU_TIMING_CPU_HZ;
    return kpu_timing_cycles(info) * 1000000000u / hz;
}
