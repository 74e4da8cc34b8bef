// The json module: dumps/dump through the core's JSON printer (PRINT_JSON, with separators), and
// loads/load with a recursive-descent parser. A syntax error is a ValueError that names the
// offset and what was expected there.
#include <string.h>

#include "py/runtime.h"
#include "py/stream.h"
#include "py/objstr.h"
#include "py/parsenum.h"
#include "py/stackctrl.h"

// --- dumps / dump ---

// separators: None, or a 2-sequence (item_separator, key_separator) of str.
static void json_set_separators(mp_print_ext_t *pe, mp_obj_t seps) {
    pe->item_separator = ", ";
    pe->key_separator = ": ";
    if (seps == mp_const_none) {
        return;
    }
    size_t n;
    mp_obj_t *items;
    mp_obj_get_array(seps, &n, &items);
    if (n != 2) {
        mp_raise_msg_varg(&mp_type_ValueError,
            MP_ERROR_TEXT("separators must be (item_separator, key_separator), got %d items"), (int)n);
    }
    pe->item_separator = mp_obj_str_get_str(items[0]);
    pe->key_separator = mp_obj_str_get_str(items[1]);
}

static const mp_arg_t json_dump_args[] = {
    { MP_QSTR_obj, MP_ARG_REQUIRED | MP_ARG_OBJ, {.u_rom_obj = MP_ROM_NONE} },
    { MP_QSTR_separators, MP_ARG_OBJ, {.u_rom_obj = MP_ROM_NONE} },
};

static mp_obj_t json_dumps(size_t n_args, const mp_obj_t *pos_args, mp_map_t *kw_args) {
    mp_arg_val_t args[2];
    mp_arg_parse_all(n_args, pos_args, kw_args, 2, json_dump_args, args);
    vstr_t v;
    mp_print_ext_t pe;
    vstr_init_print(&v, 16, &pe.base);
    json_set_separators(&pe, args[1].u_obj);
    mp_obj_print_helper(&pe.base, args[0].u_obj, PRINT_JSON);
    return mp_obj_new_str_from_utf8_vstr(&v);
}
static MP_DEFINE_CONST_FUN_OBJ_KW(json_dumps_obj, 1, json_dumps);

static mp_obj_t json_dump(size_t n_args, const mp_obj_t *pos_args, mp_map_t *kw_args) {
    static const mp_arg_t allowed[] = {
        { MP_QSTR_obj, MP_ARG_REQUIRED | MP_ARG_OBJ, {.u_rom_obj = MP_ROM_NONE} },
        { MP_QSTR_stream, MP_ARG_REQUIRED | MP_ARG_OBJ, {.u_rom_obj = MP_ROM_NONE} },
        { MP_QSTR_separators, MP_ARG_OBJ, {.u_rom_obj = MP_ROM_NONE} },
    };
    mp_arg_val_t args[3];
    mp_arg_parse_all(n_args, pos_args, kw_args, 3, allowed, args);
    mp_get_stream_raise(args[1].u_obj, MP_STREAM_OP_WRITE);
    mp_print_ext_t pe;
    pe.base.data = MP_OBJ_TO_PTR(args[1].u_obj);
    pe.base.print_strn = mp_stream_write_adaptor;
    json_set_separators(&pe, args[2].u_obj);
    mp_obj_print_helper(&pe.base, args[0].u_obj, PRINT_JSON);
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_KW(json_dump_obj, 2, json_dump);

// --- loads / load ---

typedef struct {
    const byte *start, *p, *end;
} json_parser_t;

static NORETURN void json_error(json_parser_t *ps, const char *expected) {
    if (ps->p >= ps->end) {
        mp_raise_msg_varg(&mp_type_ValueError,
            MP_ERROR_TEXT("syntax error in JSON: input ends at offset %d, expected %s"),
            (int)(ps->p - ps->start), expected);
    }
    mp_raise_msg_varg(&mp_type_ValueError,
        MP_ERROR_TEXT("syntax error in JSON at offset %d ('%c'): expected %s"),
        (int)(ps->p - ps->start), *ps->p >= 32 && *ps->p < 127 ? *ps->p : '?', expected);
}

static void json_skip_ws(json_parser_t *ps) {
    while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r')) {
        ps->p++;
    }
}

// Consumes c (after whitespace) if it is next.
static bool json_accept(json_parser_t *ps, byte c) {
    json_skip_ws(ps);
    if (ps->p < ps->end && *ps->p == c) {
        ps->p++;
        return true;
    }
    return false;
}

static bool json_keyword(json_parser_t *ps, const char *word) {
    size_t n = strlen(word);
    if ((size_t)(ps->end - ps->p) >= n && memcmp(ps->p, word, n) == 0) {
        ps->p += n;
        return true;
    }
    return false;
}

static int hex_digit(byte c) {
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    c |= 0x20;
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

static mp_obj_t json_parse_string(json_parser_t *ps) {
    ps->p++;   // the opening quote
    vstr_t v;
    vstr_init(&v, 8);
    for (;;) {
        if (ps->p >= ps->end) {
            vstr_clear(&v);
            json_error(ps, "'\"' closing the string");
        }
        byte c = *ps->p++;
        if (c == '"') {
            break;
        }
        if (c != '\\') {
            vstr_add_byte(&v, c);
            continue;
        }
        if (ps->p >= ps->end) {
            vstr_clear(&v);
            json_error(ps, "an escape after '\\'");
        }
        c = *ps->p++;
        switch (c) {
            case 'b': c = '\b'; break;
            case 'f': c = '\f'; break;
            case 'n': c = '\n'; break;
            case 'r': c = '\r'; break;
            case 't': c = '\t'; break;
            case '"': case '\\': case '/': break;
            case 'u': {
                unsigned cp = 0;
                for (int i = 0; i < 4; i++) {
                    int d = ps->p < ps->end ? hex_digit(*ps->p) : -1;
                    if (d < 0) {
                        vstr_clear(&v);
                        json_error(ps, "4 hex digits after \\u");
                    }
                    cp = cp << 4 | (unsigned)d;
                    ps->p++;
                }
                vstr_add_char(&v, cp);
                continue;
            }
            default:
                ps->p--;
                vstr_clear(&v);
                json_error(ps, "an escape: one of \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u");
        }
        vstr_add_byte(&v, c);
    }
    return mp_obj_new_str_from_utf8_vstr(&v);
}

static mp_obj_t json_parse_number(json_parser_t *ps) {
    const byte *s = ps->p;
    bool is_float = false;
    while (ps->p < ps->end) {
        byte c = *ps->p;
        if (c == '.' || c == 'e' || c == 'E') {
            is_float = true;
        } else if (!(c == '-' || c == '+' || (c >= '0' && c <= '9'))) {
            break;
        }
        ps->p++;
    }
    // the core's number parsers raise ValueError for malformed text such as "1-2"
    if (is_float) {
        return mp_parse_num_float((const char *)s, ps->p - s, false, NULL);
    }
    return mp_parse_num_integer((const char *)s, ps->p - s, 10, NULL);
}

static mp_obj_t json_parse_value(json_parser_t *ps) {
    MP_STACK_CHECK();   // deep nesting is a RuntimeError, not a crash
    json_skip_ws(ps);
    if (ps->p >= ps->end) {
        json_error(ps, "a value");
    }
    byte c = *ps->p;
    if (c == '"') {
        return json_parse_string(ps);
    }
    if (c == '-' || (c >= '0' && c <= '9')) {
        return json_parse_number(ps);
    }
    if (json_keyword(ps, "null")) {
        return mp_const_none;
    }
    if (json_keyword(ps, "true")) {
        return mp_const_true;
    }
    if (json_keyword(ps, "false")) {
        return mp_const_false;
    }
    if (c == '[') {
        ps->p++;
        mp_obj_t list = mp_obj_new_list(0, NULL);
        if (json_accept(ps, ']')) {
            return list;
        }
        do {
            mp_obj_list_append(list, json_parse_value(ps));
        } while (json_accept(ps, ','));
        if (!json_accept(ps, ']')) {
            json_error(ps, "',' or ']' in a list");
        }
        return list;
    }
    if (c == '{') {
        ps->p++;
        mp_obj_t dict = mp_obj_new_dict(0);
        if (json_accept(ps, '}')) {
            return dict;
        }
        do {
            json_skip_ws(ps);
            if (ps->p >= ps->end || *ps->p != '"') {
                json_error(ps, "a string key in an object");
            }
            mp_obj_t key = json_parse_string(ps);
            if (!json_accept(ps, ':')) {
                json_error(ps, "':' after an object key");
            }
            mp_obj_dict_store(dict, key, json_parse_value(ps));
        } while (json_accept(ps, ','));
        if (!json_accept(ps, '}')) {
            json_error(ps, "',' or '}' in an object");
        }
        return dict;
    }
    json_error(ps, "a value (string, number, object, list, true, false or null)");
}

static mp_obj_t json_parse_all(const byte *buf, size_t len) {
    json_parser_t ps = { buf, buf, buf + len };
    mp_obj_t obj = json_parse_value(&ps);
    json_skip_ws(&ps);
    if (ps.p != ps.end) {
        json_error(&ps, "the end of the input after the value");
    }
    return obj;
}

static mp_obj_t json_loads(mp_obj_t text_in) {
    mp_buffer_info_t buf;
    mp_get_buffer_raise(text_in, &buf, MP_BUFFER_READ);   // str, bytes or bytearray
    return json_parse_all(buf.buf, buf.len);
}
static MP_DEFINE_CONST_FUN_OBJ_1(json_loads_obj, json_loads);

// Reads the whole stream, then parses it (a stream holds one JSON document, as in CPython).
static mp_obj_t json_load(mp_obj_t stream_in) {
    const mp_stream_p_t *sp = mp_get_stream_raise(stream_in, MP_STREAM_OP_READ);
    vstr_t v;
    vstr_init(&v, 64);
    for (;;) {
        byte *dst = (byte *)vstr_add_len(&v, 256);
        int err;
        mp_uint_t n = sp->read(stream_in, dst, 256, &err);
        if (n == MP_STREAM_ERROR) {
            vstr_clear(&v);
            mp_raise_OSError(err);
        }
        v.len -= 256 - n;
        if (n == 0) {
            break;
        }
    }
    mp_obj_t obj = json_parse_all((const byte *)v.buf, v.len);
    vstr_clear(&v);
    return obj;
}
static MP_DEFINE_CONST_FUN_OBJ_1(json_load_obj, json_load);

static const mp_rom_map_elem_t json_module_globals_table[] = {
    { MP_ROM_QSTR(MP_QSTR___name__), MP_ROM_QSTR(MP_QSTR_json) },
    { MP_ROM_QSTR(MP_QSTR_dump), MP_ROM_PTR(&json_dump_obj) },
    { MP_ROM_QSTR(MP_QSTR_dumps), MP_ROM_PTR(&json_dumps_obj) },
    { MP_ROM_QSTR(MP_QSTR_load), MP_ROM_PTR(&json_load_obj) },
    { MP_ROM_QSTR(MP_QSTR_loads), MP_ROM_PTR(&json_loads_obj) },
};
static MP_DEFINE_CONST_DICT(json_module_globals, json_module_globals_table);

const mp_obj_module_t k210_json_module = {
    .base = { &mp_type_module },
    .globals = (mp_obj_dict_t *)&json_module_globals,
};

MP_REGISTER_EXTENSIBLE_MODULE(MP_QSTR_json, k210_json_module);
