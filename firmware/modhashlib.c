// The hashlib module: sha256 and sha1 objects with update() and digest(). As on upstream
// MicroPython, digest() finishes the object: a second digest() or a later update() is an error.
#include "py/runtime.h"

#include "sha.h"

typedef struct {
    mp_obj_base_t base;
    sha_ctx_t ctx;
    uint8_t digest_len;    // 32 (sha256) or 20 (sha1)
    bool finished;
} hash_obj_t;

static mp_obj_t hash_update(mp_obj_t self_in, mp_obj_t data_in);

static mp_obj_t hash_new(const mp_obj_type_t *type, size_t n_args, const mp_obj_t *args, int digest_len) {
    mp_arg_check_num(n_args, 0, 0, 1, false);
    hash_obj_t *self = mp_obj_malloc(hash_obj_t, type);
    self->digest_len = (uint8_t)digest_len;
    self->finished = false;
    if (digest_len == 20) {
        sha1_init(&self->ctx);
    } else {
        sha256_init(&self->ctx);
    }
    if (n_args == 1) {
        hash_update(MP_OBJ_FROM_PTR(self), args[0]);
    }
    return MP_OBJ_FROM_PTR(self);
}

static mp_obj_t sha256_make_new(const mp_obj_type_t *type, size_t n_args, size_t n_kw, const mp_obj_t *args) {
    (void)n_kw;
    return hash_new(type, n_args, args, 32);
}

static mp_obj_t sha1_make_new(const mp_obj_type_t *type, size_t n_args, size_t n_kw, const mp_obj_t *args) {
    (void)n_kw;
    return hash_new(type, n_args, args, 20);
}

static void check_open(hash_obj_t *self, const char *what) {
    if (self->finished) {
        mp_raise_msg_varg(&mp_type_ValueError,
            MP_ERROR_TEXT("%s after digest(): this hash is finished; create a new one"), what);
    }
}

static mp_obj_t hash_update(mp_obj_t self_in, mp_obj_t data_in) {
    hash_obj_t *self = MP_OBJ_TO_PTR(self_in);
    check_open(self, "update()");
    mp_buffer_info_t buf;
    mp_get_buffer_raise(data_in, &buf, MP_BUFFER_READ);
    sha_update(&self->ctx, buf.buf, buf.len, self->digest_len);
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_2(hash_update_obj, hash_update);

static mp_obj_t hash_digest(mp_obj_t self_in) {
    hash_obj_t *self = MP_OBJ_TO_PTR(self_in);
    check_open(self, "digest()");
    uint8_t out[32];
    sha_final(&self->ctx, out, self->digest_len);
    self->finished = true;
    return mp_obj_new_bytes(out, self->digest_len);
}
static MP_DEFINE_CONST_FUN_OBJ_1(hash_digest_obj, hash_digest);

static const mp_rom_map_elem_t hash_locals_table[] = {
    { MP_ROM_QSTR(MP_QSTR_update), MP_ROM_PTR(&hash_update_obj) },
    { MP_ROM_QSTR(MP_QSTR_digest), MP_ROM_PTR(&hash_digest_obj) },
};
static MP_DEFINE_CONST_DICT(hash_locals, hash_locals_table);

static MP_DEFINE_CONST_OBJ_TYPE(hashlib_sha256_type, MP_QSTR_sha256, MP_TYPE_FLAG_NONE,
    make_new, sha256_make_new, locals_dict, &hash_locals);
static MP_DEFINE_CONST_OBJ_TYPE(hashlib_sha1_type, MP_QSTR_sha1, MP_TYPE_FLAG_NONE,
    make_new, sha1_make_new, locals_dict, &hash_locals);

static const mp_rom_map_elem_t hashlib_module_globals_table[] = {
    { MP_ROM_QSTR(MP_QSTR___name__), MP_ROM_QSTR(MP_QSTR_hashlib) },
    { MP_ROM_QSTR(MP_QSTR_sha256), MP_ROM_PTR(&hashlib_sha256_type) },
    { MP_ROM_QSTR(MP_QSTR_sha1), MP_ROM_PTR(&hashlib_sha1_type) },
};
static MP_DEFINE_CONST_DICT(hashlib_module_globals, hashlib_module_globals_table);

const mp_obj_module_t k210_hashlib_module = {
    .base = { &mp_type_module },
    .globals = (mp_obj_dict_t *)&hashlib_module_globals,
};

MP_REGISTER_EXTENSIBLE_MODULE(MP_QSTR_hashlib, k210_hashlib_module);
