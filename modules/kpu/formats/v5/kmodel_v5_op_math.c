// kmodel v5 tensor op adapters: element-wise maths and reductions (casts, BINARY, UNARY,
// SOFTMAX, MATMUL, REDUCE, REDUCE_PROD).
#include <errno.h>
#include <string.h>

#include "kmodel_v5_tensor.h"

// DEQUANTIZE / QUANTIZE / CONVERT: in_dt, out_dt, rshape_src, rstride_src, rstride_dest.
int kv5_op_cast(kv5_dec_t *d, kv5_op_t op) {
    kv5_fld_t f;
    kv5_value_t v[4];
    if (kv5_fields(d, "ddRRR", &f) || kv5_operands(d, op == OP_CONVERT ? "AA" : "AAnn", v, NULL)) {
        return -EINVAL;
    }
    uint8_t idt = f.b[0], odt = f.b[1];
    const kv5_shape_reg_t *shape = f.r[0], *is = f.r[1], *os = f.r[2];
    // supported: u8/i8 -> f32, f32 -> u8/i8, and casts among i8 u8 i16 u16 i32 u32 f32
    const uint16_t ints = 1u << KERNEL_DT_I8 | 1u << KERNEL_DT_U8, casts = 0x277;
    bool ok = op == OP_DEQUANTIZE ? (ints >> idt & 1) && odt == KERNEL_DT_F32
        : op == OP_QUANTIZE ? idt == KERNEL_DT_F32 && (ints >> odt & 1) : (casts >> idt & 1) && (casts >> odt & 1);
    if (!ok) {
        return kv5_dfail(d, "datatype %u to %u not supported", idt, odt);
    }
    uint8_t *ip, *opp;
    if (kv5_span(d, &v[0], kernel_dt_bytes(idt), shape, is, false, &ip) || kv5_span(d, &v[1], kernel_dt_bytes(odt), shape, os, true, &opp)) {
        return -EINVAL;
    }
    kv5_record(d, op, odt, &v[1], shape, os);
    if (d->vm->run) {
        kernel_nd_t nd;
        kv5_nd_of(&nd, shape, is, os);
        if (op == OP_DEQUANTIZE) {
            kernel_strided_dequantize(ip, idt == KERNEL_DT_I8, (float *)(void *)opp, kv5_real_of(&v[2]), kv5_real_of(&v[3]), &nd);
        } else if (op == OP_QUANTIZE) {
            kernel_strided_quantize((const float *)(const void *)ip, opp, odt == KERNEL_DT_I8, kv5_real_of(&v[2]), kv5_real_of(&v[3]),
                KERNEL_ROUND_PAIRS_EVEN, &nd);
        } else {
            kernel_strided_convert(ip, idt, opp, odt, &nd);
        }
    }
    return 0;
}

// BINARY: dt, rshape_src1, rstride_src1, rshape_src2, rstride_src2, [rshape_dest 1.4+],
// rstride_dest, op, clamp low, high. Broadcast right-aligned.
int kv5_op_binary(kv5_dec_t *d) {
    kv5_fld_t f;
    kv5_value_t v[3];
    bool v14 = d->vm->epoch >= KV5_EPOCH_14;
    if (kv5_fields(d, v14 ? "dRRRRRRbff" : "dRRRRRbff", &f) || kv5_operands(d, "AAA", v, NULL)) {
        return -EINVAL;
    }
    const kv5_shape_reg_t *sa = f.r[0], *ta = f.r[1], *sb = f.r[2], *tb = f.r[3], *td = f.r[v14 ? 5 : 4];
    uint8_t bop = f.b[1];
    if (f.b[0] != KERNEL_DT_F32 || bop > 6) {
        return kv5_dfail(d, "datatype %u op %u not supported", f.b[0], bop);
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
            return kv5_dfail(d, "shapes do not broadcast on axis %lu", (unsigned long)i);
        }
        os.d[i] = p.out_shape[i] = da > db ? da : db;
        p.a_shape[i] = da;
        p.b_shape[i] = db;
        p.a_stride[i] = ia >= 0 && ta->rank == sa->rank ? ta->d[ia] : 0;
        p.b_stride[i] = ib >= 0 && tb->rank == sb->rank ? tb->d[ib] : 0;
        p.out_stride[i] = td->d[i];
    }
    if ((v14 && (f.r[4]->rank != rank || memcmp(f.r[4]->d, os.d, 4 * rank) != 0)) || td->rank != rank) {
        return kv5_dfail(d, "output shape/strides are not the broadcast shape");
    }
    uint8_t *pa, *pb, *po;
    if (kv5_span(d, &v[0], 4, sa, ta, false, &pa) || kv5_span(d, &v[1], 4, sb, tb, false, &pb) || kv5_span(d, &v[2], 4, &os, td, true, &po)) {
        return -EINVAL;
    }
    kv5_record(d, OP_BINARY, KERNEL_DT_F32, &v[2], &os, td);
    if (d->vm->run) {
        kernel_binary_nd((const float *)(const void *)pa, (const float *)(const void *)pb, (float *)(void *)po, &p);
    }
    return 0;
}

// MATMUL (1.4+): rshape_src1, rstride_src1, rshape_src2, rstride_src2, rshape_dest, rstride_dest,
// clamp low, high (1.3: rshape_src1, rshape_src2, clamps); a [1.., M, K] x b [1.., K, N] + bias [N].
int kv5_op_matmul(kv5_dec_t *d) {
    kv5_fld_t f;
    kv5_value_t v[4];
    bool v13 = d->vm->epoch == KV5_EPOCH_13;
    if (kv5_fields(d, v13 ? "RRff" : "RRRRRRff", &f) || kv5_operands(d, "AAAA", v, NULL)) {
        return -EINVAL;
    }
    const kv5_shape_reg_t *sa = f.r[0], *sb = f.r[v13 ? 1 : 2];
    if (sa->rank < 2 || sb->rank < 2) {
        return kv5_dfail(d, "inputs need 2 dims");
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
        || (!v13 && (!kv5_contiguous(sa, f.r[1]) || !kv5_contiguous(sb, f.r[3]) || !kv5_contiguous(f.r[4], f.r[5])))) {
        return kv5_dfail(d, "only contiguous [M,K] x [K,N] is supported");
    }
    kv5_shape_reg_t ash = { 2, { m, k } }, ast = { 2, { k, 1 } }, bsh = { 2, { k, n } }, bst = { 2, { n, 1 } };
    kv5_shape_reg_t osh = { 2, { m, n } }, vsh = { 1, { n } }, vst = { 1, { 1 } };
    uint8_t *pa, *pb, *pbias, *po;
    if (kv5_span(d, &v[0], 4, &ash, &ast, false, &pa) || kv5_span(d, &v[1], 4, &bsh, &bst, false, &pb)
        || kv5_span(d, &v[2], 4, &vsh, &vst, false, &pbias) || kv5_span(d, &v[3], 4, &osh, &bst, true, &po)) {
        return -EINVAL;
    }
    kv5_record(d, OP_MATMUL, KERNEL_DT_F32, &v[3], &osh, &bst);
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
static int contiguous_f32(kv5_dec_t *d, uint8_t dt, const kv5_shape_reg_t *s, const kv5_shape_reg_t *is) {
    if (dt != KERNEL_DT_F32 || is->rank != s->rank || !kv5_contiguous(s, is)) {
        return kv5_dfail(d, "only contiguous float32 tensors are supported");
    }
    return 0;
}

int kv5_op_unary(kv5_dec_t *d, kv5_op_t op) {
    kv5_fld_t f;
    kv5_value_t v[2];
    kv5_epoch_t ep = d->vm->epoch;
    if (kv5_fields(d, op == OP_UNARY ? "dRRRb" : "dRRRwf", &f) || kv5_operands(d, "AA", v, NULL)
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
            return kv5_dfail(d, "unary_op %u means different ops in nncase 1.0 pre-release and rc1: recompile with nncase 1.1+", u);
        }
        if (k == X) {
            return kv5_dfail(d, "unary_op %u is not implemented", u);
        }
    } else if (s->rank == 0 || (f.w != s->rank - 1 && (int32_t)f.w != -1)) {
        return kv5_dfail(d, "axis %ld: only the last axis is supported", (long)(int32_t)f.w);
    }
    uint8_t *ip, *opp;
    if (kv5_span(d, &v[0], 4, s, f.r[1], false, &ip) || kv5_span(d, &v[1], 4, s, f.r[2], true, &opp)) {
        return -EINVAL;
    }
    kv5_record(d, op, KERNEL_DT_F32, &v[1], s, f.r[2]);
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

// REDUCE: dt, rshape_src, rstride_src, rstride_dest, reduce_op (0 mean, 1 min, 2 max, 3 sum, the
// order of kernel_reduce_op_t), rshape_axis, keep_dims; operands in, out, init. REDUCE_PROD: [dt
// (1.6+)], rshape_src, rstride_src, rstride_dest, rshape_axes, keep_dims; operands in, out (the
// product starts at 1). float32 only (1.9 also reduces i32/i64, 1.6+ multiplies i32: refused).
int kv5_op_reduce(kv5_dec_t *d, kv5_op_t kind) {
    kv5_fld_t f;
    kv5_value_t v[3];
    bool prod = kind == OP_REDUCE_PROD, typed = !prod || d->vm->epoch >= KV5_EPOCH_16;
    if (kv5_fields(d, !prod ? "dRRRbRb" : typed ? "dRRRRb" : "RRRRb", &f) || kv5_operands(d, prod ? "AA" : "AAn", v, NULL)) {
        return -EINVAL;
    }
    uint8_t dt = typed ? f.b[0] : KERNEL_DT_F32, op = prod ? KERNEL_REDUCE_PROD : f.b[1], keep = f.b[prod ? typed : 2];
    if (dt != KERNEL_DT_F32 || op > (prod ? KERNEL_REDUCE_PROD : KERNEL_REDUCE_SUM) || keep > 1) {
        return kv5_dfail(d, "datatype %u reduce_op %u keep_dims %u: float32 mean/min/max/sum (ops 0-3) or prod only", dt, op,
            keep);
    }
    const kv5_shape_reg_t *s = f.r[0], *is = f.r[1], *os = f.r[2], *axes = f.r[3];
    kernel_strided_reduce_params_t p;
    memset(&p, 0, sizeof(p));
    for (uint32_t i = 0; i < axes->rank; i++) {
        uint32_t a = axes->d[i];
        if (a >= s->rank || (p.reduced >> a & 1)) {
            return kv5_dfail(d, "axis %lu is not a distinct axis of the %u-dim input", (unsigned long)a, s->rank);
        }
        p.reduced |= 1u << a;
    }
    // the output: the input's shape with the reduced axes 1 (keep_dims) or dropped
    kv5_shape_reg_t osh = { 0, { 0 } };
    uint64_t n_in = 1, n_out = 1;
    p.nd.rank = s->rank;
    for (uint32_t i = 0; i < s->rank; i++) {
        bool red = p.reduced >> i & 1;
        if (red && s->d[i] == 0) {
            return kv5_dfail(d, "reduces axis %lu of size 0", (unsigned long)i);
        }
        p.nd.shape[i] = s->d[i];
        p.nd.in_stride[i] = is->d[i];
        p.nd.out_stride[i] = red ? 0 : os->d[osh.rank];   // os->rank is checked by the span below
        n_in *= s->d[i];
        n_out *= red ? 1 : s->d[i];
        if (!red || keep) {
            osh.d[osh.rank++] = red ? 1 : s->d[i];
        }
    }
    p.op = (kernel_reduce_op_t)op;
    p.init = prod ? 1.0f : kv5_real_of(&v[2]);
    p.mean_count = (float)(n_out ? n_in / n_out : 1);
    uint8_t *ip, *opp;
    if (kv5_span(d, &v[0], 4, s, is, false, &ip) || kv5_span(d, &v[1], 4, &osh, os, true, &opp)) {
        return -EINVAL;
    }
    kv5_record(d, kind, KERNEL_DT_F32, &v[1], &osh, os);
    if (d->vm->run) {
        kernel_strided_reduce((const float *)(const void *)ip, (float *)(void *)opp, &p);
    }
    return 0;
}
