// kmodel v4 as a kpu module format (kmodel.h): check through the source before anything is
// allocated, then run, outputs and per-node info over the image in the model's ledger block.
// Charge: A(image = header-declared end) + A(main_mem) + A(state = one kv4_model_t).
#include <errno.h>
#include <string.h>

#include "kmodel.h"
#include "kmodel_v4.h"
#include "kpu_args.h"
#include "kpu_driver.h"
#include "kpu_ledger.h"

#define V4_STATE(m) ((kv4_model_t *)(void *)(m)->state)
// The charge is the one formula of kmodel_plan_charge (docs/memory.md, "The charge of a model"):
// the state adds one 128-byte ledger unit (host twin: k210tools.kmodel.v4 Model.charge).
_Static_assert(sizeof(kv4_model_t) <= KPU_LEDGER_ALIGN, "the v4 state is one ledger unit");

static bool v4_probe(const uint8_t head[16]) {
    uint32_t id = (uint32_t)head[0] | (uint32_t)head[1] << 8 | (uint32_t)head[2] << 16 | (uint32_t)head[3] << 24;
    return id == KV4_IDENTIFIER && head[4] == 4 && head[5] == 0 && head[6] == 0 && head[7] == 0;
}

static int src_read(void *ctx, uint32_t off, void *buf, size_t n) {
    kmodel_src_t *s = ctx;
    return s->read(s, off, buf, n);
}

static int v4_check(kmodel_src_t *src, kmodel_plan_t *plan, kmodel_err_t *e) {
    kv4_header_t h;
    if (kv4_check(src_read, src, src->size, &h, e) != 0) {
        return kmodel_refile(e, KMODEL_EVALUE, 0, "kpu.load(%s): ", src->name);
    }
    plan->image_bytes = h.declared_bytes;
    plan->main_bytes = h.main_mem;
    plan->state_bytes = sizeof(kv4_model_t);
    return 0;
}

static kmodel_tensor_t vector(uint32_t dtype, uint32_t bytes) {
    kmodel_tensor_t t = { dtype == KV4_DT_F32 ? KMODEL_F32 : KMODEL_U8, dtype == KV4_DT_F32 ? bytes / 4 : bytes, 1, 1, bytes };
    return t;
}

static int v4_prepare(kmodel_t *m, kmodel_err_t *e) {
    kv4_model_t *s = V4_STATE(m);
    // the bytes now in the block are checked again: they are what will run
    if (kv4_parse(m->image, m->image_bytes, &s->h, e) != 0) {
        return kmodel_refile(e, KMODEL_EVALUE, 0, "kpu.load(image): ");
    }
    s->file = m->image;
    s->main_mem = m->main;
    s->ai_sram = kpu_driver_ai_sram();
    m->layers = s->h.n_nodes;
    m->outputs = s->h.n_outputs;
    kv4_mr_t in = kv4_input(m->image, &s->h, 0);
    int32_t sh[4];
    kv4_input_shape(m->image, &s->h, 0, sh);
    m->input = (kmodel_tensor_t) { in.dtype == KV4_DT_F32 ? KMODEL_F32 : KMODEL_U8, (uint32_t)(sh[0] * sh[1]), (uint32_t)sh[2],
        (uint32_t)sh[3], kv4_input_bytes(m->image, &s->h, 0) };
    return 0;
}

static int v4_run(kmodel_t *m, const uint8_t *input, uint32_t n, kmodel_err_t *e) {
    kv4_model_t *s = V4_STATE(m);
    s->ai_sram = kpu_driver_ai_sram();
    if (kv4_set_input(s, 0, input, m->input.bytes, e) != 0) {
        return kmodel_refile(e, KMODEL_ERUNTIME, EIO, "kpu.forward: ");
    }
    uint32_t end = n == 0 || n > s->h.n_nodes ? s->h.n_nodes : n;
    for (uint32_t i = 0; i < end; i++) {   // node by node, so a Ctrl-C stops at a node boundary
        if (i > 0 && kmodel_stop_requested()) {
            return kmodel_fail(e, KMODEL_EINTR, EINTR, "kpu.forward: interrupted after node %lu of %lu",
                (unsigned long)i - 1, (unsigned long)end);
        }
        if (kv4_run_nodes(s, i, i + 1, e) != 0) {
            return kmodel_refile(e, KMODEL_ERUNTIME, EIO, "kpu.forward: ");
        }
    }
    return 0;
}

static int v4_output(const kmodel_t *m, uint32_t idx, kmodel_tensor_t *t, void *dst) {
    const kv4_model_t *s = V4_STATE(m);
    if (idx >= s->h.n_outputs) {
        return -EINVAL;
    }
    kv4_mr_t r = kv4_output(m->image, &s->h, idx);
    *t = vector(r.dtype, r.size);
    if (dst != NULL) {
        memcpy(dst, kv4_at(s, &r), r.size);
    }
    return 0;
}

static const uint8_t *v4_output_data(const kmodel_t *m, uint32_t idx) {
    const kv4_model_t *s = V4_STATE(m);
    if (idx >= s->h.n_outputs) {
        return NULL;
    }
    kv4_mr_t r = kv4_output(m->image, &s->h, idx);
    return kv4_at(s, &r);
}

static int v4_layer_output(const kmodel_t *m, uint32_t i, kmodel_tensor_t *t, void *dst) {
    const kv4_model_t *s = V4_STATE(m);
    kv4_node_info_t info;
    if (kv4_node_info(m->image, &s->h, i, &info) != 0) {
        return -EINVAL;
    }
    const int32_t *sh = info.out_shape;
    uint32_t elem = info.out.dtype == KV4_DT_F32 ? 4 : 1;
    uint64_t n = (uint64_t)sh[0] * sh[1] * sh[2] * sh[3];
    if (info.out_is_kpu_map) {
        *t = (kmodel_tensor_t) { KMODEL_U8, (uint32_t)(sh[0] * sh[1]), (uint32_t)sh[2], (uint32_t)sh[3], (uint32_t)n };
        if (dst != NULL) {
            kv4_download_map(kv4_at(s, &info.out), dst, sh);
        }
        return 0;
    }
    if (n > 0 && n * elem == info.out.size) {
        *t = (kmodel_tensor_t) { info.out.dtype == KV4_DT_F32 ? KMODEL_F32 : KMODEL_U8, (uint32_t)(sh[0] * sh[1]),
            (uint32_t)sh[2], (uint32_t)sh[3], info.out.size };
    } else {
        *t = vector(info.out.dtype, info.out.size);
    }
    if (dst != NULL) {
        memcpy(dst, kv4_at(s, &info.out), info.out.size);
    }
    return 0;
}

static int v4_layer_info(const kmodel_t *m, uint32_t i, kmodel_layer_info_t *info) {
    const kv4_model_t *s = V4_STATE(m);
    kv4_node_info_t ni;
    if (kv4_node_info(m->image, &s->h, i, &ni) != 0) {
        return -EINVAL;
    }
    memset(info, 0, sizeof(*info));
    info->type = ni.opcode;
    info->name = ni.name;
    info->body_bytes = ni.body_size;
    v4_layer_output(m, i, &info->out, NULL);
    const uint8_t *b = m->image + ni.body_off;
    if (ni.opcode == 0x2002) {
        uint64_t w[12];
        memcpy(w, b + 24, sizeof(w));
        kpu_args_t a;
        kpu_args_decode(w, &a);
        info->on_kpu = true;
        info->in = (kmodel_tensor_t) { KMODEL_U8, a.ic, a.ih, a.iw, a.ic * a.ih * a.iw };
        info->kernel = (uint8_t)kpu_args_kernel(&a);
        info->pool = (uint8_t)a.pool_type;
        info->depthwise = (uint8_t)a.depthwise;
        info->main_out = ni.out_is_kpu_map ? 0 : 1;
        info->weight_bytes = a.oc * kpu_args_weights_per_oc(&a, 1);
    } else if (ni.opcode == 0x01) {
        kv4_mr_t in;
        memcpy(&in, b + 28, sizeof(in));
        info->in = vector(in.dtype, in.size);
    } else {
        kv4_mr_t in;
        memcpy(&in, b, sizeof(in));
        info->in = vector(in.dtype, in.size);
    }
    return 0;
}

const kmodel_format_t kmodel_v4_format = {
    .name = "kmodel v4 (nncase 0.2)",
    .version = 4,
    .default_act_rule = KPU_ACT_RULE_NNCASE02,
    .probe = v4_probe,
    .check = v4_check,
    .prepare = v4_prepare,
    .run = v4_run,
    .output = v4_output,
    .output_data = v4_output_data,
    .layer_output = v4_layer_output,
    .layer_info = v4_layer_info,
};
