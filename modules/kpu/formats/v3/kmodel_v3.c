// kmodel v3 (nncase 0.1) as a kmodel format: prepare a loaded image, run its layers in file
// order (CPU layers here, K210_CONV through the KPU driver), and read outputs back.
#include <errno.h>
#include <string.h>

#include "kmodel_v3.h"
#include "kpu_stream.h"
#include "kpu_driver.h"
#include "kpu_layout.h"
#include "kernels.h"
#include "ops/ops_v3.h"

#define HDR_LAYERS(img)   kv3_u32((img) + 12)
#define HDR_OUTPUTS(img)  kv3_u32((img) + 24)

typedef struct {
    const kmodel_t *m;
    uint32_t i, type, size;
    uint32_t off;                // the body's file offset
    const uint8_t *body;
} walk_t;

// The bytes at file offset off: the image as loaded, or its resident part when the model
// streams its weights (they are cut out of the image; kpu_stream.h).
static const uint8_t *at(const kmodel_t *m, uint32_t off) {
    return m->image + (m->stream ? kpu_stream_resident_off(m->stream, off) : off);
}

static void walk_start(walk_t *w, const kmodel_t *m) {
    w->m = m;
    w->i = 0;
    w->off = KV3_HEADER_BYTES + 8 * (HDR_OUTPUTS(m->image) + HDR_LAYERS(m->image));
    w->body = at(m, w->off);
    const uint8_t *l = m->image + KV3_HEADER_BYTES + 8 * HDR_OUTPUTS(m->image);
    w->type = kv3_u32(l);
    w->size = kv3_u32(l + 4);
}

static void walk_next(walk_t *w) {
    w->off += w->size;
    w->body = at(w->m, w->off);
    w->i++;
    if (w->i < w->m->layers) {
        const uint8_t *l = w->m->image + KV3_HEADER_BYTES + 8 * (HDR_OUTPUTS(w->m->image) + w->i);
        w->type = kv3_u32(l);
        w->size = kv3_u32(l + 4);
    }
}

static void walk_to(walk_t *w, const kmodel_t *m, uint32_t i) {
    walk_start(w, m);
    while (w->i < i) {
        walk_next(w);
    }
}

static void decode_conv(const kmodel_t *m, const uint8_t *body, kv3_conv_t *cv) {
    kv3_conv_decode(body, at(m, kv3_u32(body + 8)), (kv3_u32(m->image + 4) & KV3_FLAG_8BIT) ? 1 : 2, cv);
}

static void io_of(const kmodel_t *m, const walk_t *w, kmodel_tensor_t *in, kv3_out_t *out) {
    kv3_conv_t cv;
    if (w->type == KV3_K210_CONV) {
        decode_conv(m, w->body, &cv);
    }
    kv3_layer_io(w->type, w->body, &cv, in, out);
    if (w->type == KV3_CONCAT || w->type == KV3_QUANTIZED_CONCAT) {
        uint32_t n = kv3_u32(w->body + 8), total = 0;
        for (uint32_t k = 0; k < n; k++) {
            total += kv3_u32(w->body + 12 + 8 * k + 4);
        }
        bool f = w->type == KV3_CONCAT && total % 4 == 0;
        out->t = (kmodel_tensor_t) { f ? KMODEL_F32 : KMODEL_U8, f ? total / 4 : total, 1, 1, total };
        *in = out->t;
    }
}

static int v3_prepare(kmodel_t *m, kmodel_err_t *e) {
    (void)e;
    m->layers = HDR_LAYERS(m->image);
    m->outputs = HDR_OUTPUTS(m->image);
    walk_t w;
    walk_start(&w, m);
    kv3_out_t out;
    io_of(m, &w, &m->input, &out);
    return 0;
}

static int kpu_fail(kmodel_err_t *e, uint32_t i, int r) {
    const char *why = r == -ENODEV ? "this firmware has no KPU behind the kpu_hw seam (only CPU-layer models run)"
        : r == -ETIMEDOUT ? "the KPU did not finish in time"
        : r == -EINVAL ? "the KPU rejected the layer arguments"
        : r == -EFAULT ? "a weight table is outside SRAM" : "KPU error";
    return kmodel_fail(e, KMODEL_EOS, -r, "kpu.forward: layer %lu (K210_CONV): %s (%d)", (unsigned long)i, why, r);
}

#define F32(off) ((float *)(main + (off)))
#define U8(off)  (main + (off))

// AVERAGE_POOL2D (f32 mean, the act field ignored as the SDK ignores it) and
// QUANTIZED_MAX_POOL2D (u8 max from 0): body {in, out, in_w, in_h, in_c, out_w, out_h, out_c,
// kernel_w, kernel_h, stride_w, stride_h, pad_w, pad_h}; windows clipped to the input.
static void pool(uint8_t *main, uint32_t type, const uint8_t *b) {
    bool avg = type == KV3_AVERAGE_POOL2D;
    kernel_reduce_window2d_params_t p = {
        .op = avg ? KERNEL_REDUCE_MEAN : KERNEL_REDUCE_MAX,
        .dtype = avg ? KERNEL_F32 : KERNEL_U8,
        .in_shape = { { 1, (int32_t)kv3_u32(b + 32), (int32_t)kv3_u32(b + 16), (int32_t)kv3_u32(b + 12) } },
        .out_h = (int32_t)kv3_u32(b + 28), .out_w = (int32_t)kv3_u32(b + 24),
        .pad_h = { (int32_t)kv3_u32(b + 56), 0 }, .pad_w = { (int32_t)kv3_u32(b + 52), 0 },
        .filter_h = (int32_t)kv3_u32(b + 40), .filter_w = (int32_t)kv3_u32(b + 36),
        .stride_h = (int32_t)kv3_u32(b + 48), .stride_w = (int32_t)kv3_u32(b + 44),
        .dilation_h = 1, .dilation_w = 1, .init = 0.0f, .act = KERNEL_NO_CLAMP,
    };
    kernel_reduce_window2d(main + kv3_u32(b + 4), main + kv3_u32(b + 8), &p);
}

// CONCAT / QUANTIZED_CONCAT: input_count {start, size} ranges of main (possibly unaligned in
// the body), copied one after another to main + out.
static void concat(uint8_t *main, uint32_t out, const uint8_t *ranges, size_t input_count) {
    uint8_t *dst = main + out;
    for (size_t i = 0; i < input_count; i++) {
        const uint8_t *src = main + kv3_u32(ranges + 8 * i);
        size_t size = kv3_u32(ranges + 8 * i + 4);
        kernel_concat(dst, &src, &size, 1, 1);
        dst += size;
    }
}

// A K210_CONV whose weights stream from flash: each group of output channels (the whole layer
// unless it is larger than the window) waits for its read, then runs.
static int run_streamed(kmodel_t *m, uint32_t i, const kv3_conv_t *cv, uint8_t *main, kmodel_err_t *e) {
    bool dma = cv->flags & KV3_LF_MAIN_MEM_OUT;
    size_t plane = (size_t)cv->oh * cv->ow;
    uint32_t groups = kpu_stream_groups(m->stream, cv->weights_off);
    for (uint32_t k = 0; k < groups; k++) {
        kpu_stream_piece_t p;
        int r = kpu_stream_take(m->stream, cv->weights_off, k, &p);
        if (r != 0) {
            return kmodel_fail(e, KMODEL_EOS, -r, "kpu.forward: layer %lu (K210_CONV): reading its weights (%lu B) "
                "from flash 0x%lx failed (%d)", (unsigned long)i, (unsigned long)cv->weight_bytes,
                (unsigned long)(m->stream->flash_base + cv->weights_off), r);
        }
        const uint8_t *bn = at(m, cv->bn_off) + 8 * p.c0;
        uint8_t *out = dma ? main + cv->main_out + p.c0 * plane : NULL;
        r = groups == 1 ? kpu_driver_conv(at(m, cv->layer_off), p.weights, bn, at(m, cv->act_off), out, cv->oc * plane)
            : kpu_driver_conv_group(at(m, cv->layer_off), p.c0, p.channels, p.weights, bn, at(m, cv->act_off), out,
                p.channels * plane);
        if (r != 0) {
            return kpu_fail(e, i, r);
        }
    }
    return 0;
}

static int run_layer(kmodel_t *m, const walk_t *w, bool *kpu_ready, kmodel_err_t *e) {
    uint8_t *main = m->main;
    const uint8_t *b = w->body;
    uint32_t f1 = kv3_u32(b + 4), f2 = kv3_u32(b + 8), f3 = kv3_u32(b + 12), f4 = kv3_u32(b + 16), f5 = kv3_u32(b + 20);
    switch (w->type) {
        case KV3_ADD: {
            kernel_shape_t n = { { 1, 1, 1, (int32_t)f4 } };
            kernel_binary_params_t p = { KERNEL_BINARY_ADD, n, n, n, KERNEL_NO_CLAMP };
            kernel_binary(F32(f1), F32(f2), F32(f3), &p);
            break;
        }
        case KV3_QUANTIZED_ADD: {
            kv3_qadd_params_t p;
            memcpy(&p, b + 20, sizeof(p));
            kv3_quantized_add(U8(f1), U8(f2), U8(f3), f4, &p);
            break;
        }
        case KV3_GLOBAL_AVERAGE_POOL2D: {
            // the mean of each channel's f3 consecutive values, divided by f3
            kernel_reduce_params_t p = { KERNEL_REDUCE_MEAN, { { 1, (int32_t)f4, 1, (int32_t)f3 } },
                { { 1, (int32_t)f4, 1, 1 } }, 0.0f, KERNEL_MEAN_DIVIDE, (size_t)f3 * f4, f4 };
            kernel_reduce(F32(f1), F32(f2), &p);
            break;
        }
        case KV3_QUANTIZED_MAX_POOL2D:
        case KV3_AVERAGE_POOL2D:
            pool(main, w->type, b);
            break;
        case KV3_QUANTIZE: {
            // the SDK: q = roundf((x - bias) / scale) as (x - bias) * (1 / scale), NaN -> 0
            kernel_quantize_params_t p = { .sub = kv3_f32(b + 20), .mul = 1.0f / kv3_f32(b + 16), .add = 0.0f,
                                           .rounding = KERNEL_ROUND_HALF_AWAY, .nan_value = 0 };
            kernel_quantize(F32(f1), U8(f2), f3, &p);
            break;
        }
        case KV3_DEQUANTIZE:
            kernel_dequantize(U8(f1), F32(f2), f3, kv3_f32(b + 16), kv3_f32(b + 20));
            break;
        case KV3_REQUANTIZE:
            kernel_table_lookup(U8(f1), U8(f2), f3, b + 16);
            break;
        case KV3_L2_NORMALIZATION:
            kv3_l2_normalization(F32(f1), F32(f2), f3);
            break;
        case KV3_SOFTMAX: {
            kernel_softmax_params_t p = { .beta = 1.0f, .sdk_max_floor = true };
            kernel_softmax(F32(f1), F32(f2), f3, 1, &p);
            break;
        }
        case KV3_LOGISTIC:
            kernel_unary(F32(f1), F32(f2), f3, KERNEL_UNARY_LOGISTIC);
            break;
        case KV3_CONCAT:
        case KV3_QUANTIZED_CONCAT:
            concat(main, f1, b + 12, f2);
            break;
        case KV3_FULLY_CONNECTED: {
            // weights [out][in] then the biases; act 0 linear, 1 relu, 2 relu6 (checked)
            static const kernel_range_t acts[] = { { -INFINITY, INFINITY }, { 0.0f, INFINITY }, { 0.0f, 6.0f } };
            kernel_matmul_params_t p = { 1, (int32_t)f3, (int32_t)f4, true, KERNEL_BIAS_LAST, acts[f5] };
            const float *weights = (const float *)(b + 24);
            kernel_matmul(F32(f1), weights, F32(f2), weights + (size_t)f3 * f4, &p);
            break;
        }
        case KV3_TENSORFLOW_FLATTEN:
            kv3_tensorflow_flatten(F32(f1), F32(f2), f3, f4, f5);
            break;
        case KV3_RESIZE_NEAREST_NEIGHBOR:
        case KV3_QUANTIZED_RESIZE_NEAREST_NEIGHBOR: {
            kv3_resize_params_t p = { f3, f4, f5, kv3_u32(b + 24), kv3_u32(b + 28) };
            kv3_resize_nearest_neighbor(U8(f1), U8(f2), w->type == KV3_RESIZE_NEAREST_NEIGHBOR ? 4 : 1, &p);
            break;
        }
        case KV3_CHANNELWISE_DEQUANTIZE:
            kv3_channelwise_dequantize(U8(f1), F32(f2), f3, f4, (const float *)(b + 20));
            break;
        case KV3_K210_ADD_PADDING:
            kv3_k210_add_padding(U8(f1), kpu_driver_ai_sram(), f2, f3);
            break;
        case KV3_K210_REMOVE_PADDING:
            kv3_k210_remove_padding(U8(f1), U8(f2), f3);
            break;
        case KV3_K210_UPLOAD:
            kv3_k210_upload(U8(f1), kpu_driver_ai_sram(), f2, f3, f4, f5);
            break;
        case KV3_K210_CONV: {
            kv3_conv_t cv;
            decode_conv(m, b, &cv);
            int r = 0;
            if (!*kpu_ready) {
                r = kpu_driver_begin(m->act_rule, cv.wbytes == 1 ? 8 : 16);
                *kpu_ready = r == 0;
            }
            bool dma = cv.flags & KV3_LF_MAIN_MEM_OUT;
            size_t plane = (size_t)cv.oh * cv.ow;
            if (r == 0 && m->stream != NULL) {
                r = run_streamed(m, w->i, &cv, main, e);
                if (r != 0) {
                    return r;
                }
                break;
            }
            if (r == 0) {
                r = kpu_driver_conv(at(m, cv.layer_off), at(m, cv.weights_off), at(m, cv.bn_off), at(m, cv.act_off),
                    dma ? main + cv.main_out : NULL, cv.oc * plane);
            }
            if (r != 0) {
                return kpu_fail(e, w->i, r);
            }
            break;
        }
        default:
            // the loader refuses every other type
            return kmodel_fail(e, KMODEL_EOS, EINVAL, "kpu.forward: layer %lu: type %lu cannot run",
                (unsigned long)w->i, (unsigned long)w->type);
    }
    return 0;
}

static int v3_run_layers(kmodel_t *m, const uint8_t *input, uint32_t n, kmodel_err_t *e) {
    walk_t w;
    walk_start(&w, m);
    bool kpu_ready = false;
    if (w.type == KV3_K210_CONV) {
        kv3_conv_t cv;
        decode_conv(m, w.body, &cv);
        kpu_layout_store(kpu_driver_ai_sram(), cv.src_line, input, cv.ic, cv.ih, cv.iw);
    } else {
        memcpy(m->main + kv3_u32(w.body + 4), input, m->input.bytes);
    }
    for (; w.i < n; walk_next(&w)) {
        if (w.i > 0 && kmodel_stop_requested()) {
            return kmodel_fail(e, KMODEL_EINTR, EINTR, "kpu.forward: interrupted after layer %lu of %lu",
                (unsigned long)w.i - 1, (unsigned long)n);
        }
        int r = run_layer(m, &w, &kpu_ready, e);
        if (r != 0) {
            return r;
        }
    }
    return 0;
}

static int v3_run(kmodel_t *m, const uint8_t *input, uint32_t n, kmodel_err_t *e) {
    if (m->stream == NULL) {
        return v3_run_layers(m, input, n, e);
    }
    int r = kpu_stream_begin(m->stream);
    if (r != 0) {
        kpu_stream_end(m->stream);
        return kmodel_fail(e, KMODEL_EOS, -r, "kpu.forward: reading the first layer's weights from flash failed (%d)", r);
    }
    r = v3_run_layers(m, input, n, e);
    kpu_stream_end(m->stream);   // no read may still be filling a buffer after the forward
    return r;
}

static int v3_output(const kmodel_t *m, uint32_t idx, kmodel_tensor_t *t, void *dst) {
    if (idx >= m->outputs) {
        return -EINVAL;
    }
    const uint8_t *o = at(m, KV3_HEADER_BYTES + 8 * idx);
    uint32_t addr = kv3_u32(o), size = kv3_u32(o + 4);
    *t = (kmodel_tensor_t) { KMODEL_F32, size / 4, 1, 1, size };
    if (dst != NULL) {
        memcpy(dst, m->main + addr, size);
    }
    return 0;
}

static const uint8_t *v3_output_data(const kmodel_t *m, uint32_t idx) {
    if (idx >= m->outputs) {
        return NULL;
    }
    return m->main + kv3_u32(m->image + KV3_HEADER_BYTES + 8 * idx);   // v3 outputs are in main memory
}

static int v3_layer_output(const kmodel_t *m, uint32_t i, kmodel_tensor_t *t, void *dst) {
    if (i >= m->layers) {
        return -EINVAL;
    }
    walk_t w;
    walk_to(&w, m, i);
    kmodel_tensor_t in;
    kv3_out_t out;
    io_of(m, &w, &in, &out);
    *t = out.t;
    if (dst == NULL) {
        return 0;
    }
    const uint8_t *ai = kpu_driver_ai_sram();
    if (out.in_ai && out.padded) {
        const uint8_t *base = ai + (size_t)out.line * KPU_LINE_BYTES;
        for (uint32_t c = 0; c < out.t.c; c++) {
            ((uint8_t *)dst)[c] = base[(c / 4) * 4 * KPU_LINE_BYTES + (c % 4) * 16];
        }
    } else if (out.in_ai) {
        kpu_layout_load(ai, out.line, dst, out.t.c, out.t.h, out.t.w);
    } else {
        memcpy(dst, m->main + out.offset, out.t.bytes);
    }
    return 0;
}

static int v3_layer_info(const kmodel_t *m, uint32_t i, kmodel_layer_info_t *info) {
    if (i >= m->layers) {
        return -EINVAL;
    }
    walk_t w;
    walk_to(&w, m, i);
    kv3_out_t out;
    memset(info, 0, sizeof(*info));
    io_of(m, &w, &info->in, &out);
    info->out = out.t;
    info->type = w.type;
    info->name = kv3_type_name(w.type);
    info->body_bytes = w.size;
    if (w.type == KV3_K210_CONV) {
        kv3_conv_t cv;
        decode_conv(m, w.body, &cv);
        info->on_kpu = true;
        info->kernel = cv.kernel;
        info->pool = cv.pool;
        info->depthwise = cv.depthwise;
        info->main_out = cv.flags & KV3_LF_MAIN_MEM_OUT;
        info->weight_bytes = cv.weight_bytes;
    }
    return 0;
}

static bool v3_probe(const uint8_t head[16]) {
    return kv3_u32(head) == 3;
}

const kmodel_format_t kmodel_v3_format = {
    .name = "kmodel v3 (nncase 0.1)",
    .version = 3,
    .default_act_rule = KPU_ACT_RULE_NNCASE01,
    .probe = v3_probe,
    .check = kv3_check,
    .prepare = v3_prepare,
    .run = v3_run,
    .output = v3_output,
    .output_data = v3_output_data,
    .layer_output = v3_layer_output,
    .layer_info = v3_layer_info,
    .stream_ranges = kv3_stream_ranges,
};
