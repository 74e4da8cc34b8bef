// The select module: poll objects over anything with a stream ioctl (sys.stdin, files, Python
// classes derived from io.IOBase with an ioctl method). Waiting polls every registered object
// about once a millisecond, runs pending callbacks and lets Ctrl-C through.
#include "py/runtime.h"
#include "py/stream.h"
#include "py/mperrno.h"
#include "py/mphal.h"

#define POLL_FLAG_ONESHOT (1)

typedef struct {
    mp_obj_base_t base;
    mp_map_t map;              // registered object -> small int event mask
    mp_obj_t ret_tuple;        // ipoll(): one (obj, events) tuple reused for every result
    size_t iter_cur;           // ipoll(): map slot to continue from
    size_t iter_left;          // ipoll(): ready objects not yet yielded
    uint8_t flags;
} poll_obj_t;

static mp_uint_t events_of(mp_obj_t obj, mp_uint_t mask) {
    const mp_stream_p_t *sp = mp_get_stream(obj);
    int err = 0;
    // errors and hang-ups are always reported, as in POSIX
    mp_uint_t ret = sp->ioctl(obj, MP_STREAM_POLL, mask, &err);
    if (ret == MP_STREAM_ERROR) {
        mp_raise_OSError(err);
    }
    return ret & (mask | MP_STREAM_POLL_ERR | MP_STREAM_POLL_HUP);
}

// Polls every registered object once; returns how many have events (stored in their map value
// as mask | events << 16 until the caller collects them).
static size_t poll_once(poll_obj_t *self) {
    size_t n = 0;
    for (size_t i = 0; i < self->map.alloc; i++) {
        mp_map_elem_t *e = &self->map.table[i];
        if (!mp_map_slot_is_filled(&self->map, i)) {
            continue;
        }
        mp_uint_t mask = MP_OBJ_SMALL_INT_VALUE(e->value) & 0xffff;
        mp_uint_t ev = events_of(e->key, mask);
        e->value = MP_OBJ_NEW_SMALL_INT(mask | ev << 16);
        n += ev != 0;
    }
    return n;
}

// Waits up to timeout_ms (-1: forever) for an object to have events.
static size_t poll_wait(poll_obj_t *self, mp_int_t timeout_ms) {
    mp_uint_t start = mp_hal_ticks_ms();
    for (;;) {
        size_t n = poll_once(self);
        if (n > 0 || timeout_ms == 0 ||
            (timeout_ms > 0 && (mp_int_t)(mp_hal_ticks_ms() - start) >= timeout_ms)) {
            return n;
        }
        mp_handle_pending(true);
        mp_hal_delay_ms(1);
    }
}

static mp_int_t timeout_arg(size_t n_args, const mp_obj_t *args) {
    if (n_args < 2 || args[1] == mp_const_none) {
        return -1;
    }
    mp_int_t t = mp_obj_get_int(args[1]);
    return t < 0 ? -1 : t;
}

static mp_obj_t poll_register(size_t n_args, const mp_obj_t *args) {
    poll_obj_t *self = MP_OBJ_TO_PTR(args[0]);
    mp_get_stream_raise(args[1], MP_STREAM_OP_IOCTL);
    mp_uint_t mask = n_args > 2 ? (mp_uint_t)mp_obj_get_int(args[2]) & 0xffff
                                : MP_STREAM_POLL_RD | MP_STREAM_POLL_WR;
    mp_map_lookup(&self->map, args[1], MP_MAP_LOOKUP_ADD_IF_NOT_FOUND)->value = MP_OBJ_NEW_SMALL_INT(mask);
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(poll_register_obj, 2, 3, poll_register);

static mp_obj_t poll_unregister(mp_obj_t self_in, mp_obj_t obj) {
    poll_obj_t *self = MP_OBJ_TO_PTR(self_in);
    mp_map_lookup(&self->map, obj, MP_MAP_LOOKUP_REMOVE_IF_FOUND);   // unknown objects: no error
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_2(poll_unregister_obj, poll_unregister);

static mp_obj_t poll_modify(mp_obj_t self_in, mp_obj_t obj, mp_obj_t mask_in) {
    poll_obj_t *self = MP_OBJ_TO_PTR(self_in);
    mp_map_elem_t *e = mp_map_lookup(&self->map, obj, MP_MAP_LOOKUP);
    if (e == NULL) {
        mp_raise_OSError(MP_ENOENT);   // the object was never registered
    }
    e->value = MP_OBJ_NEW_SMALL_INT(mp_obj_get_int(mask_in) & 0xffff);
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_3(poll_modify_obj, poll_modify);

// Takes the events found by poll_once from slot i; one-shot mode then stops watching the object.
static mp_uint_t collect(poll_obj_t *self, mp_map_elem_t *e) {
    mp_uint_t v = MP_OBJ_SMALL_INT_VALUE(e->value);
    mp_uint_t mask = (self->flags & POLL_FLAG_ONESHOT) ? 0 : (v & 0xffff);
    e->value = MP_OBJ_NEW_SMALL_INT(mask);
    return v >> 16;
}

// poll([timeout_ms]) -> [(obj, events), ...]
static mp_obj_t poll_poll(size_t n_args, const mp_obj_t *args) {
    poll_obj_t *self = MP_OBJ_TO_PTR(args[0]);
    self->flags = 0;
    size_t n = poll_wait(self, timeout_arg(n_args, args));
    mp_obj_t list = mp_obj_new_list(n, NULL);
    size_t k = 0;
    for (size_t i = 0; i < self->map.alloc && k < n; i++) {
        mp_map_elem_t *e = &self->map.table[i];
        if (!mp_map_slot_is_filled(&self->map, i) || (MP_OBJ_SMALL_INT_VALUE(e->value) >> 16) == 0) {
            continue;
        }
        mp_obj_t t[2] = { e->key, MP_OBJ_NEW_SMALL_INT(collect(self, e)) };
        mp_obj_list_store(list, MP_OBJ_NEW_SMALL_INT(k++), mp_obj_new_tuple(2, t));
    }
    return list;
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(poll_poll_obj, 1, 2, poll_poll);

// ipoll([timeout_ms[, flags]]) -> iterator of (obj, events), without allocating per result;
// flags=1 is one-shot: a reported object is not watched again until modify() or register().
static mp_obj_t poll_ipoll(size_t n_args, const mp_obj_t *args) {
    poll_obj_t *self = MP_OBJ_TO_PTR(args[0]);
    self->flags = n_args > 2 ? (uint8_t)mp_obj_get_int(args[2]) : 0;
    if (self->ret_tuple == MP_OBJ_NULL) {
        self->ret_tuple = mp_obj_new_tuple(2, NULL);
    }
    self->iter_left = poll_wait(self, timeout_arg(n_args, args));
    self->iter_cur = 0;
    return args[0];
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(poll_ipoll_obj, 1, 3, poll_ipoll);

static mp_obj_t poll_iternext(mp_obj_t self_in) {
    poll_obj_t *self = MP_OBJ_TO_PTR(self_in);
    while (self->iter_left > 0 && self->iter_cur < self->map.alloc) {
        size_t i = self->iter_cur++;
        mp_map_elem_t *e = &self->map.table[i];
        if (!mp_map_slot_is_filled(&self->map, i) || (MP_OBJ_SMALL_INT_VALUE(e->value) >> 16) == 0) {
            continue;
        }
        self->iter_left--;
        mp_obj_tuple_t *t = MP_OBJ_TO_PTR(self->ret_tuple);
        t->items[0] = e->key;
        t->items[1] = MP_OBJ_NEW_SMALL_INT(collect(self, e));
        return self->ret_tuple;
    }
    return MP_OBJ_STOP_ITERATION;
}

static const mp_rom_map_elem_t poll_locals_table[] = {
    { MP_ROM_QSTR(MP_QSTR_register), MP_ROM_PTR(&poll_register_obj) },
    { MP_ROM_QSTR(MP_QSTR_unregister), MP_ROM_PTR(&poll_unregister_obj) },
    { MP_ROM_QSTR(MP_QSTR_modify), MP_ROM_PTR(&poll_modify_obj) },
    { MP_ROM_QSTR(MP_QSTR_poll), MP_ROM_PTR(&poll_poll_obj) },
    { MP_ROM_QSTR(MP_QSTR_ipoll), MP_ROM_PTR(&poll_ipoll_obj) },
};
static MP_DEFINE_CONST_DICT(poll_locals, poll_locals_table);

static MP_DEFINE_CONST_OBJ_TYPE(select_poll_type, MP_QSTR_poll, MP_TYPE_FLAG_ITER_IS_ITERNEXT,
    iter, poll_iternext, locals_dict, &poll_locals);

static mp_obj_t select_poll(void) {
    poll_obj_t *self = mp_obj_malloc(poll_obj_t, &select_poll_type);
    mp_map_init(&self->map, 0);
    self->ret_tuple = MP_OBJ_NULL;
    self->iter_cur = self->iter_left = 0;
    self->flags = 0;
    return MP_OBJ_FROM_PTR(self);
}
static MP_DEFINE_CONST_FUN_OBJ_0(select_poll_obj, select_poll);

static const mp_rom_map_elem_t select_module_globals_table[] = {
    { MP_ROM_QSTR(MP_QSTR___name__), MP_ROM_QSTR(MP_QSTR_select) },
    { MP_ROM_QSTR(MP_QSTR_poll), MP_ROM_PTR(&select_poll_obj) },
    { MP_ROM_QSTR(MP_QSTR_POLLIN), MP_ROM_INT(MP_STREAM_POLL_RD) },
    { MP_ROM_QSTR(MP_QSTR_POLLOUT), MP_ROM_INT(MP_STREAM_POLL_WR) },
    { MP_ROM_QSTR(MP_QSTR_POLLERR), MP_ROM_INT(MP_STREAM_POLL_ERR) },
    { MP_ROM_QSTR(MP_QSTR_POLLHUP), MP_ROM_INT(MP_STREAM_POLL_HUP) },
};
static MP_DEFINE_CONST_DICT(select_module_globals, select_module_globals_table);

const mp_obj_module_t k210_select_module = {
    .base = { &mp_type_module },
    .globals = (mp_obj_dict_t *)&select_module_globals,
};

MP_REGISTER_EXTENSIBLE_MODULE(MP_QSTR_select, k210_select_module);
