// kmodel v5: the stackvm interpreter (kmodel-v5-spec.md §4). One loop serves the load check and
// the run: values are integers, reals or (pool, offset) addresses, never raw pointers, so the
// check sees every address a tensor op will use and the run resolves the same ones. Nothing on
// the stack can depend on tensor data (instructions that would read it are refused at load), so
// a run follows exactly the path the check followed.
#include <errno.h>
#include <math.h>
#include <string.h>

#include "kmodel_v5.h"

#define fail(vm, ...) kmodel_fail((vm)->err, KMODEL_EVALUE, 0, __VA_ARGS__)

// "stackvm .text+PC: opcode 0xOP <why>" (the why names the instruction; opcodes: spec 4.2)
static int refuse(kv5_vm_t *vm, uint32_t pc, uint8_t op, const char *why) {
    return fail(vm, "stackvm .text+%lu: opcode 0x%02x %s", (unsigned long)pc, (unsigned)op, why);
}

static int push(kv5_vm_t *vm, kv5_value_t v, uint32_t pc) {
    if (vm->sp >= KV5_STACK) {
        return fail(vm, "stackvm .text+%lu: evaluation stack deeper than %u entries", (unsigned long)pc, KV5_STACK);
    }
    vm->stack[vm->sp++] = v;
    return 0;
}

static int pop(kv5_vm_t *vm, kv5_value_t *v, uint32_t pc) {
    if (vm->sp == 0) {
        return fail(vm, "stackvm .text+%lu: pops an empty evaluation stack", (unsigned long)pc);
    }
    *v = vm->stack[--vm->sp];
    return 0;
}

static kv5_value_t int_v(int64_t i) {
    kv5_value_t v = { KV5_V_INT, 0, i, 0, 0, 0.0f };
    return v;
}
static kv5_value_t real_v(float f) {
    kv5_value_t v = { KV5_V_REAL, 0, 0, 0, 0, f };
    return v;
}

// LEA_BUFFER (§4.3): an address in the entry function's inputs/outputs, .rdata or data.
static int lea_buffer(kv5_vm_t *vm, uint8_t loc, uint32_t offset, uint32_t pc, kv5_value_t *v) {
    const kv5_header_t *h = vm->h;
    const kv5_module_t *m = &h->mod[h->stackvm];
    memset(v, 0, sizeof(*v));
    v->kind = KV5_V_ADDR;
    if (loc == KV5_LOC_INPUT || loc == KV5_LOC_OUTPUT) {
        const kv5_tensor_t *ts = loc ? h->out : h->in, *best = NULL;
        uint32_t n = loc ? h->n_out : h->n_in;
        for (uint32_t i = 0; i < n; i++) {
            if (ts[i].mr.start <= offset && (best == NULL || ts[i].mr.start > best->mr.start)) {
                best = &ts[i];
            }
        }
        if (best == NULL) {
            return fail(vm, "stackvm .text+%lu: LEA_BUFFER %s+%lu is before every %s", (unsigned long)pc,
                loc ? "output" : "input", (unsigned long)offset, loc ? "output" : "input");
        }
        v->pool = KV5_POOL_MAIN;
        v->i = (int64_t)best->main_at + (offset - best->mr.start);
        v->lo = best->main_at;
        v->hi = best->main_at + best->bytes;
        return 0;
    }
    if (loc == KV5_LOC_RDATA) {
        v->pool = KV5_POOL_RDATA;
        v->i = offset;
        v->hi = m->rdata_size;
        return 0;
    }
    if (loc == KV5_LOC_DATA) {
        v->pool = KV5_POOL_MAIN;
        v->i = (int64_t)m->data_at + offset;
        v->lo = m->data_at;
        v->hi = m->data_at + m->data_size;
        return 0;
    }
    return fail(vm, "stackvm .text+%lu: LEA_BUFFER of location %u (%s): no such buffer",
        (unsigned long)pc, (unsigned)loc, loc == KV5_LOC_SHARED ? "shared_data" : "unknown");
}

// A real out of int64 range (or NaN) saturates: a cast would be undefined behaviour in C, and a
// model's own arithmetic can produce such values (fuzz input crash-9137d7f9...).
static int64_t as_int(const kv5_value_t *v) {
    if (v->kind != KV5_V_REAL) {
        return v->i;
    }
    if (v->f != v->f) {
        return 0;
    }
    if (v->f >= 9223372036854775807.0f) {
        return INT64_MAX;
    }
    if (v->f <= -9223372036854775808.0f) {
        return INT64_MIN;
    }
    return (int64_t)v->f;
}
static float as_real(const kv5_value_t *v) {
    return v->kind == KV5_V_REAL ? v->f : (float)v->i;
}

// bfloat16 of f, rounded to nearest even, back as a float
static float to_bf16(float f) {
    uint32_t u;
    memcpy(&u, &f, 4);
    if ((u & 0x7fffffffu) <= 0x7f800000u) {
        u += 0x7fffu + ((u >> 16) & 1);
    }
    u &= 0xffff0000u;
    memcpy(&f, &u, 4);
    return f;
}

static int binop(kv5_vm_t *vm, uint8_t op, uint32_t pc) {
    kv5_value_t b = { 0 }, a = { 0 };
    if (pop(vm, &b, pc) || pop(vm, &a, pc)) {
        return -EINVAL;
    }
    if (a.kind == KV5_V_DATA || b.kind == KV5_V_DATA) {   // load check: known at run time only
        if (a.kind == KV5_V_ADDR || b.kind == KV5_V_ADDR) {
            return refuse(vm, pc, op, "(arithmetic) of an address and tensor data: not supported");
        }
        a.kind = KV5_V_DATA;
        return push(vm, a, pc);
    }
    // address arithmetic: address +/- integer, integer + address
    if (a.kind == KV5_V_ADDR || b.kind == KV5_V_ADDR) {
        if (op == 0x34 && a.kind == KV5_V_ADDR && b.kind == KV5_V_INT) {
            a.i += b.i;
            return push(vm, a, pc);
        }
        if (op == 0x34 && a.kind == KV5_V_INT && b.kind == KV5_V_ADDR) {
            b.i += a.i;
            return push(vm, b, pc);
        }
        if (op == 0x35 && a.kind == KV5_V_ADDR && b.kind == KV5_V_INT) {
            a.i -= b.i;
            return push(vm, a, pc);
        }
        return refuse(vm, pc, op, "(arithmetic) on an address: only address +/- integer");
    }
    bool real = a.kind == KV5_V_REAL;
    if (op >= 0x42 && op <= 0x4B) {   // CLT CLT_U CLE CLE_U CEQ CGE CGE_U CGT CGT_U CNE
        // bit 0 <, bit 1 =, bit 2 >, bit 3 unsigned (CEQ/CNE compare integers unsigned too)
        static const uint8_t want[10] = { 1, 9, 3, 11, 10, 6, 14, 4, 12, 13 };
        uint8_t w = want[op - 0x42];
        int lt, eq, gt;
        if (real) {
            float fa = a.f, fb = as_real(&b);
            lt = fa < fb, eq = fa == fb, gt = fb < fa;
        } else if (w & 8) {
            uint64_t ua = (uint64_t)a.i, ub = (uint64_t)as_int(&b);
            lt = ua < ub, eq = ua == ub, gt = ub < ua;
        } else {
            int64_t ia = a.i, ib = as_int(&b);
            lt = ia < ib, eq = ia == ib, gt = ib < ia;
        }
        int r = op == 0x4B ? !eq : ((w & 1) && lt) || ((w & 2) && eq) || ((w & 4) && gt);
        return push(vm, int_v(r), pc);
    }
    if (real && op >= 0x34 && op <= 0x37) {
        float fa = a.f, fb = as_real(&b), r;
        switch (op) {
            case 0x34: r = fa + fb; break;
            case 0x35: r = fa - fb; break;
            case 0x36: r = fa * fb; break;
            default: r = fa / fb; break;
        }
        return push(vm, real_v(r), pc);
    }
    int64_t ia = as_int(&a), ib = as_int(&b), r;
    uint64_t ua = (uint64_t)ia, ub = (uint64_t)ib;
    switch (op) {
        case 0x34: r = (int64_t)(ua + ub); break;
        case 0x35: r = (int64_t)(ua - ub); break;
        case 0x36: r = (int64_t)(ua * ub); break;
        case 0x37: case 0x39:   // REM divides in the 1.x runtime (§4.2)
            if (ib == 0 || (ia == INT64_MIN && ib == -1)) {
                return refuse(vm, pc, op, "(DIV/REM) divides by zero");
            }
            r = ia / ib;
            break;
        case 0x38: case 0x3A:
            if (ub == 0) {
                return refuse(vm, pc, op, "(DIV/REM) divides by zero");
            }
            r = (int64_t)(ua / ub);
            break;
        case 0x3B: r = (int64_t)(ua & ub); break;
        case 0x3C: r = (int64_t)(ua | ub); break;
        case 0x3D: r = (int64_t)(ua ^ ub); break;
        case 0x3F: r = (int64_t)(ua << (ub & 63)); break;
        case 0x40: r = ia >> (ub & 63); break;
        default: r = (int64_t)(ua >> (ub & 63)); break;
    }
    return push(vm, int_v(r), pc);
}

static int conv(kv5_vm_t *vm, uint8_t op, uint32_t pc) {
    kv5_value_t v = { 0 };
    if (pop(vm, &v, pc)) {
        return -EINVAL;
    }
    if (v.kind == KV5_V_ADDR) {
        return refuse(vm, pc, op, "(CONV_*) converts an address");
    }
    if (v.kind == KV5_V_DATA) {
        return push(vm, v, pc);
    }
    int64_t i = as_int(&v);
    switch (op) {
        case 0x4C: return push(vm, int_v((int8_t)i), pc);
        case 0x4D: return push(vm, int_v((int16_t)i), pc);
        case 0x4E: return push(vm, int_v((int32_t)i), pc);
        case 0x4F: return push(vm, int_v(i), pc);
        case 0x50: return push(vm, int_v((uint8_t)i), pc);
        case 0x51: return push(vm, int_v((uint16_t)i), pc);
        case 0x52: return push(vm, int_v((uint32_t)i), pc);
        case 0x53: return push(vm, int_v(i), pc);
        case 0x54: return push(vm, real_v(to_bf16(as_real(&v))), pc);
        default: return push(vm, real_v(as_real(&v)), pc);
    }
}

// LDIND/STIND/LDELEM/STELEM: element type by opcode: low 4 bits bytes, 0x10 signed, 0x20 real,
// 0x40 bfloat16 (spec 4.2).
static const uint8_t ld_types[10] = { 0x11, 0x12, 0x14, 0x18, 0x01, 0x02, 0x04, 0x08, 0x62, 0x24 };
static const uint8_t st_types[6] = { 0x11, 0x12, 0x14, 0x18, 0x62, 0x24 };

static kv5_value_t decode(uint64_t raw, uint8_t t) {
    uint32_t size = t & 15;
    if (t & 0x20) {
        uint32_t u = t & 0x40 ? (uint32_t)raw << 16 : (uint32_t)raw;
        float f;
        memcpy(&f, &u, 4);
        return real_v(f);
    }
    if ((t & 0x10) && size < 8 && (raw >> (8 * size - 1) & 1)) {
        raw |= ~0ull << (8 * size);   // sign extension
    }
    return int_v((int64_t)raw);
}

static int mem_op(kv5_vm_t *vm, uint8_t op, uint32_t pc) {
    bool elem = op >= 0x18, load = op <= 0x0F || (elem && op <= 0x21);
    uint8_t t = load ? ld_types[op - (elem ? 0x18 : 0x06)] : st_types[op - (elem ? 0x22 : 0x10)];
    uint32_t size = t & 15;
    kv5_value_t v = { 0 }, idx = { 0 }, addr = { 0 };
    if ((!load && pop(vm, &v, pc)) || (elem && pop(vm, &idx, pc)) || pop(vm, &addr, pc)) {
        return -EINVAL;
    }
    if (addr.kind != KV5_V_ADDR || (elem && idx.kind != KV5_V_INT) || v.kind == KV5_V_ADDR) {
        return refuse(vm, pc, op, "(LDIND/STIND/LDELEM/STELEM) needs a buffer address, a known index and a number");
    }
    int64_t off = addr.i + (elem ? idx.i * (int64_t)size : 0);
    if (off < (int64_t)addr.lo || off + size > addr.hi || (!load && addr.pool == KV5_POOL_RDATA)) {
        return fail(vm, "stackvm .text+%lu: opcode 0x%02x: %lu-byte access at %s+%lld is outside [%lu, %lu) or read-only",
            (unsigned long)pc, op, (unsigned long)size, addr.pool == KV5_POOL_RDATA ? ".rdata" : "main", (long long)off,
            (unsigned long)addr.lo, (unsigned long)addr.hi);
    }
    uint8_t *p = addr.pool == KV5_POOL_RDATA ? (uint8_t *)(uintptr_t)vm->rdata : vm->main;
    uint64_t raw = 0;
    if (load) {
        if (vm->run) {
            memcpy(&raw, p + off, size);
        } else if (addr.pool == KV5_POOL_RDATA) {   // constants: read from the file
            if (kv5_read(vm->rd, vm->h->mod[vm->h->stackvm].rdata_off + (uint32_t)off, &raw, size, vm->err)) {
                return -EINVAL;
            }
        } else {   // what this check stored there, else known only at run time
            kv5_value_t d = { KV5_V_DATA, 0, 0, 0, 0, 0.0f };
            for (uint32_t k = 0; k < KV5_SHADOW && k < vm->shadow_n; k++) {
                const kv5_shadow_t *e = &vm->shadow[k];
                if (e->off == off && e->size == size) {
                    d = decode(e->raw, t);
                }
            }
            return push(vm, d, pc);
        }
        return push(vm, decode(raw, t), pc);
    }
    if (t & 0x20) {
        float f = as_real(&v);
        uint32_t u;
        memcpy(&u, &f, 4);
        raw = t & 0x40 ? (u + 0x7fffu + ((u >> 16) & 1)) >> 16 : u;   // bfloat16: nearest even
    } else {
        raw = (uint64_t)as_int(&v);
    }
    if (vm->run) {
        memcpy(p + off, &raw, size);   // little endian, as the file and both targets
        return 0;
    }
    // the check: forget what overlapped, remember a known value
    for (uint32_t k = 0; k < KV5_SHADOW && k < vm->shadow_n; k++) {
        kv5_shadow_t *e = &vm->shadow[k];
        if (e->off < off + size && off < (int64_t)e->off + e->size) {
            e->size = 0;
        }
    }
    if (v.kind != KV5_V_DATA) {
        kv5_shadow_t *e = &vm->shadow[vm->shadow_n++ % KV5_SHADOW];
        e->off = (uint32_t)off;
        e->size = (uint8_t)size;
        e->raw = raw;
    }
    return 0;
}

// STPADDINGS (§4.2, §4.4): rank paddings, dim 0 pushed first, each (before, after) up to nncase
// 1.0 and (before, after, interior) later; interior paddings are refused.
// The interpreter keeps the last KV5_PAD_REGS registers set (PAD names the one it reads).
static int stpaddings(kv5_vm_t *vm, uint8_t r, uint8_t rank, uint32_t pc) {
    if (rank > KV5_MAX_RANK) {
        return fail(vm, "stackvm .text+%lu: STPADDINGS rank %u (max %u)", (unsigned long)pc, (unsigned)rank, KV5_MAX_RANK);
    }
    kv5_pad_reg_t *e = kv5_pad_reg(vm, r);
    if (e == NULL) {
        e = &vm->preg[vm->preg_next++ % KV5_PAD_REGS];
        e->id = r;
    }
    uint32_t n = vm->epoch >= KV5_EPOCH_11 ? 3 : 2;
    for (int k = rank - 1; k >= 0; k--) {
        int64_t v[3] = { 0, 0, 0 };   // before, after, interior
        for (int j = (int)n - 1; j >= 0; j--) {
            kv5_value_t a = { 0 };
            if (pop(vm, &a, pc)) {
                return -EINVAL;
            }
            v[j] = a.kind == KV5_V_INT ? (int32_t)a.i : INT64_MIN;
        }
        if (v[0] == INT64_MIN || v[1] == INT64_MIN || v[2] != 0) {
            return fail(vm, "stackvm .text+%lu: STPADDINGS dim %d: before/after must be integers and interior 0", (unsigned long)pc, k);
        }
        e->before[k] = (int32_t)v[0];
        e->after[k] = (int32_t)v[1];
    }
    e->rank = rank;
    return 0;
}

kv5_pad_reg_t *kv5_pad_reg(kv5_vm_t *vm, uint8_t r) {
    for (uint32_t k = 0; k < KV5_PAD_REGS; k++) {
        if (vm->preg[k].rank != 0xFF && vm->preg[k].id == r) {
            return &vm->preg[k];
        }
    }
    return NULL;
}

// Immediate bytes of each opcode (after the opcode byte); TENSOR is decoded by kv5_tensor_op.
static uint32_t imm_bytes(uint8_t op) {
    switch (op) {
        case 0x02: case 0x05: case 0x28: case 0x56: case 0x57: case 0x58: return 4;
        case 0x16: return 5;
        case 0x17: return 6;
        case 0x31: case 0x32: return 2;
        case 0x5A: return 5;
        case 0x5B: return 1;
        default: return 0;
    }
}

int kv5_exec(kv5_vm_t *vm) {
    const kv5_header_t *h = vm->h;
    const kv5_module_t *m = &h->mod[h->stackvm];
    uint32_t base = m->text_off + h->entry.entry, end = h->entry.text_size;
    uint32_t pc = 0;
    vm->sp = 0;
    vm->steps = 0;
    vm->shadow_n = 0;
    vm->op_index = 0;
    vm->hash = 0;
    vm->max_reg = 0;
    for (uint32_t r = 0; r < KV5_SHAPE_REGS; r++) {
        vm->reg[r].rank = 0xFF;   // unset
    }
    for (uint32_t r = 0; r < KV5_PAD_REGS; r++) {
        vm->preg[r].rank = 0xFF;
    }
    vm->preg_next = 0;
    while (pc < end) {
        if (++vm->steps > KV5_MAX_STEPS) {
            return fail(vm, "stackvm code does not end within %u instructions", KV5_MAX_STEPS);
        }
        uint8_t op;
        uint8_t imm[8];
        if (kv5_read(vm->rd, base + pc, &op, 1, vm->err)) {
            return -EINVAL;
        }
        if (op > 0x5E) {
            return fail(vm, "stackvm .text+%lu: opcode 0x%02x is not stackvm's", (unsigned long)pc, (unsigned)op);
        }
        if (op == 0x5E) {
            if (vm->stop_after && vm->op_index >= vm->stop_after) {
                return 0;
            }
            if (vm->run && vm->op_index > 0 && kmodel_stop_requested()) {   // Ctrl-C: stop at an op boundary
                return kmodel_fail(vm->err, KMODEL_EINTR, EINTR, "kpu.forward: interrupted after tensor op %lu of %lu",
                    (unsigned long)vm->op_index, (unsigned long)vm->h->tensor_ops);
            }
            vm->shadow_n = 0;   // a tensor op may overwrite what the check remembered
            if (kv5_tensor_op(vm, &pc)) {
                return -EINVAL;
            }
            continue;
        }
        uint32_t n = imm_bytes(op), at = pc;
        if (pc + 1 + n > end) {
            return refuse(vm, pc, op, "runs past the end of the function's code");
        }
        if (n && kv5_read(vm->rd, base + pc + 1, imm, n, vm->err)) {
            return -EINVAL;
        }
        pc += 1 + n;
        kv5_value_t a = { 0 };
        switch (op) {
            case 0x00: break;
            case 0x01: case 0x03: if (push(vm, int_v(0), at)) return -EINVAL; break;
            case 0x04: if (push(vm, int_v(1), at)) return -EINVAL; break;
            case 0x02: if (push(vm, int_v((int32_t)kv5_u32(imm)), at)) return -EINVAL; break;
            case 0x05: {
                uint32_t u = kv5_u32(imm);
                float f;
                memcpy(&f, &u, 4);
                if (push(vm, real_v(f), at)) return -EINVAL;
                break;
            }
            case 0x17:
                if (lea_buffer(vm, imm[0], kv5_u32(imm + 2), at, &a) || push(vm, a, at)) {
                    return -EINVAL;
                }
                break;
            case 0x2F:
                if (pop(vm, &a, at) || push(vm, a, at) || push(vm, a, at)) return -EINVAL;
                break;
            case 0x30:
                if (pop(vm, &a, at)) return -EINVAL;
                break;
            case 0x31: {   // STSHAPE: the last value popped is dim 0
                uint8_t r = imm[0], rank = imm[1];
                if (r >= KV5_SHAPE_REGS || rank > KV5_MAX_RANK) {
                    return fail(vm, "stackvm .text+%lu: STSHAPE register %u rank %u (max %u, %u)",
                        (unsigned long)at, (unsigned)r, (unsigned)rank, KV5_SHAPE_REGS, KV5_MAX_RANK);
                }
                for (int k = rank - 1; k >= 0; k--) {
                    if (pop(vm, &a, at)) return -EINVAL;
                    if (a.kind != KV5_V_INT) {   // stored unsigned: a negative slice bound wraps, as in nncase
                        return fail(vm, "stackvm .text+%lu: STSHAPE dim %d is not an integer", (unsigned long)at, k);
                    }
                    vm->reg[r].d[k] = (uint32_t)a.i;
                }
                vm->reg[r].rank = rank;
                if (r + 1u > vm->max_reg) {
                    vm->max_reg = r + 1u;
                }
                break;
            }
            case 0x32:
                if (stpaddings(vm, imm[0], imm[1], at)) return -EINVAL;
                break;
            case 0x33:
                if (pop(vm, &a, at)) return -EINVAL;
                if (a.kind == KV5_V_ADDR) return refuse(vm, at, op, "(NEG) negates an address");
                if (a.kind == KV5_V_REAL) a.f = -a.f; else if (a.kind == KV5_V_INT) a.i = (int64_t)(0 - (uint64_t)a.i);
                if (push(vm, a, at)) return -EINVAL;
                break;
            case 0x3E:
                if (pop(vm, &a, at)) return -EINVAL;
                if (a.kind == KV5_V_REAL || a.kind == KV5_V_ADDR) return refuse(vm, at, op, "(NOT) of a real or an address");
                a.i = ~a.i;
                if (push(vm, a, at)) return -EINVAL;
                break;
            case 0x56: case 0x57: case 0x58: {
                int64_t target = (int64_t)pc + (int32_t)kv5_u32(imm);
                if (target < 0 || target > (int64_t)end) {
                    return fail(vm, "stackvm .text+%lu: BR target %lld is outside the function's %lu-byte code", (unsigned long)at,
                        (long long)target, (unsigned long)end);
                }
                bool take = true;
                if (op != 0x56) {
                    if (pop(vm, &a, at)) return -EINVAL;
                    if (a.kind == KV5_V_ADDR || a.kind == KV5_V_DATA) {
                        return refuse(vm, at, op, "(BR_TRUE/BR_FALSE) tests an address or tensor data: not supported");
                    }
                    bool nz = a.kind == KV5_V_REAL ? a.f != 0.0f : a.i != 0;
                    take = op == 0x57 ? nz : !nz;
                }
                if (take) {
                    pc = (uint32_t)target;
                }
                break;
            }
            case 0x59:
                return 0;   // RET at call depth 0 (CALL is not supported, so always depth 0)
            default:
                if (op >= 0x34 && op <= 0x4B && op != 0x3E) {
                    if (binop(vm, op, at)) return -EINVAL;
                    break;
                }
                if (op >= 0x4C && op <= 0x55) {
                    if (conv(vm, op, at)) return -EINVAL;
                    break;
                }
                if ((op >= 0x06 && op <= 0x15) || (op >= 0x18 && op <= 0x27)) {
                    if (mem_op(vm, op, at)) return -EINVAL;
                    break;
                }
                if (op == 0x16) {
                    return refuse(vm, at, op, "(LEA_GP) uses a gp register, never set by nncase 1.x");
                }
                return refuse(vm, at, op, "(LDARG/CALL/ECALL/THROW/BREAK) is not supported by nncase 1.x");
        }
    }
    if (!vm->run && vm->sp != 0) {
        vm->fields_ok = false;   // compiled code leaves nothing: a numbering that does misreads it
        return fail(vm, "stackvm code ends with %lu values on the stack", (unsigned long)vm->sp);
    }
    return 0;
}
