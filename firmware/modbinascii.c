// The binascii module: hex, base64 and CRC-32 (the transfer tools check every copy with crc32).
#include <string.h>

#include "py/runtime.h"
#include "py/objstr.h"

#include "crc32.h"

static mp_obj_t binascii_hexlify(size_t n_args, const mp_obj_t *args) {
    mp_buffer_info_t in;
    mp_get_buffer_raise(args[0], &in, MP_BUFFER_READ);
    const char *sep = NULL;
    if (n_args > 1) {
        size_t sl;
        sep = mp_obj_str_get_data(args[1], &sl);
        if (sl != 1) {
            mp_raise_msg(&mp_type_ValueError, MP_ERROR_TEXT("hexlify: sep must be one character"));
        }
    }
    if (in.len == 0) {
        return mp_const_empty_bytes;
    }
    vstr_t v;
    vstr_init_len(&v, in.len * 2 + (sep ? in.len - 1 : 0));
    static const char digits[] = "0123456789abcdef";
    char *o = v.buf;
    const uint8_t *p = in.buf;
    for (size_t i = 0; i < in.len; i++) {
        if (sep && i) {
            *o++ = *sep;
        }
        *o++ = digits[p[i] >> 4];
        *o++ = digits[p[i] & 15];
    }
    return mp_obj_new_bytes_from_vstr(&v);
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(binascii_hexlify_obj, 1, 2, binascii_hexlify);

static int hexval(byte c) {
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    c |= 0x20;
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

static mp_obj_t binascii_unhexlify(mp_obj_t data_in) {
    mp_buffer_info_t in;
    mp_get_buffer_raise(data_in, &in, MP_BUFFER_READ);
    if (in.len % 2) {
        mp_raise_msg_varg(&mp_type_ValueError, MP_ERROR_TEXT("unhexlify: odd length %d"), (int)in.len);
    }
    vstr_t v;
    vstr_init_len(&v, in.len / 2);
    const byte *p = in.buf;
    for (size_t i = 0; i < in.len; i += 2) {
        int hi = hexval(p[i]), lo = hexval(p[i + 1]);
        if (hi < 0 || lo < 0) {
            vstr_clear(&v);
            mp_raise_msg_varg(&mp_type_ValueError, MP_ERROR_TEXT("unhexlify: non-hex digit at offset %d"), (int)(hi < 0 ? i : i + 1));
        }
        v.buf[i / 2] = (char)(hi << 4 | lo);
    }
    return mp_obj_new_bytes_from_vstr(&v);
}
static MP_DEFINE_CONST_FUN_OBJ_1(binascii_unhexlify_obj, binascii_unhexlify);

static const char b64_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static int b64_value(byte c) {
    const char *p = c ? strchr(b64_alphabet, c) : NULL;
    return p ? (int)(p - b64_alphabet) : -1;
}

// Characters outside the alphabet are skipped. '=' ends the data once it completes a quantum
// (after 2 data characters of a quantum with "==", after 3 with "="); stray '=' elsewhere are
// ignored. Any data bits left over at the end (b"abc", b"YQ", b"ab*d") mean the input was
// truncated or mis-padded, and that is an error, as upstream MicroPython and CPython say.
static mp_obj_t binascii_a2b_base64(mp_obj_t data_in) {
    mp_buffer_info_t in;
    mp_get_buffer_raise(data_in, &in, MP_BUFFER_READ);
    vstr_t v;
    vstr_init(&v, in.len * 3 / 4 + 1);
    uint32_t acc = 0;
    int bits = 0;              // data bits not yet emitted: 0, 2, 4 or 6
    bool pad_seen = false;     // a '=' since the last data character
    const byte *p = in.buf;
    for (size_t i = 0; i < in.len; i++) {
        if (p[i] == '=') {
            // 2 left-over bits: "xx==" / "xxx=" complete; 4 bits need a second '=' ("xx==")
            if (bits == 2 || (bits == 4 && pad_seen)) {
                bits = 0;
                break;
            }
            pad_seen = true;
            continue;
        }
        int val = b64_value(p[i]);
        if (val < 0) {
            continue;
        }
        pad_seen = false;
        acc = acc << 6 | (uint32_t)val;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            vstr_add_byte(&v, (byte)(acc >> bits));
        }
    }
    if (bits != 0) {
        vstr_clear(&v);
        mp_raise_msg_varg(&mp_type_ValueError,
            MP_ERROR_TEXT("a2b_base64: incorrect padding: incomplete base64 data (%d bits left after %d bytes)"),
            bits, (int)v.len);
    }
    return mp_obj_new_bytes_from_vstr(&v);
}
static MP_DEFINE_CONST_FUN_OBJ_1(binascii_a2b_base64_obj, binascii_a2b_base64);

static mp_obj_t binascii_b2a_base64(size_t n_args, const mp_obj_t *pos_args, mp_map_t *kw_args) {
    static const mp_arg_t allowed_args[] = {
        { MP_QSTR_data, MP_ARG_REQUIRED | MP_ARG_OBJ, {.u_rom_obj = MP_ROM_NONE} },
        { MP_QSTR_newline, MP_ARG_KW_ONLY | MP_ARG_BOOL, {.u_bool = true} },
    };
    mp_arg_val_t args[MP_ARRAY_SIZE(allowed_args)];
    mp_arg_parse_all(n_args, pos_args, kw_args, MP_ARRAY_SIZE(allowed_args), allowed_args, args);
    mp_buffer_info_t in;
    mp_get_buffer_raise(args[0].u_obj, &in, MP_BUFFER_READ);
    vstr_t v;
    vstr_init(&v, (in.len + 2) / 3 * 4 + 1);
    const byte *p = in.buf;
    for (size_t i = 0; i < in.len; i += 3) {
        uint32_t b = (uint32_t)p[i] << 16;
        size_t left = in.len - i;
        if (left > 1) {
            b |= (uint32_t)p[i + 1] << 8;
        }
        if (left > 2) {
            b |= p[i + 2];
        }
        vstr_add_byte(&v, b64_alphabet[b >> 18 & 63]);
        vstr_add_byte(&v, b64_alphabet[b >> 12 & 63]);
        vstr_add_byte(&v, left > 1 ? b64_alphabet[b >> 6 & 63] : '=');
        vstr_add_byte(&v, left > 2 ? b64_alphabet[b & 63] : '=');
    }
    if (args[1].u_bool) {
        vstr_add_byte(&v, '\n');
    }
    return mp_obj_new_bytes_from_vstr(&v);
}
static MP_DEFINE_CONST_FUN_OBJ_KW(binascii_b2a_base64_obj, 1, binascii_b2a_base64);

static mp_obj_t binascii_crc32(size_t n_args, const mp_obj_t *args) {
    mp_buffer_info_t in;
    mp_get_buffer_raise(args[0], &in, MP_BUFFER_READ);
    uint32_t crc = n_args > 1 ? (uint32_t)mp_obj_get_int_truncated(args[1]) : 0;
    return mp_obj_new_int_from_uint(crc32_update(crc, in.buf, in.len));
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(binascii_crc32_obj, 1, 2, binascii_crc32);

static const mp_rom_map_elem_t binascii_module_globals_table[] = {
    { MP_ROM_QSTR(MP_QSTR___name__), MP_ROM_QSTR(MP_QSTR_binascii) },
    { MP_ROM_QSTR(MP_QSTR_hexlify), MP_ROM_PTR(&binascii_hexlify_obj) },
    { MP_ROM_QSTR(MP_QSTR_unhexlify), MP_ROM_PTR(&binascii_unhexlify_obj) },
    { MP_ROM_QSTR(MP_QSTR_a2b_base64), MP_ROM_PTR(&binascii_a2b_base64_obj) },
    { MP_ROM_QSTR(MP_QSTR_b2a_base64), MP_ROM_PTR(&binascii_b2a_base64_obj) },
    { MP_ROM_QSTR(MP_QSTR_crc32), MP_ROM_PTR(&binascii_crc32_obj) },
};
static MP_DEFINE_CONST_DICT(binascii_module_globals, binascii_module_globals_table);

const mp_obj_module_t k210_binascii_module = {
    .base = { &mp_type_module },
    .globals = (mp_obj_dict_t *)&binascii_module_globals,
};

MP_REGISTER_EXTENSIBLE_MODULE(MP_QSTR_binascii, k210_binascii_module);
