// The re module: compile, match, search, sub, split and match objects (group, groups, span,
// start, end) over the engine in re_engine.c, which works on bytes (UTF-8 for str). span, start
// and end count characters in a str, as upstream MicroPython and CPython do.
#include <string.h>

#include "py/runtime.h"
#include "py/objstr.h"
#include "py/unicode.h"

#include "re_engine.h"

typedef struct {
    mp_obj_base_t base;
    mp_obj_t pattern;
    re_prog_t prog;
} re_obj_t;

typedef struct {
    mp_obj_base_t base;
    mp_obj_t subject;
    int ngroups;
    int caps[];
} match_obj_t;

static const mp_obj_type_t re_type;
static const mp_obj_type_t match_type;

// --- match objects ---

static void match_print(const mp_print_t *print, mp_obj_t self_in, mp_print_kind_t kind) {
    (void)kind;
    match_obj_t *self = MP_OBJ_TO_PTR(self_in);
    mp_printf(print, "<match num=%d span=(%d, %d)>", self->ngroups, self->caps[0], self->caps[1]);
}

static int group_index(match_obj_t *self, mp_obj_t n_in) {
    mp_int_t n = mp_obj_get_int(n_in);
    if (n < 0 || n >= self->ngroups) {
        mp_raise_type_arg(&mp_type_IndexError, n_in);
    }
    return (int)n;
}

static mp_obj_t group_value(match_obj_t *self, int g) {
    if (self->caps[2 * g] < 0) {
        return mp_const_none;
    }
    size_t len;
    const char *s = mp_obj_str_get_data(self->subject, &len);
    return mp_obj_new_str_of_type(mp_obj_get_type(self->subject),
        (const byte *)s + self->caps[2 * g], self->caps[2 * g + 1] - self->caps[2 * g]);
}

static mp_obj_t match_group(size_t n_args, const mp_obj_t *args) {
    match_obj_t *self = MP_OBJ_TO_PTR(args[0]);
    return group_value(self, n_args > 1 ? group_index(self, args[1]) : 0);
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(match_group_obj, 1, 2, match_group);

static mp_obj_t match_groups(mp_obj_t self_in) {
    match_obj_t *self = MP_OBJ_TO_PTR(self_in);
    mp_obj_tuple_t *t = MP_OBJ_TO_PTR(mp_obj_new_tuple(self->ngroups - 1, NULL));
    for (int g = 1; g < self->ngroups; g++) {
        t->items[g - 1] = group_value(self, g);
    }
    return MP_OBJ_FROM_PTR(t);
}
static MP_DEFINE_CONST_FUN_OBJ_1(match_groups_obj, match_groups);

// caps[i] as the user sees it: a character index in a str, a byte index in bytes, -1 unmatched.
static mp_obj_t cap_index(match_obj_t *self, int i) {
    int off = self->caps[i];
    if (off > 0 && mp_obj_get_type(self->subject) == &mp_type_str) {
        const byte *s = (const byte *)mp_obj_str_get_str(self->subject);
        off = (int)utf8_ptr_to_index(s, s + off);
    }
    return MP_OBJ_NEW_SMALL_INT(off);
}

static int span_group(match_obj_t *self, size_t n_args, const mp_obj_t *args) {
    return n_args > 1 ? group_index(self, args[1]) : 0;
}

static mp_obj_t match_span(size_t n_args, const mp_obj_t *args) {
    match_obj_t *self = MP_OBJ_TO_PTR(args[0]);
    int g = span_group(self, n_args, args);
    mp_obj_t t[2] = { cap_index(self, 2 * g), cap_index(self, 2 * g + 1) };
    return mp_obj_new_tuple(2, t);
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(match_span_obj, 1, 2, match_span);

static mp_obj_t match_start(size_t n_args, const mp_obj_t *args) {
    match_obj_t *self = MP_OBJ_TO_PTR(args[0]);
    return cap_index(self, 2 * span_group(self, n_args, args));
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(match_start_obj, 1, 2, match_start);

static mp_obj_t match_end(size_t n_args, const mp_obj_t *args) {
    match_obj_t *self = MP_OBJ_TO_PTR(args[0]);
    return cap_index(self, 2 * span_group(self, n_args, args) + 1);
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(match_end_obj, 1, 2, match_end);

static const mp_rom_map_elem_t match_locals_table[] = {
    { MP_ROM_QSTR(MP_QSTR_group), MP_ROM_PTR(&match_group_obj) },
    { MP_ROM_QSTR(MP_QSTR_groups), MP_ROM_PTR(&match_groups_obj) },
    { MP_ROM_QSTR(MP_QSTR_span), MP_ROM_PTR(&match_span_obj) },
    { MP_ROM_QSTR(MP_QSTR_start), MP_ROM_PTR(&match_start_obj) },
    { MP_ROM_QSTR(MP_QSTR_end), MP_ROM_PTR(&match_end_obj) },
};
static MP_DEFINE_CONST_DICT(match_locals, match_locals_table);

static MP_DEFINE_CONST_OBJ_TYPE(match_type, MP_QSTR_match, MP_TYPE_FLAG_NONE,
    print, match_print, locals_dict, &match_locals);

// --- compiled patterns ---

static mp_obj_t re_compile_obj(mp_obj_t pattern) {
    size_t len;
    const char *s = mp_obj_str_get_data(pattern, &len);
    re_obj_t *self = mp_obj_malloc(re_obj_t, &re_type);
    self->pattern = pattern;
    size_t at;
    const char *err = re_compile(s, len, &self->prog, &at);
    if (err) {
        mp_raise_msg_varg(&mp_type_ValueError, MP_ERROR_TEXT("error in regex at offset %d: %s"), (int)at, err);
    }
    return MP_OBJ_FROM_PTR(self);
}

static re_obj_t *as_re(mp_obj_t obj) {
    return MP_OBJ_TO_PTR(mp_obj_is_type(obj, &re_type) ? obj : re_compile_obj(obj));
}

// The first match at or after pos (only at pos if anchored), or NULL.
static match_obj_t *re_find(re_obj_t *re, mp_obj_t subject, size_t pos, bool anchored) {
    size_t len;
    const char *s = mp_obj_str_get_data(subject, &len);
    match_obj_t *m = mp_obj_malloc_var(match_obj_t, caps, int, 2 * re->prog.ngroups, &match_type);
    m->subject = subject;
    m->ngroups = re->prog.ngroups;
    bool utf8 = mp_obj_get_type(subject) == &mp_type_str;
    for (; pos <= len; pos++) {
        if (utf8 && pos < len && ((uint8_t)s[pos] & 0xC0) == 0x80) {
            continue;   // a search starts on character boundaries only
        }
        if (re_exec(&re->prog, s, len, pos, utf8, m->caps)) {
            return m;
        }
        if (anchored || re->prog.anchored) {
            break;
        }
    }
    return NULL;
}

static mp_obj_t re_exec_common(size_t n_args, const mp_obj_t *args, bool anchored) {
    (void)n_args;
    match_obj_t *m = re_find(as_re(args[0]), args[1], 0, anchored);
    return m ? MP_OBJ_FROM_PTR(m) : mp_const_none;
}

static mp_obj_t re_match(size_t n_args, const mp_obj_t *args) {
    return re_exec_common(n_args, args, true);
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(re_match_obj, 2, 3, re_match);

static mp_obj_t re_search(size_t n_args, const mp_obj_t *args) {
    return re_exec_common(n_args, args, false);
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(re_search_obj, 2, 3, re_search);

static mp_obj_t slice_of(mp_obj_t subject, size_t from, size_t to) {
    size_t len;
    const char *s = mp_obj_str_get_data(subject, &len);
    return mp_obj_new_str_of_type(mp_obj_get_type(subject), (const byte *)s + from, to - from);
}

// split(string, maxsplit=0). As upstream: capture groups are not supported, and splitting stops
// at the first empty match.
static mp_obj_t re_split(size_t n_args, const mp_obj_t *args) {
    re_obj_t *re = as_re(args[0]);
    mp_obj_t subject = args[1];
    mp_int_t maxsplit = n_args > 2 ? mp_obj_get_int(args[2]) : 0;
    if (re->prog.ngroups > 1) {
        mp_raise_NotImplementedError(MP_ERROR_TEXT("re.split with capture groups: use (?:...) instead"));
    }
    size_t len;
    mp_obj_str_get_data(subject, &len);
    mp_obj_t list = mp_obj_new_list(0, NULL);
    size_t pos = 0;
    for (mp_int_t n = 0; maxsplit <= 0 || n < maxsplit; n++) {
        match_obj_t *m = re_find(re, subject, pos, false);
        if (m == NULL || m->caps[0] == m->caps[1]) {
            break;
        }
        mp_obj_list_append(list, slice_of(subject, pos, m->caps[0]));
        pos = m->caps[1];
    }
    mp_obj_list_append(list, slice_of(subject, pos, len));
    return list;
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(re_split_obj, 2, 3, re_split);

// Appends the template with \N, \NN and \g<N> replaced by groups (unmatched: empty), \\ by \ .
static void expand_template(vstr_t *out, match_obj_t *m, const char *t, size_t tlen) {
    for (size_t i = 0; i < tlen; i++) {
        if (t[i] != '\\' || i + 1 >= tlen) {
            vstr_add_byte(out, t[i]);
            continue;
        }
        char c = t[++i];
        size_t g = 0;
        if (c >= '0' && c <= '9') {
            g = c - '0';
            if (i + 1 < tlen && t[i + 1] >= '0' && t[i + 1] <= '9') {
                g = g * 10 + (t[++i] - '0');
            }
        } else if (c == 'g' && i + 1 < tlen && t[i + 1] == '<') {
            size_t j = i + 2;
            while (j < tlen && t[j] >= '0' && t[j] <= '9' && g < 100000) {
                g = g * 10 + (t[j++] - '0');
            }
            if (j >= tlen || t[j] != '>' || j == i + 2) {
                mp_raise_msg_varg(&mp_type_ValueError,
                    MP_ERROR_TEXT("sub: bad group reference at offset %d of the replacement"), (int)i - 1);
            }
            i = j;
        } else {
            vstr_add_byte(out, '\\');
            if (c != '\\') {
                vstr_add_byte(out, c);
            }
            continue;
        }
        if (g >= (size_t)m->ngroups) {
            mp_raise_msg_varg(&mp_type_IndexError,
                MP_ERROR_TEXT("sub: replacement refers to group %d, the pattern has %d"), (int)g, m->ngroups - 1);
        }
        if (m->caps[2 * g] >= 0) {
            size_t len;
            const char *s = mp_obj_str_get_data(m->subject, &len);
            vstr_add_strn(out, s + m->caps[2 * g], m->caps[2 * g + 1] - m->caps[2 * g]);
        }
    }
}

// sub(repl, string, count=0): repl is a template or a function of the match object.
static mp_obj_t re_sub_common(re_obj_t *re, mp_obj_t repl, mp_obj_t subject, mp_int_t count) {
    size_t len;
    const char *s = mp_obj_str_get_data(subject, &len);
    vstr_t out;
    vstr_init(&out, len + 8);
    size_t pos = 0;
    for (mp_int_t n = 0; count <= 0 || n < count; n++) {
        match_obj_t *m = re_find(re, subject, pos, false);
        if (m == NULL) {
            break;
        }
        vstr_add_strn(&out, s + pos, m->caps[0] - pos);
        if (mp_obj_is_callable(repl)) {
            size_t rl;
            const char *r = mp_obj_str_get_data(mp_call_function_1(repl, MP_OBJ_FROM_PTR(m)), &rl);
            vstr_add_strn(&out, r, rl);
        } else {
            size_t tl;
            const char *t = mp_obj_str_get_data(repl, &tl);
            expand_template(&out, m, t, tl);
        }
        pos = m->caps[1];
        if (m->caps[0] == m->caps[1]) {
            // an empty match: keep the next character and search after it
            if (pos >= len) {
                break;
            }
            vstr_add_byte(&out, s[pos++]);
        }
    }
    if (pos < len) {
        vstr_add_strn(&out, s + pos, len - pos);
    }
    const mp_obj_type_t *type = mp_obj_get_type(subject);
    return type == &mp_type_str ? mp_obj_new_str_from_utf8_vstr(&out) : mp_obj_new_bytes_from_vstr(&out);
}

// pattern.sub(repl, string, count=0) and re.sub(pattern, repl, string, count=0)
static mp_obj_t re_sub(size_t n_args, const mp_obj_t *args) {
    return re_sub_common(as_re(args[0]), args[1], args[2], n_args > 3 ? mp_obj_get_int(args[3]) : 0);
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(re_sub_obj, 3, 5, re_sub);

static void re_print(const mp_print_t *print, mp_obj_t self_in, mp_print_kind_t kind) {
    (void)kind;
    re_obj_t *self = MP_OBJ_TO_PTR(self_in);
    mp_print_str(print, "re.compile(");
    mp_obj_print_helper(print, self->pattern, PRINT_REPR);
    mp_print_str(print, ")");
}

static const mp_rom_map_elem_t re_locals_table[] = {
    { MP_ROM_QSTR(MP_QSTR_match), MP_ROM_PTR(&re_match_obj) },
    { MP_ROM_QSTR(MP_QSTR_search), MP_ROM_PTR(&re_search_obj) },
    { MP_ROM_QSTR(MP_QSTR_split), MP_ROM_PTR(&re_split_obj) },
    { MP_ROM_QSTR(MP_QSTR_sub), MP_ROM_PTR(&re_sub_obj) },
};
static MP_DEFINE_CONST_DICT(re_locals, re_locals_table);

static MP_DEFINE_CONST_OBJ_TYPE(re_type, MP_QSTR_re, MP_TYPE_FLAG_NONE,
    print, re_print, locals_dict, &re_locals);

// compile(pattern, flags=0): no flags are supported (upstream's only one is DEBUG).
static mp_obj_t mod_re_compile(size_t n_args, const mp_obj_t *args) {
    if (n_args > 1 && mp_obj_get_int(args[1]) != 0) {
        mp_raise_msg_varg(&mp_type_ValueError, MP_ERROR_TEXT("re.compile: flags %d not supported (only 0)"),
            (int)mp_obj_get_int(args[1]));
    }
    return re_compile_obj(args[0]);
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(mod_re_compile_obj, 1, 2, mod_re_compile);

static const mp_rom_map_elem_t re_module_globals_table[] = {
    { MP_ROM_QSTR(MP_QSTR___name__), MP_ROM_QSTR(MP_QSTR_re) },
    { MP_ROM_QSTR(MP_QSTR_compile), MP_ROM_PTR(&mod_re_compile_obj) },
    { MP_ROM_QSTR(MP_QSTR_match), MP_ROM_PTR(&re_match_obj) },
    { MP_ROM_QSTR(MP_QSTR_search), MP_ROM_PTR(&re_search_obj) },
    { MP_ROM_QSTR(MP_QSTR_split), MP_ROM_PTR(&re_split_obj) },
    { MP_ROM_QSTR(MP_QSTR_sub), MP_ROM_PTR(&re_sub_obj) },
};
static MP_DEFINE_CONST_DICT(re_module_globals, re_module_globals_table);

const mp_obj_module_t k210_re_module = {
    .base = { &mp_type_module },
    .globals = (mp_obj_dict_t *)&re_module_globals,
};

MP_REGISTER_EXTENSIBLE_MODULE(MP_QSTR_re, k210_re_module);
