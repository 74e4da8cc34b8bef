// MaixPy's `Maix` module, the GPIO part: Maix.FPIOA (route a pad to a GPIOHS line) and Maix.GPIO
// (direction, pulls, level) over firmware/gpio_hw.h. fpioa_manager and board_info are frozen
// Python on top (firmware/py/fpioa_manager.py, board.py).
#include <errno.h>

#include "py/runtime.h"
#include "py/mperrno.h"

#include "gpio_hw.h"

#define FUNC_GPIOHS0 (24)   // the FPIOA's function number of GPIOHS line 0 (lines are consecutive)

static NORETURN void raise_hw(const char *what, int r, int line) {
    if (r == -ENODEV) {
        mp_raise_msg_varg(&mp_type_OSError, MP_ERROR_TEXT("Maix.%s: this board has no FPIOA/GPIOHS (ENODEV)"), what);
    }
    if (r == -EINVAL && line >= 0) {
        mp_raise_msg_varg(&mp_type_ValueError,
            MP_ERROR_TEXT("Maix.%s: GPIOHS%d is not routed to a pad; fm.register(pin, fm.fpioa.GPIOHS%d) first"), what, line,
            line);
    }
    mp_raise_msg_varg(&mp_type_OSError, MP_ERROR_TEXT("Maix.%s: error %d"), what, -r);
}

// --- FPIOA ---

static mp_obj_t fpioa_make_new(const mp_obj_type_t *type, size_t n_args, size_t n_kw, const mp_obj_t *args) {
    mp_arg_check_num(n_args, n_kw, 0, 0, false);
    return MP_OBJ_FROM_PTR(mp_obj_malloc(mp_obj_base_t, type));
}

static mp_obj_t fpioa_set_function(mp_obj_t self, mp_obj_t pin_in, mp_obj_t func_in) {
    (void)self;
    mp_int_t pin = mp_obj_get_int(pin_in), func = mp_obj_get_int(func_in);
    if (pin < 0 || pin >= GPIO_HW_PADS) {
        mp_raise_msg_varg(&mp_type_ValueError, MP_ERROR_TEXT("FPIOA.set_function: pin %ld is not a pad (0..47)"), (long)pin);
    }
    if (func < FUNC_GPIOHS0 || func >= FUNC_GPIOHS0 + GPIO_HW_LINES) {
        mp_raise_msg_varg(&mp_type_ValueError,
            MP_ERROR_TEXT("FPIOA.set_function: function %ld is not supported; only GPIOHS0..31 (%d..%d) can be routed by scripts"),
            (long)func, FUNC_GPIOHS0, FUNC_GPIOHS0 + GPIO_HW_LINES - 1);
    }
    int r = gpio_hw_route((unsigned)pin, (unsigned)(func - FUNC_GPIOHS0));
    if (r != 0) {
        raise_hw("FPIOA", r, -1);
    }
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_3(fpioa_set_function_obj, fpioa_set_function);

#define GPIOHS_CONST(n) { MP_ROM_QSTR(MP_QSTR_GPIOHS##n), MP_ROM_INT(FUNC_GPIOHS0 + n) }
static const mp_rom_map_elem_t fpioa_locals_table[] = {
    { MP_ROM_QSTR(MP_QSTR_set_function), MP_ROM_PTR(&fpioa_set_function_obj) },
    GPIOHS_CONST(0), GPIOHS_CONST(1), GPIOHS_CONST(2), GPIOHS_CONST(3), GPIOHS_CONST(4), GPIOHS_CONST(5),
    GPIOHS_CONST(6), GPIOHS_CONST(7), GPIOHS_CONST(8), GPIOHS_CONST(9), GPIOHS_CONST(10), GPIOHS_CONST(11),
    GPIOHS_CONST(12), GPIOHS_CONST(13), GPIOHS_CONST(14), GPIOHS_CONST(15), GPIOHS_CONST(16), GPIOHS_CONST(17),
    GPIOHS_CONST(18), GPIOHS_CONST(19), GPIOHS_CONST(20), GPIOHS_CONST(21), GPIOHS_CONST(22), GPIOHS_CONST(23),
    GPIOHS_CONST(24), GPIOHS_CONST(25), GPIOHS_CONST(26), GPIOHS_CONST(27), GPIOHS_CONST(28), GPIOHS_CONST(29),
    GPIOHS_CONST(30), GPIOHS_CONST(31),
};
static MP_DEFINE_CONST_DICT(fpioa_locals, fpioa_locals_table);

MP_DEFINE_CONST_OBJ_TYPE(
    maix_fpioa_type, MP_QSTR_FPIOA, MP_TYPE_FLAG_NONE,
    make_new, fpioa_make_new,
    locals_dict, &fpioa_locals
    );

// --- GPIO ---

typedef struct {
    mp_obj_base_t base;
    uint8_t line;
    uint8_t mode;   // gpio_hw_mode_t
} gpio_obj_t;

static void set_mode(gpio_obj_t *g, mp_int_t mode) {
    if (mode < GPIO_HW_IN || mode > GPIO_HW_OUT) {
        mp_raise_msg_varg(&mp_type_ValueError,
            MP_ERROR_TEXT("Maix.GPIO: mode %ld (use GPIO.IN, GPIO.PULL_UP, GPIO.PULL_DOWN or GPIO.OUT)"), (long)mode);
    }
    int r = gpio_hw_mode(g->line, (gpio_hw_mode_t)mode);
    if (r != 0) {
        raise_hw("GPIO", r, g->line);
    }
    g->mode = (uint8_t)mode;
}

// GPIO(GPIO.GPIOHSn, mode=GPIO.IN, value=None)
static mp_obj_t gpio_make_new(const mp_obj_type_t *type, size_t n_args, size_t n_kw, const mp_obj_t *args) {
    mp_arg_check_num(n_args, n_kw, 1, 3, false);
    mp_int_t line = mp_obj_get_int(args[0]);
    if (line < 0 || line >= GPIO_HW_LINES) {
        mp_raise_msg_varg(&mp_type_ValueError,
            MP_ERROR_TEXT("Maix.GPIO: %ld is not GPIO.GPIOHS0..GPIOHS31 (the GPIO0..7 block is not supported)"), (long)line);
    }
    gpio_obj_t *g = mp_obj_malloc(gpio_obj_t, type);
    g->line = (uint8_t)line;
    if (n_args > 2 && args[2] != mp_const_none) {
        int r = gpio_hw_write(g->line, mp_obj_is_true(args[2]));   // the level first: no glitch
        if (r != 0) {
            raise_hw("GPIO", r, g->line);
        }
    }
    set_mode(g, n_args > 1 ? mp_obj_get_int(args[1]) : GPIO_HW_IN);
    return MP_OBJ_FROM_PTR(g);
}

static mp_obj_t gpio_value(size_t n_args, const mp_obj_t *args) {
    gpio_obj_t *g = MP_OBJ_TO_PTR(args[0]);
    int r, level;
    if (n_args > 1) {
        if (g->mode != GPIO_HW_OUT) {
            mp_raise_msg_varg(&mp_type_ValueError, MP_ERROR_TEXT("Maix.GPIO: GPIOHS%d is an input; make it GPIO.OUT to drive it"),
                g->line);
        }
        r = gpio_hw_write(g->line, mp_obj_is_true(args[1]));
        if (r != 0) {
            raise_hw("GPIO", r, g->line);
        }
        return mp_const_none;
    }
    r = gpio_hw_read(g->line, &level);
    if (r != 0) {
        raise_hw("GPIO", r, g->line);
    }
    return MP_OBJ_NEW_SMALL_INT(level);
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(gpio_value_obj, 1, 2, gpio_value);

static mp_obj_t gpio_mode(mp_obj_t self, mp_obj_t mode) {
    set_mode(MP_OBJ_TO_PTR(self), mp_obj_get_int(mode));
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_2(gpio_mode_obj, gpio_mode);

static void gpio_print(const mp_print_t *print, mp_obj_t self, mp_print_kind_t kind) {
    (void)kind;
    static const char *const names[] = { "IN", "PULL_UP", "PULL_DOWN", "OUT" };
    gpio_obj_t *g = MP_OBJ_TO_PTR(self);
    mp_printf(print, "<GPIO GPIOHS%d %s>", g->line, names[g->mode]);
}

#define LINE_CONST(n) { MP_ROM_QSTR(MP_QSTR_GPIOHS##n), MP_ROM_INT(n) }
static const mp_rom_map_elem_t gpio_locals_table[] = {
    { MP_ROM_QSTR(MP_QSTR_value), MP_ROM_PTR(&gpio_value_obj) },
    { MP_ROM_QSTR(MP_QSTR_mode), MP_ROM_PTR(&gpio_mode_obj) },
    { MP_ROM_QSTR(MP_QSTR_IN), MP_ROM_INT(GPIO_HW_IN) },
    { MP_ROM_QSTR(MP_QSTR_PULL_UP), MP_ROM_INT(GPIO_HW_IN_PULL_UP) },
    { MP_ROM_QSTR(MP_QSTR_PULL_DOWN), MP_ROM_INT(GPIO_HW_IN_PULL_DOWN) },
    { MP_ROM_QSTR(MP_QSTR_OUT), MP_ROM_INT(GPIO_HW_OUT) },
    LINE_CONST(0), LINE_CONST(1), LINE_CONST(2), LINE_CONST(3), LINE_CONST(4), LINE_CONST(5), LINE_CONST(6),
    LINE_CONST(7), LINE_CONST(8), LINE_CONST(9), LINE_CONST(10), LINE_CONST(11), LINE_CONST(12), LINE_CONST(13),
    LINE_CONST(14), LINE_CONST(15), LINE_CONST(16), LINE_CONST(17), LINE_CONST(18), LINE_CONST(19), LINE_CONST(20),
    LINE_CONST(21), LINE_CONST(22), LINE_CONST(23), LINE_CONST(24), LINE_CONST(25), LINE_CONST(26), LINE_CONST(27),
    LINE_CONST(28), LINE_CONST(29), LINE_CONST(30), LINE_CONST(31),
};
static MP_DEFINE_CONST_DICT(gpio_locals, gpio_locals_table);

MP_DEFINE_CONST_OBJ_TYPE(
    maix_gpio_type, MP_QSTR_GPIO, MP_TYPE_FLAG_NONE,
    make_new, gpio_make_new,
    print, gpio_print,
    locals_dict, &gpio_locals
    );

static const mp_rom_map_elem_t maix_module_table[] = {
    { MP_ROM_QSTR(MP_QSTR___name__), MP_ROM_QSTR(MP_QSTR_Maix) },
    { MP_ROM_QSTR(MP_QSTR_GPIO), MP_ROM_PTR(&maix_gpio_type) },
    { MP_ROM_QSTR(MP_QSTR_FPIOA), MP_ROM_PTR(&maix_fpioa_type) },
};
static MP_DEFINE_CONST_DICT(maix_module_globals, maix_module_table);

const mp_obj_module_t maix_module = {
    .base = { &mp_type_module },
    .globals = (mp_obj_dict_t *)&maix_module_globals,
};

MP_REGISTER_MODULE(MP_QSTR_Maix, maix_module);
