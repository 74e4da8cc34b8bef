// Shared validation for the v4 node decoders: every range, shape and body length a kernel will
// touch is checked here at load, so the kernels themselves never bounds-check.
#include <stdarg.h>

#include "ops_v4.h"

static const char *const pool_names[3] = { "constants", "main memory", "KPU memory" };

int kv4_fail(kv4_env_t *env, uint32_t at, const char *fmt, ...) {
    kmodel_err_t *e = env->err;
    if (e == NULL) {
        return -EINVAL;
    }
    va_list ap;
    va_start(ap, fmt);
    kmodel_vfail(e, KMODEL_EVALUE, 0, fmt, ap);
    va_end(ap);
    return kmodel_refile(e, KMODEL_EVALUE, 0, "node %u (%s) at offset %u: ", (unsigned)env->node, env->op ? env->op : "?",
        (unsigned)(env->body_off + at));
}

int kv4_need_body(kv4_env_t *env, uint32_t size, uint64_t need, const char *what) {
    if (need > size) {
        return kv4_fail(env, 0, "body of %u bytes is too short for %s (%llu bytes)",
            (unsigned)size, what, (unsigned long long)need);
    }
    return 0;
}

int kv4_check_mr(kv4_env_t *env, const kv4_mr_t *r, uint32_t at, const char *what, int dtype, uint64_t need, int writable) {
    if (r->type > KV4_MEM_KPU) {
        return kv4_fail(env, at, "%s has memory type %u (expected 0 const, 1 main, 2 kpu)", what, (unsigned)r->type);
    }
    if (r->dtype > KV4_DT_U8) {
        return kv4_fail(env, at, "%s has datatype %u (expected 0 float32, 1 uint8)", what, (unsigned)r->dtype);
    }
    if (dtype >= 0 && r->dtype != (uint32_t)dtype) {
        return kv4_fail(env, at, "%s is %s, this op needs %s", what,
            r->dtype == KV4_DT_F32 ? "float32" : "uint8", dtype == KV4_DT_F32 ? "float32" : "uint8");
    }
    if (writable && r->type == KV4_MEM_CONST) {
        return kv4_fail(env, at, "%s is in the constants (read-only)", what);
    }
    if ((uint64_t)r->start + r->size > env->size[r->type]) {
        return kv4_fail(env, at, "%s [%u, %u) is outside %s (%u bytes)", what, (unsigned)r->start,
            (unsigned)(r->start + (uint64_t)r->size), pool_names[r->type], (unsigned)env->size[r->type]);
    }
    if (need > r->size) {
        return kv4_fail(env, at, "%s has %u bytes, the op uses %llu", what, (unsigned)r->size, (unsigned long long)need);
    }
    if (r->dtype == KV4_DT_F32 && (r->start & 3)) {
        return kv4_fail(env, at, "%s starts at %u, not 4-byte aligned for float32", what, (unsigned)r->start);
    }
    return 0;
}

int kv4_check_shape(kv4_env_t *env, const kernel_shape_t *s, uint32_t at, const char *what) {
    uint64_t n = 1;
    for (int i = 0; i < 4; i++) {
        if (s->d[i] < 1 || s->d[i] > (1 << 24)) {
            return kv4_fail(env, at, "%s [%d,%d,%d,%d] has dimension %d = %d", what,
                (int)s->d[0], (int)s->d[1], (int)s->d[2], (int)s->d[3], i, (int)s->d[i]);
        }
        n *= (uint64_t)s->d[i];
        if (n >= (1ull << 31)) {
            return kv4_fail(env, at, "%s has more than 2^31 elements", what);
        }
    }
    return 0;
}

int kv4_check_f32_ptr(kv4_env_t *env, const uint8_t *p, uint32_t at, const char *what) {
    if ((uintptr_t)p & 3) {
        return kv4_fail(env, at, "%s is not 4-byte aligned in memory (load the model at an aligned address)", what);
    }
    return 0;
}
