// Output views (kpu_io.h): kpu.forward and kpu.get_output hand out a small object that reads an
// output of one run where the model left it (its main memory, or the model's output buffer for
// outputs that lie in the shared AI SRAM). A view belongs to one run: after the model runs again,
// is deinitialised or a soft reset, using it raises instead of showing other numbers.
#include <stdio.h>
#include <string.h>

#include "py/binary.h"
#include "py/objarray.h"
#include "py/runtime.h"

#include "kpu_io.h"
#include "kpu_ledger.h"

typedef struct {
    mp_obj_base_t base;
    mp_obj_t model;              // keeps the model object alive while the view is
    uint16_t idx;
    uint32_t run;
} kpu_output_obj_t;

static bool in_model_block(const kpu_model_obj_t *m, const uint8_t *p, size_t n) {
    return p != NULL && p >= m->km.block && p + n <= m->km.block + m->km.charge;
}

// Bytes of output i and, when the format says, where the run left it.
static const uint8_t *raw_output(const kpu_model_obj_t *m, uint32_t i, kmodel_tensor_t *t) {
    m->km.fmt->output(&m->km, i, t, NULL);
    return m->km.fmt->output_data ? m->km.fmt->output_data(&m->km, i) : NULL;
}

// Offset of output idx in the output buffer (outputs outside the model's block, in order), and
// the buffer's total size (idx = outputs).
static size_t out_buf_offset(const kpu_model_obj_t *m, uint32_t idx) {
    size_t off = 0;
    for (uint32_t i = 0; i < idx && i < m->km.outputs; i++) {
        kmodel_tensor_t t;
        const uint8_t *p = raw_output(m, i, &t);
        if (!in_model_block(m, p, t.bytes)) {
            off += KPU_LEDGER_ROUND(t.bytes);
        }
    }
    return off;
}

static const uint8_t *output_ptr(const kpu_model_obj_t *m, uint32_t idx, kmodel_tensor_t *t) {
    const uint8_t *p = raw_output(m, idx, t);
    return in_model_block(m, p, t->bytes) ? p : m->out_buf + out_buf_offset(m, idx);
}

void kpu_outputs_settle(kpu_model_obj_t *m) {
    size_t need = out_buf_offset(m, m->km.outputs);
    if (need == 0) {
        return;
    }
    kmodel_err_t e;
    if (kpu_io_buffer(m, &m->out_buf, need, "outputs", &e) != 0) {
        kpu_raise_err(&e);
    }
    for (uint32_t i = 0; i < m->km.outputs; i++) {
        kmodel_tensor_t t;
        const uint8_t *p = raw_output(m, i, &t);
        if (!in_model_block(m, p, t.bytes)) {
            m->km.fmt->output(&m->km, i, &t, m->out_buf + out_buf_offset(m, i));
        }
    }
}

// --- the view ---

static kpu_model_obj_t *view_model(const kpu_output_obj_t *v) {
    kpu_model_obj_t *m = MP_OBJ_TO_PTR(v->model);
    if (!kpu_model_live(m)) {
        mp_raise_msg_varg(&mp_type_ValueError,
            MP_ERROR_TEXT("kpu output %u of %s: the model was deinitialised (kpu.deinit or soft reset), its outputs "
                "are gone; keep values with .copy() before deinit"), (unsigned)v->idx, m->source);
    }
    if (m->valid_run != v->run) {
        mp_raise_msg_varg(&mp_type_ValueError,
            MP_ERROR_TEXT("kpu output %u of %s is from an earlier run: the model has run again since; "
                "keep values with .copy(), or read kpu.get_output(m, %u) after each forward"),
            (unsigned)v->idx, m->source, (unsigned)v->idx);
    }
    return m;
}

// The view's bytes and tensor; raises when stale.
static const uint8_t *view_data(const kpu_output_obj_t *v, kmodel_tensor_t *t) {
    kpu_model_obj_t *m = view_model(v);
    return output_ptr(m, v->idx, t);
}

static size_t values(const kmodel_tensor_t *t) {
    return t->dtype == KMODEL_F32 ? t->bytes / 4 : t->bytes;
}

static mp_obj_t value_at(const kmodel_tensor_t *t, const uint8_t *p, size_t i) {
    if (t->dtype == KMODEL_F32) {
        float f;
        memcpy(&f, p + 4 * i, 4);
        return mp_obj_new_float_from_f(f);
    }
    return MP_OBJ_NEW_SMALL_INT(p[i]);
}

static mp_obj_t new_array_copy(const kmodel_tensor_t *t, const uint8_t *p, size_t first, size_t n) {
    char tc = t->dtype == KMODEL_F32 ? 'f' : 'B';
    size_t item = t->dtype == KMODEL_F32 ? 4 : 1;
    mp_obj_array_t *a = MP_OBJ_TO_PTR(mp_obj_new_bytearray(n * item, p + first * item));
    a->typecode = tc;
    a->len = n;
    return MP_OBJ_FROM_PTR(a);
}

static void check_readable(const kpu_model_obj_t *m, mp_uint_t idx, const char *fn) {
    if (idx >= m->km.outputs) {
        mp_raise_msg_varg(&mp_type_ValueError, MP_ERROR_TEXT("kpu.%s: output index %u out of range: %s has %u output(s)"),
            fn, (unsigned)idx, m->source, (unsigned)m->km.outputs);
    }
    if (m->valid_run == 0) {
        mp_raise_msg_varg(&mp_type_ValueError,
            MP_ERROR_TEXT("kpu.%s: %s has no complete run to read (run kpu.forward first; a set_layers run is partial)"),
            fn, m->source);
    }
}

mp_obj_t kpu_output_view(kpu_model_obj_t *m, mp_uint_t idx, const char *fn) {
    check_readable(m, idx, fn);
    kpu_output_obj_t *v = mp_obj_malloc(kpu_output_obj_t, &kpu_output_type);
    v->model = MP_OBJ_FROM_PTR(m);
    v->idx = (uint16_t)idx;
    v->run = m->valid_run;
    return MP_OBJ_FROM_PTR(v);
}

mp_obj_t kpu_output_into(kpu_model_obj_t *m, mp_uint_t idx, mp_obj_t out, const char *fn) {
    if (mp_obj_is_type(out, &kpu_output_type)) {
        // the same output of the same model: rebound to this run, nothing allocated
        kpu_output_obj_t *v = MP_OBJ_TO_PTR(out);
        if (v->model != MP_OBJ_FROM_PTR(m) || v->idx != idx) {
            mp_raise_msg_varg(&mp_type_ValueError,
                MP_ERROR_TEXT("kpu.%s: out= is a view of output %u of %s, not of output %u of %s"), fn, (unsigned)v->idx,
                ((kpu_model_obj_t *)MP_OBJ_TO_PTR(v->model))->source, (unsigned)idx, m->source);
        }
        check_readable(m, idx, fn);
        v->run = m->valid_run;
        return out;
    }
    check_readable(m, idx, fn);
    kmodel_tensor_t t;
    const uint8_t *p = output_ptr(m, (uint32_t)idx, &t);
    mp_buffer_info_t buf;
    if (!mp_get_buffer(out, &buf, MP_BUFFER_WRITE)) {
        mp_raise_msg_varg(&mp_type_TypeError, MP_ERROR_TEXT("kpu.%s: out= must be a writable buffer (array, bytearray), got %s"),
            fn, mp_obj_get_type_str(out));
    }
    char tc = buf.typecode;
    bool raw = tc == 'B' || tc == 'b' || tc == BYTEARRAY_TYPECODE;
    bool ok = (raw || (t.dtype == KMODEL_F32 && tc == 'f')) && buf.len == t.bytes;
    if (!ok) {
        mp_raise_msg_varg(&mp_type_ValueError,
            MP_ERROR_TEXT("kpu.%s: out= for output %u of %s needs array('%c') of %u values (or a bytearray of %u B); got %s('%c') of %u B"),
            fn, (unsigned)idx, m->source, t.dtype == KMODEL_F32 ? 'f' : 'B', (unsigned)values(&t), (unsigned)t.bytes,
            mp_obj_get_type_str(out), tc, (unsigned)buf.len);
    }
    memcpy(buf.buf, p, t.bytes);
    return out;
}

static void view_print(const mp_print_t *print, mp_obj_t self_in, mp_print_kind_t kind) {
    (void)kind;
    kpu_output_obj_t *v = MP_OBJ_TO_PTR(self_in);
    kpu_model_obj_t *m = MP_OBJ_TO_PTR(v->model);
    bool fresh = kpu_model_live(m) && m->valid_run == v->run;
    mp_printf(print, "<kpu output %u of %s", (unsigned)v->idx, m->source);
    if (!fresh) {
        mp_printf(print, " (stale)>");
        return;
    }
    kmodel_tensor_t t;
    output_ptr(m, v->idx, &t);
    mp_printf(print, ": %ux%ux%u %s>", (unsigned)t.c, (unsigned)t.h, (unsigned)t.w, kpu_dtype_name(t.dtype));
}

static mp_int_t view_get_buffer(mp_obj_t self_in, mp_buffer_info_t *info, mp_uint_t flags) {
    if (flags & MP_BUFFER_WRITE) {
        return 1;   // the model's own memory: read-only
    }
    kmodel_tensor_t t;
    info->buf = (void *)view_data(MP_OBJ_TO_PTR(self_in), &t);
    info->len = t.bytes;
    info->typecode = t.dtype == KMODEL_F32 ? 'f' : 'B';
    return 0;
}

static mp_obj_t view_unary_op(mp_unary_op_t op, mp_obj_t self_in) {
    kmodel_tensor_t t;
    switch (op) {
        case MP_UNARY_OP_LEN:
            view_data(MP_OBJ_TO_PTR(self_in), &t);
            return MP_OBJ_NEW_SMALL_INT(values(&t));
        case MP_UNARY_OP_BOOL:
            return mp_const_true;
        default:
            return MP_OBJ_NULL;
    }
}

static mp_obj_t view_subscr(mp_obj_t self_in, mp_obj_t index, mp_obj_t value) {
    if (value != MP_OBJ_SENTINEL) {
        mp_raise_TypeError(MP_ERROR_TEXT("kpu output views are read-only; use .copy() for a writable array"));
    }
    kmodel_tensor_t t;
    const uint8_t *p = view_data(MP_OBJ_TO_PTR(self_in), &t);
    size_t n = values(&t);
    if (mp_obj_is_type(index, &mp_type_slice)) {
        mp_bound_slice_t s;
        if (!mp_seq_get_fast_slice_indexes(n, index, &s) || s.step != 1) {
            mp_raise_NotImplementedError(MP_ERROR_TEXT("kpu output views take slices with step 1"));
        }
        return new_array_copy(&t, p, s.start, s.stop - s.start);
    }
    size_t i = mp_get_index(&kpu_output_type, n, index, false);
    return value_at(&t, p, i);
}

// Iteration checks the view at every step: a deinit in the loop raises, never reads freed memory.
typedef struct {
    mp_obj_base_t base;
    mp_fun_1_t iternext;
    mp_obj_t view;
    size_t i;
} view_it_t;

static mp_obj_t view_it_next(mp_obj_t self_in) {
    view_it_t *it = MP_OBJ_TO_PTR(self_in);
    kmodel_tensor_t t;
    const uint8_t *p = view_data(MP_OBJ_TO_PTR(it->view), &t);
    if (it->i >= values(&t)) {
        return MP_OBJ_STOP_ITERATION;
    }
    return value_at(&t, p, it->i++);
}

static mp_obj_t view_getiter(mp_obj_t self_in, mp_obj_iter_buf_t *iter_buf) {
    assert(sizeof(view_it_t) <= sizeof(mp_obj_iter_buf_t));
    view_it_t *it = (view_it_t *)iter_buf;
    it->base.type = &mp_type_polymorph_iter;
    it->iternext = view_it_next;
    it->view = self_in;
    it->i = 0;
    return MP_OBJ_FROM_PTR(it);
}

static mp_obj_t view_copy(mp_obj_t self_in) {
    kmodel_tensor_t t;
    const uint8_t *p = view_data(MP_OBJ_TO_PTR(self_in), &t);
    return new_array_copy(&t, p, 0, values(&t));
}
static MP_DEFINE_CONST_FUN_OBJ_1(view_copy_obj, view_copy);

static void view_attr(mp_obj_t self_in, qstr attr, mp_obj_t *dest) {
    if (dest[0] != MP_OBJ_NULL) {
        return;   // read-only
    }
    kpu_output_obj_t *v = MP_OBJ_TO_PTR(self_in);
    kmodel_tensor_t t;
    switch (attr) {
        case MP_QSTR_shape: {
            view_data(v, &t);
            mp_obj_t items[3] = { MP_OBJ_NEW_SMALL_INT(t.c), MP_OBJ_NEW_SMALL_INT(t.h), MP_OBJ_NEW_SMALL_INT(t.w) };
            dest[0] = mp_obj_new_tuple(3, items);
            return;
        }
        case MP_QSTR_dtype:
            view_data(v, &t);
            dest[0] = MP_OBJ_NEW_QSTR(t.dtype == KMODEL_F32 ? MP_QSTR_f : MP_QSTR_B);
            return;
        case MP_QSTR_index:
            dest[0] = MP_OBJ_NEW_SMALL_INT(v->idx);
            return;
        case MP_QSTR_live: {
            kpu_model_obj_t *m = MP_OBJ_TO_PTR(v->model);
            dest[0] = mp_obj_new_bool(kpu_model_live(m) && m->valid_run == v->run);
            return;
        }
        default:
            dest[1] = MP_OBJ_SENTINEL;   // methods from locals_dict
    }
}

static const mp_rom_map_elem_t view_locals_table[] = {
    { MP_ROM_QSTR(MP_QSTR_copy), MP_ROM_PTR(&view_copy_obj) },
};
static MP_DEFINE_CONST_DICT(view_locals, view_locals_table);

MP_DEFINE_CONST_OBJ_TYPE(
    kpu_output_type, MP_QSTR_Output, MP_TYPE_FLAG_ITER_IS_GETITER,
    print, view_print,
    unary_op, view_unary_op,
    subscr, view_subscr,
    iter, view_getiter,
    attr, view_attr,
    buffer, view_get_buffer,
    locals_dict, &view_locals
    );
