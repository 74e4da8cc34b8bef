// kmodel v4: feeding inputs, running nodes in order, and describing nodes (netinfo, set_layers).
// The model was checked by kv4_parse, so the ranges used here are inside their pools.

#include "kmodel_v4.h"
#include "kpu_args.h"
#include "kpu_layout.h"
#include "ops/ops_v4.h"

kv4_node_fn kv4_node_function(uint32_t opcode);

static void env_of(const kv4_model_t *m, kv4_env_t *env, kmodel_err_t *err) {
    memset(env, 0, sizeof(*env));
    env->base[KV4_MEM_CONST] = (uint8_t *)(uintptr_t)(m->file + m->h.const_off);
    env->base[KV4_MEM_MAIN] = m->main_mem;
    env->base[KV4_MEM_KPU] = m->ai_sram;
    env->size[KV4_MEM_CONST] = m->h.const_bytes;
    env->size[KV4_MEM_MAIN] = m->h.main_mem;
    env->size[KV4_MEM_KPU] = K210_AI_SRAM_BYTES;
    env->err = err;
}

uint8_t *kv4_at(const kv4_model_t *m, const kv4_mr_t *r) {
    kv4_env_t env;
    env_of(m, &env, NULL);
    if (r->type > KV4_MEM_KPU || (uint64_t)r->start + r->size > env.size[r->type] || env.base[r->type] == NULL) {
        return NULL;
    }
    return env.base[r->type] + r->start;
}

int kv4_set_input(kv4_model_t *m, uint32_t i, const uint8_t *data, size_t len, kmodel_err_t *err) {
    if (i >= m->h.n_inputs) {
        return kmodel_fail(err, KMODEL_EVALUE, 0, "input %u of a model with %u inputs", (unsigned)i, (unsigned)m->h.n_inputs);
    }
    kv4_mr_t r = kv4_input(m->file, &m->h, i);
    int32_t shape[4];
    kv4_input_shape(m->file, &m->h, i, shape);
    uint32_t need = kv4_input_bytes(m->file, &m->h, i);
    if (len != need) {
        return kmodel_fail(err, KMODEL_EVALUE, 0, "input %u needs %u bytes (%s [%d,%d,%d,%d]), got %u", (unsigned)i,
            (unsigned)need, r.dtype == KV4_DT_U8 ? "u8" : "f32", (int)shape[0], (int)shape[1], (int)shape[2], (int)shape[3],
            (unsigned)len);
    }
    uint8_t *dst = kv4_at(m, &r);
    if (r.type == KV4_MEM_KPU) {
        kv4_upload_map(data, dst, shape);
    } else {
        memcpy(dst, data, len);
    }
    return 0;
}

int kv4_run(kv4_model_t *m, uint32_t n, kmodel_err_t *err) {
    return kv4_run_nodes(m, 0, n, err);
}

int kv4_run_nodes(kv4_model_t *m, uint32_t first, uint32_t end, kmodel_err_t *err) {
    kv4_env_t env;
    env_of(m, &env, err);
    env.run = 1;
    if (end == 0 || end > m->h.n_nodes) {
        end = m->h.n_nodes;
    }
    uint64_t off = m->h.bodies_off;
    for (uint32_t i = 0; i < first && i < end; i++) {
        off += kv4_rd_u32(m->file + m->h.nodes_off + 8 * i + 4);
    }
    for (uint32_t i = first; i < end; i++) {
        const uint8_t *hdr = m->file + m->h.nodes_off + 8 * i;
        uint32_t opcode = kv4_rd_u32(hdr), size = kv4_rd_u32(hdr + 4);
        uint32_t avail = off + size <= m->h.used_bytes ? size : (uint32_t)(m->h.used_bytes - off);
        env.node = i;
        env.body_off = (uint32_t)off;
        env.visible = avail;
        env.op = kv4_op_name(opcode);
        if (kv4_node_function(opcode)(m->file + off, avail, &env)) {
            return -EINVAL;
        }
        off += size;
    }
    return 0;
}

static void set_shape(kv4_node_info_t *info, int32_t a, int32_t b, int32_t c, int32_t d) {
    info->out_shape[0] = a;
    info->out_shape[1] = b;
    info->out_shape[2] = c;
    info->out_shape[3] = d;
}

int kv4_node_info(const uint8_t *f, const kv4_header_t *h, uint32_t i, kv4_node_info_t *info) {
    if (i >= h->n_nodes) {
        return -EINVAL;
    }
    memset(info, 0, sizeof(*info));
    uint64_t off = h->bodies_off;
    for (uint32_t k = 0; k < i; k++) {
        off += kv4_rd_u32(f + h->nodes_off + 8 * k + 4);
    }
    const uint8_t *b = f + off;
    info->opcode = kv4_rd_u32(f + h->nodes_off + 8 * i);
    info->name = kv4_op_name(info->opcode);
    info->body_off = (uint32_t)off;
    info->body_size = kv4_rd_u32(f + h->nodes_off + 8 * i + 4);
    switch (info->opcode) {
        case 0x00: case 0x04: case 0x10: case 0x11: case 0x12:   // a, b (or table), out
            info->out = kv4_rd_mr(b + 32);
            if (info->opcode == 0x00 || info->opcode == 0x11) {
                kernel_shape_t s = kv4_rd_shape(b + 84);
                memcpy(info->out_shape, s.d, sizeof(s.d));
            }
            break;
        case 0x01:
            info->out = kv4_rd_mr(b);
            break;
        case 0x2002: {
            kv4_mr_t mo = kv4_rd_mr(b);
            uint64_t w[12];
            for (int k = 0; k < 12; k++) {
                w[k] = kv4_rd_u64(b + 24 + 8 * k);
            }
            kpu_args_t a;
            kpu_args_decode(w, &a);
            set_shape(info, kv4_rd_i32(b + 16), (int32_t)a.oc, (int32_t)a.oh, (int32_t)a.ow);
            if (mo.size) {
                info->out = mo;
            } else {
                kv4_mr_t r = { KV4_MEM_KPU, KV4_DT_U8, a.dst_line * KPU_LINE_BYTES,
                    (uint32_t)info->out_shape[0] * kv4_map_bytes((int32_t)a.ow, (int32_t)a.oh, (int32_t)a.oc) };
                info->out = r;
                info->out_is_kpu_map = 1;
            }
            break;
        }
        case 0x2001: {
            kernel_shape_t s = kv4_rd_shape(b + 32);
            info->out = kv4_rd_mr(b + 16);
            info->out.size = (uint32_t)s.d[0] * kv4_map_bytes(s.d[3], s.d[2], s.d[1]);
            memcpy(info->out_shape, s.d, sizeof(s.d));
            info->out_is_kpu_map = 1;
            break;
        }
        default:   // in, out, ...
            info->out = kv4_rd_mr(b + 16);
            if (info->opcode == 0x07) {
                kernel_shape_t s = kv4_rd_shape(b + 52);
                memcpy(info->out_shape, s.d, sizeof(s.d));
            } else if (info->opcode == 0x0C) {
                kernel_shape_t s = kv4_rd_shape(b + 32), p = kv4_rd_shape(b + 48);
                set_shape(info, s.d[p.d[0]], s.d[p.d[1]], s.d[p.d[2]], s.d[p.d[3]]);
            } else if (info->opcode == 0x05) {
                kernel_shape_t s = kv4_rd_shape(b + 32);
                for (int k = 0; k < 4; k++) {
                    info->out_shape[k] = s.d[k] + kv4_rd_i32(b + 48 + 8 * k) + kv4_rd_i32(b + 52 + 8 * k);
                }
            }
            break;
    }
    return 0;
}
