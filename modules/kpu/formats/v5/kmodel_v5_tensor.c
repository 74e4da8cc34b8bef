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

static const char *const names[OP_COUNT] = {
    "?", "BATCH_TO_SPACE", "BINARY", "BROADCAST", "CALL", "COMPARE", "CLAMP", "CONV2D", "CONV2D_TRANSPOSE", "CONVERT", "COPY",
    "CUMSUM", "DEQUANTIZE", "EQUAL", "GATHER", "GATHER_ND", "HARDMAX", "LOGISTIC", "LUT1D", "MATMUL", "ONEHOT", "PAD",
    "QUANTIZE", "RANDOM_NORMAL", "RANDOM_UNIFORM", "REDUCE", "REDUCE_ARG", "REDUCE_PROD", "REDUCE_WINDOW2D", "RESIZE_IMAGE",
    "ROI_ALIGN", "SIGMOID", "SLICE", "SOFTMAX", "SPACE_TO_BATCH", "TAKE", "TERNARY", "TOPK", "TRANSPOSE", "TRILU", "UNARY",
    "GRU", "TFLITE_DETECTION_POSTPROCESS", "LAYER_NORMALIZATION", "COMPRESS", "GATHER_ELEMENTS",
};

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
    const char *name;
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

static int field(dec_t *d, void *dst, uint32_t n) {
    if (d->at + n > d->end) {
        return dfail(d, "its fields run past the end of the function's code");
    }
    if (kv5_read(d->vm->rd, d->base + d->at, dst, n, d->vm->err)) {
        return -EINVAL;
    }
    d->at += n;
    return 0;
}
static int f_u8(dec_t *d, uint8_t *v) {
    return field(d, v, 1);
}
static int f_u16(dec_t *d, uint16_t *v) {
    uint8_t b[2];
    if (field(d, b, 2)) {
        return -EINVAL;
    }
    *v = kv5_u16(b);
    return 0;
}
static int f_u32(dec_t *d, uint32_t *v) {
    uint8_t b[4];
    if (field(d, b, 4)) {
        return -EINVAL;
    }
    *v = kv5_u32(b);
    return 0;
}
static int f_f32(dec_t *d, float *v) {
    uint32_t u;
    if (f_u32(d, &u)) {
        return -EINVAL;
    }
    memcpy(v, &u, 4);
    return 0;
}
// A shape register index: set before use.
static int f_reg(dec_t *d, const kv5_shape_reg_t **r, const char *what) {
    uint8_t i;
    if (f_u8(d, &i)) {
        return -EINVAL;
    }
    if (i >= KV5_SHAPE_REGS || d->vm->reg[i].rank == 0xFF) {
        return dfail(d, "%s names shape register %u, which no STSHAPE set", what, (unsigned)i);
    }
    *r = &d->vm->reg[i];
    return 0;
}
static int f_dt(dec_t *d, uint8_t *dt, const char *what) {
    if (f_u8(d, dt)) {
        return -EINVAL;
    }
    if (kernel_dt_bytes(*dt) == 0) {
        return dfail(d, "%s datatype %u is not an nncase datatype (0..11)", what, (unsigned)*dt);
    }
    return 0;
}

static int pop_v(dec_t *d, kv5_value_t *v, int kind, const char *what) {
    kv5_vm_t *vm = d->vm;
    if (vm->sp == 0) {
        return dfail(d, "pops %s from an empty evaluation stack", what);
    }
    *v = vm->stack[--vm->sp];
    if (kind == KV5_V_ADDR && v->kind != KV5_V_ADDR) {
        return dfail(d, "%s is not a buffer address (LEA_BUFFER)", what);
    }
    if (kind == KV5_V_INT && v->kind != KV5_V_INT) {
        return dfail(d, "%s is not an integer", what);
    }
    if (kind == KV5_V_REAL && v->kind == KV5_V_ADDR) {
        return dfail(d, "%s is an address, expected a number", what);
    }
    return 0;
}
static float real_of(const kv5_value_t *v) {
    return v->kind == KV5_V_REAL ? v->f : (float)v->i;
}

// A padding (§4.4): 1.0 and earlier pop after, before; later interior, after, before.
static int pop_padding(dec_t *d, kernel_padding_t *p) {
    kv5_value_t v;
    if (d->vm->epoch >= KV5_EPOCH_11) {
        if (pop_v(d, &v, KV5_V_INT, "padding interior")) {
            return -EINVAL;
        }
        if (v.i != 0) {
            return dfail(d, "interior padding %lld is not supported", (long long)v.i);
        }
    }
    kv5_value_t a, b;
    if (pop_v(d, &a, KV5_V_INT, "padding after") || pop_v(d, &b, KV5_V_INT, "padding before")) {
        return -EINVAL;
    }
    if (a.i < -4096 || a.i > 4096 || b.i < -4096 || b.i > 4096) {
        return dfail(d, "padding (%lld, %lld) out of range", (long long)b.i, (long long)a.i);
    }
    p->before = (int32_t)b.i;
    p->after = (int32_t)a.i;
    return 0;
}

// The element offset range a strided tensor touches, checked against its address's pool.
// Returns the CPU pointer on a run (else NULL) through *ptr.
static int span(dec_t *d, const kv5_value_t *addr, uint32_t elem, const kv5_shape_reg_t *shape, const kv5_shape_reg_t *stride,
    bool write, const char *what, uint8_t **ptr) {
    kv5_vm_t *vm = d->vm;
    vm->fields_ok = true;   // the op read as a plausible one: what fails now is the file's
    if (stride && stride->rank != shape->rank) {
        return dfail(d, "%s has %u dims but %u strides", what, (unsigned)shape->rank, (unsigned)stride->rank);
    }
    uint64_t last = 0, count = 1;
    for (uint32_t i = 0; i < shape->rank; i++) {
        count *= shape->d[i];
        uint64_t st = stride ? stride->d[i] : 0;
        if (shape->d[i] > 1) {
            last += (uint64_t)(shape->d[i] - 1) * st;
        }
        if (count > (1u << 24) || last > (1u << 24)) {
            return dfail(d, "%s of %llu elements is larger than any K210 buffer", what, (unsigned long long)count);
        }
    }
    uint64_t bytes = count == 0 ? 0 : (last + 1) * elem;
    if (addr->i < (int64_t)addr->lo || (uint64_t)addr->i + bytes > addr->hi) {
        return dfail(d, "%s at %s+%lld (%llu B) is outside its buffer [%lu, %lu)", what,
            addr->pool == KV5_POOL_RDATA ? ".rdata" : "main", (long long)addr->i, (unsigned long long)bytes,
            (unsigned long)addr->lo, (unsigned long)addr->hi);
    }
    if (write && addr->pool == KV5_POOL_RDATA) {
        return dfail(d, "%s writes into the read-only .rdata", what);
    }
    uint32_t file_base = addr->pool == KV5_POOL_RDATA ? vm->h->mod[vm->h->stackvm].rdata_off : 0;
    if (elem > 1 && ((file_base + (uint64_t)addr->i) % (elem > 4 ? 4 : elem)) != 0) {
        return dfail(d, "%s at %lld is not aligned to its %lu-byte elements", what, (long long)addr->i, (unsigned long)elem);
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
    l->name = names[op];
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
    uint8_t idt, odt;
    const kv5_shape_reg_t *shape, *is, *os;
    if (f_dt(d, &idt, "input") || f_dt(d, &odt, "output") || f_reg(d, &shape, "rshape_src") || f_reg(d, &is, "rstride_src")
        || f_reg(d, &os, "rstride_dest")) {
        return -EINVAL;
    }
    kv5_value_t in, out, scale = { 0 }, bias = { 0 };
    if (op != OP_CONVERT && (pop_v(d, &bias, KV5_V_REAL, "bias") || pop_v(d, &scale, KV5_V_REAL, "scale"))) {
        return -EINVAL;
    }
    if (pop_v(d, &out, KV5_V_ADDR, "output") || pop_v(d, &in, KV5_V_ADDR, "input")) {
        return -EINVAL;
    }
    if (op == OP_DEQUANTIZE && ((idt != KERNEL_DT_U8 && idt != KERNEL_DT_I8) || odt != KERNEL_DT_F32)) {
        return dfail(d, "from datatype %u to %u: only uint8/int8 to float32 is supported", (unsigned)idt, (unsigned)odt);
    }
    if (op == OP_QUANTIZE && (idt != KERNEL_DT_F32 || (odt != KERNEL_DT_U8 && odt != KERNEL_DT_I8))) {
        return dfail(d, "from datatype %u to %u: only float32 to uint8/int8 is supported", (unsigned)idt, (unsigned)odt);
    }
    if (op == OP_CONVERT) {
        static const uint16_t ok = 1u << KERNEL_DT_I8 | 1u << KERNEL_DT_U8 | 1u << KERNEL_DT_I16 | 1u << KERNEL_DT_U16
            | 1u << KERNEL_DT_I32 | 1u << KERNEL_DT_U32 | 1u << KERNEL_DT_F32;
        if (!(ok >> idt & 1) || !(ok >> odt & 1)) {
            return dfail(d, "from datatype %u to %u: only int8/uint8/int16/uint16/int32/uint32/float32 are supported",
                (unsigned)idt, (unsigned)odt);
        }
    }
    uint8_t *ip, *opp;
    if (span(d, &in, kernel_dt_bytes(idt), shape, is, false, "input", &ip)
        || span(d, &out, kernel_dt_bytes(odt), shape, os, true, "output", &opp)) {
        return -EINVAL;
    }
    record(d, op, odt, &out, shape, os);
    if (d->vm->run) {
        kernel_nd_t nd;
        nd_of(&nd, shape, is, os);
        if (op == OP_DEQUANTIZE) {
            kernel_strided_dequantize(ip, idt == KERNEL_DT_I8, (float *)(void *)opp, real_of(&scale), real_of(&bias), &nd);
        } else if (op == OP_QUANTIZE) {
            kernel_strided_quantize((const float *)(const void *)ip, opp, odt == KERNEL_DT_I8, real_of(&scale), real_of(&bias),
                KERNEL_ROUND_PAIRS_EVEN, &nd);
        } else {
            kernel_strided_convert(ip, idt, opp, odt, &nd);
        }
    }
    return 0;
}

// COPY: dt, rshape, rstride_src, rstride_dest.
static int op_copy(dec_t *d) {
    uint8_t dt;
    const kv5_shape_reg_t *shape, *is, *os;
    kv5_value_t in, out;
    if (f_dt(d, &dt, "element") || f_reg(d, &shape, "rshape") || f_reg(d, &is, "rstride_src") || f_reg(d, &os, "rstride_dest")
        || pop_v(d, &out, KV5_V_ADDR, "output") || pop_v(d, &in, KV5_V_ADDR, "input")) {
        return -EINVAL;
    }
    uint8_t *ip, *opp;
    uint32_t e = kernel_dt_bytes(dt);
    if (span(d, &in, e, shape, is, false, "input", &ip) || span(d, &out, e, shape, os, true, "output", &opp)) {
        return -EINVAL;
    }
    record(d, OP_COPY, dt, &out, shape, os);
    if (d->vm->run) {
        kernel_nd_t nd;
        nd_of(&nd, shape, is, os);
        kernel_strided_copy(ip, opp, e, &nd);
    }
    return 0;
}

// TRANSPOSE: dt, rshape_src, rstride_src, rstride_dest, rshape_perm.
static int op_transpose(dec_t *d) {
    uint8_t dt;
    const kv5_shape_reg_t *shape, *is, *os, *perm;
    kv5_value_t in, out;
    if (f_dt(d, &dt, "element") || f_reg(d, &shape, "rshape_src") || f_reg(d, &is, "rstride_src")
        || f_reg(d, &os, "rstride_dest") || f_reg(d, &perm, "rshape_perm")
        || pop_v(d, &out, KV5_V_ADDR, "output") || pop_v(d, &in, KV5_V_ADDR, "input")) {
        return -EINVAL;
    }
    if (perm->rank != shape->rank || os->rank != shape->rank || is->rank != shape->rank) {
        return dfail(d, "permutation of %u axes, shape of %u, strides of %u/%u", (unsigned)perm->rank, (unsigned)shape->rank,
            (unsigned)is->rank, (unsigned)os->rank);
    }
    kv5_shape_reg_t oshape = { shape->rank, { 0 } }, ois = { shape->rank, { 0 } };
    uint32_t seen = 0;
    for (uint32_t i = 0; i < shape->rank; i++) {
        if (perm->d[i] >= shape->rank || (seen >> perm->d[i] & 1)) {
            return dfail(d, "axis %lu of the permutation (%lu) is not a permutation of %u axes", (unsigned long)i,
                (unsigned long)perm->d[i], (unsigned)shape->rank);
        }
        seen |= 1u << perm->d[i];
        oshape.d[i] = shape->d[perm->d[i]];
        ois.d[i] = is->d[perm->d[i]];   // output axis i walks input axis perm[i]
    }
    uint8_t *ip, *opp;
    uint32_t e = kernel_dt_bytes(dt);
    if (span(d, &in, e, shape, is, false, "input", &ip) || span(d, &out, e, &oshape, os, true, "output", &opp)) {
        return -EINVAL;
    }
    record(d, OP_TRANSPOSE, dt, &out, &oshape, os);
    if (d->vm->run) {
        kernel_nd_t nd;
        nd_of(&nd, &oshape, &ois, os);
        kernel_strided_copy(ip, opp, e, &nd);
    }
    return 0;
}

// SLICE: dt, rshape_src, rstride_src, rstride_dest, rbegins, rends, rstrides.
static int op_slice(dec_t *d) {
    uint8_t dt;
    const kv5_shape_reg_t *shape, *is, *os, *rb, *re, *rs;
    kv5_value_t in, out;
    if (f_dt(d, &dt, "element") || f_reg(d, &shape, "rshape_src") || f_reg(d, &is, "rstride_src")
        || f_reg(d, &os, "rstride_dest") || f_reg(d, &rb, "rbegins") || f_reg(d, &re, "rends") || f_reg(d, &rs, "rstrides")
        || pop_v(d, &out, KV5_V_ADDR, "output") || pop_v(d, &in, KV5_V_ADDR, "input")) {
        return -EINVAL;
    }
    uint32_t r = shape->rank;
    if (rb->rank != r || re->rank != r || rs->rank != r || is->rank != r || os->rank != r) {
        return dfail(d, "begins/ends/steps/strides do not all have the %u dims of the shape", (unsigned)r);
    }
    kv5_shape_reg_t oshape = { (uint8_t)r, { 0 } };
    kernel_nd_t nd;
    memset(&nd, 0, sizeof(nd));
    nd.rank = r;
    int64_t first = 0;
    for (uint32_t i = 0; i < r; i++) {
        int64_t b = (int32_t)rb->d[i], en = (int32_t)re->d[i], s = (int32_t)rs->d[i], dim = shape->d[i];
        if (s == 0) {
            return dfail(d, "step 0 on axis %lu", (unsigned long)i);
        }
        int64_t n;
        if (s > 0) {
            b = b < 0 ? 0 : b;
            en = en > dim ? dim : en;
            n = b < en ? (en - b + s - 1) / s : 0;
        } else {
            b = b > dim - 1 ? dim - 1 : b;
            en = en < -1 ? -1 : en;
            n = b > en ? (b - en + (-s) - 1) / (-s) : 0;
        }
        oshape.d[i] = (uint32_t)n;
        if (n > 0) {
            first += b * (int64_t)is->d[i];
        }
        nd.shape[i] = (uint32_t)n;
        nd.in_stride[i] = s * (int64_t)is->d[i];
        nd.out_stride[i] = os->d[i];
    }
    uint8_t *ip, *opp;
    uint32_t e = kernel_dt_bytes(dt);
    if (span(d, &in, e, shape, is, false, "input", &ip) || span(d, &out, e, &oshape, os, true, "output", &opp)) {
        return -EINVAL;
    }
    record(d, OP_SLICE, dt, &out, &oshape, os);
    if (d->vm->run && kernel_nd_count(&nd)) {
        kernel_strided_copy(ip + first * e, opp, e, &nd);
    }
    return 0;
}

// BINARY: dt, rshape_src1, rstride_src1, rshape_src2, rstride_src2, [rshape_dest 1.4+], rstride_dest, op, lo, hi.
static int op_binary(dec_t *d) {
    uint8_t dt, bop;
    const kv5_shape_reg_t *sa, *ta, *sb, *tb, *sd = NULL, *td;
    float lo, hi;
    if (f_dt(d, &dt, "element") || f_reg(d, &sa, "rshape_src1") || f_reg(d, &ta, "rstride_src1") || f_reg(d, &sb, "rshape_src2")
        || f_reg(d, &tb, "rstride_src2") || (d->vm->epoch >= KV5_EPOCH_14 && f_reg(d, &sd, "rshape_dest"))
        || f_reg(d, &td, "rstride_dest") || f_u8(d, &bop) || f_f32(d, &lo) || f_f32(d, &hi)) {
        return -EINVAL;
    }
    kv5_value_t a, b, out;
    if (pop_v(d, &out, KV5_V_ADDR, "output") || pop_v(d, &b, KV5_V_ADDR, "input b") || pop_v(d, &a, KV5_V_ADDR, "input a")) {
        return -EINVAL;
    }
    if (dt != KERNEL_DT_F32) {
        return dfail(d, "datatype %u: only float32 is supported", (unsigned)dt);
    }
    if (bop > 6) {
        return dfail(d, "binary_op %u (0 add .. 6 pow supported)", (unsigned)bop);
    }
    // broadcast, right-aligned
    uint32_t rank = sa->rank > sb->rank ? sa->rank : sb->rank;
    kv5_shape_reg_t os = { (uint8_t)rank, { 0 } };
    kernel_binary_nd_params_t p;
    memset(&p, 0, sizeof(p));
    p.op = (kernel_binary_nd_op_t)bop;
    p.rank = rank;
    p.act.lo = lo;
    p.act.hi = hi;
    for (uint32_t i = 0; i < rank; i++) {
        int32_t ia = (int32_t)i - (int32_t)(rank - sa->rank), ib = (int32_t)i - (int32_t)(rank - sb->rank);
        uint32_t da = ia >= 0 ? sa->d[ia] : 1, db = ib >= 0 ? sb->d[ib] : 1;
        if (da != db && da != 1 && db != 1) {
            return dfail(d, "shapes do not broadcast (axis %lu: %lu and %lu)", (unsigned long)i, (unsigned long)da, (unsigned long)db);
        }
        os.d[i] = da > db ? da : db;
        p.a_shape[i] = da;
        p.b_shape[i] = db;
        p.a_stride[i] = ia >= 0 && ta->rank == sa->rank ? ta->d[ia] : 0;
        p.b_stride[i] = ib >= 0 && tb->rank == sb->rank ? tb->d[ib] : 0;
    }
    if (sd) {
        if (sd->rank != rank || memcmp(sd->d, os.d, 4 * rank) != 0) {
            return dfail(d, "rshape_dest is not the broadcast of the two input shapes");
        }
    }
    if (td->rank != rank) {
        return dfail(d, "rstride_dest has %u dims, the output %lu", (unsigned)td->rank, (unsigned long)rank);
    }
    for (uint32_t i = 0; i < rank; i++) {
        p.out_shape[i] = os.d[i];
        p.out_stride[i] = td->d[i];
    }
    uint8_t *pa, *pb, *po;
    if (span(d, &a, 4, sa, ta, false, "input a", &pa) || span(d, &b, 4, sb, tb, false, "input b", &pb)
        || span(d, &out, 4, &os, td, true, "output", &po)) {
        return -EINVAL;
    }
    record(d, OP_BINARY, dt, &out, &os, td);
    if (d->vm->run) {
        kernel_binary_nd((const float *)(const void *)pa, (const float *)(const void *)pb, (float *)(void *)po, &p);
    }
    return 0;
}

static int need_nchw(dec_t *d, const kv5_shape_reg_t *s, const kv5_shape_reg_t *st, const char *what) {
    if (s->rank != 4) {
        return dfail(d, "%s has %u dims (NCHW expected)", what, (unsigned)s->rank);
    }
    if (!is_contiguous(s, st)) {
        return dfail(d, "%s is strided: only contiguous NCHW tensors are supported", what);
    }
    return 0;
}

static int check_window(dec_t *d, uint16_t fh, uint16_t fw, uint16_t sh, uint16_t sw, uint16_t dh, uint16_t dw) {
    if (!fh || !fw || !sh || !sw || !dh || !dw) {
        return dfail(d, "filter %ux%u stride %ux%u dilation %ux%u: every value must be at least 1", fh, fw, sh, sw, dh, dw);
    }
    return 0;
}

// REDUCE_WINDOW2D: dt, op, rshape_src, rstride_src, rstride_dest, filter/stride/dilation, lo, hi.
static int op_reduce_window2d(dec_t *d) {
    uint8_t dt, rop;
    const kv5_shape_reg_t *shape, *is, *os;
    uint16_t w[6];
    float lo, hi;
    if (f_dt(d, &dt, "element") || f_u8(d, &rop) || f_reg(d, &shape, "rshape_src") || f_reg(d, &is, "rstride_src")
        || f_reg(d, &os, "rstride_dest")) {
        return -EINVAL;
    }
    for (int i = 0; i < 6; i++) {
        if (f_u16(d, &w[i])) {
            return -EINVAL;
        }
    }
    if (f_f32(d, &lo) || f_f32(d, &hi)) {
        return -EINVAL;
    }
    kv5_value_t in, init, out;
    kernel_reduce_window2d_params_t p;
    memset(&p, 0, sizeof(p));
    if (pop_padding(d, &p.pad_w) || pop_padding(d, &p.pad_h) || pop_v(d, &out, KV5_V_ADDR, "output")
        || pop_v(d, &init, KV5_V_REAL, "init") || pop_v(d, &in, KV5_V_ADDR, "input")) {
        return -EINVAL;
    }
    if (dt != KERNEL_DT_F32 || rop > 3) {
        return dfail(d, "datatype %u reduce_op %u: float32 with mean/min/max/sum supported", (unsigned)dt, (unsigned)rop);
    }
    if (need_nchw(d, shape, is, "input") || check_window(d, w[0], w[1], w[2], w[3], w[4], w[5])) {
        return -EINVAL;
    }
    for (int i = 0; i < 4; i++) {
        p.in_shape.d[i] = (int32_t)shape->d[i];
    }
    static const kernel_reduce_op_t ops[4] = { KERNEL_REDUCE_MEAN, KERNEL_REDUCE_MIN, KERNEL_REDUCE_MAX, KERNEL_REDUCE_SUM };
    p.op = ops[rop];
    p.dtype = KERNEL_F32;
    p.filter_h = w[0];
    p.filter_w = w[1];
    p.stride_h = w[2];
    p.stride_w = w[3];
    p.dilation_h = w[4];
    p.dilation_w = w[5];
    p.init = real_of(&init);
    p.act.lo = lo;
    p.act.hi = hi;
    p.out_h = kernel_windowed(p.in_shape.d[2], p.filter_h, p.stride_h, p.dilation_h, p.pad_h);
    p.out_w = kernel_windowed(p.in_shape.d[3], p.filter_w, p.stride_w, p.dilation_w, p.pad_w);
    if (p.out_h < 1 || p.out_w < 1) {
        return dfail(d, "output of %ldx%ld", (long)p.out_h, (long)p.out_w);
    }
    kv5_shape_reg_t osh = { 4, { shape->d[0], shape->d[1], (uint32_t)p.out_h, (uint32_t)p.out_w } };
    uint8_t *ip, *opp;
    if (span(d, &in, 4, shape, is, false, "input", &ip) || need_nchw(d, &osh, os, "output")
        || span(d, &out, 4, &osh, os, true, "output", &opp)) {
        return -EINVAL;
    }
    record(d, OP_REDUCE_WINDOW2D, dt, &out, &osh, os);
    if (d->vm->run) {
        kernel_reduce_window2d(ip, opp, &p);
    }
    return 0;
}

// RESIZE_IMAGE: dt, rshape_src, rstride_src, rstride_dest, align_corners, half_pixel_centers, mode.
static int op_resize_image(dec_t *d) {
    uint8_t dt, ac, hpc, mode;
    const kv5_shape_reg_t *shape, *is, *os;
    kv5_value_t in, out, oh, ow;
    if (f_dt(d, &dt, "element") || f_reg(d, &shape, "rshape_src") || f_reg(d, &is, "rstride_src") || f_reg(d, &os, "rstride_dest")
        || f_u8(d, &ac) || f_u8(d, &hpc) || f_u8(d, &mode) || pop_v(d, &out, KV5_V_ADDR, "output")
        || pop_v(d, &in, KV5_V_ADDR, "input") || pop_v(d, &ow, KV5_V_INT, "out_w") || pop_v(d, &oh, KV5_V_INT, "out_h")) {
        return -EINVAL;
    }
    if (mode > 1 || ac > 1 || hpc > 1) {
        return dfail(d, "mode %u align_corners %u half_pixel_centers %u are not nncase values", mode, ac, hpc);
    }
    if (hpc || (mode == 1 && ac) || (mode == 0 && dt != KERNEL_DT_F32) || (dt != KERNEL_DT_F32 && dt != KERNEL_DT_U8)) {
        return dfail(d, "%s with align_corners %u, half_pixel_centers %u on datatype %u is not supported "
            "(nearest, and float32 bilinear, without half-pixel centers are)", mode ? "nearest" : "bilinear", ac, hpc, dt);
    }
    if (oh.i < 1 || oh.i > 4096 || ow.i < 1 || ow.i > 4096) {
        return dfail(d, "output size %lldx%lld", (long long)oh.i, (long long)ow.i);
    }
    if (need_nchw(d, shape, is, "input")) {
        return -EINVAL;
    }
    kernel_resize_image_params_t p;
    memset(&p, 0, sizeof(p));
    p.mode = mode ? KERNEL_RESIZE_NEAREST : KERNEL_RESIZE_BILINEAR;
    p.dtype = dt == KERNEL_DT_F32 ? KERNEL_F32 : KERNEL_U8;
    for (int i = 0; i < 4; i++) {
        p.in_shape.d[i] = (int32_t)shape->d[i];
    }
    p.out_h = (int32_t)oh.i;
    p.out_w = (int32_t)ow.i;
    p.align_corners = ac;
    kv5_shape_reg_t osh = { 4, { shape->d[0], shape->d[1], (uint32_t)p.out_h, (uint32_t)p.out_w } };
    uint8_t *ip, *opp;
    uint32_t e = kernel_dt_bytes(dt);
    if (span(d, &in, e, shape, is, false, "input", &ip) || need_nchw(d, &osh, os, "output")
        || span(d, &out, e, &osh, os, true, "output", &opp)) {
        return -EINVAL;
    }
    record(d, OP_RESIZE_IMAGE, dt, &out, &osh, os);
    if (d->vm->run) {
        kernel_resize_image(ip, opp, &p);
    }
    return 0;
}

// CONV2D: dt, rshape_src, rstride_src, rshape_kernel, rstride_kernel, rstride_bias, rstride_dest,
// groups, stride_h, stride_w, dilation_h, dilation_w, lo, hi.
static int op_conv2d(dec_t *d) {
    uint8_t dt;
    const kv5_shape_reg_t *shape, *is, *ks, *kst, *bst, *os;
    uint16_t g[5];
    float lo, hi;
    if (f_dt(d, &dt, "element") || f_reg(d, &shape, "rshape_src") || f_reg(d, &is, "rstride_src")
        || f_reg(d, &ks, "rshape_kernel") || f_reg(d, &kst, "rstride_kernel") || f_reg(d, &bst, "rstride_bias")
        || f_reg(d, &os, "rstride_dest")) {
        return -EINVAL;
    }
    for (int i = 0; i < 5; i++) {
        if (f_u16(d, &g[i])) {
            return -EINVAL;
        }
    }
    if (f_f32(d, &lo) || f_f32(d, &hi)) {
        return -EINVAL;
    }
    kernel_conv2d_params_t p;
    memset(&p, 0, sizeof(p));
    kv5_value_t in, wv, bv, out;
    if (pop_padding(d, &p.pad_w) || pop_padding(d, &p.pad_h) || pop_v(d, &out, KV5_V_ADDR, "output")
        || pop_v(d, &bv, KV5_V_ADDR, "bias") || pop_v(d, &wv, KV5_V_ADDR, "weights") || pop_v(d, &in, KV5_V_ADDR, "input")) {
        return -EINVAL;
    }
    if (dt != KERNEL_DT_F32) {
        return dfail(d, "datatype %u: CONV2D runs on float32 only", (unsigned)dt);
    }
    if (need_nchw(d, shape, is, "input") || need_nchw(d, ks, kst, "kernel")
        || check_window(d, (uint16_t)ks->d[2], (uint16_t)ks->d[3], g[1], g[2], g[3], g[4])) {
        return -EINVAL;
    }
    uint32_t groups = g[0], ic = shape->d[1], oc = ks->d[0];
    if (groups == 0 || ic % groups || oc % groups || ks->d[1] != ic / groups || ks->d[2] > 64 || ks->d[3] > 64) {
        return dfail(d, "kernel [%lu,%lu,%lu,%lu] with %u groups does not fit %lu input channels", (unsigned long)oc,
            (unsigned long)ks->d[1], (unsigned long)ks->d[2], (unsigned long)ks->d[3], (unsigned)groups, (unsigned long)ic);
    }
    for (int i = 0; i < 4; i++) {
        p.in_shape.d[i] = (int32_t)shape->d[i];
    }
    p.groups = groups;
    p.out_channels = (int32_t)oc;
    p.filter_h = (int32_t)ks->d[2];
    p.filter_w = (int32_t)ks->d[3];
    p.stride_h = g[1];
    p.stride_w = g[2];
    p.dilation_h = g[3];
    p.dilation_w = g[4];
    p.act.lo = lo;
    p.act.hi = hi;
    int32_t out_h = kernel_windowed(p.in_shape.d[2], p.filter_h, p.stride_h, p.dilation_h, p.pad_h);
    int32_t out_w = kernel_windowed(p.in_shape.d[3], p.filter_w, p.stride_w, p.dilation_w, p.pad_w);
    if (out_h < 1 || out_w < 1) {
        return dfail(d, "output of %ldx%ld", (long)out_h, (long)out_w);
    }
    kv5_shape_reg_t osh = { 4, { shape->d[0], oc, (uint32_t)out_h, (uint32_t)out_w } };
    kv5_shape_reg_t bsh = { 1, { oc } }, bst1 = { 1, { 1 } };
    (void)bst;
    uint8_t *ip, *wp, *bp, *opp;
    if (span(d, &in, 4, shape, is, false, "input", &ip) || span(d, &wv, 4, ks, kst, false, "weights", &wp)
        || span(d, &bv, 4, &bsh, &bst1, false, "bias", &bp) || need_nchw(d, &osh, os, "output")
        || span(d, &out, 4, &osh, os, true, "output", &opp)) {
        return -EINVAL;
    }
    record(d, OP_CONV2D, dt, &out, &osh, os);
    if (d->vm->run) {
        kernel_conv2d((const float *)(const void *)ip, (float *)(void *)opp, (const float *)(const void *)wp,
            (const float *)(const void *)bp, &p);
    }
    return 0;
}

// MATMUL (1.4+): rshape_src1, rstride_src1, rshape_src2, rstride_src2, rshape_dest, rstride_dest,
// lo, hi. (1.3: rshape_src1, rshape_src2, lo, hi.) a [.., M, K] x b [.., K, N] + bias [N].
static int op_matmul(dec_t *d) {
    const kv5_shape_reg_t *sa, *ta = NULL, *sb, *tb = NULL, *sd = NULL, *td = NULL;
    float lo, hi;
    bool v13 = d->vm->epoch == KV5_EPOCH_13;
    if (f_reg(d, &sa, "rshape_src1") || (!v13 && f_reg(d, &ta, "rstride_src1")) || f_reg(d, &sb, "rshape_src2")
        || (!v13 && (f_reg(d, &tb, "rstride_src2") || f_reg(d, &sd, "rshape_dest") || f_reg(d, &td, "rstride_dest")))
        || f_f32(d, &lo) || f_f32(d, &hi)) {
        return -EINVAL;
    }
    kv5_value_t a, b, bias, out;
    if (pop_v(d, &out, KV5_V_ADDR, "output") || pop_v(d, &bias, KV5_V_ADDR, "bias") || pop_v(d, &b, KV5_V_ADDR, "input b")
        || pop_v(d, &a, KV5_V_ADDR, "input a")) {
        return -EINVAL;
    }
    if (sa->rank < 2 || sb->rank < 2) {
        return dfail(d, "inputs of %u and %u dims (at least 2 each)", (unsigned)sa->rank, (unsigned)sb->rank);
    }
    uint32_t m = sa->d[sa->rank - 2], k = sa->d[sa->rank - 1], k2 = sb->d[sb->rank - 2], n = sb->d[sb->rank - 1];
    for (uint32_t i = 0; i + 2 < sa->rank; i++) {
        if (sa->d[i] != 1) {
            return dfail(d, "batched input a: only [1..,M,K] is supported");
        }
    }
    for (uint32_t i = 0; i + 2 < sb->rank; i++) {
        if (sb->d[i] != 1) {
            return dfail(d, "batched input b: only [1..,K,N] is supported");
        }
    }
    if (k != k2) {
        return dfail(d, "[%lu,%lu] x [%lu,%lu]: inner dims differ", (unsigned long)m, (unsigned long)k, (unsigned long)k2,
            (unsigned long)n);
    }
    kv5_shape_reg_t osh = { 2, { m, n } }, ost = { 2, { n, 1 } };
    if (sd) {
        uint64_t cnt = 1;
        for (uint32_t i = 0; i < sd->rank; i++) {
            cnt *= sd->d[i];
        }
        if (sd->rank < 2 || sd->d[sd->rank - 2] != m || sd->d[sd->rank - 1] != n || cnt != (uint64_t)m * n) {
            return dfail(d, "rshape_dest is not [.., %lu, %lu]", (unsigned long)m, (unsigned long)n);
        }
    }
    if ((ta && !is_contiguous(sa, ta)) || (tb && !is_contiguous(sb, tb)) || (sd && !is_contiguous(sd, td))) {
        return dfail(d, "strided operands: only contiguous ones are supported");
    }
    kv5_shape_reg_t ash = { 2, { m, k } }, ast = { 2, { k, 1 } }, bsh = { 2, { k, n } }, bstr = { 2, { n, 1 } };
    kv5_shape_reg_t vsh = { 1, { n } }, vst = { 1, { 1 } };
    uint8_t *pa, *pb, *pbias, *po;
    if (span(d, &a, 4, &ash, &ast, false, "input a", &pa) || span(d, &b, 4, &bsh, &bstr, false, "input b", &pb)
        || span(d, &bias, 4, &vsh, &vst, false, "bias", &pbias) || span(d, &out, 4, &osh, &ost, true, "output", &po)) {
        return -EINVAL;
    }
    record(d, OP_MATMUL, KERNEL_DT_F32, &out, &osh, &ost);
    if (d->vm->run) {
        kernel_matmul_params_t p = { (int32_t)m, (int32_t)k, (int32_t)n, false, KERNEL_BIAS_FIRST, { lo, hi } };
        kernel_matmul((const float *)(const void *)pa, (const float *)(const void *)pb, (float *)(void *)po,
            (const float *)(const void *)pbias, &p);
    }
    return 0;
}

// CALL: function_id, module_id, num_src, num_dst; per tensor (addr, datatype, rshape, rstride).
static int op_call(dec_t *d) {
    kv5_vm_t *vm = d->vm;
    const kv5_header_t *h = vm->h;
    uint32_t fn;
    uint16_t mod;
    uint8_t ns, nd;
    if (f_u32(d, &fn) || f_u16(d, &mod) || f_u8(d, &ns) || f_u8(d, &nd)) {
        return -EINVAL;
    }
    if (h->k210 < 0 || mod != (uint16_t)h->k210) {
        return dfail(d, "calls module %u, which is not the k210 module (only calls into the k210 module are supported)",
            (unsigned)mod);
    }
    if (fn >= h->k210_funcs) {
        return dfail(d, "calls k210 function %lu of %lu", (unsigned long)fn, (unsigned long)h->k210_funcs);
    }
    kv5_func_t f;
    kv5_tensor_t fin[KV5_MAX_IO], fout[KV5_MAX_IO];
    if (kv5_read_func(vm->rd, &h->mod[h->k210], h->k210_func_off[fn], &f, fin, fout, vm->err)) {
        return -EINVAL;
    }
    if (ns != f.n_in || nd != f.n_out) {
        return dfail(d, "passes %u inputs and %u outputs to k210 function %lu, which has %lu and %lu", ns, nd,
            (unsigned long)fn, (unsigned long)f.n_in, (unsigned long)f.n_out);
    }
    uint8_t *ptr[2][KV5_MAX_IO];
    kv5_value_t first_out = { 0 };
    for (int side = 1; side >= 0; side--) {
        uint32_t cnt = side ? nd : ns;
        kv5_tensor_t *ts = side ? fout : fin;
        for (int32_t i = (int32_t)cnt - 1; i >= 0; i--) {
            kv5_value_t st, sh, dt, addr;
            if (pop_v(d, &st, KV5_V_INT, "rstride") || pop_v(d, &sh, KV5_V_INT, "rshape") || pop_v(d, &dt, KV5_V_INT, "datatype")
                || pop_v(d, &addr, KV5_V_ADDR, side ? "output" : "input")) {
                return -EINVAL;
            }
            if (sh.i < 0 || sh.i >= KV5_SHAPE_REGS || vm->reg[sh.i].rank == 0xFF || st.i < 0 || st.i >= KV5_SHAPE_REGS
                || vm->reg[st.i].rank == 0xFF) {
                return dfail(d, "%s %ld names shape registers %lld/%lld, not set", side ? "output" : "input", (long)i,
                    (long long)sh.i, (long long)st.i);
            }
            const kv5_shape_reg_t *shape = &vm->reg[sh.i], *stride = &vm->reg[st.i];
            uint64_t cntel = 1;
            for (uint32_t k = 0; k < shape->rank; k++) {
                cntel *= shape->d[k];
            }
            if (dt.i != ts[i].mr.dt || cntel * kernel_dt_bytes(ts[i].mr.dt) != ts[i].bytes) {
                return dfail(d, "%s %ld of k210 function %lu: datatype %lld with %llu elements, the function declares "
                    "datatype %u of %lu B", side ? "output" : "input", (long)i, (unsigned long)fn, (long long)dt.i,
                    (unsigned long long)cntel, (unsigned)ts[i].mr.dt, (unsigned long)ts[i].bytes);
            }
            if (stride->rank != shape->rank || !is_contiguous(shape, stride)) {
                return dfail(d, "%s %ld of k210 function %lu is strided: only contiguous tensors are passed",
                    side ? "output" : "input", (long)i, (unsigned long)fn);
            }
            if (span(d, &addr, kernel_dt_bytes(ts[i].mr.dt), shape, stride, side == 1, side ? "output" : "input",
                &ptr[side][i])) {
                return -EINVAL;
            }
            if (side && i == 0) {
                first_out = addr;
                record(d, OP_CALL, ts[0].mr.dt, &first_out, shape, stride);
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
    uint16_t funct;
    vm->fields_ok = false;
    if (f_u16(&d, &funct)) {
        return -EINVAL;
    }
    op_t op = op_of(vm->epoch, funct);
    if (op == OP_NONE) {
        return dfail(&d, "funct %u is not a tensor op of %s", (unsigned)funct, kv5_epoch_name(vm->epoch));
    }
    d.name = names[op];
    int r;
    switch (op) {
        case OP_CALL: r = op_call(&d); break;
        case OP_DEQUANTIZE: case OP_QUANTIZE: case OP_CONVERT: r = op_cast(&d, op); break;
        case OP_COPY: r = op_copy(&d); break;
        case OP_TRANSPOSE: r = op_transpose(&d); break;
        case OP_SLICE: r = op_slice(&d); break;
        case OP_BINARY: r = op_binary(&d); break;
        case OP_REDUCE_WINDOW2D: r = op_reduce_window2d(&d); break;
        case OP_RESIZE_IMAGE: r = op_resize_image(&d); break;
        case OP_CONV2D: r = op_conv2d(&d); break;
        case OP_MATMUL:
            if (vm->epoch < KV5_EPOCH_13) {
                return dfail(&d, "has no decoder in the %s runtime: the file cannot run", kv5_epoch_name(vm->epoch));
            }
            r = op_matmul(&d);
            break;
        default:
            return dfail(&d, "(funct %u under %s) is not implemented by this firmware", (unsigned)funct, kv5_epoch_name(vm->epoch));
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
