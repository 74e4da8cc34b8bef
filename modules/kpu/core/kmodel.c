// Format dispatch and the load pipeline shared by every kmodel version: identify the file,
// let its format validate it (nothing allocated yet), charge the ledger, read, prepare.
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "kmodel.h"
#include "kpu_ledger.h"
#include "kpu_stream.h"

#define KMDL_MAGIC  (0x4B4D444Cu)    // 'KMDL' as a C multichar constant: "LDMK" on disk
#define KMDL_SWAPPED (0x4C444D4Bu)   // the same word after model_le2be.py: "KMDL" on disk

static bool (*stop_hook)(void);

void kmodel_set_stop_hook(bool (*stop)(void)) {
    stop_hook = stop;
}

bool kmodel_stop_requested(void) {
    return stop_hook != NULL && stop_hook();
}

int kmodel_src_read_z(kmodel_src_t *s, uint32_t off, void *buf, size_t n) {
    size_t have = 0;
    if (off < s->size) {
        have = s->size - off < n ? s->size - off : n;
        int r = s->read(s, off, buf, have);
        if (r != 0) {
            return r;
        }
    }
    memset((uint8_t *)buf + have, 0, n - have);
    return 0;
}

int kmodel_vfail(kmodel_err_t *e, kmodel_ekind_t kind, int err, const char *fmt, va_list ap) {
    vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
    e->kind = kind;
    e->err = err;
    return kind == KMODEL_EVALUE ? -EINVAL : kind == KMODEL_EMEMORY ? -ENOMEM : -(err ? err : EIO);
}

int kmodel_fail(kmodel_err_t *e, kmodel_ekind_t kind, int err, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int r = kmodel_vfail(e, kind, err, fmt, ap);
    va_end(ap);
    return r;
}

int kmodel_refile(kmodel_err_t *e, kmodel_ekind_t kind, int err, const char *fmt, ...) {
    char pre[sizeof(e->msg) / 2];
    va_list ap;
    va_start(ap, fmt);
    int p = vsnprintf(pre, sizeof(pre), fmt, ap);
    va_end(ap);
    size_t np = p < 0 ? 0 : (size_t)p < sizeof(pre) ? (size_t)p : sizeof(pre) - 1;
    size_t cap = sizeof(e->msg) - 1, n = strnlen(e->msg, cap);
    n = np + n > cap ? cap - np : n;
    memmove(e->msg + np, e->msg, n);
    memcpy(e->msg + 0, pre, np);
    e->msg[np + n] = 0;
    e->kind = kind;
    e->err = err;
    return kind == KMODEL_EVALUE ? -EINVAL : kind == KMODEL_EMEMORY ? -ENOMEM : -(err ? err : EIO);
}

static uint32_t le32(const uint8_t *p) {
    return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

#define REFUSE(...) kmodel_fail(e, KMODEL_EVALUE, 0, __VA_ARGS__)

int kmodel_identify(const uint8_t *head, size_t n, const kmodel_format_t **fmt, kmodel_err_t *e) {
    if (n < 8) {
        return REFUSE("%lu B is too short to be a kmodel (a v3 header alone is 28 B)", (unsigned long)n);
    }
    uint32_t w0 = le32(head), w1 = le32(head + 4);
    if (w0 == KMDL_MAGIC) {
        switch (w1) {
            case 4:
                if (kmodel_v4_format.probe(head)) {
                    *fmt = &kmodel_v4_format;
                    return 0;
                }
                return REFUSE("'LDMK' version 4 header that the v4 loader does not recognise");
            case 5:
                *fmt = &kmodel_v5_format;   // release or pre-release layout: its check tells them apart
                return 0;
            case 6:
            case 7:
                return REFUSE("kmodel v%lu (nncase 2.x, for the K230) cannot run on a K210: "
                    "compile with nncase 1.x (v5), 0.2.0-beta4 (v4) or 0.1.0-rc5 (v3)", (unsigned long)w1);
            default:
                return REFUSE("'LDMK' kmodel with unknown version %lu (K210 runtimes know v3, v4 and v5)",
                    (unsigned long)w1);
        }
    }
    if (w0 == KMDL_SWAPPED || w0 == 0x03000000u) {
        return REFUSE("word-byte-swapped kmodel (made by model_le2be.py for MaixPy's load_flash): "
            "load the original .kmodel, kpu.load reads models as they come from nncase");
    }
    if (w0 == 1) {
        return REFUSE("legacy kmodel v1 (Kendryte's pre-nncase compiler) is not supported: "
            "compile with nncase 0.1.0-rc5 (v3) or 0.2.0-beta4 (v4)");
    }
    if (w0 == 3 && kmodel_v3_format.probe(head)) {
        *fmt = &kmodel_v3_format;
        return 0;
    }
    return REFUSE("not a kmodel: first bytes %02x %02x %02x %02x (version %lu); "
        "expected 03 00 00 00 (v3) or 'LDMK' (v4)", head[0], head[1], head[2], head[3], (unsigned long)w0);
}

// Bytes before the image in its block so that it starts on plan->image_align (blocks are
// 128-aligned, so the worst case is reserved: the charge does not depend on where the block lands).
static size_t image_slack(const kmodel_plan_t *p) {
    return p->image_align > KPU_LEDGER_ALIGN ? p->image_align - KPU_LEDGER_ALIGN : 0;
}

size_t kmodel_plan_charge(const kmodel_plan_t *p) {
    return image_slack(p) + KPU_LEDGER_ROUND(p->image_bytes) + KPU_LEDGER_ROUND(p->main_bytes) + KPU_LEDGER_ROUND(p->state_bytes);
}

int kmodel_fail_memory(kmodel_src_t *src, size_t charge, size_t image, size_t working, kmodel_err_t *e) {
    kpu_ledger_stats_t st;
    kpu_ledger_stats(&st);
    char a[16], b[16], c[16], d[16], f[16];
    char loaded[160] = "nothing";
    size_t used = 0;
    kpu_ledger_block_t blk;
    for (unsigned i = 0; kpu_ledger_block(i, &blk); i++) {
        int k = snprintf(loaded + used, sizeof(loaded) - used, "%s%s %s B", i ? ", " : "", blk.tag, kpu_ledger_grouped(a, blk.bytes));
        if (k < 0 || (size_t)k >= sizeof(loaded) - used) {
            strcpy(loaded + sizeof(loaded) - 5, "...");
            break;
        }
        used += k;
    }
    return kmodel_fail(e, KMODEL_EMEMORY, ENOMEM,
        "kpu.load(%s): model needs %s B (image %s B + working %s B), %s B free (largest block %s B); "
        "loaded: %s; deinit a model or use a smaller GC heap (machine.heap_size)",
        src->name, kpu_ledger_grouped(a, charge), kpu_ledger_grouped(b, image), kpu_ledger_grouped(c, working),
        kpu_ledger_grouped(d, st.free_bytes), kpu_ledger_grouped(f, st.largest_free), loaded);
}

static int fail_memory(kmodel_src_t *src, const kmodel_plan_t *plan, size_t charge, kmodel_err_t *e) {
    return kmodel_fail_memory(src, charge, image_slack(plan) + KPU_LEDGER_ROUND(plan->image_bytes),
        KPU_LEDGER_ROUND(plan->main_bytes) + KPU_LEDGER_ROUND(plan->state_bytes), e);
}

int kmodel_read_head(kmodel_src_t *src, uint8_t head[16], size_t *got, kmodel_err_t *e) {
    size_t n = src->size < 16 ? src->size : 16;
    int r = src->read(src, 0, head, n);
    if (r != 0) {
        return kmodel_fail(e, KMODEL_EOS, -r, "kpu.load(%s): read error %d at offset 0", src->name, r);
    }
    memset(head + n, 0, 16 - n);
    *got = n;
    return 0;
}

int kmodel_load(kmodel_src_t *src, uint32_t owner, const char *tag, kpu_act_rule_t *rule_override,
    kmodel_t *m, kmodel_err_t *e) {
    uint8_t head[16];
    size_t n;
    int r = kmodel_read_head(src, head, &n, e);
    if (r != 0) {
        return r;
    }
    const kmodel_format_t *fmt;
    r = kmodel_identify(head, n, &fmt, e);
    if (r != 0 && src->is_flash && n >= 8 && memcmp(head, "\xff\xff\xff\xff\xff\xff\xff\xff", 8) == 0) {
        return kmodel_fail(e, KMODEL_EVALUE, 0, "kpu.load(%s): the flash there is erased (reads ff ff ff ff ...): "
            "write the model to this offset first (k210 model push --flash)", src->name);
    }
    if (r != 0) {
        // prefix the source to the format-independent message
        char msg[sizeof(e->msg)];
        snprintf(msg, sizeof(msg), "kpu.load(%s): %.360s", src->name, e->msg);
        memcpy(e->msg, msg, sizeof(msg));
        return r;
    }
    kmodel_plan_t plan = { 0 };
    r = fmt->check(src, &plan, e);
    if (r != 0) {
        return r;
    }
    size_t charge = kmodel_plan_charge(&plan);
    uint8_t *block = kpu_ledger_alloc(charge, owner, tag);
    if (block == NULL) {
        return fail_memory(src, &plan, charge, e);
    }
    memset(m, 0, sizeof(*m));
    m->fmt = fmt;
    m->block = block;
    m->charge = charge;
    size_t align = plan.image_align > KPU_LEDGER_ALIGN ? plan.image_align : KPU_LEDGER_ALIGN;
    m->image = (uint8_t *)(((uintptr_t)block + align - 1) & ~(uintptr_t)(align - 1));
    m->image_bytes = plan.image_bytes;
    m->main = m->image + KPU_LEDGER_ROUND(plan.image_bytes);
    m->main_bytes = plan.main_bytes;
    m->state = m->main + KPU_LEDGER_ROUND(plan.main_bytes);
    m->state_bytes = plan.state_bytes;
    m->act_rule = rule_override ? *rule_override : fmt->default_act_rule;
    r = kmodel_src_read_z(src, 0, m->image, plan.image_bytes);
    if (r != 0) {
        kmodel_free(m);
        return kmodel_fail(e, KMODEL_EOS, -r, "kpu.load(%s): read error %d while reading %lu B",
            src->name, r, (unsigned long)plan.image_bytes);
    }
    memset(block, 0, (size_t)(m->image - block));   // alignment slack
    // padding, main (the data pools start zeroed), state; up to the end of the block
    memset(m->image + plan.image_bytes, 0, charge - (size_t)(m->image - block) - plan.image_bytes);
    r = fmt->prepare(m, e);
    if (r != 0) {
        kmodel_free(m);
        return r;
    }
    return 0;
}

void kmodel_free(kmodel_t *m) {
    if (m->stream != NULL) {
        kpu_stream_forget(m->stream);
        m->stream = NULL;
    }
    if (m->stream_block != NULL) {
        kpu_ledger_free(m->stream_block);
        m->stream_block = NULL;
    }
    if (m->block != NULL) {
        kpu_ledger_free(m->block);
        m->block = NULL;
    }
}
