// kmodel v5 tensor op adapters: NCHW window ops over the shared contiguous kernels
// (REDUCE_WINDOW2D, RESIZE_IMAGE, CONV2D).
#include <errno.h>
#include <string.h>

#include "kmodel_v5_tensor.h"

// An NCHW tensor the existing (contiguous) kernels take.
static int nchw(kv5_dec_t *d, const kv5_shape_reg_t *s, const kv5_shape_reg_t *st) {
    if (s->rank != 4 || !kv5_contiguous(s, st)) {
        return kv5_dfail(d, "only contiguous NCHW tensors are supported");
    }
    return 0;
}

// The window ops' common part: input NCHW, filter/stride/dilation >= 1, the output size.
static int window(kv5_dec_t *d, const kv5_shape_reg_t *s, const kv5_shape_reg_t *st, const uint16_t *w, int32_t fh, int32_t fw,
    const kernel_padding_t *pad, kv5_shape_reg_t *osh, uint32_t oc) {
    if (nchw(d, s, st)) {
        return -EINVAL;
    }
    if (!fh || !fw || !w[0] || !w[1] || !w[2] || !w[3]) {
        return kv5_dfail(d, "window values must be at least 1");
    }
    int32_t oh = kernel_windowed((int32_t)s->d[2], fh, w[0], w[2], pad[0]), ow = kernel_windowed((int32_t)s->d[3], fw, w[1], w[3], pad[1]);
    if (oh < 1 || ow < 1) {
        return kv5_dfail(d, "empty output");
    }
    *osh = (kv5_shape_reg_t) { 4, { s->d[0], oc, (uint32_t)oh, (uint32_t)ow } };
    return 0;
}

// REDUCE_WINDOW2D: dt, op, rshape_src, rstride_src, rstride_dest, filter h/w, stride h/w,
// dilation h/w, clamp low, high; operands in, init, out, pad_h, pad_w.
int kv5_op_reduce_window2d(kv5_dec_t *d) {
    kv5_fld_t f;
    kv5_value_t v[5];
    kernel_reduce_window2d_params_t p;
    memset(&p, 0, sizeof(p));
    kernel_padding_t pad[2];
    if (kv5_fields(d, "dbRRRhhhhhhff", &f) || kv5_operands(d, "AnApp", v, pad)) {
        return -EINVAL;
    }
    const kv5_shape_reg_t *shape = f.r[0], *os = f.r[2];
    kv5_shape_reg_t osh;
    if (f.b[0] != KERNEL_DT_F32 || f.b[1] > 3) {
        return kv5_dfail(d, "datatype %u op %u not supported", f.b[0], f.b[1]);
    }
    if (window(d, shape, f.r[1], f.h + 2, f.h[0], f.h[1], pad, &osh, shape->d[1])) {
        return -EINVAL;
    }
    p.op = (kernel_reduce_op_t)f.b[1];   // 0 mean, 1 min, 2 max, 3 sum: the kernel's order
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
    p.init = kv5_real_of(&v[1]);
    p.act.lo = f.f[0];
    p.act.hi = f.f[1];
    uint8_t *ip, *opp;
    if (kv5_span(d, &v[0], 4, shape, f.r[1], false, &ip) || nchw(d, &osh, os) || kv5_span(d, &v[2], 4, &osh, os, true, &opp)) {
        return -EINVAL;
    }
    kv5_record(d, OP_REDUCE_WINDOW2D, KERNEL_DT_F32, &v[2], &osh, os);
    if (d->vm->run) {
        kernel_reduce_window2d(ip, opp, &p);
    }
    return 0;
}

// RESIZE_IMAGE: dt, rshape_src, rstride_src, rstride_dest, align_corners, half_pixel_centers,
// mode (0 bilinear, 1 nearest); operands out_h, out_w, in, out.
int kv5_op_resize_image(kv5_dec_t *d) {
    kv5_fld_t f;
    kv5_value_t v[4];
    if (kv5_fields(d, "dRRRbbb", &f) || kv5_operands(d, "iiAA", v, NULL)) {
        return -EINVAL;
    }
    uint8_t dt = f.b[0], ac = f.b[1], hpc = f.b[2], mode = f.b[3];
    const kv5_shape_reg_t *shape = f.r[0], *os = f.r[2];
    if (mode > 1 || ac > 1 || hpc > 1 || (dt != KERNEL_DT_F32 && dt != KERNEL_DT_U8)) {
        return kv5_dfail(d, "mode %u align_corners %u half_pixel %u datatype %u: bilinear (0) or nearest (1), float32 or "
            "uint8 only", mode, ac, hpc, dt);
    }
    if (v[0].i < 1 || v[0].i > 4096 || v[1].i < 1 || v[1].i > 4096 || nchw(d, shape, f.r[1])) {
        return kv5_dfail(d, "bad sizes");
    }
    kernel_resize_image_params_t p;
    memset(&p, 0, sizeof(p));
    p.mode = mode ? KERNEL_RESIZE_NEAREST : KERNEL_RESIZE_BILINEAR;
    p.align_corners = ac;
    p.half_pixel = hpc;
    p.rules = KERNEL_RESIZE_NNCASE1;
    p.dtype = dt == KERNEL_DT_F32 ? KERNEL_F32 : KERNEL_U8;
    for (int i = 0; i < 4; i++) {
        p.in_shape.d[i] = (int32_t)shape->d[i];
    }
    p.out_h = (int32_t)v[0].i;
    p.out_w = (int32_t)v[1].i;
    kv5_shape_reg_t osh = { 4, { shape->d[0], shape->d[1], (uint32_t)p.out_h, (uint32_t)p.out_w } };
    uint8_t *ip, *opp;
    uint32_t e = kernel_dt_bytes(dt);
    if (kv5_span(d, &v[2], e, shape, f.r[1], false, &ip) || nchw(d, &osh, os) || kv5_span(d, &v[3], e, &osh, os, true, &opp)) {
        return -EINVAL;
    }
    kv5_record(d, OP_RESIZE_IMAGE, dt, &v[3], &osh, os);
    if (d->vm->run) {
        kernel_resize_image(ip, opp, &p);
    }
    return 0;
}

// CONV2D: dt, rshape_src, rstride_src, rshape_kernel, rstride_kernel, rstride_bias, rstride_dest,
// groups, stride h/w, dilation h/w, clamp low, high; operands in, weights, bias, out, pad_h, pad_w.
int kv5_op_conv2d(kv5_dec_t *d) {
    kv5_fld_t f;
    kv5_value_t v[6];
    kernel_padding_t pad[2];
    if (kv5_fields(d, "dRRRRRRhhhhhff", &f) || kv5_operands(d, "AAAApp", v, pad)) {
        return -EINVAL;
    }
    const kv5_shape_reg_t *shape = f.r[0], *ks = f.r[2], *os = f.r[5];
    uint32_t groups = f.h[0], ic = shape->d[1], oc = ks->d[0];
    kv5_shape_reg_t osh;
    if (f.b[0] != KERNEL_DT_F32 || nchw(d, ks, f.r[3])
        || window(d, shape, f.r[1], f.h + 1, (int32_t)ks->d[2], (int32_t)ks->d[3], pad, &osh, oc)) {
        return f.b[0] != KERNEL_DT_F32 ? kv5_dfail(d, "float32 only") : -EINVAL;
    }
    if (groups == 0 || ic % groups || oc % groups || ks->d[1] != ic / groups || ks->d[2] > 64 || ks->d[3] > 64) {
        return kv5_dfail(d, "kernel does not fit %lu channels in %u groups", (unsigned long)ic, (unsigned)groups);
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
    if (kv5_span(d, &v[0], 4, shape, f.r[1], false, &ip) || kv5_span(d, &v[1], 4, ks, f.r[3], false, &wp)
        || kv5_span(d, &v[2], 4, &bsh, &one, false, &bp) || nchw(d, &osh, os) || kv5_span(d, &v[3], 4, &osh, os, true, &opp)) {
        return -EINVAL;
    }
    kv5_record(d, OP_CONV2D, KERNEL_DT_F32, &v[3], &osh, os);
    if (d->vm->run) {
        kernel_conv2d((const float *)(const void *)ip, (float *)(void *)opp, (const float *)(const void *)wp,
            (const float *)(const void *)bp, &p);
    }
    return 0;
}
