// The time module: sleeps that Ctrl-C can interrupt, wrapping tick counters, and the clock.
#include "py/runtime.h"
#include "py/smallint.h"
#include "py/mphal.h"
#include "shared/timeutils/timeutils.h"

#define TICKS_PERIOD (MICROPY_PY_TIME_TICKS_PERIOD)
#define TICKS_MAX    (TICKS_PERIOD - 1)
#define TICKS_HALF   (TICKS_PERIOD / 2)

// Sleeps in short slices so a KeyboardInterrupt or scheduled callback is raised promptly.
static void sleep_us_interruptible(uint64_t us) {
    mp_uint_t start = mp_hal_ticks_us();
    for (;;) {
        mp_handle_pending(true);
        uint64_t spent = (mp_uint_t)(mp_hal_ticks_us() - start);
        if (spent >= us) {
            return;
        }
        uint64_t left = us - spent;
        mp_hal_delay_us(left > 10000 ? 10000 : (mp_uint_t)left);
    }
}

static mp_obj_t time_sleep(mp_obj_t secs_in) {
    mp_float_t secs = mp_obj_get_float(secs_in);
    if (secs > 0) {
        sleep_us_interruptible((uint64_t)(secs * 1000000));
    }
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_1(time_sleep_obj, time_sleep);

static mp_obj_t time_sleep_ms(mp_obj_t ms_in) {
    mp_int_t ms = mp_obj_get_int(ms_in);
    if (ms > 0) {
        sleep_us_interruptible((uint64_t)ms * 1000);
    }
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_1(time_sleep_ms_obj, time_sleep_ms);

static mp_obj_t time_sleep_us(mp_obj_t us_in) {
    mp_int_t us = mp_obj_get_int(us_in);
    if (us > 0) {
        sleep_us_interruptible((uint64_t)us);
    }
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_1(time_sleep_us_obj, time_sleep_us);

static mp_obj_t time_ticks_ms(void) {
    return MP_OBJ_NEW_SMALL_INT(mp_hal_ticks_ms() & TICKS_MAX);
}
static MP_DEFINE_CONST_FUN_OBJ_0(time_ticks_ms_obj, time_ticks_ms);

static mp_obj_t time_ticks_us(void) {
    return MP_OBJ_NEW_SMALL_INT(mp_hal_ticks_us() & TICKS_MAX);
}
static MP_DEFINE_CONST_FUN_OBJ_0(time_ticks_us_obj, time_ticks_us);

static mp_obj_t time_ticks_cpu(void) {
    return MP_OBJ_NEW_SMALL_INT(mp_hal_ticks_cpu() & TICKS_MAX);
}
static MP_DEFINE_CONST_FUN_OBJ_0(time_ticks_cpu_obj, time_ticks_cpu);

static mp_obj_t time_ticks_diff(mp_obj_t end_in, mp_obj_t start_in) {
    mp_uint_t diff = (MP_OBJ_SMALL_INT_VALUE(end_in) - MP_OBJ_SMALL_INT_VALUE(start_in) + TICKS_HALF) & TICKS_MAX;
    return MP_OBJ_NEW_SMALL_INT((mp_int_t)diff - TICKS_HALF);
}
static MP_DEFINE_CONST_FUN_OBJ_2(time_ticks_diff_obj, time_ticks_diff);

static mp_obj_t time_ticks_add(mp_obj_t ticks_in, mp_obj_t delta_in) {
    mp_int_t delta = mp_obj_get_int(delta_in);
    // Exclusive at both ends, so ticks_diff(T, ticks_add(T, d)) == -d holds for every accepted d.
    if (delta <= -(mp_int_t)TICKS_HALF || delta >= (mp_int_t)TICKS_HALF) {
        mp_raise_msg_varg(&mp_type_OverflowError, MP_ERROR_TEXT("ticks_add: delta %d must be strictly between -%d and %d"),
            (int)delta, (int)TICKS_HALF, (int)TICKS_HALF);
    }
    return MP_OBJ_NEW_SMALL_INT((MP_OBJ_SMALL_INT_VALUE(ticks_in) + delta) & TICKS_MAX);
}
static MP_DEFINE_CONST_FUN_OBJ_2(time_ticks_add_obj, time_ticks_add);

static mp_obj_t time_time(void) {
    return mp_obj_new_int_from_ull(mp_hal_time_ns() / 1000000000ull);
}
static MP_DEFINE_CONST_FUN_OBJ_0(time_time_obj, time_time);

static mp_obj_t time_time_ns(void) {
    return mp_obj_new_int_from_ull(mp_hal_time_ns());
}
static MP_DEFINE_CONST_FUN_OBJ_0(time_time_ns_obj, time_time_ns);

static mp_obj_t time_gmtime(size_t n_args, const mp_obj_t *args) {
    uint64_t secs = n_args == 0 || args[0] == mp_const_none
        ? mp_hal_time_ns() / 1000000000ull : (uint64_t)mp_obj_get_int(args[0]);
    timeutils_struct_time_t tm;
    timeutils_seconds_since_epoch_to_struct_time(secs, &tm);
    mp_obj_t t[8] = {
        mp_obj_new_int(tm.tm_year), mp_obj_new_int(tm.tm_mon), mp_obj_new_int(tm.tm_mday),
        mp_obj_new_int(tm.tm_hour), mp_obj_new_int(tm.tm_min), mp_obj_new_int(tm.tm_sec),
        mp_obj_new_int(tm.tm_wday), mp_obj_new_int(tm.tm_yday),
    };
    return mp_obj_new_tuple(8, t);
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(time_gmtime_obj, 0, 1, time_gmtime);

static mp_obj_t time_mktime(mp_obj_t tuple_in) {
    size_t len;
    mp_obj_t *e;
    mp_obj_get_array(tuple_in, &len, &e);
    if (len < 6 || len > 9) {
        mp_raise_msg_varg(&mp_type_TypeError, MP_ERROR_TEXT("mktime needs a tuple of 6 to 9 items, got %d"), (int)len);
    }
    return mp_obj_new_int_from_ull(timeutils_mktime(mp_obj_get_int(e[0]), mp_obj_get_int(e[1]),
        mp_obj_get_int(e[2]), mp_obj_get_int(e[3]), mp_obj_get_int(e[4]), mp_obj_get_int(e[5])));
}
static MP_DEFINE_CONST_FUN_OBJ_1(time_mktime_obj, time_mktime);

extern const mp_obj_type_t vision_clock_type;

static const mp_rom_map_elem_t time_module_globals_table[] = {
    { MP_ROM_QSTR(MP_QSTR___name__), MP_ROM_QSTR(MP_QSTR_time) },
    { MP_ROM_QSTR(MP_QSTR_sleep), MP_ROM_PTR(&time_sleep_obj) },
    { MP_ROM_QSTR(MP_QSTR_sleep_ms), MP_ROM_PTR(&time_sleep_ms_obj) },
    { MP_ROM_QSTR(MP_QSTR_sleep_us), MP_ROM_PTR(&time_sleep_us_obj) },
    { MP_ROM_QSTR(MP_QSTR_ticks_ms), MP_ROM_PTR(&time_ticks_ms_obj) },
    { MP_ROM_QSTR(MP_QSTR_ticks_us), MP_ROM_PTR(&time_ticks_us_obj) },
    { MP_ROM_QSTR(MP_QSTR_ticks_cpu), MP_ROM_PTR(&time_ticks_cpu_obj) },
    { MP_ROM_QSTR(MP_QSTR_ticks_diff), MP_ROM_PTR(&time_ticks_diff_obj) },
    { MP_ROM_QSTR(MP_QSTR_ticks_add), MP_ROM_PTR(&time_ticks_add_obj) },
    { MP_ROM_QSTR(MP_QSTR_time), MP_ROM_PTR(&time_time_obj) },
    { MP_ROM_QSTR(MP_QSTR_time_ns), MP_ROM_PTR(&time_time_ns_obj) },
    { MP_ROM_QSTR(MP_QSTR_gmtime), MP_ROM_PTR(&time_gmtime_obj) },
    { MP_ROM_QSTR(MP_QSTR_localtime), MP_ROM_PTR(&time_gmtime_obj) },
    { MP_ROM_QSTR(MP_QSTR_mktime), MP_ROM_PTR(&time_mktime_obj) },
    { MP_ROM_QSTR(MP_QSTR_clock), MP_ROM_PTR(&vision_clock_type) },   // modules/vision/clock.c
};
static MP_DEFINE_CONST_DICT(time_module_globals, time_module_globals_table);

const mp_obj_module_t k210_time_module = {
    .base = { &mp_type_module },
    .globals = (mp_obj_dict_t *)&time_module_globals,
};

MP_REGISTER_EXTENSIBLE_MODULE(MP_QSTR_time, k210_time_module);
