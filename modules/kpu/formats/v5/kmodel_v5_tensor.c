// kmodel v5: the stackvm TENSOR instruction (kmodel-v5-spec.md §5, §8). The funct id is mapped
// to an op through the numbering of the file's nncase version; each op decodes its fields, pops
// its operands, checks every shape and every address extent against its pool, and (on a run)
// calls the format-neutral kernel. An op without a kernel here is refused with its name.
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "kmodel_v5.h"

typedef enum {
    OP_NONE, OP_BATCH_TO_SPACE, OP_BINARY, OP_BROADCAST, OP_CALL, OP_COMPARE, OP_CLAMP, OP_CONV2D, OP_CONV2D_TRANSPOSE,
    OP_CONVERT, OP_COPY, OP_CUMSUM, OP_DEQUANTIZE, OP_EQUAL, OP_GATHER, OP_GATHER_ND, OP_HARDMAX, OP_LOGISTIC, OP_LUT1D,
    OP_MATMUL, OP_ONEHOT, OP_PAD, OP_QUANTIZE, OP_RANDOM_NORMAL, OP_RANDOM_UNIFORM, OP_REDUCE, OP_REDUCE_ARG, OP_REDUCE_PROD,
    OP_REDUCE_WINDOW2D, OP_RESIZE_IMAGE, OP_ROI_ALIGN, OP_SIGMOID, OP_SLICE, OP_SOFTMAX, OP_SPACE_TO_BATCH, OP_TAKE,
    OP_TERNARY, OP_TOPK, OP_TRANSPOSE, OP_TRILU, OP_UNARY, OP_GRU, OP_TFLITE_DETECTION_POSTPROCESS, OP_LAYER_NORMALIZATION,
    OP_COMPRESS, OP_GATHER_ELEMENTS, OP_COUNT
} op_t;

// Op names, space-separated in op_t order (packed: a pointer table would cost 368 B more).
static const char names[] =
    "? BATCH_TO_SPACE BINARY BROADCAST CALL COMPARE CLAMP CONV2D CONV2D_TRANSPOSE CONVERT COPY CUMSUM "
    "DEQUANTIZE EQUAL GATHER GATHER_ND HARDMAX LOGISTIC LUT1D MATMUL ONEHOT PAD QUANTIZE RANDOM_NORMAL "
    "RANDOM_UNIFORM REDUCE REDUCE_ARG REDUCE_PROD REDUCE_WINDOW2D RESIZE_IMAGE ROI_ALIGN SIGMOID SLICE "
    "SOFTMAX SPACE_TO_BATCH TAKE TERNARY TOPK TRANSPOSE TRILU UNARY GRU TFLITE_DETECTION_POSTPROCESS "
    "LAYER_NORMALIZATION COMPRESS GATHER_ELEMENTS";

static void name_of(op_t op, char out[KV5_NAME]) {
    const char *p = names;
    for (unsigned i = 0; i < (unsigned)op && *p; p++) {
        i += *p == ' ';
    }
    unsigned n = 0;
    while (p[n] && p[n] != ' ' && n < KV5_NAME - 1) {
        out[n] = p[n];
        n++;
    }
    out[n] = 0;
}

// funct id -> op, per numbering (§8 table)
static const uint8_t t10pre[] = {
    OP_BATCH_TO_SPACE, OP_BINARY, OP_BROADCAST, OP_CALL, OP_CLAMP, OP_CONV2D, OP_CONV2D_TRANSPOSE, OP_CONVERT, OP_COPY,
    OP_DEQUANTIZE, OP_GATHER, OP_GATHER_ND, OP_LOGISTIC, OP_LUT1D, OP_MATMUL, OP_ONEHOT, OP_PAD, OP_QUANTIZE, OP_REDUCE,
    OP_REDUCE_WINDOW2D, OP_RESIZE_IMAGE, OP_SLICE, OP_SOFTMAX, OP_SPACE_TO_BATCH, OP_TAKE, OP_TRANSPOSE, OP_UNARY,
};
static const uint8_t t10[] = {
    OP_BATCH_TO_SPACE, OP_BINARY, OP_BROADCAST, OP_CALL, OP_CLAMP, OP_CONV2D, OP_CONV2D_TRANSPOSE, OP_CONVERT, OP_COPY,
    OP_CUMSUM, OP_DEQUANTIZE, OP_GATHER, OP_GATHER_ND, OP_HARDMAX, OP_LOGISTIC, OP_LUT1D, OP_MATMUL, OP_ONEHOT, OP_PAD,
    OP_QUANTIZE, OP_REDUCE, OP_REDUCE_ARG, OP_REDUCE_WINDOW2D, OP_RESIZE_IMAGE, OP_SLICE, OP_SOFTMAX, OP_SPACE_TO_BATCH,
    OP_TAKE, OP_TRANSPOSE, OP_UNARY,
};
static const uint8_t t11[] = {
    OP_BATCH_TO_SPACE, OP_BINARY, OP_BROADCAST, OP_CALL, OP_CLAMP, OP_CONV2D, OP_CONV2D_TRANSPOSE, OP_CONVERT, OP_COPY,
    OP_CUMSUM, OP_DEQUANTIZE, OP_GATHER, OP_GATHER_ND, OP_HARDMAX, OP_LOGISTIC, OP_LUT1D, OP_MATMUL, OP_ONEHOT, OP_PAD,
    OP_QUANTIZE, OP_RANDOM_NORMAL, OP_RANDOM_UNIFORM, OP_REDUCE, OP_REDUCE_ARG, OP_REDUCE_PROD, OP_REDUCE_WINDOW2D,
    OP_RESIZE_IMAGE, OP_SLICE, OP_SOFTMAX, OP_SPACE_TO_BATCH, OP_TAKE, OP_TERNARY, OP_TRANSPOSE, OP_UNARY,
};
static const uint8_t t12[] = {
    OP_BATCH_TO_SPACE, OP_BINARY, OP_BROADCAST, OP_CALL, OP_CLAMP, OP_CONV2D, OP_CONV2D_TRANSPOSE, OP_CONVERT, OP_COPY,
    OP_CUMSUM, OP_DEQUANTIZE, OP_GATHER, OP_GATHER_ND, OP_HARDMAX, OP_LOGISTIC, OP_LUT1D, OP_MATMUL, OP_ONEHOT, OP_PAD,
    OP_QUANTIZE, OP_RANDOM_NORMAL, OP_RANDOM_UNIFORM, OP_REDUCE, OP_REDUCE_ARG, OP_REDUCE_PROD, OP_REDUCE_WINDOW2D,
    OP_RESIZE_IMAGE, OP_ROI_ALIGN, OP_SIGMOID, OP_SLICE, OP_SOFTMAX, OP_SPACE_TO_BATCH, OP_TAKE, OP_TERNARY, OP_TOPK,
    OP_TRANSPOSE, OP_TRILU, OP_UNARY,
};
static const uint8_t t13[] = {
    OP_BATCH_TO_SPACE, OP_BINARY, OP_BROADCAST, OP_CALL, OP_CLAMP, OP_CONV2D, OP_CONV2D_TRANSPOSE, OP_CONVERT, OP_COPY,
    OP_CUMSUM, OP_DEQUANTIZE, OP_EQUAL, OP_GATHER, OP_GATHER_ND, OP_HARDMAX, OP_LOGISTIC, OP_LUT1D, OP_MATMUL, OP_ONEHOT,
    OP_PAD, OP_QUANTIZE, OP_RANDOM_NORMAL, OP_RANDOM_UNIFORM, OP_REDUCE, OP_REDUCE_ARG, OP_REDUCE_PROD, OP_REDUCE_WINDOW2D,
    OP_RESIZE_IMAGE, OP_ROI_ALIGN, OP_SIGMOID, OP_SLICE, OP_SOFTMAX, OP_SPACE_TO_BATCH, OP_TAKE, OP_TERNARY, OP_TOPK,
    OP_TRANSPOSE, OP_TRILU, OP_UNARY,
};
static const uint8_t t16[] = {
    OP_BATCH_TO_SPACE, OP_BINARY, OP_BROADCAST, OP_CALL, OP_COMPARE, OP_CLAMP, OP_CONV2D, OP_CONV2D_TRANSPOSE, OP_CONVERT,
    OP_COPY, OP_CUMSUM, OP_DEQUANTIZE, OP_GATHER, OP_GATHER_ND, OP_HARDMAX, OP_LOGISTIC, OP_LUT1D, OP_MATMUL, OP_ONEHOT,
    OP_PAD, OP_QUANTIZE, OP_RANDOM_NORMAL, OP_RANDOM_UNIFORM, OP_REDUCE, OP_REDUCE_ARG, OP_REDUCE_PROD, OP_REDUCE_WINDOW2D,
    OP_RESIZE_IMAGE, OP_ROI_ALIGN, OP_SIGMOID, OP_SLICE, OP_SOFTMAX, OP_SPACE_TO_BATCH, OP_TAKE, OP_TERNARY, OP_TOPK,
    OP_TRANSPOSE, OP_TRILU, OP_UNARY, OP_GRU, OP_TFLITE_DETECTION_POSTPROCESS, OP_LAYER_NORMALIZATION, OP_COMPRESS,
    OP_GATHER_ELEMENTS,
};

static op_t op_of(kv5_epoch_t e, uint16_t funct) {
    static const struct { const uint8_t *t; uint16_t n; } tables[KV5_EPOCHS] = {
        { t10pre, sizeof(t10pre) }, { t10, sizeof(t10) }, { t11, sizeof(t11) }, { t12, sizeof(t12) },
        { t13, sizeof(t13) }, { t13, sizeof(t13) }, { t16, sizeof(t16) },
    };
    return funct < tables[e].n ? (op_t)tables[e].t[funct] : OP_NONE;
}

// --- decoding context of one instruction ---
typedef struct {
    kv5_vm_t *vm;
    uint32_t pc, at;           // the instruction's .text offset; the next field's
    uint32_t base, end;        // file offset of the code; code bytes
    char name[KV5_NAME];
} dec_t;

// Formats "stackvm .text+PC OP: <msg>".
static int dfail(dec_t *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int dfail(dec_t *d, const char *fmt, ...) {
    char msg[300];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return kmodel_fail(d->vm->err, KMODEL_EVALUE, 0, "stackvm .text+%lu %s: %s", (unsigned long)d->pc, d->name, msg);
}

// Fields after the funct, by a spec: d datatype, b u8, R shape register (set before), h u16,
// f f32, w u32.
typedef struct {
    const kv5_shape_reg_t *r[8];
    uint8_t b[4];
    uint16_t h[6];
    float f[2];
    uint32_t w;
} fld_t;

static int fields(dec_t *d, const char *spec, fld_t *o) {
    unsigned nr = 0, nb = 0, nh = 0, nf = 0;
    memset(o, 0, sizeof(*o));
    for (const char *c = spec; *c; c++) {
        uint8_t raw[4];
        uint32_t n = *c == 'h' ? 2 : *c == 'f' || *c == 'w' ? 4 : 1;
        if (d->at + n > d->end) {
            return dfail(d, "fields run past the code");
        }
        if (kv5_read(d->vm->rd, d->base + d->at, raw, n, d->vm->err)) {
            return -EINVAL;
        }
        d->at += n;
        switch (*c) {
            case 'R':
                if (raw[0] >= KV5_SHAPE_REGS || d->vm->reg[raw[0]].rank == 0xFF) {
                    return dfail(d, "field %d: shape register %u never set", (int)(c - spec), raw[0]);
                }
                o->r[nr++] = &d->vm->reg[raw[0]];
                break;
            case 'd':
                if (kernel_dt_bytes(raw[0]) == 0) {
                    return dfail(d, "datatype %u is not nncase's", raw[0]);
                }
                // fall through
            case 'b': o->b[nb++] = raw[0]; break;
            case 'h': o->h[nh++] = kv5_u16(raw); break;
            case 'f': memcpy(&o->f[nf++], raw, 4); break;
            default: o->w = kv5_u32(raw); break;
        }
    }
    return 0;
}

// Operands by a spec in push order (A address, n number, i integer, p padding), popped last
// first. A padding is (before, after) up to nncase 1.0, (before, after, interior) later (§4.4).
static int operands(dec_t *d, const char *spec, kv5_value_t *v, kernel_padding_t *pad) {
    kv5_vm_t *vm = d->vm;
    int np = 0;
    for (const char *c = spec; *c; c++) {
        np += *c == 'p';
    }
    for (int k = (int)strlen(spec) - 1; k >= 0; k--) {
        char c = spec[k];
        int n = c != 'p' ? 1 : vm->epoch >= KV5_EPOCH_11 ? 3 : 2;
        int64_t p[3] = { 0, 0, 0 };
        for (int j = n - 1; j >= 0; j--) {
            if (vm->sp == 0) {
                return dfail(d, "pops an empty stack");
            }
            v[k] = vm->stack[--vm->sp];
            uint8_t kind = v[k].kind;
            if (c == 'A' ? kind != KV5_V_ADDR : c == 'n' ? kind == KV5_V_ADDR : kind != KV5_V_INT) {
                return dfail(d, "operand %d is not %s", k, c == 'A' ? "an address" : c == 'n' ? "a number" : "an integer");
            }
            p[j] = v[k].i;
        }
        if (c == 'p') {
            if (p[2] != 0 || p[0] < -4096 || p[0] > 4096 || p[1] < -4096 || p[1] > 4096) {
                return dfail(d, "padding (%lld, %lld, %lld) not supported", (long long)p[0], (long long)p[1], (long long)p[2]);
            }
            np--;
            pad[np].before = (int32_t)p[0];
            pad[np].after = (int32_t)p[1];
        }
    }
    vm->fields_ok = true;   // the op read as a plausible one: what fails now is the file's
    return 0;
}

static float real_of(const kv5_value_t *v) {
    return v->kind == KV5_V_REAL ? v->f : (float)v->i;
}

// The element offset range a strided tensor touches, checked against its address's pool.
// Returns the CPU pointer on a run (else NULL) through *ptr.
static int span(dec_t *d, const kv5_value_t *addr, uint32_t elem, const kv5_shape_reg_t *shape, const kv5_shape_reg_t *stride,
    bool write, uint8_t **ptr) {
    kv5_vm_t *vm = d->vm;
    vm->fields_ok = true;   // the op read as a plausible one: what fails now is the file's
    uint64_t last = 0, count = 1;
    if (stride->rank != shape->rank) {
        return dfail(d, "%u dims, %u strides", shape->rank, stride->rank);
    }
    for (uint32_t i = 0; i < shape->rank && count; i++) {
        count *= shape->d[i];
        last += shape->d[i] > 1 ? (uint64_t)(shape->d[i] - 1) * stride->d[i] : 0;
        if (count > (1u << 24) || last > (1u << 24)) {
            return dfail(d, "tensor too large");
        }
    }
    uint64_t bytes = count == 0 ? 0 : (last + 1) * elem;
    uint32_t file_base = addr->pool == KV5_POOL_RDATA ? vm->h->mod[vm->h->stackvm].rdata_off : 0;
    if (addr->i < (int64_t)addr->lo || (uint64_t)addr->i + bytes > addr->hi || (write && addr->pool == KV5_POOL_RDATA)
        || (elem > 1 && (file_base + (uint64_t)addr->i) % (elem > 4 ? 4 : elem))) {
        return dfail(d, "%s %s+%lld (%llu B) is outside its buffer [%lu, %lu), read-only or misaligned", write ? "output" : "input",
            addr->pool == KV5_POOL_RDATA ? ".rdata" : "main", (long long)addr->i, (unsigned long long)bytes,
            (unsigned long)addr->lo, (unsigned long)addr->hi);
    }
    *ptr = NULL;
    if (vm->run) {
        *ptr = addr->pool == KV5_POOL_RDATA ? (uint8_t *)(uintptr_t)(vm->rdata + addr->i) : vm->main + addr->i;
    }
    return 0;
}

static bool is_contiguous(const kv5_shape_reg_t *shape, const kv5_shape_reg_t *stride) {
    uint64_t want = 1;
    for (int32_t i = (int32_t)shape->rank - 1; i >= 0; i--) {
        if (shape->d[i] != 1 && stride->d[i] != want) {
            return false;
        }
        want *= shape->d[i];
    }
    return true;
}

static void nd_of(kernel_nd_t *nd, const kv5_shape_reg_t *shape, const kv5_shape_reg_t *is, const kv5_shape_reg_t *os) {
    memset(nd, 0, sizeof(*nd));
    nd->rank = shape->rank;
    for (uint32_t i = 0; i < shape->rank; i++) {
        nd->shape[i] = shape->d[i];
        nd->in_stride[i] = is->d[i];
        nd->out_stride[i] = os->d[i];
    }
}

static void record(dec_t *d, op_t op, uint8_t dt, const kv5_value_t *out, const kv5_shape_reg_t *shape,
    const kv5_shape_reg_t *stride) {
    kv5_op_info_t *l = &d->vm->last;
    memset(l, 0, sizeof(*l));
    name_of(op, l->name);
    l->pc = d->pc;
    l->dt = dt;
    l->k210_fn = ~0u;
    l->pool = out->pool;
    l->at = (uint32_t)out->i;
    l->count = 1;
    l->rank = shape->rank;
    for (uint32_t i = 0; i < shape->rank; i++) {
        l->dims[i] = shape->d[i];
        l->strides[i] = stride->d[i];
        l->count *= shape->d[i];
    }
}

// DEQUANTIZE / QUANTIZE / CONVERT: in_dt, out_dt, rshape_src, rstride_src, rstride_dest.
static int op_cast(dec_t *d, op_t op) {
    fld_t f;
    kv5_value_t v[4];
    if (fields(d, "ddRRR", &f) || operands(d, op == OP_CONVERT ? "AA" : "AAnn", v, NULL)) {
        return -EINVAL;
    }
    uint8_t idt = f.b[0], odt = f.b[1];
    const kv5_shape_reg_t *shape = f.r[0], *is = f.r[1], *os = f.r[2];
    // supported: u8/i8 -> f32, f32 -> u8/i8, and casts among i8 u8 i16 u16 i32 u32 f32
    const uint16_t ints = 1u << KERNEL_DT_I8 | 1u << KERNEL_DT_U8, casts = 0x277;
    bool ok = op == OP_DEQUANTIZE ? (ints >> idt & 1) && odt == KERNEL_DT_F32
        : op == OP_QUANTIZE ? idt == KERNEL_DT_F32 && (ints >> odt & 1) : (casts >> idt & 1) && (casts >> odt & 1);
    if (!ok) {
        return dfail(d, "datatype %u to %u not supported", idt, odt);
    }
    uint8_t *ip, *opp;
    if (span(d, &v[0], kernel_dt_bytes(idt), shape, is, false, &ip) || span(d, &v[1], kernel_dt_bytes(odt), shape, os, true, &opp)) {
        return -EINVAL;
    }
    record(d, op, odt, &v[1], shape, os);
    if (d->vm->run) {
        kernel_nd_t nd;
        nd_of(&nd, shape, is, os);
        if (op == OP_DEQUANTIZE) {
            kernel_strided_dequantize(ip, idt == KERNEL_DT_I8, (float *)(void *)opp, real_of(&v[2]), real_of(&v[3]), &nd);
        } else if (op == OP_QUANTIZE) {
            kernel_strided_quantize((const float *)(const void *)ip, opp, odt == KERNEL_DT_I8, real_of(&v[2]), real_of(&v[3]),
                KERNEL_ROUND_PAIRS_EVEN, &nd);
        } else {
            kernel_strided_convert(ip, idt, opp, odt, &nd);
        }
    }
    return 0;
}

// COPY (dt, rshape, rstride_src, rstride_dest), TRANSPOSE (+ rshape_perm after the strides) and
// SLICE (+ rbegins, rends, rsteps): one strided element copy over the output's index space.
static int op_copy(dec_t *d, op_t op) {
    fld_t f;
    kv5_value_t v[2];
    if (fields(d, op == OP_COPY ? "dRRR" : op == OP_TRANSPOSE ? "dRRRR" : "dRRRRRR", &f) || operands(d, "AA", v, NULL)) {
        return -EINVAL;
    }
    const kv5_shape_reg_t *shape = f.r[0], *is = f.r[1], *os = f.r[2];
    uint32_t r = shape->rank, e = kernel_dt_bytes(f.b[0]);
    for (int k = 1; k < (op == OP_COPY ? 3 : op == OP_TRANSPOSE ? 4 : 6); k++) {
        if (f.r[k]->rank != r) {
            return dfail(d, "register %d has %u dims, the shape %lu", k, f.r[k]->rank, (unsigned long)r);
        }
    }
    kv5_shape_reg_t oshape = { (uint8_t)r, { 0 } };
    kernel_nd_t nd;
    nd_of(&nd, shape, is, os);
    int64_t first = 0;
    uint32_t seen = 0;
    for (uint32_t i = 0; i < r; i++) {
        oshape.d[i] = shape->d[i];
        if (op == OP_TRANSPOSE) {   // output axis i walks input axis perm[i]
            uint32_t p = f.r[3]->d[i];
            if (p >= r || (seen >> p & 1)) {
                return dfail(d, "not a permutation");
            }
            seen |= 1u << p;
            oshape.d[i] = shape->d[p];
            nd.in_stride[i] = is->d[p];
        } else if (op == OP_SLICE) {   // numpy x[b:e:s]; a step of 2^31 or more is negative
            int64_t b = (int32_t)f.r[3]->d[i], en = (int32_t)f.r[4]->d[i], st = (int32_t)f.r[5]->d[i], dim = shape->d[i], n;
            if (st == 0) {
                return dfail(d, "step 0");
            }
            if (st > 0) {
                b = b < 0 ? 0 : b;
                en = en > dim ? dim : en;
                n = b < en ? (en - b + st - 1) / st : 0;
            } else {
                b = b > dim - 1 ? dim - 1 : b;
                en = en < -1 ? -1 : en;
                n = b > en ? (b - en - st - 1) / -st : 0;
            }
            oshape.d[i] = (uint32_t)n;
            first += n > 0 ? b * (int64_t)is->d[i] : 0;
            nd.in_stride[i] = st * (int64_t)is->d[i];
        }
        nd.shape[i] = oshape.d[i];
    }
    uint8_t *ip, *opp;
    if (span(d, &v[0], e, shape, is, false, &ip) || span(d, &v[1], e, &oshape, os, true, &opp)) {
        return -EINVAL;
    }
    record(d, op, f.b[0], &v[1], &oshape, os);
    if (d->vm->run && kernel_nd_count(&nd)) {
        kernel_strided_copy(ip + first * e, opp, e, &nd);
    }
    return 0;
}

// BINARY: dt, rshape_src1, rstride_src1, rshape_src2, rstride_src2, [rshape_dest 1.4+],
// rstride_dest, op, clamp low, high. Broadcast right-aligned.
static int op_binary(dec_t *d) {
    fld_t f;
    kv5_value_t v[3];
    bool v14 = d->vm->epoch >= KV5_EPOCH_14;
    if (fields(d, v14 ? "dRRRRRRbff" : "dRRRRRbff", &f) || operands(d, "AAA", v, NULL)) {
        return -EINVAL;
    }
    const kv5_shape_reg_t *sa = f.r[0], *ta = f.r[1], *sb = f.r[2], *tb = f.r[3], *td = f.r[v14 ? 5 : 4];
    uint8_t bop = f.b[1];
    if (f.b[0] != KERNEL_DT_F32 || bop > 6) {
        return dfail(d, "datatype %u op %u not supported", f.b[0], bop);
    }
    uint32_t rank = sa->rank > sb->rank ? sa->rank : sb->rank;
    kv5_shape_reg_t os = { (uint8_t)rank, { 0 } };
    kernel_binary_nd_params_t p;
    memset(&p, 0, sizeof(p));
    p.op = (kernel_binary_nd_op_t)bop;
    p.rank = rank;
    p.act.lo = f.f[0];
    p.act.hi = f.f[1];
    for (uint32_t i = 0; i < rank; i++) {
        int32_t ia = (int32_t)i - (int32_t)(rank - sa->rank), ib = (int32_t)i - (int32_t)(rank - sb->rank);
        uint32_t da = ia >= 0 ? sa->d[ia] : 1, db = ib >= 0 ? sb->d[ib] : 1;
        if (da != db && da != 1 && db != 1) {
            return dfail(d, "shapes do not broadcast on axis %lu", (unsigned long)i);
        }
        os.d[i] = p.out_shape[i] = da > db ? da : db;
        p.a_shape[i] = da;
        p.b_shape[i] = db;
        p.a_stride[i] = ia >= 0 && ta->rank == sa->rank ? ta->d[ia] : 0;
        p.b_stride[i] = ib >= 0 && tb->rank == sb->rank ? tb->d[ib] : 0;
        p.out_stride[i] = td->d[i];
    }
    if ((v14 && (f.r[4]->rank != rank || memcmp(f.r[4]->d, os.d, 4 * rank) != 0)) || td->rank != rank) {
        return dfail(d, "output shape/strides are not the broadcast shape");
    }
    uint8_t *pa, *pb, *po;
    if (span(d, &v[0], 4, sa, ta, false, &pa) || span(d, &v[1], 4, sb, tb, false, &pb) || span(d, &v[2], 4, &os, td, true, &po)) {
        return -EINVAL;
    }
    record(d, OP_BINARY, KERNEL_DT_F32, &v[2], &os, td);
    if (d->vm->run) {
        kernel_binary_nd((const float *)(const void *)pa, (const float *)(const void *)pb, (float *)(void *)po, &p);
    }
    return 0;
}

// An NCHW tensor the existing (contiguous) kernels take.
static int nchw(dec_t *d, const kv5_shape_reg_t *s, const kv5_shape_reg_t *st) {
    if (s->rank != 4 || !is_contiguous(s, st)) {
        return dfail(d, "only contiguous NCHW tensors are supported");
    }
    return 0;
}

// The window ops' common part: input NCHW, filter/stride/dilation >= 1, the output size.
static int window(dec_t *d, const kv5_shape_reg_t *s, const kv5_shape_reg_t *st, const uint16_t *w, int32_t fh, int32_t fw,
    const kernel_padding_t *pad, kv5_shape_reg_t *osh, uint32_t oc) {
    if (nchw(d, s, st)) {
        return -EINVAL;
    }
    if (!fh || !fw || !w[0] || !w[1] || !w[2] || !w[3]) {
        return dfail(d, "window values must be at least 1");
    }
    int32_t oh = kernel_windowed((int32_t)s->d[2], fh, w[0], w[2], pad[0]), ow = kernel_windowed((int32_t)s->d[3], fw, w[1], w[3], pad[1]);
    if (oh < 1 || ow < 1) {
        return dfail(d, "empty output");
    }
    *osh = (kv5_shape_reg_t) { 4, { s->d[0], oc, (uint32_t)oh, (uint32_t)ow } };
    return 0;
}

// REDUCE_WINDOW2D: dt, op, rshape_src, rstride_src, rstride_dest, filter h/w, stride h/w,
// dilation h/w, clamp low, high; operands in, init, out, pad_h, pad_w.
static int op_reduce_window2d(dec_t *d) {
    fld_t f;
    kv5_value_t v[5];
    kernel_reduce_window2d_params_t p;
    memset(&p, 0, sizeof(p));
    kernel_padding_t pad[2];
    if (fields(d, "dbRRRhhhhhhff", &f) || operands(d, "AnApp", v, pad)) {
        return -EINVAL;
    }
    const kv5_shape_reg_t *shape = f.r[0], *os = f.r[2];
    kv5_shape_reg_t osh;
    if (f.b[0] != KERNEL_DT_F32 || f.b[1] > 3) {
        return dfail(d, "datatype %u op %u not supported", f.b[0], f.b[1]);
    }
    if (window(d, shape, f.r[1], f.h + 2, f.h[0], f.h[1], pad, &osh, shape->d[1])) {
        return -EINVAL;
    }
    static const kernel_reduce_op_t ops[4] = { KERNEL_REDUCE_MEAN, KERNEL_REDUCE_MIN, KERNEL_REDUCE_MAX, KERNEL_REDUCE_SUM };
    p.op = ops[f.b[1]];
    p.dtype = KERNEL_F32;
    for (int i = 0; i < 4; i++) {
        p.in_shape.d[i] = (int32_t)shape->d[i];
    }
    p.out_h = (int32_t)osh.d[2];
    p.out_w = (int32_t)osh.d[3];
    p.pad_h = pad[0];
    p.pad_w = pad[1];
    p.filter_h = f.h[0];
    p.filter_w = f.h[1];
    p.stride_h = f.h[2];
    p.stride_w = f.h[3];
    p.dilation_h = f.h[4];
    p.dilation_w = f.h[5];
    p.init = real_of(&v[1]);
    p.act.lo = f.f[0];
    p.act.hi = f.f[1];
    uint8_t *ip, *opp;
    if (span(d, &v[0], 4, shape, f.r[1], false, &ip) || nchw(d, &osh, os) || span(d, &v[2], 4, &osh, os, true, &opp)) {
        return -EINVAL;
    }
    record(d, OP_REDUCE_WINDOW2D, KERNEL_DT_F32, &v[2], &osh, os);
    if (d->vm->run) {
        kernel_reduce_window2d(ip, opp, &p);
    }
    return 0;
}

// RESIZE_IMAGE: dt, rshape_src, rstride_src, rstride_dest, align_corners, half_pixel_centers,
// mode (0 bilinear, 1 nearest); operands out_h, out_w, in, out.
static int op_resize_image(dec_t *d) {
    fld_t f;
    kv5_value_t v[4];
    if (fields(d, "dRRRbbb", &f) || operands(d, "iiAA", v, NULL)) {
        return -EINVAL;
    }
    uint8_t dt = f.b[0], ac = f.b[1], hpc = f.b[2], mode = f.b[3];
    const kv5_shape_reg_t *shape = f.r[0], *os = f.r[2];
    if (mode != 1 || ac || hpc || (dt != KERNEL_DT_F32 && dt != KERNEL_DT_U8)) {   // nearest, as the shared kernel does
        return dfail(d, "mode %u align_corners %u half_pixel %u datatype %u not supported", mode, ac, hpc, dt);
    }
    if (v[0].i < 1 || v[0].i > 4096 || v[1].i < 1 || v[1].i > 4096 || nchw(d, shape, f.r[1])) {
        return dfail(d, "bad sizes");
    }
    kernel_resize_image_params_t p;
    memset(&p, 0, sizeof(p));
    p.mode = KERNEL_RESIZE_NEAREST;
    p.dtype = dt == KERNEL_DT_F32 ? KERNEL_F32 : KERNEL_U8;
    for (int i = 0; i < 4; i++) {
        p.in_shape.d[i] = (int32_t)shape->d[i];
    }
    p.out_h = (int32_t)v[0].i;
    p.out_w = (int32_t)v[1].i;
    kv5_shape_reg_t osh = { 4, { shape->d[0], shape->d[1], (uint32_t)p.out_h, (uint32_t)p.out_w } };
    uint8_t *ip, *opp;
    uint32_t e = kernel_dt_bytes(dt);
    if (span(d, &v[2], e, shape, f.r[1], false, &ip) || nchw(d, &osh, os) || span(d, &v[3], e, &osh, os, true, &opp)) {
        return -EINVAL;
    }
    record(d, OP_RESIZE_IMAGE, dt, &v[3], &osh, os);
    if (d->vm->run) {
        kernel_resize_image(ip, opp, &p);
    }
    return 0;
}

// CONV2D: dt, rshape_src, rstride_src, rshape_kernel, rstride_kernel, rstride_bias, rstride_dest,
// groups, stride h/w, dilation h/w, clamp low, high; operands in, weights, bias, out, pad_h, pad_w.
static int op_conv2d(dec_t *d) {
    fld_t f;
    kv5_value_t v[6];
    kernel_padding_t pad[2];
    if (fields(d, "dRRRRRRhhhhhff", &f) || operands(d, "AAAApp", v, pad)) {
        return -EINVAL;
    }
    const kv5_shape_reg_t *shape = f.r[0], *ks = f.r[2], *os = f.r[5];
    uint32_t groups = f.h[0], ic = shape->d[1], oc = ks->d[0];
    kv5_shape_reg_t osh;
    if (f.b[0] != KERNEL_DT_F32 || nchw(d, ks, f.r[3])
        || window(d, shape, f.r[1], f.h + 1, (int32_t)ks->d[2], (int32_t)ks->d[3], pad, &osh, oc)) {
        return f.b[0] != KERNEL_DT_F32 ? dfail(d, "float32 only") : -EINVAL;
    }
    if (groups == 0 || ic % groups || oc % groups || ks->d[1] != ic / groups || ks->d[2] > 64 || ks->d[3] > 64) {
        return dfail(d, "kernel does not fit %lu channels in %u groups", (unsigned long)ic, (unsigned)groups);
    }
    kernel_conv2d_params_t p;
    memset(&p, 0, sizeof(p));
    for (int i = 0; i < 4; i++) {
        p.in_shape.d[i] = (int32_t)shape->d[i];
    }
    p.groups = (int32_t)groups;
    p.out_channels = (int32_t)oc;
    p.pad_h = pad[0];
    p.pad_w = pad[1];
    p.filter_h = (int32_t)ks->d[2];
    p.filter_w = (int32_t)ks->d[3];
    p.stride_h = f.h[1];
    p.stride_w = f.h[2];
    p.dilation_h = f.h[3];
    p.dilation_w = f.h[4];
    p.act.lo = f.f[0];
    p.act.hi = f.f[1];
    kv5_shape_reg_t bsh = { 1, { oc } }, one = { 1, { 1 } };
    uint8_t *ip, *wp, *bp, *opp;
    if (span(d, &v[0], 4, shape, f.r[1], false, &ip) || span(d, &v[1], 4, ks, f.r[3], false, &wp)
        || span(d, &v[2], 4, &bsh, &one, false, &bp) || nchw(d, &osh, os) || span(d, &v[3], 4, &osh, os, true, &opp)) {
        return -EINVAL;
    }
    record(d, OP_CONV2D, KERNEL_DT_F32, &v[3], &osh, os);
    if (d->vm->run) {
        kernel_conv2d((const float *)(const void *)ip, (float *)(void *)opp, (const float *)(const void *)wp,
            (const float *)(const void *)bp, &p);
    }
    return 0;
}

// MATMUL (1.4+): rshape_src1, rstride_src1, rshape_src2, rstride_src2, rshape_dest, rstride_dest,
// clamp low, high (1.3: rshape_src1, rshape_src2, clamps); a [1.., M, K] x b [1.., K, N] + bias [N].
static int op_matmul(dec_t *d) {
    fld_t f;
    kv5_value_t v[4];
    bool v13 = d->vm->epoch == KV5_EPOCH_13;
    if (fields(d, v13 ? "RRff" : "RRRRRRff", &f) || operands(d, "AAAA", v, NULL)) {
        return -EINVAL;
    }
    const kv5_shape_reg_t *sa = f.r[0], *sb = f.r[v13 ? 1 : 2];
    if (sa->rank < 2 || sb->rank < 2) {
        return dfail(d, "inputs need 2 dims");
    }
    uint32_t m = sa->d[sa->rank - 2], k = sa->d[sa->rank - 1], n = sb->d[sb->rank - 1];
    uint64_t ca = 1, cb = 1, cd = 1;
    for (uint32_t i = 0; i < sa->rank; i++) {
        ca *= sa->d[i];
    }
    for (uint32_t i = 0; i < sb->rank; i++) {
        cb *= sb->d[i];
    }
    for (uint32_t i = 0; !v13 && i < f.r[4]->rank; i++) {
        cd *= f.r[4]->d[i];
    }
    // batches of 1 only, contiguous operands
    if (ca != (uint64_t)m * k || cb != (uint64_t)k * n || sb->d[sb->rank - 2] != k || (!v13 && cd != (uint64_t)m * n)
        || (!v13 && (!is_contiguous(sa, f.r[1]) || !is_contiguous(sb, f.r[3]) || !is_contiguous(f.r[4], f.r[5])))) {
        return dfail(d, "only contiguous [M,K] x [K,N] is supported");
    }
    kv5_shape_reg_t ash = { 2, { m, k } }, ast = { 2, { k, 1 } }, bsh = { 2, { k, n } }, bst = { 2, { n, 1 } };
    kv5_shape_reg_t osh = { 2, { m, n } }, vsh = { 1, { n } }, vst = { 1, { 1 } };
    uint8_t *pa, *pb, *pbias, *po;
    if (span(d, &v[0], 4, &ash, &ast, false, &pa) || span(d, &v[1], 4, &bsh, &bst, false, &pb)
        || span(d, &v[2], 4, &vsh, &vst, false, &pbias) || span(d, &v[3], 4, &osh, &bst, true, &po)) {
        return -EINVAL;
    }
    record(d, OP_MATMUL, KERNEL_DT_F32, &v[3], &osh, &bst);
    if (d->vm->run) {
        kernel_matmul_params_t p = { (int32_t)m, (int32_t)k, (int32_t)n, false, KERNEL_BIAS_FIRST, { f.f[0], f.f[1] } };
        kernel_matmul((const float *)(const void *)pa, (const float *)(const void *)pb, (float *)(void *)po,
            (const float *)(const void *)pbias, &p);
    }
    return 0;
}

// UNARY: dt, rshape_src, rstride_src, rstride_dest, unary_op (ids per version, spec 8.4).
// The 1.0 pre-release and rc1 ids differ and share this numbering: an id meaning two things is refused.
#define X 0xFF
static const uint8_t u_pre[] = { KERNEL_UNARY_ABS, KERNEL_UNARY_CEIL, KERNEL_UNARY_COS, KERNEL_UNARY_EXP, KERNEL_UNARY_FLOOR,
    KERNEL_UNARY_LOG, KERNEL_UNARY_NEG, KERNEL_UNARY_ROUND, KERNEL_UNARY_RSQRT, KERNEL_UNARY_SIN, KERNEL_UNARY_SQRT,
    KERNEL_UNARY_SQUARE, KERNEL_UNARY_TANH };
static const uint8_t u_10[] = { KERNEL_UNARY_ABS, X, X, KERNEL_UNARY_CEIL, KERNEL_UNARY_COS, KERNEL_UNARY_EXP, KERNEL_UNARY_FLOOR,
    KERNEL_UNARY_LOG, KERNEL_UNARY_NEG, KERNEL_UNARY_ROUND, KERNEL_UNARY_RSQRT, KERNEL_UNARY_SIN, KERNEL_UNARY_SQRT,
    KERNEL_UNARY_SQUARE, KERNEL_UNARY_TANH };
static const uint8_t u_11[] = { KERNEL_UNARY_ABS, X, X, KERNEL_UNARY_CEIL, KERNEL_UNARY_COS, KERNEL_UNARY_EXP, KERNEL_UNARY_FLOOR,
    KERNEL_UNARY_LOG, KERNEL_UNARY_NEG, KERNEL_UNARY_ROUND, KERNEL_UNARY_RSQRT, KERNEL_UNARY_SIGN, KERNEL_UNARY_SIN,
    KERNEL_UNARY_SQRT, KERNEL_UNARY_SQUARE, KERNEL_UNARY_TANH };

// The contiguous f32 tensor ops below (UNARY, SOFTMAX) share this check.
static int contiguous_f32(dec_t *d, uint8_t dt, const kv5_shape_reg_t *s, const kv5_shape_reg_t *is) {
    if (dt != KERNEL_DT_F32 || is->rank != s->rank || !is_contiguous(s, is)) {
        return dfail(d, "only contiguous float32 tensors are supported");
    }
    return 0;
}

static int op_unary(dec_t *d, op_t op) {
    fld_t f;
    kv5_value_t v[2];
    kv5_epoch_t ep = d->vm->epoch;
    if (fields(d, op == OP_UNARY ? "dRRRb" : "dRRRwf", &f) || operands(d, "AA", v, NULL)
        || contiguous_f32(d, f.b[0], f.r[0], f.r[1]) || contiguous_f32(d, f.b[0], f.r[0], f.r[2])) {
        return -EINVAL;
    }
    const kv5_shape_reg_t *s = f.r[0];
    uint8_t u = f.b[1], k = X;
    if (op == OP_UNARY) {
        const uint8_t *t = ep == KV5_EPOCH_10PRE ? u_pre : ep == KV5_EPOCH_10 ? u_10 : u_11;
        uint32_t n = ep == KV5_EPOCH_10PRE ? sizeof(u_pre) : ep == KV5_EPOCH_10 ? sizeof(u_10) : sizeof(u_11);
        k = u < n ? t[u] : X;
        if (ep == KV5_EPOCH_10PRE && u < sizeof(u_10) && u_10[u] != k) {
            return dfail(d, "unary_op %u means different ops in nncase 1.0 pre-release and rc1: recompile with nncase 1.1+", u);
        }
        if (k == X) {
            return dfail(d, "unary_op %u is not implemented", u);
        }
    } else if (s->rank == 0 || (f.w != s->rank - 1 && (int32_t)f.w != -1)) {
        return dfail(d, "axis %ld: only the last axis is supported", (long)(int32_t)f.w);
    }
    uint8_t *ip, *opp;
    if (span(d, &v[0], 4, s, f.r[1], false, &ip) || span(d, &v[1], 4, s, f.r[2], true, &opp)) {
        return -EINVAL;
    }
    record(d, op, KERNEL_DT_F32, &v[1], s, f.r[2]);
    if (d->vm->run) {
        size_t n = 1;
        for (uint32_t i = 0; i < s->rank; i++) {
            n *= s->d[i];
        }
        if (op == OP_UNARY) {
            kernel_unary((const float *)(const void *)ip, (float *)(void *)opp, n, (kernel_unary_op_t)k);
        } else if (n) {
            kernel_softmax_params_t p = { f.f[0], false };
            size_t inner = s->d[s->rank - 1];
            kernel_softmax((const float *)(const void *)ip, (float *)(void *)opp, inner, n / inner, &p);
        }
    }
    return 0;
}
#undef X

// CALL: function_id, module_id, num_src, num_dst; per tensor (addr, datatype, rshape, rstride).
static int op_call(dec_t *d) {
    kv5_vm_t *vm = d->vm;
    const kv5_header_t *h = vm->h;
    fld_t f;
    if (fields(d, "whbb", &f)) {
        return -EINVAL;
    }
    uint32_t fn = f.w;
    uint8_t ns = f.b[0], nd = f.b[1];
    if (h->k210 < 0 || f.h[0] != (uint16_t)h->k210 || fn >= h->k210_funcs) {
        return dfail(d, "calls function %lu of module %u: only k210 module functions can be called", (unsigned long)fn, f.h[0]);
    }
    kv5_func_t fk;
    kv5_tensor_t fin[KV5_MAX_IO], fout[KV5_MAX_IO];
    if (kv5_read_func(vm->rd, &h->mod[h->k210], h->k210_func_off[fn], &fk, fin, fout, vm->err)) {
        return -EINVAL;
    }
    if (ns != fk.n_in || nd != fk.n_out) {
        return dfail(d, "passes %u inputs and %u outputs to k210 function %lu", ns, nd, (unsigned long)fn);
    }
    uint8_t *ptr[2][KV5_MAX_IO];
    for (int side = 1; side >= 0; side--) {   // outputs pop first, last one first
        kv5_tensor_t *ts = side ? fout : fin;
        for (int32_t i = (int32_t)(side ? nd : ns) - 1; i >= 0; i--) {
            kv5_value_t v[4];   // addr, datatype, rshape, rstride
            if (operands(d, "Aiii", v, NULL)) {
                return -EINVAL;
            }
            if (v[2].i < 0 || v[2].i >= KV5_SHAPE_REGS || vm->reg[v[2].i].rank == 0xFF || v[3].i < 0 || v[3].i >= KV5_SHAPE_REGS
                || vm->reg[v[3].i].rank == 0xFF) {
                return dfail(d, "shape registers never set");
            }
            const kv5_shape_reg_t *shape = &vm->reg[v[2].i], *stride = &vm->reg[v[3].i];
            uint64_t cnt = 1;
            for (uint32_t k = 0; k < shape->rank; k++) {
                cnt *= shape->d[k];
            }
            // what the callee declares, as one contiguous tensor
            if (v[1].i != ts[i].mr.dt || cnt * kernel_dt_bytes(ts[i].mr.dt) != ts[i].bytes || stride->rank != shape->rank
                || !is_contiguous(shape, stride)) {
                return dfail(d, "%s %ld is not the contiguous datatype %u tensor of %lu B that k210 function %lu takes",
                    side ? "output" : "input", (long)i, ts[i].mr.dt, (unsigned long)ts[i].bytes, (unsigned long)fn);
            }
            if (span(d, &v[0], 1, shape, stride, side == 1, &ptr[side][i])) {
                return -EINVAL;
            }
            if (side && i == 0) {
                record(d, OP_CALL, ts[0].mr.dt, &v[0], shape, stride);
            }
        }
    }
    vm->last.k210_fn = fn;
    if (vm->run) {
        return kv5_k210_run(vm, fn, ptr[0], ptr[1]);
    }
    return 0;
}

int kv5_tensor_op(kv5_vm_t *vm, uint32_t *pc) {
    const kv5_header_t *h = vm->h;
    dec_t d = { vm, *pc, *pc + 1, h->mod[h->stackvm].text_off + h->entry.entry, h->entry.text_size, "TENSOR" };
    fld_t f;
    vm->fields_ok = false;
    if (fields(&d, "h", &f)) {
        return -EINVAL;
    }
    uint16_t funct = f.h[0];
    op_t op = op_of(vm->epoch, funct);
    if (op == OP_NONE) {
        return dfail(&d, "funct %u is not a tensor op of %s", (unsigned)funct, kv5_epoch_name(vm->epoch));
    }
    name_of(op, d.name);
    int r;
    switch (op) {
        case OP_CALL: r = op_call(&d); break;
        case OP_DEQUANTIZE: case OP_QUANTIZE: case OP_CONVERT: r = op_cast(&d, op); break;
        case OP_COPY: case OP_TRANSPOSE: case OP_SLICE: r = op_copy(&d, op); break;
        case OP_BINARY: r = op_binary(&d); break;
        case OP_REDUCE_WINDOW2D: r = op_reduce_window2d(&d); break;
        case OP_RESIZE_IMAGE: r = op_resize_image(&d); break;
        case OP_CONV2D: r = op_conv2d(&d); break;
        case OP_UNARY: r = op_unary(&d, op); break;
        case OP_SOFTMAX:
            if (vm->epoch < KV5_EPOCH_16) {
                return dfail(&d, "has no decoder in %s", kv5_epoch_name(vm->epoch));
            }
            r = op_unary(&d, op);
            break;
        case OP_MATMUL:
            if (vm->epoch < KV5_EPOCH_13) {
                return dfail(&d, "has no decoder in %s", kv5_epoch_name(vm->epoch));
            }
            r = op_matmul(&d);
            break;
        default:
            return dfail(&d, "(funct %u of %s) is not implemented", (unsigned)funct, kv5_epoch_name(vm->epoch));
    }
    if (r) {
        return r;
    }
    vm->last.funct = funct;
    vm->last.bytes = d.at - d.pc;
    vm->hash = vm->hash * 31u + (uint32_t)op;
    vm->op_index++;
    *pc = d.at;
    return 0;
}
