// kmodel v5 tensor op adapters: element moves (COPY, TRANSPOSE, SLICE, PAD, GATHER).
#include <errno.h>
#include <string.h>

#include "kmodel_v5_tensor.h"

// COPY (dt, rshape, rstride_src, rstride_dest), TRANSPOSE (+ rshape_perm after the strides) and
// SLICE (+ rbegins, rends, rsteps): one strided element copy over the output's index space.
int kv5_op_copy(kv5_dec_t *d, kv5_op_t op) {
    kv5_fld_t f;
    kv5_value_t v[2];
    if (kv5_fields(d, op == OP_COPY ? "dRRR" : op == OP_TRANSPOSE ? "dRRRR" : "dRRRRRR", &f) || kv5_operands(d, "AA", v, NULL)) {
        return -EINVAL;
    }
    const kv5_shape_reg_t *shape = f.r[0], *is = f.r[1], *os = f.r[2];
    uint32_t r = shape->rank, e = kernel_dt_bytes(f.b[0]);
    for (int k = 1; k < (op == OP_COPY ? 3 : op == OP_TRANSPOSE ? 4 : 6); k++) {
        if (f.r[k]->rank != r) {
            return kv5_dfail(d, "register %d has %u dims, the shape %lu", k, f.r[k]->rank, (unsigned long)r);
        }
    }
    kv5_shape_reg_t oshape = { (uint8_t)r, { 0 } };
    kernel_nd_t nd;
    kv5_nd_of(&nd, shape, is, os);
    int64_t first = 0;
    uint32_t seen = 0;
    for (uint32_t i = 0; i < r; i++) {
        oshape.d[i] = shape->d[i];
        if (op == OP_TRANSPOSE) {   // output axis i walks input axis perm[i]
            uint32_t p = f.r[3]->d[i];
            if (p >= r || (seen >> p & 1)) {
                return kv5_dfail(d, "not a permutation");
            }
            seen |= 1u << p;
            oshape.d[i] = shape->d[p];
            nd.in_stride[i] = is->d[p];
        } else if (op == OP_SLICE) {   // numpy x[b:e:s]; a step of 2^31 or more is negative
            int64_t b = (int32_t)f.r[3]->d[i], en = (int32_t)f.r[4]->d[i], st = (int32_t)f.r[5]->d[i], dim = shape->d[i], n;
            if (st == 0) {
                return kv5_dfail(d, "step 0");
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
    if (kv5_span(d, &v[0], e, shape, is, false, &ip) || kv5_span(d, &v[1], e, &oshape, os, true, &opp)) {
        return -EINVAL;
    }
    kv5_record(d, op, f.b[0], &v[1], &oshape, os);
    if (d->vm->run && kernel_nd_count(&nd)) {
        kernel_strided_copy(ip + first * e, opp, e, &nd);
    }
    return 0;
}

// A scalar operand as one element of datatype dt (the runtime pops it as that type).
static int element_of(kv5_dec_t *d, uint8_t dt, const kv5_value_t *v, uint8_t out[8]) {
    memset(out, 0, 8);
    if (dt == KERNEL_DT_F32) {
        float x = kv5_real_of(v);
        memcpy(out, &x, 4);
    } else if (dt == KERNEL_DT_F64) {
        double x = v->kind == KV5_V_REAL ? (double)v->f : (double)v->i;
        memcpy(out, &x, 8);
    } else if (dt == KERNEL_DT_F16 || dt == KERNEL_DT_BF16) {
        return kv5_dfail(d, "a value of datatype %u (16-bit float) is not implemented", dt);
    } else {
        if (v->kind == KV5_V_REAL && !(v->f > -9.2e18f && v->f < 9.2e18f)) {
            return kv5_dfail(d, "value %g does not fit datatype %u", (double)v->f, dt);
        }
        int64_t x = v->kind == KV5_V_REAL ? (int64_t)v->f : v->i;
        memcpy(out, &x, 8);   // little endian: the element is its low bytes
    }
    return 0;
}

// PAD: dt, rshape_src, rstride_src, rstride_dest, rpaddings (a STPADDINGS register), pad_mode
// (0 constant, 1 reflect, 2 symmetric, 3 edge: kernel_pad_mode_t); operands in, out, value.
int kv5_op_pad(kv5_dec_t *d) {
    kv5_fld_t f;
    kv5_value_t v[3];
    if (kv5_fields(d, "dRRRbb", &f) || kv5_operands(d, "AAn", v, NULL)) {
        return -EINVAL;
    }
    const kv5_shape_reg_t *s = f.r[0], *is = f.r[1], *os = f.r[2];
    uint8_t dt = f.b[0], rp = f.b[1], mode = f.b[2];
    const kv5_pad_reg_t *pr = kv5_pad_reg(d->vm, rp);
    if (pr == NULL) {
        return kv5_dfail(d, "paddings register %u not set (the interpreter keeps the last %u set)", rp, KV5_PAD_REGS);
    }
    if (mode > KERNEL_PAD_EDGE || pr->rank != s->rank) {
        return kv5_dfail(d, "pad_mode %u (0-3), %u paddings for %u dims", mode, pr->rank, s->rank);
    }
    kernel_strided_pad_params_t p;
    memset(&p, 0, sizeof(p));
    p.rank = s->rank;
    p.elem = kernel_dt_bytes(dt);
    p.mode = (kernel_pad_mode_t)mode;
    kv5_shape_reg_t osh = { s->rank, { 0 } };
    for (uint32_t i = 0; i < s->rank; i++) {
        int64_t b = pr->before[i], a = pr->after[i];
        int64_t first = b < 0 ? -b : 0, keep = (int64_t)s->d[i] - first - (a < 0 ? -a : 0);
        int64_t pb = b > 0 ? b : 0, pa = a > 0 ? a : 0;
        // the modes mirror once (kernels.h): reflect pads < kept elements, symmetric <=, edge needs one
        int64_t most = mode == KERNEL_PAD_REFLECT ? keep - 1 : mode == KERNEL_PAD_SYMMETRIC ? keep
            : mode == KERNEL_PAD_EDGE && keep == 0 ? 0 : INT32_MAX;
        if (keep < 0 || pb > most || pa > most || keep + pb + pa > (1 << 24)) {
            return kv5_dfail(d, "axis %lu of %lu: padding (%ld, %ld) does not fit pad_mode %u", (unsigned long)i,
                (unsigned long)s->d[i], (long)b, (long)a, mode);
        }
        osh.d[i] = p.out_shape[i] = (uint32_t)(keep + pb + pa);
        p.in_stride[i] = is->d[i];
        p.out_stride[i] = os->d[i];
        p.first[i] = first;
        p.keep[i] = keep;
        p.before[i] = pb;
    }
    uint8_t *ip, *opp;
    if (element_of(d, dt, &v[2], p.value) || kv5_span(d, &v[0], p.elem, s, is, false, &ip)
        || kv5_span(d, &v[1], p.elem, &osh, os, true, &opp)) {
        return -EINVAL;
    }
    kv5_record(d, OP_PAD, dt, &v[1], &osh, os);
    if (d->vm->run) {
        kernel_strided_pad(ip, opp, &p);
    }
    return 0;
}

// GATHER: dt, rshape_src, rshape_dest, rstride_src, rstride_dest, rshape_indices, axis; operands
// in, out, indices (contiguous i32). out = in[.., indices, ..] along axis (numpy take). Indices
// in .rdata are checked at load; others (computed) when the op runs.
int kv5_op_gather(kv5_dec_t *d) {
    kv5_fld_t f;
    kv5_value_t v[3];
    if (kv5_fields(d, "dRRRRRb", &f) || kv5_operands(d, "AAA", v, NULL)) {
        return -EINVAL;
    }
    const kv5_shape_reg_t *s = f.r[0], *ds = f.r[1], *is = f.r[2], *os = f.r[3], *xs = f.r[4];
    uint32_t axis = f.b[1], r = s->rank;
    if (axis >= r || r - 1 + xs->rank > KERNEL_ND_MAX) {
        return kv5_dfail(d, "axis %lu of a %lu-dim input with %u-dim indices", (unsigned long)axis, (unsigned long)r, xs->rank);
    }
    kernel_strided_gather_params_t p;
    memset(&p, 0, sizeof(p));
    // output axes: in[:axis], the indices' axes (input stride 0), in[axis + 1:]
    kv5_shape_reg_t want = { (uint8_t)(r - 1 + xs->rank), { 0 } }, xst = { xs->rank, { 0 } };
    uint32_t k = 0;
    uint64_t n = 1;
    for (uint32_t i = 0; i < r; i++) {
        if (i != axis) {
            p.nd.in_stride[k] = is->d[i];
            want.d[k++] = s->d[i];
            continue;
        }
        for (int32_t j = (int32_t)xs->rank - 1; j >= 0; j--) {
            xst.d[j] = (uint32_t)n;
            n *= xs->d[j];
        }
        for (uint32_t j = 0; j < xs->rank; j++) {
            want.d[k++] = xs->d[j];
        }
    }
    if (n > (1u << 24) || ds->rank != want.rank || memcmp(ds->d, want.d, 4u * want.rank) != 0) {
        return kv5_dfail(d, "rshape_dest is not the input's shape with axis %lu replaced by the indices' shape", (unsigned long)axis);
    }
    p.nd.rank = want.rank;
    for (uint32_t i = 0; i < want.rank; i++) {
        p.nd.shape[i] = want.d[i];
        p.nd.out_stride[i] = os->d[i];   // os->rank is checked by the span below
    }
    p.axis = axis;
    p.index_rank = xs->rank;
    p.index_count = (uint32_t)n;
    p.axis_dim = s->d[axis];
    p.axis_stride = is->d[axis];
    p.elem = kernel_dt_bytes(f.b[0]);
    uint8_t *ip, *xp, *opp;
    if (kv5_span(d, &v[0], p.elem, s, is, false, &ip) || kv5_span(d, &v[2], 4, xs, &xst, false, &xp)
        || kv5_span(d, &v[1], p.elem, &want, os, true, &opp)) {
        return -EINVAL;
    }
    kv5_vm_t *vm = d->vm;
    for (uint32_t j = 0; !vm->run && v[2].pool == KV5_POOL_RDATA && j < p.index_count; j++) {
        uint8_t raw[4];
        uint32_t at = (uint32_t)v[2].i + 4 * j;
        if (kv5_read(vm->rd, vm->h->mod[vm->h->stackvm].rdata_off + at, raw, 4, vm->err)) {
            return -EINVAL;
        }
        int32_t x = (int32_t)kv5_u32(raw);
        if (x < 0 || (uint32_t)x >= p.axis_dim) {
            return kv5_dfail(d, "index %ld at .rdata+%lu is outside axis %lu of size %lu", (long)x, (unsigned long)at,
                (unsigned long)axis, (unsigned long)p.axis_dim);
        }
    }
    kv5_record(d, OP_GATHER, f.b[0], &v[1], &want, os);
    if (vm->run) {
        int64_t bad = kernel_strided_gather(ip, opp, (const int32_t *)(const void *)xp, &p);
        if (bad >= 0) {
            const int32_t *x = (const int32_t *)(const void *)xp;
            return kv5_dfail(d, "index %ld (indices[%ld]) is outside axis %lu of size %lu", (long)x[bad], (long)bad,
                (unsigned long)axis, (unsigned long)p.axis_dim);
        }
    }
    return 0;
}
