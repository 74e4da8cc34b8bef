// kmodel v5: the stackvm TENSOR instruction (kmodel-v5-spec.md §5, §8). The funct id is mapped
// to an op through the numbering of the file's nncase version (kmodel_v5_opnum.c); the op's
// adapter (kmodel_v5_op_*.c) decodes and checks it with the helpers here and, on a run, calls the
// format-neutral kernel. An op without an adapter is refused at load with its name.
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "kmodel_v5_tensor.h"

// Formats "stackvm .text+PC OP: <msg>".
int kv5_dfail(kv5_dec_t *d, const char *fmt, ...) {
    char msg[300];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return kmodel_fail(d->vm->err, KMODEL_EVALUE, 0, "stackvm .text+%lu %s: %s", (unsigned long)d->pc, d->name, msg);
}

int kv5_fields(kv5_dec_t *d, const char *spec, kv5_fld_t *o) {
    unsigned nr = 0, nb = 0, nh = 0, nf = 0;
    memset(o, 0, sizeof(*o));
    for (const char *c = spec; *c; c++) {
        uint8_t raw[4];
        uint32_t n = *c == 'h' ? 2 : *c == 'f' || *c == 'w' ? 4 : 1;
        if (d->at + n > d->end) {
            return kv5_dfail(d, "fields run past the code");
        }
        if (kv5_read(d->vm->rd, d->base + d->at, raw, n, d->vm->err)) {
            return -EINVAL;
        }
        d->at += n;
        switch (*c) {
            case 'R':
                if (raw[0] >= KV5_SHAPE_REGS || d->vm->reg[raw[0]].rank == 0xFF) {
                    return kv5_dfail(d, "field %d: shape register %u never set", (int)(c - spec), raw[0]);
                }
                o->r[nr++] = &d->vm->reg[raw[0]];
                break;
            case 'd':
                if (kernel_dt_bytes(raw[0]) == 0) {
                    return kv5_dfail(d, "datatype %u is not nncase's", raw[0]);
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
int kv5_operands(kv5_dec_t *d, const char *spec, kv5_value_t *v, kernel_padding_t *pad) {
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
                return kv5_dfail(d, "pops an empty stack");
            }
            v[k] = vm->stack[--vm->sp];
            uint8_t kind = v[k].kind;
            if (c == 'A' ? kind != KV5_V_ADDR : c == 'n' ? kind == KV5_V_ADDR : kind != KV5_V_INT) {
                return kv5_dfail(d, "operand %d is not %s", k, c == 'A' ? "an address" : c == 'n' ? "a number" : "an integer");
            }
            p[j] = v[k].i;
        }
        if (c == 'p') {
            if (p[2] != 0 || p[0] < -4096 || p[0] > 4096 || p[1] < -4096 || p[1] > 4096) {
                return kv5_dfail(d, "padding (%lld, %lld, %lld) not supported", (long long)p[0], (long long)p[1], (long long)p[2]);
            }
            np--;
            pad[np].before = (int32_t)p[0];
            pad[np].after = (int32_t)p[1];
        }
    }
    vm->fields_ok = true;   // the op read as a plausible one: what fails now is the file's
    return 0;
}

float kv5_real_of(const kv5_value_t *v) {
    return v->kind == KV5_V_REAL ? v->f : (float)v->i;
}

// The element offset range a strided tensor touches, checked against its address's pool.
// Returns the CPU pointer on a run (else NULL) through *ptr.
int kv5_span(kv5_dec_t *d, const kv5_value_t *addr, uint32_t elem, const kv5_shape_reg_t *shape, const kv5_shape_reg_t *stride,
    bool write, uint8_t **ptr) {
    kv5_vm_t *vm = d->vm;
    vm->fields_ok = true;   // the op read as a plausible one: what fails now is the file's
    uint64_t last = 0, count = 1;
    if (stride->rank != shape->rank) {
        return kv5_dfail(d, "%u dims, %u strides", shape->rank, stride->rank);
    }
    for (uint32_t i = 0; i < shape->rank && count; i++) {
        count *= shape->d[i];
        last += shape->d[i] > 1 ? (uint64_t)(shape->d[i] - 1) * stride->d[i] : 0;
        if (count > (1u << 24) || last > (1u << 24)) {
            return kv5_dfail(d, "tensor too large");
        }
    }
    uint64_t bytes = count == 0 ? 0 : (last + 1) * elem;
    uint32_t file_base = addr->pool == KV5_POOL_RDATA ? vm->h->mod[vm->h->stackvm].rdata_off : 0;
    if (addr->i < (int64_t)addr->lo || (uint64_t)addr->i + bytes > addr->hi || (write && addr->pool == KV5_POOL_RDATA)
        || (elem > 1 && (file_base + (uint64_t)addr->i) % (elem > 4 ? 4 : elem))) {
        return kv5_dfail(d, "%s %s+%lld (%llu B) is outside its buffer [%lu, %lu), read-only or misaligned", write ? "output" : "input",
            addr->pool == KV5_POOL_RDATA ? ".rdata" : "main", (long long)addr->i, (unsigned long long)bytes,
            (unsigned long)addr->lo, (unsigned long)addr->hi);
    }
    *ptr = NULL;
    if (vm->run) {
        *ptr = addr->pool == KV5_POOL_RDATA ? (uint8_t *)(uintptr_t)(vm->rdata + addr->i) : vm->main + addr->i;
    }
    return 0;
}

bool kv5_contiguous(const kv5_shape_reg_t *shape, const kv5_shape_reg_t *stride) {
    uint64_t want = 1;
    for (int32_t i = (int32_t)shape->rank - 1; i >= 0; i--) {
        if (shape->d[i] != 1 && stride->d[i] != want) {
            return false;
        }
        want *= shape->d[i];
    }
    return true;
}

void kv5_nd_of(kernel_nd_t *nd, const kv5_shape_reg_t *shape, const kv5_shape_reg_t *is, const kv5_shape_reg_t *os) {
    memset(nd, 0, sizeof(*nd));
    nd->rank = shape->rank;
    for (uint32_t i = 0; i < shape->rank; i++) {
        nd->shape[i] = shape->d[i];
        nd->in_stride[i] = is->d[i];
        nd->out_stride[i] = os->d[i];
    }
}

void kv5_record(kv5_dec_t *d, kv5_op_t op, uint8_t dt, const kv5_value_t *out, const kv5_shape_reg_t *shape,
    const kv5_shape_reg_t *stride) {
    kv5_op_info_t *l = &d->vm->last;
    memset(l, 0, sizeof(*l));
    kv5_op_name(op, l->name);
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

int kv5_tensor_op(kv5_vm_t *vm, uint32_t *pc) {
    const kv5_header_t *h = vm->h;
    kv5_dec_t d = { vm, *pc, *pc + 1, h->mod[h->stackvm].text_off + h->entry.entry, h->entry.text_size, "TENSOR" };
    kv5_fld_t f;
    vm->fields_ok = false;
    if (kv5_fields(&d, "h", &f)) {
        return -EINVAL;
    }
    uint16_t funct = f.h[0];
    kv5_op_t op = kv5_op_of(vm->epoch, funct);
    if (op == OP_NONE) {
        return kv5_dfail(&d, "funct %u is not a tensor op of %s", (unsigned)funct, kv5_epoch_name(vm->epoch));
    }
    kv5_op_name(op, d.name);
    int r;
    switch (op) {
        case OP_CALL: r = kv5_op_call(&d); break;
        case OP_DEQUANTIZE: case OP_QUANTIZE: case OP_CONVERT: r = kv5_op_cast(&d, op); break;
        case OP_COPY: case OP_TRANSPOSE: case OP_SLICE: r = kv5_op_copy(&d, op); break;
        case OP_BINARY: r = kv5_op_binary(&d); break;
        case OP_REDUCE_WINDOW2D: r = kv5_op_reduce_window2d(&d); break;
        case OP_REDUCE: case OP_REDUCE_PROD: r = kv5_op_reduce(&d, op); break;
        case OP_PAD: r = kv5_op_pad(&d); break;
        case OP_GATHER: r = kv5_op_gather(&d); break;
        case OP_RESIZE_IMAGE: r = kv5_op_resize_image(&d); break;
        case OP_CONV2D: r = kv5_op_conv2d(&d); break;
        case OP_UNARY: r = kv5_op_unary(&d, op); break;
        case OP_SOFTMAX:
            if (vm->epoch < KV5_EPOCH_16) {
                return kv5_dfail(&d, "has no decoder in %s", kv5_epoch_name(vm->epoch));
            }
            r = kv5_op_unary(&d, op);
            break;
        case OP_MATMUL:
            if (vm->epoch < KV5_EPOCH_13) {
                return kv5_dfail(&d, "has no decoder in %s", kv5_epoch_name(vm->epoch));
            }
            r = kv5_op_matmul(&d);
            break;
        default:
            return kv5_dfail(&d, "(funct %u of %s) is not implemented", (unsigned)funct, kv5_epoch_name(vm->epoch));
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

