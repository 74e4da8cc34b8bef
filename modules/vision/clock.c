// time.clock(): MaixPy/OpenMV's frame clock. tick() starts a frame; fps() is frames per second
// over the frames since the first tick (as OpenMV averages); avg() the mean ms per frame.
#include "py/runtime.h"
#include "py/mphal.h"

typedef struct {
    mp_obj_base_t base;
    mp_uint_t start_us, last_us;   // first tick, latest tick
    mp_uint_t frames;              // ticks after the first
    mp_uint_t total_us;            // tick-to-fps time summed over frames
} clock_obj_t;

static mp_obj_t clock_make_new(const mp_obj_type_t *type, size_t n_args, size_t n_kw, const mp_obj_t *args) {
    mp_arg_check_num(n_args, n_kw, 0, 0, false);
    clock_obj_t *c = mp_obj_malloc(clock_obj_t, type);
    c->start_us = c->last_us = mp_hal_ticks_us();
    c->frames = 0;
    c->total_us = 0;
    return MP_OBJ_FROM_PTR(c);
}

static mp_obj_t clock_tick(mp_obj_t self) {
    clock_obj_t *c = MP_OBJ_TO_PTR(self);
    c->last_us = mp_hal_ticks_us();
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_1(clock_tick_obj, clock_tick);

// Ends the frame started by tick(): returns its ms and adds it to the average.
static mp_float_t frame_ms(clock_obj_t *c) {
    mp_uint_t now = mp_hal_ticks_us(), dt = now - c->last_us;
    c->frames++;
    c->total_us += dt;
    return (mp_float_t)dt / 1000;
}

static mp_obj_t clock_fps(mp_obj_t self) {
    clock_obj_t *c = MP_OBJ_TO_PTR(self);
    frame_ms(c);
    return mp_obj_new_float(c->total_us ? (mp_float_t)c->frames * 1000000 / (mp_float_t)c->total_us : 0);
}
static MP_DEFINE_CONST_FUN_OBJ_1(clock_fps_obj, clock_fps);

static mp_obj_t clock_avg(mp_obj_t self) {
    clock_obj_t *c = MP_OBJ_TO_PTR(self);
    frame_ms(c);
    return mp_obj_new_float((mp_float_t)c->total_us / 1000 / (mp_float_t)c->frames);
}
static MP_DEFINE_CONST_FUN_OBJ_1(clock_avg_obj, clock_avg);

static mp_obj_t clock_reset(mp_obj_t self) {
    clock_obj_t *c = MP_OBJ_TO_PTR(self);
    c->start_us = c->last_us = mp_hal_ticks_us();
    c->frames = 0;
    c->total_us = 0;
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_1(clock_reset_obj, clock_reset);

static void clock_print(const mp_print_t *print, mp_obj_t self, mp_print_kind_t kind) {
    (void)kind;
    clock_obj_t *c = MP_OBJ_TO_PTR(self);
    mp_printf(print, "<time.clock %u frames>", (unsigned)c->frames);
}

static const mp_rom_map_elem_t clock_locals_table[] = {
    { MP_ROM_QSTR(MP_QSTR_tick), MP_ROM_PTR(&clock_tick_obj) },
    { MP_ROM_QSTR(MP_QSTR_fps), MP_ROM_PTR(&clock_fps_obj) },
    { MP_ROM_QSTR(MP_QSTR_avg), MP_ROM_PTR(&clock_avg_obj) },
    { MP_ROM_QSTR(MP_QSTR_reset), MP_ROM_PTR(&clock_reset_obj) },
};
static MP_DEFINE_CONST_DICT(clock_locals, clock_locals_table);

MP_DEFINE_CONST_OBJ_TYPE(
    vision_clock_type, MP_QSTR_clock, MP_TYPE_FLAG_NONE,
    make_new, clock_make_new,
    print, clock_print,
    locals_dict, &clock_locals
    );
