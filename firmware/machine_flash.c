// machine.Flash: raw access to the whole SPI flash (firmware, models, /flash region alike).
#include "py/runtime.h"
#include "py/mperrno.h"

#include "flash.h"
#include "flash_layout.h"
#include "storage.h"

typedef struct _machine_flash_obj_t {
    mp_obj_base_t base;
} machine_flash_obj_t;

extern const mp_obj_type_t machine_flash_type;
static const machine_flash_obj_t machine_flash_obj = { { &machine_flash_type } };

static mp_obj_t machine_flash_make_new(const mp_obj_type_t *type, size_t n_args, size_t n_kw, const mp_obj_t *args) {
    mp_arg_check_num(n_args, n_kw, 0, 0, false);
    return MP_OBJ_FROM_PTR(&machine_flash_obj);
}

static uint32_t checked_range(mp_int_t offset, mp_int_t n) {
    size_t size = flash_size();
    if (offset < 0 || n < 0) {
        mp_raise_msg_varg(&mp_type_ValueError, MP_ERROR_TEXT("flash offset %ld and length %ld are outside the flash: both must be >= 0"),
            (long)offset, (long)n);
    }
    if (offset < 0 || n < 0 || (size_t)offset > size || (size_t)n > size - (size_t)offset) {
        mp_raise_msg_varg(&mp_type_ValueError,
            MP_ERROR_TEXT("flash range 0x%lx+%ld is outside the %d-byte flash (0x0-0x%x)"),
            (unsigned long)offset, (long)n, (int)size, (unsigned)(size - 1));
    }
    return (uint32_t)offset;
}

static void check(int r) {
    if (r != 0) {
        mp_raise_OSError(-r);
    }
}

// The flash range (offset, buffer's length) of readinto/write, checked; buf filled in.
static uint32_t buffer_range(mp_obj_t offset_in, mp_obj_t buf_in, mp_buffer_info_t *buf, mp_uint_t flags) {
    mp_get_buffer_raise(buf_in, buf, flags);
    return checked_range(mp_obj_get_int(offset_in), buf->len);
}

static mp_obj_t machine_flash_read(mp_obj_t self, mp_obj_t offset_in, mp_obj_t n_in) {
    mp_int_t n = mp_obj_get_int(n_in);
    uint32_t offset = checked_range(mp_obj_get_int(offset_in), n);
    vstr_t v;
    vstr_init_len(&v, n);
    check(flash_read(offset, v.buf, n));
    return mp_obj_new_bytes_from_vstr(&v);
}
static MP_DEFINE_CONST_FUN_OBJ_3(machine_flash_read_obj, machine_flash_read);

static mp_obj_t machine_flash_readinto(mp_obj_t self, mp_obj_t offset_in, mp_obj_t buf_in) {
    mp_buffer_info_t buf;
    uint32_t offset = buffer_range(offset_in, buf_in, &buf, MP_BUFFER_WRITE);   // before buf is read
    check(flash_read(offset, buf.buf, buf.len));
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_3(machine_flash_readinto_obj, machine_flash_readinto);

static mp_obj_t machine_flash_write(mp_obj_t self, mp_obj_t offset_in, mp_obj_t data_in) {
    mp_buffer_info_t data;
    uint32_t offset = buffer_range(offset_in, data_in, &data, MP_BUFFER_READ);
    check(flash_write_keep(offset, data.buf, data.len));
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_3(machine_flash_write_obj, machine_flash_write);

static mp_obj_t machine_flash_erase(mp_obj_t self, mp_obj_t offset_in, mp_obj_t n_in) {
    mp_int_t n = mp_obj_get_int(n_in);
    uint32_t offset = checked_range(mp_obj_get_int(offset_in), n);
    if (offset % FLASH_SECTOR_BYTES || n % FLASH_SECTOR_BYTES) {
        mp_raise_msg_varg(&mp_type_ValueError,
            MP_ERROR_TEXT("erase 0x%x+%d: offset and length must be multiples of the %d-byte sector"),
            (unsigned)offset, (int)n, FLASH_SECTOR_BYTES);
    }
    check(flash_erase_range(offset, n));
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_3(machine_flash_erase_obj, machine_flash_erase);

static mp_obj_t machine_flash_size(mp_obj_t self) {
    return mp_obj_new_int_from_uint(flash_size());
}
static MP_DEFINE_CONST_FUN_OBJ_1(machine_flash_size_obj, machine_flash_size);

static const mp_rom_map_elem_t machine_flash_locals_dict_table[] = {
    { MP_ROM_QSTR(MP_QSTR_read), MP_ROM_PTR(&machine_flash_read_obj) },
    { MP_ROM_QSTR(MP_QSTR_readinto), MP_ROM_PTR(&machine_flash_readinto_obj) },
    { MP_ROM_QSTR(MP_QSTR_write), MP_ROM_PTR(&machine_flash_write_obj) },
    { MP_ROM_QSTR(MP_QSTR_erase), MP_ROM_PTR(&machine_flash_erase_obj) },
    { MP_ROM_QSTR(MP_QSTR_size), MP_ROM_PTR(&machine_flash_size_obj) },
    { MP_ROM_QSTR(MP_QSTR_SECTOR_SIZE), MP_ROM_INT(FLASH_SECTOR_BYTES) },
    { MP_ROM_QSTR(MP_QSTR_FS_OFFSET), MP_ROM_INT(FLASH_FS_OFFSET) },
};
static MP_DEFINE_CONST_DICT(machine_flash_locals_dict, machine_flash_locals_dict_table);

MP_DEFINE_CONST_OBJ_TYPE(
    machine_flash_type, MP_QSTR_Flash, MP_TYPE_FLAG_NONE,
    make_new, machine_flash_make_new,
    locals_dict, &machine_flash_locals_dict
    );
