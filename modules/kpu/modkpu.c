// The `kpu` module: a thin MicroPython binding over the kmodel loader, the ledger and the KPU
// driver. API: CONTRACTS.md / design.md (MaixPy-compatible load/forward/deinit/set_outputs/
// set_layers/netinfo, plus mem_info and explicit errors).
#include <stdio.h>
#include <string.h>

#include "py/binary.h"
#include "py/objarray.h"
#include "py/runtime.h"
#include "py/mperrno.h"

#include "kmodel.h"
#include "kpu_source.h"
#include "kpu_ledger.h"
#include "kpu_mem.h"
#include "kpu_timing.h"
#include "kpu_stream.h"
#include "kpu_io.h"
#include "ledger_buf.h"

static uint32_t next_model_id = 1;

bool kpu_model_live(const kpu_model_obj_t *m) {
    return m->live && m->epoch == kpu_ledger_epoch() && m->km.block != NULL;
}

kpu_model_obj_t *kpu_get_model(mp_obj_t obj, const char *fn) {
    if (!mp_obj_is_type(obj, &kpu_model_type)) {
        mp_raise_msg_varg(&mp_type_TypeError, MP_ERROR_TEXT("kpu.%s: expected a model from kpu.load, got %s"), fn,
            mp_obj_get_type_str(obj));
    }
    kpu_model_obj_t *m = MP_OBJ_TO_PTR(obj);
    if (!kpu_model_live(m)) {
        mp_raise_msg_varg(&mp_type_ValueError,
            MP_ERROR_TEXT("kpu.%s: model %s was deinitialised (kpu.deinit or soft reset); load it again"), fn,
            m->source);
    }
    return m;
}
// A Ctrl-C (the UART handler schedules KeyboardInterrupt) stops a forward between layers.
static bool ctrl_c_pending(void) {
    return MP_STATE_THREAD(mp_pending_exception) != MP_OBJ_NULL;
}

NORETURN void kpu_raise_err(const kmodel_err_t *e) {
    switch (e->kind) {
        case KMODEL_EINTR:
            mp_handle_pending(true);   // raises the pending KeyboardInterrupt
            mp_raise_msg_varg(&mp_type_RuntimeError, MP_ERROR_TEXT("%s"), e->msg);   // it was already handled
        case KMODEL_EMEMORY:
            mp_raise_msg_varg(&mp_type_MemoryError, MP_ERROR_TEXT("%s"), e->msg);
        case KMODEL_EOS: {
            mp_obj_t args[2] = { MP_OBJ_NEW_SMALL_INT(e->err), mp_obj_new_str(e->msg, strlen(e->msg)) };
            nlr_raise(mp_obj_new_exception_args(&mp_type_OSError, 2, args));
        }
        case KMODEL_ERUNTIME:
            mp_raise_msg_varg(&mp_type_RuntimeError, MP_ERROR_TEXT("%s"), e->msg);
        default:
            mp_raise_msg_varg(&mp_type_ValueError, MP_ERROR_TEXT("%s"), e->msg);
    }
}

const char *kpu_dtype_name(kmodel_dtype_t t) {
    return t == KMODEL_F32 ? "f32" : "u8";
}

static void print_tensor(const mp_print_t *print, const kmodel_tensor_t *t) {
    if (t->h == 1 && t->w == 1) {
        mp_printf(print, "%u %s", (unsigned)t->c, kpu_dtype_name(t->dtype));
    } else {
        mp_printf(print, "%ux%ux%u %s", (unsigned)t->c, (unsigned)t->h, (unsigned)t->w, kpu_dtype_name(t->dtype));
    }
}

// --- load ---

typedef struct {
    kpu_model_obj_t *m;
    const char *tag;
    kpu_act_rule_t *rule;
    const kpu_stream_opts_t *stream;   // NULL: a resident load
} load_ctx_t;

// Called by the port with the open source (kpu_source.h).
static int load_from(kmodel_src_t *src, void *ctx, kmodel_err_t *e) {
    load_ctx_t *ld = ctx;
    snprintf(ld->m->source, sizeof(ld->m->source), "%s", src->name);
    if (ld->stream != NULL) {
        return kpu_stream_load(src, ld->m->id, ld->tag, ld->rule, ld->stream, &ld->m->km, e);
    }
    return kmodel_load(src, ld->m->id, ld->tag, ld->rule, &ld->m->km, e);
}

static MP_NOINLINE mp_obj_t kpu_load_args(size_t n_args, const mp_obj_t *pos_args, mp_map_t *kw_args) {
    enum { ARG_src, ARG_size, ARG_act_rule, ARG_stream, ARG_window, ARG_buffers, ARG_spi_hz };
    static const mp_arg_t allowed[] = {
        { MP_QSTR_src, MP_ARG_REQUIRED | MP_ARG_OBJ, { .u_obj = MP_OBJ_NULL } },
        { MP_QSTR_size, MP_ARG_OBJ, { .u_obj = mp_const_none } },
        { MP_QSTR_act_rule, MP_ARG_KW_ONLY | MP_ARG_OBJ, { .u_obj = mp_const_none } },
        { MP_QSTR_stream, MP_ARG_KW_ONLY | MP_ARG_BOOL, { .u_bool = false } },
        { MP_QSTR_window, MP_ARG_KW_ONLY | MP_ARG_OBJ, { .u_obj = mp_const_none } },
        { MP_QSTR_buffers, MP_ARG_KW_ONLY | MP_ARG_INT, { .u_int = 2 } },
        { MP_QSTR_spi_hz, MP_ARG_KW_ONLY | MP_ARG_OBJ, { .u_obj = mp_const_none } },
    };
    mp_arg_val_t args[MP_ARRAY_SIZE(allowed)];
    mp_arg_parse_all(n_args, pos_args, kw_args, MP_ARRAY_SIZE(allowed), allowed, args);
    mp_obj_t src_obj = args[ARG_src].u_obj;
    uint32_t max_size = 0;
    if (args[ARG_size].u_obj != mp_const_none) {
        mp_int_t s = mp_obj_get_int(args[ARG_size].u_obj);
        if (s <= 0) {
            mp_raise_msg_varg(&mp_type_ValueError, MP_ERROR_TEXT("kpu.load: size=%ld must be positive"), (long)s);
        }
        max_size = (uint32_t)s;
    }
    kpu_act_rule_t rule, *rule_p = NULL;
    if (args[ARG_act_rule].u_obj != mp_const_none) {
        mp_int_t r = mp_obj_get_int(args[ARG_act_rule].u_obj);
        if (r != KPU_ACT_RULE_NNCASE01 && r != KPU_ACT_RULE_NNCASE02) {
            mp_raise_msg_varg(&mp_type_ValueError,
                MP_ERROR_TEXT("kpu.load: act_rule=%ld (use kpu.ACT_RULE_NNCASE01 or kpu.ACT_RULE_NNCASE02)"), (long)r);
        }
        rule = (kpu_act_rule_t)r;
        rule_p = &rule;
    }
    kpu_stream_opts_t sopts = { .buffers = (uint32_t)args[ARG_buffers].u_int };
    if (args[ARG_window].u_obj != mp_const_none) {
        mp_int_t w = mp_obj_get_int(args[ARG_window].u_obj);
        if (w <= 0) {
            mp_raise_msg_varg(&mp_type_ValueError, MP_ERROR_TEXT("kpu.load: window=%ld must be a positive byte count"), (long)w);
        }
        sopts.window = (uint32_t)w;
    }
    if (args[ARG_spi_hz].u_obj != mp_const_none) {
        mp_int_t hz = mp_obj_get_int(args[ARG_spi_hz].u_obj);
        if (hz < 1000000 || hz > (mp_int_t)KPU_STREAM_MAX_SPI_HZ) {
            mp_raise_msg_varg(&mp_type_ValueError, MP_ERROR_TEXT("kpu.load: spi_hz=%ld is outside 1,000,000..%u (the flash's quad read)"),
                (long)hz, (unsigned)KPU_STREAM_MAX_SPI_HZ);
        }
        sopts.spi_hz = (uint32_t)hz;
    }
    bool stream = args[ARG_stream].u_bool;
    if (!stream && (sopts.window || sopts.spi_hz || sopts.buffers != 2)) {
        mp_raise_msg(&mp_type_ValueError, MP_ERROR_TEXT("kpu.load: window=, buffers= and spi_hz= apply to stream=True only"));
    }
    // the object first, so a failed GC allocation cannot strand a ledger block
    kpu_model_obj_t *m = mp_obj_malloc_with_finaliser(kpu_model_obj_t, &kpu_model_type);
    memset(&m->km, 0, sizeof(m->km));
    m->live = false;
    m->run_layers = 0;
    m->runs = 0;
    m->valid_run = 0;
    m->in_buf = NULL;
    m->out_buf = NULL;
    m->id = next_model_id++;
    char tag[KPU_LEDGER_TAG_LEN];
    kmodel_err_t e;
    load_ctx_t ld = { .m = m, .tag = tag, .rule = rule_p, .stream = stream ? &sopts : NULL };
    int r;
    if (mp_obj_is_str(src_obj)) {
        size_t path_len;
        const char *path = mp_obj_str_get_data(src_obj, &path_len);
        if (strlen(path) != path_len) {   // C would silently load the file named by the part before it
            mp_raise_msg_varg(&mp_type_ValueError,
                MP_ERROR_TEXT("kpu.load('%s...'): the path holds a NUL byte after %u characters; remove it"),
                path, (unsigned)strlen(path));
        }
        const char *base = strrchr(path, '/');
        snprintf(tag, sizeof(tag), "#%u %s", (unsigned)m->id, base ? base + 1 : path);
        r = kpu_source_with_file(path, max_size, load_from, &ld, &e);
    } else if (mp_obj_is_int(src_obj)) {
        mp_int_t off = mp_obj_get_int(src_obj);
        if (off <= 0) {
            mp_raise_msg_varg(&mp_type_ValueError,
                MP_ERROR_TEXT("kpu.load(%ld): a flash offset must be > 0 (models usually start at 0x300000)"), (long)off);
        }
        snprintf(tag, sizeof(tag), "#%u flash 0x%x", (unsigned)m->id, (unsigned)off);
        r = kpu_source_with_flash((uint32_t)off, max_size, load_from, &ld, &e);
    } else {
        mp_raise_msg_varg(&mp_type_TypeError,
            MP_ERROR_TEXT("kpu.load: expected a path (str) or a flash offset (int), got %s"), mp_obj_get_type_str(src_obj));
    }
    if (r != 0) {
        kpu_raise_err(&e);
    }
    m->epoch = kpu_ledger_epoch();
    m->live = true;
    return MP_OBJ_FROM_PTR(m);
}
// A writer dropped unclosed (open(p, 'wb').write(d)) is flushed before the model is read. The
// port's collection runs from this small frame: the work (and its locals, which may hold stale
// words of the caller's earlier calls) sits in kpu_load_args, below it.
static mp_obj_t kpu_load(size_t n_args, const mp_obj_t *pos_args, mp_map_t *kw_args) {
    if (n_args > 0 && mp_obj_is_str(pos_args[0])) {
        kpu_source_release_writers(mp_obj_str_get_str(pos_args[0]));
    }
    return kpu_load_args(n_args, pos_args, kw_args);
}
static MP_DEFINE_CONST_FUN_OBJ_KW(kpu_load_obj, 1, kpu_load);

// --- forward / get_output ---

static mp_obj_t new_array(char typecode, size_t n, void **items) {
    size_t bytes = n * (typecode == 'f' ? 4 : 1);
    mp_obj_array_t *a = mp_obj_malloc(mp_obj_array_t, &mp_type_array);
    a->typecode = typecode;
    a->free = 0;
    a->len = n;
    a->items = m_new(byte, bytes);
    *items = a->items;
    return MP_OBJ_FROM_PTR(a);
}

// forward(m, src, index=0, *, out=None): one run of the network. Returns a view of output
// `index` of this run (kpu_outputs.c), or out filled with it; every output of the run stays
// readable through kpu.get_output until the model runs again.
static mp_obj_t kpu_forward(size_t n_args, const mp_obj_t *pos_args, mp_map_t *kw_args) {
    enum { ARG_m, ARG_src, ARG_index, ARG_out };
    static const mp_arg_t allowed[] = {
        { MP_QSTR_m, MP_ARG_REQUIRED | MP_ARG_OBJ, { .u_obj = MP_OBJ_NULL } },
        { MP_QSTR_src, MP_ARG_REQUIRED | MP_ARG_OBJ, { .u_obj = MP_OBJ_NULL } },
        { MP_QSTR_index, MP_ARG_OBJ, { .u_obj = MP_OBJ_NULL } },
        { MP_QSTR_out, MP_ARG_KW_ONLY | MP_ARG_OBJ, { .u_obj = mp_const_none } },
    };
    mp_arg_val_t args[MP_ARRAY_SIZE(allowed)];
    mp_arg_parse_all(n_args, pos_args, kw_args, MP_ARRAY_SIZE(allowed), allowed, args);
    kpu_model_obj_t *m = kpu_get_model(args[ARG_m].u_obj, "forward");
    mp_int_t index = args[ARG_index].u_obj != MP_OBJ_NULL ? mp_obj_get_int(args[ARG_index].u_obj) : 0;
    mp_obj_t out = args[ARG_out].u_obj;
    uint32_t n = m->run_layers ? m->run_layers : m->km.layers;
    bool whole = n == m->km.layers;
    if (whole && (index < 0 || (mp_uint_t)index >= m->km.outputs)) {
        mp_raise_msg_varg(&mp_type_ValueError, MP_ERROR_TEXT("kpu.forward: output index %ld out of range: %s has %u output(s)"),
            (long)index, m->source, (unsigned)m->km.outputs);
    }
    if (!whole && out != mp_const_none) {
        mp_raise_msg_varg(&mp_type_ValueError,
            MP_ERROR_TEXT("kpu.forward: out= reads a complete run; %s runs %u of %u layers (kpu.set_layers(m, 0) for all)"),
            m->source, (unsigned)n, (unsigned)m->km.layers);
    }
    const uint8_t *input = kpu_input_bytes(m, args[ARG_src].u_obj);
    m->valid_run = 0;   // views of the previous run are stale from here on, whatever happens
    kmodel_err_t e;
    kmodel_set_stop_hook(ctrl_c_pending);
    if (m->km.fmt->run(&m->km, input, n, &e) != 0) {
        kpu_raise_err(&e);
    }
    if (!whole) {
        // a partial run (set_layers): the last layer's output, copied as before
        kmodel_tensor_t t;
        void *items;
        m->km.fmt->layer_output(&m->km, n - 1, &t, NULL);
        mp_obj_t a = new_array(t.dtype == KMODEL_F32 ? 'f' : 'B', t.dtype == KMODEL_F32 ? t.bytes / 4 : t.bytes, &items);
        m->km.fmt->layer_output(&m->km, n - 1, &t, items);
        return a;
    }
    kpu_outputs_settle(m);
    m->runs = m->runs + 1 ? m->runs + 1 : 1;   // 0 means "no run"
    m->valid_run = m->runs;
    if (out != mp_const_none) {
        return kpu_output_into(m, (mp_uint_t)index, out, "forward");
    }
    return kpu_output_view(m, (mp_uint_t)index, "forward");
}
static MP_DEFINE_CONST_FUN_OBJ_KW(kpu_forward_obj, 2, kpu_forward);

// get_output(m, index, *, out=None): output `index` of the last run, without running again.
static mp_obj_t kpu_get_output(size_t n_args, const mp_obj_t *pos_args, mp_map_t *kw_args) {
    enum { ARG_m, ARG_index, ARG_out };
    static const mp_arg_t allowed[] = {
        { MP_QSTR_m, MP_ARG_REQUIRED | MP_ARG_OBJ, { .u_obj = MP_OBJ_NULL } },
        { MP_QSTR_index, MP_ARG_REQUIRED | MP_ARG_OBJ, { .u_obj = MP_OBJ_NULL } },
        { MP_QSTR_out, MP_ARG_KW_ONLY | MP_ARG_OBJ, { .u_obj = mp_const_none } },
    };
    mp_arg_val_t args[MP_ARRAY_SIZE(allowed)];
    mp_arg_parse_all(n_args, pos_args, kw_args, MP_ARRAY_SIZE(allowed), allowed, args);
    kpu_model_obj_t *m = kpu_get_model(args[ARG_m].u_obj, "get_output");
    mp_int_t index = mp_obj_get_int(args[ARG_index].u_obj);
    if (index < 0 || (mp_uint_t)index >= m->km.outputs) {
        mp_raise_msg_varg(&mp_type_ValueError, MP_ERROR_TEXT("kpu.get_output: output index %ld out of range: %s has %u output(s)"),
            (long)index, m->source, (unsigned)m->km.outputs);
    }
    if (args[ARG_out].u_obj != mp_const_none) {
        return kpu_output_into(m, (mp_uint_t)index, args[ARG_out].u_obj, "get_output");
    }
    return kpu_output_view(m, (mp_uint_t)index, "get_output");
}
static MP_DEFINE_CONST_FUN_OBJ_KW(kpu_get_output_obj, 2, kpu_get_output);

// outputs(m): a tuple of views of every output of the last run.
static mp_obj_t kpu_outputs(mp_obj_t obj) {
    kpu_model_obj_t *m = kpu_get_model(obj, "outputs");
    mp_obj_tuple_t *t = MP_OBJ_TO_PTR(mp_obj_new_tuple(m->km.outputs, NULL));
    for (uint32_t i = 0; i < m->km.outputs; i++) {
        t->items[i] = kpu_output_view(m, i, "outputs");
    }
    return MP_OBJ_FROM_PTR(t);
}
static MP_DEFINE_CONST_FUN_OBJ_1(kpu_outputs_obj, kpu_outputs);

// --- deinit and the finaliser ---

static void model_release(kpu_model_obj_t *m) {
    kpu_io_release(m);
    if (kpu_model_live(m)) {
        kmodel_free(&m->km);
    }
    m->km.block = NULL;
    m->live = false;
}

static mp_obj_t kpu_deinit(mp_obj_t obj) {
    kpu_get_model(obj, "deinit");
    model_release(MP_OBJ_TO_PTR(obj));
    return mp_const_true;
}
static MP_DEFINE_CONST_FUN_OBJ_1(kpu_deinit_obj, kpu_deinit);

static mp_obj_t model_del(mp_obj_t obj) {
    model_release(MP_OBJ_TO_PTR(obj));
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_1(model_del_obj, model_del);

// Soft reset: every model's block goes back to the pool (the objects' finalisers then find
// them dead through the ledger epoch).
void kpu_deinit_all(void) {
    kpu_ledger_free_all();
    next_model_id = 1;
}

// --- set_outputs / set_layers / act rule ---

static mp_obj_t kpu_set_outputs(size_t n_args, const mp_obj_t *args) {
    kpu_model_obj_t *m = kpu_get_model(args[0], "set_outputs");
    mp_int_t idx = mp_obj_get_int(args[1]), w = mp_obj_get_int(args[2]), h = mp_obj_get_int(args[3]),
        ch = mp_obj_get_int(args[4]);
    if (idx < 0 || (mp_uint_t)idx >= m->km.outputs) {
        mp_raise_msg_varg(&mp_type_ValueError, MP_ERROR_TEXT("kpu.set_outputs: output index %ld out of range: %s has %u output(s)"),
            (long)idx, m->source, (unsigned)m->km.outputs);
    }
    kmodel_tensor_t t;
    m->km.fmt->output(&m->km, (uint32_t)idx, &t, NULL);
    uint32_t values = t.dtype == KMODEL_F32 ? t.bytes / 4 : t.bytes;
    // each factor bounded first, so the product cannot wrap round to a match
    if (w <= 0 || h <= 0 || ch <= 0 || (mp_uint_t)w > values || (mp_uint_t)h > values || (mp_uint_t)ch > values
        || (uint64_t)w * h * ch != values) {
        mp_raise_msg_varg(&mp_type_ValueError,
            MP_ERROR_TEXT("kpu.set_outputs: w*h*ch = %ld*%ld*%ld does not match output %d of %s (%u values)"),
            (long)w, (long)h, (long)ch, (int)idx, m->source, (unsigned)values);
    }
    return mp_const_true;
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(kpu_set_outputs_obj, 5, 5, kpu_set_outputs);

static mp_obj_t kpu_set_layers(mp_obj_t obj, mp_obj_t n_in) {
    kpu_model_obj_t *m = kpu_get_model(obj, "set_layers");
    mp_int_t n = mp_obj_get_int(n_in);
    if (n > (mp_int_t)m->km.layers) {
        mp_raise_msg_varg(&mp_type_ValueError, MP_ERROR_TEXT("kpu.set_layers: %ld layers requested, %s has %u"),
            (long)n, m->source, (unsigned)m->km.layers);
    }
    m->run_layers = n <= 0 || n == (mp_int_t)m->km.layers ? 0 : (uint32_t)n;
    return mp_const_true;
}
static MP_DEFINE_CONST_FUN_OBJ_2(kpu_set_layers_obj, kpu_set_layers);

static mp_obj_t kpu_set_act_rule(mp_obj_t obj, mp_obj_t rule_in) {
    kpu_model_obj_t *m = kpu_get_model(obj, "set_act_rule");
    mp_int_t r = mp_obj_get_int(rule_in);
    if (r != KPU_ACT_RULE_NNCASE01 && r != KPU_ACT_RULE_NNCASE02) {
        mp_raise_msg_varg(&mp_type_ValueError,
            MP_ERROR_TEXT("kpu.set_act_rule: %ld (use kpu.ACT_RULE_NNCASE01 or kpu.ACT_RULE_NNCASE02)"), (long)r);
    }
    mp_obj_t old = MP_OBJ_NEW_SMALL_INT(m->km.act_rule);
    m->km.act_rule = (kpu_act_rule_t)r;
    return old;
}
static MP_DEFINE_CONST_FUN_OBJ_2(kpu_set_act_rule_obj, kpu_set_act_rule);

// --- netinfo / mem_info ---

static mp_obj_t shape_tuple(const kmodel_tensor_t *t) {
    mp_obj_t items[3] = { MP_OBJ_NEW_SMALL_INT(t->c), MP_OBJ_NEW_SMALL_INT(t->h), MP_OBJ_NEW_SMALL_INT(t->w) };
    return mp_obj_new_tuple(3, items);
}

static void dict_set(mp_obj_t d, qstr key, mp_obj_t v) {
    mp_obj_dict_store(d, MP_OBJ_NEW_QSTR(key), v);
}

static mp_obj_t kpu_netinfo(mp_obj_t obj) {
    kpu_model_obj_t *m = kpu_get_model(obj, "netinfo");
    mp_obj_t list = mp_obj_new_list(0, NULL);
    for (uint32_t i = 0; i < m->km.layers; i++) {
        kmodel_layer_info_t li;
        m->km.fmt->layer_info(&m->km, i, &li);
        mp_obj_t d = mp_obj_new_dict(12);
        dict_set(d, MP_QSTR_index, MP_OBJ_NEW_SMALL_INT(i));
        dict_set(d, MP_QSTR_type, mp_obj_new_str(li.name, strlen(li.name)));
        dict_set(d, MP_QSTR_kpu, mp_obj_new_bool(li.on_kpu));
        dict_set(d, MP_QSTR_in_shape, shape_tuple(&li.in));
        dict_set(d, MP_QSTR_in_type, MP_OBJ_NEW_QSTR(li.in.dtype == KMODEL_F32 ? MP_QSTR_f : MP_QSTR_B));
        dict_set(d, MP_QSTR_out_shape, shape_tuple(&li.out));
        dict_set(d, MP_QSTR_out_type, MP_OBJ_NEW_QSTR(li.out.dtype == KMODEL_F32 ? MP_QSTR_f : MP_QSTR_B));
        dict_set(d, MP_QSTR_bytes, mp_obj_new_int_from_uint(li.body_bytes));
        // predicted silicon time (kpu_timing.c); the model's total is the sum over layers
        dict_set(d, MP_QSTR_predicted_ms, mp_obj_new_float((mp_float_t)kpu_timing_ns(&li) / 1e6));
        if (li.on_kpu) {
            dict_set(d, MP_QSTR_kernel, MP_OBJ_NEW_SMALL_INT(li.kernel));
            dict_set(d, MP_QSTR_pool, MP_OBJ_NEW_SMALL_INT(li.pool));
            dict_set(d, MP_QSTR_depthwise, mp_obj_new_bool(li.depthwise));
            dict_set(d, MP_QSTR_main_out, mp_obj_new_bool(li.main_out));
            dict_set(d, MP_QSTR_weights, mp_obj_new_int_from_uint(li.weight_bytes));
        }
        mp_obj_list_append(list, d);
    }
    return list;
}
static MP_DEFINE_CONST_FUN_OBJ_1(kpu_netinfo_obj, kpu_netinfo);

static mp_obj_t uint_obj(size_t v) {
    return mp_obj_new_int_from_uint(v);
}

static mp_obj_t kpu_mem_info(void) {
    const kpu_mem_t *mb = kpu_mem();
    kpu_ledger_stats_t st;
    kpu_ledger_stats(&st);
    // models: tag -> bytes of model blocks; buffers: LedgerBufs (images, frames) apart;
    // blocks: every live block in address order as (tag, bytes)
    mp_obj_t models = mp_obj_new_dict(0);
    mp_obj_t blocks = mp_obj_new_list(0, NULL);
    size_t buffers = 0;
    kpu_ledger_block_t blk;
    for (unsigned i = 0; kpu_ledger_block(i, &blk); i++) {
        mp_obj_t key = mp_obj_new_str(blk.tag, strlen(blk.tag));
        mp_obj_t pair[2] = { key, uint_obj(blk.bytes) };
        mp_obj_list_append(blocks, mp_obj_new_tuple(2, pair));
        if (blk.owner == KPU_LEDGER_OWNER_BUFFERS) {
            buffers += blk.bytes;
            continue;
        }
        mp_map_elem_t *el = mp_map_lookup(mp_obj_dict_get_map(models), key, MP_MAP_LOOKUP);
        size_t prev = el ? mp_obj_get_int(el->value) : 0;
        mp_obj_dict_store(models, key, uint_obj(prev + blk.bytes));
    }
    mp_obj_t d = mp_obj_new_dict(14);
    dict_set(d, MP_QSTR_total, uint_obj(K210_SRAM_BYTES + K210_AI_SRAM_BYTES));
    dict_set(d, MP_QSTR_image, uint_obj(mb->image_bytes));
    dict_set(d, MP_QSTR_stacks, uint_obj(mb->stack_bytes));
    dict_set(d, MP_QSTR_gc_heap, uint_obj(mb->gc_heap_bytes));
    dict_set(d, MP_QSTR_pool, uint_obj(mb->pool_bytes));
    dict_set(d, MP_QSTR_models, models);
    dict_set(d, MP_QSTR_models_bytes, uint_obj(st.used_bytes - buffers));
    dict_set(d, MP_QSTR_buffers, uint_obj(buffers));
    dict_set(d, MP_QSTR_blocks, blocks);
    dict_set(d, MP_QSTR_free, uint_obj(st.free_bytes));
    dict_set(d, MP_QSTR_largest_free, uint_obj(st.largest_free));
    dict_set(d, MP_QSTR_pool_align, uint_obj(st.align_loss));
    dict_set(d, MP_QSTR_ai_sram, uint_obj(mb->ai_sram_bytes));
    // streamed models (stream=True): their resident part and buffers (both inside models_bytes)
    // and the weight bytes they leave in flash
    kpu_stream_totals_t t;
    kpu_stream_totals(&t);
    mp_obj_t sd = mp_obj_new_dict(4);
    dict_set(sd, MP_QSTR_models, uint_obj(t.models));
    dict_set(sd, MP_QSTR_resident, uint_obj(t.resident));
    dict_set(sd, MP_QSTR_buffers, uint_obj(t.buffers));
    dict_set(sd, MP_QSTR_flash, uint_obj(t.flash));
    dict_set(d, MP_QSTR_stream, sd);
    return d;
}
static MP_DEFINE_CONST_FUN_OBJ_0(kpu_mem_info_obj, kpu_mem_info);

// stream_info(m[, spi_hz]): a streamed model's figures: what stays resident, its buffers, the
// flash bytes one forward reads (and the last one read), and the predicted forward times (ms)
// resident and streamed at spi_hz (default: the one given at load) from the silicon timing and
// flash rate models (kpu_stream.h).
static mp_obj_t kpu_stream_info(size_t n_args, const mp_obj_t *args) {
    kpu_model_obj_t *m = kpu_get_model(args[0], "stream_info");
    const kpu_stream_t *s = m->km.stream;
    if (s == NULL) {
        mp_raise_msg_varg(&mp_type_ValueError, MP_ERROR_TEXT("kpu.stream_info: %s was loaded resident; load it with stream=True"),
            m->source);
    }
    uint32_t hz = s->spi_hz;
    if (n_args > 1) {
        mp_int_t v = mp_obj_get_int(args[1]);
        if (v < 1000000 || v > (mp_int_t)KPU_STREAM_MAX_SPI_HZ) {
            mp_raise_msg_varg(&mp_type_ValueError, MP_ERROR_TEXT("kpu.stream_info: spi_hz=%ld is outside 1,000,000..%u"), (long)v,
                (unsigned)KPU_STREAM_MAX_SPI_HZ);
        }
        hz = (uint32_t)v;
    }
    kpu_stream_times_t t;
    kpu_stream_predict(&m->km, hz, &t);
    mp_obj_t d = mp_obj_new_dict(14);
    dict_set(d, MP_QSTR_resident, uint_obj(s->resident_charge));
    dict_set(d, MP_QSTR_buffers, uint_obj(s->buffers_charge));
    dict_set(d, MP_QSTR_buffer_count, uint_obj(s->nbufs));
    dict_set(d, MP_QSTR_window, uint_obj(s->window));
    dict_set(d, MP_QSTR_layers, uint_obj(s->n));
    dict_set(d, MP_QSTR_largest, uint_obj(s->largest));
    dict_set(d, MP_QSTR_flash, uint_obj(s->flash_bytes));
    dict_set(d, MP_QSTR_last_forward_flash, uint_obj(s->last_bytes));
    dict_set(d, MP_QSTR_forwards, uint_obj(s->forwards));
    dict_set(d, MP_QSTR_swapped, mp_obj_new_bool(s->swapped));
    dict_set(d, MP_QSTR_spi_hz, uint_obj(hz));
    dict_set(d, MP_QSTR_resident_ms, mp_obj_new_float((mp_float_t)t.resident_ns / 1e6));
    dict_set(d, MP_QSTR_stream_ms, mp_obj_new_float((mp_float_t)t.stream_ns / 1e6));
    dict_set(d, MP_QSTR_read_ms, mp_obj_new_float((mp_float_t)t.read_ns / 1e6));
    return d;
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(kpu_stream_info_obj, 1, 2, kpu_stream_info);

// --- the model type ---

static void model_print(const mp_print_t *print, mp_obj_t self_in, mp_print_kind_t kind) {
    (void)kind;
    kpu_model_obj_t *m = MP_OBJ_TO_PTR(self_in);
    if (!kpu_model_live(m)) {
        mp_printf(print, "<kpu.Model %s (deinitialised)>", m->source);
        return;
    }
    mp_printf(print, "<kpu.Model v%d %s: %u B, input ", m->km.fmt->version, m->source, (unsigned)m->km.charge);
    print_tensor(print, &m->km.input);
    mp_printf(print, ", outputs [");
    for (uint32_t i = 0; i < m->km.outputs; i++) {
        kmodel_tensor_t t;
        m->km.fmt->output(&m->km, i, &t, NULL);
        mp_printf(print, i ? ", " : "");
        print_tensor(print, &t);
    }
    mp_printf(print, "], %u layers>", (unsigned)m->km.layers);
}

static void model_attr(mp_obj_t self_in, qstr attr, mp_obj_t *dest) {
    kpu_model_obj_t *m = MP_OBJ_TO_PTR(self_in);
    if (dest[0] != MP_OBJ_NULL) {
        return;   // read-only
    }
    bool live = kpu_model_live(m);
    switch (attr) {
        case MP_QSTR_source:
            dest[0] = mp_obj_new_str(m->source, strlen(m->source));
            return;
        case MP_QSTR_live:
            dest[0] = mp_obj_new_bool(live);
            return;
        case MP_QSTR_id:   // the '#N' of its ledger blocks in kpu.mem_info()
            dest[0] = MP_OBJ_NEW_SMALL_INT(m->id);
            return;
        default:
            break;
    }
    if (live) {
        switch (attr) {
            case MP_QSTR_version:
                dest[0] = MP_OBJ_NEW_SMALL_INT(m->km.fmt->version);
                return;
            case MP_QSTR_charge:
                dest[0] = uint_obj(m->km.charge);
                return;
            case MP_QSTR_layers:
                dest[0] = MP_OBJ_NEW_SMALL_INT(m->km.layers);
                return;
            case MP_QSTR_outputs:
                dest[0] = MP_OBJ_NEW_SMALL_INT(m->km.outputs);
                return;
            case MP_QSTR_input_shape:
                dest[0] = shape_tuple(&m->km.input);
                return;
            case MP_QSTR_input_type:
                dest[0] = MP_OBJ_NEW_QSTR(m->km.input.dtype == KMODEL_F32 ? MP_QSTR_f : MP_QSTR_B);
                return;
            case MP_QSTR_input_bytes:
                dest[0] = uint_obj(m->km.input.bytes);
                return;
            default:
                break;
        }
    }
    dest[1] = MP_OBJ_SENTINEL;   // continue in locals_dict (__del__)
}

static const mp_rom_map_elem_t model_locals_table[] = {
    { MP_ROM_QSTR(MP_QSTR___del__), MP_ROM_PTR(&model_del_obj) },
};
static MP_DEFINE_CONST_DICT(model_locals, model_locals_table);

MP_DEFINE_CONST_OBJ_TYPE(
    kpu_model_type, MP_QSTR_Model, MP_TYPE_FLAG_NONE,
    print, model_print,
    attr, model_attr,
    locals_dict, &model_locals
    );

static const mp_rom_map_elem_t kpu_module_table[] = {
    { MP_ROM_QSTR(MP_QSTR___name__), MP_ROM_QSTR(MP_QSTR_kpu) },
    { MP_ROM_QSTR(MP_QSTR_load), MP_ROM_PTR(&kpu_load_obj) },
    { MP_ROM_QSTR(MP_QSTR_forward), MP_ROM_PTR(&kpu_forward_obj) },
    { MP_ROM_QSTR(MP_QSTR_get_output), MP_ROM_PTR(&kpu_get_output_obj) },
    { MP_ROM_QSTR(MP_QSTR_outputs), MP_ROM_PTR(&kpu_outputs_obj) },
    { MP_ROM_QSTR(MP_QSTR_Output), MP_ROM_PTR(&kpu_output_type) },
    { MP_ROM_QSTR(MP_QSTR_deinit), MP_ROM_PTR(&kpu_deinit_obj) },
    { MP_ROM_QSTR(MP_QSTR_stream_info), MP_ROM_PTR(&kpu_stream_info_obj) },
    { MP_ROM_QSTR(MP_QSTR_set_outputs), MP_ROM_PTR(&kpu_set_outputs_obj) },
    { MP_ROM_QSTR(MP_QSTR_set_layers), MP_ROM_PTR(&kpu_set_layers_obj) },
    { MP_ROM_QSTR(MP_QSTR_set_act_rule), MP_ROM_PTR(&kpu_set_act_rule_obj) },
    { MP_ROM_QSTR(MP_QSTR_netinfo), MP_ROM_PTR(&kpu_netinfo_obj) },
    { MP_ROM_QSTR(MP_QSTR_mem_info), MP_ROM_PTR(&kpu_mem_info_obj) },
    { MP_ROM_QSTR(MP_QSTR_Model), MP_ROM_PTR(&kpu_model_type) },
    { MP_ROM_QSTR(MP_QSTR_LedgerBuf), MP_ROM_PTR(&kpu_ledger_buf_type) },
    { MP_ROM_QSTR(MP_QSTR_ACT_RULE_NNCASE01), MP_ROM_INT(KPU_ACT_RULE_NNCASE01) },
    { MP_ROM_QSTR(MP_QSTR_ACT_RULE_NNCASE02), MP_ROM_INT(KPU_ACT_RULE_NNCASE02) },
};
static MP_DEFINE_CONST_DICT(kpu_module_globals, kpu_module_table);

const mp_obj_module_t kpu_module = {
    .base = { &mp_type_module },
    .globals = (mp_obj_dict_t *)&kpu_module_globals,
};

MP_REGISTER_MODULE(MP_QSTR_kpu, kpu_module);
