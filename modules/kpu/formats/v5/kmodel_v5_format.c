// kmodel v5 as a kpu module format (kmodel.h): the whole file is checked through the source
// (container, every k210 function, the entry function's code under each nncase 1.x op numbering)
// before anything is allocated; then run, outputs and per-op info over the image in the block.
// Charge: the image at the file's alignment, + A(data pools + input + outputs) + A(state).
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "kmodel.h"
#include "kmodel_v5.h"
#include "kpu_driver.h"

typedef struct {
    kv5_header_t h;
    kv5_reader_t rd;
    kv5_vm_t vm;
} kv5_model_t;

#define V5_STATE(m) ((kv5_model_t *)(void *)(m)->state)

// Scratch of the load check, which runs before the model has a block (too big for a C stack).
static kv5_model_t check_scratch;

static bool v5_probe(const uint8_t head[16]) {
    return kv5_u32(head) == KV5_IDENTIFIER && kv5_u32(head + 4) == 5;
}

int kv5_check_code(kv5_reader_t *r, kv5_header_t *h, kv5_vm_t *vm, kmodel_err_t *e) {
    for (uint32_t f = 0; f < h->k210_funcs; f++) {
        if (kv5_k210_check(r, h, f, e)) {
            return -EINVAL;
        }
    }
    // the op numbering: every candidate must decode and check the whole code (§8)
    // the failure to report: under a numbering where the failing op decoded (its fields and
    // operands made sense, only its checks failed), then the one that ran most ops, instructions
    int best = -1, furthest = -1;
    uint64_t furthest_score = 0;
    uint32_t best_hash = 0;
    kmodel_err_t first;
    char agree[160] = "";
    for (int ep = KV5_EPOCHS - 1; ep >= 0; ep--) {
        memset(vm, 0, sizeof(*vm));
        vm->h = h;
        vm->rd = r;
        vm->epoch = (kv5_epoch_t)ep;
        vm->err = e;
        if (kv5_exec(vm) != 0) {
            uint64_t score = ((uint64_t)vm->fields_ok << 63) | ((uint64_t)vm->op_index << 32) | vm->steps;
            if (furthest < 0 || score > furthest_score) {
                furthest = ep;
                furthest_score = score;
                first = *e;
            }
            continue;
        }
        if (best < 0) {
            best = ep;   // newest first
            best_hash = vm->hash;
            h->tensor_ops = vm->op_index;
            h->steps = vm->steps;
            h->max_reg = vm->max_reg;
        } else if (vm->hash != best_hash) {
            snprintf(agree, sizeof(agree), "%s and %s", kv5_epoch_name((kv5_epoch_t)best), kv5_epoch_name((kv5_epoch_t)ep));
        }
    }
    if (best < 0) {
        *e = first;
        return kmodel_refile(e, KMODEL_EVALUE, 0, "no nncase 1.x op numbering runs this stackvm code; read as %s: ",
            kv5_epoch_name((kv5_epoch_t)furthest));
    }
    if (agree[0]) {
        return kmodel_fail(e, KMODEL_EVALUE, 0, "cannot tell which nncase 1.x version wrote this file: its code reads as %s "
            "with different ops; recompile with nncase 1.6 or later", agree);
    }
    h->epoch = (kv5_epoch_t)best;
    return 0;
}

static int check_all(kv5_model_t *s, kmodel_err_t *e) {
    if (kv5_parse(&s->rd, &s->h, e)) {
        return -EINVAL;
    }
    if (s->h.n_in != 1) {
        return kmodel_fail(e, KMODEL_EVALUE, 0, "the entry function has %lu inputs: kpu.forward feeds models with one input",
            (unsigned long)s->h.n_in);
    }
    return kv5_check_code(&s->rd, &s->h, &s->vm, e);
}

static int v5_check(kmodel_src_t *src, kmodel_plan_t *plan, kmodel_err_t *e) {
    kv5_model_t *s = &check_scratch;
    memset(&s->rd, 0, sizeof(s->rd));
    s->rd.src = src;
    s->rd.size = src->size;
    int r = check_all(s, e);
    if (r) {
        return kmodel_refile(e, e->kind, e->err, "kpu.load(%s): kmodel v5: ", src->name);
    }
    plan->image_bytes = s->h.file_bytes;
    plan->image_align = s->h.alignment;
    plan->main_bytes = s->h.main_bytes;
    plan->state_bytes = sizeof(kv5_model_t);
    return 0;
}

static kmodel_tensor_t tensor_of(uint8_t dt, uint32_t rank, const uint32_t *dims, uint32_t bytes) {
    kmodel_tensor_t t = { dt == KERNEL_DT_F32 ? KMODEL_F32 : KMODEL_U8, 1, 1, 1, bytes };
    if (dt != KERNEL_DT_F32 && dt != KERNEL_DT_U8 && dt != KERNEL_DT_I8) {   // other types: raw bytes
        t.c = bytes;
        return t;
    }
    // planar CHW: the last two dims are H and W, the rest fold into C
    for (uint32_t i = 0; i < rank; i++) {
        if (i + 1 == rank) {
            t.w = dims[i];
        } else if (i + 2 == rank) {
            t.h = dims[i];
        } else {
            t.c *= dims[i];
        }
    }
    return t;
}

static void vm_setup(kmodel_t *m, kv5_model_t *s, bool run, kmodel_err_t *e) {
    memset(&s->vm, 0, sizeof(s->vm));
    memset(&s->rd, 0, sizeof(s->rd));
    s->rd.mem = m->image;
    s->rd.size = m->image_bytes;
    s->vm.h = &s->h;
    s->vm.rd = &s->rd;
    s->vm.epoch = s->h.epoch;
    s->vm.run = run;
    s->vm.main = m->main;
    s->vm.image = m->image;
    s->vm.rdata = m->image + s->h.mod[s->h.stackvm].rdata_off;
    s->vm.ai = kpu_driver_ai_sram();
    s->vm.err = e;
}

static int v5_prepare(kmodel_t *m, kmodel_err_t *e) {
    kv5_model_t *s = V5_STATE(m);
    // the bytes now in the block are checked again: they are what will run
    memset(&s->rd, 0, sizeof(s->rd));
    s->rd.mem = m->image;
    s->rd.size = m->image_bytes;
    if (check_all(s, e)) {
        return kmodel_refile(e, KMODEL_EVALUE, 0, "kpu.load(image): ");
    }
    m->layers = s->h.tensor_ops;
    m->outputs = s->h.n_out;
    const kv5_tensor_t *in = &s->h.in[0];
    m->input = tensor_of(in->mr.dt, in->rank, in->dims, in->bytes);
    return 0;
}

static int v5_run(kmodel_t *m, const uint8_t *input, uint32_t n, kmodel_err_t *e) {
    kv5_model_t *s = V5_STATE(m);
    vm_setup(m, s, true, e);
    memcpy(m->main + s->h.in[0].main_at, input, s->h.in[0].bytes);
    s->vm.stop_after = n < s->h.tensor_ops ? n : 0;
    int r = kv5_exec(&s->vm);
    if (r) {
        return e->kind == KMODEL_EINTR ? r : kmodel_refile(e, KMODEL_ERUNTIME, EIO, "kpu.forward: ");
    }
    return 0;
}

static int v5_output(const kmodel_t *m, uint32_t idx, kmodel_tensor_t *t, void *dst) {
    const kv5_model_t *s = V5_STATE(m);
    if (idx >= s->h.n_out) {
        return -EINVAL;
    }
    const kv5_tensor_t *o = &s->h.out[idx];
    *t = tensor_of(o->mr.dt, o->rank, o->dims, o->bytes);
    if (dst != NULL) {
        memcpy(dst, m->main + o->main_at, o->bytes);
    }
    return 0;
}

// The info of tensor op i: a check-mode run that stops after it (the shape registers it needs
// are rebuilt on the way).
static int op_info(const kmodel_t *m, uint32_t i, kv5_op_info_t *info) {
    kv5_model_t *s = V5_STATE(m);
    kmodel_err_t e;
    if (i >= s->h.tensor_ops) {
        return -EINVAL;
    }
    vm_setup((kmodel_t *)m, s, false, &e);
    s->vm.stop_after = i + 1;
    if (kv5_exec(&s->vm) != 0) {
        return -EINVAL;
    }
    *info = s->vm.last;
    return 0;
}

static int v5_layer_output(const kmodel_t *m, uint32_t i, kmodel_tensor_t *t, void *dst) {
    kv5_op_info_t info;
    if (op_info(m, i, &info) != 0) {
        return -EINVAL;
    }
    uint32_t eb = kernel_dt_bytes(info.dt);
    *t = tensor_of(info.dt, info.rank, info.dims, info.count * eb);
    if (dst != NULL) {
        const kv5_model_t *s = V5_STATE(m);
        const uint8_t *src = info.pool == KV5_POOL_RDATA ? m->image + s->h.mod[s->h.stackvm].rdata_off + info.at : m->main + info.at;
        kernel_nd_t nd;
        memset(&nd, 0, sizeof(nd));
        nd.rank = info.rank;
        int64_t o = 1;
        for (int32_t k = (int32_t)info.rank - 1; k >= 0; k--) {
            nd.shape[k] = info.dims[k];
            nd.in_stride[k] = info.strides[k];
            nd.out_stride[k] = o;
            o *= info.dims[k];
        }
        kernel_strided_copy(src, dst, eb, &nd);
    }
    return 0;
}

static int v5_layer_info(const kmodel_t *m, uint32_t i, kmodel_layer_info_t *li) {
    kv5_op_info_t info;
    if (op_info(m, i, &info) != 0) {
        return -EINVAL;
    }
    memset(li, 0, sizeof(*li));
    li->type = info.k210_fn != ~0u ? info.k210_fn : info.funct;
    static char name[KV5_NAME];   // netinfo copies it before the next call
    memcpy(name, info.name, sizeof(name));
    li->name = name;
    li->out = tensor_of(info.dt, info.rank, info.dims, info.count * kernel_dt_bytes(info.dt));
    li->body_bytes = info.bytes;
    return 0;
}

const kmodel_format_t kmodel_v5_format = {
    .name = "kmodel v5 (nncase 1.x)",
    .version = 5,
    .default_act_rule = KPU_ACT_RULE_NNCASE02,
    .probe = v5_probe,
    .check = v5_check,
    .prepare = v5_prepare,
    .run = v5_run,
    .output = v5_output,
    .layer_output = v5_layer_output,
    .layer_info = v5_layer_info,
};
