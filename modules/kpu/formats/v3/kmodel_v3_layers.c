// kmodel v3 layer facts: type names, fixed body sizes, K210_CONV decoding and every layer's
// input/output shape and location, derived from its body alone (docs/kmodel-formats.md, "v3 layers").
#include "kmodel_v3.h"
#include "kpu_layout.h"

typedef struct {
    uint16_t type;
    uint16_t fixed;          // 0: no runtime implements the type
    const char *name;
} kv3_type_t;

static const kv3_type_t types[] = {
    { 0, 0, "INVALID" },
    { KV3_ADD, 20, "ADD" },
    { KV3_QUANTIZED_ADD, 56, "QUANTIZED_ADD" },
    { 3, 0, "GLOBAL_MAX_POOL2D" },
    { 4, 0, "QUANTIZED_GLOBAL_MAX_POOL2D" },
    { KV3_GLOBAL_AVERAGE_POOL2D, 20, "GLOBAL_AVERAGE_POOL2D" },
    { 6, 0, "QUANTIZED_GLOBAL_AVERAGE_POOL2D" },
    { 7, 0, "MAX_POOL2D" },
    { KV3_QUANTIZED_MAX_POOL2D, 60, "QUANTIZED_MAX_POOL2D" },
    { KV3_AVERAGE_POOL2D, 64, "AVERAGE_POOL2D" },
    { 10, 0, "QUANTIZED_AVERAGE_POOL2D" },
    { KV3_QUANTIZE, 24, "QUANTIZE" },
    { KV3_DEQUANTIZE, 24, "DEQUANTIZE" },
    { KV3_REQUANTIZE, 272, "REQUANTIZE" },
    { KV3_L2_NORMALIZATION, 16, "L2_NORMALIZATION" },
    { KV3_SOFTMAX, 16, "SOFTMAX" },
    { KV3_CONCAT, 12, "CONCAT" },
    { KV3_QUANTIZED_CONCAT, 12, "QUANTIZED_CONCAT" },
    { KV3_FULLY_CONNECTED, 24, "FULLY_CONNECTED" },
    { 19, 0, "QUANTIZED_FULLY_CONNECTED" },
    { KV3_TENSORFLOW_FLATTEN, 24, "TENSORFLOW_FLATTEN" },
    { 21, 0, "QUANTIZED_TENSORFLOW_FLATTEN" },
    { KV3_RESIZE_NEAREST_NEIGHBOR, 36, "RESIZE_NEAREST_NEIGHBOR" },
    { KV3_QUANTIZED_RESIZE_NEAREST_NEIGHBOR, 36, "QUANTIZED_RESIZE_NEAREST_NEIGHBOR" },
    { KV3_CHANNELWISE_DEQUANTIZE, 20, "CHANNELWISE_DEQUANTIZE" },
    { KV3_LOGISTIC, 16, "LOGISTIC" },
    { KV3_K210_CONV, 24, "K210_CONV" },
    { KV3_K210_ADD_PADDING, 16, "K210_ADD_PADDING" },
    { KV3_K210_REMOVE_PADDING, 16, "K210_REMOVE_PADDING" },
    { KV3_K210_UPLOAD, 24, "K210_UPLOAD" },
};

static const kv3_type_t *find(uint32_t type) {
    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
        if (types[i].type == type) {
            return &types[i];
        }
    }
    return NULL;
}

const char *kv3_type_name(uint32_t type) {
    const kv3_type_t *t = find(type);
    return t ? t->name : NULL;
}

bool kv3_type_supported(uint32_t type) {
    const kv3_type_t *t = find(type);
    return t && t->fixed != 0;
}

uint32_t kv3_fixed_bytes(uint32_t type) {
    const kv3_type_t *t = find(type);
    return t ? t->fixed : 0;
}

void kv3_conv_decode(const uint8_t head[24], const uint8_t args[96], uint32_t wbytes, kv3_conv_t *c) {
    c->flags = kv3_u32(head);
    c->main_out = kv3_u32(head + 4);
    c->layer_off = kv3_u32(head + 8);
    c->weights_off = kv3_u32(head + 12);
    c->bn_off = kv3_u32(head + 16);
    c->act_off = kv3_u32(head + 20);
    memcpy(c->w, args, 96);
    kpu_args_decode(c->w, &c->args);
    c->ic = c->args.ic;
    c->oc = c->args.oc;
    c->iw = c->args.iw;
    c->ih = c->args.ih;
    c->ow = c->args.ow;
    c->oh = c->args.oh;
    c->kernel = kpu_args_kernel(&c->args);
    c->pool = c->args.pool_type;
    c->depthwise = c->args.depthwise;
    c->src_line = c->args.src_line;
    c->dst_line = c->args.dst_line;
    c->wbytes = wbytes;
    c->weight_bytes = c->oc * kpu_args_weights_per_oc(&c->args, wbytes);
}

static kmodel_tensor_t tensor(kmodel_dtype_t dt, uint32_t c, uint32_t h, uint32_t w) {
    // Saturate step by step: three u32 factors can overflow even a u64 (and wrap to a small size).
    uint64_t n = (uint64_t)c * h;
    n = n > UINT32_MAX ? UINT32_MAX : n;
    n = n * w * (dt == KMODEL_F32 ? 4 : 1);
    return (kmodel_tensor_t) { .dtype = dt, .c = c, .h = h, .w = w, .bytes = n > UINT32_MAX ? UINT32_MAX : (uint32_t)n };
}

void kv3_layer_io(uint32_t type, const uint8_t *b, const kv3_conv_t *conv, kmodel_tensor_t *in, kv3_out_t *out) {
    memset(out, 0, sizeof(*out));
    uint32_t f1 = kv3_u32(b + 4);
    uint32_t f2 = kv3_u32(b + 8), f3 = kv3_u32(b + 12), f4 = kv3_u32(b + 16), f5 = kv3_u32(b + 20);
    out->offset = f2;
    switch (type) {
        case KV3_ADD:
            *in = tensor(KMODEL_F32, f4, 1, 1);
            out->offset = f3;
            out->t = *in;
            break;
        case KV3_QUANTIZED_ADD:
            *in = tensor(KMODEL_U8, f4, 1, 1);
            out->offset = f3;
            out->t = *in;
            break;
        case KV3_GLOBAL_AVERAGE_POOL2D:
            *in = tensor(KMODEL_F32, f4, 1, f3);
            out->t = tensor(KMODEL_F32, f4, 1, 1);
            break;
        case KV3_QUANTIZED_MAX_POOL2D:
        case KV3_AVERAGE_POOL2D: {
            kmodel_dtype_t dt = type == KV3_AVERAGE_POOL2D ? KMODEL_F32 : KMODEL_U8;
            *in = tensor(dt, f5, f4, f3);
            out->t = tensor(dt, kv3_u32(b + 32), kv3_u32(b + 28), kv3_u32(b + 24));
            break;
        }
        case KV3_QUANTIZE:
            *in = tensor(KMODEL_F32, f3, 1, 1);
            out->t = tensor(KMODEL_U8, f3, 1, 1);
            break;
        case KV3_DEQUANTIZE:
            *in = tensor(KMODEL_U8, f3, 1, 1);
            out->t = tensor(KMODEL_F32, f3, 1, 1);
            break;
        case KV3_REQUANTIZE:
            *in = tensor(KMODEL_U8, f3, 1, 1);
            out->t = *in;
            break;
        case KV3_L2_NORMALIZATION:
        case KV3_SOFTMAX:
        case KV3_LOGISTIC:
            *in = tensor(KMODEL_F32, f3, 1, 1);
            out->t = *in;
            break;
        case KV3_CONCAT:
        case KV3_QUANTIZED_CONCAT: {
            // out offset is field 1; the total is summed by the caller from the ranges
            out->offset = f1;
            *in = tensor(KMODEL_U8, 0, 1, 1);
            out->t = *in;
            break;
        }
        case KV3_FULLY_CONNECTED:
            *in = tensor(KMODEL_F32, f3, 1, 1);
            out->offset = f2;
            out->t = tensor(KMODEL_F32, f4, 1, 1);
            break;
        case KV3_TENSORFLOW_FLATTEN:
            *in = tensor(KMODEL_F32, f5, f4, f3);
            out->t = tensor(KMODEL_F32, f5 * f4 * f3, 1, 1);
            break;
        case KV3_RESIZE_NEAREST_NEIGHBOR:
        case KV3_QUANTIZED_RESIZE_NEAREST_NEIGHBOR: {
            kmodel_dtype_t dt = type == KV3_RESIZE_NEAREST_NEIGHBOR ? KMODEL_F32 : KMODEL_U8;
            *in = tensor(dt, f5, f4, f3);
            out->t = tensor(dt, f5, kv3_u32(b + 28), kv3_u32(b + 24));
            break;
        }
        case KV3_CHANNELWISE_DEQUANTIZE:
            *in = tensor(KMODEL_U8, f3, 1, f4);
            out->t = tensor(KMODEL_F32, f3, 1, f4);
            break;
        case KV3_K210_ADD_PADDING:
            *in = tensor(KMODEL_U8, f3, 1, 1);
            out->in_ai = true;
            out->line = f2;
            out->padded = true;
            out->t = *in;
            break;
        case KV3_K210_REMOVE_PADDING:
            *in = tensor(KMODEL_U8, f3, 4, 4);
            out->t = tensor(KMODEL_U8, f3, 1, 1);
            break;
        case KV3_K210_UPLOAD:
            *in = tensor(KMODEL_U8, f5, f4, f3);
            out->in_ai = true;
            out->line = f2;
            out->t = *in;
            break;
        case KV3_K210_CONV:
            *in = tensor(KMODEL_U8, conv->ic, conv->ih, conv->iw);
            out->t = tensor(KMODEL_U8, conv->oc, conv->oh, conv->ow);
            if (conv->flags & KV3_LF_MAIN_MEM_OUT) {
                out->offset = conv->main_out;
            } else {
                out->in_ai = true;
                out->line = conv->dst_line;
            }
            break;
        default:
            *in = tensor(KMODEL_U8, 0, 1, 1);
            out->t = *in;
            break;
    }
}
