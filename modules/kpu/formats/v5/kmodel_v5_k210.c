// kmodel v5: the k210 module (kmodel-v5-spec.md §6): kpu_upload, kpu_download, kpu_conv2d and
// copy, checked once per function at load, run through the shared KPU layout, codec and driver
// (kpu_layout.h, kpu_args.h, kpu_driver.h) as v3 and v4 do.
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "kmodel_v5.h"
#include "kpu_args.h"
#include "kpu_driver.h"
#include "kpu_layout.h"
#include "kpu_mem.h"

enum { K_UPLOAD = 0, K_DOWNLOAD = 1, K_CONV2D = 2, K_COPY = 3 };
static const uint32_t insn_bytes[4] = { 44, 44, 152, 76 };
static const char *const insn_names[4] = { "kpu_upload", "kpu_download", "kpu_conv2d", "copy" };

typedef struct {
    const kv5_header_t *h;
    uint32_t fn, pc;
    uint32_t n_in, n_out;
    kv5_tensor_t in[KV5_MAX_IO], out[KV5_MAX_IO];
    uint8_t *const *pin, *const *pout;   // run: bound buffers
    kv5_vm_t *vm;                        // run only
    kmodel_err_t *e;
} kctx_t;

static int kfail(kctx_t *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#include <stdarg.h>
static int kfail(kctx_t *c, const char *fmt, ...) {
    char msg[300];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return kmodel_fail(c->e, KMODEL_EVALUE, 0, "k210 function %lu .text+%lu: %s", (unsigned long)c->fn, (unsigned long)c->pc, msg);
}

// memory_at: the range inside its pool for `need` bytes; the CPU pointer on a run.
static int mem_at(kctx_t *c, const kv5_mr_t *r, uint64_t need, bool write, const char *what, uint8_t **p) {
    const kv5_module_t *m = &c->h->mod[c->h->k210];
    uint64_t limit;
    *p = NULL;
    switch (r->loc) {
        case KV5_LOC_INPUT: case KV5_LOC_OUTPUT: {
            const kv5_tensor_t *ts = r->loc ? c->out : c->in;
            uint32_t n = r->loc ? c->n_out : c->n_in;
            for (uint32_t i = 0; i < n; i++) {
                if (ts[i].mr.start == r->start) {   // exact match, as the runtime does
                    if (need > ts[i].bytes) {
                        return kfail(c, "%s needs %llu B of %s %lu (%lu B)", what, (unsigned long long)need,
                            r->loc ? "output" : "input", (unsigned long)i, (unsigned long)ts[i].bytes);
                    }
                    if (write && r->loc == KV5_LOC_INPUT) {
                        return kfail(c, "%s writes input %lu", what, (unsigned long)i);
                    }
                    if (c->pin) {
                        *p = r->loc ? c->pout[i] : c->pin[i];
                    }
                    return 0;
                }
            }
            return kfail(c, "%s: no %s starts at %lu", what, r->loc ? "output" : "input", (unsigned long)r->start);
        }
        case KV5_LOC_RDATA: limit = m->rdata_size; break;
        case KV5_LOC_DATA: limit = m->data_size; break;
        case KV5_LOC_KPU: limit = K210_AI_SRAM_BYTES; break;
        default:
            return kfail(c, "%s in location %u: no such memory", what, (unsigned)r->loc);
    }
    if ((uint64_t)r->start + need > limit) {
        return kfail(c, "%s [%lu, +%llu) outside its %s pool of %llu B", what, (unsigned long)r->start,
            (unsigned long long)need, r->loc == KV5_LOC_KPU ? "AI SRAM" : r->loc == KV5_LOC_RDATA ? "rdata" : "data",
            (unsigned long long)limit);
    }
    if (write && r->loc == KV5_LOC_RDATA) {
        return kfail(c, "%s writes .rdata", what);
    }
    if (c->vm) {
        switch (r->loc) {
            case KV5_LOC_RDATA: *p = (uint8_t *)(uintptr_t)(c->vm->image + m->rdata_off + r->start); break;
            case KV5_LOC_DATA: *p = c->vm->main + m->data_at + r->start; break;
            default: *p = c->vm->ai + r->start; break;
        }
    }
    return 0;
}

static int shape4(kctx_t *c, const uint8_t *b, uint32_t s[4], const char *what) {
    for (int i = 0; i < 4; i++) {
        s[i] = kv5_u32(b + 4 * i);
    }
    if (s[0] < 1 || s[0] > 1024 || s[1] < 1 || s[1] > 1024 || s[2] < 1 || s[2] > 1024 || s[3] < 1 || s[3] > KPU_MAX_WIDTH) {
        return kfail(c, "%s [%lu,%lu,%lu,%lu] exceeds the KPU limits", what, (unsigned long)s[0], (unsigned long)s[1],
            (unsigned long)s[2], (unsigned long)s[3]);
    }
    return 0;
}

// kpu_upload / kpu_download: planar N x C x H x W <-> the AI SRAM layout at a line, a map per batch.
static int xfer(kctx_t *c, const uint8_t *b, bool up) {
    kv5_mr_t in = kv5_rd_mr(b + 4), out = kv5_rd_mr(b + 16);
    uint32_t s[4];
    if (shape4(c, b + 28, s, "in_shape")) {
        return -EINVAL;
    }
    const kv5_mr_t *map = up ? &out : &in, *planar = up ? &in : &out;
    if (map->loc != KV5_LOC_KPU || map->start % KPU_LINE_BYTES) {
        return kfail(c, "%s map at location %u offset %lu: not an AI SRAM line", insn_names[up ? 0 : 1],
            (unsigned)map->loc, (unsigned long)map->start);
    }
    if (planar->loc == KV5_LOC_KPU) {
        return kfail(c, "%s planar side is in AI SRAM", insn_names[up ? 0 : 1]);
    }
    uint64_t lines = kpu_layout_lines(s[1], s[2], s[3]);
    uint64_t plane = (uint64_t)s[1] * s[2] * s[3];
    uint8_t *pm, *pp;
    if (mem_at(c, map, (uint64_t)s[0] * lines * KPU_LINE_BYTES, up, "map", &pm)
        || mem_at(c, planar, (uint64_t)s[0] * plane, !up, "planar tensor", &pp)) {
        return -EINVAL;
    }
    if (c->vm) {
        for (uint32_t n = 0; n < s[0]; n++) {
            uint32_t line = (uint32_t)(n * lines);
            if (up) {
                kpu_layout_store(pm, line, pp + n * plane, s[1], s[2], s[3]);
            } else {
                kpu_layout_load(pm, line, pp + n * plane, s[1], s[2], s[3]);
            }
        }
    }
    return 0;
}

static int copy(kctx_t *c, const uint8_t *b) {
    kv5_mr_t in = kv5_rd_mr(b + 4), out = kv5_rd_mr(b + 16);
    kernel_nd_t nd;
    memset(&nd, 0, sizeof(nd));
    nd.rank = 4;
    uint64_t li = 0, lo = 0;
    uint32_t e = kernel_dt_bytes(in.dt);
    if (e == 0 || out.dt != in.dt) {
        return kfail(c, "copy from datatype %u to %u", (unsigned)in.dt, (unsigned)out.dt);
    }
    for (int i = 0; i < 4; i++) {
        nd.shape[i] = kv5_u32(b + 28 + 4 * i);
        nd.in_stride[i] = kv5_u32(b + 44 + 4 * i);
        nd.out_stride[i] = kv5_u32(b + 60 + 4 * i);
        if (nd.shape[i] > (1u << 22) || nd.in_stride[i] > (1 << 22) || nd.out_stride[i] > (1 << 22)) {
            return kfail(c, "copy shape/strides out of range");
        }
        if (nd.shape[i] > 1) {
            li += (uint64_t)(nd.shape[i] - 1) * nd.in_stride[i];
            lo += (uint64_t)(nd.shape[i] - 1) * nd.out_stride[i];
        }
    }
    uint64_t n = kernel_nd_count(&nd);
    uint8_t *pi, *po;
    if (mem_at(c, &in, n ? (li + 1) * e : 0, false, "copy input", &pi) || mem_at(c, &out, n ? (lo + 1) * e : 0, true, "copy output", &po)) {
        return -EINVAL;
    }
    if (c->vm && n) {
        kernel_strided_copy(pi, po, e, &nd);
    }
    return 0;
}

static int conv2d(kctx_t *c, const uint8_t *b) {
    kv5_mr_t wr = kv5_rd_mr(b + 4), bn = kv5_rd_mr(b + 16), act = kv5_rd_mr(b + 28), mo = kv5_rd_mr(b + 40);
    uint32_t batches = kv5_u32(b + 52);
    uint64_t w[KPU_ARGS_WORDS];
    for (int i = 0; i < KPU_ARGS_WORDS; i++) {
        w[i] = kv5_u64(b + 56 + 8 * i);
    }
    kpu_args_t a;
    kpu_args_decode(w, &a);
    if (batches < 1 || batches > 1024) {
        return kfail(c, "kpu_conv2d batches %lu (1..1024)", (unsigned long)batches);
    }
    char why[256];
    kpu_args_rules_t rules = { .wbytes = 1, .dma_out = 0 };
    if (kpu_args_check(w, &a, &rules, why, sizeof(why))) {
        return kfail(c, "kpu_conv2d layer: %s", why);
    }
    uint64_t in_b = (uint64_t)kpu_layout_lines(a.ic, a.ih, a.iw) * KPU_LINE_BYTES;
    uint64_t out_b = (uint64_t)kpu_layout_lines(a.oc, a.oh, a.ow) * KPU_LINE_BYTES;
    uint64_t src = (uint64_t)a.src_line * KPU_LINE_BYTES, dst = (uint64_t)a.dst_line * KPU_LINE_BYTES;
    if (src + batches * in_b > K210_AI_SRAM_BYTES || dst + batches * out_b > K210_AI_SRAM_BYTES) {
        return kfail(c, "kpu_conv2d maps end at %llu and %llu, past the 2 MiB AI SRAM",
            (unsigned long long)(src + batches * in_b), (unsigned long long)(dst + batches * out_b));
    }
    if (src < dst + batches * out_b && dst < src + batches * in_b) {
        return kfail(c, "kpu_conv2d input map [%llu, %llu) and output map [%llu, %llu) overlap in AI SRAM",
            (unsigned long long)src, (unsigned long long)(src + batches * in_b), (unsigned long long)dst,
            (unsigned long long)(dst + batches * out_b));
    }
    uint8_t *pw, *pbn, *pact, *pmo = NULL;
    if (mem_at(c, &wr, (uint64_t)a.oc * kpu_args_weights_per_oc(&a, 1), false, "weights", &pw)
        || mem_at(c, &bn, 8ull * a.oc, false, "batch_norm", &pbn) || mem_at(c, &act, 144, false, "activation", &pact)) {
        return -EINVAL;
    }
    if (wr.loc == KV5_LOC_KPU || bn.loc == KV5_LOC_KPU || act.loc == KV5_LOC_KPU) {
        return kfail(c, "kpu_conv2d tables in AI SRAM");
    }
    // the KPU reads the activation table at a 256-byte aligned address (the image is loaded at
    // the file's alignment, so the file offset decides)
    if (act.loc == KV5_LOC_RDATA && (c->h->mod[c->h->k210].rdata_off + act.start) % 256) {
        return kfail(c, "kpu_conv2d activation table at %lu is not 256-aligned",
            (unsigned long)(c->h->mod[c->h->k210].rdata_off + act.start));
    }
    if (mo.size && mem_at(c, &mo, (uint64_t)batches * a.oc * a.oh * a.ow, true, "main_mem_output", &pmo)) {
        return -EINVAL;
    }
    if (!c->vm) {
        return 0;
    }
    kv5_vm_t *vm = c->vm;
    if (!vm->kpu_ready) {
        int r = kpu_driver_begin(KPU_ACT_RULE_NNCASE02, 8);   // nncase 1.x: the 0.2 activation rule, 8-bit mode
        if (r) {
            return kfail(c, "the KPU could not be started (error %d)", r);
        }
        vm->kpu_ready = true;
    }
    for (uint32_t n = 0; n < batches; n++) {
        kpu_args_t an = a;
        an.src_line = a.src_line + n * (uint32_t)(in_b / KPU_LINE_BYTES);
        an.dst_line = a.dst_line + n * (uint32_t)(out_b / KPU_LINE_BYTES);
        uint64_t wn[KPU_ARGS_WORDS];
        kpu_args_encode(&an, wn);
        uint8_t args[96];
        memcpy(args, wn, sizeof(args));
        int r = kpu_driver_conv(args, pw, pbn, pact, NULL, 0);
        if (r) {
            return kfail(c, "%s (%d)", r == -ENODEV ? "this firmware has no KPU behind the kpu_hw seam"
                : r == -ETIMEDOUT ? "the KPU did not finish in time" : r == -EINVAL ? "the KPU rejected the layer arguments"
                : r == -EFAULT ? "a weight table is outside SRAM" : "KPU error", r);
        }
    }
    if (pmo) {
        uint64_t plane = (uint64_t)a.oc * a.oh * a.ow;
        for (uint32_t n = 0; n < batches; n++) {
            kpu_layout_load(vm->ai, a.dst_line + n * (uint32_t)(out_b / KPU_LINE_BYTES), pmo + n * plane, a.oc, a.oh, a.ow);
        }
    }
    return 0;
}

static int walk(kctx_t *c, kv5_reader_t *r) {
    const kv5_module_t *m = &c->h->mod[c->h->k210];
    kv5_func_t f;
    if (kv5_read_func(r, m, c->h->k210_func_off[c->fn], &f, c->in, c->out, c->e)) {
        return -EINVAL;
    }
    c->n_in = f.n_in;
    c->n_out = f.n_out;
    for (uint32_t i = 0; i < f.n_in + f.n_out; i++) {
        const kv5_tensor_t *t = i < f.n_in ? &c->in[i] : &c->out[i - f.n_in];
        if (t->mr.dt != KERNEL_DT_U8) {
            c->pc = 0;
            return kfail(c, "%s %lu has datatype %u, not uint8", i < f.n_in ? "input" : "output",
                (unsigned long)(i < f.n_in ? i : i - f.n_in), (unsigned)t->mr.dt);
        }
    }
    uint32_t base = m->text_off + f.entry;
    uint8_t b[152];
    for (c->pc = 0; c->pc < f.text_size;) {
        if (kv5_read(r, base + c->pc, b, 1, c->e)) {
            return -EINVAL;
        }
        if (b[0] > K_COPY) {
            return kfail(c, "opcode %u is not a k210 instruction", (unsigned)b[0]);
        }
        uint32_t n = insn_bytes[b[0]];
        if (c->pc + n > f.text_size) {
            return kfail(c, "%s runs past the end of the function's code", insn_names[b[0]]);
        }
        if (kv5_read(r, base + c->pc, b, n, c->e)) {
            return -EINVAL;
        }
        int rc;
        switch (b[0]) {
            case K_UPLOAD: rc = xfer(c, b, true); break;
            case K_DOWNLOAD: rc = xfer(c, b, false); break;
            case K_CONV2D: rc = conv2d(c, b); break;
            default: rc = copy(c, b); break;
        }
        if (rc) {
            return rc;
        }
        c->pc += n;
    }
    return 0;
}

int kv5_k210_check(kv5_reader_t *r, const kv5_header_t *h, uint32_t fn, kmodel_err_t *e) {
    kctx_t c;
    memset(&c, 0, sizeof(c));
    c.h = h;
    c.fn = fn;
    c.e = e;
    return walk(&c, r);
}

int kv5_k210_run(kv5_vm_t *vm, uint32_t fn, uint8_t *const *in, uint8_t *const *out) {
    kctx_t c;
    memset(&c, 0, sizeof(c));
    c.h = vm->h;
    c.fn = fn;
    c.e = vm->err;
    c.pin = in;
    c.pout = out;
    c.vm = vm;
    return walk(&c, vm->rd);
}
