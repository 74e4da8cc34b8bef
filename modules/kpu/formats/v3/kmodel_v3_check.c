// Load-time validation of a kmodel v3 file, read through its source before anything is
// allocated: header counts against the file size, every body against its fixed part and the
// file, every main-buffer range against main_mem_usage, every AI SRAM map against 2 MiB, and
// every K210_CONV argument against the values the compilers emit (docs/kmodel-formats.md, "v3 layers"; docs/kpu.md, "Layer argument").
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

#include "kmodel_v3.h"
#include "kpu_layout.h"

typedef struct {
    kmodel_src_t *src;
    kmodel_err_t *e;
    uint32_t main;               // main_mem_usage
    uint32_t wbytes;             // 1 or 2 (header flags bit 0)
    uint32_t idx, type;          // the layer being checked
    uint32_t body, size;         // its body's file offset and size
} ctx_t;

static int fail(ctx_t *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(ctx_t *c, const char *fmt, ...) {
    char what[320];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    if (c->type == UINT32_MAX) {
        return kmodel_fail(c->e, KMODEL_EVALUE, 0, "kpu.load(%s): %s", c->src->name, what);
    }
    const char *name = kv3_type_name(c->type);
    return kmodel_fail(c->e, KMODEL_EVALUE, 0, "kpu.load(%s): layer %lu (%s) at offset %lu: %s", c->src->name,
        (unsigned long)c->idx, name ? name : "?", (unsigned long)c->body, what);
}

static int read_z(ctx_t *c, uint32_t off, void *buf, size_t n) {
    int r = kmodel_src_read_z(c->src, off, buf, n);
    if (r != 0) {
        return kmodel_fail(c->e, KMODEL_EOS, -r, "kpu.load(%s): read error %d at offset %lu", c->src->name, r,
            (unsigned long)off);
    }
    return 0;
}

// [off, off + bytes) inside the main buffer, floats 4-aligned.
static int main_range(ctx_t *c, const char *what, uint32_t off, const kmodel_tensor_t *t) {
    if ((uint64_t)off + t->bytes > c->main) {
        return fail(c, "%s [%lu, +%lu B) is outside the %lu B main buffer", what, (unsigned long)off,
            (unsigned long)t->bytes, (unsigned long)c->main);
    }
    if (t->dtype == KMODEL_F32 && off % 4 != 0) {
        return fail(c, "%s at main-buffer offset %lu is not 4-aligned (f32 data)", what, (unsigned long)off);
    }
    return 0;
}

static int ai_range(ctx_t *c, const char *what, uint32_t line, uint32_t ch, uint32_t h, uint32_t w) {
    uint64_t lines = kpu_layout_lines(ch, h, w);
    if (line + lines > KPU_LINES) {
        return fail(c, "%s map %lux%lux%lu at AI SRAM line %lu needs %lu lines, past the 2 MiB end (line %u)",
            what, (unsigned long)ch, (unsigned long)h, (unsigned long)w, (unsigned long)line,
            (unsigned long)lines, KPU_LINES);
    }
    return 0;
}

static int nonempty(ctx_t *c, const char *what, const kmodel_tensor_t *t) {
    if (t->c == 0 || t->h == 0 || t->w == 0) {
        return fail(c, "%s shape %lux%lux%lu has a zero dimension", what, (unsigned long)t->c, (unsigned long)t->h,
            (unsigned long)t->w);
    }
    return 0;
}

// A block of n bytes at absolute file offset off must lie in the body after its 24-byte head.
static int in_body(ctx_t *c, const char *what, uint32_t off, uint64_t n, uint32_t align) {
    if (off < c->body + 24 || (uint64_t)off + n > (uint64_t)c->body + c->size) {
        return fail(c, "%s [%lu, +%llu B) is outside the layer's body [%lu, %lu)", what, (unsigned long)off,
            (unsigned long long)n, (unsigned long)c->body + 24, (unsigned long)c->body + c->size);
    }
    if (off % align != 0) {
        return fail(c, "%s at file offset %lu is not %lu-aligned", what, (unsigned long)off, (unsigned long)align);
    }
    return 0;
}

#define FIELD(cond, ...) do { if (!(cond)) { return fail(c, __VA_ARGS__); } } while (0)

static int check_conv(ctx_t *c, const uint8_t *head, kv3_conv_t *cv) {
    int r;
    uint8_t args[96];
    uint32_t lo = kv3_u32(head + 8);
    if ((r = in_body(c, "layer argument", lo, 96, 8)) != 0 || (r = read_z(c, lo, args, 96)) != 0) {
        return r;
    }
    kv3_conv_decode(head, args, c->wbytes, cv);
    FIELD((cv->flags & ~KV3_LF_MAIN_MEM_OUT) == 0, "flags 0x%lx has unknown bits", (unsigned long)cv->flags);
    if ((r = in_body(c, "weights", cv->weights_off, cv->weight_bytes, 1)) != 0
        || (r = in_body(c, "batch-norm table", cv->bn_off, (uint64_t)cv->oc * 8, 8)) != 0
        || (r = in_body(c, "activation table", cv->act_off, 144, 8)) != 0) {
        return r;
    }
    char why[256];
    kpu_args_rules_t rules = { .wbytes = c->wbytes, .dma_out = (cv->flags & KV3_LF_MAIN_MEM_OUT) != 0 };
    if (kpu_args_check(cv->w, &cv->args, &rules, why, sizeof(why)) != 0) {
        return fail(c, "%s", why);
    }
    if (cv->flags & KV3_LF_MAIN_MEM_OUT) {
        // the DMA moves whole 8-byte beats
        kmodel_tensor_t t = { KMODEL_U8, cv->oc, cv->oh, cv->ow, (cv->ow * cv->oh * cv->oc + 7) & ~7u };
        return main_range(c, "main-memory output", cv->main_out, &t);
    }
    return 0;
}

static int check_layer(ctx_t *c, bool first, kmodel_tensor_t *input) {
    uint32_t fixed = kv3_fixed_bytes(c->type);
    FIELD(c->size >= fixed, "body_size %lu is smaller than its fixed %lu bytes", (unsigned long)c->size,
        (unsigned long)fixed);
    uint8_t b[272];
    int r = read_z(c, c->body, b, fixed);
    if (r != 0) {
        return r;
    }
    memset(b + fixed, 0, sizeof(b) - fixed);
    kv3_conv_t cv;
    if (c->type == KV3_K210_CONV && (r = check_conv(c, b, &cv)) != 0) {
        return r;
    }
    kmodel_tensor_t in;
    kv3_out_t out;
    kv3_layer_io(c->type, b, &cv, &in, &out);
    uint32_t f1 = kv3_u32(b + 4), f2 = kv3_u32(b + 8), f3 = kv3_u32(b + 12);
    if (first) {
        FIELD(c->type == KV3_K210_CONV || c->type == KV3_FULLY_CONNECTED,
            "the first layer must be K210_CONV or FULLY_CONNECTED to take the input");
        *input = in;
    }
    switch (c->type) {
        case KV3_CONCAT:
        case KV3_QUANTIZED_CONCAT: {
            uint32_t n = f2;
            FIELD(n > 0 && 12 + (uint64_t)n * 8 <= c->size, "%lu inputs do not fit the %lu B body",
                (unsigned long)n, (unsigned long)c->size);
            uint64_t total = 0;
            for (uint32_t i = 0; i < n; i++) {
                uint8_t rg[8];
                if ((r = read_z(c, c->body + 12 + 8 * i, rg, 8)) != 0) {
                    return r;
                }
                kmodel_tensor_t t = { KMODEL_U8, kv3_u32(rg + 4), 1, 1, kv3_u32(rg + 4) };
                if ((r = main_range(c, "input range", kv3_u32(rg), &t)) != 0) {
                    return r;
                }
                total += t.bytes;
            }
            FIELD(total <= UINT32_MAX, "inputs too large");
            kmodel_tensor_t t = { KMODEL_U8, (uint32_t)total, 1, 1, (uint32_t)total };
            return main_range(c, "output", f1, &t);
        }
        case KV3_ADD:
        case KV3_QUANTIZED_ADD:
            if ((r = nonempty(c, "input", &in)) != 0 || (r = main_range(c, "input a", f1, &in)) != 0
                || (r = main_range(c, "input b", f2, &in)) != 0) {
                return r;
            }
            if (c->type == KV3_QUANTIZED_ADD) {
                // the shifts act on 64-bit values: a count outside 0..63 is undefined in C and
                // would differ between the host and RISC-V
                static const struct { uint8_t off; const char *name; } shifts[] = {
                    { 28, "a_shift" }, { 40, "b_shift" }, { 52, "out_shift" },
                };
                for (size_t i = 0; i < sizeof(shifts) / sizeof(shifts[0]); i++) {
                    int32_t sh = (int32_t)kv3_u32(b + shifts[i].off);
                    FIELD(sh >= 0 && sh <= 63, "%s %ld at body offset %u is outside 0..63", shifts[i].name,
                        (long)sh, shifts[i].off);
                }
            }
            break;
        case KV3_K210_CONV:
            break;
        default:
            if ((r = nonempty(c, "input", &in)) != 0 || (r = main_range(c, "input", f1, &in)) != 0) {
                return r;
            }
            break;
    }
    if ((r = nonempty(c, "output", &out.t)) != 0) {
        return r;
    }
    if (out.in_ai) {
        uint32_t h = out.padded ? 4 : out.t.h, w = out.padded ? 4 : out.t.w;
        r = ai_range(c, "output", out.line, out.t.c, h, w);
    } else if (c->type != KV3_K210_CONV) {
        r = main_range(c, "output", out.offset, &out.t);
    }
    if (r != 0) {
        return r;
    }
    switch (c->type) {
        case KV3_QUANTIZED_MAX_POOL2D:
        case KV3_AVERAGE_POOL2D: {
            uint32_t kw = kv3_u32(b + 36), kh = kv3_u32(b + 40), sw = kv3_u32(b + 44), sh = kv3_u32(b + 48);
            uint32_t pw = kv3_u32(b + 52), ph = kv3_u32(b + 56);
            FIELD(kw > 0 && kh > 0 && sw > 0 && sh > 0, "kernel %lux%lu / stride %lux%lu must be positive",
                (unsigned long)kw, (unsigned long)kh, (unsigned long)sw, (unsigned long)sh);
            // the pooling kernel takes them as int32; no real window comes near the bound
            FIELD(kw <= 65536 && kh <= 65536 && sw <= 65536 && sh <= 65536 && pw <= 65536 && ph <= 65536,
                "kernel %lux%lu / stride %lux%lu / padding %lux%lu: each must be at most 65536", (unsigned long)kw,
                (unsigned long)kh, (unsigned long)sw, (unsigned long)sh, (unsigned long)pw, (unsigned long)ph);
            FIELD(out.t.c <= in.c, "%lu output channels read past the %lu input channels", (unsigned long)out.t.c,
                (unsigned long)in.c);
            break;
        }
        case KV3_FULLY_CONNECTED: {
            uint32_t act = kv3_u32(b + 20);
            FIELD(act <= 2, "activation %lu (0 linear, 1 relu, 2 relu6)", (unsigned long)act);
            uint64_t need = 24 + 4 * ((uint64_t)in.c * out.t.c + out.t.c);
            FIELD(need <= c->size, "%lux%lu weights and biases need %llu B, the body has %lu", (unsigned long)in.c,
                (unsigned long)out.t.c, (unsigned long long)need, (unsigned long)c->size);
            FIELD((c->body + 24) % 4 == 0, "f32 weights at file offset %lu are not 4-aligned",
                (unsigned long)c->body + 24);
            break;
        }
        case KV3_CHANNELWISE_DEQUANTIZE: {
            uint64_t need = 20 + 8 * (uint64_t)f3;
            FIELD(need <= c->size, "%lu channel parameters need %llu B, the body has %lu", (unsigned long)f3,
                (unsigned long long)need, (unsigned long)c->size);
            FIELD((c->body + 20) % 4 == 0, "f32 parameters at file offset %lu are not 4-aligned",
                (unsigned long)c->body + 20);
            break;
        }
        default:
            break;
    }
    return 0;
}

int kv3_check(kmodel_src_t *src, kmodel_plan_t *plan, kmodel_err_t *e) {
    ctx_t cx = { .src = src, .e = e, .type = UINT32_MAX }, *c = &cx;
    FIELD(src->size >= KV3_HEADER_BYTES, "the model is truncated: %lu B, shorter than the 28 B v3 header",
        (unsigned long)src->size);
    uint8_t h[KV3_HEADER_BYTES];
    int r = read_z(c, 0, h, sizeof(h));
    if (r != 0) {
        return r;
    }
    uint32_t flags = kv3_u32(h + 4), arch = kv3_u32(h + 8), layers = kv3_u32(h + 12);
    uint32_t main = kv3_u32(h + 20), outputs = kv3_u32(h + 24);
    FIELD(arch == 0, "v3 header arch is %lu at offset 8 (the K210 runtime requires 0)", (unsigned long)arch);
    FIELD((flags & ~KV3_FLAG_8BIT) == 0, "v3 header flags 0x%lx at offset 4 has unknown bits", (unsigned long)flags);
    FIELD(layers > 0 && outputs > 0, "header declares %lu layers and %lu outputs (offsets 12, 24)",
        (unsigned long)layers, (unsigned long)outputs);
    uint64_t tables_end = KV3_HEADER_BYTES + 8 * ((uint64_t)outputs + layers);
    FIELD(tables_end <= src->size, "header declares %lu outputs and %lu layers, whose tables end at %llu, "
        "past the end of the %lu B file (truncated or not a kmodel)", (unsigned long)outputs, (unsigned long)layers,
        (unsigned long long)tables_end, (unsigned long)src->size);
    c->main = main;
    c->wbytes = (flags & KV3_FLAG_8BIT) ? 1 : 2;
    // outputs
    for (uint32_t i = 0; i < outputs; i++) {
        uint8_t o[8];
        if ((r = read_z(c, KV3_HEADER_BYTES + 8 * i, o, 8)) != 0) {
            return r;
        }
        uint32_t addr = kv3_u32(o), size = kv3_u32(o + 4);
        FIELD(size > 0 && size % 4 == 0 && addr % 4 == 0 && (uint64_t)addr + size <= main,
            "output %lu [%lu, +%lu B) must be whole f32 values inside the %lu B main buffer", (unsigned long)i,
            (unsigned long)addr, (unsigned long)size, (unsigned long)main);
    }
    // the declared size: tables + every body
    uint32_t lt = KV3_HEADER_BYTES + 8 * outputs;
    uint64_t end = tables_end;
    for (uint32_t i = 0; i < layers; i++) {
        uint8_t l[8];
        if ((r = read_z(c, lt + 8 * i, l, 8)) != 0) {
            return r;
        }
        end += kv3_u32(l + 4);
    }
    FIELD(end <= (uint64_t)src->size + 7, "the header and layer table declare %llu B but the %s has %lu B: "
        "the model is truncated (copy it again)", (unsigned long long)end, src->is_flash ? "flash from there (to its end, or size=)" : "file",
        (unsigned long)src->size);
    // every layer
    uint64_t body = tables_end;
    for (uint32_t i = 0; i < layers; i++) {
        uint8_t l[8];
        if ((r = read_z(c, lt + 8 * i, l, 8)) != 0) {
            return r;
        }
        c->idx = i;
        c->type = kv3_u32(l);
        c->body = (uint32_t)body;
        c->size = kv3_u32(l + 4);
        if (!kv3_type_supported(c->type)) {
            const char *name = kv3_type_name(c->type);
            uint32_t t = c->type;
            c->type = UINT32_MAX;
            if (name) {
                return fail(c, "layer %lu has type %lu (%s), which no K210 runtime implements (nncase 0.1 "
                    "never emits it)", (unsigned long)i, (unsigned long)t, name);
            }
            return fail(c, "layer %lu has unknown layer type %lu", (unsigned long)i, (unsigned long)t);
        }
        kmodel_tensor_t input;
        if ((r = check_layer(c, i == 0, &input)) != 0) {
            return r;
        }
        body += c->size;
    }
    plan->image_bytes = (uint32_t)end;
    plan->main_bytes = main;
    plan->state_bytes = 0;
    return 0;
}
