// kmodel v5: the container (kmodel-v5-spec.md §1-2, §7): model header, modules, mempools,
// functions with their input/output ranges and shapes, sections; and the layout of the main
// block (data pools, entry inputs, entry outputs). Every offset is checked against the file.
#include <errno.h>
#include <string.h>

#include "kmodel_v5.h"
#include "kpu_mem.h"

#define fail(e, ...) kmodel_fail((e), KMODEL_EVALUE, 0, __VA_ARGS__)
#define A8(x) (((x) + 7u) & ~7u)

int kv5_read(kv5_reader_t *r, uint32_t off, void *dst, uint32_t n, kmodel_err_t *e) {
    if ((uint64_t)off + n > r->size) {
        return fail(e, "offset %lu (+%lu B) is past the end of the file (%lu B): truncated kmodel",
            (unsigned long)off, (unsigned long)n, (unsigned long)r->size);
    }
    if (r->src == NULL) {
        memcpy(dst, r->mem + off, n);
        return 0;
    }
    if (n > sizeof(r->win)) {
        int k = r->src->read(r->src, off, dst, n);
        return k ? kmodel_fail(e, KMODEL_EOS, -k, "read error %d at offset %lu", k, (unsigned long)off) : 0;
    }
    if (off < r->win_off || (uint64_t)off + n > (uint64_t)r->win_off + r->win_len) {
        uint32_t len = r->size - off < sizeof(r->win) ? r->size - off : (uint32_t)sizeof(r->win);
        int k = r->src->read(r->src, off, r->win, len);
        if (k) {
            r->win_len = 0;
            return kmodel_fail(e, KMODEL_EOS, -k, "read error %d at offset %lu", k, (unsigned long)off);
        }
        r->win_off = off;
        r->win_len = len;
    }
    memcpy(dst, r->win + (off - r->win_off), n);
    return 0;
}

const char *kv5_epoch_name(kv5_epoch_t e) {
    static const char *const names[KV5_EPOCHS] = {
        "nncase 1.0 pre-release/rc1", "nncase 1.0.0", "nncase 1.1", "nncase 1.2", "nncase 1.3", "nncase 1.4-1.5", "nncase 1.6-1.9",
    };
    return e < KV5_EPOCHS ? names[e] : "?";
}

static const char *loc_name(uint32_t loc) {
    switch (loc) {
        case KV5_LOC_INPUT: return "input";
        case KV5_LOC_OUTPUT: return "output";
        case KV5_LOC_RDATA: return "rdata";
        case KV5_LOC_DATA: return "data";
        case KV5_LOC_SHARED: return "shared_data";
        case KV5_LOC_KPU: return "kpu";
        default: return "unknown";
    }
}

// One shape {u32 ndim, u32 dims[ndim]} at *at; advances *at.
static int read_shape(kv5_reader_t *r, uint32_t *at, uint32_t end, kv5_tensor_t *t, const char *what, uint32_t i,
    kmodel_err_t *e) {
    uint8_t b[4];
    if (*at + 4 > end) {
        return fail(e, "%s %lu: shape at offset %lu past its record", what, (unsigned long)i, (unsigned long)*at);
    }
    if (kv5_read(r, *at, b, 4, e)) {
        return -EINVAL;
    }
    uint32_t rank = kv5_u32(b);
    if (rank > KV5_MAX_RANK) {
        return fail(e, "%s %lu: shape at offset %lu has %lu dims (max %u)", what, (unsigned long)i,
            (unsigned long)*at, (unsigned long)rank, KV5_MAX_RANK);
    }
    if ((uint64_t)*at + 4 + 4ull * rank > end) {
        return fail(e, "%s %lu: shape at offset %lu past its record", what, (unsigned long)i, (unsigned long)*at);
    }
    uint8_t d[4 * KV5_MAX_RANK];
    if (kv5_read(r, *at + 4, d, 4 * rank, e)) {
        return -EINVAL;
    }
    uint64_t n = 1;
    t->rank = rank;
    for (uint32_t k = 0; k < rank; k++) {
        t->dims[k] = kv5_u32(d + 4 * k);
        n *= t->dims[k];
        if (n > K210_SRAM_BYTES) {
            return fail(e, "%s %lu: shape at offset %lu is too large", what, (unsigned long)i,
                (unsigned long)*at);
        }
    }
    uint32_t eb = kernel_dt_bytes(t->mr.dt);
    if (eb == 0) {
        return fail(e, "%s %lu: datatype %u at offset %lu is not 0..11", what, (unsigned long)i,
            (unsigned)t->mr.dt, (unsigned long)*at);
    }
    t->bytes = (uint32_t)(n * eb);
    if (t->bytes > t->mr.size) {
        return fail(e, "%s %lu: shape needs %lu B, its range has %lu", what, (unsigned long)i, (unsigned long)t->bytes,
            (unsigned long)t->mr.size);
    }
    *at += 4 + 4 * rank;
    return 0;
}

int kv5_read_func(kv5_reader_t *r, const kv5_module_t *m, uint32_t off, kv5_func_t *f, kv5_tensor_t *in,
    kv5_tensor_t *out, kmodel_err_t *e) {
    uint8_t b[32];
    if ((uint64_t)off + 32 > (uint64_t)m->off + m->size || kv5_read(r, off, b, 32, e)) {
        return fail(e, "function at offset %lu past its module", (unsigned long)off);
    }
    uint32_t hs = kv5_u32(b), size = kv5_u32(b + 4);
    f->off = off;
    f->n_in = kv5_u32(b + 16);
    f->n_out = kv5_u32(b + 20);
    f->entry = kv5_u32(b + 24);
    f->text_size = kv5_u32(b + 28);
    f->io_off = off + 32;
    if (hs != 32 || size < 32 || (uint64_t)off + size > (uint64_t)m->off + m->size) {
        return fail(e, "function at offset %lu: header_size %lu (not 32) or size %lu past its module",
            (unsigned long)off, (unsigned long)hs, (unsigned long)size);
    }
    if (f->n_in > KV5_MAX_IO || f->n_out > KV5_MAX_IO) {
        return fail(e, "function at offset %lu: %lu inputs, %lu outputs (max %u)",
            (unsigned long)off, (unsigned long)f->n_in, (unsigned long)f->n_out, KV5_MAX_IO);
    }
    uint32_t pools[2] = { kv5_u32(b + 8), kv5_u32(b + 12) };
    uint32_t at = off + 32, end = off + size;
    for (int side = 0; side < 2; side++) {
        uint32_t n = side ? f->n_out : f->n_in;
        kv5_tensor_t tmp, *ts = side ? out : in;
        const char *what = side ? "output" : "input";
        if ((uint64_t)at + 12ull * n > end) {
            return fail(e, "function at offset %lu: %s ranges past the record", (unsigned long)off, what);
        }
        uint32_t mr_at = at;
        at += 12 * n;
        for (uint32_t i = 0; i < n; i++) {
            kv5_tensor_t *t = ts ? &ts[i] : &tmp;
            memset(t, 0, sizeof(*t));
            uint8_t mb[12];
            if (kv5_read(r, mr_at + 12 * i, mb, 12, e)) {
                return -EINVAL;
            }
            t->mr = kv5_rd_mr(mb);
            if (t->mr.loc != side) {
                return fail(e, "function at offset %lu: %s %lu in location %u (%s), not %d (%s)", (unsigned long)off, what,
                    (unsigned long)i, (unsigned)t->mr.loc, loc_name(t->mr.loc), side, loc_name(side));
            }
            if ((uint64_t)t->mr.start + t->mr.size > pools[side]) {
                return fail(e, "function at offset %lu: %s %lu [%lu, +%lu) outside its %lu-byte pool", (unsigned long)off, what,
                    (unsigned long)i, (unsigned long)t->mr.start, (unsigned long)t->mr.size, (unsigned long)pools[side]);
            }
            if (read_shape(r, &at, end, t, what, i, e)) {
                return -EINVAL;
            }
        }
    }
    return 0;
}

static int parse_module(kv5_reader_t *r, kv5_header_t *h, uint32_t idx, uint32_t off, kmodel_err_t *e) {
    kv5_module_t *m = &h->mod[idx];
    uint8_t b[48];
    if ((uint64_t)off + 48 > h->file_bytes || kv5_read(r, off, b, 48, e)) {
        return fail(e, "module %lu at offset %lu is past the end of the file (%lu B): truncated kmodel",
            (unsigned long)idx, (unsigned long)off, (unsigned long)h->file_bytes);
    }
    char type[17];
    memcpy(type, b, 16);
    type[16] = 0;
    for (int i = 0; type[i]; i++) {
        if (type[i] < 0x20 || type[i] > 0x7e) {
            return fail(e, "module %lu at offset %lu: its type is not text", (unsigned long)idx, (unsigned long)off);
        }
    }
    if (strcmp(type, "stackvm") == 0) {
        m->kind = KV5_MOD_STACKVM;
    } else if (strcmp(type, "k210") == 0) {
        m->kind = KV5_MOD_K210;
    } else {
        return fail(e, "module %lu at offset %lu is '%s': only stackvm and k210 modules run on a K210",
            (unsigned long)idx, (unsigned long)off, type);
    }
    int8_t *slot = m->kind == KV5_MOD_STACKVM ? &h->stackvm : &h->k210;
    if (*slot >= 0) {
        return fail(e, "module %lu at offset %lu: a second '%s' module", (unsigned long)idx,
            (unsigned long)off, type);
    }
    *slot = (int8_t)idx;
    uint32_t version = kv5_u32(b + 16), size = kv5_u32(b + 24), mempools = kv5_u32(b + 28), shared = kv5_u32(b + 32);
    uint32_t sections = kv5_u32(b + 36), funcs = kv5_u32(b + 40);
    m->off = off;
    m->size = size;
    if (version != 1) {
        return fail(e, "module '%s' at offset %lu: version %lu (not 1)", type, (unsigned long)off,
            (unsigned long)version);
    }
    if (size < 48 || (uint64_t)off + size > h->file_bytes) {
        return fail(e, "module '%s' at offset %lu of %lu B is past the end of the file (%lu B): truncated kmodel", type,
            (unsigned long)off, (unsigned long)size, (unsigned long)h->file_bytes);
    }
    if (shared != 0) {
        return fail(e, "module '%s' at offset %lu: %lu shared mempools (not supported)",
            type, (unsigned long)off, (unsigned long)shared);
    }
    if (mempools > 8 || sections > 8 || funcs > KV5_MAX_FUNCS) {
        return fail(e, "module '%s' at offset %lu: %lu mempools, %lu sections, %lu functions (max 8, 8, %u)", type,
            (unsigned long)off, (unsigned long)mempools, (unsigned long)sections, (unsigned long)funcs, KV5_MAX_FUNCS);
    }
    uint32_t at = off + 48;
    for (uint32_t i = 0; i < mempools; i++, at += 8) {
        uint8_t p[8];
        if ((uint64_t)at + 8 > (uint64_t)off + size || kv5_read(r, at, p, 8, e)) {
            return fail(e, "module '%s': mempool %lu at offset %lu past the module", type, (unsigned long)i, (unsigned long)at);
        }
        uint32_t psize = kv5_u32(p + 4);
        switch (p[0]) {
            case KV5_LOC_RDATA: m->rdata_size = psize; break;
            case KV5_LOC_DATA: m->data_size = psize; break;
            case KV5_LOC_KPU:
                if (m->kind != KV5_MOD_K210 || psize > K210_AI_SRAM_BYTES) {
                    return fail(e, "module '%s': kpu mempool of %lu B at offset %lu",
                        type, (unsigned long)psize, (unsigned long)at);
                }
                m->kpu_size = psize;
                break;
            case KV5_LOC_INPUT: case KV5_LOC_OUTPUT: case KV5_LOC_SHARED: break;
            default:
                return fail(e, "module '%s': mempool %lu at offset %lu: location %u", type,
                    (unsigned long)i, (unsigned long)at, (unsigned)p[0]);
        }
    }
    if (m->data_size > K210_SRAM_BYTES) {
        return kmodel_fail(e, KMODEL_EMEMORY, ENOMEM, "module '%s' needs a data pool of %lu B, more than the K210's 6 MiB of SRAM",
            type, (unsigned long)m->data_size);
    }
    m->funcs_off = at;
    m->n_funcs = funcs;
    for (uint32_t i = 0; i < funcs; i++) {
        kv5_func_t f;
        if (kv5_read_func(r, m, at, &f, NULL, NULL, e)) {
            return kmodel_refile(e, KMODEL_EVALUE, 0, "module '%s' function %lu: ", type, (unsigned long)i);
        }
        if (m->kind == KV5_MOD_K210) {
            h->k210_func_off[i] = at;
        }
        uint8_t sz[4];
        if (kv5_read(r, at + 4, sz, 4, e)) {
            return -EINVAL;
        }
        at += kv5_u32(sz);
    }
    if (m->kind == KV5_MOD_K210) {
        h->k210_funcs = funcs;
    }
    bool have_rdata = false, have_text = false;
    for (uint32_t i = 0; i < sections; i++) {
        uint8_t s[32];
        if ((uint64_t)at + 32 > (uint64_t)off + size || kv5_read(r, at, s, 32, e)) {
            return fail(e, "module '%s': section %lu at offset %lu past the module", type, (unsigned long)i,
                (unsigned long)at);
        }
        char name[17];
        memcpy(name, s, 16);
        name[16] = 0;
        uint32_t flags = kv5_u32(s + 16), start = kv5_u32(s + 20), bsize = kv5_u32(s + 24);
        uint64_t body;
        if (flags & 1) {   // merged into .rdata: start is an offset in it
            if (!have_rdata || (uint64_t)start + bsize > m->rdata_size) {
                return fail(e, "module '%s': section '%s' [%lu, +%lu) outside .rdata", type, name,
                    (unsigned long)start, (unsigned long)bsize);
            }
            body = (uint64_t)m->rdata_off + start;
            at += 32;
        } else {
            body = (uint64_t)at + 32 + start;
            if (body + bsize > (uint64_t)off + size) {
                return fail(e, "module '%s': section '%s' [%llu, +%lu) past its module's end %lu: truncated kmodel", type, name, (unsigned long long)body, (unsigned long)bsize,
                    (unsigned long)(off + size));
            }
            at = (uint32_t)(body + bsize);
        }
        if (strcmp(name, ".rdata") == 0) {
            if (bsize != m->rdata_size && !(bsize == 0 && m->rdata_size == 0)) {
                return fail(e, "module '%s': .rdata has %lu B, its mempool %lu B", type, (unsigned long)bsize,
                    (unsigned long)m->rdata_size);
            }
            m->rdata_off = (uint32_t)body;
            have_rdata = true;
        } else if (strcmp(name, ".text") == 0) {
            m->text_off = (uint32_t)body;
            m->text_size = bsize;
            have_text = true;
        }
    }
    if (!have_text && funcs > 0) {
        return fail(e, "module '%s' at offset %lu: no .text", type, (unsigned long)off);
    }
    if (m->rdata_size && !have_rdata) {
        return fail(e, "module '%s' at offset %lu: rdata mempool of %lu B, no .rdata", type,
            (unsigned long)off, (unsigned long)m->rdata_size);
    }
    // every function's code inside .text
    at = m->funcs_off;
    for (uint32_t i = 0; i < funcs; i++) {
        kv5_func_t f;
        uint8_t sz[4];
        if (kv5_read_func(r, m, at, &f, NULL, NULL, e) || kv5_read(r, at + 4, sz, 4, e)) {
            return -EINVAL;
        }
        if ((uint64_t)f.entry + f.text_size > m->text_size) {
            return fail(e, "module '%s' function %lu: code [%lu, +%lu) outside the %lu-byte .text", type, (unsigned long)i,
                (unsigned long)f.entry, (unsigned long)f.text_size, (unsigned long)m->text_size);
        }
        at += kv5_u32(sz);
    }
    return 0;
}

int kv5_parse(kv5_reader_t *r, kv5_header_t *h, kmodel_err_t *e) {
    memset(h, 0, sizeof(*h));
    h->stackvm = h->k210 = -1;
    h->file_bytes = r->size;
    uint8_t b[48];
    if (r->size < 48) {
        return fail(e, "file of %lu B is too short for a kmodel v5 (80 B): truncated kmodel",
            (unsigned long)r->size);
    }
    if (kv5_read(r, 0, b, 48, e)) {
        return -EINVAL;
    }
    if (kv5_u32(b) != KV5_IDENTIFIER || kv5_u32(b + 4) != 5) {
        return fail(e, "not a kmodel v5 file");
    }
    uint32_t hs = kv5_u32(b + 8);
    if (hs != 32) {
        // the pre-release layout (kmodel-v5-spec.md §9): flags (0) here, module type at 24
        bool text24 = b[24] >= 'a' && b[24] <= 'z';
        if (text24 && (hs == 0)) {
            return fail(e, "pre-release kmodel v5 layout (nncase 1.0 development build before 2021-08-18): the nncase 1.x "
                "runtime cannot load it; recompile with nncase >= 1.0.0");
        }
        return fail(e, "unknown kmodel v5 layout: header_size %lu at offset 8 (release files have 32)", (unsigned long)hs);
    }
    h->alignment = kv5_u32(b + 16);
    h->n_modules = kv5_u32(b + 20);
    h->entry_module = kv5_u32(b + 24);
    h->entry_function = kv5_u32(b + 28);
    if (h->alignment == 0 || (h->alignment & (h->alignment - 1)) || h->alignment > 4096) {
        return fail(e, "alignment %lu at offset 16 (power of two up to 4096)", (unsigned long)h->alignment);
    }
    if (h->n_modules == 0 || h->n_modules > KV5_MAX_MODULES) {
        return fail(e, "%lu modules at offset 20 (1..%u)", (unsigned long)h->n_modules, KV5_MAX_MODULES);
    }
    if (h->entry_module >= h->n_modules) {
        return fail(e, "entry module %lu at offset 24 of %lu", (unsigned long)h->entry_module,
            (unsigned long)h->n_modules);
    }
    uint32_t off = 32;
    for (uint32_t i = 0; i < h->n_modules; i++) {
        if (parse_module(r, h, i, off, e)) {
            return -EINVAL;
        }
        off += h->mod[i].size;
    }
    h->file_bytes = off;   // what the model is: a flash source reads on to the end of the flash
    if (h->stackvm < 0 || (uint32_t)h->stackvm != h->entry_module) {
        return fail(e, "entry module %lu is not the stackvm module",
            (unsigned long)h->entry_module);
    }
    kv5_module_t *sm = &h->mod[h->stackvm];
    if (h->entry_function >= sm->n_funcs) {
        return fail(e, "entry function %lu at offset 28 of %lu", (unsigned long)h->entry_function,
            (unsigned long)sm->n_funcs);
    }
    uint32_t at = sm->funcs_off;
    for (uint32_t i = 0; i < h->entry_function; i++) {
        uint8_t sz[4];
        if (kv5_read(r, at + 4, sz, 4, e)) {
            return -EINVAL;
        }
        at += kv5_u32(sz);
    }
    if (kv5_read_func(r, sm, at, &h->entry, h->in, h->out, e)) {
        return -EINVAL;
    }
    h->n_in = h->entry.n_in;
    h->n_out = h->entry.n_out;
    if (h->n_in < 1 || h->n_out < 1) {
        return fail(e, "the entry function has %lu inputs, %lu outputs",
            (unsigned long)h->n_in, (unsigned long)h->n_out);
    }
    // the main block: data pools, then inputs, then outputs (each 8-aligned)
    uint64_t main = 0;
    for (uint32_t i = 0; i < h->n_modules; i++) {
        h->mod[i].data_at = (uint32_t)main;
        main += A8((uint64_t)h->mod[i].data_size);
    }
    for (uint32_t i = 0; i < h->n_in; i++) {
        h->in[i].main_at = (uint32_t)main;
        main += A8((uint64_t)h->in[i].bytes);
    }
    for (uint32_t i = 0; i < h->n_out; i++) {
        h->out[i].main_at = (uint32_t)main;
        main += i + 1 < h->n_out ? A8((uint64_t)h->out[i].bytes) : h->out[i].bytes;
    }
    if (main > K210_SRAM_BYTES) {
        return kmodel_fail(e, KMODEL_EMEMORY, ENOMEM, "the model needs %llu B of data pools and tensors, more than the K210's 6 MiB", (unsigned long long)main);
    }
    h->main_bytes = (uint32_t)main;
    return 0;
}
