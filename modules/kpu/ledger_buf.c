// kpu.LedgerBuf (ledger_buf.h): pixel and tensor memory from the ledger pool behind a small GC
// object with a finaliser, so frames and images never sit on the GC heap.
#include <stdio.h>
#include <string.h>

#include "py/gc.h"
#include "py/runtime.h"

#include "kpu_ledger.h"
#include "ledger_buf.h"

typedef struct {
    mp_obj_base_t base;
    uint8_t *data;               // NULL once released
    size_t len;
    uint32_t epoch;              // the ledger epoch it was allocated in (a soft reset frees all)
    char tag[KPU_LEDGER_TAG_LEN];
} ledger_buf_obj_t;

static bool buf_live(const ledger_buf_obj_t *b) {
    return b->data != NULL && b->epoch == kpu_ledger_epoch();
}

bool ledger_buf_is(mp_obj_t o) {
    return mp_obj_is_type(o, &kpu_ledger_buf_type);
}

static ledger_buf_obj_t *get_live(mp_obj_t o) {
    if (!ledger_buf_is(o)) {
        mp_raise_msg_varg(&mp_type_TypeError, MP_ERROR_TEXT("expected a kpu.LedgerBuf, got %s"), mp_obj_get_type_str(o));
    }
    ledger_buf_obj_t *b = MP_OBJ_TO_PTR(o);
    if (!buf_live(b)) {
        mp_raise_msg_varg(&mp_type_ValueError,
            MP_ERROR_TEXT("kpu.LedgerBuf '%s' (%u B) was released (release() or soft reset); allocate a new one"),
            b->tag, (unsigned)b->len);
    }
    return b;
}

mp_obj_t ledger_buf_new(size_t n, const char *tag) {
    if (n == 0) {
        mp_raise_msg_varg(&mp_type_ValueError, MP_ERROR_TEXT("kpu.LedgerBuf '%s': size must be > 0"), tag);
    }
    // the object first, so a failed GC allocation cannot strand a ledger block
    ledger_buf_obj_t *b = mp_obj_malloc_with_finaliser(ledger_buf_obj_t, &kpu_ledger_buf_type);
    b->data = NULL;
    b->len = n;
    b->epoch = kpu_ledger_epoch();
    snprintf(b->tag, sizeof(b->tag), "%s", tag);
    void *p = kpu_ledger_alloc(n, KPU_LEDGER_OWNER_BUFFERS, b->tag);
    if (p == NULL) {
        gc_collect();   // buffers of unreachable images are freed by their finalisers
        p = kpu_ledger_alloc(n, KPU_LEDGER_OWNER_BUFFERS, b->tag);
    }
    if (p == NULL) {
        kpu_ledger_stats_t st;
        kpu_ledger_stats(&st);
        char a[16], f[16], l[16];
        if (st.blocks >= KPU_LEDGER_BLOCKS) {
            mp_raise_msg_varg(&mp_type_MemoryError,
                MP_ERROR_TEXT("kpu.LedgerBuf '%s': %s B asked, but the ledger already holds %u blocks (its limit); "
                    "release() images or buffers no longer needed"), b->tag, kpu_ledger_grouped(a, n), (unsigned)st.blocks);
        }
        mp_raise_msg_varg(&mp_type_MemoryError,
            MP_ERROR_TEXT("kpu.LedgerBuf '%s': %s B asked, %s B free in the model pool (largest block %s B); "
                "release() images, deinit a model or use a smaller GC heap (machine.heap_size)"),
            b->tag, kpu_ledger_grouped(a, KPU_LEDGER_ROUND(n)), kpu_ledger_grouped(f, st.free_bytes), kpu_ledger_grouped(l, st.largest_free));
    }
    memset(p, 0, n);   // like bytearray(n): no bytes of an earlier owner show through
    b->data = p;
    return MP_OBJ_FROM_PTR(b);
}

void *ledger_buf_data(mp_obj_t o, size_t *len) {
    ledger_buf_obj_t *b = get_live(o);
    if (len != NULL) {
        *len = b->len;
    }
    return b->data;
}

void ledger_buf_release(mp_obj_t o) {
    ledger_buf_obj_t *b = MP_OBJ_TO_PTR(o);
    if (buf_live(b)) {
        kpu_ledger_free(b->data);
    }
    b->data = NULL;
}

// --- the Python type ---

static mp_obj_t buf_make_new(const mp_obj_type_t *type, size_t n_args, size_t n_kw, const mp_obj_t *all_args) {
    (void)type;
    enum { ARG_n, ARG_tag };
    static const mp_arg_t allowed[] = {
        { MP_QSTR_n, MP_ARG_REQUIRED | MP_ARG_OBJ, { .u_obj = MP_OBJ_NULL } },
        { MP_QSTR_tag, MP_ARG_OBJ, { .u_obj = MP_OBJ_NULL } },
    };
    mp_arg_val_t args[MP_ARRAY_SIZE(allowed)];
    mp_arg_parse_all_kw_array(n_args, n_kw, all_args, MP_ARRAY_SIZE(allowed), allowed, args);
    mp_int_t n = mp_obj_get_int(args[ARG_n].u_obj);
    const char *tag = args[ARG_tag].u_obj == MP_OBJ_NULL ? "buffer" : mp_obj_str_get_str(args[ARG_tag].u_obj);
    if (n <= 0) {
        mp_raise_msg_varg(&mp_type_ValueError, MP_ERROR_TEXT("kpu.LedgerBuf('%s'): size %ld must be > 0"), tag, (long)n);
    }
    return ledger_buf_new((size_t)n, tag);
}

static void buf_print(const mp_print_t *print, mp_obj_t self_in, mp_print_kind_t kind) {
    (void)kind;
    ledger_buf_obj_t *b = MP_OBJ_TO_PTR(self_in);
    mp_printf(print, "<kpu.LedgerBuf '%s' %u B%s>", b->tag, (unsigned)b->len, buf_live(b) ? "" : " (released)");
}

static mp_int_t buf_get_buffer(mp_obj_t self_in, mp_buffer_info_t *info, mp_uint_t flags) {
    (void)flags;
    ledger_buf_obj_t *b = get_live(self_in);
    info->buf = b->data;
    info->len = b->len;
    info->typecode = 'B';
    return 0;
}

static mp_obj_t buf_unary_op(mp_unary_op_t op, mp_obj_t self_in) {
    switch (op) {
        case MP_UNARY_OP_LEN:
            return MP_OBJ_NEW_SMALL_INT(get_live(self_in)->len);
        case MP_UNARY_OP_BOOL:
            return mp_const_true;
        default:
            return MP_OBJ_NULL;
    }
}

// b[i], b[i] = v, b[a:b] (a bytearray copy) and b[a:b] = buffer of the same length
static mp_obj_t buf_subscr(mp_obj_t self_in, mp_obj_t index, mp_obj_t value) {
    ledger_buf_obj_t *b = get_live(self_in);
    if (value == MP_OBJ_NULL) {
        return MP_OBJ_NULL;   // del b[i]: not supported
    }
    if (mp_obj_is_type(index, &mp_type_slice)) {
        mp_bound_slice_t s;
        if (!mp_seq_get_fast_slice_indexes(b->len, index, &s) || s.step != 1) {
            mp_raise_msg_varg(&mp_type_NotImplementedError, MP_ERROR_TEXT("kpu.LedgerBuf '%s': slices with step 1 only"), b->tag);
        }
        size_t n = s.stop - s.start;
        if (value == MP_OBJ_SENTINEL) {
            return mp_obj_new_bytearray(n, b->data + s.start);
        }
        mp_buffer_info_t src;
        mp_get_buffer_raise(value, &src, MP_BUFFER_READ);
        if (src.len != n) {
            mp_raise_msg_varg(&mp_type_ValueError,
                MP_ERROR_TEXT("kpu.LedgerBuf '%s': %u bytes given for a slice of %u (the size cannot change)"),
                b->tag, (unsigned)src.len, (unsigned)n);
        }
        memmove(b->data + s.start, src.buf, n);
        return mp_const_none;
    }
    size_t i = mp_get_index(&kpu_ledger_buf_type, b->len, index, false);
    if (value == MP_OBJ_SENTINEL) {
        return MP_OBJ_NEW_SMALL_INT(b->data[i]);
    }
    mp_int_t v = mp_obj_get_int(value);
    if (v < 0 || v > 255) {
        mp_raise_msg_varg(&mp_type_ValueError, MP_ERROR_TEXT("kpu.LedgerBuf '%s': byte value %ld out of 0..255"),
            b->tag, (long)v);
    }
    b->data[i] = (uint8_t)v;
    return mp_const_none;
}

static mp_obj_t buf_release(mp_obj_t self_in) {
    if (!ledger_buf_is(self_in)) {
        mp_raise_TypeError(MP_ERROR_TEXT("expected a kpu.LedgerBuf"));
    }
    ledger_buf_release(self_in);
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_1(buf_release_obj, buf_release);

static void buf_attr(mp_obj_t self_in, qstr attr, mp_obj_t *dest) {
    ledger_buf_obj_t *b = MP_OBJ_TO_PTR(self_in);
    if (dest[0] == MP_OBJ_NULL) {
        if (attr == MP_QSTR_tag) {
            dest[0] = mp_obj_new_str(b->tag, strlen(b->tag));
            return;
        }
        if (attr == MP_QSTR_live) {
            dest[0] = mp_obj_new_bool(buf_live(b));
            return;
        }
    }
    dest[1] = MP_OBJ_SENTINEL;   // methods from locals_dict
}

static const mp_rom_map_elem_t buf_locals_table[] = {
    { MP_ROM_QSTR(MP_QSTR_release), MP_ROM_PTR(&buf_release_obj) },
    { MP_ROM_QSTR(MP_QSTR___del__), MP_ROM_PTR(&buf_release_obj) },
};
static MP_DEFINE_CONST_DICT(buf_locals, buf_locals_table);

MP_DEFINE_CONST_OBJ_TYPE(
    kpu_ledger_buf_type, MP_QSTR_LedgerBuf, MP_TYPE_FLAG_NONE,
    make_new, buf_make_new,
    print, buf_print,
    unary_op, buf_unary_op,
    subscr, buf_subscr,
    attr, buf_attr,
    buffer, buf_get_buffer,
    locals_dict, &buf_locals
    );
