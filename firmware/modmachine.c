// The machine module: resets, clock, chip id, raw flash and the GC heap setting.
#include "py/runtime.h"
#include "py/mperrno.h"
#include "shared/runtime/interrupt_char.h"
#include "shared/runtime/pyexec.h"

#include "board_hal.h"
#include "frame_tap.h"
#include "kpu_mem.h"
#include "settings.h"

extern const mp_obj_type_t machine_flash_type;
extern const mp_obj_type_t machine_rtc_type;

static NORETURN void unwind_to_main(void) {
    pyexec_system_exit = PYEXEC_FORCED_EXIT;
    mp_raise_type(&mp_type_SystemExit);
}

static mp_obj_t machine_reset(void) {
    board_reset();
    unwind_to_main();
}
static MP_DEFINE_CONST_FUN_OBJ_0(machine_reset_obj, machine_reset);

static mp_obj_t machine_soft_reset(void) {
    unwind_to_main();
}
static MP_DEFINE_CONST_FUN_OBJ_0(machine_soft_reset_obj, machine_soft_reset);

static mp_obj_t machine_freq(void) {
    return mp_obj_new_int_from_uint(board_cpu_freq());
}
static MP_DEFINE_CONST_FUN_OBJ_0(machine_freq_obj, machine_freq);

static mp_obj_t machine_unique_id(void) {
    uint8_t id[32];
    size_t n = board_unique_id(id, sizeof(id));
    return mp_obj_new_bytes(id, n);
}
static MP_DEFINE_CONST_FUN_OBJ_0(machine_unique_id_obj, machine_unique_id);

// heap_size() -> bytes of this boot's GC heap; heap_size(n) stores n for the next reset.
static mp_obj_t machine_heap_size(size_t n_args, const mp_obj_t *args) {
    if (n_args == 0) {
        return mp_obj_new_int_from_uint(kpu_mem()->gc_heap_bytes);
    }
    mp_int_t n = mp_obj_get_int(args[0]);
    size_t max = board_gc_heap_max();
    if (n < (mp_int_t)BOARD_GC_HEAP_MIN || (size_t)n > max || n % 4096) {
        mp_raise_msg_varg(&mp_type_ValueError,
            MP_ERROR_TEXT("heap_size %d: must be a multiple of 4096 from %d to %d (6 MiB less image and stacks)"),
            (int)n, (int)BOARD_GC_HEAP_MIN, (int)max);
    }
    int r = settings_set_heap_size((size_t)n);
    if (r != 0) {
        mp_raise_OSError(-r);
    }
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(machine_heap_size_obj, 0, 1, machine_heap_size);

__attribute__((weak)) int32_t board_repl_baud(uint32_t baud) {
    (void)baud;
    return -MP_EOPNOTSUPP;
}

// repl_baud() -> the REPL UART's baud rate; repl_baud(n) switches it (host tools' fast transfers).
static mp_obj_t machine_repl_baud(size_t n_args, const mp_obj_t *args) {
    if (n_args == 0) {
        int32_t r = board_repl_baud(0);
        if (r < 0) {
            mp_raise_OSError(-r);
        }
        return mp_obj_new_int(r);
    }
    mp_int_t baud = mp_obj_get_int(args[0]);
    if (baud < 1200 || baud > 4500000) {
        mp_raise_msg_varg(&mp_type_ValueError,
            MP_ERROR_TEXT("repl_baud %d: must be from 1200 to 4500000"), (int)baud);
    }
    int32_t r = board_repl_baud((uint32_t)baud);
    if (r < 0) {
        mp_raise_OSError(-r);
    }
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(machine_repl_baud_obj, 0, 1, machine_repl_baud);

// repl_binary(on): the REPL line carries binary data (k210xfer's blocks): Ctrl-C and the host
// preview's frame requests (frame_tap.c) are off until repl_binary(False).
static mp_obj_t machine_repl_binary(mp_obj_t on_in) {
    int on = mp_obj_is_true(on_in);
    mp_hal_set_interrupt_char(on ? -1 : 3);   // 3: Ctrl-C
    frame_tap_binary(on);
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_1(machine_repl_binary_obj, machine_repl_binary);

static const mp_rom_map_elem_t machine_module_globals_table[] = {
    { MP_ROM_QSTR(MP_QSTR___name__), MP_ROM_QSTR(MP_QSTR_machine) },
    { MP_ROM_QSTR(MP_QSTR_reset), MP_ROM_PTR(&machine_reset_obj) },
    { MP_ROM_QSTR(MP_QSTR_soft_reset), MP_ROM_PTR(&machine_soft_reset_obj) },
    { MP_ROM_QSTR(MP_QSTR_freq), MP_ROM_PTR(&machine_freq_obj) },
    { MP_ROM_QSTR(MP_QSTR_unique_id), MP_ROM_PTR(&machine_unique_id_obj) },
    { MP_ROM_QSTR(MP_QSTR_heap_size), MP_ROM_PTR(&machine_heap_size_obj) },
    { MP_ROM_QSTR(MP_QSTR_repl_baud), MP_ROM_PTR(&machine_repl_baud_obj) },
    { MP_ROM_QSTR(MP_QSTR_repl_binary), MP_ROM_PTR(&machine_repl_binary_obj) },
    { MP_ROM_QSTR(MP_QSTR_Flash), MP_ROM_PTR(&machine_flash_type) },
    { MP_ROM_QSTR(MP_QSTR_RTC), MP_ROM_PTR(&machine_rtc_type) },
};
static MP_DEFINE_CONST_DICT(machine_module_globals, machine_module_globals_table);

const mp_obj_module_t k210_machine_module = {
    .base = { &mp_type_module },
    .globals = (mp_obj_dict_t *)&machine_module_globals,
};

MP_REGISTER_EXTENSIBLE_MODULE(MP_QSTR_machine, k210_machine_module);
