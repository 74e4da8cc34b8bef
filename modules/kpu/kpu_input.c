// kpu.forward's input (kpu_io.h): nothing proportional to the input is put on the GC heap. A path
// is read by the port's file source straight into the model's input buffer, a ledger block
// charged to the model ("#N input"), FatFs moving it through its own one-sector buffer; a list or
// tuple of numbers is converted into that same buffer; buffers are used where they are.
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "py/binary.h"
#include "py/objarray.h"
#include "py/runtime.h"

#include "kpu_io.h"
#include "kpu_ledger.h"
#include "kpu_source.h"

// Read in pieces so a Ctrl-C or a failing card is noticed between them; FatFs reads whole
// clusters straight into the destination.
#define INPUT_CHUNK (16u * 1024)

static const char *accepted(const kmodel_tensor_t *t) {
    return t->dtype == KMODEL_F32
        ? "a path, or bytes, bytearray, memoryview, array('f') or a list of floats"
        : "a path, an image (planar.Image, frame) or kpu.LedgerBuf, or bytes, bytearray, memoryview or array('B')";
}

static NORETURN void bad_input(const kpu_model_obj_t *m, const char *got, size_t got_bytes) {
    const kmodel_tensor_t *t = &m->km.input;
    if (t->h == 1 && t->w == 1) {
        mp_raise_msg_varg(&mp_type_ValueError,
            MP_ERROR_TEXT("kpu.forward: %s expects %u %s values = %u bytes (%s); got %s of %u bytes"),
            m->source, (unsigned)t->c, kpu_dtype_name(t->dtype), (unsigned)t->bytes, accepted(t), got, (unsigned)got_bytes);
    }
    mp_raise_msg_varg(&mp_type_ValueError,
        MP_ERROR_TEXT("kpu.forward: %s expects a %ux%ux%u %s planar CHW input = %u bytes (%s); got %s of %u bytes"),
        m->source, (unsigned)t->c, (unsigned)t->h, (unsigned)t->w, kpu_dtype_name(t->dtype), (unsigned)t->bytes,
        accepted(t), got, (unsigned)got_bytes);
}

// --- a path ---

typedef struct {
    kpu_model_obj_t *m;
    const char *path;
} path_ctx_t;

static int read_input(kmodel_src_t *src, void *ctx, kmodel_err_t *e) {
    path_ctx_t *pc = ctx;
    kpu_model_obj_t *m = pc->m;
    const kmodel_tensor_t *t = &m->km.input;
    if (src->size != t->bytes) {
        return kmodel_fail(e, KMODEL_EVALUE, 0,
            "kpu.forward('%s'): the file has %lu B; %s expects %lu B (%ux%ux%u %s planar CHW); "
            "give a file of exactly the input, or an image", pc->path, (unsigned long)src->size, m->source,
            (unsigned long)t->bytes, (unsigned)t->c, (unsigned)t->h, (unsigned)t->w, kpu_dtype_name(t->dtype));
    }
    bool fresh = m->in_buf == NULL;
    if (kpu_io_buffer(m, &m->in_buf, t->bytes, "input", e) != 0) {
        return -1;
    }
    for (uint32_t off = 0; off < t->bytes; off += INPUT_CHUNK) {
        uint32_t n = t->bytes - off < INPUT_CHUNK ? t->bytes - off : INPUT_CHUNK;
        int r = src->read(src, off, m->in_buf + off, n);
        if (r != 0) {
            if (fresh) {   // a failed forward leaves memory as it was
                kpu_ledger_free(m->in_buf);
                m->in_buf = NULL;
            }
            return kmodel_fail(e, KMODEL_EOS, -r, "kpu.forward('%s'): read error %d at offset %lu of %lu B",
                pc->path, r, (unsigned long)off, (unsigned long)t->bytes);
        }
    }
    return 0;
}

static const uint8_t *input_from_path(kpu_model_obj_t *m, mp_obj_t src) {
    size_t len;
    const char *path = mp_obj_str_get_data(src, &len);
    if (strlen(path) != len) {
        mp_raise_msg_varg(&mp_type_ValueError,
            MP_ERROR_TEXT("kpu.forward('%s...'): the path holds a NUL byte after %u characters; remove it"),
            path, (unsigned)strlen(path));
    }
    kpu_source_release_writers(path);   // a dropped writer of this file is flushed first
    path_ctx_t pc = { m, path };
    kmodel_err_t e;
    if (kpu_source_with_file_for("kpu.forward", path, 0, read_input, &pc, &e) != 0) {
        if (e.kind == KMODEL_EOS && strstr(e.msg, " B input") == NULL) {
            // the file could not be opened or read: say also what it had to hold
            size_t k = strlen(e.msg);
            snprintf(e.msg + k, sizeof(e.msg) - k, " (%s takes a %lu B input)", m->source,
                (unsigned long)m->km.input.bytes);
        }
        kpu_raise_err(&e);
    }
    return m->in_buf;
}

// --- a list or tuple of numbers (MaixPy's way for a float input) ---

static const uint8_t *input_from_list(kpu_model_obj_t *m, mp_obj_t src) {
    const kmodel_tensor_t *t = &m->km.input;
    size_t len;
    mp_obj_t *items;
    mp_obj_get_array(src, &len, &items);
    if (len * 4 != t->bytes) {
        bad_input(m, mp_obj_get_type_str(src), len * 4);
    }
    // Numbers only, checked before the buffer is made (a failed forward leaves memory as it was);
    // an object's __float__ could run Python code (a deinit) while the buffer is written.
    for (size_t i = 0; i < len; i++) {
        const mp_obj_type_t *type = mp_obj_get_type(items[i]);
        if (type != &mp_type_float && type != &mp_type_int && type != &mp_type_bool) {
            mp_raise_msg_varg(&mp_type_TypeError, MP_ERROR_TEXT("kpu.forward: item %u is %s, not a number"),
                (unsigned)i, mp_obj_get_type_str(items[i]));
        }
    }
    kmodel_err_t e;
    if (kpu_io_buffer(m, &m->in_buf, t->bytes, "input", &e) != 0) {
        kpu_raise_err(&e);
    }
    float *f = (float *)m->in_buf;   // ledger blocks are 128-B aligned
    for (size_t i = 0; i < len; i++) {
        f[i] = mp_obj_get_float_to_f(items[i]);
    }
    return m->in_buf;
}

// --- buffers ---

// The buffer of src itself, or of src.data (planar.Image, frames); false if neither has one.
static bool buffer_of(mp_obj_t src, mp_buffer_info_t *buf) {
    if (mp_get_buffer(src, buf, MP_BUFFER_READ)) {
        return true;
    }
    mp_obj_t dest[2];
    mp_load_method_maybe(src, MP_QSTR_data, dest);
    return dest[0] != MP_OBJ_NULL && dest[1] == MP_OBJ_NULL && mp_get_buffer(dest[0], buf, MP_BUFFER_READ);
}

const uint8_t *kpu_input_bytes(kpu_model_obj_t *m, mp_obj_t src) {
    const kmodel_tensor_t *t = &m->km.input;
    if (mp_obj_is_str(src)) {
        return input_from_path(m, src);
    }
    if ((mp_obj_is_type(src, &mp_type_list) || mp_obj_is_type(src, &mp_type_tuple)) && t->dtype == KMODEL_F32) {
        return input_from_list(m, src);
    }
    mp_buffer_info_t buf;
    if (!buffer_of(src, &buf)) {
        bad_input(m, mp_obj_get_type_str(src), 0);
    }
    char tc = buf.typecode;
    bool raw = tc == 'B' || tc == 'b' || tc == BYTEARRAY_TYPECODE;   // bytes-like
    bool ok_type = raw || (t->dtype == KMODEL_F32 && tc == 'f');
    if (!ok_type || buf.len != t->bytes) {
        char what[32];
        if (ok_type) {
            snprintf(what, sizeof(what), "%s", mp_obj_get_type_str(src));
        } else {
            snprintf(what, sizeof(what), "%s('%c')", mp_obj_get_type_str(src), tc);
        }
        bad_input(m, what, buf.len);
    }
    return buf.buf;
}

int kpu_io_buffer(kpu_model_obj_t *m, uint8_t **buf, size_t bytes, const char *what, kmodel_err_t *e) {
    if (*buf != NULL) {
        return 0;
    }
    char tag[KPU_LEDGER_TAG_LEN];
    snprintf(tag, sizeof(tag), "#%u %s", (unsigned)m->id, what);
    *buf = kpu_ledger_alloc(bytes, m->id, tag);
    if (*buf == NULL) {
        kpu_ledger_stats_t st;
        kpu_ledger_stats(&st);
        return kmodel_fail(e, KMODEL_EMEMORY, ENOMEM,
            "kpu.forward: the %s buffer of %s needs %lu B, %lu B free (largest block %lu B); "
            "deinit a model or release images", what, m->source, (unsigned long)KPU_LEDGER_ROUND(bytes),
            (unsigned long)st.free_bytes, (unsigned long)st.largest_free);
    }
    return 0;
}

void kpu_io_release(kpu_model_obj_t *m) {
    if (m->epoch == kpu_ledger_epoch()) {   // after a soft reset the pool is already free
        if (m->in_buf != NULL) {
            kpu_ledger_free(m->in_buf);
        }
        if (m->out_buf != NULL) {
            kpu_ledger_free(m->out_buf);
        }
    }
    m->in_buf = NULL;
    m->out_buf = NULL;
    m->valid_run = 0;
}
