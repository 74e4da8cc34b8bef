// machine.RTC: datetime() -> (year, month, day, weekday, hours, minutes, seconds, subseconds)
// as on upstream MicroPython (weekday 0 = Monday, subseconds in microseconds); datetime(t) sets
// the board's clock, which time.time(), time.localtime() and file dates follow.
#include "py/runtime.h"
#include "py/mphal.h"
#include "shared/timeutils/timeutils.h"

#include "board_hal.h"

#define RTC_YEAR_MIN (1970)   // the epoch
#define RTC_YEAR_MAX (2199)

typedef struct {
    mp_obj_base_t base;
} machine_rtc_obj_t;

extern const mp_obj_type_t machine_rtc_type;
static const machine_rtc_obj_t machine_rtc_obj = { { &machine_rtc_type } };

static mp_obj_t machine_rtc_make_new(const mp_obj_type_t *type, size_t n_args, size_t n_kw, const mp_obj_t *args) {
    (void)type;
    mp_arg_check_num(n_args, n_kw, 0, 1, false);   // RTC() or RTC(0): there is one
    if (n_args == 1 && mp_obj_get_int(args[0]) != 0) {
        mp_raise_msg_varg(&mp_type_ValueError, MP_ERROR_TEXT("RTC(%d): the board has only RTC 0"),
            (int)mp_obj_get_int(args[0]));
    }
    return MP_OBJ_FROM_PTR(&machine_rtc_obj);
}

static mp_int_t field(mp_obj_t *items, int i, const char *name, mp_int_t lo, mp_int_t hi) {
    mp_int_t v = mp_obj_get_int(items[i]);
    if (v < lo || v > hi) {
        mp_raise_msg_varg(&mp_type_ValueError,
            MP_ERROR_TEXT("RTC.datetime: %s %d out of range %d..%d"), name, (int)v, (int)lo, (int)hi);
    }
    return v;
}

static void rtc_set_from_tuple(mp_obj_t t_in) {
    size_t n;
    mp_obj_t *items;
    mp_obj_get_array(t_in, &n, &items);
    if (n != 8) {
        mp_raise_msg_varg(&mp_type_ValueError,
            MP_ERROR_TEXT("RTC.datetime needs (year, month, day, weekday, hours, minutes, seconds, subseconds), got %d items"),
            (int)n);
    }
    mp_int_t year = field(items, 0, "year", RTC_YEAR_MIN, RTC_YEAR_MAX);
    mp_int_t month = field(items, 1, "month", 1, 12);
    mp_int_t day = field(items, 2, "day", 1, timeutils_days_in_month(year, month));
    // items[3] (weekday) follows from the date and is ignored, as upstream ports do
    mp_int_t hour = field(items, 4, "hours", 0, 23);
    mp_int_t minute = field(items, 5, "minutes", 0, 59);
    mp_int_t second = field(items, 6, "seconds", 0, 59);
    int r = board_rtc_set(timeutils_mktime(year, month, day, hour, minute, second));
    if (r != 0) {
        mp_raise_OSError(-r);
    }
}

static mp_obj_t machine_rtc_datetime(size_t n_args, const mp_obj_t *args) {
    if (n_args == 2) {
        rtc_set_from_tuple(args[1]);
        return mp_const_none;
    }
    uint64_t ns = mp_hal_time_ns();
    timeutils_struct_time_t tm;
    timeutils_seconds_since_epoch_to_struct_time(ns / 1000000000ull, &tm);
    mp_obj_t t[8] = {
        mp_obj_new_int(tm.tm_year), MP_OBJ_NEW_SMALL_INT(tm.tm_mon), MP_OBJ_NEW_SMALL_INT(tm.tm_mday),
        MP_OBJ_NEW_SMALL_INT(tm.tm_wday), MP_OBJ_NEW_SMALL_INT(tm.tm_hour), MP_OBJ_NEW_SMALL_INT(tm.tm_min),
        MP_OBJ_NEW_SMALL_INT(tm.tm_sec), MP_OBJ_NEW_SMALL_INT((ns % 1000000000ull) / 1000),
    };
    return mp_obj_new_tuple(8, t);
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(machine_rtc_datetime_obj, 1, 2, machine_rtc_datetime);

// init(datetime): the same as datetime(datetime), as on other ports
static mp_obj_t machine_rtc_init(mp_obj_t self_in, mp_obj_t t_in) {
    (void)self_in;
    rtc_set_from_tuple(t_in);
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_2(machine_rtc_init_obj, machine_rtc_init);

static const mp_rom_map_elem_t machine_rtc_locals_table[] = {
    { MP_ROM_QSTR(MP_QSTR_datetime), MP_ROM_PTR(&machine_rtc_datetime_obj) },
    { MP_ROM_QSTR(MP_QSTR_init), MP_ROM_PTR(&machine_rtc_init_obj) },
};
static MP_DEFINE_CONST_DICT(machine_rtc_locals, machine_rtc_locals_table);

MP_DEFINE_CONST_OBJ_TYPE(machine_rtc_type, MP_QSTR_RTC, MP_TYPE_FLAG_NONE,
    make_new, machine_rtc_make_new, locals_dict, &machine_rtc_locals);
